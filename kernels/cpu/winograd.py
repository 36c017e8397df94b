"""Winograd F(2x2, 3x3) for 2-D 3x3 convolutions, stride 1, no dilation, one group.

out = A^T [ (G g G^T) . (B^T d B) ] A over 4x4 input tiles giving 2x2 output tiles: the GEMM
work is 16 (F x C) @ (C x tiles) products, 2.25x fewer flops than im2col's (F x 9C) @
(9C x P).  The input and output transforms are Numba kernels (compiled per dtype only; the
geometry is runtime), the 16 GEMMs one batched np.matmul per chunk of samples.  The weight
transform is a small Numba loop per call.  The data gradient of such a convolution is the same
convolution of the output gradient with the flipped, transposed kernel and pad 2 - pad,
so conv_backward_data uses it too (pad <= 2).  The weight gradient is the adjoint of the
forward in the transformed domain: G^T [sum over tiles (A og A^T) . (B^T d B)] G, 16
(F x tiles) @ (tiles x C) GEMMs.  Transformed planes are written 16 streams at a time; their
stride is padded (_plane) to keep the streams out of the same L1 sets.  The transforms stay
serial: `prange` versions measured no faster on the shared 2 cores.
"""
import numpy as np
from numba import njit

from .conv import scratch

CHUNK_BYTES = 1 << 22       # transformed-input bytes per chunk of samples

_G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]])


def applicable(x_shape, g, groups, min_channels):
    """2-D (D == 1) 3x3, stride 1, dilation 1, pad <= 2, one group, enough channels."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw = g[:12]
    return (groups == 1 and (kd, kh, kw) == (1, 3, 3) and (sd, sh, sw) == (1, 1, 1)
            and (dd, dh, dw) == (1, 1, 1) and pd == 0 and 0 <= ph <= 2 and 0 <= pw <= 2
            and x_shape[2] == 1 and x_shape[1] >= min_channels)


@njit(cache=True, nogil=True, error_model='numpy')
def _weight_tf(w, g, u):
    """u[i*4+j, f, c] = sum_ab g[i,a] w[f,c,a,b] g[j,b] for w (F, C, 3, 3)."""
    F, C = w.shape[0], w.shape[1]
    t = np.empty((4, 3), u.dtype)
    for f in range(F):
        for c in range(C):
            for i in range(4):
                for b in range(3):
                    t[i, b] = g[i, 0] * w[f, c, 0, b] + g[i, 1] * w[f, c, 1, b] \
                        + g[i, 2] * w[f, c, 2, b]
            for i in range(4):
                for j in range(4):
                    u[i * 4 + j, f, c] = t[i, 0] * g[j, 0] + t[i, 1] * g[j, 1] + t[i, 2] * g[j, 2]


@njit(cache=True, nogil=True, error_model='numpy')
def _weight_tf_inverse(acc, g, d):
    """d[f, c, a, b] = sum_rs g[r,a] acc[r*4+s, f, c] g[s,b]."""
    F, C = d.shape[0], d.shape[1]
    t = np.empty((3, 4), acc.dtype)
    for f in range(F):
        for c in range(C):
            for a in range(3):
                for s_ in range(4):
                    t[a, s_] = (g[0, a] * acc[s_, f, c] + g[1, a] * acc[4 + s_, f, c]
                                + g[2, a] * acc[8 + s_, f, c] + g[3, a] * acc[12 + s_, f, c])
            for a in range(3):
                for b in range(3):
                    d[f, c, a, b] = (t[a, 0] * g[0, b] + t[a, 1] * g[1, b] + t[a, 2] * g[2, b]
                                     + t[a, 3] * g[3, b])


def _work_dtype(dtype):
    return np.float64 if dtype == np.float64 else np.float32


def transform_weight(w):
    """(F, C, 3, 3) -> U (16, F, C): G w G^T (a Numba loop: G's entries are 0, +-0.5, 1, so
    float32 loses nothing)."""
    dt = _work_dtype(w.dtype)
    u = np.empty((16, w.shape[0], w.shape[1]), dt)
    _weight_tf(np.ascontiguousarray(w, dtype=dt), _G.astype(dt), u)
    return u if u.dtype == w.dtype else u.astype(w.dtype)


def inverse_transform_weight(acc, F, C):
    """(16, F, C) -> (F, C, 3, 3): G^T acc G, the weight gradient's way back."""
    d = np.empty((F, C, 3, 3), acc.dtype)
    _weight_tf_inverse(np.ascontiguousarray(acc), _G.astype(acc.dtype), d)
    return d


