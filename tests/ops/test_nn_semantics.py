"""MXNet 1.9.1 spot checks for Convolution, Deconvolution, Pooling and UpSampling.

Expected values were produced with real MXNet 1.9.1 (pip wheel, CPU); see the report of the
commit that added these tests.  Bad input must raise MXNetError naming the op and shapes.
"""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError

nd = mx.nd


def arr(values, dtype="float32"):
    return nd.array(np.array(values, dtype=dtype), dtype=dtype)


X44 = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
W2 = np.array([[[[1, 10], [100, 1000]]]], dtype=np.float32)
X55 = np.arange(1, 26, dtype=np.float32).reshape(1, 1, 5, 5)
LOWEST = float(np.finfo(np.float32).min)


# --- Convolution ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,expected", [
    ({}, [[5410, 6521, 7632], [9854, 10965, 12076], [14298, 15409, 16520]]),
    ({"stride": (2, 2), "pad": (1, 1)}, [[0, 2100, 300], [8040, 10965, 1107], [120, 153, 15]]),
    ({"dilate": (2, 2)}, [[10820, 11931], [15264, 16375]]),
])
def test_convolution_values(kwargs, expected):
    out = nd.Convolution(nd.array(X44), nd.array(W2), kernel=(2, 2), num_filter=1, no_bias=True,
                         **kwargs)
    np.testing.assert_allclose(out.asnumpy()[0, 0], expected)


def test_convolution_bias_dilate_pad():
    out = nd.Convolution(nd.array(X44), nd.array(W2), nd.array([0.5]), kernel=(2, 2),
                         num_filter=1, dilate=(2, 1), pad=(0, 1))
    assert out.shape == (1, 1, 2, 5)
    np.testing.assert_allclose(out.asnumpy()[0, 0], [[8000.5, 9810.5, 10921.5, 12032.5, 1103.5],
                                                     [12040.5, 14254.5, 15365.5, 16476.5, 1507.5]])


def test_convolution_shapes_groups_and_1d():
    x = nd.array(np.arange(1, 201, dtype=np.float32).reshape(2, 4, 5, 5) / 10)
    out = nd.Convolution(x, nd.ones((4, 2, 3, 3)), nd.ones((4,)), kernel=(3, 3), num_filter=4,
                         num_group=2)
    assert out.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(float(out.asnumpy().sum()), 13096.8, rtol=1e-5)
    out = nd.Convolution(x, nd.ones((3, 4, 3, 3)), nd.ones((3,)), kernel=(3, 3), num_filter=3,
                         stride=(2, 2), pad=(1, 1))
    assert out.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(float(out.asnumpy().sum()), 11872.8, rtol=1e-5)
    x1 = nd.array(x.asnumpy().reshape(2, 4, 25))
    out = nd.Convolution(x1, nd.ones((3, 4, 3)), nd.ones((3,)), kernel=(3,), num_filter=3,
                         stride=(2,))
    assert out.shape == (2, 3, 12)
    np.testing.assert_allclose(float(out.asnumpy().sum()), 8755.2, rtol=1e-5)
    out = nd.Convolution(x1, nd.ones((3, 4, 3)), nd.ones((3,)), kernel=(3,), num_filter=3,
                         layout="NCW")
    assert out.shape == (2, 3, 23)


def test_convolution_gradient_shapes_and_bias_grad():
    x, w, b = nd.ones((2, 3, 5, 5)), nd.ones((4, 3, 3, 3)), nd.zeros((4,))
    for a in (x, w, b):
        a.attach_grad()
    with mx.autograd.record():
        y = nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4)
    y.backward()
    assert x.grad.shape == (2, 3, 5, 5) and w.grad.shape == (4, 3, 3, 3)
    np.testing.assert_allclose(b.grad.asnumpy(), [18, 18, 18, 18])  # 2 samples x 3x3 outputs
    np.testing.assert_allclose(w.grad.asnumpy(), np.full((4, 3, 3, 3), 18.0))
    np.testing.assert_allclose(x.grad.asnumpy()[0, 0, 0], [4, 8, 12, 8, 4])


