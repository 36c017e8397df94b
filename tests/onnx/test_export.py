"""mx.onnx.export_model: whole networks, MXNet 1.9.1's golden symbol files, the API (files,
params forms, dynamic shapes, opsets) and its errors; ONNX Runtime must reproduce our
executor's inference outputs (and real MXNet's, for the golden files)."""
import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import framework as mx                                            # noqa: E402
from framework.base import MXNetError                            # noqa: E402
from framework.onnx._registry import CONVERTERS                  # noqa: E402
from tests.compat import golden_symbols as golden                # noqa: E402
from .models import MODELS                                       # noqa: E402
from .util import export_and_check, random_inputs, random_params, run_onnx, \
    executor_outputs                                             # noqa: E402


def _model_params(factory):
    sym, params, shapes = factory()
    if params is None:
        params = random_params(sym, shapes)
    return sym, params, shapes


@pytest.mark.parametrize("case", [pytest.param(f, id=i, marks=[pytest.mark.slow] if slow else [])
                                  for i, f, slow in MODELS])
def test_model_exports_and_matches(case, tmp_path):
    sym, params, shapes = _model_params(case)
    model = export_and_check(sym, params, random_inputs(shapes), tmp_path)
    # params become initializers named like the variables; the label is no graph input
    init = {t.name for t in model.graph.initializer}
    assert set(params) - init <= {n for n in params if n.endswith("gamma")}
    assert [i.name for i in model.graph.input] == list(shapes)
    assert [o.name for o in model.graph.output] == ["softmax"]


def _golden_ops(cid):
    nodes = json.loads(golden.text(cid))["nodes"]
    return {n["op"] for n in nodes if n["op"] != "null"}


# input shapes for the golden files whose manifest records none
EXTRA_SHAPES = {
    "misc_attrs": {"x": (2, 3)}, "legacy_v10500": {"x": (2, 3)},
    "legacy_v0800": {"data": (2, 5)}, "compose_general": {"data": (2, 3), "y": (2, 3)},
    "internals": {"data": (4, 20), "softmax_label": (4,)},
    "children": {"data": (4, 20), "softmax_label": (4,)},
    "compose_atomic": {"fc3_data": (2, 5)}, "var_attrs": {"w": (3, 4)},
}
# bn_versions holds two different variables named 'b1_gamma': no executor binds it (MXNet's
# neither), so there is nothing to compare ONNX Runtime with.
NOT_BINDABLE = {"bn_versions"}


def _shapes(cid):
    return EXTRA_SHAPES.get(cid) or golden.CASES[cid].get("shapes")


def _golden_cases():
    """Golden MXNet 1.9.1 symbol files whose ops are all mapped."""
    from compiler.ops import registry
    out = []
    for cid, case in sorted(golden.CASES.items()):
        if not _shapes(cid) or cid in NOT_BINDABLE:
            continue
        if all(registry.get(op).name in CONVERTERS for op in _golden_ops(cid)):
            out.append(cid)
    return out


GOLDEN = _golden_cases()


def test_golden_selection_is_broad():
    assert set(GOLDEN) == set(golden.CASES) - NOT_BINDABLE


@pytest.mark.parametrize("cid", GOLDEN)
def test_golden_symbol_file(cid, tmp_path):
    """Load the file written by MXNet 1.9.1 by path; with its recorded inputs, ONNX Runtime
    matches MXNet 1.9.1's own eval outputs; otherwise our executor's."""
    case = golden.CASES[cid]
    sym = mx.sym.load(golden.path(cid))
    shapes = {k: tuple(v) for k, v in _shapes(cid).items()}
    types = case.get("types", {})
    want = None
    if "npz" in case:
        values, outs, _, _ = golden.arrays(cid)
        inputs = {k: values[k] for k in shapes}          # as MXNet evaluated them
        params = {k: mx.nd.array(v, dtype=v.dtype) for k, v in values.items() if k not in shapes}
        want = outs
    else:
        inputs = random_inputs(shapes, types)
        params = random_params(sym, shapes, types=types)
    export_and_check(sym, params, inputs, tmp_path, want=want)


