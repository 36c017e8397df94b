"""Blocks, Parameters and hybridize (the CachedOp): naming, deferred init, hybridized ==
imperative (outputs and gradients), export/imports, save/load, golden MXNet 1.9.1 files."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework import autograd, gluon
from framework.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "data")


class Dense(gluon.HybridBlock):
    """A minimal dense layer written against the Block API only."""

    def __init__(self, units, in_units=0, act=None, **kwargs):
        super().__init__(**kwargs)
        self._units, self._act = units, act
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(units, in_units),
                                          allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(units,), allow_deferred_init=True)

    def hybrid_forward(self, F, x, weight, bias):
        y = F.FullyConnected(x, weight, bias, num_hidden=self._units, name="fwd")
        return F.Activation(y, act_type=self._act) if self._act else y


class BatchNorm(gluon.HybridBlock):
    """BatchNorm with aux states, against the Block API only."""

    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.gamma = self.params.get("gamma", shape=(channels,))
            self.beta = self.params.get("beta", shape=(channels,))
            self.running_mean = self.params.get("running_mean", shape=(channels,),
                                                grad_req="null")
            self.running_var = self.params.get("running_var", shape=(channels,),
                                               grad_req="null")

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.BatchNorm(x, gamma, beta, running_mean, running_var, eps=1e-5,
                           fix_gamma=False, name="fwd")


def _fill(block, seed=0):
    rng = np.random.RandomState(seed)
    for p in block.collect_params().values():
        value = rng.uniform(0.5, 1.5, p.shape) if "running_var" in p.name \
            else rng.randn(*p.shape) * 0.5
        p._load_init(mx.nd.array(value), mx.cpu())


def _mlp(prefix=None):
    net = gluon.HybridSequential(prefix=prefix)
    with net.name_scope():
        net.add(Dense(5, 4, act="tanh"), BatchNorm(5), Dense(3, 5))
    _fill(net)
    return net


def _step(net, x, label_grad, train=True):
    with autograd.record(train_mode=train):
        y = net(x)
        loss = (y * label_grad).sum()
    loss.backward(train_mode=train)
    params = net._collect_params_with_prefix()     # structural names: equal across nets
    grads = {k: p.grad().asnumpy().copy() for k, p in params.items() if p.grad_req != "null"}
    aux = {k: p.data().asnumpy().copy() for k, p in params.items() if p.grad_req == "null"}
    return y.asnumpy(), grads, aux, x.grad.asnumpy().copy()


def test_naming_matches_mxnet():
    golden = json.load(open(os.path.join(DATA, "gluon_names.json")))
    with mx.name.NameManager():
        first = gluon.HybridSequential()           # hybridsequential0 in the golden run
        nested = gluon.HybridSequential()
        with nested.name_scope():
            inner = gluon.HybridSequential()
            with inner.name_scope():
                inner.add(Dense(3), Dense(4))
            nested.add(inner, Dense(2), BatchNorm(2))
    assert first.name == "hybridsequential0"
    names = [n for n in nested.collect_params().keys()]
    assert names == golden["nested"]
    assert list(nested.collect_params(".*weight|.*bias").keys()) == golden["nested_select"]


def test_deferred_init_infers_shapes():
    net = gluon.HybridSequential()
    with net.name_scope():
        net.add(Dense(4), Dense(2))
    net.collect_params().initialize(mx.init.Uniform(0.1) if hasattr(mx, "init") else None)
    w = net[0].weight
    with pytest.raises(gluon.DeferredInitializationError, match="deferred"):
        w.data()
    y = net(mx.nd.ones((3, 7)))
    assert y.shape == (3, 2)
    assert w.shape == (4, 7) and net[1].weight.shape == (2, 4)
    assert np.all(np.abs(w.data().asnumpy()) <= 0.1)


@pytest.mark.parametrize("train", [True, False])
def test_hybridized_equals_imperative(train):
    rng = np.random.RandomState(1)
    x = mx.nd.array(rng.randn(6, 4))
    head = mx.nd.array(rng.randn(6, 3))
    results = []
    for hybrid in (False, True):
        net = _mlp()
        if hybrid:
            net.hybridize()
        x.attach_grad()
        results.append(_step(net, x, head, train))
    (y0, g0, a0, dx0), (y1, g1, a1, dx1) = results
    np.testing.assert_allclose(y1, y0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx1, dx0, rtol=1e-5, atol=1e-6)
    assert set(g0) == set(g1) and len(g0) == 6
    for k in g0:
        np.testing.assert_allclose(g1[k], g0[k], rtol=1e-5, atol=1e-6, err_msg=k)
    for k in a0:   # moving statistics updated in backward, the same way
        np.testing.assert_allclose(a1[k], a0[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_two_calls_in_one_recording_share_weights():
    """A Siamese use: both calls' gradients add up (each call leases its own executor)."""
    rng = np.random.RandomState(2)
    a, b = mx.nd.array(rng.randn(2, 4)), mx.nd.array(rng.randn(2, 4))
    grads = []
    for hybrid in (False, True):
        net = gluon.HybridSequential()
        with net.name_scope():
            net.add(Dense(3, 4, act="relu"), Dense(2, 3))
        _fill(net, 3)
        if hybrid:
            net.hybridize()
        for _ in range(2):        # the second round reuses the released executors
            with autograd.record():
                loss = (net(a) * net(b)).sum()
            loss.backward()
        grads.append({k: p.grad().asnumpy() for k, p in net._collect_params_with_prefix().items()})
        if hybrid:
            assert [len(v) for v in net._cached_op._slots.values()] == [2]
    for k in grads[0]:
        np.testing.assert_allclose(grads[1][k], grads[0][k], rtol=1e-5, atol=1e-6)


