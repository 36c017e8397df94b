"""MXNet 1.9.1 spot checks for the reductions and the shape / tensor-manipulation ops.

Expected values come from MXNet's documentation (the Reshape special-code examples) and
from real MXNet 1.9.1 (pip wheel, CPU).  Bad input must raise MXNetError naming the op and
the shapes involved.
"""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError

nd = mx.nd


def arr(values, dtype="float32"):
    return nd.array(np.array(values, dtype=dtype), dtype=dtype)


X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def grad_of(fn, x, **kwargs):
    x = arr(x)
    x.attach_grad()
    with mx.autograd.record():
        y = fn(x, **kwargs)
    y.backward()
    return x.grad.asnumpy()


# --- Reshape special codes (the examples of MXNet's Reshape documentation) ---------------------

@pytest.mark.parametrize("in_shape,shape,out_shape", [
    ((2, 3, 4), (4, 0, 2), (4, 3, 2)),
    ((2, 3, 4), (2, 0, 0), (2, 3, 4)),
    ((2, 3, 4), (6, 1, -1), (6, 1, 4)),
    ((2, 3, 4), (3, -1, 8), (3, 1, 8)),
    ((2, 3, 4), (-1,), (24,)),
    ((2, 3, 4), (-2,), (2, 3, 4)),
    ((2, 3, 4), (2, -2), (2, 3, 4)),
    ((2, 3, 4), (-2, 1, 1), (2, 3, 4, 1, 1)),
    ((2, 3, 4), (-3, 4), (6, 4)),
    ((2, 3, 4, 5), (-3, -3), (6, 20)),
    ((2, 3, 4), (0, -3), (2, 12)),
    ((2, 3, 4), (-3, -2), (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), (1, 2, 3, 4)),
    ((2, 3, 4), (2, -4, -1, 3, -2), (2, 1, 3, 4)),
])
def test_reshape_doc_examples(in_shape, shape, out_shape):
    x = np.arange(np.prod(in_shape), dtype=np.float32).reshape(in_shape)
    out = nd.Reshape(nd.array(x), shape=shape)
    assert out.shape == out_shape
    np.testing.assert_array_equal(out.asnumpy().ravel(), x.ravel())
    assert nd.array(x).reshape(shape).shape == out_shape      # the NDArray view path


def test_reshape_reverse_and_legacy_target_shape():
    x = nd.zeros((10, 5, 4))
    assert nd.reshape(x, shape=(-1, 0)).shape == (40, 5)
    assert nd.reshape(x, shape=(-1, 0), reverse=True).shape == (50, 4)
    assert x.reshape((-1, 0), reverse=True).shape == (50, 4)
    y = nd.array(X234)
    assert nd.Reshape(y, shape=(-1, -3), reverse=True).shape == (2, 12)
    assert nd.Reshape(y, target_shape=(4, 0)).shape == (4, 6)
    assert nd.Reshape(y, target_shape=(9, 0, 4), keep_highest=True).shape == (2, 3, 4)


@pytest.mark.parametrize("shape,kwargs,match", [
    ((-1, -1), {}, r"Reshape: only one dimension can be inferred.*\(2, 3, 4\)"),
    ((5, 5), {}, r"Reshape: cannot reshape array of shape \(2, 3, 4\).*\(5, 5\)"),
    ((5, -1), {}, r"Reshape: cannot infer the -1 dimension.*\(2, 3, 4\)"),
    ((-3, -3), {}, r"Reshape: shape code -3 at position 1 needs two input dimensions"),
    ((-4, -1, -1, -2), {}, r"Reshape: split dims of -4 cannot both be -1"),
    ((-4, 5, -1, -2), {}, r"Reshape: split dims 5, 0 do not divide input dimension 2"),
    ((2, -4, 1), {}, r"Reshape: shape code -4 must be followed by two dimensions"),
    ((2, -5, 4), {}, r"Reshape: invalid shape code -5"),
    ((0, 0, 0, 0), {}, r"Reshape: shape code 0 at position 3 has no matching input dimension"),
    ((2, -2), {"reverse": True}, r"Reshape: cannot reshape array of shape \(2, 3, 4\)"),
    ((), {}, r"Reshape: the target shape is missing"),
])
def test_reshape_bad_codes(shape, kwargs, match):
    with pytest.raises(MXNetError, match=match):
        nd.Reshape(nd.array(X234), shape=shape, **kwargs)


