"""CPU kernels of the shape / tensor-manipulation ops: copies into preallocated outputs.

Most are NumPy assignments through views (a strided copy in C, no temporaries): tile and
repeat write through an interleaved reshape of the output, broadcasts through
`np.broadcast_to`.  Transposes whose axes collapse to a (batched) 2-D transpose use a
blocked Numba kernel (NumPy's strided copy walks one side with a large stride); padding
fills borders axis by axis from the already written interior (NumPy's edge/reflect
rule), and its backward folds the borders back the same way.
"""
import numpy as np
from numba import njit, prange

BLOCK = 32                 # tile of the blocked transpose
BLOCKED_MIN = 1 << 18      # matrices smaller than this stay in cache: NumPy's copy is as fast
PARALLEL_COPY_MIN = 1 << 20


# --- transpose ---------------------------------------------------------------------------

@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _t2d_block(x, out, b, i0, i1, j0, j1):
    for j in range(j0, j1):          # out rows, written contiguously
        for i in range(i0, i1):
            out[b, j, i] = x[b, i, j]


@njit(cache=True, nogil=True, error_model='numpy')
def transpose_batched(x, out, bs):
    """out[b, j, i] = x[b, i, j], in bs x bs blocks."""
    nb, rows, cols = x.shape
    for b in range(nb):
        for j0 in range(0, cols, bs):
            for i0 in range(0, rows, bs):
                _t2d_block(x, out, b, i0, min(i0 + bs, rows), j0, min(j0 + bs, cols))


@njit(cache=True, nogil=True, error_model='numpy', parallel=True)
def transpose_batched_par(x, out, bs):
    nb, rows, cols = x.shape
    nbj = (cols + bs - 1) // bs
    for t in prange(nb * nbj):
        b = t // nbj
        j0 = (t % nbj) * bs
        for i0 in range(0, rows, bs):
            _t2d_block(x, out, b, i0, min(i0 + bs, rows), j0, min(j0 + bs, cols))


def _collapse_perm(shape, axes):
    """Drop size-1 dims and merge input dims that stay adjacent and in order in `axes`.
    Returns (merged input shape, permutation of the merged dims)."""
    keep = [a for a in axes if shape[a] != 1]
    if not keep:
        return (), ()
    groups = [[keep[0]]]
    for a in keep[1:]:
        prev = groups[-1][-1]
        # adjacent in the input once size-1 dims are ignored
        between = [d for d in range(prev + 1, a) if shape[d] != 1]
        if a > prev and not between:
            groups[-1].append(a)
        else:
            groups.append([a])
    order = sorted(range(len(groups)), key=lambda g: groups[g][0])
    in_shape = tuple(int(np.prod([shape[d] for d in groups[g]])) for g in order)
    rank = {g: i for i, g in enumerate(order)}
    perm = tuple(rank[g] for g in range(len(groups)))
    return in_shape, perm


def transpose(x, axes, out):
    """out = x.transpose(axes) (out preallocated, C-contiguous)."""
    if x.size == 0:
        return
    in_shape, perm = _collapse_perm(x.shape, axes)
    if perm in ((), (0,)):
        out.reshape(-1)[...] = x.reshape(-1)
        return
    if (perm in ((1, 0), (0, 2, 1)) and x.dtype.char != "e" and x.flags.c_contiguous
            and min(in_shape[-2:]) >= BLOCK and in_shape[-1] * in_shape[-2] >= BLOCKED_MIN):
        x3 = x.reshape((1,) + in_shape if len(in_shape) == 2 else in_shape)
        o3 = out.reshape(x3.shape[0], x3.shape[2], x3.shape[1])
        if x.size >= PARALLEL_COPY_MIN:
            transpose_batched_par(x3, o3, BLOCK)
        else:
            transpose_batched(x3, o3, BLOCK)
        return
    out[...] = x.transpose(axes)


# --- tile / repeat -------------------------------------------------------------------------

def tile(x, reps, out):
    """out = np.tile(x, reps) written through an interleaved (r0, d0, r1, d1 ...) view."""
    m = out.ndim
    reps = (1,) * (m - len(reps)) + tuple(reps)
    dims = (1,) * (m - x.ndim) + tuple(x.shape)
    inter = []
    src = []
    for r, d in zip(reps, dims):
        inter += [r, d]
        src += [1, d]
    out.reshape(inter)[...] = x.reshape(src)


def repeat(x, repeats, axis, out):
    """out = np.repeat(x, repeats, axis) (axis None: of the flattened x)."""
    if axis is None:
        out.reshape(x.size, repeats)[...] = x.reshape(x.size, 1)
        return
    pre = int(np.prod(x.shape[:axis], dtype=np.int64))
    post = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    n = x.shape[axis]
    out.reshape(pre, n, repeats, post)[...] = x.reshape(pre, n, 1, post)


# --- pad -----------------------------------------------------------------------------------

def _axis_slice(ndim, axis, sl):
    idx = [slice(None)] * ndim
    idx[axis] = sl
    return tuple(idx)


def pad(x, pads, mode, value, out):
    """Pad x into out; pads = ((before, after), ...) per axis; mode constant/edge/reflect."""
    nd = x.ndim
    interior = tuple(slice(b, b + n) for (b, _), n in zip(pads, x.shape))
    if mode == "constant":
        out.fill(value)
    out[interior] = x
    if mode == "constant":
        return
    for axis in range(nd):
        b, a = pads[axis]
        n = x.shape[axis]
        if b == 0 and a == 0:
            continue
        if mode == "edge":
            if b:
                out[_axis_slice(nd, axis, slice(0, b))] = out[_axis_slice(nd, axis, slice(b, b + 1))]
            if a:
                out[_axis_slice(nd, axis, slice(b + n, b + n + a))] = \
                    out[_axis_slice(nd, axis, slice(b + n - 1, b + n))]
        else:  # reflect (the edge value is not repeated), pads < n
            if b:
                out[_axis_slice(nd, axis, slice(0, b))] = np.flip(
                    out[_axis_slice(nd, axis, slice(b + 1, 2 * b + 1))], axis)
            if a:
                out[_axis_slice(nd, axis, slice(b + n, b + n + a))] = np.flip(
                    out[_axis_slice(nd, axis, slice(b + n - 1 - a, b + n - 1))], axis)


def pad_backward(og, pads, mode, out):
    """Adjoint of `pad` (the constant value has no gradient): fold the borders of og back
    onto the interior, axis by axis (the per-axis maps commute)."""
    nd = og.ndim
    g = og
    for axis in range(nd):
        b, a = pads[axis]
        n = g.shape[axis] - b - a
        if b == 0 and a == 0:
            continue
        core = g[_axis_slice(nd, axis, slice(b, b + n))]
        if mode == "constant":
            g = core
            continue
        core = core.copy()
        if mode == "edge":
            if b:
                core[_axis_slice(nd, axis, slice(0, 1))] += \
                    g[_axis_slice(nd, axis, slice(0, b))].sum(axis=axis, keepdims=True)
            if a:
                core[_axis_slice(nd, axis, slice(n - 1, n))] += \
                    g[_axis_slice(nd, axis, slice(b + n, b + n + a))].sum(axis=axis, keepdims=True)
        else:
            if b:
                core[_axis_slice(nd, axis, slice(1, b + 1))] += np.flip(
                    g[_axis_slice(nd, axis, slice(0, b))], axis)
            if a:
                core[_axis_slice(nd, axis, slice(n - 1 - a, n - 1))] += np.flip(
                    g[_axis_slice(nd, axis, slice(b + n, b + n + a))], axis)
        g = core
    out[...] = g
