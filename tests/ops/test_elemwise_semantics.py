"""MXNet 1.9.1 spot checks for the elementwise family (unary, binary, broadcast, scalar,
add_n, where, clip, Cast).

Every expected value below was printed by real MXNet 1.9.1 (pip wheel, CPU), including
signed zeros and NaN handling; bad input must raise MXNetError naming the op and shapes.
"""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError

nd = mx.nd
I = nd._internal
NAN, INF = np.nan, np.inf


def arr(values, dtype="float32"):
    return nd.array(np.array(values, dtype=dtype), dtype=dtype)


def check(out, expected, dtype=None, signs=False):
    got = out.asnumpy()
    want = np.array(expected, dtype=dtype or got.dtype)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)
    if signs:   # signed zeros must match too (the sign of NaN is not specified)
        keep = ~np.isnan(want)
        np.testing.assert_array_equal(np.signbit(got[keep]), np.signbit(want[keep]))


NZ = [-0.0, 0.0, NAN, -1, 1, NAN, -INF]
PZ = [0.0, -0.0, 1.0, NAN, NAN, NAN, INF]


# --- NaN and signed zeros ----------------------------------------------------------------

def test_relu_abs_sign_negative_special_values():
    check(nd.relu(arr(NZ)), [0.0, 0.0, NAN, 0.0, 1.0, NAN, 0.0], signs=True)
    check(nd.abs(arr(NZ)), [0.0, 0.0, NAN, 1.0, 1.0, NAN, INF], signs=True)
    check(nd.sign(arr(NZ)), [0.0, 0.0, 0.0, -1.0, 1.0, 0.0, -1.0], signs=True)
    check(nd.negative(arr(NZ)), [0.0, -0.0, NAN, 1.0, -1.0, NAN, INF], signs=True)
    check(nd.clip(arr(NZ), -0.5, 0.5), [-0.0, 0.0, NAN, -0.5, 0.5, NAN, -0.5], signs=True)


@pytest.mark.parametrize("fn", [I._maximum, nd.broadcast_maximum])
def test_maximum_nan_and_zeros(fn):
    check(fn(arr(NZ), arr(PZ)), [0.0, -0.0, NAN, NAN, NAN, NAN, INF], signs=True)


@pytest.mark.parametrize("fn", [I._minimum, nd.broadcast_minimum])
def test_minimum_nan_and_zeros(fn):
    check(fn(arr(NZ), arr(PZ)), [0.0, -0.0, NAN, NAN, NAN, NAN, -INF], signs=True)


def test_maximum_minimum_scalar_special_values():
    check(I._maximum_scalar(arr(NZ), scalar=0.0), [0.0, 0.0, NAN, 0.0, 1.0, NAN, 0.0], signs=True)
    check(I._maximum_scalar(arr(NZ), scalar=-0.0), [-0.0, -0.0, NAN, -0.0, 1.0, NAN, -0.0],
          signs=True)
    check(I._minimum_scalar(arr(NZ), scalar=0.0), [0.0, 0.0, NAN, -1.0, 0.0, NAN, -INF], signs=True)
    check(I._maximum_scalar(arr(NZ), scalar=float("nan")), [NAN] * 7)


def test_sigmoid_extremes():
    np.testing.assert_allclose(nd.sigmoid(arr([-100, -20, 0, 20, 100])).asnumpy(),
                               [0.0, 2.06115369216775e-09, 0.5, 1.0, 1.0], atol=1e-30, rtol=1e-6)
    assert np.isnan(nd.sigmoid(arr([NAN])).asnumpy()[0])


# --- rounding ---------------------------------------------------------------------------

HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.4, 0.49999997]


@pytest.mark.parametrize("op,expected", [
    ("round", [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0, -0.0, 0.0]),
    ("rint", [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, -0.0, 0.0]),     # ties go to floor in MXNet
    ("fix", [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, -0.0, 0.0]),
    ("trunc", [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, -0.0, 0.0]),
    ("floor", [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, -1.0, 0.0]),
    ("ceil", [-2.0, -1.0, -0.0, 1.0, 2.0, 3.0, -0.0, 1.0]),
])
def test_rounding(op, expected):
    check(getattr(nd, op)(arr(HALVES)), expected, signs=True)


