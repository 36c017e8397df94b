"""Converters of elementwise ops: same-shape, broadcast and scalar arithmetic, comparisons
and logic (0/1 in the input dtype, as MXNet returns them), unary math, clip, Cast, add_n,
where, zeros_like / ones_like."""
import math

import numpy as np

from ._registry import converter


def _is_float(dtype):
    return np.issubdtype(np.dtype(dtype), np.floating)


# --- binary functions on ONNX tensor names ------------------------------------------------

def _floor_mod(g, a, b, dtype, out=None):
    """MXNet's mod: the sign of the divisor (Python's %), 0 where the divisor is 0."""
    if not _is_float(dtype):
        return g.op("Mod", [a, b], out, fmod=0)
    r = g.op("Mod", [a, b], fmod=1)
    r = g.op("Mod", [g.op("Add", [r, b]), b], fmod=1)
    zero = g.const(0, dtype)
    return g.op("Where", [g.op("Equal", [b, zero]), zero, r], out)


def _hypot(g, a, b, dtype, out=None):
    return g.op("Sqrt", [g.op("Add", [g.op("Mul", [a, a]), g.op("Mul", [b, b])])], out)


def _compare(onnx_op, negate=False):
    def fn(g, a, b, dtype, out=None):
        r = g.op(onnx_op, [a, b])
        if negate:
            r = g.op("Not", [r])
        return g.cast(r, dtype, out)
    return fn


def _logical(onnx_op):
    def fn(g, a, b, dtype, out=None):
        r = g.op(onnx_op, [g.cast(a, np.bool_), g.cast(b, np.bool_)])
        return g.cast(r, dtype, out)
    return fn


def _simple(onnx_op):
    return lambda g, a, b, dtype, out=None: g.op(onnx_op, [a, b], out)


BINARY = {
    "add": _simple("Add"), "sub": _simple("Sub"), "mul": _simple("Mul"), "div": _simple("Div"),
    "maximum": _simple("Max"), "minimum": _simple("Min"), "power": _simple("Pow"),
    "mod": _floor_mod, "hypot": _hypot,
    "equal": _compare("Equal"), "not_equal": _compare("Equal", negate=True),
    "greater": _compare("Greater"), "greater_equal": _compare("GreaterOrEqual"),
    "lesser": _compare("Less"), "lesser_equal": _compare("LessOrEqual"),
    "logical_and": _logical("And"), "logical_or": _logical("Or"), "logical_xor": _logical("Xor"),
}

# MXNet op names per function: same-shape form, broadcast form, scalar and reversed scalar
_NAMES = {
    "add": ("elemwise_add", "broadcast_add", "_plus_scalar", None),
    "sub": ("elemwise_sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar"),
    "mul": ("elemwise_mul", "broadcast_mul", "_mul_scalar", None),
    "div": ("elemwise_div", "broadcast_div", "_div_scalar", "_rdiv_scalar"),
    "maximum": ("_maximum", "broadcast_maximum", "_maximum_scalar", None),
    "minimum": ("_minimum", "broadcast_minimum", "_minimum_scalar", None),
    "power": ("_power", "broadcast_power", "_power_scalar", "_rpower_scalar"),
    "mod": ("_mod", "broadcast_mod", "_mod_scalar", "_rmod_scalar"),
    "hypot": ("_hypot", "broadcast_hypot", "_hypot_scalar", None),
    "equal": ("_equal", "broadcast_equal", "_equal_scalar", None),
    "not_equal": ("_not_equal", "broadcast_not_equal", "_not_equal_scalar", None),
    "greater": ("_greater", "broadcast_greater", "_greater_scalar", None),
    "greater_equal": ("_greater_equal", "broadcast_greater_equal", "_greater_equal_scalar", None),
    "lesser": ("_lesser", "broadcast_lesser", "_lesser_scalar", None),
    "lesser_equal": ("_lesser_equal", "broadcast_lesser_equal", "_lesser_equal_scalar", None),
    "logical_and": ("_logical_and", "broadcast_logical_and", "_logical_and_scalar", None),
    "logical_or": ("_logical_or", "broadcast_logical_or", "_logical_or_scalar", None),
    "logical_xor": ("_logical_xor", "broadcast_logical_xor", "_logical_xor_scalar", None),
}


def _binary_converter(fn):
    def convert(g, n):
        return [fn(g, n.input(0), n.input(1), n.out_dtype(), n.out())]
    return convert


def _scalar_converter(fn, reverse):
    def convert(g, n):
        """`data (op) scalar` in the output dtype (MXNet casts the scalar to it)."""
        dtype = n.out_dtype()
        x = n.input(0)
        if n.in_dtype(0) != dtype:
            x = g.cast(x, dtype)
        c = g.const(n.attrs.scalar, dtype, "scalar")
        a, b = (c, x) if reverse else (x, c)
        return [fn(g, a, b, dtype, n.out())]
    return convert


for _fn_name, (_same, _bcast, _scalar, _rscalar) in _NAMES.items():
    converter(_same, _bcast)(_binary_converter(BINARY[_fn_name]))
    converter(_scalar)(_scalar_converter(BINARY[_fn_name], False))
    if _rscalar:
        converter(_rscalar)(_scalar_converter(BINARY[_fn_name], True))


