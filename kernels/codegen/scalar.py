"""Scalar helper functions that generated elementwise kernels may call.

They are plain Numba functions so the same expression compiles for CPU (njit) and,
later, CUDA device code.  Changing this file changes the generated-kernel cache key.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

_opts = dict(inline="always", error_model="numpy", cache=True)
# helpers that must be exact (correctly rounded division and pow, signed zeros) are compiled
# without the kernels' fastmath flags ('arcp' turns x / s into x * (1 / s), 'afn' approximates,
# 'nsz' may drop the sign of a zero)
_PRECISE = dict(fastmath=False)


@njit(**_opts)
def sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(**_opts)
def softrelu(x):
    # log(1 + exp(x)) computed without overflow, as MXNet's softrelu (threshold 20)
    if x > 20.0:
        return x
    return math.log1p(math.exp(x))


@njit(**_opts)
def round_half_away(x):
    """C's round(): halves away from zero (MXNet `round`); exact (no x + 0.5 rounding)."""
    t = np.trunc(x)
    d = x - t
    if d >= 0.5:
        return t + 1.0
    if d <= -0.5:
        return t - 1.0
    return t


@njit(**_opts)
def sign(x):
    """MXNet's sign: -1, 1, or 0 for zeros of either sign and for NaN."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0


@njit(**_opts)
def fmod_py(a, b):
    """Python's % for floats: the sign of the divisor (`mod` is MXNet's, signed zeros included)."""
    if b == 0:
        return 0.0 * a
    r = np.fmod(a, b)
    if r != 0 and ((r < 0) != (b < 0)):
        r += b
    return r


@njit(**_opts)
def gelu_erf(x):
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


@njit(**_opts)
def rint_mx(x):
    """MXNet 1.9.1's `rint`: the nearer of floor and ceil, floor on a tie (2.5 -> 2, -2.5 -> -3)."""
    f = np.floor(x)
    c = np.ceil(x)
    return f if (x - f) <= (c - x) else c


def _zero_of(x):
    """0 in the type of x (so float32 code stays float32); jit-only."""
    raise NotImplementedError("used inside generated kernels only")


@overload(_zero_of)
def _ov_zero_of(x):
    zero = np.dtype(str(x)).type(0) if isinstance(x, (types.Float, types.Integer)) else 0

    def impl(x):
        return zero
    return impl


@njit(**_opts)
def relu(x):
    """MXNet's relu: NaN stays NaN; negatives and -0.0 give +0."""
    if x > 0 or x != x:
        return x
    return _zero_of(x)


def _is_int(t):
    return isinstance(t, (types.Integer, types.Boolean))


def _jit_only(*args):
    raise NotImplementedError("used inside generated kernels only")


def maximum(a, b):
    """MXNet's maximum: a if a > b or a is NaN, else b (so NaN on either side propagates)."""
    return _jit_only(a, b)


def minimum(a, b):
    """MXNet's minimum: a if a < b or a is NaN, else b."""
    return _jit_only(a, b)


def div(a, b):
    """MXNet's division: true division for floats; C (truncating) division for integers,
    with x / 0 = 0 for integers (where MXNet itself dies with SIGFPE)."""
    return _jit_only(a, b)


def mod(a, b):
    """MXNet's mod (mshadow_op::mod): the result has the divisor's sign; 0 for a zero divisor."""
    return _jit_only(a, b)


def power(a, b):
    """C's pow (MXNet's power); integers go through double (2 ** -1 = 0.5 -> 0 when stored)."""
    return _jit_only(a, b)


@overload(maximum, jit_options=_PRECISE)
def _ov_maximum(a, b):
    def impl(a, b):
        return a if (a > b or a != a) else b
    return impl


@overload(minimum, jit_options=_PRECISE)
def _ov_minimum(a, b):
    def impl(a, b):
        return a if (a < b or a != a) else b
    return impl