def test_reshape_view_errors_name_the_shapes():
    with pytest.raises(MXNetError, match=r"Reshape: .*\(2, 3, 4\)"):
        nd.array(X234).reshape((7, -1))


# --- reductions --------------------------------------------------------------------------------

def test_reductions_to_shape_1_and_keepdims():
    x = arr([[1, 5, 2], [7, 0, 7]])
    for op, value in (("sum", 22), ("mean", 22 / 6), ("max", 7), ("min", 0), ("prod", 0)):
        out = getattr(nd, op)(x)
        assert out.shape == (1,), op
        np.testing.assert_allclose(out.asnumpy(), [value], rtol=1e-6)
        assert getattr(nd, op)(x, keepdims=True).shape == (1, 1)
        assert getattr(nd, op)(x, axis=()).shape == (1,)
    assert nd.sum(arr([1, 2, 3]), axis=0).shape == (1,)
    assert nd.sum(x, axis=(), exclude=True).shape == (1,)          # () reduces all, always
    np.testing.assert_allclose(nd.norm(x).asnumpy(), [np.sqrt(128)], rtol=1e-6)
    assert nd.argmax(x).shape == (1,) and nd.argmax(x, keepdims=True).shape == (1, 1)


def test_reduction_axis_forms():
    x = nd.array(X234)
    assert nd.sum(x, 1).shape == (2, 4)                                 # positional axis
    np.testing.assert_array_equal(nd.sum(x, axis=1, exclude=True).asnumpy(), [60, 92, 124])
    np.testing.assert_array_equal(nd.sum_axis(x, axis=(0, 2)).asnumpy(), [60, 92, 124])
    np.testing.assert_array_equal(nd.min(x, axis=(0, 2), keepdims=True, exclude=True).asnumpy(),
                                  [[[0, 1, 2, 3]], [[12, 13, 14, 15]]])
    assert nd.max_axis(x, axis=-1).shape == (2, 3)
    assert nd.sum(x, axis=(0, 1, 2), exclude=True).shape == (2, 3, 4)  # nothing reduced


def test_reduction_dtypes_and_integer_semantics():
    assert nd.mean(arr([[-3, 4], [5, -8]], "int32"), axis=1).asnumpy().tolist() == [0, -1]
    assert nd.sum(arr([[100, 100]], "int8"), axis=1).asnumpy().tolist() == [-56]     # wraps
    assert nd.norm(arr([[1, 5, 2]], "int32"), axis=1).asnumpy().tolist() == [5]      # truncated
    out = nd.norm(arr([[3, 4], [6, 8]]), axis=1)
    assert out.dtype == np.float32 and out.asnumpy().tolist() == [5, 10]
    assert nd.norm(arr([[3, -4], [6, 8]]), ord=1).asnumpy().tolist() == [21]
    assert nd.norm(arr([[3, 4]]), axis=1, out_dtype="float64").dtype == np.float64
    assert nd.sum(arr([[1, 2]], "float16")).dtype == np.float16


def test_nan_handling():
    x = arr([[1, np.nan, 3], [2, 3, 4]])
    np.testing.assert_array_equal(nd.nansum(x, axis=1).asnumpy(), [4, 9])
    np.testing.assert_array_equal(nd.nanprod(x, axis=1).asnumpy(), [3, 24])
    assert np.isnan(nd.max(x, axis=1).asnumpy()[0]) and np.isnan(nd.min(x, axis=1).asnumpy()[0])
    # the first NaN wins argmax and argmin, as in MXNet
    np.testing.assert_array_equal(nd.argmax(arr([[1, np.nan, 3]]), axis=1).asnumpy(), [1])
    np.testing.assert_array_equal(nd.argmin(arr([[1, np.nan, 0]]), axis=1).asnumpy(), [1])


