"""NDArray semantics: creation dtypes, arithmetic, views, indexing, conversion, context."""
import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError


def test_array_dtype_rules():
    assert mx.nd.array(np.array([1.0, 2.0], dtype=np.float64)).dtype == np.float32
    assert mx.nd.array(np.array([1, 2], dtype=np.int64)).dtype == np.float32
    assert mx.nd.array([1, 2, 3]).dtype == np.float32
    assert mx.nd.array([1, 2], dtype="int32").dtype == np.int32
    assert mx.nd.array(np.ones(2), dtype=np.float64).dtype == np.float64
    src = mx.nd.array([1, 2], dtype="int64")
    assert mx.nd.array(src).dtype == np.int64          # an NDArray keeps its dtype
    assert mx.nd.array(3.5).shape == ()      # MXNet 1.9 keeps a 0-d source 0-d


def test_creation_functions():
    assert mx.nd.zeros((2, 3)).asnumpy().tolist() == [[0, 0, 0], [0, 0, 0]]
    assert mx.nd.ones(4, dtype="int32").asnumpy().tolist() == [1, 1, 1, 1]
    np.testing.assert_array_equal(mx.nd.full((2, 2), 7).asnumpy(), np.full((2, 2), 7, np.float32))
    assert mx.nd.empty((3, 1)).shape == (3, 1)
    np.testing.assert_allclose(mx.nd.arange(0, 5, 2).asnumpy(), [0, 2, 4])
    np.testing.assert_allclose(mx.nd.arange(3, repeat=2).asnumpy(), [0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(mx.nd.linspace(0, 1, 5).asnumpy(), np.linspace(0, 1, 5))
    np.testing.assert_array_equal(mx.nd.eye(3, 4, 1).asnumpy(), np.eye(3, 4, 1))
    assert mx.nd.arange(5).dtype == np.float32


def test_arithmetic_and_broadcasting():
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    b = mx.nd.array([10, 20, 30])
    np.testing.assert_allclose((a + b).asnumpy(), [[11, 22, 33], [14, 25, 36]])
    np.testing.assert_allclose((a - 1).asnumpy(), a.asnumpy() - 1)
    np.testing.assert_allclose((1 - a).asnumpy(), 1 - a.asnumpy())
    np.testing.assert_allclose((a * b).asnumpy(), a.asnumpy() * b.asnumpy())
    np.testing.assert_allclose((a / 2).asnumpy(), a.asnumpy() / 2)
    np.testing.assert_allclose((2 / a).asnumpy(), 2 / a.asnumpy(), rtol=1e-6)
    np.testing.assert_allclose((a ** 2).asnumpy(), a.asnumpy() ** 2)
    np.testing.assert_allclose((2 ** a).asnumpy(), 2 ** a.asnumpy())
    np.testing.assert_allclose((-a).asnumpy(), -a.asnumpy())
    np.testing.assert_allclose((a % 4).asnumpy(), a.asnumpy() % 4)
    with pytest.raises(MXNetError, match=r"broadcast.*\(2, 3\).*\(2,\)"):
        a + mx.nd.array([1, 2])


def test_comparisons_return_input_dtype():
    a = mx.nd.array([1, 2, 3])
    r = a > 1.5
    assert r.dtype == np.float32
    assert r.asnumpy().tolist() == [0, 1, 1]
    assert (a == mx.nd.array([1, 0, 3])).asnumpy().tolist() == [1, 0, 1]
    i = mx.nd.array([1, 2, 3], dtype="int32")
    assert (i <= 2).dtype == np.int32


def test_inplace_operators_write_into_the_array():
    a = mx.nd.array([1, 2, 3])
    view = a[0:2]
    a += 1
    a *= mx.nd.array([2, 2, 2])
    np.testing.assert_allclose(a.asnumpy(), [4, 6, 8])
    np.testing.assert_allclose(view.asnumpy(), [4, 6])


def test_basic_slice_is_a_view_that_writes_through():
    x = mx.nd.zeros((3, 4))
    row = x[1]
    row[:] = 5
    assert x.asnumpy()[1].tolist() == [5, 5, 5, 5]
    block = x[0:2]
    block[:] = 1
    assert x.asnumpy()[:2].sum() == 8
    col = x[:, 1]                       # not contiguous: a copy, as in MXNet
    col[:] = 9
    assert (x.asnumpy()[:, 1] != 9).all()
    assert x[1, 2].shape == (1,)


def test_integer_array_indexing_and_setitem():
    x = mx.nd.array(np.arange(12).reshape(3, 4))
    np.testing.assert_allclose(x[[0, 2]].asnumpy(), np.arange(12).reshape(3, 4)[[0, 2]])
    idx = mx.nd.array([2, 0])
    np.testing.assert_allclose(x[idx].asnumpy(), np.arange(12).reshape(3, 4)[[2, 0]])
    x[0] = 0
    x[1, 1:3] = mx.nd.array([7, 8])
    x[:, 3] = -1
    expected = np.arange(12).reshape(3, 4).astype(np.float32)
    expected[0] = 0
    expected[1, 1:3] = [7, 8]
    expected[:, 3] = -1
    np.testing.assert_allclose(x.asnumpy(), expected)
    with pytest.raises(MXNetError):
        x[5]
    with pytest.raises(MXNetError, match="shape"):
        x[0] = mx.nd.ones((5,))


def test_conversions():
    a = mx.nd.array([[1.5, 2.5]])
    assert a.astype("int32").dtype == np.int32
    assert a.astype(np.float32, copy=False) is a
    b = a.copy()
    b[:] = 0
    assert a.asnumpy().sum() == 4.0
    c = mx.nd.zeros((1, 2))
    a.copyto(c)
    np.testing.assert_allclose(c.asnumpy(), [[1.5, 2.5]])
    assert a.as_in_context(mx.cpu()) is a
    assert mx.nd.array([3]).asscalar() == 3
    with pytest.raises(MXNetError, match="scalar"):
        a.asscalar()
    assert float(mx.nd.array([2.5])) == 2.5
    d = a.detach()
    assert d._ag is None and np.shares_memory(d._data, a._data)


def test_properties_and_repr():
    a = mx.nd.ones((2, 3), dtype="float64")
    assert (a.shape, a.size, a.ndim, a.dtype, a.context) == ((2, 3), 6, 2, np.float64, mx.cpu(0))
    assert "<NDArray 2x3 @cpu(0)>" in repr(a)
    assert len(a) == 2
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a)


def test_context_scope_and_gpu_errors():
    assert mx.current_context() == mx.cpu(0)
    with mx.Context("cpu", 1):
        assert mx.current_context() == mx.cpu(1)
        assert mx.nd.zeros((1,)).context == mx.cpu(1)
    assert mx.current_context() == mx.cpu(0)
    assert str(mx.gpu(2)) == "gpu(2)"
    assert mx.context.num_gpus() == 0
    with pytest.raises(MXNetError, match="gpu"):
        mx.nd.zeros((2,), ctx=mx.gpu(0))
    with pytest.raises(MXNetError, match="different contexts"):
        mx.nd.zeros((2,), ctx=mx.cpu(0)) + mx.nd.zeros((2,), ctx=mx.cpu(1))


def test_random_is_reproducible_when_seeded():
    mx.random.seed(42)
    a = mx.random.uniform(-1, 1, shape=(3, 4)).asnumpy()
    n = mx.random.normal(0, 1, shape=(5,)).asnumpy()
    mx.random.seed(42)
    np.testing.assert_array_equal(a, mx.random.uniform(-1, 1, shape=(3, 4)).asnumpy())
    np.testing.assert_array_equal(n, mx.random.normal(0, 1, shape=(5,)).asnumpy())
    assert a.min() >= -1 and a.max() < 1
    r = mx.random.randint(0, 5, shape=(100,))
    assert r.dtype == np.int32 and 0 <= r.asnumpy().min() and r.asnumpy().max() < 5
    x = mx.nd.arange(10)
    s = mx.random.shuffle(x).asnumpy()
    assert sorted(s.tolist()) == list(range(10))


def test_waitall_and_out_argument():
    mx.nd.waitall()
    a = mx.nd.array([1, 2])
    out = mx.nd.zeros((2,))
    r = mx.nd.relu(a, out=out)
    assert r is out and out.asnumpy().tolist() == [1, 2]
    with pytest.raises(MXNetError, match="out array"):
        mx.nd.relu(a, out=mx.nd.zeros((3,)))


def test_no_pickle():
    import pickle
    with pytest.raises(MXNetError, match="pickle"):
        pickle.dumps(mx.nd.ones((2,)))
