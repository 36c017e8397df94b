"""Normalization kernels (BatchNorm, InstanceNorm, LayerNorm), CPU / Numba.

Channel kernels see the data as a C-contiguous 3-d view (outer, C, inner) and work per
channel c (BatchNorm: (N, C, H*W); InstanceNorm: (1, N*C, H*W), one "channel" per
instance and channel; LayerNorm statistics: (1, rows, n)).  Row kernels see LayerNorm's
(rows, n) view with gamma/beta per column.  Statistics are accumulated in float64 and
passed around as float64 arrays of length C (or rows); data stays in its dtype (float32
or float64; float16 is widened by the caller).  Each kernel has a serial and a `prange`
variant; callers pick the parallel one above PARALLEL_MIN elements.  Compiled per dtype
and layout, never per shape.
"""

import numpy as np
from numba import njit, prange

PARALLEL_MIN = 1 << 16
_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}   # keeps NaN/Inf semantics
_SER = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
_PAR = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM, parallel=True)
_INL = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM, inline="always")


# --- per-channel statistics: mean and biased variance over (outer, inner) ---------------

@njit(**_INL)
def _stats_one(x, c, mean, var):
    outer, inner = x.shape[0], x.shape[2]
    s = 0.0
    for o in range(outer):
        for i in range(inner):
            s += x[o, c, i]
    m = s / max(outer * inner, 1)
    q = 0.0
    for o in range(outer):
        for i in range(inner):
            d = x[o, c, i] - m
            q += d * d
    mean[c] = m
    var[c] = q / max(outer * inner, 1)


@njit(**_SER)
def channel_stats(x, mean, var):
    for c in range(x.shape[1]):
        _stats_one(x, c, mean, var)


@njit(**_PAR)
def channel_stats_par(x, mean, var):
    for c in prange(x.shape[1]):
        _stats_one(x, c, mean, var)


# --- out = (x - mean[c]) * a[c] + b[c] ------------------------------------------------------

@njit(**_INL)
def _affine_one(x, mean, a, b, out, oc):
    C = x.shape[1]
    o = oc // C
    c = oc - o * C
    m = mean[c]
    s = a[c]
    t = b[c]
    for i in range(x.shape[2]):
        out[o, c, i] = (x[o, c, i] - m) * s + t


@njit(**_SER)
def channel_affine(x, mean, a, b, out):
    for oc in range(x.shape[0] * x.shape[1]):
        _affine_one(x, mean, a, b, out, oc)


@njit(**_PAR)
def channel_affine_par(x, mean, a, b, out):
    for oc in prange(x.shape[0] * x.shape[1]):
        _affine_one(x, mean, a, b, out, oc)


# --- backward sums: sum(og), sum(og * (x - mean)) per channel ----------------------------

@njit(**_INL)
def _bwd_sums_one(og, x, mean, sum_og, sum_og_xmu, c):
    m = mean[c]
    s1 = 0.0
    s2 = 0.0
    for o in range(x.shape[0]):
        for i in range(x.shape[2]):
            g = og[o, c, i]
            s1 += g
            s2 += g * (x[o, c, i] - m)
    sum_og[c] = s1
    sum_og_xmu[c] = s2


@njit(**_SER)
def channel_bwd_sums(og, x, mean, sum_og, sum_og_xmu):
    for c in range(x.shape[1]):
        _bwd_sums_one(og, x, mean, sum_og, sum_og_xmu, c)


@njit(**_PAR)
def channel_bwd_sums_par(og, x, mean, sum_og, sum_og_xmu):
    for c in prange(x.shape[1]):
        _bwd_sums_one(og, x, mean, sum_og, sum_og_xmu, c)


# --- dx = og * k1[c] + (x - mean[c]) * k2[c] + k3[c] ------------------------------------

@njit(**_INL)
def _bwd_apply_one(og, x, mean, k1, k2, k3, dx, oc):
    C = x.shape[1]
    o = oc // C
    c = oc - o * C
    m = mean[c]
    a = k1[c]
    b = k2[c]
    t = k3[c]
    for i in range(x.shape[2]):
        dx[o, c, i] = og[o, c, i] * a + (x[o, c, i] - m) * b + t


@njit(**_SER)
def channel_bwd_apply(og, x, mean, k1, k2, k3, dx):
    for oc in range(x.shape[0] * x.shape[1]):
        _bwd_apply_one(og, x, mean, k1, k2, k3, dx, oc)


@njit(**_PAR)
def channel_bwd_apply_par(og, x, mean, k1, k2, k3, dx):
    for oc in prange(x.shape[0] * x.shape[1]):
        _bwd_apply_one(og, x, mean, k1, k2, k3, dx, oc)


