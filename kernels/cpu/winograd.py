"""Winograd F(2x2, 3x3) for 2-D 3x3 convolutions, stride 1, no dilation, one group.

out = A^T [ (G g G^T) . (B^T d B) ] A over 4x4 input tiles giving 2x2 output tiles: the GEMM
work is 16 (F x C) @ (C x tiles) products, 2.25x fewer flops than im2col's (F x 9C) @
(9C x P).  The input and output transforms are Numba kernels (compiled per dtype only; the
geometry is runtime), the 16 GEMMs one batched matmul per chunk of samples.  The weight
transform is a Numba loop per call.  The data gradient of such a convolution is the same
convolution of the output gradient with the flipped, transposed kernel and pad 2 - pad,
so conv_backward_data uses it too (pad <= 2).  The weight gradient is the adjoint of the
forward in the transformed domain: G^T [sum over tiles (A og A^T) . (B^T d B)] G, 16
(F x tiles) @ (tiles x C) GEMMs.  Transformed planes are written 16 streams at a time; their
stride is padded (_plane) to keep the streams out of the same L1 sets.

Threads (kernels/cpu/threads.py): with at least as many chunks of samples as threads, each
chunk is one pool task (transforms and GEMMs single-threaded in it); with fewer, every stage
of a chunk is split over the pool (channel / filter blocks, GEMM column blocks).  Weight
gradients sum the chunks in contiguous groups, one partial sum each, added in a fixed order.
"""
import numpy as np
from numba import njit

from kernels.codegen.scalar import _zero_of

from . import threads
from .conv import scratch
from .linalg import gemm, serial_matmul

CHUNK_BYTES = 1 << 22       # transformed-input bytes per chunk of samples
WORKSPACE_MAX = 1 << 26     # partial weight-gradient sums kept in scratch up to this size

_G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]])