@pytest.mark.parametrize("wshape,kwargs,match", [
    ((3, 4, 2, 3), {"kernel": (3, 3), "num_filter": 3},
     r"Convolution.*data shape \(2, 4, 5, 5\) does not match weight shape \(3, 4, 2, 3\)"),
    ((3, 4, 6, 6), {"kernel": (6, 6), "num_filter": 3},
     r"Convolution.*data shape \(2, 4, 5, 5\), kernel \(6, 6\), stride \(1, 1\).*pad \(0, 0\)"),
    ((3, 4, 3, 3), {"kernel": (3, 3), "num_filter": 3, "dilate": (3, 3)},
     r"Convolution.*dilated kernel \(7, 7\) does not fit"),
    ((3, 1, 3, 3), {"kernel": (3, 3), "num_filter": 3, "num_group": 3},
     r"Convolution.*data shape \(2, 4, 5, 5\): 4 channels are not divisible by num_group=3"),
    ((3, 4, 3, 3), {"kernel": (3, 3), "num_filter": 3, "layout": "NHWC"},
     r"Convolution.*layout NHWC is not supported"),
    ((3, 4, 3, 3), {"kernel": (3, 3), "num_filter": 3, "stride": (2,)},
     r"Convolution.*stride must have the same number of dimensions as kernel"),
    ((3, 4, 3, 3), {"kernel": (3, 3), "num_filter": 3, "stride": (0, 1)},
     r"Convolution.*incorrect stride size"),
    ((3, 4, 3), {"kernel": (3,), "num_filter": 3},
     r"Convolution.*data shape \(2, 4, 5, 5\): a 1-D convolution .* needs 3-D data"),
    ((3, 4, 3, 3), {"kernel": (3, 3), "num_filter": 3, "bogus": 1},
     r"Convolution: unknown attribute 'bogus'"),
])
def test_convolution_bad_input(wshape, kwargs, match):
    x = nd.ones((2, 4, 5, 5))
    with pytest.raises(MXNetError, match=match):
        nd.Convolution(x, nd.ones(wshape), kernel=kwargs.pop("kernel"), no_bias=True, **kwargs)


def test_convolution_dtype_errors():
    with pytest.raises(MXNetError, match=r"Convolution.*'weight' has dtype float32"):
        nd.Convolution(nd.ones((1, 1, 3, 3), dtype="float64"), nd.ones((1, 1, 2, 2)),
                       kernel=(2, 2), num_filter=1, no_bias=True)
    with pytest.raises(MXNetError, match=r"Convolution.*'data' has dtype int32"):
        nd.Convolution(nd.ones((1, 1, 3, 3), dtype="int32"), nd.ones((1, 1, 2, 2), dtype="int32"),
                       kernel=(2, 2), num_filter=1, no_bias=True)
    with pytest.raises(MXNetError, match=r"Convolution.*missing input 'bias'"):
        nd.Convolution(nd.ones((1, 1, 3, 3)), nd.ones((1, 1, 2, 2)), kernel=(2, 2), num_filter=1)


# --- Deconvolution -------------------------------------------------------------------------

X22 = np.array([[[[1, 2], [3, 4]]]], dtype=np.float32)


@pytest.mark.parametrize("kwargs,expected", [
    ({"stride": (2, 2)}, [[1, 10, 2, 20], [100, 1000, 200, 2000], [3, 30, 4, 40],
                          [300, 3000, 400, 4000]]),
    ({}, [[1, 12, 20], [103, 1234, 2040], [300, 3400, 4000]]),
    ({"stride": (2, 2), "pad": (1, 1), "adj": (1, 1)},
     [[1000, 200, 2000], [30, 4, 40], [3000, 400, 4000]]),
    ({"stride": (2, 2), "adj": (1, 1)},
     [[1, 10, 2, 20, 0], [100, 1000, 200, 2000, 0], [3, 30, 4, 40, 0],
      [300, 3000, 400, 4000, 0], [0, 0, 0, 0, 0]]),
    ({"stride": (2, 2), "target_shape": (3, 3)},
     [[1000, 200, 2000], [30, 4, 40], [3000, 400, 4000]]),
])
def test_deconvolution_values(kwargs, expected):
    out = nd.Deconvolution(nd.array(X22), nd.array(W2), kernel=(2, 2), num_filter=1, **kwargs)
    np.testing.assert_allclose(out.asnumpy()[0, 0], expected)


