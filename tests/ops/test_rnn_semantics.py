"""The fused RNN operator: golden values from real MXNet 1.9.1, the Symbol/Executor path,
cuDNN semantics (clipping, sequence lengths), dropout, and bad input."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "..", "compat", "data")
with open(os.path.join(DATA, "golden_rnn.json")) as _f:
    MANIFEST = json.load(_f)
OP_CASES = MANIFEST["ops"]


@pytest.fixture(scope="module")
def golden():
    with np.load(os.path.join(DATA, "golden_rnn.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("case", OP_CASES, ids=[c["id"] for c in OP_CASES])
def test_rnn_matches_mxnet(case, golden):
    cid = case["id"]
    ins = [mx.nd.array(golden["%s/in%d" % (cid, i)]) for i in range(case["n_inputs"])]
    for a in ins:
        a.attach_grad()
    with mx.autograd.record():
        outs = mx.nd.RNN(*ins, **case["attrs"])
    assert len(outs) == case["n_outputs"]
    for j, o in enumerate(outs):
        np.testing.assert_allclose(o.asnumpy(), golden["%s/out%d" % (cid, j)], rtol=1e-5,
                                   atol=1e-6, err_msg="output %d" % j)
    if case["grad"]:
        mx.autograd.backward(outs, [mx.nd.array(golden["%s/headgrad%d" % (cid, j)])
                                    for j in range(len(outs))])
        for i, a in enumerate(ins):
            np.testing.assert_allclose(a.grad.asnumpy(), golden["%s/grad%d" % (cid, i)],
                                       rtol=1e-5, atol=1e-6, err_msg="gradient of input %d" % i)


# --- Symbol and Executor -----------------------------------------------------------------

@pytest.mark.parametrize("mode,layers,bi,size", [
    ("rnn_relu", 1, False, 36), ("rnn_tanh", 2, True, 184), ("lstm", 1, False, 144),
    ("lstm", 2, True, 736), ("gru", 1, False, 108), ("gru", 2, True, 552)])
def test_infer_shape_fills_parameters(mode, layers, bi, size):
    """Sizes from MXNet 1.9.1's infer_shape for data (3, 2, 3) and state_size 4."""
    sym = mx.sym.RNN(mx.sym.var("data"), state_size=4, num_layers=layers, bidirectional=bi,
                     mode=mode, state_outputs=True, name="r")
    args, outs, aux = sym.infer_shape(data=(3, 2, 3))
    d = 2 if bi else 1
    state = (layers * d, 2, 4)
    cell = [state] if mode == "lstm" else []
    assert args == [(3, 2, 3), (size,), state] + cell
    assert outs == [(3, 2, 4 * d), state] + cell
    assert aux == []


def test_names_and_json_match_mxnet():
    sym = mx.sym.RNN(mx.sym.var("data"), state_size=4, num_layers=1, mode="lstm",
                     state_outputs=True, name="r")
    assert sym.list_arguments() == ["data", "r_parameters", "r_state", "r_state_cell"]
    assert sym.list_outputs() == ["r_output", "r_state_output", "r_statecell_output"]
    doc = json.loads(sym.tojson())
    assert doc["node_row_ptr"] == [0, 1, 2, 3, 4, 7]        # MXNet's count: no reserve output
    back = mx.sym.load_json(sym.tojson())
    assert back.list_outputs() == sym.list_outputs()
    gru = mx.sym.RNN(mx.sym.var("data"), state_size=4, num_layers=1, mode="gru",
                     use_sequence_length=True, name="g")
    assert gru.list_arguments() == ["data", "g_parameters", "g_state", "g_sequence_length"]
    assert gru.list_outputs() == ["g_output"]