# --- integer inputs: computed in float, cast back -----------------------------------------

def test_unary_on_int32():
    x = arr([-3, -1, 0, 1, 2, 5], "int32")
    check(nd.exp(x), [0, 0, 1, 2, 7, 148], "int32")
    check(nd.sigmoid(x), [0, 0, 0, 0, 0, 0], "int32")
    check(nd.degrees(x), [-171, -57, 0, 57, 114, 286], "int32")
    check(nd.cbrt(x), [-1, -1, 0, 1, 1, 1], "int32")
    check(nd.tan(x), [0, -1, 0, 1, -2, -3], "int32")
    check(nd.logical_not(x), [0, 0, 1, 0, 0, 0], "int32")
    u = arr([253, 255, 0, 1, 2, 5], "uint8")
    check(nd.negative(u), [3, 1, 0, 255, 254, 251], "uint8")
    check(nd.sign(u), [1, 1, 0, 1, 1, 1], "uint8")
    check(nd.relu(u), [253, 255, 0, 1, 2, 5], "uint8")


# --- mod, div, power ----------------------------------------------------------------------

A = [5.5, -5.5, 5.5, -5.5, 3, -3, 0, 7, 2.0, -0.0]
B = [2, 2, -2, -2, 0, 0, 3, -7, INF, 3]


@pytest.mark.parametrize("fn", [I._mod, nd.broadcast_mod])
def test_mod_sign_of_divisor(fn):
    check(fn(arr(A), arr(B)), [1.5, 0.5, -0.5, -1.5, 0.0, 0.0, 0.0, 0.0, 2.0, -0.0], signs=True)
    check(fn(arr([-7, -7, -0.0, -2]), arr([7, -7, -2, INF])), [0.0, -0.0, 0.0, INF], signs=True)


def test_mod_scalar_and_rmod_scalar():
    check(I._mod_scalar(arr(A), scalar=2), [1.5, 0.5, 1.5, 0.5, 1.0, 1.0, 0.0, 1.0, 0.0, -0.0],
          signs=True)
    check(I._mod_scalar(arr(A), scalar=-2), [-0.5, -1.5, -0.5, -1.5, -1.0, -1.0, 0.0, -1.0, 0.0,
                                             0.0], signs=True)
    check(I._rmod_scalar(arr(B), scalar=5.5), [1.5, 1.5, -0.5, -0.5, 0.0, 0.0, 2.5, -1.5, 5.5, 2.5])
    check(I._rmod_scalar(arr(B), scalar=-5.5), [0.5, 0.5, -1.5, -1.5, 0.0, 0.0, 0.5, -5.5, INF, 0.5])


def test_integer_mod_and_division():
    a, b = arr([7, -7, 7, -7, 0, 5], "int32"), arr([3, 3, -3, -3, 3, 0], "int32")
    check(I._mod(a, b), [1, 2, -2, -1, 0, 0], "int32")
    check(nd.broadcast_mod(a, b), [1, 2, -2, -1, 0, 0], "int32")
    d = arr([3, 3, -3, -3, 3, 1], "int32")
    check(nd.elemwise_div(a, d), [2, -2, -2, 2, 0, 5], "int32")
    check(nd.broadcast_div(a, d), [2, -2, -2, 2, 0, 5], "int32")
    check(I._mod_scalar(a, scalar=3), [1, 2, 1, 2, 0, 2], "int32")
    check(I._mod_scalar(a, scalar=-3), [-2, -1, -2, -1, 0, -1], "int32")
    check(I._rmod_scalar(arr([3, -3, 2], "int32"), scalar=7), [1, -2, 1], "int32")
    check(I._div_scalar(a, scalar=2), [3, -3, 3, -3, 0, 2], "int32")
    check(I._rdiv_scalar(arr([3, -3, 2], "int32"), scalar=7), [2, -2, 3], "int32")


