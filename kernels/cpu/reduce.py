"""CPU reduction kernels (sum, prod, max, min, nansum, nanprod, sum of squares / abs, argmax).

Every reduction runs on 3-D views (outer, reduced, inner) of a C-contiguous array:
`reduce_axes` merges the reduced axes into runs of adjacent dimensions and reduces one run
per pass (innermost first; later passes combine partial results with the kind's `merge`
reducer), so no transposed copy is ever made.  inner == 1 uses the row kernels (a scalar
accumulator per row, vectorised with the FASTMATH flags), inner > 1 the column kernels
(accumulating into the output row, vectorised along `inner`).  Big inputs use `prange`
variants: over rows, over (row, column block) tasks, or over chunks of one long row.

The kernels of one reduction kind are generated from a template (its initial value and
combine expression) into a cached module (kernels/cache.py): compiled once per
(kind, dtype, layout), never per shape.  float16 runs in float32 (Numba has no float16
arithmetic); integer kinds accumulate in the input dtype and wrap as MXNet does.
"""
import numpy as np

from .. import cache
from ..codegen.elementwise import FASTMATH

# Reductions are memory-bound: on 2 cores a serial loop matched the parallel one up to 4M
# elements (measured: 128x512 sum 34 us serial vs 44 us parallel), and a parallel launch
# between two BLAS calls hands the cores back and forth.  Go parallel only for big inputs.
PARALLEL_MIN = 1 << 20

COL_BLOCK = 512          # columns per parallel task of the column kernels
SPLIT_CHUNKS = 64        # chunks a single long row is split into for a parallel reduction

# kind -> (initial value: "ident" (argument) or "first" (first element), combine, merge kind)
KINDS = {
    "sum": ("ident", "a + v", "sum"),
    "prod": ("ident", "a * v", "prod"),
    "max": ("first", "v if (v > a or v != v) else a", "max"),
    "min": ("first", "v if (v < a or v != v) else a", "min"),
    "nansum": ("ident", "a if v != v else a + v", "sum"),
    "nanprod": ("ident", "a if v != v else a * v", "prod"),
    "sumsq": ("ident", "a + v * v", "sum"),
    "sumabs": ("ident", "a + abs(v)", "sum"),
}
IDENTITY = {"sum": 0, "prod": 1, "nansum": 0, "nanprod": 1, "sumsq": 0, "sumabs": 0,
            "max": 0, "min": 0}

_TEMPLATE = '''\
import numpy as np
from numba import njit, prange

_FM = {fastmath}


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM, inline='always')
def _row(seg, ident):
    {row_init}
    for r in range({row_start}, seg.shape[0]):
        v = seg[r]
        a = {combine}
    return a


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM)
def rows(x, out, ident):
    for o in range(x.shape[0]):
        out[o] = _row(x[o], ident)


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM, parallel=True)
def rows_par(x, out, ident):
    for o in prange(x.shape[0]):
        out[o] = _row(x[o], ident)


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM, parallel=True)
def row_chunks(x, part, step, ident):
    """part[o, c] = reduction of x[o, c*step:(c+1)*step] (every chunk non-empty)."""
    nchunk = part.shape[1]
    n = x.shape[1]
    for t in prange(x.shape[0] * nchunk):
        o = t // nchunk
        lo = (t % nchunk) * step
        part[o, t % nchunk] = _row(x[o, lo:min(lo + step, n)], ident)


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM, inline='always')
def _cols_block(x, out, o, i0, i1, ident):
    """out[o, i0:i1] = reduction of x[o, :, i0:i1] over axis 1 (a local accumulator row
    lets LLVM vectorise: it cannot alias x)."""
    n = i1 - i0
    acc = np.empty(n, out.dtype)
    first = x[o, 0, i0:i1]
    for i in range(n):
        acc[i] = {col_init}
    for r in range({row_start}, x.shape[1]):
        row = x[o, r, i0:i1]
        for i in range(n):
            v = row[i]
            a = acc[i]
            acc[i] = {combine}
    for i in range(n):
        out[o, i0 + i] = acc[i]


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM)
def cols(x, out, ident, block):
    inner = x.shape[2]
    for o in range(x.shape[0]):
        for i0 in range(0, inner, block):
            _cols_block(x, out, o, i0, min(i0 + block, inner), ident)


@njit(cache=True, nogil=True, error_model='numpy', fastmath=_FM, parallel=True)
def cols_par(x, out, ident, block):
    inner = x.shape[2]
    nb = (inner + block - 1) // block
    for t in prange(x.shape[0] * nb):
        o = t // nb
        i0 = (t % nb) * block
        _cols_block(x, out, o, i0, min(i0 + block, inner), ident)
'''

