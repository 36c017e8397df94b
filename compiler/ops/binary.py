"""Binary elementwise operators: same-shape (elemwise_*, _maximum ...), broadcast_*, add_n
and where, with their backward ops.  Scalar forms are in binary_scalar.py.

Same-shape and broadcast forms share a scalar expression and a NumPy reference.  Their
gradients come from one 2-output backward op per function (`_backward_mul(ograd, lhs, rhs)
-> (lhs_grad, rhs_grad)`, MXNet's name), which broadcasts its inputs to ograd's shape;
the broadcast forms then sum each gradient back with `_reduce_sum_like`.  Comparison and
logical ops return 0/1 in the input dtype and have zero gradient (None).
"""
import numpy as np

from kernels.codegen.elementwise import ElementwiseSpec
from .elemwise import (ElementwiseOp, BinaryOp, BroadcastOp, FusionSpec, broadcast_shape,
                       launch_wide)
from .registry import register, Attr, fail, same_shape
from .unary import as_dtype


# --- references (NumPy, with MXNet's integer semantics) ---------------------------------

def _is_int(a):
    return a.dtype.kind in "iub"


def ref_div(a, b):
    if _is_int(a):
        a64, b64 = a.astype(np.int64), b.astype(np.int64)
        safe = np.where(b64 == 0, 1, b64)
        q = (np.abs(a64) // np.abs(safe)) * np.sign(a64) * np.sign(safe)
        return np.where(b64 == 0, 0, q)
    return np.true_divide(a, b, dtype=np.float64)


def ref_mod(a, b):
    if _is_int(a):
        a64, b64 = a.astype(np.int64), b.astype(np.int64)
        return np.where(b64 == 0, 0, np.mod(a64, np.where(b64 == 0, 1, b64)))
    a, b = a.astype(np.float64), b.astype(np.float64)
    r = np.fmod(a, b)
    r = np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)
    return np.where(b == 0, 0.0, r)


def ref_power(a, b):
    return np.power(a.astype(np.float64), b.astype(np.float64))


def ref_maximum(a, b):
    return np.where(np.isnan(a) | (a > b), a, b) if a.dtype.kind == "f" else np.maximum(a, b)


def ref_minimum(a, b):
    return np.where(np.isnan(a) | (a < b), a, b) if a.dtype.kind == "f" else np.minimum(a, b)


def ref_hypot(a, b):
    return np.hypot(a.astype(np.float64), b.astype(np.float64))


def _wrap(fn):
    def apply(a, b):
        with np.errstate(all="ignore"):
            return fn(a, b)
    return apply


# name: (scalar expression, reference, backward)  backward: "add", "sub", an op name, None
FUNCTIONS = {
    "add": ("lhs + rhs", np.add, "add"),
    "sub": ("lhs - rhs", np.subtract, "sub"),
    "mul": ("lhs * rhs", np.multiply, "_backward_mul"),
    "div": ("div(lhs, rhs)", ref_div, "_backward_div"),
    "mod": ("mod(lhs, rhs)", ref_mod, "_backward_mod"),
    "power": ("power(lhs, rhs)", ref_power, "_backward_power"),
    "maximum": ("maximum(lhs, rhs)", ref_maximum, "_backward_maximum"),
    "minimum": ("minimum(lhs, rhs)", ref_minimum, "_backward_minimum"),
    "hypot": ("math.hypot(lhs, rhs)", ref_hypot, "_backward_hypot"),
    "equal": ("1 if lhs == rhs else 0", np.equal, None),
    "not_equal": ("1 if lhs != rhs else 0", np.not_equal, None),
    "greater": ("1 if lhs > rhs else 0", np.greater, None),
    "greater_equal": ("1 if lhs >= rhs else 0", np.greater_equal, None),
    "lesser": ("1 if lhs < rhs else 0", np.less, None),
    "lesser_equal": ("1 if lhs <= rhs else 0", np.less_equal, None),
    "logical_and": ("1 if (lhs != 0 and rhs != 0) else 0",
                    lambda a, b: np.logical_and(a != 0, b != 0), None),
    "logical_or": ("1 if (lhs != 0 or rhs != 0) else 0",
                   lambda a, b: np.logical_or(a != 0, b != 0), None),
    "logical_xor": ("1 if ((lhs != 0) != (rhs != 0)) else 0",
                    lambda a, b: np.logical_xor(a != 0, b != 0), None),
}


