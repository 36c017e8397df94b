"""CPU convolution kernels: im2col / col2im in Numba around BLAS GEMMs.

Every convolution is handled as a 3-D one on 5-D views (N, C, D, H, W): a 1-D convolution is
(1, 1, W), a 2-D one (1, H, W).  The geometry (kernel, stride, pad, dilate and output sizes)
travels as one runtime tuple, so each Numba function is compiled once per dtype and never per
shape or kernel size.  GEMMs are BLAS calls made from Python (linalg.gemm, serial_matmul;
no BLAS inside njit: that would need SciPy).

Samples are processed in chunks: the im2col matrix of a chunk is (C*KD*KH*KW, B*P) where
P = OD*OH*OW.  B=1 lets the GEMM write each sample's output in place (no transpose); larger
chunks make fewer, fatter GEMMs (the transpose back to (B, F, P) is fused with the bias add).
`pick_chunk` aims for ~2 MB of im2col per chunk, the best measured setting
(benchmarks/ops_conv_quick.py --sweep): per-sample for 32x64x28x28 3x3 (whole-batch im2col
1.2-1.6x slower), 16-36 samples for the LeNet convs (per-sample 1.5-3x slower there).
im2col/col2im stay serial: `prange` versions (omp layer) were 1.5-5x slower on 2 cores,
because Numba's OpenMP threads and OpenBLAS's spinning threads then fight for the cores
(re-measured with OMP_WAIT_POLICY=PASSIVE: no gain either, on the shared machine).

2-D 3x3 stride-1 convolutions with >= WINOGRAD_MIN_CHANNELS input and output channels
(forward, data gradient, weight gradient, and Deconvolution through conv_backward_data) go
to Winograd F(2x2, 3x3) in winograd.py: 2.25x fewer GEMM flops.  Measured on 32x64x28x28,
64 filters (mx.nd + autograd, interleaved A/B): forward 12.7 -> 11.0 ms, forward+backward
37.7-40.0 -> 34.7-35.6 ms.
"""
import threading

import numpy as np
from numba import njit

from . import threads
from .linalg import gemm, serial_matmul

CHUNK_BYTES = 1 << 21       # im2col bytes per chunk that pick_chunk aims for
WORKSPACE_MAX = 1 << 26     # scratch buffers up to this size are kept for the next call
WINOGRAD_MIN_CHANNELS = 16  # 3x3 stride-1 convolutions with this many channels: Winograd
_workspace = threading.local()


def scratch(slot, n, dtype):
    """A flat scratch array of n elements, reused across calls (per thread and slot).

    Fresh multi-MB np.empty buffers come from mmap and page-fault on first touch (~1 us per
    4 KB page in this VM): reusing them made the LeNet conv1 forward ~2x faster."""
    bufs = getattr(_workspace, "bufs", None)
    if bufs is None:
        bufs = _workspace.bufs = {}
    nbytes = int(n) * np.dtype(dtype).itemsize
    buf = bufs.get(slot)
    if buf is None or buf.size < nbytes:
        buf = np.empty(max(nbytes, 64), np.uint8)
        if nbytes <= WORKSPACE_MAX:
            bufs[slot] = buf
    return buf[:nbytes].view(dtype)


# --- im2col / col2im ------------------------------------------------------------------
# g = (kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow)

@njit(cache=True, nogil=True, error_model='numpy')
def _valid_range(k_off, stride, size, n_out):
    """[lo, hi): outputs o with 0 <= o*stride + k_off < size."""
    lo = 0
    if k_off < 0:
        lo = (-k_off + stride - 1) // stride
    hi = (size - 1 - k_off) // stride + 1
    if hi > n_out:
        hi = n_out
    if lo > n_out:
        lo = n_out
    if hi < lo:
        hi = lo
    return lo, hi


# Arrays are indexed through flat views with unsigned indices: Numba then emits no
# negative-index wraparound test per element, and the copy loops vectorize (4x faster im2col
# than 5-D indexing).  Every index is in range by construction of the valid ranges.