@pytest.mark.parametrize("wshape,kwargs,shape,total", [
    ((3, 2, 3, 3), {"num_filter": 2}, (2, 2, 6, 6), 8380.8),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2)}, (2, 2, 9, 9), 8380.8),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "adj": (1, 1)}, (2, 2, 10, 10), 8380.8),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "adj": (1, 0), "pad": (1, 1)},
     (2, 2, 8, 7), 6474.0),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (8, 8)}, (2, 2, 8, 8),
     7141.2),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (8, 7)}, (2, 2, 8, 7),
     6474.0),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (8, 8), "pad": (5, 5),
                    "adj": (1, 1)}, (2, 2, 8, 8), 7141.2),   # target_shape overrides pad/adj
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (4, 4)}, (2, 2, 4, 4),
     2167.2),
    ((3, 2, 3, 3), {"num_filter": 2, "dilate": (2, 2), "pad": (1, 2)}, (2, 2, 6, 4), 4656.0),
    ((3, 2, 3, 3), {"num_filter": 2, "pad": (2, 2)}, (2, 2, 2, 2), 2095.2),
    ((3, 1, 3, 3), {"num_filter": 3, "num_group": 3}, (2, 3, 6, 6), 4190.4),
    ((3, 2, 3, 3), {"num_filter": 6, "num_group": 3}, (2, 6, 6, 6), 8380.8),
])
def test_deconvolution_shapes(wshape, kwargs, shape, total):
    x = nd.array(np.arange(1, 97, dtype=np.float32).reshape(2, 3, 4, 4) / 10)
    out = nd.Deconvolution(x, nd.ones(wshape), kernel=(3, 3), **kwargs)
    assert out.shape == shape
    np.testing.assert_allclose(float(out.asnumpy().sum()), total, rtol=1e-5)


def test_deconvolution_no_bias_default_and_1d():
    x = nd.array(np.arange(1, 97, dtype=np.float32).reshape(2, 3, 4, 4) / 10)
    out = nd.Deconvolution(x, nd.ones((3, 2, 3, 3)), nd.ones((2,)), kernel=(3, 3), num_filter=2,
                           no_bias=False)
    np.testing.assert_allclose(float(out.asnumpy().sum()), 8524.8, rtol=1e-5)
    with pytest.raises(MXNetError, match=r"Deconvolution.*unexpected input bias"):
        nd.Deconvolution(x, nd.ones((3, 2, 3, 3)), nd.ones((2,)), kernel=(3, 3), num_filter=2)
    x1 = nd.array(x.asnumpy().reshape(2, 3, 16))
    out = nd.Deconvolution(x1, nd.ones((3, 2, 3)), kernel=(3,), num_filter=2, stride=(2,), adj=(1,))
    assert out.shape == (2, 2, 34)
    np.testing.assert_allclose(float(out.asnumpy().sum()), 2793.6, rtol=1e-5)
    out = nd.Deconvolution(x1, nd.ones((3, 2, 3)), kernel=(3,), num_filter=2, stride=(2,),
                           target_shape=(33,))
    assert out.shape == (2, 2, 33)


@pytest.mark.parametrize("wshape,kwargs,match", [
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "adj": (2, 2)},
     r"Deconvolution.*adj \(2, 2\) must be smaller than stride \(2, 2\)"),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (10, 10)},
     r"Deconvolution.*data shape \(2, 3, 4, 4\).*target_shape \(10, 10\) is too big"),
    ((3, 2, 3, 3), {"num_filter": 4, "num_group": 2},
     r"Deconvolution.*data shape \(2, 3, 4, 4\): 3 channels are not divisible by num_group=2"),
    ((3, 2, 3, 3), {"num_filter": 3, "num_group": 1, "stride": (2,)},
     r"Deconvolution.*stride must have the same number of dimensions"),
    ((3, 2, 3, 3), {"num_filter": 2, "pad": (3, 3)},
     r"Deconvolution.*data shape \(2, 3, 4, 4\), kernel \(3, 3\).*"
     r"output size \(0, 0\) is not positive"),
    ((3, 2, 3, 3), {"num_filter": 2, "stride": (2, 2), "target_shape": (8,)},
     r"Deconvolution.*target_shape \(8,\) must have 2 dimensions"),
    ((3, 3, 3, 3), {"num_filter": 2},
     r"Deconvolution.*data shape \(2, 3, 4, 4\) does not match weight shape \(3, 3, 3, 3\)"),
])
def test_deconvolution_bad_input(wshape, kwargs, match):
    x = nd.ones((2, 3, 4, 4))
    with pytest.raises(MXNetError, match=match):
        nd.Deconvolution(x, nd.ones(wshape), kernel=(3, 3), **kwargs)