def test_grad_req_add_accumulates():
    net = gluon.HybridSequential()
    with net.name_scope():
        net.add(Dense(2, 3))
    _fill(net)
    net.collect_params().setattr("grad_req", "add")
    net.hybridize()
    x = mx.nd.array(np.arange(6).reshape(2, 3))
    for _ in range(3):
        with autograd.record():
            y = net(x)
        y.backward()
    w = net[0].weight
    np.testing.assert_allclose(w.grad().asnumpy(), 3 * np.tile(x.asnumpy().sum(0), (2, 1)))
    net.collect_params().zero_grad()
    assert not w.grad().asnumpy().any()


def test_inference_does_not_record_and_outputs_are_fresh():
    net = _mlp()
    net.hybridize()
    x = mx.nd.ones((2, 4))
    y1 = net(x)
    y2 = net(x * 2)
    assert y1._ag is None
    assert not np.allclose(y1.asnumpy(), y2.asnumpy())   # not the executor's buffer
    np.testing.assert_allclose(net(x).asnumpy(), y1.asnumpy())


def test_export_and_symbolblock_imports(tmp_path):
    net = _mlp()
    net.hybridize()
    x = mx.nd.array(np.random.RandomState(4).randn(3, 4))
    y = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / "mlp"), epoch=7)
    assert params_file.endswith("mlp-0007.params")
    keys = set(mx.nd.load(params_file).keys())
    assert "arg:hybridsequential0_dense0_weight" in keys or \
        any(k.startswith("arg:") and k.endswith("dense0_weight") for k in keys)
    assert any(k.startswith("aux:") and k.endswith("running_var") for k in keys)
    block = gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_allclose(block(x).asnumpy(), y, rtol=1e-6)


def test_export_requires_a_forward():
    net = _mlp()
    with pytest.raises(MXNetError, match="hybridize"):
        net.export("unused")


def test_golden_mxnet_export_predicts_identically():
    """lenet_bn was exported by MXNet 1.9.1: same outputs, same inference-mode gradients."""
    io = np.load(os.path.join(DATA, "lenet_bn_io.npz"))
    block = gluon.SymbolBlock.imports(os.path.join(DATA, "lenet_bn-symbol.json"), ["data"],
                                      os.path.join(DATA, "lenet_bn-0000.params"))
    x = mx.nd.array(io["x"])
    np.testing.assert_allclose(block(x).asnumpy(), io["y"], rtol=1e-5, atol=1e-6)
    with autograd.record(train_mode=False):
        out = block(x)
        loss = -mx.nd.pick(mx.nd.log_softmax(out), mx.nd.array([3, 7]))
    loss.backward(train_mode=False)
    np.testing.assert_allclose(loss.asnumpy(), io["loss"], rtol=1e-5)
    checked = 0
    for k, p in block.collect_params().items():
        if p.grad_req != "null":
            np.testing.assert_allclose(p.grad().asnumpy(), io["grad:" + k], rtol=1e-4,
                                       atol=1e-6, err_msg=k)
            checked += 1
    assert checked == 10


def test_save_load_parameters_structural(tmp_path):
    net = _mlp()
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    assert sorted(mx.nd.load(f).keys()) == ["0.bias", "0.weight", "1.beta", "1.gamma",
                                            "1.running_mean", "1.running_var", "2.bias",
                                            "2.weight"]
    other = _mlp()
    _fill(other, seed=9)
    other.load_parameters(f)
    for (k, p), q in zip(net.collect_params().items(), other.collect_params().values()):
        np.testing.assert_array_equal(p.data().asnumpy(), q.data().asnumpy())


