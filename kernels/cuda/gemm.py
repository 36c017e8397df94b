"""CUDA GEMM: C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b] (+ bias), shared-memory tiled
with register blocking, float32/float64, transpose flags, batched (batch_dot, and one
weight shared by a batch through a zero batch stride); and the ops built on it: dot,
_backward_dot, batch_dot, FullyConnected.

A thread block computes a BM x BN tile of C (BM = BN = T * R: T x T threads, each an R x R
register tile at rows ty + i*T, cols tx + j*T, so neighbouring threads write neighbouring
columns), stepping over K by BK: each step stages a BK x BM slice of A and a BK x BN slice
of B in shared memory, loaded so that consecutive threads read consecutive addresses of
the operand's own layout (which depends on its transpose flag).  Operands are row-major
physical matrices; `ta` means A is stored K x M (MXNet dot's transposed views are free).
Real GPU: T=16, R=4, BK=16 (64 x 64 tiles, 256 threads); the simulator: T=2, R=4, BK=16
(each barrier costs the simulator milliseconds: few, fat steps).
"""
import numpy as np

from compiler.errors import MXNetValueError
from .. import cache
from . import codegen
from .runtime import SIMULATOR, check_array, require, same_dtype, FLOATS

T, R, BK = (2, 4, 16) if SIMULATOR else (16, 4, 16)

_SOURCE = '''\
import numpy as np
from numba import cuda

T = {t}
R = {r}
BK = {bk}
BM = {bm}
RR = {rr}
ACC = np.{acc}


@cuda.jit(cache=True)
def gemm(a, b, c, bias, m, n, k, ta, tb, sa, sb, sc, alpha, beta, bias_mode):
    sA = cuda.shared.array((BK, BM), dtype=ACC)
    sB = cuda.shared.array((BK, BM), dtype=ACC)
    acc = cuda.local.array(RR, dtype=ACC)
    ra = cuda.local.array(R, dtype=ACC)
    rb = cuda.local.array(R, dtype=ACC)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    tid = ty * T + tx
    row0 = cuda.blockIdx.y * BM
    col0 = cuda.blockIdx.x * BM
    oa = cuda.blockIdx.z * sa
    ob = cuda.blockIdx.z * sb
    oc = cuda.blockIdx.z * sc
    for q in range(RR):
        acc[q] = ACC(0)
    for k0 in range(0, k, BK):
        e = tid
        while e < BK * BM:
            if ta:
                mm = e % BM
                kk = e // BM
            else:
                kk = e % BK
                mm = e // BK
            gr = row0 + mm
            gk = k0 + kk
            v = ACC(0)
            if gr < m and gk < k:
                v = ACC(a[oa + gk * m + gr]) if ta else ACC(a[oa + gr * k + gk])
            sA[kk, mm] = v
            if tb:
                kk = e % BK
                nn = e // BK
            else:
                nn = e % BM
                kk = e // BM
            gc = col0 + nn
            gk = k0 + kk
            v = ACC(0)
            if gc < n and gk < k:
                v = ACC(b[ob + gc * k + gk]) if tb else ACC(b[ob + gk * n + gc])
            sB[kk, nn] = v
            e += T * T
        cuda.syncthreads()
        for kk in range(BK):
            for i in range(R):
                ra[i] = sA[kk, ty + i * T]
            for j in range(R):
                rb[j] = sB[kk, tx + j * T]
            for i in range(R):
                for j in range(R):
                    acc[i * R + j] += ra[i] * rb[j]
        cuda.syncthreads()
    for i in range(R):
        gr = row0 + ty + i * T
        if gr < m:
            for j in range(R):
                gc = col0 + tx + j * T
                if gc < n:
                    q = oc + gr * n + gc
                    v = alpha * acc[i * R + j]
                    if beta != 0:
                        v += beta * ACC(c[q])
                    if bias_mode == 1:
                        v += ACC(bias[gc])
                    elif bias_mode == 2:
                        v += ACC(bias[gr])
                    c[q] = v
'''

_modules = {}