def test_executor_matches_imperative():
    sym = mx.sym.RNN(mx.sym.var("data"), state_size=4, num_layers=2, bidirectional=True,
                     mode="gru", state_outputs=True, name="r")
    loss = mx.sym.sum(sym[0] * sym[0]) + mx.sym.sum(sym[1])
    exe = loss.simple_bind(mx.cpu(), data=(3, 2, 3))
    rng = np.random.default_rng(0)
    for a in exe.arg_dict.values():
        a[:] = rng.uniform(-1, 1, a.shape)
    exe.forward(is_train=True)
    exe.backward([mx.nd.ones((1,))])
    ins = [exe.arg_dict[k].copy() for k in loss.list_arguments()]
    for a in ins:
        a.attach_grad()
    with mx.autograd.record():
        o = mx.nd.RNN(*ins, state_size=4, num_layers=2, bidirectional=True, mode="gru",
                      state_outputs=True)
        total = mx.nd.sum(o[0] * o[0]) + mx.nd.sum(o[1])
    total.backward()
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), total.asnumpy(), rtol=1e-6)
    for k, a in zip(loss.list_arguments(), ins):
        np.testing.assert_allclose(exe.grad_dict[k].asnumpy(), a.grad.asnumpy(), rtol=1e-5,
                                   atol=1e-7, err_msg=k)


# --- semantics -----------------------------------------------------------------------------

def _lstm_inputs(seed=0, layers=1, d=1):
    rng = np.random.default_rng(seed)
    size = mx.sym.RNN(mx.sym.var("data"), state_size=4, num_layers=layers, mode="lstm",
                      bidirectional=d == 2).infer_shape(data=(3, 2, 3))[0][1][0]
    return [mx.nd.array(rng.uniform(-1, 1, s)) for s in
            [(3, 2, 3), (size,), (layers * d, 2, 4), (layers * d, 2, 4)]]


def test_lstm_state_clipping():
    x, w, h, c = _lstm_inputs()
    w = w * 3
    plain = mx.nd.RNN(x, w, h, c, state_size=4, num_layers=1, mode="lstm", state_outputs=True)
    clipped = mx.nd.RNN(x, w, h, c, state_size=4, num_layers=1, mode="lstm", state_outputs=True,
                        lstm_state_clip_min=-0.3, lstm_state_clip_max=0.3)
    assert np.abs(plain[2].asnumpy()).max() > 0.3
    assert np.abs(clipped[2].asnumpy()).max() <= 0.3 + 1e-7
    assert not np.allclose(plain[0].asnumpy(), clipped[0].asnumpy())
    c_nan = c.copy()
    c_nan[0, 0, 0] = np.nan
    kw = dict(state_size=4, num_layers=1, mode="lstm", state_outputs=True,
              lstm_state_clip_min=-0.3, lstm_state_clip_max=0.3)
    assert np.isnan(mx.nd.RNN(x, w, h, c_nan, **kw)[2].asnumpy()[0, 0, 0])
    stopped = mx.nd.RNN(x, w, h, c_nan, lstm_state_clip_nan=True, **kw)
    assert not np.isnan(stopped[0].asnumpy()).any()


def test_sequence_length_masks_steps():
    """Sample 0 with length 2 equals running it alone on its first 2 steps (both directions);
    its output past the length is 0 and its final state is that of step 2."""
    rng = np.random.default_rng(1)
    kw = dict(state_size=4, num_layers=2, bidirectional=True, mode="gru", state_outputs=True)
    x = rng.uniform(-1, 1, (3, 2, 3))
    w = rng.uniform(-0.7, 0.7, 552)
    h = rng.uniform(-1, 1, (4, 2, 4))
    out, hy = mx.nd.RNN(mx.nd.array(x), mx.nd.array(w), mx.nd.array(h), mx.nd.array([2, 3]),
                        use_sequence_length=True, **kw)
    short, hy_short = mx.nd.RNN(mx.nd.array(x[:2, :1]), mx.nd.array(w), mx.nd.array(h[:, :1]), **kw)
    np.testing.assert_allclose(out.asnumpy()[:2, 0], short.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)
    assert np.all(out.asnumpy()[2, 0] == 0)
    np.testing.assert_allclose(hy.asnumpy()[:, 0], hy_short.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)
    full, _ = mx.nd.RNN(mx.nd.array(x[:, 1:]), mx.nd.array(w), mx.nd.array(h[:, 1:]), **kw)
    np.testing.assert_allclose(out.asnumpy()[:, 1], full.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)