# --- LayerNorm rows: gamma / beta per column ----------------------------------------------

@njit(**_INL)
def _ln_fwd_row(x, mean, rstd, g, b, out, r):
    m = mean[r]
    s = rstd[r]
    for j in range(x.shape[1]):
        out[r, j] = (x[r, j] - m) * s * g[j] + b[j]


@njit(**_SER)
def layernorm_apply(x, mean, rstd, g, b, out):
    for r in range(x.shape[0]):
        _ln_fwd_row(x, mean, rstd, g, b, out, r)


@njit(**_PAR)
def layernorm_apply_par(x, mean, rstd, g, b, out):
    for r in prange(x.shape[0]):
        _ln_fwd_row(x, mean, rstd, g, b, out, r)


@njit(**_INL)
def _ln_bwd_row(og, x, mean, rstd, g, dx, r):
    n = x.shape[1]
    m = mean[r]
    s = rstd[r]
    a = 0.0                       # sum(og * g)
    b = 0.0                       # sum(og * g * xhat)
    for j in range(n):
        d = og[r, j] * g[j]
        a += d
        b += d * ((x[r, j] - m) * s)
    a /= n
    b /= n
    for j in range(n):
        xh = (x[r, j] - m) * s
        dx[r, j] = s * (og[r, j] * g[j] - a - xh * b)


@njit(**_SER)
def layernorm_bwd(og, x, mean, rstd, g, dx):
    for r in range(x.shape[0]):
        _ln_bwd_row(og, x, mean, rstd, g, dx, r)


@njit(**_PAR)
def layernorm_bwd_par(og, x, mean, rstd, g, dx):
    for r in prange(x.shape[0]):
        _ln_bwd_row(og, x, mean, rstd, g, dx, r)


@njit(**_SER)
def layernorm_param_grads(og, x, mean, rstd, dg, db):
    """dg[j] = sum_r og * xhat, db[j] = sum_r og (float64 accumulators, rows outer)."""
    n = x.shape[1]
    for j in range(n):
        dg[j] = 0.0
        db[j] = 0.0
    for r in range(x.shape[0]):
        m = mean[r]
        s = rstd[r]
        for j in range(n):
            g = og[r, j]
            db[j] += g
            dg[j] += g * ((x[r, j] - m) * s)


# --- launchers ------------------------------------------------------------------------

def _pick(size, serial, parallel):
    return parallel if size >= PARALLEL_MIN else serial


def stats(x3):
    """(mean, var) float64 per channel of the (outer, C, inner) view x3."""
    mean = np.empty(x3.shape[1])
    var = np.empty(x3.shape[1])
    if x3.shape[1]:
        _pick(x3.size, channel_stats, channel_stats_par)(x3, mean, var)
    return mean, var


def affine(x3, mean, a, b, out3):
    """out3 = (x3 - mean[c]) * a[c] + b[c] (coefficients cast to the data dtype)."""
    t = x3.dtype.type
    if x3.size:
        _pick(x3.size, channel_affine, channel_affine_par)(
            x3, mean.astype(t), a.astype(t), b.astype(t), out3)


def bwd_sums(og3, x3, mean):
    """(sum(og), sum(og * (x - mean))) float64 per channel."""
    s1 = np.empty(x3.shape[1])
    s2 = np.empty(x3.shape[1])
    if x3.shape[1]:
        _pick(x3.size, channel_bwd_sums, channel_bwd_sums_par)(og3, x3, mean.astype(x3.dtype),
                                                               s1, s2)
    return s1, s2


def bwd_apply(og3, x3, mean, k1, k2, k3, dx3):
    t = x3.dtype.type
    if x3.size:
        _pick(x3.size, channel_bwd_apply, channel_bwd_apply_par)(
            og3, x3, mean.astype(t), k1.astype(t), k2.astype(t), k3.astype(t), dx3)


def ln_apply(x2, mean, rstd, g, b, out2):
    t = x2.dtype.type
    if x2.size:
        _pick(x2.size, layernorm_apply, layernorm_apply_par)(
            x2, mean.astype(t), rstd.astype(t), g.astype(t), b.astype(t), out2)


def ln_backward(og2, x2, mean, rstd, g, dx2):
    """dx2 and (dgamma, dbeta) float64 for LayerNorm rows."""
    t = x2.dtype.type
    m, s, gg = mean.astype(t), rstd.astype(t), g.astype(t)
    dg = np.zeros(x2.shape[1])
    db = np.zeros(x2.shape[1])
    if x2.size:
        _pick(x2.size, layernorm_bwd, layernorm_bwd_par)(og2, x2, m, s, gg, dx2)
        layernorm_param_grads(og2, x2, m, s, dg, db)
    return dg, db
