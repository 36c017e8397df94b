"""Scalar forms of the binary ops: `_plus_scalar(data, scalar)` ... `_logical_xor_scalar`,
and the backward ops MXNet registers for them.

The scalar is a runtime kernel argument cast like MXNet's `DType(scalar)` (see ScalarOp in
elemwise.py: integer data truncates the scalar, is_int=False promotes integer data to
float64).  `_r*` forms put the scalar on the left: `_rminus_scalar(x, s) = s - x`.
"""
import numpy as np

from .binary import ref_div, ref_mod, ref_power, ref_maximum, ref_minimum, ref_hypot
from .elemwise import ScalarOp, BinaryOp, scalar_result_type
from .registry import register, Attr
from .unary import as_dtype


def ref_scalar_operands(x, attrs):
    """(data, scalar) as arrays of the result dtype, the scalar cast like C's DType(s)."""
    out = np.dtype(scalar_result_type(x.dtype.name, attrs.is_int))
    s = attrs.scalar
    if out.kind in "iu":
        s = np.array(np.trunc(s), dtype=np.float64).astype(np.int64).astype(out)
    else:
        s = np.array(s, dtype=out)
    return x.astype(out), s


class MathScalar(ScalarOp):
    """`out = f(data, scalar)` (or f(scalar, data) for the `_r*` forms); `ref(a, b)` in NumPy
    on operands of the result dtype.  `backward(F, attrs, x, out, og)` gives the data grad."""

    ref = None
    reverse = False

    def reference(self, attrs, inputs, octx):
        x, s = ref_scalar_operands(inputs[0], attrs)
        s = np.broadcast_to(s, x.shape)
        with np.errstate(all="ignore"):
            out = self.ref(s, x) if self.reverse else self.ref(x, s)
        return [as_dtype(out, x)]

    def backward(self, F, attrs, x, out, og):
        return None

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [self.backward(F, attrs, inputs[0], outputs[0], out_grads[0])]


def _scalar_op(name, alias, expr, ref, backward=None, reverse=False, doc=""):
    cls = type("Scalar_" + name, (MathScalar,), dict(
        __doc__=doc or "%s, elementwise, with a scalar." % expr.replace("data", "x")
        .replace("scalar", "s"),
        name=name, aliases=(alias,), scalar_expr=expr, ref=staticmethod(ref), reverse=reverse))
    if backward is not None:
        cls.backward = staticmethod(backward)
    register(cls)


def _grad_with(name, uses="data"):
    """The gradient through `_backward_<name>(ograd, data|output, scalar=...)`."""
    def backward(F, attrs, x, out, og):
        return getattr(F, name)(og, out if uses == "output" else x, scalar=attrs.scalar)
    return backward


_scalar_op("_plus_scalar", "_PlusScalar", "data + scalar", np.add,
           lambda F, attrs, x, out, og: og)
_scalar_op("_minus_scalar", "_MinusScalar", "data - scalar", np.subtract,
           lambda F, attrs, x, out, og: og)
_scalar_op("_rminus_scalar", "_RMinusScalar", "scalar - data", np.subtract,
           lambda F, attrs, x, out, og: F.negative(og), reverse=True)
_scalar_op("_mul_scalar", "_MulScalar", "data * scalar", np.multiply,
           lambda F, attrs, x, out, og: F._mul_scalar(og, scalar=attrs.scalar))
_scalar_op("_div_scalar", "_DivScalar", "div(data, scalar)", ref_div,
           lambda F, attrs, x, out, og: F._div_scalar(og, scalar=attrs.scalar))
_scalar_op("_rdiv_scalar", "_RDivScalar", "div(scalar, data)", ref_div,
           _grad_with("_backward_rdiv_scalar"), reverse=True)
_scalar_op("_mod_scalar", "_ModScalar", "mod(data, scalar)", ref_mod,
           lambda F, attrs, x, out, og: og)
_scalar_op("_rmod_scalar", "_RModScalar", "mod(scalar, data)", ref_mod,
           _grad_with("_backward_rmod_scalar"), reverse=True)
_scalar_op("_power_scalar", "_PowerScalar", "power(data, scalar)", ref_power,
           _grad_with("_backward_power_scalar"))
_scalar_op("_rpower_scalar", "_RPowerScalar", "power(scalar, data)", ref_power,
           _grad_with("_backward_rpower_scalar", "output"), reverse=True)