def test_dropout_only_in_training():
    x, w, h, c = _lstm_inputs(layers=2)
    kw = dict(state_size=4, num_layers=2, mode="lstm")
    base = mx.nd.RNN(x, w, h, c, **kw).asnumpy()
    np.testing.assert_array_equal(mx.nd.RNN(x, w, h, c, p=0.5, **kw).asnumpy(), base)
    with mx.autograd.train_mode():
        dropped = mx.nd.RNN(x, w, h, c, p=0.5, **kw).asnumpy()
    assert not np.allclose(dropped, base)
    with mx.autograd.train_mode():            # the top layer is never dropped: no zeros
        assert np.all(mx.nd.RNN(x, w, h, c, p=0.9, **kw).asnumpy() != 0)


def test_positional_sequence_length_for_gru():
    """MXNet hands NDArray arguments over in order: the 4th is sequence_length for gru."""
    rng = np.random.default_rng(2)
    args = [mx.nd.array(rng.uniform(-1, 1, s)) for s in [(3, 2, 3), (108,), (1, 2, 4)]]
    pos = mx.nd.RNN(*args, mx.nd.array([1, 3]), state_size=4, num_layers=1, mode="gru",
                    use_sequence_length=True)
    kw = mx.nd.RNN(*args, sequence_length=mx.nd.array([1, 3]), state_size=4, num_layers=1,
                   mode="gru", use_sequence_length=True)
    np.testing.assert_array_equal(pos.asnumpy(), kw.asnumpy())
    assert np.all(pos.asnumpy()[1:, 0] == 0)


# --- bad input --------------------------------------------------------------------------------

def _gru(*shapes, **kw):
    attrs = dict(state_size=4, num_layers=1, mode="gru")
    attrs.update(kw)
    return mx.nd.RNN(*[mx.nd.ones(s) for s in shapes], **attrs)


@pytest.mark.parametrize("shapes,kw,match", [
    ([(3, 2), (108,), (1, 2, 4)], {}, r"RNN.*data shape \(3, 2\).*rank-3"),
    ([(3, 2, 3), (100,), (1, 2, 4)], {}, r"RNN.*parameters shape \(100,\) does not match data "
                                         r"shape \(3, 2, 3\): expected \(108,\)"),
    ([(3, 2, 3), (108,), (1, 3, 4)], {}, r"RNN.*state shape \(1, 3, 4\).*expected \(1, 2, 4\)"),
    ([(3, 2, 3), (108,), (1, 2, 4)], {"p": 1.0}, r"RNN.*dropout value p=1"),
    ([(3, 2, 3), (108,), (1, 2, 4)], {"projection_size": 2}, r"RNN.*projection is only "
                                                             r"supported for LSTM"),
    ([(3, 2, 3), (108,), (1, 2, 4)], {"lstm_state_clip_min": 0.0}, r"RNN.*only supported for "
                                                                   r"LSTM"),
])
def test_bad_input(shapes, kw, match):
    with pytest.raises(MXNetError, match=match):
        _gru(*shapes, **kw)


