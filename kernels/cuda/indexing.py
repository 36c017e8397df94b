"""CUDA take / Embedding / one_hot and take's gradient (scatter-add), MXNet 1.9.1 rules.

Indices of any numeric dtype (MXNet passes ids as float32) are first normalized on the
device into int64 rows in [0, n): truncated toward zero, then clipped ('clip', Embedding)
or wrapped with Python's modulo ('wrap'); mode 'raise' runs a check kernel and reads one
flag back, raising MXNetIndexError naming the first bad index (the only host read, since
index values are data).  Gathers see `a` as (outer, n, inner) and write (outer, m, inner);
the scatter-add of the gradient zeroes the result and adds with atomics (repeated indices
accumulate).  one_hot writes on_value where trunc(index) == j, off_value elsewhere.  pick
reads one element per (pre, post) position of a (pre, n, post) view; its gradient writes
og there (one position each, no atomics).
"""
import numpy as np

from compiler.errors import MXNetIndexError, MXNetValueError
from . import codegen
from .runtime import check_array, grid_for, require, same_dtype, FLOATS, NUMERIC

cuda = require()
CLIP, WRAP = 0, 1


@cuda.jit(cache=True)
def normalize_kernel(indices, out, n, mode):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < indices.size:
        v = indices[i]
        t = np.int64(v) if v == v else np.int64(0)
        if mode == WRAP:
            t = t % n
            if t < 0:
                t += n
        else:
            t = min(max(t, np.int64(0)), n - 1)
        out[i] = t
        i += step


@cuda.jit(cache=True)
def check_kernel(indices, n, first_bad):
    """first_bad[0] = the smallest position whose index is outside [0, n-1] (else size)."""
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < indices.size:
        v = indices[i]
        if not (v >= 0 and v <= n - 1):
            cuda.atomic.min(first_bad, 0, i)
        i += step


@cuda.jit(cache=True)
def gather_kernel(a, idx, out, n, m, inner):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < out.size:
        i = k % inner
        r = k // inner
        j = r % m
        o = r // m
        out[k] = a[(o * n + idx[j]) * inner + i]
        k += step


@cuda.jit(cache=True)
def scatter_add_kernel(grad, idx, og, n, m, inner):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < og.size:
        i = k % inner
        r = k // inner
        j = r % m
        o = r // m
        cuda.atomic.add(grad, (o * n + idx[j]) * inner + i, og[k])
        k += step