_scalar_op("_maximum_scalar", "_MaximumScalar", "maximum(data, scalar)", ref_maximum,
           _grad_with("_backward_maximum_scalar"))
_scalar_op("_minimum_scalar", "_MinimumScalar", "minimum(data, scalar)", ref_minimum,
           _grad_with("_backward_minimum_scalar"))
_scalar_op("_hypot_scalar", "_HypotScalar", "math.hypot(data, scalar)", ref_hypot,
           _grad_with("_backward_hypot_scalar"))
_scalar_op("_equal_scalar", "_EqualScalar", "1 if data == scalar else 0", np.equal)
_scalar_op("_not_equal_scalar", "_NotEqualScalar", "1 if data != scalar else 0", np.not_equal)
_scalar_op("_greater_scalar", "_GreaterScalar", "1 if data > scalar else 0", np.greater)
_scalar_op("_greater_equal_scalar", "_GreaterEqualScalar", "1 if data >= scalar else 0",
           np.greater_equal)
_scalar_op("_lesser_scalar", "_LesserScalar", "1 if data < scalar else 0", np.less)
_scalar_op("_lesser_equal_scalar", "_LesserEqualScalar", "1 if data <= scalar else 0",
           np.less_equal)
_scalar_op("_logical_and_scalar", "_LogicalAndScalar", "1 if (data != 0 and scalar != 0) else 0",
           lambda a, b: np.logical_and(a != 0, b != 0))
_scalar_op("_logical_or_scalar", "_LogicalOrScalar", "1 if (data != 0 or scalar != 0) else 0",
           lambda a, b: np.logical_or(a != 0, b != 0))
_scalar_op("_logical_xor_scalar", "_LogicalXorScalar",
           "1 if ((data != 0) != (scalar != 0)) else 0",
           lambda a, b: np.logical_xor(a != 0, b != 0))


# --- backward ops: `_backward_<op>_scalar(ograd, data|output)` with attribute scalar ------

class ScalarBackward(BinaryOp):
    """ograd * f'(data or output, scalar); `ref(og, arg, s)` in NumPy (float64)."""

    attrs = dict(scalar=Attr("float", 1.0), is_int=Attr("bool", True))
    param_names = ("scalar",)
    differentiable = False
    ref = None

    def reference(self, attrs, inputs, octx):
        og, arg = inputs
        s = og.dtype.type(attrs.scalar).astype(np.float64)
        with np.errstate(all="ignore"):
            out = self.ref(og.astype(np.float64), arg.astype(np.float64), s)
        return [as_dtype(out, og)]


def _scalar_backward(name, uses, expr, ref, doc):
    register(type("Backward_" + name, (ScalarBackward,), dict(
        __doc__=doc, name=name, arguments=("ograd", uses), scalar_expr=expr,
        ref=staticmethod(ref))))


_scalar_backward("_backward_rdiv_scalar", "data", "ograd * (-scalar / (data * data))",
                 lambda og, x, s: -og * s / x ** 2, "ograd * -scalar / data**2.")
_scalar_backward("_backward_rmod_scalar", "data", "ograd * -np.floor(scalar / data)",
                 lambda og, x, s: -og * np.floor(s / x), "ograd * -floor(scalar / data).")
_scalar_backward("_backward_power_scalar", "data", "ograd * (scalar * power(data, scalar - 1))",
                 lambda og, x, s: og * s * x ** (s - 1), "ograd * scalar * data**(scalar-1).")
_scalar_backward("_backward_rpower_scalar", "output", "ograd * (output * math.log(scalar))",
                 lambda og, y, s: og * y * np.log(s), "ograd * output * log(scalar).")
_scalar_backward("_backward_maximum_scalar", "data", "ograd * (1 if data >= scalar else 0)",
                 lambda og, x, s: og * (x >= s), "ograd where data >= scalar (ties pass).")
_scalar_backward("_backward_minimum_scalar", "data", "ograd * (1 if data <= scalar else 0)",
                 lambda og, x, s: og * (x <= s), "ograd where data <= scalar (ties pass).")
_scalar_backward("_backward_hypot_scalar", "data", "ograd * (data / math.hypot(data, scalar))",
                 lambda og, x, s: og * x / np.hypot(x, s), "ograd * data / hypot(data, scalar).")
