"""Unary elementwise operators (relu, exp, round, clip, Cast ...) and their backward ops.

Each forward op declares its kernel as a scalar expression and an independent NumPy
reference; its gradient is a registered `_backward_<op>(ograd, data or output)` op (MXNet's
name and choice of input), whose kernel is again a scalar expression.  As in MXNet, integer
inputs are computed in floating point and the result is cast back to the input dtype.
Trigonometric, hyperbolic and special functions are in unary_math.py.
"""
import numpy as np

from .elemwise import UnaryOp, BinaryOp
from .registry import register, Attr


def as_dtype(value, like):
    """`value` (a NumPy result, possibly float64) cast to the dtype of `like`."""
    with np.errstate(all="ignore"):
        return np.asarray(value).astype(like.dtype)


def ref_compute(fn, *arrays):
    """Evaluate `fn` in float64 (the oracle's precision) on any-dtype arrays."""
    with np.errstate(all="ignore"):
        return fn(*[np.asarray(a, dtype=np.float64) for a in arrays])


class MathUnary(UnaryOp):
    """A unary op `out = f(data)`; `ref` is f in NumPy (evaluated in float64, cast back);
    `backward` names the gradient op and whether it takes the input or the output;
    `backward = None` means a zero gradient (rounding, sign, comparisons)."""

    ref = None
    backward = None       # ("_backward_x", "data" | "output")

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        return [as_dtype(ref_compute(self.ref, x), x)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if self.backward is None:
            return [None]
        name, uses = self.backward
        arg = outputs[0] if uses == "output" else inputs[0]
        return [getattr(F, name)(out_grads[0], arg)]


class UnaryBackward(BinaryOp):
    """`_backward_<op>(ograd, data|output) = ograd * f'(...)`; `ref(ograd, arg)` in NumPy."""

    differentiable = False
    ref = None

    def reference(self, attrs, inputs, octx):
        og = inputs[0]
        return [as_dtype(ref_compute(self.ref, *inputs), og)]


# --- activations ---------------------------------------------------------------------

@register
class Relu(MathUnary):
    """max(data, 0); NaN stays NaN (MXNet 1.9.1)."""

    name = "relu"
    scalar_expr = "relu(data)"
    ref = staticmethod(lambda x: np.where(np.isnan(x), x, np.where(x > 0, x, 0.0)))
    backward = ("_backward_relu", "output")


@register
class BackwardRelu(UnaryBackward):
    """ograd * (output > 0)."""

    name = "_backward_relu"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (1 if output > 0 else 0)"
    ref = staticmethod(lambda og, y: og * (y > 0))


@register
class Sigmoid(MathUnary):
    """1 / (1 + exp(-data))."""

    name = "sigmoid"
    scalar_expr = "sigmoid(data)"
    ref = staticmethod(lambda x: 1.0 / (1.0 + np.exp(-x)))
    backward = ("_backward_sigmoid", "output")


@register
class BackwardSigmoid(UnaryBackward):
    name = "_backward_sigmoid"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (output * (1 - output))"
    ref = staticmethod(lambda og, y: og * y * (1 - y))


def _np_softrelu(x):
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


@register
class Softrelu(MathUnary):
    """log(1 + exp(data)), = data above 20 (MXNet's mshadow softrelu).

    MXNet 1.9.1 exposes this only as Activation(act_type='softrelu'); it is also an op here
    because the foundation issue lists it (a superset: MXNet scripts never call it)."""

    name = "softrelu"
    scalar_expr = "softrelu(data)"
    ref = staticmethod(_np_softrelu)
    backward = ("_backward_softrelu", "output")


@register
class BackwardSoftrelu(UnaryBackward):
    name = "_backward_softrelu"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (1 - math.exp(-output))"
    ref = staticmethod(lambda og, y: og * (1 - np.exp(-y)))


@register
class Tanh(MathUnary):
    name = "tanh"
    scalar_expr = "math.tanh(data)"
    ref = staticmethod(np.tanh)
    backward = ("_backward_tanh", "output")


@register
class BackwardTanh(UnaryBackward):
    name = "_backward_tanh"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (1 - output * output)"
    ref = staticmethod(lambda og, y: og * (1 - y ** 2))


@register
class Softsign(MathUnary):
    """data / (1 + |data|)."""

    name = "softsign"
    scalar_expr = "data / (1 + abs(data))"
    ref = staticmethod(lambda x: x / (1 + np.abs(x)))
    backward = ("_backward_softsign", "data")


@register
class BackwardSoftsign(UnaryBackward):
    name = "_backward_softsign"
    arguments = ("ograd", "data")
    scalar_expr = "ograd * (1 / ((1 + abs(data)) * (1 + abs(data))))"
    ref = staticmethod(lambda og, x: og / (1 + np.abs(x)) ** 2)


# --- exponentials, logarithms, powers --------------------------------------------------

@register
class Exp(MathUnary):
    name = "exp"
    scalar_expr = "math.exp(data)"
    ref = staticmethod(np.exp)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.elemwise_mul(out_grads[0], outputs[0])]   # MXNet: ElemwiseGradUseOut{"_mul"}


