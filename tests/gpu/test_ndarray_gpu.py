"""NDArray on mx.gpu(0): device storage, creation, copies between contexts, indexing,
autograd, saving; mixing contexts raises.  Values are checked against NumPy / the CPU."""
import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from kernels.cuda import sampling
from kernels.cuda.runtime import is_device_array

GPU = mx.gpu(0)


def test_contexts_and_device_storage():
    assert mx.context.num_gpus() >= 1
    assert GPU.target == "cuda" and mx.cpu().target == "cpu"
    x = mx.nd.array([[1, 2], [3, 4]], ctx=GPU)
    assert is_device_array(x._data) and x.context == GPU
    assert x.shape == (2, 2) and x.dtype == np.float32 and x.size == 4 and x.ndim == 2
    assert "@gpu(0)" in repr(x) and "[[1. 2.]" in repr(x)
    assert isinstance(mx.nd.array([1.0])._data, np.ndarray)       # the CPU is unchanged
    with pytest.raises(MXNetError, match=r"gpu\(7\) is not available: 1 GPU\(s\) found"):
        mx.nd.zeros((2,), ctx=mx.gpu(7))


def test_creation_functions():
    np.testing.assert_array_equal(mx.nd.zeros((2, 3), ctx=GPU).asnumpy(), np.zeros((2, 3)))
    ones = mx.nd.ones((3,), ctx=GPU, dtype="int32")
    assert ones.dtype == np.int32 and ones.asnumpy().tolist() == [1, 1, 1]
    np.testing.assert_array_equal(mx.nd.full((2, 2), 2.5, ctx=GPU).asnumpy(), np.full((2, 2), 2.5))
    e = mx.nd.empty((4, 1), ctx=GPU, dtype="float64")
    assert is_device_array(e._data) and e.shape == (4, 1) and e.dtype == np.float64
    np.testing.assert_array_equal(mx.nd.arange(1, 7, 2, ctx=GPU).asnumpy(), [1, 3, 5])
    np.testing.assert_array_equal(mx.nd.eye(2, 3, 1, ctx=GPU).asnumpy(), np.eye(2, 3, 1))
    assert mx.nd.array(np.arange(6, dtype=np.int64).reshape(2, 3)[:, None], ctx=GPU).shape == \
        (2, 1, 3)
    with mx.Context(GPU):
        assert mx.nd.zeros((1,)).context == GPU


def test_random_ops_are_philox_streams_reseeded_by_mx_random_seed():
    mx.random.seed(11)
    state = mx.random.generator(GPU)
    seed = state.seed
    u = mx.nd.random.uniform(-1, 3, shape=(2, 5), ctx=GPU)
    n = mx.nd.random.normal(2, 0.5, shape=(7,), ctx=GPU, dtype="float64")
    r = mx.nd.random.randint(-3, 4, shape=(9,), ctx=GPU)
    assert state.offset == 3                          # one counter per launch
    np.testing.assert_allclose(u.asnumpy().ravel(), sampling.uniform_host(10, seed, 0, -1, 3),
                               rtol=1e-6)
    np.testing.assert_allclose(n.asnumpy(), sampling.normal_host(7, seed, 1, 2, 0.5), rtol=1e-12)
    np.testing.assert_array_equal(r.asnumpy(), sampling.randint_host(9, seed, 2, -3, 4))
    assert r.dtype == np.int32 and r.asnumpy().min() >= -3 and r.asnumpy().max() < 4
    mx.random.seed(11)
    np.testing.assert_array_equal(mx.nd.random.uniform(-1, 3, shape=(2, 5), ctx=GPU).asnumpy(),
                                  u.asnumpy())
    mx.random.seed(12)
    assert not np.array_equal(mx.nd.random.uniform(-1, 3, shape=(2, 5), ctx=GPU).asnumpy(),
                              u.asnumpy())
    with pytest.raises(MXNetError, match="_random_uniform: .*high"):
        mx.nd.random.uniform(2, 1, shape=(2,), ctx=GPU)


def test_copies_between_contexts():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    cpu = mx.nd.array(host)
    gpu = cpu.as_in_context(GPU)
    assert gpu.context == GPU and is_device_array(gpu._data)
    assert gpu.as_in_context(GPU) is gpu
    back = gpu.copyto(mx.cpu())
    assert isinstance(back._data, np.ndarray) and back.context == mx.cpu()
    np.testing.assert_array_equal(back.asnumpy(), host)
    gpu2 = gpu.copyto(GPU)                                   # a new device copy
    gpu2[:] = 0
    np.testing.assert_array_equal(gpu.asnumpy(), host)
    into = mx.nd.zeros((3, 4), ctx=GPU, dtype="float64")      # into an array: converts dtype
    assert cpu.copyto(into) is into
    np.testing.assert_array_equal(into.asnumpy(), host.astype(np.float64))
    dst = mx.nd.zeros((3, 4))
    gpu.copyto(dst)
    np.testing.assert_array_equal(dst.asnumpy(), host)
    assert gpu.asnumpy() is not gpu.asnumpy()
    assert gpu[1, 2].asscalar() == 6.0 and float(gpu[2, 3]) == 11.0
    np.testing.assert_array_equal(mx.nd.array(gpu, ctx=mx.cpu(), dtype="int32").asnumpy(), host)
    np.testing.assert_array_equal(gpu.astype("int64").asnumpy(), host.astype(np.int64))
    np.testing.assert_array_equal(gpu.reshape((2, 6)).asnumpy(), host.reshape(2, 6))