# --- Pooling -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,expected", [
    ({"kernel": (2, 2), "pool_type": "avg", "stride": (2, 2), "pooling_convention": "full"},
     [[4, 6, 7.5], [14, 16, 17.5], [21.5, 23.5, 25]]),
    ({"kernel": (3, 3), "pool_type": "avg", "stride": (2, 2), "pad": (1, 1),
      "pooling_convention": "full"},
     [[16 / 9, 33 / 9, 28 / 9], [69 / 9, 13, 87 / 9], [76 / 9, 123 / 9, 88 / 9]]),
    ({"kernel": (3, 3), "pool_type": "avg", "stride": (2, 2), "pad": (1, 1),
      "count_include_pad": False},
     [[4, 5.5, 7], [11.5, 13, 14.5], [19, 20.5, 22]]),
    ({"kernel": (3, 3), "pool_type": "avg", "stride": (3, 3), "pad": (1, 1),
      "pooling_convention": "full"}, [[16 / 9, 39 / 9, 0], [11, 19, 0], [0, 0, 0]]),
    ({"kernel": (3, 3), "pool_type": "avg", "stride": (3, 3), "pad": (1, 1),
      "pooling_convention": "full", "count_include_pad": False},
     [[4, 6.5, 0], [16.5, 19, 0], [0, 0, 0]]),
    ({"kernel": (3, 3), "pool_type": "sum", "stride": (2, 2), "pad": (1, 1),
      "pooling_convention": "full"}, [[16, 33, 28], [69, 117, 87], [76, 123, 88]]),
    ({"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pooling_convention": "full"},
     [[7, 9, 10], [17, 19, 20], [22, 24, 25]]),
    ({"kernel": (1, 1), "stride": (2, 2), "pad": (1, 1)},
     [[LOWEST] * 4, [LOWEST, 7, 9, LOWEST], [LOWEST, 17, 19, LOWEST], [LOWEST] * 4]),
    ({"kernel": (2, 2), "stride": (2, 2), "pool_type": "lp", "p_value": 2},
     [[90 ** 0.5, 170 ** 0.5], [28.460499, 32.4037]]),
    ({"kernel": (2, 2), "global_pool": True, "pool_type": "avg", "pad": (1, 1)}, [[13]]),
    ({"global_pool": True}, [[25]]),
])
def test_pooling_values(kwargs, expected):
    out = nd.Pooling(nd.array(X55), **kwargs)
    np.testing.assert_allclose(out.asnumpy()[0, 0], expected, rtol=1e-5)


def test_pooling_default_stride_1d_3d_lp3():
    assert nd.Pooling(nd.ones((1, 1, 4, 4)), kernel=(2, 2)).shape == (1, 1, 3, 3)
    x1 = nd.array(np.arange(1, 26, dtype=np.float32).reshape(1, 1, 25))
    np.testing.assert_allclose(nd.Pooling(x1, kernel=(2,), stride=(2,)).asnumpy()[0, 0],
                               np.arange(2, 25, 2))
    np.testing.assert_allclose(nd.Pooling(x1, kernel=(3,), stride=(2,), pool_type="avg",
                                          pooling_convention="full").asnumpy()[0, 0],
                               np.arange(2, 25, 2))
    x3 = nd.array(np.arange(1, 65, dtype=np.float32).reshape(1, 1, 4, 4, 4))
    np.testing.assert_allclose(nd.Pooling(x3, kernel=(2, 2, 2), stride=(2, 2, 2)).asnumpy()[0, 0],
                               [[[22, 24], [30, 32]], [[54, 56], [62, 64]]])
    out = nd.Pooling(nd.array(X55), kernel=(2, 2), pool_type="lp", p_value=3)
    np.testing.assert_allclose(out.asnumpy()[0, 0, 0], [8.2816, 9.619, 11.0028, 12.4246],
                               rtol=1e-4)


