"""Row-wise softmax / log-softmax kernels and their backward passes (CPU, Numba).

Every kernel sees the input as a 3-d C-contiguous view (outer, n, inner) where `n` is the
softmax axis: inner == 1 (softmax over the last axis) runs the contiguous row kernels,
other layouts run the strided variants that keep `inner` running maxima/sums in a small
buffer so the innermost loop stays contiguous.  `scale` multiplies the input before the
exponential (1/temperature, negated for softmin).  `lengths` (int64, one per (outer,
inner) row, already clipped to [0, n]) masks positions >= length to 0; pass an empty
array when unused.  Each kernel has a serial and a `prange` variant: `launch_*` picks
the parallel one above PARALLEL_MIN elements only (a parallel launch costs more than it
saves on small inputs).  Compiled per (dtype, layout), never per shape.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

PARALLEL_MIN = 1 << 16
_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}   # keeps NaN/Inf semantics
_SER = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
_PAR = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM, parallel=True)
_INL = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM, inline="always")


# --- a SIMD-friendly exp ------------------------------------------------------------------
# libm's expf is a call the loop vectorizer cannot widen; this Cephes-style expf (range
# reduction by ln2, degree-7 polynomial, 2^n built in the exponent bits) vectorizes and is
# accurate to ~2 ulp.  float64 keeps math.exp.

@intrinsic
def _i32_as_f32(typingctx, i):
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return sig, codegen


@njit(**_SER)
def expf_fast(x):
    xc = min(max(x, np.float32(-87.33654)), np.float32(88.72283))
    n = min(math.floor(xc * np.float32(1.44269504) + np.float32(0.5)), np.float32(127.0))
    r = xc - n * np.float32(0.693359375) + n * np.float32(2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * (r * r) + r + np.float32(1.0)
    y = p * _i32_as_f32((np.int32(n) + np.int32(127)) << np.int32(23))
    if x < np.float32(-87.33654):
        y = np.float32(0.0)
    if x > np.float32(88.72283):
        y = np.float32(np.inf)
    return y if x == x else x


def fexp(x):
    """exp(x): expf_fast for float32, math.exp otherwise (njit only)."""
    return math.exp(x)


@overload(fexp, jit_options=dict(fastmath=_FM, error_model="numpy"))
def _fexp_impl(x):
    if x == types.float32:
        return lambda x: expf_fast(x)
    return lambda x: math.exp(x)


def zero_of(x):
    """A zero of x's type (njit only): float32 accumulators stay float32 (SIMD)."""
    return 0.0


@overload(zero_of)
def _zero_of_impl(x):
    if x == types.float32:
        return lambda x: np.float32(0.0)
    return lambda x: 0.0


# --- contiguous rows (softmax over the last axis) ------------------------------------

@njit(**_INL)
def _fwd_row(x, out, r, scale, length, log):
    n = x.shape[1]
    for j in range(length, n):
        out[r, j] = 0
    if length == 0:
        return
    m = x[r, 0] * scale              # the row's dtype: float32 rows stay float32 (SIMD exp)
    for j in range(1, length):
        v = x[r, j] * scale
        if v > m:
            m = v
    s = zero_of(m)
    if log:
        for j in range(length):
            s += fexp(x[r, j] * scale - m)
        ls = math.log(s)
        for j in range(length):
            out[r, j] = x[r, j] * scale - m - ls
    else:
        for j in range(length):
            e = fexp(x[r, j] * scale - m)
            out[r, j] = e
            s += e
        for j in range(length):
            out[r, j] = out[r, j] / s          # arcp: one reciprocal, then multiplies


@njit(**_INL)
def _bwd_row(og, y, dx, r, scale, log):
    n = y.shape[1]
    s = zero_of(y[r, 0])
    if log:
        for j in range(n):
            s += og[r, j]
        for j in range(n):
            dx[r, j] = scale * (og[r, j] - fexp(y[r, j]) * s)
    else:
        for j in range(n):
            s += og[r, j] * y[r, j]
        for j in range(n):
            dx[r, j] = scale * y[r, j] * (og[r, j] - s)


@njit(**_SER)
def softmax_rows(x, out, scale, lengths, log):
    n = x.shape[1]
    for r in range(x.shape[0]):
        length = n if lengths.shape[0] == 0 else lengths[r]
        _fwd_row(x, out, r, scale, length, log)


@njit(**_PAR)
def softmax_rows_par(x, out, scale, lengths, log):
    n = x.shape[1]
    for r in prange(x.shape[0]):
        length = n if lengths.shape[0] == 0 else lengths[r]
        _fwd_row(x, out, r, scale, length, log)


@njit(**_SER)
def softmax_bwd_rows(og, y, dx, scale, log):
    for r in range(y.shape[0]):
        _bwd_row(og, y, dx, r, scale, log)


@njit(**_PAR)
def softmax_bwd_rows_par(og, y, dx, scale, log):
    for r in prange(y.shape[0]):
        _bwd_row(og, y, dx, r, scale, log)


# --- strided: (outer, n, inner), softmax over the middle axis ---------------------------

