"""Strided views of C-contiguous device arrays: basic-index geometry, gather and scatter.

A basic index (ints, slices of any step, None, Ellipsis) of a C-contiguous array selects
elements at `offset + sum(i_d * stride_d)` of its flat buffer.  `geometry` resolves the index
on a data-less NumPy stand-in (as_strided over one element: nothing is read), so NumPy's own
rules (negative steps, clipping, errors) apply.  `gather` copies such a view into a
C-contiguous array (a device-to-device copy when the view is contiguous), `scatter` writes
a C-contiguous array into such a view.  Both kernels are compiled per ndim (the shape and
strides are tuple arguments), never per shape.

Ops: slice, slice_axis, slice_like, reverse (gather) and the slices' backward ops (zeros +
scatter), with the same Python slices their CPU kernels use (compiler/ops/tensor_slice.py).
"""
import numpy as np

from compiler.errors import MXNetIndexError, MXNetValueError
from . import codegen
from .runtime import check_array, grid_for, require

cuda = require()


@cuda.jit(cache=True)
def gather_kernel(out, src, offset, shape, strides):
    """out[i] = src[offset + sum(index_d(i) * strides[d])] over flat `out`."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    nd = len(shape)
    while i < out.size:
        rem = i
        pos = offset
        for k in range(nd):
            d = nd - 1 - k
            pos += (rem % shape[d]) * strides[d]
            rem //= shape[d]
        out[i] = src[pos]
        i += step


@cuda.jit(cache=True)
def scatter_kernel(dst, src, offset, shape, strides):
    """dst[offset + sum(index_d(i) * strides[d])] = src[i] over flat `src`."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    nd = len(shape)
    while i < src.size:
        rem = i
        pos = offset
        for k in range(nd):
            d = nd - 1 - k
            pos += (rem % shape[d]) * strides[d]
            rem //= shape[d]
        dst[pos] = src[i]
        i += step


def geometry(shape, key):
    """(offset, shape, element strides, contiguous) of basic index `key` on a C-contiguous
    array of `shape`; an all-integer index selects shape (1,) (MXNet's legacy arrays)."""
    shape = tuple(int(s) for s in shape)
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= max(d, 1)
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=shape,
                                               strides=tuple(reversed(strides)))
    items = key if isinstance(key, tuple) else (key,)
    if not any(k is Ellipsis for k in items):
        items = items + (Ellipsis,)          # a 0-d view, never a scalar
    try:
        v = stand_in[items]
    except IndexError as err:
        raise MXNetIndexError("index %r is out of bounds for shape %s: %s"
                              % (key, shape, err)) from None
    offset = v.__array_interface__["data"][0] - stand_in.__array_interface__["data"][0]
    return (int(offset), v.shape if v.ndim else (1,), tuple(int(s) for s in v.strides),
            bool(v.flags.c_contiguous))


def _flat(a):
    return a.reshape(a.size)


def _dims(shape, strides):
    return tuple(np.int64(s) for s in shape), tuple(np.int64(s) for s in strides)


def gather(src, out, offset, strides, op="slice"):
    """out (C-contiguous, its shape) = the view (offset, strides) of C-contiguous `src`."""
    check_array(op, "data", src)
    check_array(op, "out", out, dtypes=(np.dtype(src.dtype).name,))
    if not out.size:
        return out
    shape = tuple(out.shape)
    c_strides = geometry(shape, ())[2]
    if all(s == c or n == 1 for s, c, n in zip(strides, c_strides, shape)):
        out.copy_to_device(_flat(src)[offset:offset + out.size].reshape(shape))
        return out
    dims, st = _dims(shape, strides)
    gather_kernel[grid_for(out.size)](_flat(out), _flat(src), np.int64(offset), dims, st)
    return out


def scatter(dst, src, offset, strides, op="_backward_slice"):
    """The view (offset, strides, src's shape) of C-contiguous `dst` = `src`."""
    check_array(op, "out", dst)
    check_array(op, "ograd", src, dtypes=(np.dtype(dst.dtype).name,))
    if not src.size:
        return dst
    if len(strides) != len(src.shape):
        raise MXNetValueError("%s: %d strides for a %d-d array" % (op, len(strides),
                                                                 len(src.shape)))
    dims, st = _dims(tuple(src.shape), strides)
    scatter_kernel[grid_for(src.size)](_flat(dst), _flat(src), np.int64(offset), dims, st)
    return dst


def _slicer_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    key = op.key(attrs, [tuple(a.shape) for a in inputs])
    offset, shape, strides, _ = geometry(tuple(x.shape), key)
    if tuple(shape) != tuple(out.shape):
        raise MXNetValueError("%s: output has shape %s, the slice %s" % (op.name,
                                                                       tuple(out.shape), shape))
    gather(x, out, offset, strides, op=op.name)


def _slice_backward_op(op, attrs, inputs, outputs, octx):
    og, x = inputs
    out = outputs[0]
    if op.name == "_backward_slice_like":
        key = tuple(slice(0, n) for n in og.shape)
    else:
        key = op.key(attrs, tuple(x.shape))
    offset, shape, strides, _ = geometry(tuple(out.shape), key)
    if tuple(shape) != tuple(og.shape):
        raise MXNetValueError("%s: ograd has shape %s, the slice %s" % (op.name,
                                                                      tuple(og.shape), shape))
    codegen.fill(out, 0, op=op.name)
    scatter(out, og, offset, strides, op=op.name)


def _reverse_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    flips = op._flips(attrs, tuple(x.shape))
    key = tuple(slice(None, None, -1) if f else slice(None) for f in flips)
    offset, _, strides, _ = geometry(tuple(x.shape), key)
    gather(x, out, offset, strides, op=op.name)


KERNELS = {"reverse": _reverse_op, "slice": _slicer_op, "slice_axis": _slicer_op, "slice_like": _slicer_op,
           "_backward_slice": _slice_backward_op, "_backward_slice_axis": _slice_backward_op,
           "_backward_slice_like": _slice_backward_op}