def binary_gradient(F, kind, lhs, rhs, og):
    """[lhs_grad, rhs_grad] (ograd's shape) for a backward kind of FUNCTIONS."""
    if kind is None:
        return [None, None]
    if kind == "add":
        return [og, og]
    if kind == "sub":
        return [og, F.negative(og)]
    if kind == "_backward_mul":   # composed, so gradients of gradients work (create_graph)
        return [F.broadcast_mul(og, rhs), F.broadcast_mul(og, lhs)]
    grads = getattr(F, kind)(og, lhs, rhs)
    return [grads[0], grads[1]]


class MathBinary(BinaryOp):
    """`out = f(lhs, rhs)`, same shapes (`function` names an entry of FUNCTIONS)."""

    function = None

    def reference(self, attrs, inputs, octx):
        a, b = inputs
        return [as_dtype(_wrap(FUNCTIONS[self.function][1])(a, b), a)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return binary_gradient(F, FUNCTIONS[self.function][2], inputs[0], inputs[1], out_grads[0])


class MathBroadcast(BroadcastOp):
    """`out = f(lhs, rhs)` with NumPy broadcasting; gradients summed back to each shape."""

    function = None

    def reference(self, attrs, inputs, octx):
        a, b = inputs
        return [as_dtype(_wrap(FUNCTIONS[self.function][1])(a, b), a)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = binary_gradient(F, FUNCTIONS[self.function][2], inputs[0], inputs[1], out_grads[0])
        return [None if g is None else F._reduce_sum_like(g, x) for g, x in zip(grads, inputs)]


# MXNet 1.9.1's names: same-shape op and aliases, broadcast op and aliases
_NAMES = {
    "add": ("elemwise_add", ("_plus", "_add", "_Plus"), "broadcast_add", ("broadcast_plus",)),
    "sub": ("elemwise_sub", ("_minus", "_sub", "_Minus"), "broadcast_sub", ("broadcast_minus",)),
    "mul": ("elemwise_mul", ("_mul", "_Mul"), "broadcast_mul", ()),
    "div": ("elemwise_div", ("_div", "_Div"), "broadcast_div", ()),
    "mod": ("_mod", ("_Mod",), "broadcast_mod", ()),
    "power": ("_power", ("_Power",), "broadcast_power", ()),
    "maximum": ("_maximum", ("_Maximum",), "broadcast_maximum", ()),
    "minimum": ("_minimum", ("_Minimum",), "broadcast_minimum", ()),
    "hypot": ("_hypot", ("_Hypot",), "broadcast_hypot", ()),
    "equal": ("_equal", ("_Equal",), "broadcast_equal", ()),
    "not_equal": ("_not_equal", ("_Not_Equal",), "broadcast_not_equal", ()),
    "greater": ("_greater", ("_Greater",), "broadcast_greater", ()),
    "greater_equal": ("_greater_equal", ("_Greater_Equal",), "broadcast_greater_equal", ()),
    "lesser": ("_lesser", ("_Lesser",), "broadcast_lesser", ()),
    "lesser_equal": ("_lesser_equal", ("_Lesser_Equal",), "broadcast_lesser_equal", ()),
    "logical_and": ("_logical_and", ("_Logical_And",), "broadcast_logical_and", ()),
    "logical_or": ("_logical_or", ("_Logical_Or",), "broadcast_logical_or", ()),
    "logical_xor": ("_logical_xor", ("_Logical_Xor",), "broadcast_logical_xor", ()),
}


def _declare(function, names):
    expr = FUNCTIONS[function][0]
    elem, elem_aliases, bcast, bcast_aliases = names
    doc = "Elementwise %s of lhs and rhs (%s)." % (function, expr)
    register(type("Elemwise_" + function, (MathBinary,), dict(
        __doc__=doc + " Shapes must match.", name=elem, aliases=elem_aliases,
        scalar_expr=expr, function=function)))
    register(type("Broadcast_" + function, (MathBroadcast,), dict(
        __doc__=doc + " Shapes broadcast.", name=bcast, aliases=bcast_aliases,
        scalar_expr=expr, function=function)))


for _fn, _names in _NAMES.items():
    _declare(_fn, _names)


# --- 2-output backward ops ----------------------------------------------------------------

class BinaryBackward(ElementwiseOp):
    """`_backward_<f>(ograd, lhs, rhs) -> (lhs_grad, rhs_grad)`, both of ograd's shape
    (lhs and rhs broadcast to it); `ref(og, a, b)` returns the pair in NumPy."""

    arguments = ("ograd", "lhs", "rhs")
    outputs = ("lhs_grad", "rhs_grad")
    differentiable = False
    ref = None

    def infer_shape(self, attrs, in_shapes):
        og, lhs, rhs = in_shapes
        if og is None and lhs is not None and rhs is not None:
            og = broadcast_shape(lhs, rhs)
        if og is None:
            return list(in_shapes), [None, None]
        for name, s in (("lhs", lhs), ("rhs", rhs)):
            if s is not None and broadcast_shape(s, og) != tuple(og):
                fail("%s shape %s does not broadcast to ograd shape %s", name, tuple(s), tuple(og))
        return [tuple(og), lhs, rhs], [tuple(og), tuple(og)]

    def reference(self, attrs, inputs, octx):
        og, a, b = inputs
        with np.errstate(all="ignore"):
            ga, gb = self.ref(*[x.astype(np.float64) for x in inputs])
        return [as_dtype(np.broadcast_to(g, og.shape), og) for g in (ga, gb)]


def _backward(name, lexpr, rexpr, ref, body=(), doc=""):
    register(type("Backward_" + name, (BinaryBackward,), dict(
        __doc__=doc, name="_backward_" + name, scalar_expr=(lexpr, rexpr),
        scalar_body=tuple(body), ref=staticmethod(ref))))


_backward("mul", "ograd * rhs", "ograd * lhs", lambda og, a, b: (og * b, og * a),
          doc="(ograd * rhs, ograd * lhs).")
_backward("div", "ograd * (1 / rhs)", "ograd * (-lhs / (rhs * rhs))",
          lambda og, a, b: (og / b, -og * a / b ** 2), doc="(ograd / rhs, -ograd * lhs / rhs**2).")
_backward("power", "ograd * (rhs * power(lhs, rhs - 1))", "ograd * (math.log(lhs) * power(lhs, rhs))",
          lambda og, a, b: (og * b * a ** (b - 1), og * np.log(a) * a ** b),
          doc="(ograd * rhs * lhs**(rhs-1), ograd * log(lhs) * lhs**rhs).")
_backward("mod", "ograd", "ograd * -np.floor(lhs / rhs)",
          lambda og, a, b: (og + 0 * a, -og * np.floor(a / b)),
          doc="(ograd, -ograd * floor(lhs / rhs)).")
_backward("hypot", "ograd * (lhs / h)", "ograd * (rhs / h)",
          lambda og, a, b: (og * a / np.hypot(a, b), og * b / np.hypot(a, b)),
          body=[("h", "math.hypot(lhs, rhs)")], doc="(ograd * lhs / hypot, ograd * rhs / hypot).")
_backward("maximum", "ograd * (1 if lhs >= rhs else 0)", "ograd * (1 if lhs < rhs else 0)",
          lambda og, a, b: (og * (a >= b), og * (a < b)),
          doc="Gradient to lhs where lhs >= rhs (ties go to lhs), else to rhs.")
_backward("minimum", "ograd * (1 if lhs <= rhs else 0)", "ograd * (1 if lhs > rhs else 0)",
          lambda og, a, b: (og * (a <= b), og * (a > b)),
          doc="Gradient to lhs where lhs <= rhs (ties go to lhs), else to rhs.")


# --- add_n -------------------------------------------------------------------------------

@register
class AddN(ElementwiseOp):
    """Sum of any number of same-shape arrays (`add_n(*args)`, alias ElementWiseSum)."""

    name = "add_n"
    aliases = ("ElementWiseSum",)
    variadic = "num_args"
    attrs = dict(num_args=Attr("int"))
    inplace = ((0, 0),)
    _specs = {}

    def infer_shape(self, attrs, in_shapes):
        if attrs.num_args < 1:
            fail("num_args must be at least 1, got %d", attrs.num_args)
        return same_shape(attrs, in_shapes, names=self.input_names(attrs))

    def spec_for(self, n):
        spec = self._specs.get(n)
        if spec is None:
            names = ["a%d" % i for i in range(n)]
            spec = ElementwiseSpec(names, [" + ".join(names)], tag="add_n")
            self._specs[n] = spec
        return spec

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        launch_wide(self.spec_for(len(inputs)), outputs, inputs)

    def fusion_spec(self, attrs, in_dtypes):
        return FusionSpec(self.spec_for(attrs.num_args))

    def reference(self, attrs, inputs, octx):
        total = inputs[0].copy()
        for x in inputs[1:]:
            total = total + x
        return [total.astype(inputs[0].dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]] * len(inputs)


# --- where ---------------------------------------------------------------------------------

def _where_condition_shape(cond, shape, op):
    if tuple(cond) == tuple(shape):
        return
    if len(cond) == 1 and len(shape) >= 1 and cond[0] == shape[0]:
        return
    fail("condition shape %s must equal the %s shape %s or be 1-D of length %s",
         tuple(cond), op, tuple(shape), shape[0] if shape else "shape[0]")


def _condition_view(cond, shape):
    """A 1-D condition selects rows: view it as (n, 1, ..., 1) so it broadcasts."""
    if cond.shape != tuple(shape):
        return cond.reshape((cond.shape[0],) + (1,) * (len(shape) - 1))
    return cond


@register
class Where(ElementwiseOp):
    """x where condition is nonzero (NaN counts as true), else y.  condition has x's shape,
    or is 1-D with x.shape[0] entries selecting whole rows.  x and y share shape and dtype;
    condition may have any dtype."""

    name = "where"
    arguments = ("condition", "x", "y")
    scalar_expr = "x if condition != 0 else y"

    def infer_shape(self, attrs, in_shapes):
        cond, x, y = in_shapes
        known = x if x is not None else y
        if x is not None and y is not None and tuple(x) != tuple(y):
            fail("x shape %s does not match y shape %s", tuple(x), tuple(y))
        if known is None:
            return list(in_shapes), [None]
        if cond is not None:
            _where_condition_shape(cond, known, "x")
        return [cond, tuple(known), tuple(known)], [tuple(known)]

    def infer_type(self, attrs, in_types):
        cond, x, y = in_types
        if x is not None and y is not None and x != y:
            fail("x has dtype %s but y has dtype %s", x, y)
        t = x if x is not None else y
        return [cond, t, t], [t]

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        cond, x, y = inputs
        launch_wide(self.spec(), outputs, [_condition_view(cond, x.shape), x, y])

    def reference(self, attrs, inputs, octx):
        cond, x, y = inputs
        c = cond if cond.shape == x.shape else cond.reshape((-1,) + (1,) * (x.ndim - 1))
        return [np.where(c != 0, x, y).astype(x.dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = F._backward_where(out_grads[0], inputs[0])
        return [None, grads[0], grads[1]]


@register
class BackwardWhere(ElementwiseOp):
    """(ograd where condition else 0, 0 where condition else ograd)."""

    name = "_backward_where"
    arguments = ("ograd", "condition")
    outputs = ("x_grad", "y_grad")
    scalar_expr = ("ograd if condition != 0 else 0", "0 if condition != 0 else ograd")
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, cond = in_shapes
        if og is None:
            return list(in_shapes), [None, None]
        if cond is not None:
            _where_condition_shape(cond, og, "ograd")
        return list(in_shapes), [tuple(og), tuple(og)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0], in_types[0]]

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        og, cond = inputs
        launch_wide(self.spec(), outputs, [og, _condition_view(cond, og.shape)])

    def reference(self, attrs, inputs, octx):
        og, cond = inputs
        c = cond if cond.shape == og.shape else cond.reshape((-1,) + (1,) * (og.ndim - 1))
        zero = np.zeros_like(og)
        return [np.where(c != 0, og, zero), np.where(c != 0, zero, og)]