@njit(cache=True, nogil=True, error_model='numpy')
def pad_input(x, xp, ph, pw):
    """xp (B, C, HP, WP) = x placed at (ph, pw), zero elsewhere (every element written).
    Requires 0 <= ph, pw; input beyond HP x WP is left out."""
    B, C, H, W = x.shape
    HP, WP = xp.shape[2], xp.shape[3]
    xf = x.reshape(x.size)
    pf = xp.reshape(xp.size)
    for nc in range(B * C):
        for r in range(HP):
            dst = (nc * HP + r) * WP
            i = r - ph
            if i < 0 or i >= H:
                for q in range(WP):
                    pf[np.uint64(dst + q)] = 0
            else:
                src = (nc * H + i) * W - pw
                for q in range(pw):
                    pf[np.uint64(dst + q)] = 0
                for q in range(pw, min(pw + W, WP)):
                    pf[np.uint64(dst + q)] = xf[np.uint64(src + q)]
                for q in range(min(pw + W, WP), WP):
                    pf[np.uint64(dst + q)] = 0


@njit(cache=True, nogil=True, error_model='numpy')
def transform_input(xp, vf, plane, th, tw):
    """vf[(r, s) * plane + c * T + (n, i, j)] = (B^T d B)[r, s],
    d = xp[n, c, 2i : 2i+4, 2j : 2j+4] (vf flat, planes `plane` elements apart).

    Per tile row: B^T on 4 whole input rows (contiguous, vectorizes), then B on the columns."""
    B, C, HP, WP = xp.shape
    T = B * th * tw
    xf = xp.reshape(xp.size)
    R = np.empty(4 * WP, xp.dtype)
    p = np.uint64(plane)
    for n in range(B):
        for c in range(C):
            for i in range(th):
                r0 = ((n * C + c) * HP + 2 * i) * WP
                r1, r2, r3 = r0 + WP, r0 + 2 * WP, r0 + 3 * WP
                for q in range(WP):
                    a0 = xf[np.uint64(r0 + q)]
                    a1 = xf[np.uint64(r1 + q)]
                    a2 = xf[np.uint64(r2 + q)]
                    a3 = xf[np.uint64(r3 + q)]
                    R[np.uint64(q)] = a0 - a2
                    R[np.uint64(WP + q)] = a1 + a2
                    R[np.uint64(2 * WP + q)] = a2 - a1
                    R[np.uint64(3 * WP + q)] = a1 - a3
                base = c * T + (n * th + i) * tw
                for a in range(4):
                    ro = a * WP
                    k0 = np.uint64(base) + np.uint64(4 * a) * p
                    for j in range(tw):
                        q = ro + 2 * j
                        d0 = R[np.uint64(q)]
                        d1 = R[np.uint64(q + 1)]
                        d2 = R[np.uint64(q + 2)]
                        d3 = R[np.uint64(q + 3)]
                        k = k0 + np.uint64(j)
                        vf[k] = d0 - d2
                        vf[k + p] = d1 + d2
                        vf[k + 2 * p] = d2 - d1
                        vf[k + 3 * p] = d1 - d3