def _module(acc):
    mod = _modules.get(acc)
    if mod is None:
        mod = _modules[acc] = cache.load_source(_SOURCE.format(t=T, r=R, bk=BK, bm=T * R, rr=R * R,
                                                               acc=acc),
                                                "cuda_gemm_%s" % acc, salt=codegen.target_salt())
    return mod


_NO_BIAS = {}


def _no_bias(cuda, dtype):
    """A one-element placeholder for the bias argument, allocated once per device and dtype
    (an allocation per call cost every RNN step one)."""
    try:
        key = (getattr(cuda.get_current_device(), "id", 0), np.dtype(dtype).name)
    except cuda.CudaSupportError:       # no driver: the PTX check's launches are not run
        return cuda.device_array(1, dtype)
    if key not in _NO_BIAS:
        _NO_BIAS[key] = cuda.device_array(1, dtype)
    return _NO_BIAS[key]


def gemm(a, b, c, m, n, k, ta=False, tb=False, batch=1, stride_a=None, stride_b=None,
         stride_c=None, alpha=1.0, beta=0.0, bias=None, bias_mode=0, op="gemm"):
    """Flat C-contiguous device arrays: C[z] (m x n) = alpha op(A[z]) op(B[z]) + beta C[z]
    (+ bias per column (bias_mode 1) or per row (2)) for z < batch; a stride of 0 shares an
    operand across the batch (defaults: dense batches)."""
    cuda = require()
    for name, x in (("lhs", a), ("rhs", b), ("out", c)):
        check_array(op, name, x, dtypes=FLOATS)
    same_dtype(op, [("lhs", a), ("rhs", b), ("out", c)])
    sa = m * k if stride_a is None else stride_a
    sb = k * n if stride_b is None else stride_b
    sc = m * n if stride_c is None else stride_c
    for name, x, stride, size in (("lhs", a, sa, m * k), ("rhs", b, sb, k * n),
                                  ("out", c, sc, m * n)):
        need = (batch - 1) * stride + size
        if x.size < need:
            raise MXNetValueError("%s: %s holds %d elements, the %d-batch %dx%dx%d product "
                                  "needs %d" % (op, name, x.size, batch, m, n, k, need))
    if batch == 0 or m == 0 or n == 0:
        return c
    if batch > 65535:
        raise MXNetValueError("%s: batch %d exceeds the CUDA grid limit 65535" % (op, batch))
    if bias is None:
        bias, bias_mode = _no_bias(cuda, c.dtype), 0
    else:
        check_array(op, "bias", bias, dtypes=FLOATS)
        want = n if bias_mode == 1 else m
        if bias.size != want:
            raise MXNetValueError("%s: bias has %d elements, expected %d" % (op, bias.size, want))
    acc = np.dtype(c.dtype).name
    ty = np.dtype(acc).type
    bm = T * R
    grid = ((n + bm - 1) // bm, (m + bm - 1) // bm, batch)
    flat = lambda x: x.reshape(x.size)   # noqa: E731
    _module(acc).gemm[grid, (T, T)](flat(a), flat(b), flat(c), flat(bias), m, n, k, bool(ta),
                                    bool(tb), sa, sb, sc, ty(alpha), ty(beta), int(bias_mode))
    return c


def _prod(dims):
    p = 1
    for d in dims:
        p *= int(d)
    return p


def _lhs_dims(shape, ta):
    """(rows, cols) of MXNet dot's logical lhs matrix, and K."""
    if ta:
        return _prod(shape[1:]), shape[0]
    return _prod(shape[:-1]), shape[-1]


def _rhs_dims(shape, tb):
    if tb:
        return shape[-1], _prod(shape[:-1])
    return shape[0], _prod(shape[1:])


def dot(lhs, rhs, out, ta=False, tb=False, op="dot"):
    """MXNet dot on device arrays (2-D views of N-D operands, see compiler/ops/linalg.py)."""
    m, k = _lhs_dims(tuple(lhs.shape), ta)
    k2, n = _rhs_dims(tuple(rhs.shape), tb)
    if k != k2 or out.size != m * n:
        raise MXNetValueError("%s: lhs %s X rhs %s (transpose_a=%s, transpose_b=%s) does not "
                              "give out %s" % (op, tuple(lhs.shape), tuple(rhs.shape), ta, tb,
                                               tuple(out.shape)))
    return gemm(lhs, rhs, out, m, n, k, ta, tb, op=op)


def dot_backward(og, lhs, rhs, glhs, grhs, ta=False, tb=False, op="_backward_dot"):
    """dA2 = G2 B2^T, dB2 = A2^T G2 on the 2-D views, written in each gradient's layout."""
    m, k = _lhs_dims(tuple(lhs.shape), ta)
    _, n = _rhs_dims(tuple(rhs.shape), tb)
    if og.size != m * n:
        raise MXNetValueError("%s: ograd %s does not match the dot output (%d, %d)"
                              % (op, tuple(og.shape), m, n))
    if ta:      # glhs stored as A2^T (k, m) = B2 G2^T
        gemm(rhs, og, glhs, k, m, n, tb, True, op=op)
    else:       # (m, k) = G2 B2^T
        gemm(og, rhs, glhs, m, k, n, False, not tb, op=op)
    if tb:      # grhs stored as B2^T (n, k) = G2^T A2
        gemm(og, lhs, grhs, n, k, m, True, ta, op=op)
    else:       # (k, n) = A2^T G2
        gemm(lhs, og, grhs, k, n, m, not ta, False, op=op)
    return glhs, grhs


def batch_dot(lhs, rhs, out, ta=False, tb=False, op="batch_dot"):
    ls, rs = tuple(lhs.shape), tuple(rhs.shape)
    if len(ls) < 3 or len(ls) != len(rs) or ls[:-2] != rs[:-2]:
        raise MXNetValueError("%s: lhs %s and rhs %s must be N-D (N >= 3) with equal batch dims"
                              % (op, ls, rs))
    batch = _prod(ls[:-2])
    m, k = (ls[-1], ls[-2]) if ta else (ls[-2], ls[-1])
    k2, n = (rs[-1], rs[-2]) if tb else (rs[-2], rs[-1])
    if k != k2 or tuple(out.shape) != ls[:-2] + (m, n):
        raise MXNetValueError("%s: lhs %s X rhs %s (transpose_a=%s, transpose_b=%s) does not "
                              "give out %s" % (op, ls, rs, ta, tb, tuple(out.shape)))
    return gemm(lhs, rhs, out, m, n, k, ta, tb, batch=batch, op=op)


def fully_connected(data, weight, bias, out, flatten=True, op="FullyConnected"):
    """out = data2 . weight^T + bias, data2 = data as (batch, in_units) (flatten) or
    (prod(shape[:-1]), shape[-1])."""
    check_array(op, "weight", weight, ndim=2)
    num_hidden, in_units = weight.shape
    shape = tuple(data.shape)
    rows = shape[0] if flatten and shape else _prod(shape[:-1])
    if rows * in_units != data.size or out.size != rows * num_hidden:
        raise MXNetValueError("%s: data shape %s does not match weight shape %s (out %s)"
                              % (op, shape, tuple(weight.shape), tuple(out.shape)))
    return gemm(data, weight, out, rows, num_hidden, in_units, False, True, bias=bias,
                bias_mode=0 if bias is None else 1, op=op)


# --- op adapters -----------------------------------------------------------------------------

def _dot_op(op, attrs, inputs, outputs, octx):
    dot(inputs[0], inputs[1], outputs[0], attrs.transpose_a, attrs.transpose_b, op=op.name)


def _dot_backward_op(op, attrs, inputs, outputs, octx):
    dot_backward(inputs[0], inputs[1], inputs[2], outputs[0], outputs[1],
                 attrs.transpose_a, attrs.transpose_b, op=op.name)


def _batch_dot_op(op, attrs, inputs, outputs, octx):
    batch_dot(inputs[0], inputs[1], outputs[0], attrs.transpose_a, attrs.transpose_b,
              op=op.name)


def _fc_op(op, attrs, inputs, outputs, octx):
    bias = None if attrs.no_bias else inputs[2]
    fully_connected(inputs[0], inputs[1], bias, outputs[0], attrs.flatten, op=op.name)


KERNELS = {"dot": _dot_op, "_backward_dot": _dot_backward_op, "batch_dot": _batch_dot_op,
           "FullyConnected": _fc_op}