def test_bad_attributes():
    with pytest.raises(MXNetError, match=r"RNN.*mode.*must be one of"):
        _gru((3, 2, 3), (108,), (1, 2, 4), mode="lstmp")
    with pytest.raises(MXNetError, match=r"RNN.*lstm_state_clip_min and lstm_state_clip_max "
                                         r"must be specified together"):
        mx.nd.RNN(*_lstm_inputs(), state_size=4, num_layers=1, mode="lstm",
                  lstm_state_clip_max=1.0)
    with pytest.raises(MXNetError, match=r"RNN.*unknown attribute 'hidden_size'"):
        _gru((3, 2, 3), (108,), (1, 2, 4), hidden_size=4)
    with pytest.raises(MXNetError, match=r"RNN.*sequence_length values \[4, 1\] must "
                                         r"lie in \[0, 3\]"):
        mx.nd.RNN(mx.nd.ones((3, 2, 3)), mx.nd.ones((108,)), mx.nd.ones((1, 2, 4)),
                  mx.nd.array([4, 1], dtype="int32"), state_size=4, num_layers=1, mode="gru",
                  use_sequence_length=True)


# --- SequenceMask / SequenceLast / SequenceReverse (values printed by MXNet 1.9.1) -------------

def test_sequence_ops_match_mxnet():
    x = mx.nd.array(np.arange(24).reshape(3, 2, 4))
    seq = dict(use_sequence_length=True)
    np.testing.assert_array_equal(
        mx.nd.SequenceMask(x, mx.nd.array([1, 3]), value=-1, **seq).asnumpy()[:, :, 0],
        [[0, 4], [-1, 12], [-1, 20]])
    np.testing.assert_array_equal(
        mx.nd.SequenceMask(x.swapaxes(0, 1), mx.nd.array([1, 2]), axis=1, **seq).asnumpy()[:, :, 0],
        [[0, 0, 0], [4, 12, 0]])
    np.testing.assert_array_equal(mx.nd.SequenceLast(x, mx.nd.array([1, 3]), **seq).asnumpy(),
                                  [[0, 1, 2, 3], [20, 21, 22, 23]])
    np.testing.assert_array_equal(mx.nd.SequenceLast(x).asnumpy(), x.asnumpy()[2])
    np.testing.assert_array_equal(
        mx.nd.SequenceLast(x.swapaxes(0, 1), mx.nd.array([1, 2]), axis=1, **seq).asnumpy(),
        [[0, 1, 2, 3], [12, 13, 14, 15]])
    np.testing.assert_array_equal(mx.nd.SequenceLast(x, mx.nd.array([0, 2]), **seq).asnumpy(),
                                  [[0, 0, 0, 0], [12, 13, 14, 15]])
    np.testing.assert_array_equal(
        mx.nd.SequenceReverse(x, mx.nd.array([1, 2]), **seq).asnumpy()[:, :, 0],
        [[0, 12], [8, 4], [16, 20]])
    np.testing.assert_array_equal(mx.nd.SequenceReverse(x).asnumpy()[:, :, 0],
                                  [[16, 20], [8, 12], [0, 4]])
    sym = mx.sym.SequenceMask(mx.sym.var("d"), use_sequence_length=True, name="m")
    assert sym.list_arguments() == ["d", "m_sequence_length"]
    with pytest.raises(MXNetError, match=r"SequenceReverse.*axis 1 is not supported"):
        mx.nd.SequenceReverse(x, axis=1)
    with pytest.raises(MXNetError, match=r"SequenceMask.*sequence_length shape \(3,\) does not "
                                         r"match data shape \(3, 2, 4\)"):
        mx.nd.SequenceMask(x, mx.nd.array([1, 2, 3]), **seq)


def test_partial_shapes_inferred_backward_like_mxnet():
    """A deferred gluon weight (16, 0) reaches RNN through Reshape and _rnn_param_concat;
    MXNet infers its input size backward from the parameter vector's size (144 for C=3)."""
    w0 = mx.sym.var("w0", shape=(16, 0))
    rest = mx.sym.var("rest", shape=(144 - 48,))
    params = mx.sym._internal._rnn_param_concat(w0.reshape(-1), rest, dim=0)
    sym = mx.sym.RNN(mx.sym.var("data"), params, state_size=4, num_layers=1, mode="lstm",
                     name="r")
    args, _, _ = sym.infer_shape(data=(3, 2, 3))
    assert dict(zip(sym.list_arguments(), args))["w0"] == (16, 3)