@njit(cache=True, nogil=True, error_model='numpy')
def transform_output(mf, plane, out, bias, th, tw):
    """out[n, f, 2i + (0, 1), 2j + (0, 1)] = (A^T m A) + bias[f]; out is (B, F, 2th, 2tw),
    m[(r, s), f, t] = mf[(r, s) * plane + f * T + t]."""
    B, F, OH, OW = out.shape
    T = B * th * tw
    of = out.reshape(out.size)
    for n in range(B):
        for f in range(F):
            bv = bias[f]
            for i in range(th):
                base = f * T + (n * th + i) * tw
                o0 = ((n * F + f) * OH + 2 * i) * OW
                o1 = o0 + OW
                for j in range(tw):
                    k = np.uint64(base + j)
                    p = np.uint64(plane)
                    m0, m1, m2, m3 = mf[k], mf[k + p], mf[k + 2 * p], mf[k + 3 * p]
                    m4, m5, m6, m7 = mf[k + 4 * p], mf[k + 5 * p], mf[k + 6 * p], mf[k + 7 * p]
                    m8, m9, m10, m11 = mf[k + 8 * p], mf[k + 9 * p], mf[k + 10 * p], mf[k + 11 * p]
                    m12, m13 = mf[k + 12 * p], mf[k + 13 * p]
                    m14, m15 = mf[k + 14 * p], mf[k + 15 * p]
                    s00, s01, s02, s03 = m0 + m4 + m8, m1 + m5 + m9, m2 + m6 + m10, m3 + m7 + m11
                    s10, s11 = m4 - m8 - m12, m5 - m9 - m13
                    s12, s13 = m6 - m10 - m14, m7 - m11 - m15
                    q = 2 * j
                    of[np.uint64(o0 + q)] = s00 + s01 + s02 + bv
                    of[np.uint64(o0 + q + 1)] = s01 - s02 - s03 + bv
                    of[np.uint64(o1 + q)] = s10 + s11 + s12 + bv
                    of[np.uint64(o1 + q + 1)] = s11 - s12 - s13 + bv


@njit(cache=True, nogil=True, error_model='numpy')
def transform_ograd(y, mf, plane, th, tw):
    """mf[(r, s) * plane + f * T + (n, i, j)] = (A y A^T)[r, s], y = the 2x2 tile (i, j) of
    y[n, f] (B, F, 2th, 2tw): the adjoint of transform_output."""
    B, F, YH, YW = y.shape
    T = B * th * tw
    yf = y.reshape(y.size)
    p = np.uint64(plane)
    for n in range(B):
        for f in range(F):
            for i in range(th):
                r0 = ((n * F + f) * YH + 2 * i) * YW
                r1 = r0 + YW
                base = np.uint64(f * T + (n * th + i) * tw)
                for j in range(tw):
                    q = 2 * j
                    y00 = yf[np.uint64(r0 + q)]
                    y01 = yf[np.uint64(r0 + q + 1)]
                    y10 = yf[np.uint64(r1 + q)]
                    y11 = yf[np.uint64(r1 + q + 1)]
                    # rows of A y: (y0), (y0 + y1), (y0 - y1), (-y1); then the same on columns
                    u = (y00, y01, y00 + y10, y01 + y11, y00 - y10, y01 - y11, -y10, -y11)
                    k = base + np.uint64(j)
                    for a in range(4):
                        u0 = u[2 * a]
                        u1 = u[2 * a + 1]
                        ka = k + np.uint64(4 * a) * p
                        mf[ka] = u0
                        mf[ka + p] = u0 + u1
                        mf[ka + 2 * p] = u0 - u1
                        mf[ka + 3 * p] = -u1


def _plane(n):
    """Elements between two of the 16 transformed planes: n rounded up to a multiple of 16
    (64-byte rows for BLAS) plus 16, so that the 16 streams written per tile never sit a
    multiple of 4 KB apart (measured: L1 set conflicts made the transforms 3x slower)."""
    return (n + 15) // 16 * 16 + 16


