"""CUDA SequenceMask, SequenceLast, _backward_SequenceLast, SequenceReverse.

data is seen as (D0, D1, R): (T, N, R) for axis 0, (N, T, R) for axis 1 (R = the product of
the remaining axes); one thread per output element reads its sample's length
(sequence_length, any real or integer dtype but float16, truncated to an integer as MXNet
casts it; T for every sample without use_sequence_length).  Lengths are clamped to [0, T]
on the device (the CPU kernel raises for lengths outside it; MXNet reads past the array):
checking them here would cost a device-to-host read per call.
_backward_SequenceLast writes ograd at step length-1 and zero elsewhere (no atomics).
"""
import numpy as np

from .runtime import check_array, empty, grid_for, require, FLOATS

cuda = require()
_LENGTHS = ("float32", "float64", "int32", "int64", "uint8", "int8")


@cuda.jit(device=True, inline=True)
def _length(lengths, has_len, n, T):
    if not has_len:
        return T
    L = np.int64(lengths[n])
    return min(max(L, 0), T)


@cuda.jit(cache=True)
def mask_kernel(x, lengths, has_len, out, D1, R, axis, T, value):
    i = cuda.grid(1)
    while i < x.size:
        r = i // R
        b = r % D1
        a = r // D1
        t = a if axis == 0 else b
        n = b if axis == 0 else a
        if t < _length(lengths, has_len, n, T):
            out[i] = x[i]
        else:
            out[i] = value
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def reverse_kernel(x, lengths, has_len, out, N, R, T):
    i = cuda.grid(1)
    while i < x.size:
        q = i % R
        r = i // R
        n = r % N
        t = r // N
        L = _length(lengths, has_len, n, T)
        src = L - 1 - t if t < L else t
        out[i] = x[(src * N + n) * R + q]
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def last_kernel(x, lengths, has_len, out, D1, R, axis, T):
    """out (N, R): step length-1 of each sample (zero for length 0)."""
    j = cuda.grid(1)
    while j < out.size:
        q = j % R
        n = j // R
        L = _length(lengths, has_len, n, T)
        if L > 0:
            a = L - 1 if axis == 0 else n
            b = n if axis == 0 else L - 1
            out[j] = x[(a * D1 + b) * R + q]
        else:
            out[j] = x[0] * 0
        j += cuda.gridsize(1)


@cuda.jit(cache=True)
def last_backward_kernel(og, lengths, has_len, dx, D1, R, axis, T):
    i = cuda.grid(1)
    while i < dx.size:
        q = i % R
        r = i // R
        b = r % D1
        a = r // D1
        t = a if axis == 0 else b
        n = b if axis == 0 else a
        if t == _length(lengths, has_len, n, T) - 1:
            dx[i] = og[n * R + q]
        else:
            dx[i] = og[0] * 0
        i += cuda.gridsize(1)


def _geometry(op, attrs, x, inputs):
    check_array(op, "data", x, dtypes=FLOATS)
    if attrs.axis not in (0, 1) or len(x.shape) < 2:
        from compiler.errors import MXNetValueError
        raise MXNetValueError("%s: axis %d of data shape %s is not a time axis (0 or 1)"
                              % (op, attrs.axis, tuple(x.shape)))
    T, N = x.shape[attrs.axis], x.shape[1 - attrs.axis]
    R = int(np.prod(x.shape[2:], dtype=np.int64))
    if attrs.use_sequence_length:
        lengths = check_array(op, "sequence_length", inputs[0], dtypes=_LENGTHS, shape=(N,))
    else:
        lengths = empty((1,), np.int64)
    return int(x.shape[1]), R, int(T), lengths, bool(attrs.use_sequence_length)


def _flat(a):
    return a.reshape(a.size)


def _mask_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    D1, R, T, lengths, has = _geometry(op.name, attrs, x, inputs[1:])
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,), shape=x.shape)
    if x.size:
        mask_kernel[grid_for(x.size)](_flat(x), lengths, has, _flat(out), D1, R, attrs.axis, T,
                                      np.dtype(x.dtype).type(attrs.value))


def _reverse_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    D1, R, T, lengths, has = _geometry(op.name, attrs, x, inputs[1:])
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,), shape=x.shape)
    if x.size:
        reverse_kernel[grid_for(x.size)](_flat(x), lengths, has, _flat(out), D1, R, T)


def _last_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    D1, R, T, lengths, has = _geometry(op.name, attrs, x, inputs[1:])
    want = tuple(s for i, s in enumerate(x.shape) if i != attrs.axis)
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,), shape=want)
    if out.size and x.size:
        last_kernel[grid_for(out.size)](_flat(x), lengths, has, _flat(out), D1, R, attrs.axis,
                                        T)


def _last_backward_op(op, attrs, inputs, outputs, octx):
    og, x, dx = inputs[0], inputs[1], outputs[0]
    D1, R, T, lengths, has = _geometry(op.name, attrs, x, inputs[2:])
    want = tuple(s for i, s in enumerate(x.shape) if i != attrs.axis)
    check_array(op.name, "ograd", og, dtypes=(np.dtype(x.dtype).name,), shape=want)
    check_array(op.name, "out", dx, dtypes=(np.dtype(x.dtype).name,), shape=x.shape)
    if dx.size:
        last_backward_kernel[grid_for(dx.size)](_flat(og), lengths, has, _flat(dx), D1, R,
                                                attrs.axis, T)


KERNELS = {"SequenceMask": _mask_op, "SequenceReverse": _reverse_op, "SequenceLast": _last_op,
           "_backward_SequenceLast": _last_backward_op}