@njit(cache=True, nogil=True, error_model='numpy')
def im2col(x, col, g):
    """col[(c, a, b, e), n*P + p] = x[n, c, window(p) + (a, b, e)] (zero outside)."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = g
    N, C, D, H, W = x.shape
    P = od * oh * ow
    xf = x.reshape(x.size)
    cf = col.reshape(col.size)
    ncols = col.shape[1]
    for row in range(col.shape[0]):
        e = row % kw
        b = (row // kw) % kh
        a = (row // (kw * kh)) % kd
        c = row // (kw * kh * kd)
        offw = e * dw - pw
        lo, hi = _valid_range(offw, sw, W, ow)
        for n in range(N):
            for o1 in range(od):
                i1 = o1 * sd - pd + a * dd
                for o2 in range(oh):
                    i2 = o2 * sh - ph + b * dh
                    base = row * ncols + n * P + (o1 * oh + o2) * ow
                    if i1 < 0 or i1 >= D or i2 < 0 or i2 >= H:
                        for o3 in range(ow):
                            cf[np.uint64(base + o3)] = 0
                    else:
                        xb = (((n * C + c) * D + i1) * H + i2) * W + offw
                        for o3 in range(lo):
                            cf[np.uint64(base + o3)] = 0
                        if sw == 1:         # contiguous: the copy vectorizes
                            for o3 in range(lo, hi):
                                cf[np.uint64(base + o3)] = xf[np.uint64(xb + o3)]
                        else:
                            for o3 in range(lo, hi):
                                cf[np.uint64(base + o3)] = xf[np.uint64(xb + o3 * sw)]
                        for o3 in range(hi, ow):
                            cf[np.uint64(base + o3)] = 0


@njit(cache=True, nogil=True, error_model='numpy')
def col2im(col, dx, g):
    """The adjoint of im2col: dx[n, c, ...] += col[...] (dx must be zeroed first)."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = g
    N, C, D, H, W = dx.shape
    P = od * oh * ow
    df = dx.reshape(dx.size)
    cf = col.reshape(col.size)
    ncols = col.shape[1]
    for c in range(C):
        for a in range(kd):
            for b in range(kh):
                for e in range(kw):
                    row = ((c * kd + a) * kh + b) * kw + e
                    offw = e * dw - pw
                    lo, hi = _valid_range(offw, sw, W, ow)
                    for n in range(N):
                        for o1 in range(od):
                            i1 = o1 * sd - pd + a * dd
                            if i1 < 0 or i1 >= D:
                                continue
                            for o2 in range(oh):
                                i2 = o2 * sh - ph + b * dh
                                if i2 < 0 or i2 >= H:
                                    continue
                                base = row * ncols + n * P + (o1 * oh + o2) * ow
                                xb = (((n * C + c) * D + i1) * H + i2) * W + offw
                                if sw == 1:
                                    for o3 in range(lo, hi):
                                        df[np.uint64(xb + o3)] += cf[np.uint64(base + o3)]
                                else:
                                    for o3 in range(lo, hi):
                                        df[np.uint64(xb + o3 * sw)] += cf[np.uint64(base + o3)]


# --- geometry -------------------------------------------------------------------------

def as5d(arr):
    """(N, C, *spatial) with 1 to 3 spatial dims -> a (N, C, D, H, W) view."""
    extra = 5 - arr.ndim
    return arr.reshape(arr.shape[:2] + (1,) * extra + arr.shape[2:])


def geometry(kernel, stride, pad, dilate, out_spatial):
    """The runtime geometry tuple for 1-3 spatial dims (leading dims padded with 1/0)."""
    lead = 3 - len(kernel)
    k = (1,) * lead + tuple(kernel)
    s = (1,) * lead + tuple(stride)
    p = (0,) * lead + tuple(pad)
    d = (1,) * lead + tuple(dilate)
    o = (1,) * lead + tuple(out_spatial)
    return tuple(int(v) for v in k + s + p + d + o)


def _is_pointwise(g):
    """1x1 kernel, stride 1, no pad: the im2col matrix of a sample is the sample itself."""
    return g[0:3] == (1, 1, 1) and g[3:6] == (1, 1, 1) and g[6:9] == (0, 0, 0)


