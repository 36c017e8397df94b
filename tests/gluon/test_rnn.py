"""mx.gluon.rnn: layers vs real MXNet 1.9.1 (weights from MXNet .params files), cells unrolled
vs the fused layer with the same weights, hybridized == imperative, finite differences,
export byte-compatibility, naming and bad input."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.gluon import rnn

DATA = os.path.join(os.path.dirname(__file__), "..", "compat", "data")
with open(os.path.join(DATA, "golden_rnn.json")) as _f:
    LAYERS = json.load(_f)["layers"]


@pytest.fixture(scope="module")
def golden():
    with np.load(os.path.join(DATA, "golden_rnn.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _golden_layer(case):
    layer = getattr(rnn, case["cls"])(prefix=case["id"] + "_", **case["kwargs"])
    layer.load_parameters(os.path.join(DATA, "golden_rnn_%s.params" % case["id"]))
    return layer


@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
@pytest.mark.parametrize("case", LAYERS, ids=[c["id"] for c in LAYERS])
def test_layer_matches_mxnet(case, hybridize, golden):
    cid = case["id"]
    layer = _golden_layer(case)
    assert sorted(layer.collect_params().keys()) == case["params"]
    if hybridize:
        layer.hybridize()
    x = mx.nd.array(golden[cid + "/x"])
    x.attach_grad()
    states = [mx.nd.array(golden["%s/state%d" % (cid, k)]) for k in range(case["n_states"])]
    with mx.autograd.record():
        out, new_states = layer(x, states)
    out.backward(mx.nd.array(golden[cid + "/head"]))
    tol = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.asnumpy(), golden[cid + "/out"], **tol)
    np.testing.assert_allclose(x.grad.asnumpy(), golden[cid + "/xgrad"], **tol)
    for k, s in enumerate(new_states):
        np.testing.assert_allclose(s.asnumpy(), golden["%s/new_state%d" % (cid, k)], **tol)
    for name, p in layer.collect_params().items():
        np.testing.assert_allclose(p.grad().asnumpy(), golden["%s/pgrad/%s" % (cid, name)],
                                   err_msg=name, **tol)


@pytest.mark.parametrize("case", [c for c in LAYERS if c["export"]],
                         ids=[c["id"] for c in LAYERS if c["export"]])
def test_export_matches_mxnet_and_imports(case, golden, tmp_path):
    """export() writes the symbol JSON MXNet 1.9.1 writes, byte for byte, and MXNet's exported
    model imports here and predicts MXNet's outputs."""
    cid = case["id"]
    layer = getattr(rnn, case["cls"])(prefix=cid + "_", **case["kwargs"])
    layer.initialize()
    x = mx.nd.array(golden[cid + "/x"])
    layer(x)                                  # deferred initialization, as make_golden_rnn.py
    layer.load_parameters(os.path.join(DATA, "golden_rnn_%s.params" % cid))
    layer.hybridize()
    states = [mx.nd.array(golden["%s/state%d" % (cid, k)]) for k in range(case["n_states"])]
    layer(x, states)
    sym_file, params_file = layer.export(str(tmp_path / "net"))
    with open(sym_file) as a, open(os.path.join(DATA, "golden_rnn_%s-symbol.json" % cid)) as b:
        assert a.read() == b.read()
    ours = mx.nd.load(params_file)
    theirs = mx.nd.load(os.path.join(DATA, "golden_rnn_%s-0000.params" % cid))
    assert sorted(ours) == sorted(theirs)
    for k in ours:
        np.testing.assert_array_equal(ours[k].asnumpy(), theirs[k].asnumpy())
    names = ["data%d" % i for i in range(1 + case["n_states"])]
    net = mx.gluon.SymbolBlock.imports(os.path.join(DATA, "golden_rnn_%s-symbol.json" % cid),
                                       names, os.path.join(DATA, "golden_rnn_%s-0000.params" % cid))
    out = net(mx.nd.array(golden[cid + "/x"]), *states)
    np.testing.assert_allclose(out[0].asnumpy(), golden[cid + "/out"], rtol=1e-5, atol=1e-6)


# --- cells unrolled == the fused layer --------------------------------------------------------

def _layer_states(layer, stack_states):
    """Cell-stack states ([l0 h(, c), r0 h(, c), l1 ...]) as the layer's [(L*D, N, H), ...]."""
    n = len(layer.state_info())
    per_cell = [stack_states[i:i + n] for i in range(0, len(stack_states), n)]
    return [mx.nd.stack(*[c[k] for c in per_cell], axis=0) for k in range(n)]


