"""Shared checks of the ONNX exporter: export, onnx.checker, ONNX Runtime vs our executor."""
import numpy as np

import framework as mx

RTOL, ATOL = 1e-4, 1e-5


def random_params(sym, shapes, seed=0, exclude=(), types=None):
    """Random values for every argument not in `shapes` (labels excluded) and every aux state
    (positive: the variances), in the dtypes inferred from `types` (default float32)."""
    rng = np.random.default_rng(seed)
    arg_shapes, _, aux_shapes = sym.infer_shape(**shapes)
    arg_types, _, aux_types = sym.infer_type(**(types or {n: "float32" for n in shapes}))
    params = {}
    for name, shape, dtype in zip(sym.list_arguments(), arg_shapes, arg_types):
        if name in shapes or name in exclude or name.endswith("label"):
            continue
        value = (rng.standard_normal(shape) * 0.5).astype(dtype)
        params[name] = mx.nd.array(value, dtype=value.dtype)
    for name, shape, dtype in zip(sym.list_auxiliary_states(), aux_shapes, aux_types):
        value = rng.uniform(0.5, 1.5, shape).astype(dtype)
        params[name] = mx.nd.array(value, dtype=value.dtype)
    return params


def random_inputs(shapes, types=None, seed=1, gen=None):
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        dtype = np.dtype((types or {}).get(name, "float32"))
        if gen and name in gen:
            out[name] = np.asarray(gen[name](rng, shape), dtype=dtype)
        else:
            out[name] = rng.standard_normal(shape).astype(dtype)
    return out


def executor_outputs(sym, params, inputs):
    """Our executor's inference forward (is_train=False) with `params` and `inputs`."""
    arg_names, aux_names = sym.list_arguments(), set(sym.list_auxiliary_states())
    shapes = {k: v.shape for k, v in inputs.items()}
    arg_shapes, _, _ = sym.infer_shape(**shapes, **{k: tuple(v.shape) for k, v in params.items()
                                                    if k in arg_names})
    args = {}
    for name, shape in zip(arg_names, arg_shapes):
        if name in inputs:
            args[name] = mx.nd.array(inputs[name], dtype=inputs[name].dtype)
        elif name in params:
            args[name] = params[name] if isinstance(params[name], mx.nd.NDArray) \
                else mx.nd.array(params[name])
        else:                                         # an unused label
            args[name] = mx.nd.zeros(shape)
    aux = {k: (v if isinstance(v, mx.nd.NDArray) else mx.nd.array(v))
           for k, v in params.items() if k in aux_names}
    exe = sym.bind(mx.cpu(), args, grad_req="null", aux_states=aux)
    return [o.asnumpy() for o in exe.forward(is_train=False)]


def run_onnx(path, inputs):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, {n: inputs[n] for n in names}), sess


def export_and_check(sym, params, inputs, tmp_path, opset=None, want=None, types=None,
                     rtol=RTOL, atol=ATOL, **kwargs):
    """Export, run onnx.checker (full check) and ONNX Runtime; compare with `want` (default:
    our executor's outputs).  Returns the loaded ModelProto."""
    import onnx
    order = sym.list_inputs()                      # in_shapes follow list_inputs' order
    names = sorted(inputs, key=order.index)
    path = str(tmp_path / "model.onnx")
    in_types = [inputs[n].dtype for n in names] if types is None else types
    ret = mx.onnx.export_model(sym, params, [inputs[n].shape for n in names], in_types, path,
                               opset_version=opset, **kwargs)
    assert ret == path
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == names
    got, _ = run_onnx(path, inputs)
    if want is None:
        want = executor_outputs(sym, params, inputs)
    assert len(got) == len(want) == len(sym.list_outputs())
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, (i, g.shape, w.shape)
        assert g.dtype == w.dtype, (i, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg="output %d" % i)
    return model
