"""CUDA kernels of the layout ops, all through the generated elementwise kernels
(codegen.launch): copies (Reshape, Flatten, expand_dims, squeeze, reshape_like, BlockGrad,
make_loss: the output holds the input's elements in order), fills (zeros_like, ones_like,
_zeros, _ones, _full), broadcasts (broadcast_to / _like / _axis, and the reductions'
backward _backward_sum / _backward_mean), transposes (transpose, SwapAxis: the input read
through permuted strides), `where` (a 1-D condition selects rows), _reduce_sum_like, and
_arange / _eye / _linspace (filled on the host by their CPU kernels, then uploaded).
"""
import numpy as np

from ..codegen.elementwise import ElementwiseSpec
from . import codegen
from .reduce import reduce_axes

COPY = ElementwiseSpec(("x",), ["x"], tag="cuda_copy")
SCALE = ElementwiseSpec(("x",), ["x / n"], params=("n",), tag="cuda_scale")
FLOOR_DIV = ElementwiseSpec(("x",), ["x // n"], params=("n",), tag="cuda_floordiv")


def _flat(a):
    return a.reshape(a.size)


def copy(x, out, op="copy"):
    """out's elements = x's elements in C order (shapes may differ, sizes must not)."""
    if out.size != x.size:
        from compiler.errors import MXNetValueError
        raise MXNetValueError("%s: cannot copy %d elements %s into %d elements %s"
                              % (op, x.size, tuple(x.shape), out.size, tuple(out.shape)))
    if out.size:
        codegen.launch(COPY, [_flat(out)], [_flat(x)], op=op)
    return out


def _copy_op(op, attrs, inputs, outputs, octx):
    copy(inputs[0], outputs[0], op=op.name)


def _fill_value(value):
    def run(op, attrs, inputs, outputs, octx):
        codegen.fill(outputs[0], value, op=op.name)
    return run


def _full_op(op, attrs, inputs, outputs, octx):
    codegen.fill(outputs[0], attrs.value, op=op.name)


def _broadcast_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    if out.size:
        lead = len(out.shape) - len(x.shape)
        x = x.reshape((1,) * lead + tuple(x.shape)) if lead > 0 else x
        codegen.launch(COPY, [out], [x], op=op.name)


def _backward_reduce_op(op, attrs, inputs, outputs, octx):
    """ograd broadcast back to data's shape (divided by the count for _backward_mean)."""
    from compiler.ops.reduce import keep_shape
    og, x = inputs
    out = outputs[0]
    red, n = op._count(attrs, tuple(x.shape))
    g = og.reshape(keep_shape(tuple(x.shape), red)) if len(x.shape) else og
    if out.size == 0:
        return
    if op.scale and n:
        if np.dtype(og.dtype).kind == "f":
            codegen.launch(SCALE, [out], [g], (np.dtype(og.dtype).type(n),), op=op.name)
        else:
            codegen.launch(FLOOR_DIV, [out], [g], (np.int64(n),), op=op.name)
    else:
        codegen.launch(COPY, [out], [g], op=op.name)


def _reduce_sum_like_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    shape, xs = tuple(out.shape), tuple(x.shape)
    lead = len(xs) - len(shape)
    axes = set(range(lead)) | {lead + i for i, d in enumerate(shape)
                               if d == 1 and xs[lead + i] != 1}
    reduce_axes("sum", x, axes, out, op=op.name)


def _c_strides(shape):
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return strides[::-1]


def transpose(x, out, axes, op="transpose"):
    """out = x.transpose(axes): x read through permuted strides, out written in order."""
    st = _c_strides(tuple(x.shape))
    if out.size:
        codegen.launch(COPY, [out], [_flat(x)], op=op, strides=[[st[a] for a in axes]])
    return out


def _transpose_op(op, attrs, inputs, outputs, octx):
    nd = len(inputs[0].shape)
    axes = tuple(a % nd for a in attrs.axes) if attrs.axes else tuple(range(nd))[::-1]
    transpose(inputs[0], outputs[0], axes, op=op.name)


def _swapaxis_op(op, attrs, inputs, outputs, octx):
    nd = len(inputs[0].shape)
    axes = list(range(nd))
    d1, d2 = attrs.dim1 % nd, attrs.dim2 % nd
    axes[d1], axes[d2] = axes[d2], axes[d1]
    transpose(inputs[0], outputs[0], tuple(axes), op=op.name)


def _rows_view(cond, shape):
    """A 1-D condition selects rows: viewed as (n, 1, ..., 1) so that it broadcasts."""
    if tuple(cond.shape) != tuple(shape):
        return cond.reshape((cond.shape[0],) + (1,) * (len(shape) - 1))
    return cond


def _where_op(op, attrs, inputs, outputs, octx):
    cond, x, y = inputs
    codegen.launch(op.spec(), outputs, [_rows_view(cond, x.shape), x, y], op=op.name)


def _backward_where_op(op, attrs, inputs, outputs, octx):
    og, cond = inputs
    codegen.launch(op.spec(), outputs, [og, _rows_view(cond, og.shape)], op=op.name)


def _host_source_op(op, attrs, inputs, outputs, octx):
    """Nullary ops whose values are a function of their attributes only (_arange, _eye,
    _linspace): the CPU kernel fills a host array that is copied to the device (an upload,
    no device value is read back)."""
    out = outputs[0]
    host = np.empty(tuple(out.shape), np.dtype(out.dtype))
    op.kernel("cpu")(attrs, [], [host], octx)
    if out.size:
        out.copy_to_device(host)


KERNELS = {name: _copy_op for name in ("Reshape", "Flatten", "expand_dims", "squeeze",
                                       "reshape_like", "BlockGrad", "make_loss")}
KERNELS.update({"zeros_like": _fill_value(0), "ones_like": _fill_value(1),
                "_zeros": _fill_value(0), "_ones": _fill_value(1), "_full": _full_op,
                "broadcast_to": _broadcast_op, "broadcast_like": _broadcast_op,
                "broadcast_axis": _broadcast_op, "_backward_sum": _backward_reduce_op,
                "_backward_mean": _backward_reduce_op, "_reduce_sum_like": _reduce_sum_like_op,
                "transpose": _transpose_op, "SwapAxis": _swapaxis_op, "where": _where_op,
                "_backward_where": _backward_where_op, "_arange": _host_source_op,
                "_eye": _host_source_op, "_linspace": _host_source_op})
