"""MXNet 1.9.1 spot checks for dot, batch_dot and FullyConnected.

Expected values and shapes were observed with real MXNet 1.9.1 (pip wheel, CPU).  Bad
input must raise MXNetError naming the op and the shapes involved.
"""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError
from compiler.ops import registry

nd = mx.nd


def arr(values, dtype="float32"):
    return nd.array(np.array(values, dtype=dtype), dtype=dtype)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


# --- dot -------------------------------------------------------------------------------------

def test_dot_values_and_gradients():
    a = arr(np.arange(6).reshape(2, 3))
    b = arr(np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(nd.dot(a, b).asnumpy(), [[20, 23, 26, 29], [56, 68, 80, 92]])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        out = nd.dot(a, b)
    out.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [[6, 22, 38], [6, 22, 38]])
    np.testing.assert_array_equal(b.grad.asnumpy(), [[3] * 4, [5] * 4, [7] * 4])


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_dot_transpose_flags_equal_numpy(ta, tb):
    lhs, rhs = rand(3, 4), rand(4, 2, seed=1)          # the logical operands
    x = np.ascontiguousarray(lhs.T) if ta else lhs     # what is passed
    y = np.ascontiguousarray(rhs.T) if tb else rhs
    out = nd.dot(arr(x), arr(y), transpose_a=ta, transpose_b=tb).asnumpy()
    np.testing.assert_allclose(out, lhs @ rhs, rtol=1e-5, atol=1e-6)


def test_dot_vectors_and_nd_shapes():
    out = nd.dot(arr([1, 2, 3]), arr([4, 5, 6]))
    assert out.shape == (1,)
    np.testing.assert_array_equal(out.asnumpy(), [32])
    assert nd.dot(nd.ones((3,)), nd.ones((3, 4))).shape == (4,)
    assert nd.dot(nd.ones((3, 4)), nd.ones((4,))).shape == (3,)
    assert nd.dot(nd.ones((3,)), nd.ones((4, 3)), transpose_b=True).shape == (4,)
    assert nd.dot(nd.ones((2, 3, 4)), nd.ones((4, 5))).shape == (2, 3, 5)
    assert nd.dot(nd.ones((2, 3, 4)), nd.ones((2, 5)), transpose_a=True).shape == (3, 4, 5)
    assert nd.dot(nd.ones((2, 3, 4)), nd.ones((5, 6, 4)), transpose_b=True).shape == (2, 3, 5, 6)
    x, y = rand(2, 3, 4), rand(4, 5, seed=1)
    np.testing.assert_allclose(nd.dot(arr(x), arr(y)).asnumpy(), np.einsum("abk,kn->abn", x, y),
                               rtol=1e-5, atol=1e-6)
    assert nd.dot(nd.ones((2, 3), dtype="int32"), nd.ones((3, 5), dtype="int32")).dtype == np.int32


def test_dot_bad_input():
    with pytest.raises(MXNetError, match=r"dot: shape mismatch: lhs \(2, 3\) X rhs \(4, 5\).*"
                                         r"contracted dimensions 3 and 4 differ"):
        nd.dot(nd.ones((2, 3)), nd.ones((4, 5)))
    with pytest.raises(MXNetError, match=r"dot: shape mismatch: lhs \(3,\) X rhs \(4,\)"):
        nd.dot(nd.ones((3,)), nd.ones((4,)))
    with pytest.raises(MXNetError, match=r"dot: cannot transpose vectors"):
        nd.dot(nd.ones((3,)), nd.ones((3,)), transpose_a=True)
    with pytest.raises(MXNetError, match=r"dot: input 'rhs' has dtype float32 but expected float64"):
        nd.dot(nd.ones((2, 3), dtype="float64"), nd.ones((3, 5)))


# --- batch_dot -------------------------------------------------------------------------------

@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_batch_dot_equals_numpy(ta, tb):
    x, y = rand(2, 3, 3), rand(2, 3, 3, seed=1)
    lhs = x.swapaxes(1, 2) if ta else x
    rhs = y.swapaxes(1, 2) if tb else y
    out = nd.batch_dot(arr(x), arr(y), transpose_a=ta, transpose_b=tb).asnumpy()
    np.testing.assert_allclose(out, lhs @ rhs, rtol=1e-5, atol=1e-6)
    assert nd.batch_dot(nd.ones((2, 4, 3)), nd.ones((2, 5, 4)), transpose_a=True,
                        transpose_b=True).shape == (2, 3, 5)
    assert nd.batch_dot(nd.ones((2, 2, 3, 4)), nd.ones((2, 2, 4, 5))).shape == (2, 2, 3, 5)