@pytest.mark.parametrize("cls,kw", [
    (rnn.RNN, dict(activation="tanh", num_layers=2, bidirectional=True)),
    (rnn.RNN, dict(activation="relu", num_layers=1, layout="NTC")),
    (rnn.LSTM, dict(num_layers=2, bidirectional=True)),
    (rnn.LSTM, dict(num_layers=2, layout="NTC")),
    (rnn.GRU, dict(num_layers=2, bidirectional=True, layout="NTC")),
    (rnn.GRU, dict(num_layers=1)),
], ids=["tanh-bi", "relu-ntc", "lstm-bi", "lstm-ntc", "gru-bi-ntc", "gru"])
def test_cells_unrolled_match_layer(cls, kw):
    layer = cls(4, input_size=3, **kw)
    layer.initialize(mx.init.Uniform(0.6))
    stack = layer._unfuse()                        # cells sharing the layer's parameters
    assert set(stack.collect_params().keys()) == set(layer.collect_params().keys())
    layout = kw.get("layout", "TNC")
    rng = np.random.default_rng(3)
    x = mx.nd.array(rng.uniform(-1, 1, (3, 2, 3) if layout == "TNC" else (2, 3, 3)))
    out_layer, states_layer = layer(x, layer.begin_state(2))
    out_cells, states_cells = stack.unroll(3, x, layout=layout, merge_outputs=True)
    np.testing.assert_allclose(out_cells.asnumpy(), out_layer.asnumpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(_layer_states(layer, states_cells), states_layer):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)


def test_lstm_cell_step_formula():
    """One LSTMCell step against the gate formulas (gates i, f, g, o)."""
    cell = rnn.LSTMCell(3, input_size=2)
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.default_rng(4)
    x, h, c = (rng.uniform(-1, 1, s) for s in [(2, 2), (2, 3), (2, 3)])
    out, (h1, c1) = cell(mx.nd.array(x), [mx.nd.array(h), mx.nd.array(c)])
    p = {k.split("_", 1)[1]: v.data().asnumpy() for k, v in cell.collect_params().items()}
    a = x @ p["i2h_weight"].T + p["i2h_bias"] + h @ p["h2h_weight"].T + p["h2h_bias"]
    sig = lambda v: 1 / (1 + np.exp(-v))        # noqa: E731
    i, f, g, o = sig(a[:, :3]), sig(a[:, 3:6]), np.tanh(a[:, 6:9]), sig(a[:, 9:])
    c_want = f * c + i * g
    np.testing.assert_allclose(c1.asnumpy(), c_want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.asnumpy(), o * np.tanh(c_want), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(h1.asnumpy(), out.asnumpy())


def test_gru_cell_reset_gate_after_matmul():
    cell = rnn.GRUCell(3, input_size=2)
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.default_rng(5)
    x, h = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 3))
    out, _ = cell(mx.nd.array(x), [mx.nd.array(h)])
    p = {k.split("_", 1)[1]: v.data().asnumpy() for k, v in cell.collect_params().items()}
    xi = x @ p["i2h_weight"].T + p["i2h_bias"]
    hh = h @ p["h2h_weight"].T + p["h2h_bias"]
    sig = lambda v: 1 / (1 + np.exp(-v))        # noqa: E731
    r, z = sig(xi[:, :3] + hh[:, :3]), sig(xi[:, 3:6] + hh[:, 3:6])
    n = np.tanh(xi[:, 6:] + r * hh[:, 6:])
    np.testing.assert_allclose(out.asnumpy(), (1 - z) * n + z * h, rtol=1e-5, atol=1e-6)


# --- hybridized == imperative -------------------------------------------------------------