@njit(**_INL)
def _fwd_block(x, out, o, scale, lengths, log):
    n, inner = x.shape[1], x.shape[2]
    m = np.empty(inner, x.dtype)
    s = np.zeros(inner, x.dtype)
    lens = np.empty(inner, np.int64)
    for i in range(inner):
        m[i] = -np.inf
        lens[i] = n if lengths.shape[0] == 0 else lengths[o * inner + i]
    for j in range(n):
        for i in range(inner):
            v = x[o, j, i] * scale
            if j < lens[i] and v > m[i]:
                m[i] = v
    for j in range(n):
        for i in range(inner):
            if j < lens[i]:
                e = fexp(x[o, j, i] * scale - m[i])
                s[i] += e
                if not log:
                    out[o, j, i] = e
            else:
                out[o, j, i] = 0
    for i in range(inner):
        s[i] = math.log(s[i]) if log else 1.0 / s[i]
    for j in range(n):
        for i in range(inner):
            if j < lens[i]:
                if log:
                    out[o, j, i] = x[o, j, i] * scale - m[i] - s[i]
                else:
                    out[o, j, i] = out[o, j, i] * s[i]


@njit(**_INL)
def _bwd_block(og, y, dx, o, scale, log):
    n, inner = y.shape[1], y.shape[2]
    s = np.zeros(inner, y.dtype)
    for j in range(n):
        for i in range(inner):
            if log:
                s[i] += og[o, j, i]
            else:
                s[i] += og[o, j, i] * y[o, j, i]
    for j in range(n):
        for i in range(inner):
            if log:
                dx[o, j, i] = scale * (og[o, j, i] - fexp(y[o, j, i]) * s[i])
            else:
                dx[o, j, i] = scale * y[o, j, i] * (og[o, j, i] - s[i])


@njit(**_SER)
def softmax_strided(x, out, scale, lengths, log):
    for o in range(x.shape[0]):
        _fwd_block(x, out, o, scale, lengths, log)


@njit(**_PAR)
def softmax_strided_par(x, out, scale, lengths, log):
    for o in prange(x.shape[0]):
        _fwd_block(x, out, o, scale, lengths, log)


@njit(**_SER)
def softmax_bwd_strided(og, y, dx, scale, log):
    for o in range(y.shape[0]):
        _bwd_block(og, y, dx, o, scale, log)


@njit(**_PAR)
def softmax_bwd_strided_par(og, y, dx, scale, log):
    for o in prange(y.shape[0]):
        _bwd_block(og, y, dx, o, scale, log)


# --- launchers ------------------------------------------------------------------------

_NO_LENGTHS = np.empty(0, np.int64)


def _compute(a):
    """float16 is computed in float32 (Numba has no float16 arithmetic)."""
    return a.astype(np.float32) if a.dtype.char == "e" else a


def split_axis(shape, axis):
    """(outer, n, inner) for a softmax over `axis` of `shape` (axis already normalized)."""
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


def launch_forward(x, out, axis, scale, log=False, lengths=None):
    """out = (log_)softmax(x * scale) over `axis`; `lengths` masks (see module doc)."""
    outer, n, inner = split_axis(x.shape, axis)
    if x.size == 0:
        return
    xc = _compute(np.ascontiguousarray(x))
    work = out if out.dtype == xc.dtype else np.empty(out.shape, xc.dtype)
    lens = _NO_LENGTHS if lengths is None else np.ascontiguousarray(lengths, np.int64).reshape(-1)
    sc = xc.dtype.type(scale)
    par = x.size >= PARALLEL_MIN
    if inner == 1:
        fn = softmax_rows_par if par else softmax_rows
        fn(xc.reshape(outer, n), work.reshape(outer, n), sc, lens, log)
    else:
        fn = softmax_strided_par if (par and outer > 1) else softmax_strided
        fn(xc.reshape(outer, n, inner), work.reshape(outer, n, inner), sc, lens, log)
    if work is not out:
        out[...] = work


def launch_backward(og, y, dx, axis, scale, log=False):
    """dx = d(softmax)/dx applied to og, from the forward output y (see module doc)."""
    outer, n, inner = split_axis(y.shape, axis)
    if y.size == 0:
        return
    ctype = np.float64 if np.float64 in (og.dtype, y.dtype, dx.dtype) else np.float32
    ogc = np.ascontiguousarray(og, ctype)
    yc = np.ascontiguousarray(y, ctype)
    work = dx if dx.dtype == ctype else np.empty(dx.shape, ctype)
    sc = ctype(scale)
    par = y.size >= PARALLEL_MIN
    if inner == 1:
        fn = softmax_bwd_rows_par if par else softmax_bwd_rows
        fn(ogc.reshape(outer, n), yc.reshape(outer, n), work.reshape(outer, n), sc, log)
    else:
        fn = softmax_bwd_strided_par if (par and outer > 1) else softmax_bwd_strided
        fn(ogc.reshape(outer, n, inner), yc.reshape(outer, n, inner),
           work.reshape(outer, n, inner), sc, log)
    if work is not dx:
        dx[...] = work