def test_integer_power_and_hypot():
    check(I._power(arr([2, 3, -2, 0], "int32"), arr([3, 2, 3, 0], "int32")), [8, 9, -8, 1], "int32")
    check(I._power(arr([2, 3, -2, 1], "int32"), arr([-1, -2, -1, -1], "int32")), [0, 0, 0, 1])
    check(I._power_scalar(arr([2, 3, -2, 0], "int32"), scalar=2), [4, 9, 4, 0], "int32")
    check(I._power_scalar(arr([2, 3, 4, 0], "int32"), scalar=2.5), [4, 9, 16, 0], "int32")
    check(I._rpower_scalar(arr([2, 3, 0, -1], "int32"), scalar=2), [4, 8, 1, 0], "int32")
    check(I._hypot(arr([3, 5], "int32"), arr([4, 5], "int32")), [5, 7], "int32")
    check(I._hypot_scalar(arr([3, 5], "int32"), scalar=4), [5, 6], "int32")


def test_float_power_and_division_specials():
    np.testing.assert_allclose(I._power(arr([-2, -2, 0, 2]), arr([0.5, 2, -1, 0.5])).asnumpy(),
                               [NAN, 4.0, INF, 1.4142135381698608])
    check(nd.elemwise_div(arr([1, -1, 0]), arr([0, 0, 0])), [INF, -INF, NAN])


def test_float_division_is_correctly_rounded():
    # MXNet divides (no multiplication by a reciprocal): results equal NumPy's bit for bit
    x = np.random.default_rng(0).uniform(-100, 100, 1000)
    for dt in ("float32", "float64"):
        xs, s = x.astype(dt), np.dtype(dt).type(0.7)
        np.testing.assert_array_equal(I._div_scalar(nd.array(xs, dtype=dt), scalar=0.7).asnumpy(),
                                      xs / s)
        np.testing.assert_array_equal(I._rdiv_scalar(nd.array(xs, dtype=dt), scalar=0.7).asnumpy(),
                                      s / xs)
        np.testing.assert_array_equal(nd.elemwise_div(nd.array(xs, dtype=dt),
                                                      nd.array(xs[::-1], dtype=dt)).asnumpy(),
                                      xs / xs[::-1])
    np.testing.assert_array_equal(nd.rsqrt(nd.array(x[x > 0])).asnumpy(),
                                  (1 / np.sqrt(x[x > 0].astype("float32"))))


def test_integer_wraparound():
    check(nd.elemwise_sub(arr([1, 2], "uint8"), arr([2, 1], "uint8")), [255, 1], "uint8")
    check(I._rminus_scalar(arr([1, 2], "uint8"), scalar=1), [0, 255], "uint8")
    check(nd.elemwise_mul(arr([100, 2], "int8"), arr([2, 1], "int8")), [-56, 2], "int8")


# --- scalar casting (DType(scalar)) and is_int ----------------------------------------------

def test_scalar_cast_to_integer_dtype():
    x = arr([1, 2, 3], "int32")
    check(I._plus_scalar(x, scalar=0.7), [1, 2, 3], "int32")
    check(I._mul_scalar(x, scalar=2.5), [2, 4, 6], "int32")
    check(I._mul_scalar(x, scalar=-1.7), [-1, -2, -3], "int32")
    u = arr([1, 2, 3], "uint8")
    check(I._plus_scalar(u, scalar=-1), [0, 1, 2], "uint8")
    check(I._plus_scalar(u, scalar=-1.5), [0, 1, 2], "uint8")
    check(I._plus_scalar(u, scalar=300), [45, 46, 47], "uint8")
    xi = arr([7, -7, 7, -7, 0, 5], "int32")
    check(I._greater_scalar(xi, scalar=0.5), [1, 0, 1, 0, 0, 1], "int32")
    check(I._lesser_scalar(xi, scalar=-0.5), [0, 1, 0, 1, 0, 0], "int32")
    check(I._equal_scalar(xi, scalar=0.5), [0, 0, 0, 0, 1, 0], "int32")
    check(I._logical_and_scalar(xi, scalar=0.5), [0, 0, 0, 0, 0, 0], "int32")
    check(I._logical_or_scalar(xi, scalar=0.5), [1, 1, 1, 1, 0, 1], "int32")