def test_load_parameters_missing_and_extra_are_listed(tmp_path):
    net = _mlp()
    f = str(tmp_path / "net.params")
    arrays = {k: v for k, v in mx.nd.load(_saved(net, tmp_path)).items()}
    arrays.pop("2.bias")
    arrays["9.weight"] = mx.nd.ones((1,))
    mx.nd.save(f, arrays)
    with pytest.raises(AssertionError, match=r"'2\.bias'.*is missing"):
        _mlp().load_parameters(f)
    with pytest.raises(ValueError, match=r"'9\.weight'.*not present"):
        _mlp().load_parameters(f, allow_missing=True)
    fresh = _mlp()
    fresh.load_parameters(f, allow_missing=True, ignore_extra=True)


def _saved(net, tmp_path):
    f = str(tmp_path / "full.params")
    net.save_parameters(f)
    return f


def test_parameter_errors_and_in_place_updates():
    p = gluon.Parameter("w", shape=(2, 3))
    with pytest.raises(MXNetError, match="has not been initialized"):
        p.data()
    p._load_init(mx.nd.ones((2, 3)), mx.cpu())
    buf = p.data()._data
    p.set_data(mx.nd.full((2, 3), 5))
    assert p.data()._data is buf and buf[0, 0] == 5
    with pytest.raises(AssertionError, match="incompatible"):
        p.set_data(mx.nd.ones((3, 3)))
    p.grad_req = "null"
    with pytest.raises(MXNetError, match="grad_req='null'"):
        p.grad()
    p.cast("float64")
    assert p.data().dtype == np.float64


def test_constant_is_not_trained():
    block = gluon.HybridBlock()
    c = block.params.get_constant("const", [[1.0, 2.0]])
    assert c.grad_req == "null" and c.shape == (1, 2)
    c.initialize()
    np.testing.assert_array_equal(c.data().asnumpy(), [[1.0, 2.0]])


def test_error_names_the_block_and_shapes():
    net = gluon.HybridSequential()
    with net.name_scope():
        net.add(Dense(3, 5))
    _fill(net)
    for hybrid in (False, True):
        net.hybridize(hybrid)
        with pytest.raises(MXNetError) as err:
            net(mx.nd.ones((2, 7)))
        msg = str(err.value)
        assert "dense0" in msg and "(2, 7)" in msg and "5" in msg, msg


def test_summary_and_hooks(capsys):
    net = _mlp()
    seen = []
    handle = net[0].register_forward_hook(lambda blk, i, o: seen.append(o.shape))
    net(mx.nd.ones((2, 4)))
    handle.detach()
    net(mx.nd.ones((2, 4)))
    assert seen == [(2, 5)]
    net.summary(mx.nd.ones((2, 4)))
    out = capsys.readouterr().out
    assert "Dense-1" in out and "(2, 5)" in out and "BatchNorm-2" in out
    assert "Total params: 63" in out          # 25 + 20 (gamma, beta, mean, var) + 18
    assert "Trainable params: 53" in out


def test_cached_op_direct_and_mixed_contexts():
    data = mx.sym.var("data")
    sym = mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    op = mx.nd.CachedOp(sym)
    x, w, b = mx.nd.ones((1, 3)), mx.nd.ones((2, 3)), mx.nd.array([1, 2])
    np.testing.assert_allclose(op(x, w, b).asnumpy(), [[4, 5]])
    with pytest.raises(MXNetError, match="expected 3 inputs"):
        op(x, w)


def test_smaller_batch_compiles_no_kernel():
    """Only the batch size changes: the compiled graph is re-planned, no kernel is built
    (a batch under the parallel threshold reuses the parallel elementwise variant)."""
    import kernels.cache as kcache
    net = gluon.HybridSequential()
    with net.name_scope():
        net.add(Dense(272, 8, act="relu"), Dense(3, 272))
    _fill(net)
    net.hybridize()

    def step(batch):
        x = mx.nd.ones((batch, 8))
        with autograd.record():
            y = net(x)
        y.backward(mx.nd.ones((batch, 3)))
        return y

    step(256)                                   # 256 x 272 > 64K elements: parallel kernels
    before = kcache.stats()["signatures"]
    for batch in (64, 5):
        y = step(batch)
    assert kcache.stats()["signatures"] == before
    np.testing.assert_allclose(y.asnumpy(), step(256).asnumpy()[:5], rtol=1e-5)