_ARG_TEMPLATE = '''\
import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, error_model='numpy')
def _row(x, o):
    best = x[o, 0]
    bi = 0
    for r in range(1, x.shape[1]):
        v = x[o, r]
        if {better}:
            best = v
            bi = r
    return bi


@njit(cache=True, nogil=True, error_model='numpy')
def rows(x, idx):
    for o in range(x.shape[0]):
        idx[o] = _row(x, o)


@njit(cache=True, nogil=True, error_model='numpy', parallel=True)
def rows_par(x, idx):
    for o in prange(x.shape[0]):
        idx[o] = _row(x, o)


@njit(cache=True, nogil=True, error_model='numpy')
def _cols_row(x, idx, val, o):
    for i in range(x.shape[2]):
        val[o, i] = x[o, 0, i]
        idx[o, i] = 0
    for r in range(1, x.shape[1]):
        for i in range(x.shape[2]):
            v = x[o, r, i]
            best = val[o, i]
            if {better}:
                val[o, i] = v
                idx[o, i] = r


@njit(cache=True, nogil=True, error_model='numpy')
def cols(x, idx, val):
    for o in range(x.shape[0]):
        _cols_row(x, idx, val, o)


@njit(cache=True, nogil=True, error_model='numpy', parallel=True)
def cols_par(x, idx, val):
    for o in prange(x.shape[0]):
        _cols_row(x, idx, val, o)
'''

_ARG_BETTER = {
    # the first NaN wins (NumPy and MXNet); ties keep the first index
    "argmax": "v > best or (v != v and best == best)",
    "argmin": "v < best or (v != v and best == best)",
}

_modules = {}


def _module(kind):
    mod = _modules.get(kind)
    if mod is None:
        if kind in _ARG_BETTER:
            source = _ARG_TEMPLATE.format(better=_ARG_BETTER[kind])
        else:
            init, combine, _ = KINDS[kind]
            first = init == "first"
            source = _TEMPLATE.format(
                fastmath=FASTMATH, combine=combine,
                row_init="a = seg[0]" if first else "a = ident",
                row_start="1" if first else "0",
                col_init="first[i]" if first else "ident")
        mod = cache.load_source(source, "cpu_" + kind)
        _modules[kind] = mod
    return mod


_kern_cache = {}


def _fn(kind, name):
    """Function `name` of the `kind` module, wrapped so that its first call (a compile or
    a cache load) holds the module's file lock."""
    k = _kern_cache.get((kind, name))
    if k is None:
        mod = _module(kind)
        k = _kern_cache[(kind, name)] = cache.Kernel(getattr(mod, name), (kind, name),
                                                     mod.__file__ + ".lock")
    return k


# --- layout ---------------------------------------------------------------------------

def runs(shape, flags):
    """Merge adjacent dims with the same `reduced` flag into [size, reduced] runs (size-1
    dims are dropped: they change no layout)."""
    out = []
    for n, red in zip(shape, flags):
        if n == 1:
            continue
        if out and out[-1][1] == red:
            out[-1][0] *= n
        else:
            out.append([n, red])
    return out