def test_is_int_false_promotes_integer_data_to_float64():
    x = arr([1, 2, 3], "int32")
    check(I._plus_scalar(x, scalar=0.7, is_int=False), [1.7, 2.7, 3.7], "float64")
    np.testing.assert_allclose(I._div_scalar(x, scalar=1.5, is_int=False).asnumpy(),
                               [2 / 3, 4 / 3, 2.0], rtol=1e-15)
    check(I._rdiv_scalar(x, scalar=1.5, is_int=False), [1.5, 0.75, 0.5], "float64")
    check(I._greater_scalar(x, scalar=1.5, is_int=False), [0.0, 1.0, 1.0], "float64")
    check(I._mod_scalar(x, scalar=1.5, is_int=False), [1.0, 0.5, 0.0], "float64")
    h = arr([1, 2, 3], "float16")
    check(I._plus_scalar(h, scalar=1.5, is_int=False), [2.5, 3.5, 4.5], "float16")
    b = arr([True, False, True], "bool")
    check(I._plus_scalar(b, scalar=1), [2, 1, 2], "int64")
    check(I._greater_scalar(b, scalar=1), [0, 0, 0], "int64")
    check(I._plus_scalar(b, scalar=1, is_int=False), [2.0, 1.0, 2.0], "float64")


def test_float64_scalar_keeps_double_precision():
    assert I._plus_scalar(arr([0.5], "float64"), scalar=0.1).asnumpy()[0] == 0.6
    assert I._plus_scalar(arr([0.5]), scalar=0.1).asnumpy()[0] == np.float32(0.6)


# --- comparisons and logical ops: 0/1 in the input dtype -------------------------------------

def test_comparisons_and_logic():
    check(I._not_equal(arr([NAN, 1]), arr([NAN, 1])), [1.0, 0.0], "float32")
    check(nd.broadcast_greater_equal(arr([NAN, 1]), arr([NAN, 1])), [0.0, 1.0], "float32")
    check(nd.broadcast_greater(arr([7, -7, 7], "int32"), arr([3, 3, -3], "int32")), [1, 0, 1],
          "int32")
    check(I._equal_scalar(arr([5.5, 2, 5.5]), scalar=5.5), [1, 0, 1], "float32")
    lhs = arr([0, 1, 2, NAN, -0.0])
    check(I._logical_and(lhs, arr([1, 0, 3, 1, 1])), [0, 0, 1, 1, 0])
    check(I._logical_or(lhs, arr([0, 0, 3, 0, 0])), [0, 1, 1, 1, 0])
    check(I._logical_xor(lhs, arr([1, 0, 3, 0, 0])), [1, 1, 0, 1, 0])
    check(nd.broadcast_logical_xor(lhs, arr([1, 0, 3, 0, 0])), [1, 1, 0, 1, 0])
    check(I._logical_and_scalar(arr([0, 1, 2, NAN]), scalar=0.5), [0, 1, 1, 1])
    check(nd.logical_not(lhs), [1, 0, 0, 0, 1])
    check(nd.broadcast_lesser(arr([[1], [3]]), arr([2, 3, 4])), [[1, 1, 1], [0, 0, 1]])


# --- where, add_n, clip, Cast ------------------------------------------------------------------

def test_where():
    check(nd.where(arr([1, 0, 2]), arr([1, 2, 3]), arr([4, 5, 6])), [1, 5, 3])
    check(nd.where(arr([NAN, -0.0, 0.0]), arr([1, 2, 3]), arr([4, 5, 6])), [1, 5, 6])
    check(nd.where(arr([1, 0, 2], "int32"), arr([1, 2, 3]), arr([4, 5, 6])), [1, 5, 3], "float32")
    check(nd.where(arr([1, 0]), arr([[1, 2], [3, 4]]), arr([[5, 6], [7, 8]])), [[1, 2], [7, 8]])
    check(nd.where(arr([[0, 1], [-1, 0]]), arr([[1, 2], [3, 4]]), arr([[5, 6], [7, 8]])),
          [[5, 2], [3, 8]])
    check(nd.where(arr([1, 0], "int32"), arr([1, 2], "int32"), arr([5, 6], "int32")), [1, 6],
          "int32")


