"""Scalar helper functions that generated elementwise kernels may call.

They are plain Numba functions so the same expression compiles for CPU (njit) and,
later, CUDA device code.  Changing this file changes the generated-kernel cache key.
"""
import math

from numba import njit

_opts = dict(inline="always", error_model="numpy", cache=True)


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
    """C's round(): halves away from zero (MXNet `round`)."""
    if x >= 0:
        return math.floor(x + 0.5)
    return math.ceil(x - 0.5)


@njit(**_opts)
def rint_half_even(x):
    """Halves to even (MXNet `rint`)."""
    f = math.floor(x)
    d = x - f
    if d > 0.5:
        return f + 1.0
    if d < 0.5:
        return f
    return f if f % 2.0 == 0.0 else f + 1.0


@njit(**_opts)
def sign(x):
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 * x


@njit(**_opts)
def fmod_py(a, b):
    """MXNet's mod: result has the sign of the divisor (like Python's %)."""
    if b == 0:
        return 0.0 * a
    r = math.fmod(a, b)
    if r != 0 and ((r < 0) != (b < 0)):
        r += b
    return r


@njit(**_opts)
def gelu_erf(x):
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))
