"""CPU kernels of the linear-algebra ops: dot, batch_dot, FullyConnected and dot's backward.

Every GEMM is a BLAS call from Python on 2-D views of the C-contiguous operands: reshapes
and transposes are views, so no operand is copied and results land directly in the
preallocated outputs.  BLAS is the framework's private single-threaded OpenBLAS instance
(kernels/cpu/blas.py; np.matmul where it declines).  float16 operands are multiplied in
float32 and stored back (no float16 BLAS).  A GEMM of at least SPLIT_FLOPS is split into
column (or row) blocks and batch entries that the threads of kernels/cpu/threads.py take
one at a time (see there why).
"""
import numpy as np

from . import blas, threads

SPLIT_FLOPS = 1 << 23       # smaller GEMMs run on one thread (a pool hand-off costs ~20 us)
MIN_BLOCK = 32              # columns (or rows) per block at least


def _prod(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def lhs_matrix(x, transpose):
    """MXNet dot's 2-D view of lhs: (prod(shape[:-1]), shape[-1]) or, transposed,
    (prod(shape[1:]), shape[0])."""
    if transpose:
        return x.reshape(x.shape[0], _prod(x.shape[1:])).T
    return x.reshape(_prod(x.shape[:-1]), x.shape[-1])


def rhs_matrix(x, transpose):
    """MXNet dot's 2-D view of rhs: (shape[0], prod(shape[1:])) or, transposed,
    (shape[-1], prod(shape[:-1]))."""
    if transpose:
        return x.reshape(_prod(x.shape[:-1]), x.shape[-1]).T
    return x.reshape(x.shape[0], _prod(x.shape[1:]))


def matmul_into(a, b, out):
    """out[...] = a @ b through BLAS (batched when 3-D+), float16 via float32."""
    if out.dtype == np.float16:
        out[...] = np.matmul(a.astype(np.float32), b.astype(np.float32))
    elif out.size:
        if a.shape[-1] == 0:
            out.fill(0)
        else:
            gemm(a, b, out)


def _batch_entry(x, idx, nbatch):
    """x's 2-D matrix for batch index idx of the output (NumPy broadcasting of the batch)."""
    lead = x.ndim - 2
    pick = tuple(0 if x.shape[d] == 1 else idx[nbatch - lead + d] for d in range(lead))
    return x[pick] if lead else x


def gemm_pieces(a, b, out, parts):
    """2-D (a, b, out) pieces of out = a @ b: batch entries, then column blocks (row blocks
    when out is narrow) until there are about `parts` pieces."""
    nbatch = out.ndim - 2
    if nbatch:
        pieces = [(_batch_entry(a, i, nbatch), _batch_entry(b, i, nbatch), out[i])
                  for i in np.ndindex(out.shape[:-2])]
    else:
        pieces = [(a, b, out)]
    split = -(-parts // len(pieces))
    if split <= 1:
        return pieces
    rows, cols = out.shape[-2:]
    result = []
    for pa, pb, po in pieces:
        if cols >= rows or rows < 2 * MIN_BLOCK:
            result += [(pa, pb[:, j0:j1], po[:, j0:j1])
                       for j0, j1 in threads.blocks(cols, min(split, cols // MIN_BLOCK or 1), 16)]
        else:
            result += [(pa[i0:i1], pb, po[i0:i1])
                       for i0, i1 in threads.blocks(rows, min(split, rows // MIN_BLOCK), 8)]
    return result


def serial_matmul(a, b, out):
    """out = a @ b on the calling thread: the private BLAS instance (kernels/cpu/blas.py)
    per 2-D product, np.matmul where it declines (NumPy's BLAS is single-threaded inside
    parallel regions and in gemm)."""
    if out.ndim == 2:
        if not blas.matmul(a, b, out):
            np.matmul(a, b, out=out)
    elif 2 * out.shape[-2] * out.shape[-1] * a.shape[-1] < blas.MIN_FLOPS:
        np.matmul(a, b, out=out)        # small batch entries: one NumPy call
    else:
        for pa, pb, po in gemm_pieces(a, b, out, 1):
            serial_matmul(pa, pb, po)


def gemm(a, b, out):
    """out = a @ b (out preallocated): split over the pool when large, else on this thread."""
    n = threads.num_threads()
    if n > 1 and 2 * out.size * a.shape[-1] >= SPLIT_FLOPS:
        pieces = gemm_pieces(a, b, out, 2 * n)
        if len(pieces) > 1:
            threads.parallel_for(len(pieces), lambda i: serial_matmul(*pieces[i]))
            return
    old = threads.blas_single()
    try:
        serial_matmul(a, b, out)
    finally:
        threads.blas_restore(old)


def dot(lhs, rhs, out, transpose_a, transpose_b):
    a = lhs_matrix(lhs, transpose_a)
    b = rhs_matrix(rhs, transpose_b)
    matmul_into(a, b, out.reshape(a.shape[0], b.shape[1]))


def dot_backward(ograd, lhs, rhs, glhs, grhs, transpose_a, transpose_b):
    """Gradients of out2 = A2 @ B2 on the 2-D views: dA2 = G2 B2^T, dB2 = A2^T G2, each
    written into the gradient's own contiguous layout (transposed operands swap roles)."""
    a = lhs_matrix(lhs, transpose_a)
    b = rhs_matrix(rhs, transpose_b)
    g = ograd.reshape(a.shape[0], b.shape[1])
    if transpose_a:   # glhs is laid out as A2^T (k, m)
        matmul_into(b, g.T, glhs.reshape(a.shape[1], a.shape[0]))
    else:
        matmul_into(g, b.T, glhs.reshape(a.shape))
    if transpose_b:   # grhs is laid out as B2^T (n, k)
        matmul_into(g.T, a, grhs.reshape(b.shape[1], b.shape[0]))
    else:
        matmul_into(a.T, g, grhs.reshape(b.shape))


def batch_dot(lhs, rhs, out, transpose_a, transpose_b):
    a = lhs.swapaxes(-1, -2) if transpose_a else lhs
    b = rhs.swapaxes(-1, -2) if transpose_b else rhs
    matmul_into(a, b, out)


def fully_connected(data, weight, bias, out, flatten):
    """out = data2 @ weight^T (+ bias), data2 = data as (batch, in_units) or, without
    flatten, as (prod(shape[:-1]), shape[-1]); bias added in place, row-broadcast."""
    num_hidden, in_units = weight.shape
    rows = data.shape[0] if flatten and data.ndim else _prod(data.shape[:-1])
    x = data.reshape(rows, in_units)
    out2 = out.reshape(rows, num_hidden)
    matmul_into(x, weight.T, out2)
    if bias is not None and out2.size:
        if out2.dtype == np.float16:
            out2[...] = out2.astype(np.float32) + bias.astype(np.float32)
        else:
            out2 += bias
