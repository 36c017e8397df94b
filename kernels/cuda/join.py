"""CUDA Concat / _backward_Concat / SliceChannel / stack (copies of blocks along one axis) and
argmax / argmin / argmax_channel (block per row: a (value, index) block reduction).

Arrays are (outer, n, inner) views around the axis; `axis_copy` moves src[o, s0 + j, i] to
dst[o, d0 + j, i] for j < n, one thread per element.  Arg reductions follow MXNet and NumPy:
the first NaN wins, ties keep the first index, the index is stored in the output's dtype.
"""
import numpy as np

from compiler.errors import MXNetValueError
from . import templates
from .runtime import check_array, grid_for, require, rows_grid

cuda = require()


@cuda.jit(cache=True)
def axis_copy(src, dst, outer, n, inner, src_total, src_off, dst_total, dst_off):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    total = outer * n * inner
    while k < total:
        i = k % inner
        r = k // inner
        j = r % n
        o = r // n
        dst[(o * dst_total + dst_off + j) * inner + i] = src[(o * src_total + src_off + j) * inner
                                                             + i]
        k += step


def _split(shape, axis):
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]) if axis < len(shape) else 1, inner


def _copy(src, dst, outer, n, inner, src_total, src_off, dst_total, dst_off):
    if outer * n * inner:
        axis_copy[grid_for(outer * n * inner)](src.reshape(src.size), dst.reshape(dst.size),
                                               outer, n, inner, src_total, src_off, dst_total,
                                               dst_off)


def _concat_op(op, attrs, inputs, outputs, octx):
    out = outputs[0]
    axis = attrs.dim % len(out.shape)
    outer, total, inner = _split(tuple(out.shape), axis)
    off = 0
    for x in inputs:
        check_array(op.name, "data", x, dtypes=(np.dtype(out.dtype).name,))
        n = x.shape[axis]
        _copy(x, out, outer, n, inner, n, 0, total, off)
        off += n
    if off != total:
        raise MXNetValueError("%s: inputs hold %d along axis %d, output %s" % (op.name, off, axis,
                                                                                tuple(out.shape)))


def _concat_backward_op(op, attrs, inputs, outputs, octx):
    og = inputs[0]
    axis = attrs.dim % len(og.shape)
    outer, total, inner = _split(tuple(og.shape), axis)
    off = 0
    for dx in outputs:
        n = dx.shape[axis]
        _copy(og, dx, outer, n, inner, total, off, n, 0)
        off += n


def _slice_channel_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    axis = attrs.axis % len(x.shape)
    outer, total, inner = _split(tuple(x.shape), axis)
    step = total // attrs.num_outputs
    for k, out in enumerate(outputs):
        _copy(x, out, outer, step, inner, total, k * step, step, 0)


def _stack_op(op, attrs, inputs, outputs, octx):
    out = outputs[0]
    axis = attrs.axis % len(out.shape)
    outer, total, inner = _split(tuple(out.shape), axis)
    for k, x in enumerate(inputs):
        _copy(x, out, outer, 1, inner, 1, 0, total, k)


_ARG_BODY = '''
@cuda.jit(device=True, inline=True)
def better(vb, ib, va, ia, sign):
    """Whether (vb, ib) beats (va, ia): larger (sign 1) / smaller (-1), NaN first, lower index
    on ties."""
    if vb != vb:
        return va == va or ib < ia
    if va != va:
        return False
    if vb * sign > va * sign:
        return True
    return vb == va and ib < ia


@cuda.jit(cache=True)
def arg_rows(x, out, rows, n, inner, sign):
    sv = cuda.shared.array(BLOCK, dtype=ACC)
    si = cuda.shared.array(BLOCK, dtype=np.int64)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        bi = np.int64(t if t < n else 0)
        bv = ACC(x[base + bi * inner])
        j = t + BLOCK
        while j < n:
            v = ACC(x[base + j * inner])
            if better(v, np.int64(j), bv, bi, sign):
                bv = v
                bi = np.int64(j)
            j += BLOCK
        sv[t] = bv
        si[t] = bi
        cuda.syncthreads()
        s = BLOCK // 2
        while s >= 1:
            if t < s and better(sv[t + s], si[t + s], sv[t], si[t], sign):
                sv[t] = sv[t + s]
                si[t] = si[t + s]
            cuda.syncthreads()
            s //= 2
        if t == 0:
            out[row] = si[0]
        cuda.syncthreads()
        row += cuda.gridDim.x
'''


def arg_reduce(kind, x, axis, out, op="argmax"):
    """argmax/argmin of device array x along `axis` (None: flattened) into out (its dtype)."""
    check_array(op, "data", x)
    check_array(op, "out", out)
    shape = tuple(x.shape)
    if axis is None:
        outer, n, inner = 1, x.size, 1
    else:
        outer, n, inner = _split(shape, axis)
    if n == 0:
        raise MXNetValueError("%s: cannot reduce an empty axis of shape %s" % (op, shape))
    if out.size != outer * inner:
        raise MXNetValueError("%s: output %s does not hold %d indices"
                              % (op, tuple(out.shape), outer * inner))
    acc = "float32" if np.dtype(x.dtype).name in ("float16", "float32") else "float64"
    mod = templates.load("argreduce", _ARG_BODY, acc)
    mod.arg_rows[rows_grid(outer * inner)](x.reshape(x.size), out.reshape(out.size),
                                            outer * inner, n, inner,
                                            1 if kind == "argmax" else -1)
    return out


def _arg_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    arg_reduce(op.kind, x, op._axis(attrs, tuple(x.shape)), outputs[0], op=op.name)


KERNELS = {"Concat": _concat_op, "_rnn_param_concat": _concat_op,  # Concat by another name
           "_backward_Concat": _concat_backward_op,
           "SliceChannel": _slice_channel_op, "stack": _stack_op, "argmax": _arg_op,
           "argmin": _arg_op, "argmax_channel": _arg_op}