def _with_backward(name, expr, ref, grad_expr, grad_ref, doc):
    """Declare `name` and `_backward_<name>(ograd, data)` (compact form of the classes above)."""
    fwd = type("Unary_" + name, (MathUnary,), dict(
        __doc__=doc, name=name, scalar_expr=expr, ref=staticmethod(ref),
        backward=("_backward_" + name, "data")))
    bwd = type("Backward_" + name, (UnaryBackward,), dict(
        name="_backward_" + name, arguments=("ograd", "data"), scalar_expr=grad_expr,
        ref=staticmethod(grad_ref)))
    register(fwd)
    register(bwd)


_LN10, _LN2 = 2.302585092994046, 0.6931471805599453
_with_backward("log", "math.log(data)", np.log, "ograd * (1 / data)",
         lambda og, x: og / x, "Natural logarithm.")
_with_backward("log10", "math.log10(data)", np.log10, "ograd * (1 / (data * %r))" % _LN10,
         lambda og, x: og / (x * np.log(10)), "Base-10 logarithm.")
_with_backward("log2", "math.log2(data)", np.log2, "ograd * (1 / (data * %r))" % _LN2,
         lambda og, x: og / (x * np.log(2)), "Base-2 logarithm.")
_with_backward("log1p", "math.log1p(data)", np.log1p, "ograd * (1 / (1 + data))",
         lambda og, x: og / (1 + x), "log(1 + data).")
_with_backward("expm1", "math.expm1(data)", np.expm1, "ograd * math.exp(data)",
         lambda og, x: og * np.exp(x), "exp(data) - 1.")
_with_backward("rsqrt", "rsqrt(data)", lambda x: 1 / np.sqrt(x),
         "ograd * (-0.5 / (data * math.sqrt(data)))", lambda og, x: -0.5 * og * x ** -1.5,
         "1 / sqrt(data).")
_with_backward("rcbrt", "1.0 / np.cbrt(data)", lambda x: 1 / np.cbrt(x),
         "ograd * (-1 / (3 * data * np.cbrt(data)))",
         lambda og, x: -og / (3 * np.abs(x) ** (4.0 / 3)), "1 / cbrt(data).")
_with_backward("square", "data * data", np.square, "ograd * (2 * data)",
         lambda og, x: 2 * og * x, "data ** 2.")
_with_backward("reciprocal", "1.0 / data", lambda x: 1 / x, "ograd * (-1 / (data * data))",
         lambda og, x: -og / x ** 2, "1 / data.")
_with_backward("abs", "abs(data)", np.abs, "ograd * sign(data)",
         lambda og, x: og * np.sign(x), "|data|.")


@register
class Sqrt(MathUnary):
    name = "sqrt"
    scalar_expr = "math.sqrt(data)"
    ref = staticmethod(np.sqrt)
    backward = ("_backward_sqrt", "output")


@register
class BackwardSqrt(UnaryBackward):
    name = "_backward_sqrt"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (0.5 / output)"
    ref = staticmethod(lambda og, y: og / (2 * y))


@register
class Cbrt(MathUnary):
    name = "cbrt"
    scalar_expr = "np.cbrt(data)"
    ref = staticmethod(lambda x: np.sign(x) * np.abs(x) ** (1.0 / 3))
    backward = ("_backward_cbrt", "output")


@register
class BackwardCbrt(UnaryBackward):
    name = "_backward_cbrt"
    arguments = ("ograd", "output")
    scalar_expr = "ograd * (1 / (3 * output * output))"
    ref = staticmethod(lambda og, y: og / (3 * y ** 2))


# --- sign, negation, rounding: zero gradient except negative ---------------------------

@register
class Sign(MathUnary):
    """-1, 0 or 1; 0 for both zeros and for NaN (MXNet 1.9.1)."""

    name = "sign"
    scalar_expr = "sign(data)"
    ref = staticmethod(lambda x: np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0)))


@register
class Negative(MathUnary):
    name = "negative"
    scalar_expr = "-data"

    def reference(self, attrs, inputs, octx):
        with np.errstate(all="ignore"):
            return [np.negative(inputs[0])]   # wraps for unsigned, like C++

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.negative(out_grads[0])]


def _rounding(name, expr, ref, doc):
    register(type("Unary_" + name, (MathUnary,), dict(
        __doc__=doc, name=name, scalar_expr=expr, ref=staticmethod(ref))))