def test_pooling_max_gradient_goes_to_first_maximum():
    x = arr([[[[1, 3, 3], [3, 2, 3], [0, 3, 1]]]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), pool_type="max")
    y.backward(arr([[[[1, 10], [100, 1000]]]]))
    np.testing.assert_allclose(y.asnumpy()[0, 0], [[3, 3], [3, 3]])
    np.testing.assert_allclose(x.grad.asnumpy()[0, 0], [[0, 11, 0], [100, 0, 1000], [0, 0, 0]])


@pytest.mark.parametrize("kwargs,row0,row2", [
    ({"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg",
      "count_include_pad": False},
     [0.25, 5 / 12, 1 / 6, 5 / 12, 0.25], [1 / 6, 5 / 18, 1 / 9, 5 / 18, 1 / 6]),
    ({"kernel": (3, 3), "stride": (3, 3), "pad": (1, 1), "pool_type": "avg",
      "pooling_convention": "full", "count_include_pad": False},
     [0.25, 0.25, 1 / 6, 1 / 6, 1 / 6], [1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9]),
    ({"kernel": (2, 2), "stride": (2, 2), "pool_type": "lp", "p_value": 2},
     [0, 1 / 62 ** 0.5, 2 / 126 ** 0.5, 3 / 126 ** 0.5, 0], [10 / 702 ** 0.5, 11 / 702 ** 0.5,
                                                          12 / 926 ** 0.5, 13 / 926 ** 0.5, 0]),
])
def test_pooling_gradients(kwargs, row0, row2):
    x = nd.array(np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5))
    x.attach_grad()
    with mx.autograd.record():
        y = nd.Pooling(x, **kwargs)
    y.backward(nd.ones(y.shape))
    np.testing.assert_allclose(x.grad.asnumpy()[0, 0, 0], row0, rtol=1e-4)
    np.testing.assert_allclose(x.grad.asnumpy()[0, 0, 2], row2, rtol=1e-4)


@pytest.mark.parametrize("shape,kwargs,match", [
    ((1, 1, 5, 5), {"kernel": (6, 6)},
     r"Pooling.*data shape \(1, 1, 5, 5\), kernel \(6, 6\), stride \(1, 1\), pad \(0, 0\)"),
    ((1, 1, 5, 5), {"kernel": (2,)}, r"Pooling.*data shape \(1, 1, 5, 5\): 1-D pooling"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "stride": (2,)},
     r"Pooling.*stride \(2,\) must have the same number of dimensions as kernel \(2, 2\)"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "pooling_convention": "same"},
     r"Pooling.*'same' is not supported"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "pool_type": "lp"}, r"Pooling.*p_value is required"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "pool_type": "lp", "p_value": 4},
     r"Pooling.*p_value 4 is not supported"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "layout": "NHWC"}, r"Pooling.*layout NHWC is not supported"),
    ((1, 1, 5, 5), {}, r"Pooling.*kernel \(\): only 1-D, 2-D and 3-D pooling"),
    ((1, 25), {"global_pool": True}, r"Pooling.*data shape \(1, 25\)"),
    ((1, 1, 5, 5), {"kernel": (2, 2), "pool_type": "median"}, r"Pooling.*pool_type"),
])
def test_pooling_bad_input(shape, kwargs, match):
    with pytest.raises(MXNetError, match=match):
        nd.Pooling(nd.ones(shape), **kwargs)


def test_pooling_rejects_integers():
    with pytest.raises(MXNetError, match=r"Pooling.*'data' has dtype int32"):
        nd.Pooling(nd.ones((1, 1, 4, 4), dtype="int32"), kernel=(2, 2))


# --- UpSampling ----------------------------------------------------------------------------

A = np.array([[[[1, 2], [3, 4]]]], dtype=np.float32)
B = np.arange(10, 26, dtype=np.float32).reshape(1, 1, 4, 4)