def test_file_paths_prefixed_params_and_defaults(tmp_path, monkeypatch):
    """sym and params as files (mx.nd.save's arg:/aux: keys), in_shapes positional, the
    default onnx_file_path in the working directory, and the returned path."""
    sym, _, shapes = MODELS[1][1]()
    params = random_params(sym, shapes)
    sym_file, params_file = str(tmp_path / "net-symbol.json"), str(tmp_path / "net-0000.params")
    sym.save(sym_file)
    aux = set(sym.list_auxiliary_states())
    mx.nd.save(params_file, {("aux:" if k in aux else "arg:") + k: v for k, v in params.items()})
    monkeypatch.chdir(tmp_path)
    assert mx.onnx.export_model(sym_file, params_file, [shapes["data"]]) == "model.onnx"
    inputs = random_inputs(shapes)
    got, _ = run_onnx(str(tmp_path / "model.onnx"), inputs)
    np.testing.assert_allclose(got[0], executor_outputs(sym, params, inputs)[0],
                               rtol=1e-4, atol=1e-5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_params_as_arg_aux_list_and_numpy_values(tmp_path):
    sym, _, shapes = MODELS[1][1]()
    params = random_params(sym, shapes)
    aux_names = set(sym.list_auxiliary_states())
    arg = {k: v.asnumpy() for k, v in params.items() if k not in aux_names}
    aux = {k: v for k, v in params.items() if k in aux_names}
    inputs = random_inputs(shapes)
    path = mx.onnx.export_model(sym, [arg, aux], input_shape=[shapes["data"]],
                                input_type=np.float32, onnx_file_path=str(tmp_path / "m.onnx"))
    got, _ = run_onnx(path, inputs)
    np.testing.assert_allclose(got[0], executor_outputs(sym, params, inputs)[0],
                               rtol=1e-4, atol=1e-5)


def test_fix_gamma_ignores_gamma_values(tmp_path):
    """fix_gamma=True (BatchNorm's default): gamma is treated as 1 whatever params hold."""
    data = mx.sym.Variable("data")
    sym = mx.sym.BatchNorm(data, name="bn", eps=1e-3)
    params = {"bn_gamma": mx.nd.array([5.0, -2.0]), "bn_beta": mx.nd.array([0.5, 1.0]),
              "bn_moving_mean": mx.nd.array([1.0, -1.0]), "bn_moving_var": mx.nd.array([4.0, 0.25])}
    x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    want = (x - np.array([1, -1]).reshape(1, 2, 1)) / np.sqrt(
        np.array([4.0, 0.25]).reshape(1, 2, 1) + 1e-3) + np.array([0.5, 1.0]).reshape(1, 2, 1)
    model = export_and_check(sym, params, {"data": x}, tmp_path, want=[want.astype(np.float32)])
    assert "bn_gamma" not in {t.name for t in model.graph.initializer}


def test_dynamic_batch(tmp_path):
    """dynamic=True: free input dims; Reshape keeps the copied batch dim (code 0)."""
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, name="conv")
    net = mx.sym.Reshape(net, shape=(0, -1), name="rs")
    net = mx.sym.FullyConnected(net, num_hidden=5, name="fc")
    sym = mx.sym.SoftmaxOutput(net, name="softmax")
    params = random_params(sym, {"data": (2, 3, 6, 6)})
    path = mx.onnx.export_model(sym, params, [(2, 3, 6, 6)], np.float32,
                                str(tmp_path / "d.onnx"), dynamic=True)
    model = onnx.load(path)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.HasField("dim_value") for d in dims] == [False] * 4
    for batch in (1, 5):
        x = random_inputs({"data": (batch, 3, 6, 6)}, seed=batch)
        got, _ = run_onnx(path, x)
        np.testing.assert_allclose(got[0], executor_outputs(sym, params, x)[0],
                                   rtol=1e-4, atol=1e-5)
    with pytest.raises(MXNetError, match="dynamic_input_shapes"):
        mx.onnx.export_model(sym, params, [(2, 3, 6, 6)], np.float32, str(tmp_path / "e.onnx"),
                             dynamic_input_shapes=[(None, 3, 6, 6)])
    path = mx.onnx.export_model(sym, params, [(2, 3, 6, 6)], np.float32, str(tmp_path / "f.onnx"),
                                dynamic=True, dynamic_input_shapes=[("batch", 3, 6, 6)])
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [3, 6, 6]


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_opsets(opset, tmp_path):
    """The declared opset; LayerNorm uses LayerNormalization from 17, Reduce* axes inputs
    from 18."""
    data = mx.sym.Variable("data")
    net = mx.sym.LayerNorm(data, name="ln")
    net = mx.sym.mean(net, axis=1, keepdims=True, name="m")
    sym = mx.sym.max(net, axis=2, name="mx")
    shapes = {"data": (2, 3, 4)}
    model = export_and_check(sym, random_params(sym, shapes), random_inputs(shapes), tmp_path,
                             opset=opset)
    assert model.opset_import[0].version == opset
    ops = {n.op_type for n in model.graph.node}
    assert ("LayerNormalization" in ops) == (opset >= 17)


def test_value_info_and_output_names(tmp_path):
    """Intermediate tensors carry the inferred shapes; multi-output nodes name their outputs
    <node><i>; a repeated output gets its own Identity."""
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=6, name="fc")
    sp = mx.sym.SliceChannel(fc, num_outputs=3, name="sp")
    sym = mx.sym.Group([sp[0], mx.sym.relu(sp[1], name="r"), sp[0]])
    shapes = {"data": (4, 5)}
    model = export_and_check(sym, random_params(sym, shapes), random_inputs(shapes), tmp_path)
    names = [o.name for o in model.graph.output]
    assert names[:2] == ["sp0", "r"] and names[2] != "sp0"
    info = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in model.graph.value_info}
    assert info["fc"] == [4, 6] and info["sp1"] == [4, 2]