def test_add_n():
    check(nd.add_n(arr([1, 2]), arr([3, 4]), arr([5, 6])), [9, 12])
    check(nd.add_n(arr([1, 2])), [1, 2])
    check(nd.ElementWiseSum(arr([1, 2], "int32"), arr([3, 4], "int32")), [4, 6], "int32")


def test_clip():
    got = nd.clip(arr([0.5, -5], "float64"), -0.3, 0.1).asnumpy()
    assert got.tolist() == [0.10000000149011612, -0.30000001192092896]   # float32 bounds
    check(nd.clip(arr([0, 5, 255], "uint8"), -1, 3), [0, 3, 3], "uint8")
    check(nd.clip(arr([-5, 5], "int32"), -3.7, -3.2), [-3, -3], "int32")
    check(nd.clip(arr([7, -7, 7, -7, 0, 5], "int32"), -2.5, 3.7), [3, -2, 3, -2, 0, 3], "int32")
    check(nd.clip(arr([1, 2, 3]), 2.5, 1.5), [2.5, 1.5, 1.5])
    check(nd.clip(arr([1, 2, 3]), a_max=2, a_min=1.5), [1.5, 2, 2])


def test_cast():
    check(nd.Cast(arr([300, 11.1, 10.9, -1, -3]), dtype="uint8"), [44, 11, 10, 255, 253], "uint8")
    check(nd.cast(arr([1.7, -1.7]), dtype="int32"), [1, -1], "int32")
    check(nd.Cast(arr([1.7, -1.7]), "float16"), np.array([1.7, -1.7], "float16"), "float16")
    check(nd.Cast(arr([0.0, -0.0, 2.5, NAN]), "bool"), [False, False, True, True], "bool")


def test_special_functions():
    np.testing.assert_allclose(nd.gamma(arr([-1.5, -1, 0.5, 171.0, 172])).asnumpy(),
                               [2.363271713256836, NAN, 1.772453784942627, INF, INF], rtol=1e-6)
    assert nd.gamma(arr([-0.0])).asnumpy()[0] == -INF
    np.testing.assert_allclose(nd.gammaln(arr([-1.5, -1, 0.5, -2.5])).asnumpy(),
                               [0.8600470423698425, INF, 0.5723649263381958, -0.056243713945150375],
                               rtol=1e-6)
    np.testing.assert_allclose(nd.erfinv(arr([-1, -0.5, 0, 0.5, 0.999, 1, 1.5])).asnumpy(),
                               [-INF, -0.4769362807273865, 0.0, 0.4769362807273865,
                                2.326756238937378, INF, NAN], rtol=1e-6)
    np.testing.assert_allclose(nd.erfinv(arr([0.3, -0.9999999], "float64")).asnumpy(),
                               [0.27246271472675443, -3.766562581638471], rtol=1e-13)
    np.testing.assert_allclose(nd.rsqrt(arr([4.0, 0.0, -0.0])).asnumpy(), [0.5, INF, -INF])
    np.testing.assert_allclose(nd.rcbrt(arr([8.0, -8.0, 0.0, -0.0])).asnumpy(),
                               [0.5, -0.5, INF, -INF])
    np.testing.assert_allclose(nd.degrees(arr([np.pi, 1])).asnumpy(), [180.0, 57.2957763671875])


# --- gradients ---------------------------------------------------------------------------

def grads(fn, *values, dtype="float32"):
    xs = [arr(v, dtype) for v in values]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = fn(*xs)
    y.backward()
    return [x.grad.asnumpy().tolist() for x in xs]