@cuda.jit(cache=True)
def pick_kernel(a, idx, out, n, post):
    """out[o, i] = a[o, idx[o, i], i] over a (pre, n, post) view."""
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < out.size:
        out[k] = a[((k // post) * n + idx[k]) * post + k % post]
        k += step


@cuda.jit(cache=True)
def pick_backward_kernel(grad, idx, og, n, post):
    """grad[o, idx[o, i], i] = og[o, i] (one position per (o, i): no atomics)."""
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < og.size:
        grad[((k // post) * n + idx[k]) * post + k % post] = og[k]
        k += step


@cuda.jit(cache=True)
def one_hot_kernel(indices, out, depth, on, off):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < out.size:
        j = k % depth
        v = indices[k // depth]
        hit = v == v and v > -1 and v < depth and np.int64(v) == j
        out[k] = on if hit else off
        k += step


def normalize(indices, n, mode="clip", axis=0, op="take"):
    """Device int64 rows in [0, n) for `indices` (any numeric device array)."""
    check_array(op, "indices", indices, dtypes=NUMERIC + ("float16",))
    flat = indices.reshape(indices.size)
    out = cuda.device_array(max(indices.size, 1), np.int64)
    if indices.size == 0:
        return out
    if n == 0:
        raise MXNetValueError("%s: cannot take from axis %d of size 0" % (op, axis))
    if mode == "raise":
        first = cuda.to_device(np.array([indices.size], np.int64))
        check_kernel[grid_for(indices.size)](flat, n, first)
        pos = int(first.copy_to_host()[0])
        if pos < indices.size:
            value = flat[pos:pos + 1].copy_to_host()[0]
            raise MXNetIndexError("%s: index %s is out of bounds for axis %d with size %d "
                                  "(mode='raise')" % (op, value, axis, n))
    normalize_kernel[grid_for(indices.size)](flat, out, n, WRAP if mode == "wrap" else CLIP)
    return out


def _split(shape, axis):
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


def take(a, indices, out, axis=0, mode="clip", op="take"):
    """out = take(a, indices, axis) on device arrays."""
    check_array(op, "a", a)
    shape = tuple(a.shape)
    if not shape:
        raise MXNetValueError("%s: a must have at least one dimension" % op)
    axis = axis % len(shape)
    want = shape[:axis] + tuple(indices.shape) + shape[axis + 1:]
    check_array(op, "out", out, shape=want, dtypes=(np.dtype(a.dtype).name,))
    idx = normalize(indices, shape[axis], mode, axis, op)
    if out.size:
        outer, n, inner = _split(shape, axis)
        gather_kernel[grid_for(out.size)](a.reshape(a.size), idx, out.reshape(out.size), n,
                                          indices.size, inner)
    return out


def take_backward(og, indices, grad, axis=0, mode="clip", op="_backward_take"):
    """grad (a's shape) = zeros, then og scatter-added at the normalized indices."""
    check_array(op, "grad", grad, dtypes=FLOATS)
    check_array(op, "ograd", og, dtypes=FLOATS)
    same_dtype(op, [("ograd", og), ("grad", grad)])
    shape = tuple(grad.shape)
    axis = axis % len(shape)
    want = shape[:axis] + tuple(indices.shape) + shape[axis + 1:]
    if tuple(og.shape) != want:
        raise MXNetValueError("%s: ograd shape %s does not match %s" % (op, tuple(og.shape), want))
    codegen.fill(grad, 0, op=op)
    idx = normalize(indices, shape[axis], mode, axis, op)
    if og.size:
        outer, n, inner = _split(shape, axis)
        scatter_add_kernel[grid_for(og.size)](grad.reshape(grad.size), idx, og.reshape(og.size),
                                              n, indices.size, inner)
    return grad


def one_hot(indices, out, depth, on_value=1.0, off_value=0.0, op="one_hot"):
    check_array(op, "indices", indices, dtypes=NUMERIC + ("float16",))
    check_array(op, "out", out, shape=tuple(indices.shape) + (depth,))
    if out.size:
        ty = np.dtype(out.dtype).type
        one_hot_kernel[grid_for(out.size)](indices.reshape(indices.size), out.reshape(out.size),
                                           depth, ty(on_value), ty(off_value))
    return out


def _pick_view(op, attrs, data, index):
    from compiler.ops.registry import normalize_axis
    shape = tuple(data.shape)
    ax = normalize_axis(attrs.axis, len(shape))
    outer, n, post = _split(shape, ax)
    if index.size and n == 0:
        raise MXNetValueError("%s: cannot pick from axis %d of size 0" % (op, ax))
    return n, post, normalize(index, max(n, 1), attrs.mode, ax, op)


def pick(attrs, data, index, out, op="pick"):
    """out = pick(data, index, axis, mode) on device arrays (keepdims only shapes out)."""
    check_array(op, "data", data)
    check_array(op, "out", out, dtypes=(np.dtype(data.dtype).name,))
    n, post, idx = _pick_view(op, attrs, data, index)
    if out.size:
        pick_kernel[grid_for(out.size)](data.reshape(data.size), idx, out.reshape(out.size),
                                        n, post)
    return out


def pick_backward(attrs, og, index, grad, op="_backward_pick"):
    """grad (data's shape) = zeros with og at the picked positions."""
    check_array(op, "ograd", og)
    check_array(op, "grad", grad)
    n, post, idx = _pick_view(op, attrs, grad, index)
    codegen.fill(grad, 0, op=op)
    if og.size:
        pick_backward_kernel[grid_for(og.size)](grad.reshape(grad.size), idx,
                                                og.reshape(og.size), n, post)
    return grad


# --- op adapters -----------------------------------------------------------------------------

def _take_op(op, attrs, inputs, outputs, octx):
    take(inputs[0], inputs[1], outputs[0], attrs.axis, attrs.mode, op=op.name)


def _take_backward_op(op, attrs, inputs, outputs, octx):
    take_backward(inputs[0], inputs[1], outputs[0], attrs.axis, attrs.mode, op=op.name)


def _embedding_op(op, attrs, inputs, outputs, octx):
    take(inputs[1], inputs[0], outputs[0], 0, "clip", op=op.name)


def _one_hot_op(op, attrs, inputs, outputs, octx):
    one_hot(inputs[0], outputs[0], attrs.depth, attrs.on_value, attrs.off_value, op=op.name)


def _pick_op(op, attrs, inputs, outputs, octx):
    pick(attrs, inputs[0], inputs[1], outputs[0], op=op.name)


def _pick_backward_op(op, attrs, inputs, outputs, octx):
    pick_backward(attrs, inputs[0], inputs[1], outputs[0], op=op.name)


KERNELS = {"take": _take_op, "_backward_take": _take_backward_op, "Embedding": _embedding_op,
           "one_hot": _one_hot_op, "pick": _pick_op, "_backward_pick": _pick_backward_op}