def test_run_shape_inference_and_large_model(tmp_path):
    sym, _, shapes = MODELS[0][1]()
    params = random_params(sym, shapes)
    inputs = random_inputs(shapes)
    want = executor_outputs(sym, params, inputs)
    path = mx.onnx.export_model(sym, params, [(4, 20)], np.float32, str(tmp_path / "s.onnx"),
                                run_shape_inference=True)
    np.testing.assert_allclose(run_onnx(path, inputs)[0][0], want[0], rtol=1e-4, atol=1e-5)
    path = mx.onnx.export_model(sym, params, [(4, 20)], np.float32, str(tmp_path / "l.onnx"),
                                large_model=True)
    assert (tmp_path / "l.onnx.data").stat().st_size >= 16 * 20 * 4
    np.testing.assert_allclose(run_onnx(path, inputs)[0][0], want[0], rtol=1e-4, atol=1e-5)


def test_get_operator_support():
    ops = mx.onnx.get_operator_support()
    assert {"Convolution", "FullyConnected", "BatchNorm", "Reshape", "flatten", "split",
            "SoftmaxOutput", "Embedding", "LayerNorm"} <= set(ops)
    assert "gamma" not in ops and "_random_uniform" not in ops


# --- errors -------------------------------------------------------------------------------

def test_unmapped_op_names_op_and_node(tmp_path):
    data = mx.sym.Variable("data")
    sym = mx.sym.gamma(mx.sym.relu(data), name="gam")
    with pytest.raises(MXNetError, match=r"gamma.*'gam'.*no ONNX mapping"):
        mx.onnx.export_model(sym, {}, [(2, 3)], np.float32, str(tmp_path / "x.onnx"))
    assert not list(tmp_path.iterdir())


def test_missing_param_named(tmp_path):
    sym, _, shapes = MODELS[0][1]()
    params = random_params(sym, shapes)
    del params["fc1_bias"]
    with pytest.raises(MXNetError, match="fc1_bias"):
        mx.onnx.export_model(sym, params, [(4, 20)], np.float32, str(tmp_path / "x.onnx"))


def test_bad_arguments(tmp_path):
    sym, _, shapes = MODELS[0][1]()
    params = random_params(sym, shapes)
    out = str(tmp_path / "x.onnx")
    with pytest.raises(MXNetError, match="in_shapes is required"):
        mx.onnx.export_model(sym, params, onnx_file_path=out)
    with pytest.raises(MXNetError, match="FullyConnected 'fc1'.*weight shape"):
        mx.onnx.export_model(sym, params, [(4, 21)], np.float32, out)
    with pytest.raises(MXNetError, match="opset_version 9"):
        mx.onnx.export_model(sym, params, [(4, 20)], np.float32, out, opset_version=9)
    with pytest.raises(MXNetError, match="in_types has 2"):
        mx.onnx.export_model(sym, params, [(4, 20)], [np.float32, np.float32], out)
    with pytest.raises(MXNetError, match="3 shapes"):
        mx.onnx.export_model(sym, params, [(4, 20), (4,), (1,)], np.float32, out)
    with pytest.raises(MXNetError, match="does not exist"):
        mx.onnx.export_model(str(tmp_path / "nope.json"), params, [(4, 20)], np.float32, out)
    with pytest.raises(MXNetError, match="params must be"):
        mx.onnx.export_model(sym, 3, [(4, 20)], np.float32, out)


def test_node_named_like_a_variable_keeps_variable_names(tmp_path):
    """Initializers and inputs keep the variables' names; a node output that would clash is
    renamed."""
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    sym = mx.sym.relu(fc, name="fc_weight")
    shapes = {"data": (2, 4)}
    model = export_and_check(sym, random_params(sym, shapes), random_inputs(shapes), tmp_path)
    assert {t.name for t in model.graph.initializer} == {"fc_weight", "fc_bias"}
    assert model.graph.output[0].name == "fc_weight_1"


def test_verbose_logs_each_node(tmp_path, caplog):
    sym, _, shapes = MODELS[0][1]()
    with caplog.at_level("INFO", logger="framework.onnx._export"):
        mx.onnx.export_model(sym, random_params(sym, shapes), [(4, 20)], np.float32,
                             str(tmp_path / "v.onnx"), verbose=True)
    text = caplog.text
    assert "Converting op FullyConnected, name fc1" in text
    assert "Converting op SoftmaxOutput, name softmax" in text
    assert "Exported ONNX file" in text


def test_dynamic_rnn_sequence_and_batch(tmp_path):
    data, state = mx.sym.Variable("data"), mx.sym.Variable("state")
    sym = mx.sym.RNN(data, mx.sym.Variable("rnn_parameters"), state, state_size=3,
                     num_layers=2, mode="gru", bidirectional=True, name="rnn")
    shapes = {"data": (4, 2, 5), "state": (4, 2, 3)}
    params = random_params(sym, shapes)
    path = mx.onnx.export_model(sym, params, [shapes["data"], shapes["state"]], np.float32,
                                str(tmp_path / "r.onnx"), dynamic=True)
    inputs = random_inputs({"data": (6, 3, 5), "state": (4, 3, 3)})
    got, _ = run_onnx(path, inputs)
    np.testing.assert_allclose(got[0], executor_outputs(sym, params, inputs)[0],
                               rtol=1e-4, atol=1e-5)