def test_argmax_dtype_ties_and_channel():
    x = arr([[1, 3, 3], [np.nan, 0, 5]])
    out = nd.argmax(x, axis=1)
    assert out.dtype == np.float32                       # float indices for float data
    assert out.asnumpy().tolist() == [1, 0]              # first of the ties, first NaN
    assert nd.argmin(arr([[2, 1, 1]]), axis=1).asnumpy().tolist() == [1]
    assert nd.argmax(arr([[1, 5, 2]], "int32"), axis=1).dtype == np.int32
    assert nd.argmax(arr([[1, 5, 2]], "float64"), axis=1).dtype == np.float64
    y = np.random.RandomState(0).rand(2, 3, 4, 5).astype(np.float32)
    out = nd.argmax_channel(nd.array(y))                 # axis 1 (not the last axis)
    assert out.shape == (2, 4, 5)
    np.testing.assert_array_equal(out.asnumpy(), y.argmax(axis=1))


def test_arg_reduction_gradients():
    # argmax/argmin are recorded and give zero gradients; argmax_channel has none (raises)
    np.testing.assert_array_equal(grad_of(nd.argmax, [[1, 3, 2]], axis=1), [[0, 0, 0]])
    x = arr([[1, 3, 2]])
    x.attach_grad()
    with mx.autograd.record():
        y = x * nd.argmax_channel(x)
    with pytest.raises(MXNetError, match="argmax_channel: gradient is not defined"):
        y.backward()