def _round_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5) + 0.0 * x   # 0*x keeps -0.0 for -0.4


def _rint_floor_tie(x):
    f, c = np.floor(x), np.ceil(x)
    return np.where(x - f <= c - x, f, c)


_rounding("round", "round_half_away(data)", _round_away,
          "Round to the nearest integer, halves away from zero (C's round).")
_rounding("rint", "rint_mx(data)", _rint_floor_tie,
          "Round to the nearer of floor and ceil; MXNet 1.9.1 takes floor on a tie "
          "(rint(2.5) = 2, rint(-2.5) = -3), unlike numpy's halves-to-even.")
_rounding("floor", "np.floor(data)", np.floor, "Largest integer <= data.")
_rounding("ceil", "np.ceil(data)", np.ceil, "Smallest integer >= data.")
_rounding("trunc", "np.trunc(data)", np.trunc, "Round toward zero.")
_rounding("fix", "np.trunc(data)", np.fix, "Round toward zero.")


@register
class LogicalNot(MathUnary):
    """1 where data == 0, else 0, in the input dtype (NaN counts as true)."""

    name = "logical_not"
    scalar_expr = "1 if data == 0 else 0"
    ref = staticmethod(lambda x: (x == 0).astype(np.float64))


# --- clip ----------------------------------------------------------------------------

@register
class Clip(UnaryOp):
    """Clip values into [a_min, a_max]: data > a_max gives a_max, else data < a_min gives
    a_min (checked in that order), else data; NaN passes.  The bounds are C floats in
    MXNet: float64 data is clipped to float32-rounded bounds."""

    name = "clip"
    attrs = dict(a_min=Attr("float"), a_max=Attr("float"))
    param_names = ("a_min", "a_max")
    scalar_expr = "a_max if data > a_max else (a_min if data < a_min else data)"

    def kernel_params(self, attrs, dtype):
        return tuple(clip_bound(attrs[p], dtype) for p in self.param_names)

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        lo, hi = np.float32(attrs.a_min).item(), np.float32(attrs.a_max).item()
        xf = x.astype(np.float64)
        out = np.where(xf > hi, hi, np.where(xf < lo, lo, xf))
        return [as_dtype(out, x)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_clip(out_grads[0], inputs[0], a_min=attrs.a_min, a_max=attrs.a_max)]


def clip_bound(value, dtype):
    """A clip bound as MXNet holds it (a C float), as the kernel's comparison type."""
    bound = np.float32(value)
    return np.float64(bound) if np.dtype(dtype) == np.float64 else bound


@register
class BackwardClip(BinaryOp):
    """ograd where a_min <= data <= a_max (bounds included), else 0."""

    name = "_backward_clip"
    arguments = ("ograd", "data")
    attrs = Clip.attrs
    param_names = ("a_min", "a_max")
    scalar_expr = "0 if (data > a_max or data < a_min) else ograd"
    differentiable = False

    def kernel_params(self, attrs, dtype):
        return tuple(clip_bound(attrs[p], dtype) for p in self.param_names)

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        lo, hi = np.float32(attrs.a_min).item(), np.float32(attrs.a_max).item()
        return [np.where((x > hi) | (x < lo), 0, og).astype(og.dtype)]


# --- casts and copies ----------------------------------------------------------------

_CAST_TYPES = ("bool", "float16", "float32", "float64", "int32", "int64", "int8", "uint8")


@register
class Cast(UnaryOp):
    """Cast to `dtype` (C conversion: float -> int truncates toward zero and wraps,
    e.g. cast([300, -1], 'uint8') = [44, 255]).  MXNet's bfloat16 is not supported."""

    name = "Cast"
    aliases = ("cast",)
    attrs = dict(dtype=Attr("dtype", choices=_CAST_TYPES))
    scalar_expr = "data"
    inplace = ()

    def infer_type(self, attrs, in_types):
        return list(in_types), [attrs.dtype]

    def reference(self, attrs, inputs, octx):
        with np.errstate(all="ignore"):
            return [inputs[0].astype(attrs.dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_cast(out_grads[0], inputs[0])]


@register
class BackwardCast(BinaryOp):
    """ograd cast back to the dtype of the forward input `data` (whose values are unused)."""

    name = "_backward_cast"
    arguments = ("ograd", "data")
    scalar_expr = "ograd"
    differentiable = False
    inplace = ()

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[1]]

    def reference(self, attrs, inputs, octx):
        with np.errstate(all="ignore"):
            return [inputs[0].astype(inputs[1].dtype)]


@register
class Copy(UnaryOp):
    """A copy of the input (MXNet `_copy`, alias `identity`)."""

    name = "_copy"
    aliases = ("identity",)
    scalar_expr = "data"

    def reference(self, attrs, inputs, octx):
        return [inputs[0].copy()]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]