def test_batch_dot_bad_input():
    with pytest.raises(MXNetError, match=r"batch_dot: batch dimensions of lhs \(2, 3, 4\) and rhs "
                                         r"\(3, 4, 5\) differ"):
        nd.batch_dot(nd.ones((2, 3, 4)), nd.ones((3, 4, 5)))
    with pytest.raises(MXNetError, match=r"batch_dot: shape mismatch: lhs \(2, 3, 4\) X rhs "
                                         r"\(2, 3, 5\).*contracted dimensions 4 and 3 differ"):
        nd.batch_dot(nd.ones((2, 3, 4)), nd.ones((2, 3, 5)))
    with pytest.raises(MXNetError, match=r"batch_dot: lhs \(3, 4\) and rhs \(4, 5\) must both be N-D"):
        nd.batch_dot(nd.ones((3, 4)), nd.ones((4, 5)))


# --- FullyConnected --------------------------------------------------------------------------

def test_fully_connected_flatten_and_no_bias():
    x, w, b = rand(2, 3, 4), rand(5, 12, seed=1), rand(5, seed=2)
    out = nd.FullyConnected(arr(x), arr(w), arr(b), num_hidden=5)
    assert out.shape == (2, 5)
    np.testing.assert_allclose(out.asnumpy(), x.reshape(2, 12) @ w.T + b, rtol=1e-5, atol=1e-6)
    out = nd.FullyConnected(arr(x[:, 0]), arr(w[:, :4]), num_hidden=5, no_bias=True)
    np.testing.assert_allclose(out.asnumpy(), x[:, 0] @ w[:, :4].T, rtol=1e-5, atol=1e-6)
    assert nd.FullyConnected(nd.ones((2, 3), dtype="int32"), nd.ones((5, 3), dtype="int32"),
                             nd.ones((5,), dtype="int32"), num_hidden=5).dtype == np.int32


def test_fully_connected_flatten_false_on_3d_input():
    x, w, b = rand(2, 3, 4), rand(5, 4, seed=1), rand(5, seed=2)
    xs, ws, bs = arr(x), arr(w), arr(b)
    for t in (xs, ws, bs):
        t.attach_grad()
    with mx.autograd.record():
        out = nd.FullyConnected(xs, ws, bs, num_hidden=5, flatten=False)
    assert out.shape == (2, 3, 5)
    np.testing.assert_allclose(out.asnumpy(), x @ w.T + b, rtol=1e-5, atol=1e-6)
    out.backward()
    np.testing.assert_allclose(ws.grad.asnumpy(), np.ones((6, 5)).T @ x.reshape(6, 4), rtol=1e-5)
    np.testing.assert_array_equal(bs.grad.asnumpy(), [6] * 5)
    np.testing.assert_allclose(xs.grad.asnumpy(), np.broadcast_to(w.sum(0), (2, 3, 4)), rtol=1e-5)


def test_fully_connected_infers_weight_and_bias_shapes():
    op = registry.get("FullyConnected")
    attrs = op.parse({"num_hidden": 7})
    assert op.infer_shape(attrs, [(4, 3, 2), None, None]) == ([(4, 3, 2), (7, 6), (7,)], [(4, 7)])
    attrs = op.parse({"num_hidden": 7, "flatten": False})
    assert op.infer_shape(attrs, [(4, 3, 2), None, None]) == ([(4, 3, 2), (7, 2), (7,)], [(4, 3, 7)])
    attrs = op.parse({"num_hidden": 7, "no_bias": True})
    assert op.input_names(attrs) == ["data", "weight"]
    assert op.infer_shape(attrs, [(4, 5), None]) == ([(4, 5), (7, 5)], [(4, 7)])


def test_fully_connected_shape_errors():
    with pytest.raises(MXNetError, match=r"^FullyConnected: data shape \(64, 300\) does not match "
                                         r"weight shape \(128, 784\): in_units must be 300"):
        nd.FullyConnected(nd.ones((64, 300)), nd.ones((128, 784)), nd.ones((128,)), num_hidden=128)
    with pytest.raises(MXNetError, match=r"FullyConnected: weight shape \(5, 3\) does not match "
                                         r"num_hidden=4: expected \(4, 3\)"):
        nd.FullyConnected(nd.ones((2, 3)), nd.ones((5, 3)), nd.ones((4,)), num_hidden=4)
    with pytest.raises(MXNetError, match=r"FullyConnected: bias shape \(4,\) does not match "
                                         r"num_hidden=5: expected \(5,\)"):
        nd.FullyConnected(nd.ones((2, 3)), nd.ones((5, 3)), nd.ones((4,)), num_hidden=5)
    with pytest.raises(MXNetError, match=r"FullyConnected: required attribute 'num_hidden' is missing"):
        nd.FullyConnected(nd.ones((2, 3)), nd.ones((5, 3)), nd.ones((5,)))