class _CellNet(mx.gluon.HybridBlock):
    """A hybridizable model: a cell stack unrolled over 3 steps, then a Dense layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cells = rnn.HybridSequentialRNNCell()
            with self.cells.name_scope():
                self.cells.add(rnn.GRUCell(4))
                self.cells.add(rnn.ResidualCell(rnn.RNNCell(4)))
                self.cells.add(rnn.DropoutCell(0.0))
                self.cells.add(rnn.LSTMCell(4))
            self.out = mx.gluon.nn.Dense(2, flatten=False)

    def hybrid_forward(self, F, x):
        outputs, _ = self.cells.unroll(3, x, layout="NTC", merge_outputs=True)
        return self.out(outputs)


def _run(net, x, hybridize):
    if hybridize:
        net.hybridize()
    xs = mx.nd.array(x)
    xs.attach_grad()
    with mx.autograd.record():
        out = net(xs)
        if isinstance(out, (list, tuple)):
            out = out[0]
        loss = (out * out).sum()
    loss.backward()
    grads = {k: v.grad().asnumpy().copy() for k, v in net.collect_params().items()}
    return out.asnumpy(), xs.grad.asnumpy(), grads


@pytest.mark.parametrize("make", [
    lambda: rnn.LSTM(4, 2, bidirectional=True, layout="NTC"),
    lambda: rnn.GRU(4, 2),
    lambda: rnn.RNN(4, 1, activation="tanh", bidirectional=True),
    _CellNet,
], ids=["lstm", "gru", "rnn", "cells"])
def test_hybridized_equals_imperative(make):
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (2, 3, 3))
    results = []
    for hybridize in (False, True):
        mx.random.seed(0)
        net = make()
        net.initialize(mx.init.Uniform(0.5))
        results.append(_run(net, x, hybridize))
    (o1, gx1, g1), (o2, gx2, g2) = results
    np.testing.assert_allclose(o2, o1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx2, gx1, rtol=1e-5, atol=1e-6)
    assert len(g1) == len(g2)                     # same parameters, other name prefixes
    for (k, a), b in zip(g1.items(), g2.values()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg=k)


# --- finite differences -----------------------------------------------------------------------

@pytest.mark.parametrize("cls", [rnn.LSTM, rnn.GRU], ids=["lstm", "gru"])
def test_layer_gradient_finite_differences(cls):
    layer = cls(2, 2, bidirectional=True, input_size=2, dtype="float64")
    layer.initialize(mx.init.Uniform(0.7))
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (3, 2, 2))
    head = rng.uniform(-1, 1, (3, 2, 4))
    w = layer.l1_h2h_weight

    def loss(xv):
        return float((layer(mx.nd.array(xv, dtype="float64")).asnumpy() * head).sum())

    xs = mx.nd.array(x, dtype="float64")
    xs.attach_grad()
    with mx.autograd.record():
        out = layer(xs)
    out.backward(mx.nd.array(head, dtype="float64"))
    eps = 1e-6
    num = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num[idx] = (loss(xp) - loss(xm)) / (2 * eps)
    np.testing.assert_allclose(xs.grad.asnumpy(), num, rtol=1e-6, atol=1e-8)
    base = w.data().asnumpy().copy()
    num_w = np.zeros_like(base)
    for idx in np.ndindex(*base.shape):
        for sign in (1, -1):
            v = base.copy()
            v[idx] += sign * eps
            w.set_data(mx.nd.array(v, dtype="float64"))
            num_w[idx] += sign * loss(x) / (2 * eps)
    w.set_data(mx.nd.array(base, dtype="float64"))
    np.testing.assert_allclose(w.grad().asnumpy(), num_w, rtol=1e-6, atol=1e-8)


# --- API details ------------------------------------------------------------------------

def test_names_repr_and_states():
    layer = rnn.LSTM(5, 2, bidirectional=True, prefix="lstm0_")
    assert list(layer.collect_params().keys())[:4] == [
        "lstm0_l0_i2h_weight", "lstm0_l0_h2h_weight", "lstm0_l0_i2h_bias", "lstm0_l0_h2h_bias"]
    assert repr(layer) == "LSTM(None -> 5, TNC, num_layers=2, bidirectional)"
    layer.initialize()
    out = layer(mx.nd.ones((4, 3, 6)))                   # deferred init from the input
    assert out.shape == (4, 3, 10)
    assert layer.l0_i2h_weight.shape == (20, 6) and layer.l1_i2h_weight.shape == (20, 10)
    assert repr(layer) == "LSTM(6 -> 5, TNC, num_layers=2, bidirectional)"
    assert [s.shape for s in layer.begin_state(3)] == [(4, 3, 5), (4, 3, 5)]
    out, states = layer(mx.nd.ones((4, 3, 6)), layer.begin_state(3))
    assert [s.shape for s in states] == [(4, 3, 5), (4, 3, 5)]
    assert sorted(layer._collect_params_with_prefix())[0] == "_unfused.0.l_cell.h2h_bias"
    assert repr(rnn.GRU(3, layout="NTC", dropout=0.5)) == "GRU(None -> 3, NTC, dropout=0.5)"
    cell = rnn.RNNCell(3, prefix="rnn0_")
    assert repr(cell) == "RNNCell(None -> 3, tanh)"
    assert [s.shape for s in cell.begin_state(2)] == [(2, 3)]
    seq = rnn.SequentialRNNCell()
    seq.add(rnn.LSTMCell(3))
    seq.add(rnn.GRUCell(3))
    assert [s["shape"] for s in seq.state_info(2)] == [(2, 3), (2, 3), (2, 3)]


def test_save_load_round_trip(tmp_path):
    layer = rnn.GRU(3, 2, bidirectional=True, input_size=2)
    layer.initialize()
    path = str(tmp_path / "gru.params")
    layer.save_parameters(path)
    assert "_unfused.1.r_cell.h2h_weight" in mx.nd.load(path)
    other = rnn.GRU(3, 2, bidirectional=True, input_size=2)
    other.load_parameters(path)
    x = mx.nd.ones((2, 1, 2))
    np.testing.assert_array_equal(other(x).asnumpy(), layer(x).asnumpy())


def test_unroll_valid_length_and_bidirectional_cell():
    """valid_length: outputs past a sample's length are 0 and its state is the one at its
    last step, for a BidirectionalCell as for the fused layer with sequence lengths."""
    cell = rnn.BidirectionalCell(rnn.GRUCell(3, prefix="l_"), rnn.GRUCell(3, prefix="r_"))
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.default_rng(8)
    x = mx.nd.array(rng.uniform(-1, 1, (2, 4, 2)))
    outs, states = cell.unroll(4, x, layout="NTC", merge_outputs=True,
                               valid_length=mx.nd.array([2, 4]))
    short, short_states = cell.unroll(2, x[0:1, :2], layout="NTC", merge_outputs=True)
    np.testing.assert_allclose(outs.asnumpy()[0, :2], short.asnumpy()[0], rtol=1e-5, atol=1e-6)
    assert np.all(outs.asnumpy()[0, 2:] == 0)
    for a, b in zip(states, short_states):
        np.testing.assert_allclose(a.asnumpy()[0], b.asnumpy()[0], rtol=1e-5, atol=1e-6)


def test_zoneout_cell_eval_is_identity_of_base():
    base = rnn.RNNCell(3, input_size=2, prefix="rnn0_")
    base.initialize(mx.init.Uniform(0.5))
    zone = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    x = mx.nd.array(np.random.default_rng(9).uniform(-1, 1, (1, 3, 2)))
    out, _ = zone.unroll(3, x, merge_outputs=True)            # predict mode: no zoneout
    base._modified = False
    want, _ = base.unroll(3, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), want.asnumpy(), rtol=1e-6)
    with pytest.raises(AssertionError, match="cannot be called directly"):
        base._modified = True
        base.begin_state(1)


def test_bad_state_shape_names_layer_and_shapes():
    layer = rnn.LSTM(4, prefix="lstm7_")
    layer.initialize()
    with pytest.raises(MXNetError, match=r"lstm7.*Invalid recurrent state shape. Expecting "
                                         r"\(1, 2, 4\), got \(1, 3, 4\)"):
        layer(mx.nd.ones((3, 2, 5)), [mx.nd.zeros((1, 3, 4)), mx.nd.zeros((1, 2, 4))])
    fixed = rnn.GRU(4, input_size=3, prefix="gru7_")
    fixed.initialize()
    with pytest.raises(MXNetError, match=r"gru7.*\(3, 2, 5\).*\(12, 3\)"):
        fixed(mx.nd.ones((3, 2, 5)))


def test_layer_in_hybrid_sequential_deferred_init_and_training():
    """Inside a hybridized HybridSequential the first layer's input size is inferred through
    the graph (RNN -> _rnn_param_concat -> Reshape -> the (16, 0) weight, as MXNet does);
    training with dropout between layers lowers the loss; prediction is deterministic."""
    mx.random.seed(1)
    net = mx.gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(rnn.LSTM(8, 2, dropout=0.3, layout="NTC"))
        net.add(mx.gluon.nn.Dense(1))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.uniform(-1, 1, (32, 5, 3)))
    y = mx.nd.array(x.asnumpy().sum(axis=(1, 2))[:, None])
    trainer = mx.gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.03})
    loss_fn = mx.gluon.loss.L2Loss()
    losses = []
    for _ in range(25):
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(32)
        losses.append(loss.mean().asscalar())
    assert net[0].l0_i2h_weight.shape == (32, 3)
    assert losses[-1] < 0.5 * losses[0]
    np.testing.assert_array_equal(net(x).asnumpy(), net(x).asnumpy())


@pytest.mark.parametrize("hybrid", [False, True])
def test_layer_rejects_a_wrong_number_of_states(hybrid):
    layer = mx.gluon.rnn.LSTM(4, input_size=3)
    layer.initialize()
    if hybrid:
        layer.hybridize()
    states = layer.begin_state(1)
    with pytest.raises(mx.base.MXNetError, match="expects 2 recurrent states, got 3"):
        layer(mx.nd.ones((2, 1, 3)), states + [states[0]])
