"""CPU pooling and nearest-neighbour upsampling kernels (Numba).

Pooling works on 4-D views (N*C, D, H, W): 1-D and 2-D pooling are 3-D pooling with unit
leading dims.  The geometry is one runtime tuple g = (kd, kh, kw, sd, sh, sw, pd, ph, pw),
so each function compiles once per dtype.  Window semantics follow MXNet 1.9.1's CPU pool.h:
a window is clipped to [0, size); the avg divisor counts the window clipped only at
size + pad (count_include_pad) or the clipped window (count_include_pad=False); an empty
window gives 0 (lowest() for max); max backward routes to the first maximum in row-major
window order.

Forward and avg/sum/lp backward run over whole output rows: for each kernel offset along W
the valid outputs form one range, so the innermost loop is a strided streaming loop with no
bounds tests (max 2x2 on 64x20x24x24: ~2x faster than a per-output window loop).  Large
inputs are split into blocks of (sample, channel) planes run on the pool of
kernels/cpu/threads.py (a `prange` variant was slower: OpenMP threads fought OpenBLAS's
spinning ones, which the pool avoids).
"""
import numpy as np
from numba import njit

from . import threads

PARALLEL_MIN = 1 << 16      # input elements from which a pooling is split over the pool

MAX, AVG, SUM, LP = 0, 1, 2, 3
MODES = {"max": MAX, "avg": AVG, "sum": SUM, "lp": LP}


@njit(cache=True, nogil=True, error_model='numpy')
def _window(o, stride, pad, k, size):
    """(clipped start, clipped end, length clipped only at size + pad)."""
    start = o * stride - pad
    end = min(start + k, size + pad)
    full = end - start
    return max(start, 0), min(end, size), full


@njit(cache=True, nogil=True, error_model='numpy')
def _valid_range(k_off, stride, size, n_out):
    """[lo, hi): outputs o with 0 <= o*stride + k_off < size."""
    lo = 0
    if k_off < 0:
        lo = (-k_off + stride - 1) // stride
    hi = (size - 1 - k_off) // stride + 1
    hi = min(hi, n_out)
    lo = min(lo, n_out)
    return lo, max(hi, lo)


@njit(cache=True, nogil=True, error_model='numpy')
def _divisors(div, o1, o2, g, D, H, W, include_pad):
    """div[o3] = the avg divisor of output (o1, o2, o3); 0 for an empty window."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    a0, a1, fa = _window(o1, sd, pd, kd, D)
    b0, b1, fb = _window(o2, sh, ph, kh, H)
    for o3 in range(div.shape[0]):
        c0, c1, fc = _window(o3, sw, pw, kw, W)
        if a1 <= a0 or b1 <= b0 or c1 <= c0:
            div[o3] = 0
        elif include_pad:
            div[o3] = fa * fb * fc
        else:
            div[o3] = (a1 - a0) * (b1 - b0) * (c1 - c0)


# Arrays are indexed through flat views with unsigned indices (no per-element negative-index
# wraparound test, so the row loops vectorize); indices are in range by construction.

@njit(cache=True, nogil=True, error_model='numpy')
def pool_forward(x, y, g, mode, p, include_pad, lowest):
    """y (Q, OD, OH, OW) = pooling of x (Q, D, H, W)."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    D, H, W = x.shape[1], x.shape[2], x.shape[3]
    OD, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    xf = x.reshape(x.size)
    yf = y.reshape(y.size)
    acc = np.empty(OW, np.float64)
    div = np.empty(OW, np.int64)
    for q in range(x.shape[0]):
        for o1 in range(OD):
            a0, a1, fa = _window(o1, sd, pd, kd, D)
            for o2 in range(OH):
                b0, b1, fb = _window(o2, sh, ph, kh, H)
                yb = ((q * OD + o1) * OH + o2) * OW
                if mode == MAX:
                    for o3 in range(OW):
                        yf[np.uint64(yb + o3)] = lowest
                    for i1 in range(a0, a1):
                        for i2 in range(b0, b1):
                            for e in range(kw):
                                off = e - pw
                                lo, hi = _valid_range(off, sw, W, OW)
                                xb = ((q * D + i1) * H + i2) * W + off
                                for o3 in range(lo, hi):
                                    v = xf[np.uint64(xb + o3 * sw)]
                                    m = yf[np.uint64(yb + o3)]
                                    yf[np.uint64(yb + o3)] = v if v > m else m
                    continue
                acc[:] = 0.0
                for i1 in range(a0, a1):
                    for i2 in range(b0, b1):
                        for e in range(kw):
                            off = e - pw
                            lo, hi = _valid_range(off, sw, W, OW)
                            xb = ((q * D + i1) * H + i2) * W + off
                            if mode == LP and p == 2:
                                for o3 in range(lo, hi):
                                    v = xf[np.uint64(xb + o3 * sw)]
                                    acc[o3] += v * v
                            elif mode == LP and p == 3:
                                for o3 in range(lo, hi):
                                    v = xf[np.uint64(xb + o3 * sw)]
                                    acc[o3] += v * v * v
                            else:
                                for o3 in range(lo, hi):
                                    acc[o3] += xf[np.uint64(xb + o3 * sw)]
                if mode == AVG:
                    _divisors(div, o1, o2, g, D, H, W, include_pad)
                    for o3 in range(OW):
                        yf[np.uint64(yb + o3)] = acc[o3] / div[o3] if div[o3] > 0 else 0.0
                elif mode == LP and p == 2:
                    for o3 in range(OW):
                        yf[np.uint64(yb + o3)] = np.sqrt(acc[o3])
                elif mode == LP and p == 3:
                    for o3 in range(OW):
                        yf[np.uint64(yb + o3)] = np.cbrt(acc[o3])
                else:
                    for o3 in range(OW):
                        yf[np.uint64(yb + o3)] = acc[o3]


