"""RNN and _backward_RNN on mx.gpu() (kernels/cuda/rnn.py) against the CPU kernel: outputs,
state outputs and every gradient through mx.nd + autograd, each mode at 2 bidirectional
layers; projection, clipping, sequence lengths, float16/float64, dropout masks from the
Philox stream, a hybridized gluon LSTM training step, and the CPU path's errors.
Tiny shapes (every GEMM block costs the simulator ~30 ms)."""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError
from compiler.ops import registry
from compiler.ops import rnn_reference as REF
from compiler.ops.registry import OpContext
from kernels.cpu.rnn_layout import RnnLayout
from kernels.cuda.runtime import is_device_array

GPU = mx.gpu(0)
T, N, C = 3, 2, 3
TOL = {"float16": (2e-3, 2e-3), "float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}


def _layout(attrs):
    return RnnLayout.of(registry.get("RNN").parse(attrs), (T, N, C))


def _inputs(attrs, dtype, lengths=None, steps=T):
    rng = np.random.default_rng(0)
    lay = _layout(attrs)
    arrays = [rng.uniform(-1, 1, (steps, N, C)), rng.uniform(-0.7, 0.7, lay.param_size),
              rng.uniform(-1, 1, lay.state_shape())]
    if attrs["mode"] == "lstm":
        arrays.append(rng.uniform(-1, 1, lay.cell_shape()))
    arrays = [a.astype(dtype) for a in arrays]
    if lengths is not None:
        arrays.append(np.array(lengths, np.int32))
    return arrays


def _run_nd(ctx, attrs, arrays, seed=1):
    """Outputs and the gradients of every floating input of mx.nd.RNN on `ctx`, with
    random head gradients for the output and each state output."""
    ins = [mx.nd.array(a, ctx=ctx, dtype=a.dtype) for a in arrays]
    n_float = len(arrays) - int(bool(attrs.get("use_sequence_length")))
    for a in ins[:n_float]:
        a.attach_grad()
    with mx.autograd.record():
        outs = mx.nd.RNN(*ins, **attrs)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    rng = np.random.default_rng(seed)
    heads = [mx.nd.array(rng.uniform(-1, 1, o.shape), ctx=ctx, dtype=o.dtype) for o in outs]
    mx.autograd.backward(outs, heads)
    if ctx == GPU:
        assert all(is_device_array(o._data) for o in outs)
    return [o.asnumpy() for o in outs], [a.grad.asnumpy() for a in ins[:n_float]]


def _assert_gpu_equals_cpu(attrs, dtype="float32", lengths=None, steps=T):
    arrays = _inputs(attrs, dtype, lengths, steps)
    want_out, want_grad = _run_nd(mx.cpu(), attrs, arrays)
    got_out, got_grad = _run_nd(GPU, attrs, arrays)
    rtol, atol = TOL[dtype]
    names = ["output", "state_output", "statecell_output"]
    for name, a, b in zip(names, got_out, want_out):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)
    for name, a, b in zip(["data", "parameters", "state", "state_cell"], got_grad, want_grad):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name + " gradient")


def _attrs(mode, layers=2, bi=True, H=2, **kw):
    return dict(state_size=H, num_layers=layers, bidirectional=bi, mode=mode,
                state_outputs=True, **kw)


# each mode at 2 bidirectional layers, the CPU op's other features folded in
@pytest.mark.parametrize("mode,dtype,lengths,extra", [
    ("rnn_relu", "float64", None, {}),
    ("rnn_tanh", "float32", [2, 0], {"use_sequence_length": True}),
    ("gru", "float32", [3, 1], {"use_sequence_length": True}),
    ("lstm", "float32", [1, 3], {"lstm_state_clip_min": -0.3, "lstm_state_clip_max": 0.35,
                                 "use_sequence_length": True}),
], ids=["rnn_relu-f64", "rnn_tanh-seqlen", "gru-seqlen", "lstm-clip-seqlen"])
def test_modes_two_bidirectional_layers_equal_cpu(mode, dtype, lengths, extra):
    _assert_gpu_equals_cpu(_attrs(mode, **extra), dtype, lengths)


def test_lstm_projection_with_lengths_equals_cpu():
    _assert_gpu_equals_cpu(_attrs("lstm", layers=1, H=3, projection_size=2,
                                  use_sequence_length=True), "float32", [2, 1], steps=2)


def test_float16_lstm_is_computed_in_float32_like_cpu():
    _assert_gpu_equals_cpu(_attrs("lstm", layers=1, bi=False), "float16")


