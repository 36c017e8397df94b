"""Scalar helper functions that generated elementwise kernels may call.

They are plain Numba functions so the same expression compiles for CPU (njit) and,
later, CUDA device code.  Changing this file changes the generated-kernel cache key.
"""
import math

import numpy as np
from llvmlite import ir as _ir
from numba import njit, types
from numba.extending import overload, intrinsic as _intrinsic

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


# --- float32 approximations for fused kernels --------------------------------------------
# libm calls (expf, tanhf) do not vectorize; these do (SIMD-friendly: branch-free selects,
# a polynomial and an exponent built from integer bits).  Accuracy against float64:
# exp <= 1.3 ulp, sigmoid <= 2.6 ulp, tanh <= 1.4 ulp (relative error < 2.1e-7), NaN/inf kept.
# They are inlined into the kernel (a call would stop vectorization), so they run under the
# kernels' fastmath flags: the argument reduction is one float64 operation, which
# reassociation cannot split.  Float64 and integer arguments use the exact functions.
# The fusion pass uses them only in members that compute in float32
# (compiler/ops/fused.py, switch MXNET_FUSED_FAST_MATH=0).


@_intrinsic
def _f32_from_bits(typingctx, bits):
    """The float32 whose IEEE bits are the low 32 bits of integer `bits`."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        if bits.bitwidth > 32:
            v = builder.trunc(v, _ir.IntType(32))
        elif bits.bitwidth < 32:
            v = builder.sext(v, _ir.IntType(32))
        return builder.bitcast(v, _ir.FloatType())
    return types.float32(bits), codegen


@_intrinsic
def _bits_of_f32(typingctx, x):
    """The IEEE bits of float32 `x` as an int32."""
    if not _is_f32(x):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], _ir.IntType(32))
    return types.int32(x), codegen


def _is_f32(x):
    return isinstance(x, types.Float) and x.bitwidth == 32


def fast_exp_f32(x):
    """exp(x); float32 arguments use a vectorizable approximation (<= 1.3 ulp)."""
    return _jit_only(x)


def fast_sigmoid_f32(x):
    """1 / (1 + exp(-x)); float32 arguments use fast_exp_f32 (<= 2.6 ulp)."""
    return _jit_only(x)


def fast_tanh_f32(x):
    """tanh(x); float32 arguments use a polynomial near 0 and fast_exp_f32 (<= 1.4 ulp)."""
    return _jit_only(x)


@_intrinsic
def _select(typingctx, c, a, b):
    """`a if c else b` as one LLVM select: branch-free, so loops vectorize, and no phi nodes
    (ternaries inlined from an overload make Numba warn about variable scopes)."""
    if a != b or not isinstance(c, types.Boolean):
        return None

    def codegen(context, builder, sig, args):
        return builder.select(args[0], args[1], args[2])
    return a(c, a, b), codegen


_EXP_HI = np.float32(88.72284)        # above: inf
_EXP_LO = np.float32(-103.97208)      # below: 0
_LN2 = 0.6931471805599453


@overload(fast_exp_f32, inline="always")
def _ov_fast_exp(x):
    if not _is_f32(x):
        return lambda x: math.exp(x)

    def impl(x):
        # x = n ln2 + r with |r| <= ln2/2 (r in float64: exact enough, one operation) and
        # Cephes' expf polynomial; the clamps take NaN to a bound (no undefined float->int
        # conversion) and the selects at the end restore NaN, inf and 0
        xc = _select(x < _EXP_HI, x, _EXP_HI)
        xc = _select(xc > _EXP_LO, xc, _EXP_LO)
        n = np.floor(xc * np.float32(1.44269504) + np.float32(0.5))
        r = np.float32(np.float64(xc) - np.float64(n) * _LN2)
        p = np.float32(1.9875691500e-4)
        p = p * r + np.float32(1.3981999507e-3)
        p = p * r + np.float32(8.3334519073e-3)
        p = p * r + np.float32(4.1665795894e-2)
        p = p * r + np.float32(1.6666665459e-1)
        p = p * r + np.float32(5.0000001201e-1)
        p = p * r * r + r + np.float32(1.0)
        # p * 2**n by adding to p's exponent field (p is in [0.7, 1.42]), then one exact
        # scaling, so that neither overflow at n = 128 nor subnormal results go wrong
        ni = np.int32(n)
        neg = ni < np.int32(0)
        shift = _select(neg, ni + np.int32(64), ni - np.int32(1))
        res = _f32_from_bits(_bits_of_f32(p) + (shift << np.int32(23)))
        res = res * _select(neg, np.float32(5.421010862427522e-20), np.float32(2.0))
        res = _select(x < _EXP_HI, res, np.float32(np.inf))
        res = _select(x > _EXP_LO, res, np.float32(0.0))
        return _select(x != x, x, res)
    return impl


@overload(fast_sigmoid_f32, inline="always")
def _ov_fast_sigmoid(x):
    if not _is_f32(x):
        return lambda x: sigmoid(x)

    def impl(x):
        e = fast_exp_f32(-abs(x))          # both tails accurate: e/(1+e) for x < 0
        r = np.float32(1.0) / (np.float32(1.0) + e)
        return _select(x >= np.float32(0.0), r, e * r)
    return impl


@overload(fast_tanh_f32, inline="always")
def _ov_fast_tanh(x):
    if not _is_f32(x):
        return lambda x: math.tanh(x)

    def impl(x):
        a = abs(x)
        z = x * x                          # |x| < 0.625: Cephes' tanhf odd polynomial
        p = np.float32(-5.70498872745e-3)
        p = p * z + np.float32(2.06390887954e-2)
        p = p * z + np.float32(-5.37397155531e-2)
        p = p * z + np.float32(1.33314422036e-1)
        p = p * z + np.float32(-3.33332819422e-1)
        small = p * z * x + x
        large = np.float32(1.0) - np.float32(2.0) / (fast_exp_f32(a + a) + np.float32(1.0))
        large = _select(x >= np.float32(0.0), large, -large)
        return _select(a < np.float32(0.625), small, large)
    return impl