@njit(cache=True, nogil=True, error_model='numpy')
def _max_grad(og, x, y, dx, q, g):
    """Route each output gradient to the first element of its window (row-major order) that
    equals the output, as MXNet's unpool_max does.  (A row-at-a-time variant tracking the
    first match per output was 2x slower: its inner loop branches on every element.)"""
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    D, H, W = x.shape[1], x.shape[2], x.shape[3]
    OD, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    xf = x.reshape(x.size)
    df = dx.reshape(dx.size)
    yf = y.reshape(y.size)
    gf = og.reshape(og.size)
    for o1 in range(OD):
        a0, a1, fa = _window(o1, sd, pd, kd, D)
        for o2 in range(OH):
            b0, b1, fb = _window(o2, sh, ph, kh, H)
            yb = ((q * OD + o1) * OH + o2) * OW
            for o3 in range(OW):
                c0, c1, fc = _window(o3, sw, pw, kw, W)
                yv = yf[np.uint64(yb + o3)]
                found = False
                for i1 in range(a0, a1):
                    for i2 in range(b0, b1):
                        xb = ((q * D + i1) * H + i2) * W
                        for i3 in range(c0, c1):
                            if xf[np.uint64(xb + i3)] == yv:
                                df[np.uint64(xb + i3)] += gf[np.uint64(yb + o3)]
                                found = True
                                break
                        if found:
                            break
                    if found:
                        break