def test_gradients_match_mxnet():
    z = [-1.0, 0.0, -0.0, 1.0, 2.0]
    assert grads(nd.relu, z) == [[0, 0, 0, 1, 1]]
    assert grads(nd.abs, z) == [[-1, 0, 0, 1, 1]]
    assert grads(nd.sign, z) == [[0] * 5]
    assert grads(nd.round, z) == [[0] * 5]
    assert grads(nd.sqrt, [0.0, 4.0]) == [[INF, 0.25]]
    assert grads(lambda x: nd.clip(x, -1, 1), [-2, -1, 0, 1, 2]) == [[0, 1, 1, 1, 0]]
    assert grads(I._maximum, [1, 2, 3.0], [1, 1, 4.0]) == [[1, 1, 0], [0, 0, 1]]
    assert grads(I._minimum, [1, 2, 3.0], [1, 1, 4.0]) == [[1, 0, 1], [0, 1, 0]]
    assert grads(nd.broadcast_maximum, [[1, 2, 3.0]], [[1], [2.0]]) == [[[1, 2, 2]], [[0], [1]]]
    assert grads(lambda x: I._maximum_scalar(x, scalar=1), [0, 1, 2.0]) == [[0, 1, 1]]
    assert grads(lambda x: I._minimum_scalar(x, scalar=1), [0, 1, 2.0]) == [[1, 1, 0]]
    assert grads(I._mod, [5.5, -5.5, 3, 3], [2, 2, -2, 0.0]) == [[1, 1, 1, 1], [-2, 3, 2, -INF]]
    assert grads(lambda x: I._rmod_scalar(x, scalar=5.5), [2, -2, 0.0]) == [[-2, 3, -INF]]
    assert grads(nd.elemwise_div, [1, 2.0], [4, 0.0]) == [[0.25, INF], [-0.0625, -INF]]
    assert grads(lambda x: I._rdiv_scalar(x, scalar=3), [2, -1.0]) == [[-0.75, -3.0]]
    assert grads(I._equal, [1, 2.0], [1, 0.0]) == [[0, 0], [0, 0]]
    assert grads(nd.logical_not, [1, 0.0]) == [[0, 0]]
    assert grads(lambda c, x, y: nd.where(c, x, y), [1, 0.0], [1, 2.0], [3, 4.0]) == \
        [[0, 0], [1, 0], [0, 1]]
    assert grads(lambda c, x, y: nd.where(c, x, y), [1, 0.0], [[1, 2.0], [3, 4]],
                 [[3, 4.0], [5, 6]]) == [[0, 0], [[1, 1], [0, 0]], [[0, 0], [1, 1]]]
    assert grads(lambda x: nd.Cast(x, dtype="float16"), [1, 2.0]) == [[1, 1]]
    assert grads(lambda a, b: nd.add_n(a, b, a), [1, 2.0], [3, 4.0]) == [[2, 2], [1, 1]]


def test_gradients_with_nan_and_inf_match_mxnet():
    def close(got, want):
        np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float),
                                   rtol=1e-6)
    close(grads(I._power, [-2, 0, 2.0, 0.0], [2, 2, 0.5, 0.0]),
          [[-4.0, 0.0, 0.3535533845424652, NAN], [NAN, NAN, 0.9802581071853638, -INF]])
    close(grads(lambda x: I._power_scalar(x, scalar=0), [-2, 0, 2.0]), [[-0.0, NAN, 0.0]])
    close(grads(lambda x: I._power_scalar(x, scalar=0.5), [-2, 0, 2.0]),
          [[NAN, INF, 0.3535533845424652]])
    close(grads(lambda x: I._rpower_scalar(x, scalar=2), [-2, 0, 2.0]),
          [[0.1732867956161499, 0.6931471824645996, 2.7725887298583984]])
    close(grads(lambda x: I._rpower_scalar(x, scalar=0), [-2, 0, 2.0]), [[-INF, -INF, NAN]])
    close(grads(I._hypot, [3, 0.0], [4, 0.0]), [[0.6, NAN], [0.8, NAN]])
    close(grads(lambda x: I._hypot_scalar(x, scalar=4), [3, 0.0]), [[0.6, 0.0]])
    close(grads(nd.gamma, [0.5, 3, -1.5]), [[-3.480232000350952, 1.8455688953399658,
                                             1.6617505550384521]])
    close(grads(nd.gammaln, [0.5, 3, -1.5]), [[-1.9635107517242432, 0.9227843284606934,
                                               0.7031567692756653]])
    close(grads(nd.erfinv, [0.5, 0, -0.9]), [[1.1125849485397339, 0.8862269520759583,
                                              3.428042411804199]])
    close(grads(nd.arccosh, [1.5, 1, 3]), [[0.8944271802902222, INF, 0.3535533845424652]])
    close(grads(nd.cbrt, [8, -8.0, 0]), [[0.0833333358168602, 0.0833333358168602, INF]])
    close(grads(nd.rcbrt, [8, -8.0]), [[-0.02083333395421505, -0.02083333395421505]])
    close(grads(nd.reciprocal, [2.0, 0.0]), [[-0.25, -INF]])


