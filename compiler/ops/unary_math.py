"""Trigonometric, hyperbolic and special-function unary ops and their backward ops.

Each is `name(data)` with a scalar expression, a NumPy reference (Python's math module for
the special functions) and `_backward_<name>(ograd, data|output)` = ograd * f'(...), as in
MXNet 1.9.1 (src/operator/tensor/elemwise_unary_op_trig.cc, ..._basic.cc).
"""
import math

import numpy as np

from .registry import register
from .unary import MathUnary, UnaryBackward

_DEG = 57.29577951308232          # 180 / pi, as MXNet computes it in double
_RAD = 0.017453292519943295       # pi / 180


def _declare(name, expr, ref, grad_expr, grad_ref, uses="data", doc=None, body=()):
    fwd = type("Unary_" + name, (MathUnary,), dict(
        __doc__=doc or "Elementwise %s." % name, name=name, scalar_expr=expr,
        ref=staticmethod(ref), backward=("_backward_" + name, uses)))
    bwd = type("Backward_" + name, (UnaryBackward,), dict(
        __doc__="ograd * d%s/dx." % name, name="_backward_" + name,
        arguments=("ograd", uses), scalar_expr=grad_expr, scalar_body=tuple(body),
        ref=staticmethod(grad_ref)))
    register(fwd)
    register(bwd)


# --- trigonometric ---------------------------------------------------------------------
_declare("sin", "math.sin(data)", np.sin, "ograd * math.cos(data)",
         lambda og, x: og * np.cos(x))
_declare("cos", "math.cos(data)", np.cos, "ograd * -math.sin(data)",
         lambda og, x: -og * np.sin(x))
_declare("tan", "math.tan(data)", np.tan, "ograd * (output * output + 1)",
         lambda og, y: og * (1 + y ** 2), uses="output")
_declare("arcsin", "math.asin(data)", np.arcsin, "ograd * rsqrt(1 - data * data)",
         lambda og, x: og / np.sqrt(1 - x ** 2))
_declare("arccos", "math.acos(data)", np.arccos, "ograd * -rsqrt(1 - data * data)",
         lambda og, x: -og / np.sqrt(1 - x ** 2))
_declare("arctan", "math.atan(data)", np.arctan, "ograd * (1 / (data * data + 1))",
         lambda og, x: og / (1 + x ** 2))
_declare("degrees", "data * %r" % _DEG, np.degrees, "ograd * %r" % _DEG,
         lambda og, x: og * (180 / np.pi), doc="Radians to degrees: data * 180 / pi.")
_declare("radians", "data * %r" % _RAD, np.radians, "ograd * %r" % _RAD,
         lambda og, x: og * (np.pi / 180), doc="Degrees to radians: data * pi / 180.")

# --- hyperbolic ------------------------------------------------------------------------
_declare("sinh", "math.sinh(data)", np.sinh, "ograd * math.cosh(data)",
         lambda og, x: og * np.cosh(x))
_declare("cosh", "math.cosh(data)", np.cosh, "ograd * math.sinh(data)",
         lambda og, x: og * np.sinh(x))
_declare("arcsinh", "math.asinh(data)", np.arcsinh, "ograd * rsqrt(data * data + 1)",
         lambda og, x: og / np.sqrt(x ** 2 + 1))
_declare("arccosh", "math.acosh(data)", np.arccosh, "ograd * rsqrt(data * data - 1)",
         lambda og, x: og / np.sqrt(x ** 2 - 1))
_declare("arctanh", "math.atanh(data)", np.arctanh, "ograd * (1 / (1 - data * data))",
         lambda og, x: og / (1 - x ** 2))


# --- special functions (references from Python's math module) ---------------------------

def _vectorize(fn):
    def apply(x):
        flat = [fn(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]
        return np.array(flat, dtype=np.float64).reshape(np.shape(x))
    return apply


def _gamma(v):
    if v == 0:
        return math.copysign(math.inf, v)
    try:
        return math.gamma(v)
    except (ValueError, OverflowError):
        return math.nan if v < 0 else math.inf


def _lgamma(v):
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):
        return math.inf


def _erf(v):
    return math.erf(v)


def _erfinv(y):
    """By bisection on erf (independent of the kernel's approximation + Newton)."""
    if not -1 <= y <= 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    lo, hi = -6.0, 6.0
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if y > 0.5:       # erf(mid) < y, written with erfc where erf is flat
            below = math.erfc(mid) > 1 - y
        elif y < -0.5:
            below = math.erfc(-mid) < 1 + y
        else:
            below = math.erf(mid) < y
        if below:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _digamma(v):
    """psi by recurrence up to 20 and the asymptotic series (reflection below 0.5)."""
    if v <= 0 and v == math.floor(v):
        return math.nan
    if v < 0.5:
        return _digamma(1 - v) - math.pi / math.tan(math.pi * v)
    acc = 0.0
    while v < 20:
        acc -= 1 / v
        v += 1
    inv2 = 1 / (v * v)
    terms = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132)
    series = sum(c * inv2 ** (k + 1) for k, c in enumerate(terms))
    return acc + math.log(v) - 0.5 / v - series


_SQRT_PI_2 = 0.8862269254527579      # sqrt(pi) / 2
_TWO_SQRT_PI = 1.1283791670955126    # 2 / sqrt(pi)

_declare("erf", "math.erf(data)", _vectorize(_erf),
         "ograd * (%r * math.exp(-(data * data)))" % _TWO_SQRT_PI,
         lambda og, x: og * (2 / np.sqrt(np.pi)) * np.exp(-x ** 2), doc="Gauss error function.")
_declare("erfinv", "erfinv(data)", _vectorize(_erfinv),
         "ograd * (%r * math.exp(e * e))" % _SQRT_PI_2,
         lambda og, x: og * (np.sqrt(np.pi) / 2) * np.exp(_vectorize(_erfinv)(x) ** 2),
         body=[("e", "erfinv(data)")], doc="Inverse error function (+-inf at +-1).")
_declare("gamma", "math.gamma(data)", _vectorize(_gamma),
         "ograd * (math.gamma(data) * digamma(data))",
         lambda og, x: og * _vectorize(_gamma)(x) * _vectorize(_digamma)(x),
         doc="The gamma function.")
_declare("gammaln", "math.lgamma(data)", _vectorize(_lgamma), "ograd * digamma(data)",
         lambda og, x: og * _vectorize(_digamma)(x), doc="log |gamma(data)|.")