def test_upsampling_nearest_values():
    out = nd.UpSampling(nd.array(A), scale=2, sample_type="nearest")
    np.testing.assert_allclose(out.asnumpy()[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4],
                                                     [3, 3, 4, 4]])
    out = nd.UpSampling(nd.array(A), nd.array(B), scale=2, sample_type="nearest")
    assert out.shape == (1, 2, 4, 4)
    np.testing.assert_allclose(out.asnumpy()[0, 1], B[0, 0])
    out = nd.UpSampling(nd.array(A), nd.array(B), scale=2, sample_type="nearest",
                        multi_input_mode="sum")
    np.testing.assert_allclose(out.asnumpy()[0, 0], [[11, 12, 14, 15], [15, 16, 18, 19],
                                                     [21, 22, 24, 25], [25, 26, 28, 29]])
    out = nd.UpSampling(nd.array(B), nd.array(A), scale=3, sample_type="nearest")
    assert out.shape == (1, 2, 12, 12)
    np.testing.assert_allclose(out.asnumpy()[0, 1, 5], [1] * 6 + [2] * 6)
    np.testing.assert_allclose(out.asnumpy()[0, 1, 6], [3] * 6 + [4] * 6)


@pytest.mark.parametrize("mode,b_grad", [("concat", np.arange(16, 32)), ("sum", np.arange(16))])
def test_upsampling_nearest_gradient(mode, b_grad):
    a, b = nd.array(A), nd.array(B)
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = nd.UpSampling(a, b, scale=2, sample_type="nearest", multi_input_mode=mode)
    y.backward(nd.array(np.arange(y.size, dtype=np.float32).reshape(y.shape)))
    np.testing.assert_allclose(a.grad.asnumpy()[0, 0], [[10, 18], [42, 50]])
    np.testing.assert_allclose(b.grad.asnumpy().ravel(), b_grad)


def test_upsampling_bilinear_values():
    out = nd.UpSampling(nd.array(A), nd.ones((1, 1, 4, 4)), scale=2, sample_type="bilinear",
                        num_filter=1)
    np.testing.assert_allclose(out.asnumpy()[0, 0], [[1, 3, 3, 2], [4, 10, 10, 6], [4, 10, 10, 6],
                                                     [3, 7, 7, 4]])
    x = nd.array(np.arange(1, 33, dtype=np.float32).reshape(1, 4, 2, 4))
    out = nd.UpSampling(x, nd.ones((4, 1, 5, 5)), scale=3, sample_type="bilinear", num_filter=4)
    assert out.shape == (1, 4, 6, 12)
    np.testing.assert_allclose(out.asnumpy()[0, 0, 2],
                               [6, 6, 14, 14, 8, 18, 18, 10, 22, 22, 12, 12])


@pytest.mark.parametrize("inputs,kwargs,match", [
    ([A, np.ones((1, 2, 2, 2), np.float32)], {"multi_input_mode": "sum"},
     r"UpSampling.*every input needs 1 channels when multi_input_mode='sum'"),
    ([np.ones((1, 1, 2, 3), np.float32), np.ones((1, 1, 3, 2), np.float32)], {"scale": 6},
     r"UpSampling.*input 1 shape \(1, 1, 3, 2\) cannot be upsampled"),
    ([np.ones((1, 4), np.float32)], {}, r"UpSampling.*shape \(1, 4\).*needs 4-D inputs"),
    ([A], {"scale": 0}, r"UpSampling.*scale must be at least 1"),
    ([A], {"sample_type": "bilinear", "num_filter": 1},
     r"UpSampling.*expects 2 inputs \(data, weight\), got 1"),
    ([A, np.ones((1, 1, 4, 4), np.float32)], {"sample_type": "bilinear", "num_filter": 2},
     r"UpSampling.*num_filter \(2\) must equal the number of channels"),
    ([A, np.ones((1, 1, 3, 3), np.float32)], {"sample_type": "bilinear", "num_filter": 1},
     r"UpSampling.*does not match weight shape \(1, 1, 3, 3\)"),
])
def test_upsampling_bad_input(inputs, kwargs, match):
    kwargs = dict({"scale": 2, "sample_type": "nearest"}, **kwargs)
    with pytest.raises(MXNetError, match=match):
        nd.UpSampling(*[nd.array(a) for a in inputs], **kwargs)


def test_upsampling_requires_sample_type_and_floats():
    with pytest.raises(MXNetError, match=r"UpSampling.*required attribute 'sample_type'"):
        nd.UpSampling(nd.array(A), scale=2)
    with pytest.raises(MXNetError, match=r"UpSampling.*dtype int32"):
        nd.UpSampling(nd.array(A, dtype="int32"), scale=2, sample_type="nearest")