def _tiling(x, F, OH, OW):
    """2x2-output tiles covering (OH, OW), the padded input size, the samples per chunk and
    the reused scratch buffers (padded input, transformed input, products, odd-size output)."""
    N, C = x.shape[:2]
    th, tw = (OH + 1) // 2, (OW + 1) // 2
    HP, WP = 2 * th + 2, 2 * tw + 2
    even = OH % 2 == 0 and OW % 2 == 0
    per = 16 * max(C, F) * th * tw * x.itemsize
    chunk = int(max(1, min(N, CHUNK_BYTES // max(per, 1))))
    xp = scratch("wino_x", chunk * C * HP * WP, x.dtype)
    v = scratch("wino_v", 16 * _plane(C * chunk * th * tw), x.dtype)
    m = scratch("wino_m", 16 * _plane(F * chunk * th * tw), x.dtype)
    y = None if even else scratch("wino_y", chunk * F * 4 * th * tw, x.dtype)
    return th, tw, HP, WP, even, chunk, xp, v, m, y


def conv3x3(x, u, out, ph, pw, bias=None):
    """out (N, F, OH, OW) = conv(x (N, C, H, W)) with transformed weights u (16, F, C)."""
    N, C, H, W = x.shape
    F = u.shape[1]
    OH, OW = out.shape[2:]
    if N == 0:
        return
    th, tw, HP, WP, even, chunk, xp, v, m, y = _tiling(x, F, OH, OW)
    b = np.zeros(F, x.dtype) if bias is None else bias
    for n0 in range(0, N, chunk):
        n1 = min(N, n0 + chunk)
        B = n1 - n0
        T = B * th * tw
        xx = xp[:B * C * HP * WP].reshape(B, C, HP, WP)
        vp, mp = _plane(C * T), _plane(F * T)
        vv = v[:16 * vp].reshape(16, vp)[:, :C * T].reshape(16, C, T)
        mm = m[:16 * mp].reshape(16, mp)[:, :F * T].reshape(16, F, T)
        pad_input(x[n0:n1], xx, ph, pw)
        transform_input(xx, v, vp, th, tw)
        np.matmul(u, vv, out=mm)
        if even:
            transform_output(m, mp, out[n0:n1], b, th, tw)
        else:
            yy = y[:B * F * 4 * th * tw].reshape(B, F, 2 * th, 2 * tw)
            transform_output(m, mp, yy, b, th, tw)
            out[n0:n1] = yy[:, :, :OH, :OW]


def conv_forward(x, w, out, ph, pw, bias=None):
    """Convolution forward: x (N, C, H, W), w (F, C, 3, 3), out (N, F, OH, OW)."""
    conv3x3(x, transform_weight(w), out, ph, pw, bias)


def conv_backward_data(og, w, dx, ph, pw):
    """dx (N, C, H, W) of a stride-1 3x3 convolution: og convolved with the flipped kernel."""
    wt = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    conv3x3(og, transform_weight(wt), dx, 2 - ph, 2 - pw)


def conv_backward_weight(og, x, dw, ph, pw):
    """dw (F, C, 3, 3) = G^T [sum over tiles (A og A^T) . (B^T d B)] G: the adjoint of the
    forward in the transformed domain (16 (F x tiles) @ (tiles x C) GEMMs per chunk)."""
    N, C, H, W = x.shape
    F = og.shape[1]
    OH, OW = og.shape[2:]
    if N == 0:
        dw[...] = 0
        return
    th, tw, HP, WP, even, chunk, xp, v, m, y = _tiling(x, F, OH, OW)
    acc = np.zeros((16, F, C), np.float64 if x.dtype == np.float64 else np.float32)
    part = scratch("wino_dw", 16 * F * C, acc.dtype).reshape(16, F, C)
    for n0 in range(0, N, chunk):
        n1 = min(N, n0 + chunk)
        B = n1 - n0
        T = B * th * tw
        xx = xp[:B * C * HP * WP].reshape(B, C, HP, WP)
        vp, mp = _plane(C * T), _plane(F * T)
        vv = v[:16 * vp].reshape(16, vp)[:, :C * T].reshape(16, C, T)
        mm = m[:16 * mp].reshape(16, mp)[:, :F * T].reshape(16, F, T)
        pad_input(x[n0:n1], xx, ph, pw)
        transform_input(xx, v, vp, th, tw)
        if even:
            yy = og[n0:n1]
        else:
            yy = y[:B * F * 4 * th * tw].reshape(B, F, 2 * th, 2 * tw)
            yy[...] = 0
            yy[:, :, :OH, :OW] = og[n0:n1]
        transform_ograd(yy, m, mp, th, tw)
        np.matmul(mm, vv.transpose(0, 2, 1), out=part)
        acc += part
    dw[...] = inverse_transform_weight(acc, F, C)