@overload(div, jit_options=_PRECISE)
def _ov_div(a, b):
    if _is_int(a) and _is_int(b):
        def impl(a, b):
            if b == 0:
                return 0
            q = a // b
            if q < 0 and q * b != a:
                q += 1
            return q
        return impl

    def impl(a, b):
        return a / b
    return impl


@overload(mod, jit_options=_PRECISE)
def _ov_mod(a, b):
    if _is_int(a) and _is_int(b):
        def impl(a, b):
            if b == 0:
                return 0
            return a % b
        return impl

    def impl(a, b):
        # MXNet's case split, signed zeros included: -7 mod 7 = +0, -7 mod -7 = -0,
        # -0 mod -2 = +0, -0 mod 2 = -0 (selects, not `x + 0`, which fastmath 'nsz' may drop)
        if b == 0:
            return 0.0
        if b < 0:
            if a < 0:
                return -np.fmod(-a, -b)
            r = np.fmod(a, -b)
            return 0.0 if r == 0 else r + b
        if a < 0:
            r = np.fmod(-a, b)
            return 0.0 if r == 0 else b - r
        return np.fmod(a, b)
    return impl


@overload(power, jit_options=_PRECISE)
def _ov_power(a, b):
    if _is_int(b):
        # integer exponent: exact repeated squaring in double (as pow gives for these
        # values); pow(x, sitofp(int32)) crashes LLVM's codegen under fastmath 'afn'
        def impl(a, b):
            e = np.int64(b)
            neg = e < 0
            if neg:
                e = -e
            base = float(a)
            r = 1.0
            while e > 0:
                if e & 1:
                    r *= base
                base *= base
                e >>= 1
            return 1.0 / r if neg else r
        return impl
    if _is_int(a):
        def impl(a, b):
            return math.pow(float(a), b)
        return impl

    def impl(a, b):
        return a ** b
    return impl


@njit(**_opts)
def erfinv(y):
    """Inverse error function: Giles' single-precision approximation refined by
    Halley steps in double precision (erfc residuals in the tails); +-1 give +-inf,
    |y| > 1 gives NaN."""
    y = float(y)
    if y != y or y < -1.0 or y > 1.0:
        return math.nan
    if y == 1.0:
        return math.inf
    if y == -1.0:
        return -math.inf
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * y
    for _ in range(8):
        # erf(x) - y, through erfc in the tails, where erf(x) and y cancel
        if y > 0.5:
            err = (1.0 - y) - math.erfc(x)
        elif y < -0.5:
            err = math.erfc(-x) - (1.0 + y)
        else:
            err = math.erf(x) - y
        step = err / (1.1283791670955126 * math.exp(-x * x) + x * err)   # Halley
        x -= step
        if abs(step) <= 1e-15 * abs(x):
            break
    return x


@njit(**_opts)
def digamma(x):
    """The digamma function psi(x) = d/dx log|gamma(x)| (NaN at 0 and negative integers)."""
    x = float(x)
    if x != x:
        return x
    result = 0.0
    if x <= 0.0:
        if x == math.floor(x):
            return math.nan
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 6.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / (x * x)
    series = inv * (1.0 / 12 - inv * (1.0 / 120 - inv * (1.0 / 252 - inv * (
        1.0 / 240 - inv * (1.0 / 132 - inv * (691.0 / 32760 - inv / 12.0))))))
    return result + math.log(x) - 0.5 / x - series


def rsqrt(x):
    """1 / sqrt(x), correctly rounded, with IEEE special values (+-inf at +-0, 0 at inf).
    Compiled without fastmath: under it LLVM turns a float32 1/sqrt(x) into the rsqrt
    estimate (about 1e-7 off, and NaN at 0 and inf)."""
    return _jit_only(x)


@overload(rsqrt, jit_options=_PRECISE)
def _ov_rsqrt(x):
    def impl(x):
        return 1.0 / math.sqrt(x)
    return impl
