"""Bad input to session 2's surfaces raises MXNetError (or MXNet's own class, through our
subclasses) naming what is wrong: regression tests of tests/framework/fuzz_new_surfaces.py's
findings.  Tiny shapes; every file-based case writes to tmp_path."""
import json
import os
import pickle
import re
import struct

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

nn = mx.gluon.nn


class _Marker:
    """Unpickling this calls open(path, 'w'): the file appears if anything unpickles it."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


def _exported(tmp_path):
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(4, in_units=3), nn.BatchNorm(in_channels=4))
    net.initialize()
    net.hybridize()
    net(mx.nd.ones((2, 3)))
    prefix = str(tmp_path / "m")
    net.export(prefix, 0)
    return prefix


# --- symbol files --------------------------------------------------------------------------

def test_symbol_loaders_refuse_foreign_and_damaged_files(tmp_path):
    prefix = _exported(tmp_path)
    params = prefix + "-0000.params"
    cases = {
        "missing": (str(tmp_path / "nope-symbol.json"), "nope-symbol.json"),
        "directory": (str(tmp_path), "cannot open"),
        "params file": (params, "not UTF-8"),
        "deep nesting": (_write(tmp_path / "deep-symbol.json", b"[" * 100000 + b"]" * 100000),
                         "malformed"),
        "truncated": (_write(tmp_path / "t-symbol.json",
                             open(prefix + "-symbol.json", "rb").read()[:40]), "malformed"),
    }
    for label, (path, word) in cases.items():
        with pytest.raises(MXNetError, match=word):
            mx.gluon.SymbolBlock.imports(path, ["data"], params)
        with pytest.raises(MXNetError, match="symbol file"):
            mx.sym.load(path)


def test_pickles_are_never_executed_by_any_loader(tmp_path):
    prefix = _exported(tmp_path)
    marker = str(tmp_path / "PWNED")
    payload = pickle.dumps({"w": _Marker(marker)}, protocol=2)
    sym_file = _write(tmp_path / "p-symbol.json", payload)
    par_file = _write(tmp_path / "p.params", payload)
    st_file = _write(tmp_path / "p.states", payload)
    net = nn.Dense(4, in_units=3)
    net.initialize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"momentum": 0.9})
    kv = mx.kv.create("local")
    kv.set_optimizer(mx.optimizer.SGD())
    loaders = [lambda: mx.gluon.SymbolBlock.imports(sym_file, ["data"], prefix + "-0000.params"),
               lambda: mx.gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], par_file),
               lambda: net.load_parameters(par_file),
               lambda: net.collect_params().load(par_file),
               lambda: mx.nd.load(par_file),
               lambda: trainer.load_states(st_file),
               lambda: kv.load_optimizer_states(st_file),
               lambda: mx.optimizer.get_updater(mx.optimizer.SGD()).set_states(payload)]
    for load in loaders:
        with pytest.raises(MXNetError):
            load()
        assert not os.path.exists(marker)


# --- .params files and checkpoints --------------------------------------------------------

def test_unnamed_list_params_file_is_refused_with_its_name(tmp_path):
    prefix = _exported(tmp_path)
    path = str(tmp_path / "list.params")
    mx.nd.save(path, [mx.nd.ones((4, 3)), mx.nd.ones((4,))])
    with pytest.raises(ValueError, match="list.params holds an unnamed list"):
        mx.gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], path)
    net = nn.Dense(4, in_units=3, prefix="d_")
    with pytest.raises(ValueError, match="unnamed list"):
        net.collect_params().load(path)


def test_module_load_names_the_parameter_of_the_wrong_shape(tmp_path):
    prefix = _exported(tmp_path)
    saved = mx.nd.load(prefix + "-0000.params")
    saved["arg:net_dense0_weight"] = mx.nd.ones((5, 3))
    mx.nd.save(prefix + "-0000.params", saved)
    mod = mx.mod.Module.load(prefix, 0, label_names=None)
    with pytest.raises(ValueError, match=r"net_dense0_weight' has shape \(5, 3\).*\(4, 3\)"):
        mod.bind(data_shapes=[("data", (2, 3))], for_training=False)


# --- optimizer states ------------------------------------------------------------------------

def _states_blob(optimizer, shape=(4, 3), dtype="float32", index=0):
    upd = mx.optimizer.get_updater(optimizer)
    upd(index, mx.nd.ones(shape, dtype=dtype), mx.nd.ones(shape, dtype=dtype))
    return upd.get_states(dump_optimizer=True)


def _tampered(blob, edit):
    (n,) = struct.unpack("<Q", blob[12:20])
    header = json.loads(blob[20:20 + n].decode())
    edit(header)
    text = json.dumps(header).encode()
    return blob[:12] + struct.pack("<Q", len(text)) + text + blob[20 + n:]


def _set_attr(name, value):
    def edit(h):
        for item in h["optimizer"]["attrs"]:
            if item[0] == name:
                item[1] = value
    return edit


@pytest.mark.parametrize("edit, words", [
    (lambda h: h["states"]["dict"][0][1].__setitem__("ctx", "cpu"), "malformed context"),
    (lambda h: h["states"]["dict"][0][1].__setitem__("ctx", ["cpu", "x"]), "malformed context"),
    (lambda h: h["states"].__setitem__("dict", [[{"dict": []}, None]]), "not hashable"),
    (lambda h: h["states"]["dict"][0].__setitem__(1, {"dtype": "zzz"}), "bad dtype"),
    (lambda h: h["states"]["dict"][0].__setitem__(1, {"context": 5}), "malformed context"),
    (lambda h: h["optimizer"].__setitem__("class", [1]), "unknown optimizer class"),
    (lambda h: h["optimizer"].__setitem__("device", {"list": [1]}), "malformed device"),
    (lambda h: h["optimizer"]["attrs"].append(["__class__", 1]), "'__class__' cannot be loaded"),
    (lambda h: h["optimizer"]["attrs"].append(["update", 1]), "'update' cannot be loaded"),
    (_set_attr("lr", "abc"), r"SGD\.lr is 'abc'"),
    (_set_attr("momentum", {"list": [1]}), r"SGD\.momentum"),
    (_set_attr("wd", None), r"SGD\.wd is None"),
    (_set_attr("aggregate_num", -2), r"SGD\.aggregate_num is -2"),
    (_set_attr("num_update", 1.5), r"SGD\.num_update is 1\.5"),
    (_set_attr("_index_update_count", {"dict": [[0, "x"]]}), "expected numbers"),
    (_set_attr("lr_scheduler", {"lr_scheduler": "framework.lr_scheduler:FactorScheduler",
                                "attrs": []}), r"FactorScheduler\.base_lr is missing"),
])
def test_tampered_optimizer_states_fail_at_load(edit, words):
    blob = _tampered(_states_blob(mx.optimizer.SGD(momentum=0.9)), edit)
    with pytest.raises(MXNetError, match=words):
        mx.optimizer.get_updater(mx.optimizer.SGD()).set_states(blob)


def test_states_of_another_optimizer_replace_the_aggregation_too():
    """Adam's states (aggregate_num 0) loaded into an SGD updater (aggregating): the next
    call runs Adam exactly as an Adam updater would (MXNet loops forever here)."""
    adam_blob = _states_blob(mx.optimizer.Adam(learning_rate=0.1))
    upd = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
    upd.set_states(adam_blob)
    ref = mx.optimizer.get_updater(mx.optimizer.Adam(learning_rate=0.1))
    ref.set_states(adam_blob)
    got, want = mx.nd.ones((4, 3)), mx.nd.ones((4, 3))
    upd([0], [mx.nd.full((4, 3), 0.5)], [got])
    ref(0, mx.nd.full((4, 3), 0.5), want)
    assert type(upd.optimizer).__name__ == "Adam"
    np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())
    assert not np.allclose(got.asnumpy(), 1.0)


def test_states_of_another_model_are_refused_naming_the_parameter(tmp_path):
    def trained(units, dtype="float32"):
        net = nn.Dense(units, in_units=3, dtype=dtype, prefix="fc_")
        net.initialize()
        tr = mx.gluon.Trainer(net.collect_params(), "sgd", {"momentum": 0.9})
        with mx.autograd.record():
            net(mx.nd.ones((2, 3), dtype=dtype)).sum().backward()
        tr.step(2)
        return net, tr
    _, other = trained(5)
    other.save_states(str(tmp_path / "five.states"))
    _, other64 = trained(4, "float64")
    other64.save_states(str(tmp_path / "f64.states"))
    for fname, words in (("five.states", r"'fc_bias'.*shape \(4,\).*loaded array of shape \(5,\)"),
                         ("f64.states", r"'fc_bias'.*float64")):
        net, tr = trained(4)
        tr.load_states(str(tmp_path / fname))
        before = net.weight.data().asnumpy().copy()
        with mx.autograd.record():
            net(mx.nd.ones((2, 3))).sum().backward()
        with pytest.raises(MXNetError, match=words):
            tr.step(2)
        np.testing.assert_array_equal(net.weight.data().asnumpy(), before)


def test_fused_optimizer_rejects_a_state_that_is_not_an_ndarray():
    opt = mx.optimizer.AdaGrad()
    with pytest.raises(MXNetError, match="history must be an NDArray, got str"):
        opt.update(0, mx.nd.ones((2, 2)), mx.nd.ones((2, 2)), "junk")


def test_update_op_rejects_an_argument_given_twice():
    w, g = mx.nd.ones((2, 2)), mx.nd.ones((2, 2))
    with pytest.raises(TypeError, match="sgd_update.*multiple values for argument 'lr'"):
        mx.nd.sgd_update(w, g, mx.nd.ones((2, 2)), lr=0.1)
    np.testing.assert_allclose(mx.nd.sgd_update(w, g, 0.25).asnumpy(), np.full((2, 2), 0.75))


# --- datasets and iterators -------------------------------------------------------------------

def _idx(arr):
    arr = np.asarray(arr, np.uint8)
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + \
        arr.tobytes()


def test_mnist_header_with_huge_dims_is_refused(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte",
           bytes([0, 0, 8, 3]) + struct.pack(">III", 2 ** 31, 2 ** 31, 2 ** 31))
    _write(tmp_path / "train-labels-idx1-ubyte", _idx(np.arange(3)))
    with pytest.raises(MXNetError, match=r"train-images-idx3-ubyte is truncated.*2147483648"):
        mx.gluon.data.vision.MNIST(root=str(tmp_path))


def test_record_file_dataset_rejects_bad_index_files(tmp_path):
    rec = struct.pack("<II", 0xced7230a, 5) + b"hello\x00\x00\x00"
    _write(tmp_path / "d.rec", rec)
    for idx, words in ((b"0\t-8\n", "offset >= 0"), (b"0\t99999999999999999999\n", "offset"),
                       (b"\xff\xfe\x00\x01\n", "line 1")):
        _write(tmp_path / "d.idx", idx)
        with pytest.raises(MXNetError, match=words):
            mx.gluon.data.RecordFileDataset(str(tmp_path / "d.rec"))[0]
    _write(tmp_path / "d.idx", b"0\t0\n")
    assert mx.gluon.data.RecordFileDataset(str(tmp_path / "d.rec"))[0] == b"hello"
    _write(tmp_path / "g.rec", struct.pack("<II", 0xced7230a, (1 << 29) - 1) + b"abc")
    _write(tmp_path / "g.idx", b"0\t0\n")
    with pytest.raises(MXNetError, match="runs past the end"):
        mx.gluon.data.RecordFileDataset(str(tmp_path / "g.rec"))[0]


def test_mnist_iter_and_csv_iter_validate_batching_arguments(tmp_path):
    img = _write(tmp_path / "img", _idx(np.zeros((6, 4, 4))))
    lab = _write(tmp_path / "lab", _idx(np.arange(6)))
    for kw, words in (({"batch_size": 0}, "batch_size"), ({"batch_size": -1}, "batch_size"),
                      ({"batch_size": 2, "num_parts": 0}, "num_parts"),
                      ({"batch_size": 2, "num_parts": 2, "part_index": 5}, "part_index=5")):
        with pytest.raises(MXNetError, match=words):
            mx.io.MNISTIter(image=img, label=lab, **kw)
    batches = list(mx.io.MNISTIter(image=img, label=lab, batch_size=2, num_parts=2,
                                   part_index=1, shuffle=False))
    assert [b.label[0].asnumpy().tolist() for b in batches] == [[3.0, 4.0]]
    csv = _write(tmp_path / "d.csv", b"1,2\n3,4\n")
    for bs in (0, -2):
        with pytest.raises(MXNetError, match="batch_size must be a positive integer"):
            mx.io.CSVIter(data_csv=csv, data_shape=(2,), batch_size=bs)


def test_ndarray_iter_checks_lengths_and_batch_size():
    with pytest.raises(ValueError, match="'data': 5, 'softmax_label': 8"):
        mx.io.NDArrayIter(np.ones((5, 2)), np.ones(8), batch_size=2)
    with pytest.raises(ValueError, match="'a': 5, 'b': 4"):
        mx.io.NDArrayIter({"a": np.ones((5, 2)), "b": np.ones((4, 2))}, batch_size=2)
    for bs in (0, -1):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            mx.io.NDArrayIter(np.ones((5, 2)), batch_size=bs)
    pads = [b.pad for b in mx.io.NDArrayIter(np.ones((5, 2)), np.ones(5), batch_size=2)]
    assert pads == [0, 0, 1]


# --- metrics ----------------------------------------------------------------------------------

P2 = [[0.3, 0.7], [0.6, 0.4]]


@pytest.mark.parametrize("metric, label, pred, exc, words", [
    ("ce", [5, 0], P2, IndexError, r"CrossEntropy: label 5 is out of range for 2 classes"),
    ("ce", [-1, 0], P2, IndexError, r"label -1 is out of range"),
    ("nll_loss", [2, 0], P2, IndexError, r"NegativeLogLikelihood: label 2"),
    ("ce", [1, 0], [0.3, 0.7], IndexError, r"must be 2-D .* got shape \(2,\)"),
    ("ce", [1, 0, 1], P2, AssertionError, r"3 labels for 2 predictions \(pred shape \(2, 2\)\)"),
    ("mae", [1, 0, 1], P2, ValueError, r"MAE: label shape \(3, 1\) does not match .*\(2, 2\)"),
    ("rmse", [[1, 0, 1], [0, 0, 0]], P2, ValueError, r"RMSE: label shape \(2, 3\)"),
    ("top_k_accuracy", [[1, 0, 1], [0, 1, 1]], P2, ValueError, r"TopKAccuracy: label shape"),
    ("f1", [[1, 0, 1], [0, 1, 1]], P2, ValueError, r"F1: predictions must have shape"),
    ("mcc", [1, 0], [0.3, 0.7], ValueError, r"MCC: predictions must have shape"),
    ("pcc", [1, 0, 1], P2, ValueError, r"PCC: 3 labels"),
    ("pcc", [-1, 0], P2, ValueError, r"PCC: negative class label -1"),
])
def test_metric_update_rejects_mismatched_label_and_prediction(metric, label, pred, exc, words):
    kw = {"top_k": 2} if metric == "top_k_accuracy" else {}
    m = mx.metric.create(metric, **kw)
    with pytest.raises(exc, match=words) as info:
        m.update([mx.nd.array(label)], [mx.nd.array(pred)])
    assert isinstance(info.value, MXNetError)


def test_metrics_still_compute_mxnet_values():
    ce = mx.metric.CrossEntropy()
    ce.update([mx.nd.array([1, 0])], [mx.nd.array(P2)])
    np.testing.assert_allclose(ce.get()[1], -(np.log(0.7) + np.log(0.6)) / 2, rtol=1e-6)
    f1 = mx.metric.F1()
    f1.update([mx.nd.array([[1], [0]])], [mx.nd.array(P2)])    # (batch, 1) labels
    assert f1.get()[1] == 1.0
    pcc = mx.metric.PCC()
    pcc.update([mx.nd.zeros((0,))], [mx.nd.zeros((0, 2))])
    pcc.update([mx.nd.array([1, 0])], [mx.nd.array(P2)])
    assert pcc.get()[1] == 1.0


# --- gluon: losses, Trainer, contexts -------------------------------------------------------------

def test_sdml_loss_refuses_hybridization_and_bad_ranks():
    loss = mx.gluon.loss.SDMLLoss()
    loss.hybridize()
    with pytest.raises(MXNetError, match="cannot be hybridized"):
        loss(mx.nd.ones((3, 4)), mx.nd.ones((3, 4)))
    with pytest.raises(AssertionError, match=r"\(batch_size, vector_dim\)"):
        mx.gluon.loss.SDMLLoss()(mx.nd.ones((3,)), mx.nd.ones((3,)))


def test_trainer_step_with_zero_batch_size_or_deferred_parameters():
    net = nn.Dense(4, in_units=3)
    net.initialize()
    tr = mx.gluon.Trainer(net.collect_params(), "sgd")
    with mx.autograd.record():
        net(mx.nd.ones((2, 3))).sum().backward()
    with pytest.raises(ValueError, match="batch_size must not be 0"):
        tr.step(0)
    deferred = nn.Dense(4)
    deferred.initialize()
    tr = mx.gluon.Trainer(deferred.collect_params(), "sgd")
    with pytest.raises(mx.gluon.parameter.DeferredInitializationError, match="weight"):
        tr.step(1)


def test_nested_blocks_on_another_context_restore_the_default_context():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    seq = nn.HybridSequential()
    seq.add(nn.Dense(3, in_units=2))
    seq.initialize(ctx=ctxs)
    x1 = mx.nd.ones((1, 2), ctx=mx.cpu(1))
    out = seq(x1)
    assert out.context == mx.cpu(1)
    assert mx.context.current_context() == mx.cpu(0)
    with x1.context:
        with x1.context:
            assert mx.context.current_context() == mx.cpu(1)
    assert mx.context.current_context() == mx.cpu(0)


# --- Module -----------------------------------------------------------------------------------

def _module():
    out = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=4,
                                                     name="fc"), name="softmax")
    return mx.mod.Module(out)


def test_module_bind_checks_label_batch_size():
    with pytest.raises(AssertionError, match=r"batch_size = 2, but softmax_label has shape \(5,\)"):
        _module().bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (5,))])


def test_module_params_must_match_the_bound_shapes():
    for shape in ((1, 3), (3,), (5, 3)):       # (1, 3) and (3,) used to broadcast silently
        mod = _module()
        mod.bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (2,))])
        with pytest.raises(ValueError, match=r"'fc_weight' has shape %s" % re.escape(str(shape))):
            mod.init_params(arg_params={"fc_weight": mx.nd.ones(shape),
                                        "fc_bias": mx.nd.ones((4,))}, allow_missing=True)
    mod = _module()
    mod.bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (2,))])
    mod.init_params(arg_params={"fc_weight": mx.nd.ones((4, 3)), "fc_bias": mx.nd.ones((4,))})
    mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), np.full((2, 4), 0.25), rtol=1e-6)


def test_module_forward_checks_the_batch():
    mod = _module()
    mod.bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (2,))])
    mod.init_params()
    with pytest.raises(ValueError, match=r"1 data array\(s\)|0 data array\(s\)"):
        mod.forward(mx.io.DataBatch([]), is_train=False)
    with pytest.raises(TypeError, match="expects a DataBatch"):
        mod.forward([mx.nd.ones((2, 3))])
    with pytest.raises(MXNetError, match=r"data shapes \[\(2, 5\)\] differ.*fc_weight"):
        mod.forward(mx.io.DataBatch([mx.nd.ones((2, 5))]), is_train=False)


def test_split_and_samplers_validate_their_arguments():
    utils, gdata = mx.gluon.utils, mx.gluon.data
    with pytest.raises(ValueError, match="num_slice must be a positive integer"):
        utils.split_data(mx.nd.ones((4, 2)), 0)
    with pytest.raises(IndexError, match=r"batch_axis 3 is out of range .*\(4, 2\)"):
        utils.split_data(mx.nd.ones((4, 2)), 2, batch_axis=3)
    with pytest.raises(ValueError, match="ctx_list is empty"):
        utils.split_and_load(np.ones((4, 2)), [])
    with pytest.raises(ValueError, match="RandomSampler: length must be an integer >= 0"):
        gdata.RandomSampler(-3)
    parts = utils.split_data(mx.nd.array(np.arange(10).reshape(5, 2)), 2, even_split=False)
    assert [p.shape for p in parts] == [(3, 2), (2, 2)]


class _Ones(mx.gluon.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return mx.nd.full((2,), i)


def _function_batch(samples):
    return lambda: samples


def test_dataloader_worker_batch_that_cannot_be_sent_is_explained():
    loader = mx.gluon.data.DataLoader(_Ones(), batch_size=2, num_workers=1,
                                      batchify_fn=_function_batch)
    with pytest.raises(MXNetError, match="batchify_fn \\(a function\\) cannot be sent"):
        list(loader)
    batches = list(mx.gluon.data.DataLoader(_Ones(), batch_size=2, num_workers=1))
    np.testing.assert_array_equal(batches[1].asnumpy(), [[2, 2], [3, 3]])


def test_cached_op_validates_its_flags():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    sym = mx.sym.FullyConnected(x, y, num_hidden=2, no_bias=True, name="fc")
    for flags in ([("param_indices", [99])], [("param_indices", "ab")], 5):
        with pytest.raises(ValueError, match="CachedOp"):
            mx.nd.CachedOp(sym, flags)
    op = mx.nd.CachedOp(sym, [("param_indices", [1])])
    out = op(mx.nd.ones((1, 3)), mx.nd.array([[1, 2, 3], [0, 0, 1]]))
    np.testing.assert_allclose(out.asnumpy(), [[6, 1]])


def test_outputs_too_big_for_memory_raise(monkeypatch):
    from framework.ndarray import dispatch
    monkeypatch.setattr(dispatch, "_available_bytes", lambda: 1 << 20)
    with pytest.raises(MXNetError, match=r"_arange: the outputs \(134217729,\) float32 need "
                                         r"0\.5 GB but only 0\.0 GB"):
        mx.nd.arange(0, (1 << 27) + 1)
    assert mx.nd.arange(0, 3).shape == (3,)


def test_a_graph_too_big_for_memory_refuses_to_bind(monkeypatch):
    import compiler.memory
    monkeypatch.setattr(compiler.memory, "available_bytes", lambda: 1 << 20)
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=4096, name="fc")
    with pytest.raises(MXNetError, match=r"binding this graph .* needs 0\.3 GB but only 0\.0 GB"):
        net.simple_bind(mx.cpu(), data=(20000, 2), grad_req="null")
    small = net.simple_bind(mx.cpu(), data=(2, 2), grad_req="null")
    assert small.forward()[0].shape == (2, 4096)
