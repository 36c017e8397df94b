"""CUDA diag and _backward_diag: the k-th diagonal as a strided view (slicing.py's gather and
scatter kernels, compiled per ndim).

N-D data: the diagonal of the (axis1, axis2) matrices is the view with offset k * stride2
(k >= 0) or -k * stride1, the other axes' strides and stride1 + stride2 as a new last axis:
diag gathers it, _backward_diag zeroes the gradient and scatters ograd into it.  1-D data
(n,) builds an (m, m) matrix, m = n + |k|: diag zeroes it and scatters the data along
stride m + 1, _backward_diag gathers that diagonal of ograd.
"""
from compiler.ops.tensor_more import diag_geometry
from . import codegen
from .runtime import check_array, NUMERIC
from .slicing import gather, scatter


def _c_strides(shape):
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= n
    return tuple(reversed(out))


def _view(attrs, shape):
    """(offset, strides) of the diagonal view of C-contiguous data of `shape` (>= 2-D)."""
    a1, a2, _ = diag_geometry(attrs, shape)
    cs = _c_strides(shape)
    k = attrs.k
    offset = k * cs[a2] if k >= 0 else -k * cs[a1]
    rest = tuple(cs[d] for d in range(len(shape)) if d not in (a1, a2))
    return offset, rest + (cs[a1] + cs[a2],)


def _vector_view(k, m):
    return (k if k >= 0 else -k * m), (m + 1,)


def _diag_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    check_array(op.name, "data", x, dtypes=NUMERIC + ("float16",))
    if len(x.shape) == 1:
        if out.size:
            codegen.fill(out, 0, op=op.name)
        offset, strides = _vector_view(attrs.k, out.shape[0])
        scatter(out, x, offset, strides, op=op.name)
        return
    offset, strides = _view(attrs, tuple(x.shape))
    gather(x, out, offset, strides, op=op.name)


def _diag_backward_op(op, attrs, inputs, outputs, octx):
    og, x = inputs
    dx = outputs[0]
    check_array(op.name, "ograd", og, dtypes=NUMERIC + ("float16",))
    if len(x.shape) == 1:
        offset, strides = _vector_view(attrs.k, og.shape[0])
        gather(og, dx, offset, strides, op=op.name)
        return
    if dx.size:
        codegen.fill(dx, 0, op=op.name)
    offset, strides = _view(attrs, tuple(x.shape))
    scatter(dx, og, offset, strides, op=op.name)


KERNELS = {"diag": _diag_op, "_backward_diag": _diag_backward_op}