@njit(cache=True, nogil=True, error_model='numpy')
def pool_backward(og, x, y, dx, g, mode, p, include_pad):
    """dx (zeroed by the caller) += the gradient of pool_forward."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    D, H, W = x.shape[1], x.shape[2], x.shape[3]
    OD, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    xf = x.reshape(x.size)
    df = dx.reshape(dx.size)
    yf = y.reshape(y.size)
    gf = og.reshape(og.size)
    gs = np.empty(OW, np.float64)
    div = np.empty(OW, np.int64)
    for q in range(x.shape[0]):
        if mode == MAX:
            _max_grad(og, x, y, dx, q, g)
            continue
        for o1 in range(OD):
            a0, a1, fa = _window(o1, sd, pd, kd, D)
            for o2 in range(OH):
                b0, b1, fb = _window(o2, sh, ph, kh, H)
                yb = ((q * OD + o1) * OH + o2) * OW
                if mode == AVG:
                    _divisors(div, o1, o2, g, D, H, W, include_pad)
                    for o3 in range(OW):
                        gs[o3] = gf[np.uint64(yb + o3)] / div[o3] if div[o3] > 0 else 0.0
                else:
                    for o3 in range(OW):
                        gs[o3] = gf[np.uint64(yb + o3)]
                for i1 in range(a0, a1):
                    for i2 in range(b0, b1):
                        for e in range(kw):
                            off = e - pw
                            lo, hi = _valid_range(off, sw, W, OW)
                            xb = ((q * D + i1) * H + i2) * W + off
                            if mode == LP and p > 1:
                                for o3 in range(lo, hi):
                                    if gs[o3] != 0:
                                        i = np.uint64(xb + o3 * sw)
                                        r = xf[i] / yf[np.uint64(yb + o3)]
                                        df[i] += gs[o3] * (r if p == 2 else r * r)
                            else:
                                for o3 in range(lo, hi):
                                    df[np.uint64(xb + o3 * sw)] += gs[o3]


def as4d(arr):
    """(N, C, *spatial) -> a (N*C, D, H, W) view."""
    extra = 5 - arr.ndim
    return arr.reshape((arr.shape[0] * arr.shape[1],) + (1,) * extra + arr.shape[2:])


def pool_geometry(kernel, stride, pad):
    lead = 3 - len(kernel)
    return tuple(int(v) for v in ((1,) * lead + tuple(kernel) + (1,) * lead + tuple(stride)
                                  + (0,) * lead + tuple(pad)))


def _planes(x, fn):
    """fn(q0, q1) over blocks of the Q planes: on the pool for large inputs."""
    Q = x.shape[0]
    n = threads.num_threads() if x.size >= PARALLEL_MIN else 1
    parts = threads.blocks(Q, 4 * n)
    if len(parts) > 1:
        threads.parallel_for(len(parts), lambda i: fn(*parts[i]))
    else:
        fn(0, Q)


def pooling(x, y, g, mode, p, include_pad, lowest=None):
    """lowest: what an empty max window gives (the data dtype's lowest by default)."""
    lowest = x.dtype.type(np.finfo(x.dtype).min if lowest is None else lowest)
    x4, y4, m = as4d(x), as4d(y), MODES[mode]
    _planes(x4, lambda a, b: pool_forward(x4[a:b], y4[a:b], g, m, int(p), bool(include_pad),
                                          lowest))


def pooling_grad(og, x, y, dx, g, mode, p, include_pad):
    og4, x4, y4, dx4, m = as4d(og), as4d(x), as4d(y), as4d(dx), MODES[mode]

    def run(a, b):
        dx4[a:b] = 0
        pool_backward(og4[a:b], x4[a:b], y4[a:b], dx4[a:b], g, m, int(p), bool(include_pad))
    _planes(x4, run)


# --- nearest-neighbour upsampling ------------------------------------------------------

@njit(cache=True, nogil=True, error_model='numpy')
def upsample_nearest(x, y, c_off, s, accumulate):
    """y[n, c_off + c, i, j] (+)= x[n, c, i // s, j // s]."""
    N, C = x.shape[0], x.shape[1]
    OH, OW = y.shape[2], y.shape[3]
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    v = x[n, c, i // s, j // s]
                    if accumulate:
                        y[n, c_off + c, i, j] += v
                    else:
                        y[n, c_off + c, i, j] = v


@njit(cache=True, nogil=True, error_model='numpy')
def upsample_nearest_grad(dy, dx, c_off, s):
    """dx[n, c, i, j] = sum of the s x s block of dy[n, c_off + c] it was copied to."""
    N, C, H, W = dx.shape
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    acc = 0.0
                    for a in range(s):
                        for b in range(s):
                            acc += dy[n, c_off + c, i * s + a, j * s + b]
                    dx[n, c, i, j] = acc
