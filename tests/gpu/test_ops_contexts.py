"""The op suite over contexts: one representative op per family through mx.nd on cpu(0) and
on gpu(0) (dispatch by context, outputs allocated on the device), outputs and autograd
gradients of the GPU run equal to the CPU kernels'.  Tiny shapes (the CUDA simulator)."""
import numpy as np
import pytest

import framework as mx
from framework import nd

GPU = mx.gpu(0)
CONTEXTS = [mx.cpu(0), GPU]


def _r(*shape, seed=0, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed + sum(shape)).uniform(lo, hi, shape).astype(np.float32)


# name -> (function of NDArrays, input arrays, indices of inputs that get gradients)
CASES = {
    "elementwise": (lambda x, y: nd.relu(x) * nd.exp(y) - x / 3 + nd.sigmoid(-y),
                    [_r(2, 3), _r(2, 3, seed=1)], (0, 1)),
    "broadcast": (lambda x, y, z: nd.broadcast_mul(x, y) - nd.broadcast_div(x, z),
                  [_r(2, 3), _r(1, 3, seed=2), _r(2, 1, lo=1, hi=2)], (0, 1, 2)),
    "reduce": (lambda x: nd.concat(nd.sum(x, axis=1), nd.mean(x, axis=1),
                                   nd.max(x, axis=1), dim=0),
               [_r(3, 4)], (0,)),
    "softmax": (lambda x: nd.softmax(x) + nd.log_softmax(x, axis=0), [_r(3, 4)], (0,)),
    "FullyConnected": (lambda x, w, b: nd.FullyConnected(x, w, b, num_hidden=3),
                       [_r(2, 4), _r(3, 4, seed=3), _r(3, seed=4)], (0, 1, 2)),
    "Convolution": (lambda x, w, b: nd.Convolution(x, w, b, kernel=(3, 3), num_filter=2,
                                                   pad=(1, 1), stride=(2, 1)),
                    [_r(1, 2, 4, 4), _r(2, 2, 3, 3, seed=5), _r(2, seed=6)], (0, 1, 2)),
    "Pooling": (lambda x: nd.concat(nd.Pooling(x, kernel=(2, 2), stride=(2, 2)),
                                    nd.Pooling(x, kernel=(2, 2), pool_type="avg",
                                               stride=(2, 2)), dim=1),
                [_r(1, 1, 4, 4)], (0,)),
    "Embedding": (lambda i, w: nd.Embedding(i, w, input_dim=4, output_dim=3),
                  [np.array([[0, 3], [2, 2]], np.float32), _r(4, 3)], (1,)),
    "indexing": (lambda x, i: nd.pick(x, i, axis=1) + nd.take(x, i, axis=0).sum(axis=1)
                 + nd.slice_axis(x, axis=1, begin=1, end=2).reshape((3,)),
                 [_r(3, 4), np.array([1, 3, 0], np.float32)], (0,)),
    "layout": (lambda x: nd.concat(nd.transpose(x), nd.one_hot(nd.argmax(x, axis=0), 3),
                                   dim=1) * 2,
               [_r(3, 2)], (0,)),
}


def _run(case, ctx):
    fn, arrays, wrt = CASES[case]
    inputs = [nd.array(a, ctx=ctx) for a in arrays]
    for i in wrt:
        inputs[i].attach_grad()
    with mx.autograd.record():
        out = fn(*inputs)
        head = nd.array(_r(*out.shape, seed=9), ctx=ctx)
        loss = (out * head).sum()
    loss.backward()
    assert out.context == ctx and all(inputs[i].grad.context == ctx for i in wrt)
    return [out.asnumpy()] + [inputs[i].grad.asnumpy() for i in wrt]


@pytest.mark.parametrize("case", sorted(CASES))
def test_gpu_equals_cpu_forward_and_gradient(case):
    want, got = (_run(case, ctx) for ctx in CONTEXTS)
    for k, (a, b) in enumerate(zip(want, got)):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(b, a, rtol=2e-5, atol=2e-6, err_msg="%s result %d" % (case, k))


def test_batchnorm_training_updates_moving_stats_on_both_contexts():
    x, gamma, beta = _r(2, 3, 2), _r(3, lo=0.5, hi=1.5), _r(3, seed=7)
    results = []
    for ctx in CONTEXTS:
        xs, g, b = (nd.array(a, ctx=ctx) for a in (x, gamma, beta))
        mean, var = nd.zeros((3,), ctx=ctx), nd.ones((3,), ctx=ctx)
        xs.attach_grad()
        g.attach_grad()
        with mx.autograd.record():
            y = nd.BatchNorm(xs, g, b, mean, var, fix_gamma=False, momentum=0.8)
            loss = (y * y).sum()
        loss.backward()
        results.append([a.asnumpy() for a in (y, xs.grad, g.grad, mean, var)])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    assert not np.allclose(results[1][3], 0)            # the moving mean moved


@pytest.mark.parametrize("ctx", CONTEXTS, ids=str)
def test_dropout_is_deterministic_by_seed(ctx):
    x = nd.ones((4, 8), ctx=ctx)

    def masks():
        with mx.autograd.train_mode():
            return [nd.Dropout(x, p=0.5).asnumpy() for _ in range(2)]

    mx.random.seed(123)
    first = masks()
    mx.random.seed(123)
    again = masks()
    mx.random.seed(124)
    other = masks()
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])       # a new counter per launch
    assert not np.array_equal(first[0], other[0])
    assert set(np.unique(first[0])) <= {0.0, 2.0}
    np.testing.assert_array_equal(nd.Dropout(x, p=0.5).asnumpy(), np.ones((4, 8)))  # predict


def test_dropout_mask_is_the_philox_stream_of_the_context():
    from kernels.cuda import philox
    mx.random.seed(5)
    state = mx.random.generator(GPU)
    seed, offset = state.seed, state.offset
    with mx.autograd.train_mode():
        out = nd.Dropout(nd.ones((3, 5), ctx=GPU), p=0.25).asnumpy()
    keep = philox.uniform_host(15, seed, offset) < 0.75
    np.testing.assert_allclose(out.ravel(), np.where(keep, 1 / 0.75, 0.0), rtol=1e-6)


@pytest.mark.parametrize("name,states,attrs", [
    ("sgd_update", 0, {"lr": 0.1, "wd": 0.01}),
    ("sgd_mom_update", 1, {"lr": 0.1, "momentum": 0.9}),
    ("adam_update", 2, {"lr": 0.01, "beta1": 0.9, "beta2": 0.99})])
def test_optimizer_update_ops_in_place_on_both_contexts(name, states, attrs):
    arrays = [_r(2, 3), _r(2, 3, seed=1)] + [_r(2, 3, seed=2 + k, lo=0, hi=1)
                                            for k in range(states)]
    results = []
    for ctx in CONTEXTS:
        nds = [nd.array(a, ctx=ctx) for a in arrays]
        getattr(nd, name)(*nds, out=nds[0], **attrs)
        results.append([a.asnumpy() for a in nds])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert not np.allclose(results[1][0], arrays[0])