def pick_chunk(n, rows, p, itemsize):
    """Samples per im2col chunk (see the module docstring)."""
    per_sample = rows * p * itemsize
    return int(max(1, min(n, CHUNK_BYTES // max(per_sample, 1))))


# --- drivers (x, dx: 5-D views; out, og: (N, F, P) views; w: (F, C/groups * K)) ---------

def _chunks(n, chunk):
    """Balanced [n0, n1) sample ranges of at most `chunk` samples."""
    count = -(-n // chunk)
    size = -(-n // count)
    return [(n0, min(n, n0 + size)) for n0 in range(0, n, size)], size


def _mat(buf, rows, cols):
    """A C-contiguous (rows, cols) matrix at the start of a flat buffer."""
    return buf[:rows * cols].reshape(rows, cols)


def _transposed(og, n0, n1, buf):
    """og[n0:n1] (B, F, P) as a contiguous (F, B*P) matrix (og[n0] itself when B == 1)."""
    if n1 - n0 == 1:
        return og[n0]
    B, F, P = n1 - n0, og.shape[1], og.shape[2]
    m = _mat(buf, F, B * P)
    m.reshape(F, B, P)[...] = og[n0:n1].transpose(1, 0, 2)
    return m


@njit(cache=True, nogil=True, error_model='numpy')
def unchunk(tmp, out, bias):
    """out (B, F, P) = tmp (F, B*P) transposed, plus bias[f] (one pass over the output)."""
    B, F, P = out.shape
    tf = tmp.reshape(tmp.size)
    of = out.reshape(out.size)
    for b in range(B):
        for f in range(F):
            bv = bias[f]
            src = (f * B + b) * P
            dst = (b * F + f) * P
            for p in range(P):
                of[np.uint64(dst + p)] = tf[np.uint64(src + p)] + bv


def _plan(n, rows, p, itemsize, chunk):
    """Balanced sample ranges: `chunk` (or pick_chunk's) samples at most, and at least as
    many ranges as threads when there are that many samples, so that every thread gets work."""
    size = chunk or pick_chunk(n, rows, p, itemsize)
    if chunk is None:
        size = min(size, -(-n // threads.num_threads()))
    return _chunks(n, size)


def _gemm(a, b, out, in_task):
    """One GEMM of a chunk: single-threaded inside a pool task, else split over the pool."""
    if in_task:
        serial_matmul(a, b, out)
    else:
        gemm(a, b, out)


def _run_chunks(count, task):
    """task(i, in_task) for every chunk: one pool task each when there are enough chunks for
    the threads, else one after the other with their GEMMs split over the pool."""
    if count >= threads.num_threads():
        threads.parallel_for(count, lambda i: task(i, True))
    else:
        for i in range(count):
            task(i, False)


def conv_forward(x, w, out, g, groups, chunk=None, bias=None, post=None, relu=False):
    """out[n] = W @ im2col(x[n]) per group (+ bias[f], added while the chunk is hot).
    post = (mean, scale, shift) per filter: then (out - mean) * scale + shift, an inference
    BatchNorm folded in (compiler/passes/fold_batchnorm.py); relu: then Activation's relu."""
    N, C = x.shape[:2]
    F, ckg = w.shape
    P = out.shape[2]
    fg, rows = F // groups, ckg * groups
    if N == 0:
        return
    if chunk is None and _winograd(x.shape, F, g, groups):
        D, H, W = x.shape[2:]
        _wino.conv_forward(x.reshape(N, C, H, W), w.reshape(F, C, 3, 3),
                           out.reshape(N, F, g[13], g[14]), g[7], g[8], bias, post, relu)
        return
    if post is not None:
        post = tuple(np.asarray(p, x.dtype)[:, None] for p in post)
    if relu:
        post = (post or ()) + (True,)
    ranges, size = _plan(N, rows, P, x.itemsize, chunk)
    pointwise = size == 1 and _is_pointwise(g)
    zeros = np.zeros(F, x.dtype) if bias is None and size > 1 else None
    blocks = _row_blocks(g, rows, x.itemsize) if size == 1 and not pointwise else [(0, g[13])]
    tasks = [(n0, n1, r0, r1) for n0, n1 in ranges for r0, r1 in blocks]

    def task(i, in_task):
        n0, n1, r0, r1 = tasks[i]
        B = n1 - n0
        whole = (r0, r1) == (0, g[13])
        p0, pb = (0, P) if whole else (r0 * g[14], (r1 - r0) * g[14])   # 2-D row blocks
        if pointwise:
            cols = x[n0].reshape(C, P)
        else:
            cols = _mat(scratch("col", rows * size * pb, x.dtype), rows, B * pb)
            im2col(x[n0:n1], cols, _rows_of(g, r0, r1))
        if B == 1:
            target = out[n0][:, p0:p0 + pb]
        else:
            target = _mat(scratch("tmp", F * size * P, x.dtype), F, B * P)
        for grp in range(groups):
            _gemm(w[grp * fg:(grp + 1) * fg], cols[grp * ckg:(grp + 1) * ckg],
                  target[grp * fg:(grp + 1) * fg], in_task)
        if B > 1:
            unchunk(target, out[n0:n1], zeros if bias is None else bias)
            if post is not None:
                for b in range(B):
                    _post(out[n0 + b], post)
        else:
            if bias is not None:
                target += bias[:, None]
            if post is not None:
                _post(target, post)
    _run_chunks(len(tasks), task)


def _post(block, post):
    """block (F, P) = (block - mean) * scale + shift per filter row (when given), then
    Activation's relu (when post ends with True; fmax: NaN gives 0 as there), in place."""
    if len(post) >= 3:
        block -= post[0]
        block *= post[1]
        block += post[2]
    if post[-1] is True:
        np.fmax(block, 0, out=block)


def _row_blocks(g, rows, itemsize):
    """Output-row ranges of a 2-D convolution whose one-sample im2col matrix passes
    CHUNK_BYTES (e.g. ResNet's 7x7 input layer: 7.4 MB per sample): blocks of rows whose
    im2col stays cache-sized.  One block (all rows) otherwise, and for 3-D ones."""
    od, oh, ow = g[12:15]
    if od != 1 or rows * oh * ow * itemsize <= CHUNK_BYTES:
        return [(0, oh)]
    step = max(1, CHUNK_BYTES // (rows * ow * itemsize))
    return [(r0, min(oh, r0 + step)) for r0 in range(0, oh, step)]


def _rows_of(g, r0, r1):
    """The geometry of output rows [r0, r1) alone: the pad moves by r0 strides."""
    if (r0, r1) == (0, g[13]):
        return g
    g = list(g)
    g[7] -= r0 * g[4]
    g[13] = r1 - r0
    return tuple(g)


def conv_backward_data(og, w, dx, g, groups, chunk=None):
    """dx = col2im(W^T @ og) per group (also the Deconvolution forward)."""
    N, C = dx.shape[:2]
    F, ckg = w.shape
    P = og.shape[2]
    fg, rows = F // groups, ckg * groups
    if N == 0:
        return
    if chunk is None and _winograd_data(dx.shape, F, g, groups):
        _wino_data(og, w, dx, g)
        return
    ranges, size = _plan(N, rows, P, dx.itemsize, chunk)
    pointwise = size == 1 and _is_pointwise(g)

    def task(i, in_task):
        n0, n1 = ranges[i]
        ogt = scratch("ogt", F * size * P, dx.dtype) if size > 1 else None
        src = _transposed(og, n0, n1, ogt)
        if pointwise:
            cols = dx[n0].reshape(C, P)
        else:
            cols = _mat(scratch("dcol", rows * size * P, dx.dtype), rows, (n1 - n0) * P)
        for grp in range(groups):
            _gemm(w[grp * fg:(grp + 1) * fg].T, src[grp * fg:(grp + 1) * fg],
                  cols[grp * ckg:(grp + 1) * ckg], in_task)
        if not pointwise:
            dx[n0:n1] = 0
            col2im(cols, dx[n0:n1], g)
    _run_chunks(len(ranges), task)


def conv_backward_weight(og, x, dw, g, groups, chunk=None):
    """dw = sum over n of og[n] @ im2col(x[n])^T per group."""
    conv_backward(og, x, None, None, dw, g, groups, chunk)


def partial_sums(target, count, slot):
    """[target] + count - 1 scratch arrays shaped like it (the caller's): per-group partial
    sums that are added to target in a fixed order, so results do not depend on which
    thread ran which chunk."""
    return [target] + [scratch("%s%d" % (slot, i), target.size, target.dtype).reshape(target.shape)
                       for i in range(1, count)]


def accumulation_groups(ranges, nbytes):
    """Contiguous groups of chunk indices, one partial sum each: as many as threads (x2 for
    balance), fewer when the partial sums would pass WORKSPACE_MAX."""
    n = threads.num_threads()
    count = max(1, min(len(ranges), 2 * n if n > 1 else 1, WORKSPACE_MAX // max(nbytes, 1)))
    return [list(range(a, b)) for a, b in threads.blocks(len(ranges), count)]


def conv_backward(og, x, w, dx, dw, g, groups, chunk=None):
    """dw (always) and dx (when given) in one pass over the chunks, sharing im2col and og^T."""
    N, C = x.shape[:2]
    F, ckg = dw.shape
    P = og.shape[2]
    fg, rows = F // groups, ckg * groups
    if N == 0:
        dw[...] = 0
        return
    if chunk is None and _winograd(x.shape, F, g, groups) and (
            dx is None or _winograd_data(dx.shape, F, g, groups)):
        D, H, W = x.shape[2:]
        _wino.conv_backward_weight(og.reshape(N, F, g[13], g[14]), x.reshape(N, C, H, W),
                                   dw.reshape(F, C, 3, 3), g[7], g[8])
        if dx is not None:
            _wino_data(og, w, dx, g)
        return
    ranges, size = _plan(N, rows, P, x.itemsize, chunk)
    pointwise = size == 1 and _is_pointwise(g)
    grouped = accumulation_groups(ranges, dw.nbytes)
    sums = partial_sums(dw, len(grouped), "dwsum")

    def chunk_task(i, target, first, in_task):
        n0, n1 = ranges[i]
        B = n1 - n0
        if pointwise:
            cols = x[n0].reshape(C, P)
            dcols = None if dx is None else dx[n0].reshape(C, P)
        else:
            cols = _mat(scratch("col", rows * size * P, x.dtype), rows, B * P)
            im2col(x[n0:n1], cols, g)
            dcols = None if dx is None else _mat(scratch("dcol", rows * size * P, x.dtype),
                                                 rows, B * P)
        ogt = scratch("ogt", F * size * P, x.dtype) if size > 1 else None
        src = _transposed(og, n0, n1, ogt)
        part = target if first else scratch("part", dw.size, dw.dtype).reshape(dw.shape)
        for grp in range(groups):
            fs, cs = slice(grp * fg, (grp + 1) * fg), slice(grp * ckg, (grp + 1) * ckg)
            _gemm(src[fs], cols[cs].T, part[fs], in_task)
            if dx is not None:
                _gemm(w[fs].T, src[fs], dcols[cs], in_task)
        if not first:
            target += part
        if dx is not None and not pointwise:
            dx[n0:n1] = 0
            col2im(dcols, dx[n0:n1], g)

    def group_task(k, in_task):
        for j, i in enumerate(grouped[k]):
            chunk_task(i, sums[k], j == 0, in_task)
    _run_chunks(len(grouped), group_task)
    for extra in sums[1:]:
        dw += extra


def _winograd(x_shape, F, g, groups):
    """Whether the Winograd F(2x2, 3x3) kernels take this convolution (kernels/cpu/winograd.py):
    2-D 3x3, stride 1, no dilation, one group, pad <= 2, >= 16 input and output channels
    (fewer channels: the transforms cost more than the GEMM flops they save).
    The input's spatial size must be the exact one of the output (Deconvolution's adj and
    target_shape give larger ones: im2col then)."""
    return (F >= WINOGRAD_MIN_CHANNELS
            and _wino.applicable(x_shape, g, groups, WINOGRAD_MIN_CHANNELS)
            and x_shape[3] == g[13] + 2 - 2 * g[7] and x_shape[4] == g[14] + 2 - 2 * g[8])


_winograd_data = _winograd     # dx has x's shape


def _wino_data(og, w, dx, g):
    N, C = dx.shape[:2]
    F = w.shape[0]
    H, W = dx.shape[3:]
    _wino.conv_backward_data(og.reshape(N, F, g[13], g[14]), w.reshape(F, C, 3, 3),
                             dx.reshape(N, C, H, W), g[7], g[8])


def bias_add(out, b):
    """out (N, F, P) += b[f]."""
    out += b.reshape(1, -1, 1)


def bias_grad(og, db):
    """db[f] = sum over n and p of og (N, F, P)."""
    np.sum(og, axis=(0, 2), out=db)


from . import winograd as _wino  # noqa: E402  (imports scratch from this module)