def test_reduction_gradients_mxnet_semantics():
    # max/min: every tied position gets the full gradient
    np.testing.assert_array_equal(grad_of(nd.max, [[1, 3, 3], [2, 2, 0]], axis=1),
                                  [[0, 1, 1], [1, 1, 0]])
    np.testing.assert_array_equal(grad_of(nd.min, [[1, 1, 3]], axis=1), [[1, 1, 0]])
    # prod: out / x, NaN where x == 0
    np.testing.assert_array_equal(grad_of(nd.prod, [[2, 0, 3], [1, 2, 4]], axis=1),
                                  [[0, np.nan, 0], [8, 4, 2]])
    np.testing.assert_array_equal(grad_of(nd.nansum, [[1, np.nan, 3]], axis=1), [[1, 0, 1]])
    np.testing.assert_array_equal(grad_of(nd.nanprod, [[1, np.nan, 3]], axis=1), [[3, 0, 1]])
    np.testing.assert_allclose(grad_of(nd.norm, [[0, 0], [3, 4]], axis=1),
                               [[np.nan, np.nan], [0.6, 0.8]])
    np.testing.assert_array_equal(grad_of(nd.norm, [[0, -2], [3, 4]], ord=1), [[0, -1], [1, 1]])
    np.testing.assert_array_equal(grad_of(nd.mean, [[0, -2], [3, 4]], axis=0),
                                  [[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_array_equal(grad_of(nd.sum, X234[0], axis=1, keepdims=True), np.ones((3, 4)))


@pytest.mark.parametrize("call,match", [
    (lambda x: nd.sum(x, axis=3), r"sum: reduction axis 3 is out of range for input shape \(2, 3, 4\)"),
    (lambda x: nd.mean(x, axis=-4), r"mean: reduction axis -4 is out of range .*\(2, 3, 4\)"),
    (lambda x: nd.max(x, axis=(1, -2)), r"max: reduction axes \(1, -2\) have duplicates"),
    (lambda x: nd.argmax(x, axis=3), r"argmax: axis 3 is out of range for input shape \(2, 3, 4\)"),
    (lambda x: nd.argmin(x, axis=-4), r"argmin: axis -4 is out of range"),
    (lambda x: nd.norm(x, ord=3), r"norm: norm only supports ord=1 and ord=2"),
    (lambda x: nd.argmax_channel(nd.sum(x, axis=(1, 2))), r"argmax_channel: needs at least 2-d"),
    (lambda x: nd.sum(x, foo=1), r"sum: unknown attribute 'foo'"),
    (lambda x: nd.sum(x, keepdims="maybe"), r"sum: attribute 'keepdims' has invalid value"),
    (lambda x: nd.norm(x, out_dtype="uint8"), r"norm: attribute 'out_dtype'"),
])
def test_reduction_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call(nd.array(X234))


# --- shape ops ------------------------------------------------------------------------------

def test_flatten_transpose_swap_expand_squeeze():
    x = nd.array(X234)
    assert nd.Flatten(x).shape == (2, 12) and nd.flatten(arr([1, 2, 3])).shape == (3, 1)
    assert nd.transpose(x).shape == (4, 3, 2)
    t = nd.transpose(nd.array(np.arange(6).reshape(1, 2, 3)), axes=(2, 0, 1))
    assert t.asnumpy().tolist() == [[[0, 3]], [[1, 4]], [[2, 5]]]
    assert nd.SwapAxis(arr([[1, 2, 3]]), dim1=0, dim2=1).asnumpy().tolist() == [[1], [2], [3]]
    assert nd.swapaxes(x, dim1=-1, dim2=0).shape == (4, 3, 2)
    assert nd.SwapAxis(x).shape == (2, 3, 4)
    assert nd.expand_dims(x, axis=-4).shape == (1, 2, 3, 4)
    assert nd.expand_dims(x, axis=3).shape == (2, 3, 4, 1)
    assert nd.squeeze(nd.zeros((1, 3, 1))).shape == (3,)
    assert nd.squeeze(nd.zeros((1, 1))).shape == (1,)
    assert nd.squeeze(nd.zeros((2, 1)), axis=()).shape == (2, 1)
    assert nd.squeeze(nd.zeros((1, 3, 1)), axis=(0, -1)).shape == (3,)
    # the NDArray methods route to these ops
    assert x.transpose((1, 0, 2)).shape == (3, 2, 4)
    assert x.swapaxes(0, 2).shape == (4, 3, 2)
    assert x.flatten().shape == (2, 12)
    assert x.expand_dims(0).shape == (1, 2, 3, 4)
    assert nd.zeros((1, 3)).squeeze().shape == (3,)


def test_reshape_like_and_broadcasts():
    out = nd.reshape_like(nd.zeros((30, 12)), nd.zeros((4, 2, 2, 3)), lhs_begin=-1,
                          rhs_begin=1)
    assert out.shape == (30, 2, 2, 3)
    assert nd.reshape_like(arr(X234), nd.zeros((4, 6), dtype="int32")).dtype == np.float32
    assert nd.broadcast_to(arr([[1], [2]]), shape=(0, 3)).asnumpy().tolist() == [[1, 1, 1],
                                                                                 [2, 2, 2]]
    assert nd.broadcast_axis(arr([[1], [2]]), axis=1, size=3).asnumpy().tolist() == \
        [[1, 1, 1], [2, 2, 2]]
    assert nd.broadcast_axes(arr([[[1]]]), axis=(0, 2), size=(2, 3)).shape == (2, 1, 3)
    out = nd.broadcast_like(arr([[1, 2]]), nd.zeros((5, 4, 3)), lhs_axes=(0,), rhs_axes=(-1,))
    assert out.asnumpy().tolist() == [[1, 2], [1, 2], [1, 2]]
    assert nd.broadcast_like(arr([[1], [2]]), nd.zeros((2, 3), dtype="int32")).dtype == np.float32
    assert arr([[1], [2]]).broadcast_to((2, 2)).shape == (2, 2)
    np.testing.assert_array_equal(grad_of(nd.broadcast_to, [[1, 2]], shape=(3, 2)), [[3, 3]])


def test_like_ops_and_shape_arrays():
    x = arr([[1], [2]], "int32")
    z = nd.zeros_like(x)
    assert z.dtype == np.int32 and z.asnumpy().tolist() == [[0], [0]]
    o = nd.ones_like(arr([1, 2], "float16"))
    assert o.dtype == np.float16 and o.asnumpy().tolist() == [1, 1]
    s = nd.shape_array(nd.zeros((2, 3, 4)))
    assert s.dtype == np.int64 and s.asnumpy().tolist() == [2, 3, 4]
    n = nd.size_array(nd.zeros((2, 3, 4)))
    assert n.dtype == np.int64 and n.asnumpy().tolist() == [24]
    # recorded by autograd with zero gradients, as in MXNet
    for fn in (nd.shape_array, nd.size_array, nd.zeros_like, nd.ones_like):
        np.testing.assert_array_equal(grad_of(fn, [[1, 2]]), [[0, 0]])


@pytest.mark.parametrize("call,match", [
    (lambda x: nd.transpose(x, axes=(1, 0)), r"transpose: axes \(1, 0\) is not a permutation"),
    (lambda x: nd.transpose(x, axes=(1, 0, -1)), r"transpose: axes \(1, 0, -1\)"),
    (lambda x: nd.SwapAxis(x, dim1=3, dim2=0), r"SwapAxis: dim1 3 is out of bounds for input "
                                               r"shape \(2, 3, 4\)"),
    (lambda x: nd.expand_dims(x, axis=4), r"expand_dims: axis 4 is out of range \[-4, 3\]"),
    (lambda x: nd.squeeze(x, axis=1), r"squeeze: cannot squeeze axis 1 of input shape "
                                      r"\(2, 3, 4\): its size is 3"),
    (lambda x: nd.squeeze(x, axis=3), r"squeeze: axis 3 is out of bounds"),
    (lambda x: nd.reshape_like(x, nd.zeros((4, 5))), r"reshape_like: cannot reshape lhs of "
                                                     r"shape \(2, 3, 4\) to new shape \(4, 5\)"),
    (lambda x: nd.broadcast_to(x, shape=(4, 3, 4)), r"broadcast_to: array of shape \(2, 3, 4\) "
                                                    r"cannot be broadcast to \(4, 3, 4\)"),
    (lambda x: nd.broadcast_to(x, shape=(2, 3)), r"broadcast_to: operand of shape \(2, 3, 4\)"),
    (lambda x: nd.broadcast_axis(x, axis=1, size=5), r"broadcast_axis: broadcasting axis 1 of "
                                                     r"input shape \(2, 3, 4\) must have size 1"),
    (lambda x: nd.broadcast_axis(x, axis=-1, size=5), r"broadcast_axis: axis -1 is out of range"),
    (lambda x: nd.broadcast_like(x, nd.zeros((3, 3, 4))), r"broadcast_like: array of shape "
                                                          r"\(2, 3, 4\) cannot be broadcast"),
    (lambda x: nd.Flatten(nd.array(np.float32(3))), r"Flatten: .*shape \(\)"),
])
def test_shape_op_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call(nd.array(X234))


# --- slicing, joining, splitting --------------------------------------------------------------

def test_slice_values():
    x = nd.array(X234)
    out = nd.slice(x, begin=(None, 2, None), end=(1, None, None), step=(None, -1, -2))
    assert out.asnumpy().tolist() == [[[11, 9], [7, 5], [3, 1]]]
    assert nd.slice(x, begin=(0, 5), end=(2, 6)).shape == (2, 0, 4)     # clamped, empty
    assert nd.slice(x, begin=(-1, -2), end=(None, None)).shape == (1, 2, 4)
    assert nd.crop(x, begin=(0, 1), end=(1, 2)).asnumpy().ravel().tolist() == [4, 5, 6, 7]
    out = nd.slice_axis(x, axis=2, begin=-3, end=-1)
    assert out.asnumpy()[0].tolist() == [[1, 2], [5, 6], [9, 10]]
    out = nd.slice_like(x, nd.zeros((1, 2)), axes=(0, 1))
    assert out.asnumpy().tolist() == [[[0, 1, 2, 3], [4, 5, 6, 7]]]
    np.testing.assert_array_equal(grad_of(nd.slice_axis, np.arange(6).reshape(2, 3), axis=1,
                                          begin=1, end=None), [[0, 1, 1], [0, 1, 1]])
    # string attributes as stored in symbol JSON
    assert nd.slice(x, begin="(0, None)", end="(1, None)").shape == (1, 3, 4)


def test_concat_stack_split_values():
    a, b = arr([[1, 2, 3], [4, 5, 6]]), arr([[7], [8]])
    out = nd.concat(a, b)                                   # dim defaults to 1
    assert out.asnumpy().tolist() == [[1, 2, 3, 7], [4, 5, 6, 8]]
    assert nd.Concat(a, a, dim=0).shape == (4, 3)
    assert nd.concat(a).shape == (2, 3)
    assert nd.stack(arr([1, 2]), arr([3, 4]), axis=1).asnumpy().tolist() == [[1, 3], [2, 4]]
    parts = nd.split(nd.array(np.arange(12).reshape(2, 6)), num_outputs=3)
    assert [p.asnumpy().tolist() for p in parts] == [[[0, 1], [6, 7]], [[2, 3], [8, 9]],
                                                     [[4, 5], [10, 11]]]
    parts = nd.SliceChannel(nd.array(X234), num_outputs=3, squeeze_axis=True)
    assert [p.shape for p in parts] == [(2, 4)] * 3
    one = nd.split(nd.array(X234), num_outputs=1, axis=0)
    assert isinstance(one, mx.nd.NDArray) and one.shape == (2, 3, 4)


def test_concat_split_stack_gradients():
    a, b = arr([[1, 2], [3, 4]]), arr([[5], [6]])
    for v in (a, b):
        v.attach_grad()
    with mx.autograd.record():
        y = nd.concat(a, b) * arr([[1, 2, 3], [4, 5, 6]])
    y.backward()
    assert a.grad.asnumpy().tolist() == [[1, 2], [4, 5]] and b.grad.asnumpy().tolist() == [[3], [6]]
    x = arr(np.arange(6).reshape(2, 3))
    x.attach_grad()
    with mx.autograd.record():
        p0, p1, p2 = nd.split(x, num_outputs=3, axis=1, squeeze_axis=True)
        y = p0 * 1 + p2 * 3
    y.backward()
    assert x.grad.asnumpy().tolist() == [[1, 0, 3], [1, 0, 3]]


@pytest.mark.parametrize("call,match", [
    (lambda x: nd.slice(x, begin=(0, 0, 0, 0), end=(1, 1, 1, 1)),
     r"slice: slicing 4 axes exceeds the 3 dimensions of input shape \(2, 3, 4\)"),
    (lambda x: nd.slice(x, begin=(0,), end=(1, 2)), r"slice: begin \(0,\) and end \(1, 2\) must "
                                                    r"have the same length"),
    (lambda x: nd.slice(x, begin=(0,), end=(1,), step=(0,)), r"slice: step\[0\] cannot be 0"),
    (lambda x: nd.slice(x, begin=(0, 0), end=(2, 3), step=(1,)), r"slice: step \(1,\) and begin"),
    (lambda x: nd.slice_axis(x, axis=1, begin=2, end=1), r"slice_axis: invalid begin, end"),
    (lambda x: nd.slice_axis(x, axis=1, begin=0, end=7), r"slice_axis: invalid end 7 for axis 1 "
                                                         r"of size 3"),
    (lambda x: nd.slice_axis(x, axis=1, begin=-4, end=None), r"slice_axis: invalid begin -4"),
    (lambda x: nd.slice_axis(x, axis=3, begin=0, end=1), r"slice_axis: axis 3 is out of range "
                                                         r"for input shape \(2, 3, 4\)"),
    (lambda x: nd.slice_like(x, nd.zeros((1, 2))), r"slice_like: .*same ndim: data \(2, 3, 4\), "
                                                   r"shape_like \(1, 2\)"),
    (lambda x: nd.slice_like(x, nd.zeros((1, 5, 3))), r"slice_like: slice axis 1 with size 5 "
                                                      r"exceeds the size 3"),
    (lambda x: nd.concat(x, nd.zeros((2, 2, 5))), r"Concat: input 1 has shape \(2, 2, 5\), "
                                                  r"incompatible with input 0's shape \(2, 3, 4\)"),
    (lambda x: nd.concat(x, nd.zeros((2, 3))), r"Concat: input 1 has shape \(2, 3\)"),
    (lambda x: nd.concat(x, x, dim=3), r"Concat: dim 3 is out of range for input shape"),
    (lambda x: nd.concat(x, nd.zeros((2, 3, 4), dtype="float64")), r"Concat: .*float64"),
    (lambda x: nd.stack(x, nd.zeros((2, 3, 5))), r"stack: all inputs must have the same shape: "
                                                 r"input 1 has shape \(2, 3, 5\)"),
    (lambda x: nd.stack(x, x, axis=4), r"stack: axis 4 is out of range"),
    (lambda x: nd.split(x, num_outputs=2), r"SliceChannel: cannot split axis 1 of input shape "
                                           r"\(2, 3, 4\) into num_outputs=2"),
    (lambda x: nd.split(x, num_outputs=2, axis=2, squeeze_axis=True),
     r"SliceChannel: squeeze_axis needs axis 2 of input shape \(2, 3, 4\) to have size"),
    (lambda x: nd.split(x, num_outputs=0), r"SliceChannel: num_outputs must be >= 1"),
    (lambda x: nd.split(x, num_outputs=1, axis=-4), r"SliceChannel: axis -4 is out of range"),
])
def test_slice_join_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call(nd.array(X234))


# --- tile, repeat, reverse, pad, diag -------------------------------------------------------

def test_tile_repeat_reverse_values():
    x = arr([[1, 2], [3, 4]])
    assert nd.tile(x, reps=(2, 3)).asnumpy().tolist() == [[1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4],
                                                          [1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4]]
    assert nd.tile(x, reps=(2, 1, 2)).shape == (2, 2, 4)
    assert nd.repeat(x, repeats=2, axis=1).asnumpy().tolist() == [[1, 1, 2, 2], [3, 3, 4, 4]]
    assert nd.repeat(x, repeats=2).asnumpy().tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert nd.reverse(arr([[1, 2, 3], [4, 5, 6]]), axis=(0, 1)).asnumpy().tolist() == \
        [[6, 5, 4], [3, 2, 1]]
    assert nd.flip(x, axis=(1, 1)).asnumpy().tolist() == [[1, 2], [3, 4]]   # twice: identity
    np.testing.assert_array_equal(grad_of(nd.tile, [[1, 2], [3, 4]], reps=(2, 1, 3)),
                                  [[6, 6], [6, 6]])
    np.testing.assert_array_equal(grad_of(nd.repeat, [[1, 2], [3, 4]], repeats=3, axis=-1),
                                  [[3, 3], [3, 3]])


def test_pad_values_and_gradients():
    x = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3)
    out = nd.pad(nd.array(x), mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 2, 2))
    assert out.asnumpy()[0, 0].tolist() == [[5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0],
                                            [5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0]]
    out = nd.Pad(nd.array(x), mode="edge", pad_width=(0, 0, 0, 0, 1, 0, 0, 2))
    assert out.asnumpy()[0, 0].tolist() == [[0, 1, 2, 2, 2], [0, 1, 2, 2, 2], [3, 4, 5, 5, 5]]
    out = nd.pad(nd.array(x), mode="constant", pad_width=(0, 0, 0, 0, 1, 0, 0, 0),
                 constant_value=2.5)
    assert out.asnumpy()[0, 0].tolist() == [[2.5, 2.5, 2.5], [0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(grad_of(nd.pad, x, mode="reflect",
                                          pad_width=(0, 0, 0, 0, 1, 1, 2, 2))[0, 0],
                                  [[4, 6, 4], [4, 6, 4]])
    np.testing.assert_array_equal(grad_of(nd.pad, x, mode="edge",
                                          pad_width=(0, 0, 0, 0, 1, 0, 0, 2))[0, 0],
                                  [[2, 2, 6], [1, 1, 3]])
    np.testing.assert_array_equal(grad_of(nd.pad, x, mode="constant", constant_value=3,
                                          pad_width=(0, 0, 0, 0, 1, 0, 0, 2))[0, 0],
                                  np.ones((2, 3)))
    five = nd.pad(nd.ones((1, 1, 2, 2, 2)), mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 1, 1, 1, 1))
    assert five.shape == (1, 1, 4, 4, 4) and float(five.sum().asscalar()) == 64


def test_diag_values():
    m = nd.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert nd.diag(m, k=-1).asnumpy().tolist() == [4, 9]
    assert nd.diag(m, k=4).shape == (0,)
    assert nd.diag(arr([1, 2]), k=1).asnumpy().tolist() == [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    assert nd.diag(nd.zeros((1, 2, 3, 4)), k=1, axis1=3, axis2=1).shape == (1, 3, 1)
    np.testing.assert_array_equal(grad_of(nd.diag, np.arange(12).reshape(3, 4), k=1),
                                  [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])


@pytest.mark.parametrize("call,match", [
    (lambda x: nd.tile(x, reps=(1, 0)), r"tile: reps \(1, 0\) must be positive"),
    (lambda x: nd.repeat(x, repeats=-1, axis=1), r"repeat: repeats cannot be negative"),
    (lambda x: nd.repeat(x, repeats=2, axis=3), r"repeat: axis 3 is out of bounds for input "
                                                r"shape \(2, 3, 4\)"),
    (lambda x: nd.reverse(x, axis=-1), r"reverse: axis -1 is out of range \[0, 3\) for input "
                                       r"shape \(2, 3, 4\)"),
    (lambda x: nd.pad(x, mode="constant", pad_width=(0, 0, 1, 1, 0, 0)),
     r"Pad: Pad supports only 4-D or 5-D input, got shape \(2, 3, 4\)"),
    (lambda x: nd.pad(nd.zeros((1, 1, 2, 2)), mode="edge", pad_width=(0, 0, 0, 0, 1, 1)),
     r"Pad: pad_width .* must have 2\*ndim = 8 entries for input shape \(1, 1, 2, 2\)"),
    (lambda x: nd.pad(nd.zeros((1, 1, 2, 2)), mode="constant", pad_width=(0, 1, 0, 0, 1, 1, 1, 1)),
     r"Pad: padding of the first two axes must be zero"),
    (lambda x: nd.pad(nd.zeros((1, 1, 2, 2)), mode="reflect", pad_width=(0, 0, 0, 0, 2, 1, 1, 1)),
     r"Pad: reflect padding \(2, 1\) must be smaller than the input size 2"),
    (lambda x: nd.pad(nd.zeros((1, 1, 2, 2), dtype="int32"), mode="edge",
                      pad_width=(0, 0, 0, 0, 1, 1, 1, 1)), r"Pad: .*int32"),
    (lambda x: nd.pad(nd.zeros((1, 1, 2, 2)), mode="wrap", pad_width=(0, 0, 0, 0, 1, 1, 1, 1)),
     r"Pad: attribute 'mode' has invalid value 'wrap'"),
    (lambda x: nd.diag(x, k=5, axis1=1, axis2=2), r"diag: diagonal k=5 does not exist for a "
                                                  r"3x4 matrix \(input shape \(2, 3, 4\)\)"),
    (lambda x: nd.diag(x, axis1=1, axis2=-2), r"diag: axis1 and axis2 cannot refer to the same"),
    (lambda x: nd.diag(x, axis1=3), r"diag: axis1 3 is out of range"),
])
def test_copy_op_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call(nd.array(X234))
