"""Converters of reductions (sum, mean, max, min, prod, nansum, nanprod, norm, argmax,
argmin, argmax_channel) and products (dot, batch_dot)."""
import numpy as np

from compiler.ops.reduce import reduced_axes
from ._registry import converter


def _reduce(g, n, onnx_op, x):
    """MXNet's axes rules: axis None or () reduces everything, exclude takes the complement;
    a full reduction without keepdims gives shape (1,), never a 0-d tensor."""
    a = n.attrs
    shape = n.in_shape(0)
    axes = list(reduced_axes(shape, a.axis, a.exclude))
    if not axes:
        return g.op("Identity", [x], n.out())
    if len(axes) == len(shape) and not a.keepdims:
        return g.reshape(g.reduce(onnx_op, x, axes, True), [1], n.out())
    return g.reduce(onnx_op, x, axes, a.keepdims, n.out())


def _reduce_converter(onnx_op):
    return lambda g, n: [_reduce(g, n, onnx_op, n.input(0))]


for _name, _onnx_op in (("sum", "ReduceSum"), ("mean", "ReduceMean"), ("max", "ReduceMax"),
                        ("min", "ReduceMin"), ("prod", "ReduceProd")):
    converter(_name)(_reduce_converter(_onnx_op))


def _nan_to(g, n, value):
    x, dtype = n.input(0), n.in_dtype(0)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        return x
    return g.op("Where", [g.op("IsNaN", [x]), g.const(value, dtype), x])


@converter("nansum")
def nansum(g, n):
    return [_reduce(g, n, "ReduceSum", _nan_to(g, n, 0))]


@converter("nanprod")
def nanprod(g, n):
    return [_reduce(g, n, "ReduceProd", _nan_to(g, n, 1))]


@converter("norm")
def norm(g, n):
    """ord 1 (sum of |x|) or 2 (Euclidean) over `axis` (all when None); out_dtype casts."""
    a = n.attrs
    shape = n.in_shape(0)
    axes = list(reduced_axes(shape, a.axis, False))
    op = "ReduceL1" if a.ord == 1 else "ReduceL2"
    x = n.input(0)
    cast = n.out_dtype() != n.in_dtype(0)
    out = None if cast else n.out()
    if len(axes) == len(shape) and not a.keepdims:
        y = g.reshape(g.reduce(op, x, axes, True), [1], out)
    else:
        y = g.reduce(op, x, axes, a.keepdims, out)
    return [g.cast(y, n.out_dtype(), n.out()) if cast else y]


def _arg_reduce(onnx_op, fixed_axis=None):
    def convert(g, n):
        """Indices in the input's dtype (MXNet returns float indices for float data)."""
        x, shape = n.input(0), n.in_shape(0)
        axis = fixed_axis if fixed_axis is not None else n.attrs.axis
        keepdims = False if fixed_axis is not None else n.attrs.keepdims
        if axis is None:
            idx = g.op(onnx_op, [g.reshape(x, [-1])], axis=0, keepdims=1)
            if keepdims:
                idx = g.reshape(idx, [1] * len(shape))
        else:
            axis %= len(shape)
            idx = g.op(onnx_op, [x], axis=axis, keepdims=1 if keepdims else 0)
            if not keepdims and len(shape) == 1:
                idx = g.reshape(idx, [1])
        return [g.cast(idx, n.out_dtype(), n.out())]
    return convert


converter("argmax")(_arg_reduce("ArgMax"))
converter("argmin")(_arg_reduce("ArgMin"))
converter("argmax_channel")(_arg_reduce("ArgMax", fixed_axis=1))


@converter("dot")
def dot(g, n):
    """MXNet's dot: lhs as a matrix (prod(shape[:-1]), shape[-1]) (transpose_a: the transpose
    of (shape[0], prod(shape[1:]))), rhs as (shape[0], prod(shape[1:])) (transpose_b: the
    transpose of (prod(shape[:-1]), shape[-1])); the result reshaped to the inferred shape."""
    a = n.attrs
    ls, rs = list(n.in_shape(0)), list(n.in_shape(1))
    lhs, rhs = n.input(0), n.input(1)
    if len(ls) == 1 and len(rs) == 1:
        prod = g.op("MatMul", [g.reshape(lhs, [1, ls[0]]), g.reshape(rhs, [rs[0], 1])])
        return [g.reshape(prod, [1], n.out())]
    if len(ls) != 2:
        lhs = g.reshape(lhs, [ls[0], -1] if a.transpose_a else [-1, ls[-1]])
    if len(rs) != 2:
        rhs = g.reshape(rhs, [-1, rs[-1]] if a.transpose_b else [rs[0], -1])
    if a.transpose_a:
        lhs = g.op("Transpose", [lhs], perm=[1, 0])
    if a.transpose_b:
        rhs = g.op("Transpose", [rhs], perm=[1, 0])
    out_shape = list(n.out_shape())
    if len(ls) == 2 and len(rs) == 2:
        return [g.op("MatMul", [lhs, rhs], n.out())]
    return [g.reshape(g.op("MatMul", [lhs, rhs]), out_shape, n.out())]


@converter("batch_dot")
def batch_dot(g, n):
    a = n.attrs
    ndim = len(n.in_shape(0))
    perm = list(range(ndim - 2)) + [ndim - 1, ndim - 2]
    lhs, rhs = n.input(0), n.input(1)
    if a.transpose_a:
        lhs = g.op("Transpose", [lhs], perm=perm)
    if a.transpose_b:
        rhs = g.op("Transpose", [rhs], perm=perm)
    return [g.op("MatMul", [lhs, rhs], n.out())]