def _kernel(name, attrs, arrays, target, is_train=False):
    """Run op `name`'s kernel for `target` on `arrays`: every output (reserve included)."""
    op = registry.get(name)
    parsed = op.parse(attrs)
    _, shapes = op.infer_shape(parsed, [a.shape for a in arrays])
    _, types = op.infer_type(parsed, [a.dtype.name for a in arrays])
    octx = OpContext(is_train, np.random.default_rng(3))
    if target == "cpu":
        outs = [np.zeros(s, t) for s, t in zip(shapes, types)]
        op.kernel("cpu")(parsed, [a.copy() for a in arrays], outs, octx)
        return outs
    from numba import cuda
    outs = [cuda.device_array(tuple(s), np.dtype(t)) for s, t in zip(shapes, types)]
    op.kernel("cuda")(parsed, [cuda.to_device(a) for a in arrays], outs, octx)
    return [o.copy_to_host() for o in outs]


def test_dropout_masks_in_the_reserve_drive_forward_and_backward():
    """Training draws scaled keep masks on the device; the output is the reference's with
    those masks, and the backward (which reads them from the reserve) equals the CPU's."""
    attrs = _attrs("gru", layers=2, bi=False, p=0.5)
    arrays = _inputs(attrs, "float32")
    out = _kernel("RNN", attrs, arrays, "cuda", is_train=True)
    lay = _layout(attrs)
    mask = lay.view(out[-1], lay.masks[0])
    assert set(np.unique(mask)) <= {0.0, 2.0} and 0 < np.count_nonzero(mask) < mask.size
    parsed = registry.get("RNN").parse(attrs)
    want = REF.forward(lay, parsed, *[a.astype(np.float64) for a in arrays], None,
                       np.full(N, T, np.int64), [mask.astype(np.float64)])
    np.testing.assert_allclose(out[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1], want[1], rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(4)
    grads = [rng.uniform(-1, 1, o.shape).astype(np.float32) for o in out[:2]]
    back = arrays + [out[0], out[-1]] + grads
    for a, b in zip(_kernel("_backward_RNN", attrs, back, "cuda"),
                    _kernel("_backward_RNN", attrs, back, "cpu")):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dropout_masks_follow_the_seed():
    attrs = dict(state_size=2, num_layers=2, mode="rnn_tanh", p=0.5)
    x, params, hx = (mx.nd.array(a, ctx=GPU) for a in _inputs(attrs, "float32", steps=1))
    runs = []
    for seed in (7, 7, 8):
        mx.random.seed(seed)
        with mx.autograd.train_mode():
            runs.append(mx.nd.RNN(x, params, hx, **attrs).asnumpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def _gluon_lstm_step(ctx):
    mx.random.seed(2)
    net = mx.gluon.rnn.LSTM(2, input_size=C)
    net.initialize(mx.init.Uniform(0.5), ctx=ctx)
    net.hybridize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.uniform(-1, 1, (T, N, C)), ctx=ctx)
    target = mx.nd.array(rng.uniform(-1, 1, (T, N, 2)), ctx=ctx)
    with mx.autograd.record():
        loss = ((net(x) - target) ** 2).sum()
    loss.backward()
    trainer.step(N)
    params = [p.data(ctx) for p in net.collect_params().values()]
    assert all(p.context == ctx for p in params)
    return [loss.asnumpy()] + [p.asnumpy() for p in params]


def test_hybridized_gluon_lstm_training_step_equals_cpu():
    want = _gluon_lstm_step(mx.cpu())
    got = _gluon_lstm_step(GPU)
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg="array %d" % k)


@pytest.mark.parametrize("ctx", [mx.cpu(), GPU], ids=["cpu", "gpu"])
def test_errors_match_the_cpu_path(ctx):
    attrs = _attrs("gru", layers=1, bi=False, use_sequence_length=True)
    ins = [mx.nd.array(a, ctx=ctx, dtype=a.dtype) for a in _inputs(attrs, "float32", [4, 1])]
    with pytest.raises(MXNetError, match=r"sequence_length values \[4, 1\] must lie in \[0, 3\]"):
        mx.nd.RNN(*ins, **attrs).asnumpy()
    with pytest.raises(MXNetError, match="projection is only supported for LSTM"):
        mx.nd.RNN(*ins[:3], **_attrs("gru", layers=1, bi=False, projection_size=1)).asnumpy()