def test_mixing_contexts_raises_naming_both():
    a = mx.nd.ones((2,), ctx=GPU)
    b = mx.nd.ones((2,))
    with pytest.raises(MXNetError, match=r"broadcast_add: inputs are on different contexts "
                                         r"\(gpu\(0\) and cpu\(0\)\)"):
        a + b
    with pytest.raises(MXNetError, match=r"cpu\(0\).*gpu\(0\)"):
        mx.nd.dot(b.reshape((1, 2)), a.reshape((2, 1)))
    with pytest.raises(MXNetError, match=r"out array is on cpu\(0\) but inputs are on gpu\(0\)"):
        mx.nd.relu(a, out=b)


@pytest.mark.parametrize("key", [1, (slice(None), 2), (Ellipsis, 1), (1, 2, 3),
                                 (None, 1, slice(None, None, 2)), slice(None, None, -1),
                                 (0, slice(3, 0, -2), slice(1, 3)), (slice(1, 2), Ellipsis)])
def test_basic_indexing_matches_the_cpu(key):
    host = np.arange(40, dtype=np.float32).reshape(2, 4, 5)
    want = mx.nd.array(host)[key].asnumpy()
    got = mx.nd.array(host, ctx=GPU)[key]
    assert got.context == GPU
    np.testing.assert_array_equal(got.asnumpy(), want)


def test_views_write_through_and_setitem():
    host = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = mx.nd.array(host, ctx=GPU)
    row = x[1]                                   # contiguous: a view
    row[:] = -1
    host[1] = -1
    x[:, 1] = mx.nd.array([7, 8, 9, 10], ctx=GPU)          # strided, broadcast device value
    host[:, 1] = [7, 8, 9, 10]
    x[0, ::-1, 2] = np.array([1, 2, 3])                    # strided, negative step, host value
    host[0, ::-1, 2] = [1, 2, 3]
    x[1, 2:, None] = 0.5
    host[1, 2:, None] = 0.5
    x[0, 0, 0] = 42
    host[0, 0, 0] = 42
    np.testing.assert_array_equal(x.asnumpy(), host)
    picked = x[mx.nd.array([1, 0, 1], ctx=GPU)]             # one integer array: take
    np.testing.assert_array_equal(picked.asnumpy(), host[[1, 0, 1]])
    np.testing.assert_array_equal(x[[0]].asnumpy(), host[[0]])
    with pytest.raises(MXNetError, match="out of bounds"):
        x[2]
    with pytest.raises(MXNetError, match="value is on cpu"):
        x[0] = mx.nd.ones((3, 4))


def test_autograd_on_the_gpu_equals_the_cpu():
    host = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
    grads = {}
    for ctx in (mx.cpu(), GPU):
        x = mx.nd.array(host, ctx=ctx)
        w = mx.nd.array(host.T * 0.5, ctx=ctx)
        x.attach_grad()
        w.attach_grad(grad_req="add")
        for _ in range(2):                       # 'add' accumulates over two backward passes
            with mx.autograd.record():
                y = mx.nd.dot(mx.nd.tanh(x) * x, w)
                z = (mx.nd.softmax(y) * mx.nd.sigmoid(y)).sum()
            z.backward()
        assert x.grad.context == ctx
        grads[ctx] = (x.grad.asnumpy(), w.grad.asnumpy(), z.asnumpy())
    for a, b in zip(grads[mx.cpu()], grads[GPU]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_autograd_grad_returns_device_arrays():
    x = mx.nd.array([1.0, 2.0, 3.0], ctx=GPU)
    x.attach_grad()
    with mx.autograd.record():
        y = (x.reshape((3, 1)) ** 2).sum()
    g = mx.autograd.grad(y, x)
    assert g.context == GPU
    np.testing.assert_allclose(g.asnumpy(), [2.0, 4.0, 6.0])


def test_save_and_load_gpu_arrays(tmp_path):
    a = mx.nd.array([[1.5, 2.5]], ctx=GPU)
    b = mx.nd.arange(0, 3, ctx=GPU, dtype="int64")
    f = str(tmp_path / "g.params")
    mx.nd.save(f, {"a": a, "b": b})
    loaded = mx.nd.load(f)
    assert loaded["a"].context == mx.cpu()
    np.testing.assert_array_equal(loaded["a"].asnumpy(), a.asnumpy())
    np.testing.assert_array_equal(loaded["b"].asnumpy(), [0, 1, 2])
    mx.nd.save(f, [a])
    np.testing.assert_array_equal(mx.nd.load(f)[0].asnumpy(), [[1.5, 2.5]])


def test_missing_kernels_raise_naming_the_op(monkeypatch):
    from kernels.cuda import dispatch
    monkeypatch.delitem(dispatch.TABLE, "RNN")       # every op has a kernel: take one away
    monkeypatch.setattr(dispatch, "_bound", {})
    x = mx.nd.ones((2, 3), ctx=GPU)
    with pytest.raises(MXNetError, match="RNN: no cuda kernel is implemented yet"):
        mx.nd.RNN(mx.nd.ones((2, 1, 3), ctx=GPU), mx.nd.ones((14,), ctx=GPU),
                  mx.nd.zeros((1, 1, 2), ctx=GPU), state_size=2, num_layers=1, mode="rnn_tanh")
    mx.nd.waitall()
    x.wait_to_read()


def test_shuffle_permutes_rows_reproducibly_by_seed():
    x = np.arange(24, dtype=np.float32).reshape(8, 3)
    mx.random.seed(5)
    a = mx.nd.random.shuffle(mx.nd.array(x, ctx=GPU)).asnumpy()
    again = mx.nd.random.shuffle(mx.nd.array(x, ctx=GPU)).asnumpy()
    mx.random.seed(5)
    b = mx.nd.random.shuffle(mx.nd.array(x, ctx=GPU)).asnumpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[np.argsort(a[:, 0])], x)      # whole rows, each once
    assert not np.array_equal(a, x) and not np.array_equal(a, again)