def applicable(x_shape, g, groups, min_channels):
    """2-D (D == 1) 3x3, stride 1, dilation 1, pad <= 2, one group, enough channels."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw = g[:12]
    return (groups == 1 and (kd, kh, kw) == (1, 3, 3) and (sd, sh, sw) == (1, 1, 1)
            and (dd, dh, dw) == (1, 1, 1) and pd == 0 and 0 <= ph <= 2 and 0 <= pw <= 2
            and x_shape[2] == 1 and x_shape[1] >= min_channels)


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _g_rows(x0, x1, x2, h):
    """G [x0, x1, x2]^T, G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]."""
    return x0, h * (x0 + x1 + x2), h * (x0 - x1 + x2), x2


@njit(cache=True, nogil=True, error_model='numpy')
def _weight_tf(w, u, f0, f1):
    """u[i*4+j, f, c] = (G w[f, c] G^T)[i, j] for f in [f0, f1), w (F, C, 3, 3)."""
    C = w.shape[1]
    h = u.dtype.type(0.5)
    for f in range(f0, f1):
        for c in range(C):
            a0, a1, a2, a3 = _g_rows(w[f, c, 0, 0], w[f, c, 1, 0], w[f, c, 2, 0], h)
            b0, b1, b2, b3 = _g_rows(w[f, c, 0, 1], w[f, c, 1, 1], w[f, c, 2, 1], h)
            c0, c1, c2, c3 = _g_rows(w[f, c, 0, 2], w[f, c, 1, 2], w[f, c, 2, 2], h)
            r = _g_rows(a0, b0, c0, h)
            u[0, f, c], u[1, f, c], u[2, f, c], u[3, f, c] = r[0], r[1], r[2], r[3]
            r = _g_rows(a1, b1, c1, h)
            u[4, f, c], u[5, f, c], u[6, f, c], u[7, f, c] = r[0], r[1], r[2], r[3]
            r = _g_rows(a2, b2, c2, h)
            u[8, f, c], u[9, f, c], u[10, f, c], u[11, f, c] = r[0], r[1], r[2], r[3]
            r = _g_rows(a3, b3, c3, h)
            u[12, f, c], u[13, f, c], u[14, f, c], u[15, f, c] = r[0], r[1], r[2], r[3]


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _gt_rows(x0, x1, x2, x3, h):
    """G^T [x0, x1, x2, x3]^T (the order of operations of the 4-term dot products)."""
    return x0 + h * x1 + h * x2, h * x1 - h * x2, h * x1 + h * x2 + x3


@njit(cache=True, nogil=True, error_model='numpy')
def _weight_tf_inverse(acc, d, f0, f1):
    """d[f, c] = G^T acc[:, f, c] G (acc viewed as 4x4) for f in [f0, f1)."""
    C = d.shape[1]
    h = acc.dtype.type(0.5)
    for f in range(f0, f1):
        for c in range(C):
            r0 = _gt_rows(acc[0, f, c], acc[4, f, c], acc[8, f, c], acc[12, f, c], h)
            r1 = _gt_rows(acc[1, f, c], acc[5, f, c], acc[9, f, c], acc[13, f, c], h)
            r2 = _gt_rows(acc[2, f, c], acc[6, f, c], acc[10, f, c], acc[14, f, c], h)
            r3 = _gt_rows(acc[3, f, c], acc[7, f, c], acc[11, f, c], acc[15, f, c], h)
            for i in range(3):
                e = _gt_rows(r0[i], r1[i], r2[i], r3[i], h)
                d[f, c, i, 0], d[f, c, i, 1], d[f, c, i, 2] = e[0], e[1], e[2]


def _work_dtype(dtype):
    return np.float64 if dtype == np.float64 else np.float32


def transform_weight(w):
    """(F, C, 3, 3) -> U (16, F, C): G w G^T (a Numba loop over blocks of filters on the
    pool: G's entries are 0, +-0.5, 1, so float32 loses nothing).  U is the calling
    thread's scratch: valid until its next transform_weight."""
    dt = _work_dtype(w.dtype)
    F, C = w.shape[:2]
    plane = _plane(F * C)       # padded: 16 planes a multiple of 4 KB apart thrash L1
    u = scratch("wino_u", 16 * plane, dt).reshape(16, plane)[:, :F * C].reshape(16, F, C)
    wc = np.ascontiguousarray(w, dtype=dt)
    parts = threads.blocks(w.shape[0], 4 * threads.num_threads() if w.size >= 1 << 16 else 1)
    threads.parallel_for(len(parts), lambda i: _weight_tf(wc, u, *parts[i]))
    return u if u.dtype == w.dtype else u.astype(w.dtype)


def inverse_transform_weight(acc, d):
    """d (F, C, 3, 3) = G^T acc G for acc (16, F, C): the weight gradient's way back."""
    parts = threads.blocks(d.shape[0], 4 * threads.num_threads() if d.size >= 1 << 16 else 1)
    threads.parallel_for(len(parts), lambda i: _weight_tf_inverse(acc, d, *parts[i]))


@njit(cache=True, nogil=True, error_model='numpy')
def pad_input(x, xp, ph, pw, c0, c1):
    """xp (B, C, HP, WP) = x placed at (ph, pw), zero elsewhere, for channels [c0, c1).
    Requires 0 <= pw (ph may be negative: a block of rows further down); input beyond
    HP x WP is left out."""
    B, C, H, W = x.shape
    HP, WP = xp.shape[2], xp.shape[3]
    xf = x.reshape(x.size)
    pf = xp.reshape(xp.size)
    for nc0 in range(B * (c1 - c0)):
        nc = nc0 // (c1 - c0) * C + c0 + nc0 % (c1 - c0)
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
def transform_input(xp, vf, plane, th, tw, c0, c1):
    """vf[(r, s) * plane + c * T + (n, i, j)] = (B^T d B)[r, s] for c in [c0, c1),
    d = xp[n, c, 2i : 2i+4, 2j : 2j+4] (vf flat, planes `plane` elements apart).

    Per tile row: B^T on 4 whole input rows (contiguous, vectorizes), then B on the columns."""
    B, C, HP, WP = xp.shape
    T = B * th * tw
    xf = xp.reshape(xp.size)
    R = np.empty(4 * WP, xp.dtype)
    p = np.uint64(plane)
    for n in range(B):
        for c in range(c0, c1):
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


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _act(v, relu):
    """Activation(act_type='relu') when relu: v if v > 0 else 0 (NaN gives 0 too)."""
    if relu and not v > 0:
        return _zero_of(v)
    return v


@njit(cache=True, nogil=True, error_model='numpy')
def transform_output(mf, plane, out, bias, scale, shift, relu, th, tw, f0, f1, row0):
    """out[n, f, 2(row0 + i) + (0, 1), 2j + (0, 1)] = ((A^T m A) + bias[f]) * scale[f] +
    shift[f] for f in [f0, f1) and the th tile rows of m (scale/shift: an inference
    BatchNorm folded in, else 1/0), then max(., 0) when relu (Activation's: NaN -> 0);
    out is (B, F, >= 2(row0 + th), 2tw),
    m[(r, s), f, t] = mf[(r, s) * plane + f * T + t]."""
    B, F, OH, OW = out.shape
    T = B * th * tw
    of = out.reshape(out.size)
    for n in range(B):
        for f in range(f0, f1):
            bv = bias[f]
            sv = scale[f]
            hv = shift[f]
            for i in range(th):
                base = f * T + (n * th + i) * tw
                o0 = ((n * F + f) * OH + 2 * (row0 + i)) * OW
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
                    of[np.uint64(o0 + q)] = _act((s00 + s01 + s02 + bv) * sv + hv, relu)
                    of[np.uint64(o0 + q + 1)] = _act((s01 - s02 - s03 + bv) * sv + hv, relu)
                    of[np.uint64(o1 + q)] = _act((s10 + s11 + s12 + bv) * sv + hv, relu)
                    of[np.uint64(o1 + q + 1)] = _act((s11 - s12 - s13 + bv) * sv + hv, relu)


@njit(cache=True, nogil=True, error_model='numpy')
def transform_ograd(y, mf, plane, th, tw, f0, f1, row0):
    """mf[(r, s) * plane + f * T + (n, i, j)] = (A y A^T)[r, s], y = the 2x2 tile (i, j) of
    y[n, f] (B, F, >= 2(row0 + th), 2tw) starting at tile row row0, f in [f0, f1): the
    adjoint of transform_output."""
    B, F, YH, YW = y.shape
    T = B * th * tw
    yf = y.reshape(y.size)
    p = np.uint64(plane)
    for n in range(B):
        for f in range(f0, f1):
            for i in range(th):
                r0 = ((n * F + f) * YH + 2 * (row0 + i)) * YW
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


class _Tiling:
    """2x2-output tiles covering (OH, OW), the padded input size, and the tasks: blocks of
    samples, or of tile rows of one sample when a sample alone passes CHUNK_BYTES, so that
    the transformed input and products of a task stay cache-sized."""

    def __init__(self, x, F, OH, OW):
        N, C = x.shape[:2]
        self.C, self.F, self.OH, self.OW, self.dtype = C, F, OH, OW, x.dtype
        self.th, self.tw = (OH + 1) // 2, (OW + 1) // 2
        self.WP = 2 * self.tw + 2
        self.even = OH % 2 == 0 and OW % 2 == 0
        row_bytes = 16 * max(C, F) * self.tw * x.itemsize      # one tile row of one sample
        rows = max(1, min(self.th, CHUNK_BYTES // row_bytes))
        self.rows = rows                                        # tile rows per task
        self.chunk = 1 if rows < self.th else int(max(1, min(N, CHUNK_BYTES // (row_bytes * self.th))))
        count = -(-N // self.chunk)
        size = -(-N // count)
        self.tasks = [(n0, min(N, n0 + size), i0, min(self.th, i0 + rows))
                      for n0 in range(0, N, size) for i0 in range(0, self.th, rows)]

    def buffers(self, B, th):
        """The calling thread's scratch for B samples and th tile rows: padded input (B, C,
        2th + 2, WP), transformed input v (16, C, T) and products m (16, F, T) (with their
        flat buffers and plane strides), and an even-size output block for odd sizes."""
        C, F, T, tw, WP = self.C, self.F, B * th * self.tw, self.tw, self.WP
        dt, most = self.dtype, self.chunk * self.rows * tw
        xp = scratch("wino_x", self.chunk * C * (2 * self.rows + 2) * WP, dt)
        vp, mp = _plane(C * T), _plane(F * T)
        v = scratch("wino_v", 16 * _plane(C * most), dt)
        m = scratch("wino_m", 16 * _plane(F * most), dt)
        vv = v[:16 * vp].reshape(16, vp)[:, :C * T].reshape(16, C, T)
        mm = m[:16 * mp].reshape(16, mp)[:, :F * T].reshape(16, F, T)
        y = None if self.even else scratch("wino_y", F * 4 * most, dt)[:4 * F * T].reshape(
            B, F, 2 * th, 2 * tw)
        return xp[:B * C * (2 * th + 2) * WP].reshape(B, C, 2 * th + 2, WP), v, vp, vv, m, mp, mm, y


def _stage(total, fn, split):
    """fn(lo, hi) over blocks of range(total): on the pool when `split`, else at once."""
    if not split:
        fn(0, total)
        return
    parts = threads.blocks(total, 4 * threads.num_threads())
    threads.parallel_for(len(parts), lambda i: fn(*parts[i]))


def _chunk_tasks(count, task):
    """task(i, split) per chunk: chunks on the pool when there are enough for the threads,
    else one after the other with each stage (transforms, GEMMs) split over the pool."""
    if count >= threads.num_threads():
        threads.parallel_for(count, lambda i: task(i, False))
    else:
        for i in range(count):
            task(i, True)


def _input_tf(x, tl, i0, ph, pw, xx, v, vp, split):
    """v = B^T d B of the 4x4 input tiles of tile rows [i0, i0 + th) of x (B, C, H, W),
    padded at (ph, pw) into xx (B, C, 2th + 2, WP)."""
    th = (xx.shape[2] - 2) // 2

    def run(c0, c1):
        pad_input(x, xx, ph - 2 * i0, pw, c0, c1)
        transform_input(xx, v, vp, th, tl.tw, c0, c1)
    _stage(tl.C, run, split)


def _mm(a, b, out, split):
    if split:
        gemm(a, b, out)
    else:
        serial_matmul(a, b, out)


def conv3x3(x, u, out, ph, pw, bias=None, post=None, relu=False):
    """out (N, F, OH, OW) = conv(x (N, C, H, W)) with transformed weights u (16, F, C)
    (+ bias); post = (mean, scale, shift) per filter: then (out - mean) * scale + shift (an
    inference BatchNorm folded into the output transform), and relu: then max(out, 0)."""
    N = x.shape[0]
    F = u.shape[1]
    OH, OW = out.shape[2:]
    if N == 0:
        return
    tl = _Tiling(x, F, OH, OW)
    b = np.zeros(F, x.dtype) if bias is None else bias
    sc, sh = np.ones(F, x.dtype), np.zeros(F, x.dtype)
    if post is not None:
        b = (b - post[0]).astype(x.dtype)
        sc, sh = post[1].astype(x.dtype), post[2].astype(x.dtype)

    def task(i, split):
        n0, n1, i0, i1 = tl.tasks[i]
        th = i1 - i0
        xx, v, vp, vv, m, mp, mm, y = tl.buffers(n1 - n0, th)
        _input_tf(x[n0:n1], tl, i0, ph, pw, xx, v, vp, split)
        _mm(u, vv, mm, split)
        dst, row0 = (out[n0:n1], i0) if tl.even else (y, 0)
        _stage(F, lambda f0, f1: transform_output(m, mp, dst, b, sc, sh, bool(relu), th,
                                                  tl.tw, f0, f1, row0), split)
        if not tl.even:
            r1 = min(OH, 2 * i1)
            out[n0:n1, :, 2 * i0:r1] = y[:, :, :r1 - 2 * i0, :OW]
    _chunk_tasks(len(tl.tasks), task)


def conv_forward(x, w, out, ph, pw, bias=None, post=None, relu=False):
    """Convolution forward: x (N, C, H, W), w (F, C, 3, 3), out (N, F, OH, OW)."""
    conv3x3(x, transform_weight(w), out, ph, pw, bias, post, relu)


def conv_backward_data(og, w, dx, ph, pw):
    """dx (N, C, H, W) of a stride-1 3x3 convolution: og convolved with the flipped kernel."""
    wt = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    conv3x3(og, transform_weight(wt), dx, 2 - ph, 2 - pw)


def conv_backward_weight(og, x, dw, ph, pw):
    """dw (F, C, 3, 3) = G^T [sum over tiles (A og A^T) . (B^T d B)] G: the adjoint of the
    forward in the transformed domain (16 (F x tiles) @ (tiles x C) GEMMs per chunk).
    Chunks are summed in contiguous groups, one partial sum each, added in a fixed order."""
    N, C = x.shape[:2]
    F = og.shape[1]
    OH, OW = og.shape[2:]
    if N == 0:
        dw[...] = 0
        return
    tl = _Tiling(x, F, OH, OW)
    dt = np.float64 if x.dtype == np.float64 else np.float32
    plane = _plane(F * C)
    count = len(tl.tasks) if len(tl.tasks) >= threads.num_threads() else 1
    count = max(1, min(count, 2 * threads.num_threads(), WORKSPACE_MAX // (16 * plane * 4)))
    groups = [list(range(g0, g1)) for g0, g1 in threads.blocks(len(tl.tasks), count)]
    sums = [scratch("wino_dw%d" % k, 16 * plane, dt).reshape(16, plane)[:, :F * C].reshape(16, F, C)
            for k in range(len(groups))]

    def chunk(i, acc, first, split):
        n0, n1, i0, i1 = tl.tasks[i]
        B, th = n1 - n0, i1 - i0
        xx, v, vp, vv, m, mp, mm, y = tl.buffers(B, th)
        _input_tf(x[n0:n1], tl, i0, ph, pw, xx, v, vp, split)
        if tl.even:
            yy, row0 = og[n0:n1], i0
        else:
            r1 = min(OH, 2 * i1)
            yy, row0 = y, 0
            yy[...] = 0
            yy[:, :, :r1 - 2 * i0, :OW] = og[n0:n1, :, 2 * i0:r1]
        _stage(F, lambda f0, f1: transform_ograd(yy, m, mp, th, tl.tw, f0, f1, row0), split)
        part = acc if first else scratch("wino_part", 16 * F * C, dt).reshape(16, F, C)
        _mm(mm, vv.transpose(0, 2, 1), part, split)
        if not first:
            acc += part

    def group(k, split):
        for j, i in enumerate(groups[k]):
            chunk(i, sums[k], j == 0, split)
    _chunk_tasks(len(groups), group)
    for extra in sums[1:]:
        sums[0] += extra
    d = dw if dw.dtype == dt and dw.flags.c_contiguous else np.empty(dw.shape, dt)
    inverse_transform_weight(sums[0], d)
    if d is not dw:
        dw[...] = d