# --- unary ------------------------------------------------------------------------------

def _u(onnx_op):
    return lambda g, x, dt: g.op(onnx_op, [x])


def _scaled_log(base):
    return lambda g, x, dt: g.op("Div", [g.op("Log", [x]), g.const(math.log(base), dt)])


def _signed_cbrt(g, x, dt):
    mag = g.op("Pow", [g.op("Abs", [x]), g.const(1.0 / 3.0, dt)])
    return g.op("Mul", [g.op("Sign", [x]), mag])


def _round_half_away(g, x, dt):
    half_up = g.op("Floor", [g.op("Add", [g.op("Abs", [x]), g.const(0.5, dt)])])
    return g.op("Mul", [g.op("Sign", [x]), half_up])


def _rint_floor_tie(g, x, dt):
    """MXNet's rint: the nearer of floor and ceil, floor on a tie."""
    f, c = g.op("Floor", [x]), g.op("Ceil", [x])
    take_floor = g.op("LessOrEqual", [g.op("Sub", [x, f]), g.op("Sub", [c, x])])
    return g.op("Where", [take_floor, f, c])


def _trunc(g, x, dt):
    return g.op("Mul", [g.op("Sign", [x]), g.op("Floor", [g.op("Abs", [x])])])


UNARY = {
    "abs": _u("Abs"), "negative": _u("Neg"), "exp": _u("Exp"), "log": _u("Log"),
    "sqrt": _u("Sqrt"), "reciprocal": _u("Reciprocal"), "sign": _u("Sign"),
    "floor": _u("Floor"), "ceil": _u("Ceil"), "erf": _u("Erf"), "tanh": _u("Tanh"),
    "sin": _u("Sin"), "cos": _u("Cos"), "tan": _u("Tan"), "arcsin": _u("Asin"),
    "arccos": _u("Acos"), "arctan": _u("Atan"), "sinh": _u("Sinh"), "cosh": _u("Cosh"),
    "arcsinh": _u("Asinh"), "arccosh": _u("Acosh"), "arctanh": _u("Atanh"),
    "rsqrt": lambda g, x, dt: g.op("Reciprocal", [g.op("Sqrt", [x])]),
    "square": lambda g, x, dt: g.op("Mul", [x, x]),
    "log1p": lambda g, x, dt: g.op("Log", [g.op("Add", [x, g.const(1, dt)])]),
    "expm1": lambda g, x, dt: g.op("Sub", [g.op("Exp", [x]), g.const(1, dt)]),
    "log2": _scaled_log(2.0), "log10": _scaled_log(10.0),
    "cbrt": _signed_cbrt,
    "rcbrt": lambda g, x, dt: g.op("Reciprocal", [_signed_cbrt(g, x, dt)]),
    "degrees": lambda g, x, dt: g.op("Mul", [x, g.const(180.0 / math.pi, dt)]),
    "radians": lambda g, x, dt: g.op("Mul", [x, g.const(math.pi / 180.0, dt)]),
    "round": _round_half_away, "rint": _rint_floor_tie, "trunc": _trunc, "fix": _trunc,
}


def _unary_converter(fn):
    def convert(g, n):
        """Integer data is computed in float32 and cast back, as MXNet does."""
        x, dtype = n.input(0), n.in_dtype(0)
        if _is_float(dtype):
            return [g.op("Identity", [fn(g, x, dtype)], n.out())]
        y = fn(g, g.cast(x, np.float32), "float32")
        return [g.cast(y, n.out_dtype(), n.out())]
    return convert


for _name, _fn in UNARY.items():
    converter(_name)(_unary_converter(_fn))


@converter("logical_not")
def logical_not(g, n):
    r = g.op("Not", [g.cast(n.input(0), np.bool_)])
    return [g.cast(r, n.out_dtype(), n.out())]


@converter("clip")
def clip(g, n):
    """MXNet holds the bounds as C floats: float32-rounded, then in the data's dtype."""
    a, dtype = n.attrs, n.in_dtype(0)
    lo = np.asarray(np.float32(a.a_min), dtype=dtype)
    hi = np.asarray(np.float32(a.a_max), dtype=dtype)
    return [g.op("Clip", [n.input(0), g.const(lo, dtype, "min"), g.const(hi, dtype, "max")],
                 n.out())]


@converter("Cast")
def cast(g, n):
    return [g.cast(n.input(0), n.attrs.dtype, n.out())]


@converter("add_n")
def add_n(g, n):
    return [g.op("Sum", n.inputs(), n.out())]


def _fill_like(value):
    def convert(g, n):
        return [g.constant_of_shape(g.op("Shape", [n.input(0)]), value, n.out_dtype(), n.out())]
    return convert


converter("zeros_like")(_fill_like(0))
converter("ones_like")(_fill_like(1))


@converter("where")
def where(g, n):
    """where(condition, x, y); a 1-D condition selects whole rows of x / y."""
    cond = g.cast(n.input(0), np.bool_)
    cshape, xshape = n.in_shape(0), n.in_shape(1)
    if len(cshape) != len(xshape):
        cond = g.reshape(cond, [cshape[0]] + [1] * (len(xshape) - 1))
    return [g.op("Where", [cond, n.input(1), n.input(2)], n.out())]