# --- names and signatures ------------------------------------------------------------------

def test_aliases_and_positional_attributes():
    x, y = arr([1, 2]), arr([3, 5])
    for name in ("_Plus", "_plus", "_add"):
        check(getattr(I, name)(x, y), [4, 7])
    for name in ("_Minus", "_minus", "_sub"):
        check(getattr(I, name)(x, y), [-2, -3])
    check(nd.broadcast_minus(x, y), [-2, -3])
    check(I._Mul(x, y), [3, 10])
    check(I._Div(y, x), [3, 2.5])
    check(I._Greater_Equal(x, arr([1, 3])), [1, 0])
    check(I._RMinusScalar(x, 5), [4, 3])      # scalar is the first attribute
    check(I._PowerScalar(x, 2), [1, 4])
    check(nd.clip(arr([-2, 0, 2]), -1, 1), [-1, 0, 1])
    check(nd.identity(x), [1, 2])


# --- bad input ---------------------------------------------------------------------------

def test_errors_name_op_and_shapes():
    with pytest.raises(MXNetError, match=r"elemwise_add.*rhs shape \(3,\) does not match \(2,\)"):
        nd.elemwise_add(arr([1, 2]), arr([1, 2, 3]))
    with pytest.raises(MXNetError, match=r"broadcast_mul.*could not be broadcast.*\(2, 3\) \(4,\)"):
        nd.broadcast_mul(nd.ones((2, 3)), nd.ones((4,)))
    with pytest.raises(MXNetError, match=r"_maximum.*dtype int32 but expected float32"):
        I._maximum(arr([1, 2]), arr([1, 2], "int32"))
    with pytest.raises(MXNetError, match=r"broadcast_add.*dtype"):
        nd.broadcast_add(arr([1, 2], "int32"), arr([1, 2]))
    with pytest.raises(MXNetError, match=r"add_n.*shape \(3,\) does not match \(2,\)"):
        nd.add_n(arr([1, 2]), arr([1, 2]), arr([1, 2, 3]))
    with pytest.raises(MXNetError, match=r"where.*condition shape \(3,\).*x shape \(2, 2\)"):
        nd.where(arr([1, 0, 1]), nd.ones((2, 2)), nd.ones((2, 2)))
    with pytest.raises(MXNetError, match=r"where.*x shape \(2,\) does not match y shape \(3,\)"):
        nd.where(arr([1, 0]), arr([1, 2]), arr([1, 2, 3]))
    with pytest.raises(MXNetError, match=r"where.*x has dtype float32 but y has dtype float64"):
        nd.where(arr([1, 0]), arr([1, 2]), arr([5, 6], "float64"))


def test_errors_for_attributes():
    with pytest.raises(MXNetError, match=r"clip: required attribute 'a_max' is missing"):
        nd.clip(arr([1, 2]), a_min=0)
    with pytest.raises(MXNetError, match=r"Cast: attribute 'dtype' has invalid value 'float8'"):
        nd.Cast(arr([1, 2]), dtype="float8")
    with pytest.raises(MXNetError, match=r"_plus_scalar: attribute 'scalar' has invalid value"):
        I._plus_scalar(arr([1, 2]), scalar="abc")
    with pytest.raises(MXNetError, match=r"relu: unknown attribute 'alpha'"):
        nd.relu(arr([1, 2]), alpha=1)
    with pytest.raises(MXNetError, match=r"_plus_scalar.*scalar nan cannot be used with int32"):
        I._plus_scalar(arr([1, 2], "int32"), scalar=float("nan"))