def _reduce_3d(kind, x3, out2, ident):
    """out2 (outer, inner) = reduction of x3 (outer, red, inner) over axis 1; red >= 1."""
    outer, red, inner = x3.shape
    big = x3.size >= PARALLEL_MIN
    if inner == 1:
        x2 = x3.reshape(outer, red)
        o1 = out2.reshape(outer)
        if big and outer < 8 and red >= 2 * SPLIT_CHUNKS:
            step = -(-red // SPLIT_CHUNKS)
            nchunk = -(-red // step)
            part = np.empty((outer, nchunk), out2.dtype)
            _fn(kind, "row_chunks")(x2, part, step, ident)
            merge = KINDS[kind][2]
            _fn(merge, "rows")(part, o1, ident.dtype.type(IDENTITY[merge]))
        elif big and outer >= 2:
            _fn(kind, "rows_par")(x2, o1, ident)
        else:
            _fn(kind, "rows")(x2, o1, ident)
    elif big:
        _fn(kind, "cols_par")(x3, out2, ident, COL_BLOCK)
    else:
        _fn(kind, "cols")(x3, out2, ident, COL_BLOCK)


def reduce_axes(kind, x, axes, out, finalize=None):
    """Write into `out` (any shape holding the kept dims in order) the `kind` reduction of
    C-contiguous `x` over the set `axes`.  An empty reduced axis gives the identity.
    `finalize(acc)` post-processes the accumulator array in place before it is stored
    (in float32 for float16 data)."""
    ctype = np.float32 if x.dtype == np.float16 else x.dtype.type
    if x.dtype != ctype:
        x = x.astype(ctype)
    ident = ctype(IDENTITY[kind])
    target = out if out.dtype == ctype and out.flags.c_contiguous else np.empty(out.shape, ctype)
    if x.size == 0:
        target[...] = ident
    else:
        cur = np.ascontiguousarray(x)
        rs = runs(cur.shape, [d in axes for d in range(cur.ndim)])
        k = kind
        if not any(r for _, r in rs):    # reduce over size-1 axes: still apply the kind
            _reduce_3d(kind, cur.reshape(cur.size, 1, 1), target.reshape(cur.size, 1), ident)
        while any(r for _, r in rs):
            last = max(i for i, (_, r) in enumerate(rs) if r)
            outer = int(np.prod([n for n, _ in rs[:last]], dtype=np.int64))
            inner = int(np.prod([n for n, _ in rs[last + 1:]], dtype=np.int64))
            rest = rs[:last] + rs[last + 1:]
            done = not any(r for _, r in rest)
            dst = target.reshape(outer, inner) if done else np.empty((outer, inner), ctype)
            _reduce_3d(k, cur.reshape(outer, rs[last][0], inner), dst, ident)
            cur = dst
            k = KINDS[kind][2]           # later passes combine partial results
            ident = ctype(IDENTITY[k])
            rs = runs([n for n, _ in rest], [r for _, r in rest])
    if finalize is not None:
        finalize(target)
    if target is not out:
        out[...] = target
    return out


def arg_reduce(kind, x, axis, out):
    """argmax/argmin of C-contiguous `x` along `axis` (size >= 1) into `out` (any dtype)."""
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    x = np.ascontiguousarray(x)
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    red = x.shape[axis]
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    x3 = x.reshape(outer, red, inner)
    big = x.size >= PARALLEL_MIN and outer >= 2
    if inner == 1:
        idx = np.empty(outer, np.int64)
        _fn(kind, "rows_par" if big else "rows")(x3.reshape(outer, red), idx)
    else:
        idx = np.empty((outer, inner), np.int64)
        val = np.empty((outer, inner), x.dtype)
        _fn(kind, "cols_par" if big else "cols")(x3, idx, val)
    out.reshape(-1)[...] = idx.reshape(-1)
    return out
