"""CPU kernels of the indexing and sorting ops: take, Embedding, pick, one_hot, gather_nd,
scatter_nd, topk / sort / argsort, and the scatter-adds of their gradients.

Numba does not check bounds, so every kernel here receives int64 indices that the Python
wrapper has already clipped, wrapped or validated into range (`normalize`): no kernel ever
sees an index it could not use.  Pure data movement runs on a same-size unsigned-integer
view of the data (Numba cannot take float16 arrays, and one compiled signature then serves
every dtype of that width); scatter-adds of float16 accumulate in float32.  Shapes are
collapsed to (pre, n, post) around the indexed axis, so kernels compile per dtype only.
"""
import numpy as np
from numba import njit

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def bits(a):
    """`a` viewed as unsigned integers of the same width (data movement of any dtype)."""
    return a.view(_UINT[a.dtype.itemsize])


def split3(shape, axis):
    """(prod(shape[:axis]), shape[axis], prod(shape[axis+1:]))."""
    pre = int(np.prod(shape[:axis], dtype=np.int64))
    post = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return pre, shape[axis], post


def to_int64(indices):
    """Indices as int64, truncating floats toward zero as MXNet's static_cast does
    (NaN/Inf become INT64_MIN, which clip / wrap / validation then handle)."""
    if indices.dtype == np.int64:
        return indices.reshape(-1)
    with np.errstate(invalid="ignore"):
        return indices.reshape(-1).astype(np.int64)


def normalize(indices, n, mode):
    """Flat int64 indices in [0, n): mode 'clip' clamps, 'wrap' takes Python's modulo."""
    with np.errstate(invalid="ignore"):
        idx = indices.reshape(-1).astype(np.int64)      # always a fresh copy
    if mode == "wrap":
        np.mod(idx, n, out=idx)
    else:
        np.clip(idx, 0, n - 1, out=idx)
    return idx


def _accum_dtype(dtype):
    return np.float32 if dtype == np.float16 else dtype


# --- gathers -----------------------------------------------------------------------------

@njit(cache=True, nogil=True, error_model='numpy')
def _gather_axis(a, idx, out):
    """out[p, i, q] = a[p, idx[i], q]   (idx already in range)."""
    for p in range(a.shape[0]):
        for i in range(idx.shape[0]):
            j = idx[i]
            for q in range(a.shape[2]):
                out[p, i, q] = a[p, j, q]


def gather_axis(a, axis, idx, out):
    """take along `axis` with in-range int64 `idx`: out = a.take(idx, axis)."""
    pre, n, post = split3(a.shape, axis)
    if out.size == 0:
        return
    _gather_axis(bits(a).reshape(pre, n, post), idx, bits(out).reshape(pre, idx.shape[0], post))


@njit(cache=True, nogil=True, error_model='numpy')
def _scatter_add_axis(grad, g, idx):
    """grad[p, idx[i], q] += g[p, i, q]."""
    for p in range(grad.shape[0]):
        for i in range(idx.shape[0]):
            j = idx[i]
            for q in range(grad.shape[2]):
                grad[p, j, q] += g[p, i, q]


def scatter_add_axis(grad, axis, idx, g):
    """grad (overwritten) = zeros with g's slices added at positions idx along `axis`."""
    pre, n, post = split3(grad.shape, axis)
    acc = grad if grad.dtype != np.float16 else np.empty(grad.shape, np.float32)
    acc.fill(0)
    if g.size:
        g3 = g.reshape(pre, idx.shape[0], post)
        if g3.dtype != acc.dtype:
            g3 = g3.astype(acc.dtype)
        _scatter_add_axis(acc.reshape(pre, n, post), g3, idx)
    if acc is not grad:
        grad[...] = acc


@njit(cache=True, nogil=True, error_model='numpy')
def _gather_along(a, idx, out):
    """out[p, i, q] = a[p, idx[p, i, q], q]   (pick, topk values)."""
    for p in range(out.shape[0]):
        for i in range(out.shape[1]):
            for q in range(out.shape[2]):
                out[p, i, q] = a[p, idx[p, i, q], q]


def gather_along(a3, idx3, out3):
    if out3.size:
        _gather_along(bits(a3), idx3, bits(out3))


@njit(cache=True, nogil=True, error_model='numpy')
def _scatter_add_along(grad, g, idx):
    """grad[p, idx[p, i, q], q] += g[p, i, q]."""
    for p in range(g.shape[0]):
        for i in range(g.shape[1]):
            for q in range(g.shape[2]):
                grad[p, idx[p, i, q], q] += g[p, i, q]


def scatter_add_along(out, shape3, idx3, g3):
    """out (overwritten; viewed as `shape3`) = zeros + g3 added at idx3 along axis 1."""
    acc = out if out.dtype != np.float16 else np.empty(out.shape, np.float32)
    acc.fill(0)
    if g3.size:
        g = g3 if g3.dtype == acc.dtype else g3.astype(acc.dtype)
        _scatter_add_along(acc.reshape(shape3), g, idx3)
    if acc is not out:
        out[...] = acc


@njit(cache=True, nogil=True, error_model='numpy')
def _set_along(out, idx, value):
    """out[p, idx[p, i, q], q] = value (out zero-filled before)."""
    for p in range(idx.shape[0]):
        for i in range(idx.shape[1]):
            for q in range(idx.shape[2]):
                out[p, idx[p, i, q], q] = value


def mask_along(out3, idx3):
    """out3 = 0 everywhere except 1 at idx3 along axis 1 (topk's mask)."""
    one = bits(np.ones(1, out3.dtype))[0]
    o = bits(out3)
    o.fill(0)
    if idx3.size:
        _set_along(o, idx3, one)


# --- one_hot -----------------------------------------------------------------------------

@njit(cache=True, nogil=True, error_model='numpy')
def _one_hot(idx, out, on, off):
    for i in range(idx.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = off
        j = idx[i]
        if 0 <= j < out.shape[1]:
            out[i, j] = on


def one_hot(indices, out, on_value, off_value):
    """out (..., depth): on_value where the truncated index equals the position, else
    off_value; indices outside [0, depth) (negative ones too) give an all-off row."""
    depth = out.shape[-1]
    idx = to_int64(indices)
    values = np.array([on_value, off_value]).astype(out.dtype)
    vb = bits(values)
    if out.size:
        _one_hot(idx, bits(out).reshape(idx.shape[0], depth), vb[0], vb[1])


# --- gather_nd / scatter_nd ----------------------------------------------------------------

@njit(cache=True, nogil=True, error_model='numpy')
def _scatter_rows(out, data, rows):
    """out[rows[i], :] = data[i, :] (later rows win, as MXNet's sequential CPU loop)."""
    for i in range(rows.shape[0]):
        r = rows[i]
        for q in range(out.shape[1]):
            out[r, q] = data[i, q]


def scatter_rows(out2, data2, rows):
    o = bits(out2)
    o.fill(0)
    if data2.size:
        _scatter_rows(o, bits(data2), rows)


# --- sorting -----------------------------------------------------------------------------

def stable_order(x3, ascending):
    """Stable argsort along axis 1 of a (pre, n, post) array; ties keep index order in
    both directions (MXNet's stable sort).  Descending: sort the reversed axis ascending
    and reverse back, so equal keys stay in index order without negating (unsigned ints)."""
    if ascending:
        return np.argsort(x3, axis=1, kind="stable")
    n = x3.shape[1]
    order = np.argsort(x3[:, ::-1, :], axis=1, kind="stable")[:, ::-1, :]
    return (n - 1) - order
