"""CUDA topk (every ret_typ), sort, argsort and _backward_topk: a rank per element.

Data is seen as (pre, n, post) rows along the sort axis (axis=None: one flattened row).
One thread per element counts the elements of its row that come before it in MXNet's
stable order (ties keep index order in both directions; NaN sorts last ascending, first
descending, as kernels/cpu/indexing.stable_order): that count is its rank, and the element
writes its index (and value) at position `rank` of the output when rank < k, or 1/0 into
the mask.  O(n) work per element, no shared memory or temporaries: simple and exact, fine
for the short axes topk/sort usually see (a segmented radix sort would be the tuned path).
Indices and the mask are written as int64 and converted to the output dtype by a generated
copy kernel (float16 / uint8 / ... outputs).  _backward_topk zeroes the gradient and adds
ograd at the indices (atomics, float32/float64); an index out of range raises
MXNetIndexError after one flag is read back (index values are data, as take's 'raise').
"""
import numpy as np

from compiler.errors import MXNetIndexError
from compiler.ops.sorting import sort_geometry, _k_of
from . import codegen
from .memory import copy_into
from .runtime import check_array, empty, grid_for, require, FLOATS, NUMERIC

cuda = require()


@cuda.jit(device=True, inline=True)
def _less(a, b):
    """a < b with NaN greatest (NumPy's sort order)."""
    return a < b or (b != b and a == a)


@cuda.jit(cache=True)
def rank_kernel(x, pre, n, post, k, ascending, idx_out, vals, has_vals, mask, has_mask):
    total = pre * n * post
    i = cuda.grid(1)
    while i < total:
        q = i % post
        r = i // post
        e = r % n
        p = r // n
        base = p * n * post + q
        v = x[i]
        rank = 0
        for j in range(n):
            u = x[base + j * post]
            if ascending:
                lt = _less(u, v)
                gt = _less(v, u)
            else:
                lt = _less(v, u)
                gt = _less(u, v)
            if lt or (j < e and not gt):
                rank += 1
        if has_mask:
            mask[i] = 1 if rank < k else 0
        elif rank < k:
            o = (p * k + rank) * post + q
            idx_out[o] = e
            if has_vals:
                vals[o] = v
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def scatter_kernel(og, idx, dx, pre, n, post, k, bad):
    total = pre * k * post
    i = cuda.grid(1)
    while i < total:
        q = i % post
        p = i // (k * post)
        j = np.int64(idx[i])
        if j < 0 or j >= n:
            bad[0] = 1
        else:
            cuda.atomic.add(dx, (p * n + j) * post + q, og[i])
        i += cuda.gridsize(1)


def rank_sort(x, attrs, k, ascending, indices=None, values=None, mask=None, op="sort"):
    """Write the top-k `indices` (any dtype), `values` and/or the 0/1 `mask` of x."""
    check_array(op, "data", x, dtypes=NUMERIC + ("float16",))
    pre, n, post, k, vshape = sort_geometry(attrs, tuple(x.shape), k)
    dt = (np.dtype(x.dtype).name,)
    for name, a in (("indices", indices), ("values", values)):
        if a is not None:
            check_array(op, name, a, shape=vshape, dtypes=None if name == "indices" else dt)
    if mask is not None:
        check_array(op, "mask", mask, shape=x.shape)
    if x.size == 0:
        return
    idx64 = None
    if mask is None:
        idx64 = indices if indices is not None and indices.dtype == np.int64 else \
            empty((pre * k * post,), np.int64)
    m64 = empty((x.size,), np.int64) if mask is not None else None
    dummy64 = empty((1,), np.int64)
    vals = values.reshape(values.size) if values is not None else empty((1,), x.dtype)
    rank_kernel[grid_for(x.size)](x.reshape(x.size), pre, n, post, k, bool(ascending),
                                  dummy64 if idx64 is None else idx64.reshape(idx64.size),
                                  vals, values is not None, dummy64 if m64 is None else m64,
                                  mask is not None)
    if mask is not None:
        copy_into(mask.reshape(mask.size), m64)
    elif indices is not None and idx64 is not indices:
        copy_into(indices.reshape(indices.size), idx64)


def _topk_op(op, attrs, inputs, outputs, octx):
    x, ret = inputs[0], attrs.ret_typ
    if ret == "mask":
        rank_sort(x, attrs, attrs.k, attrs.is_ascend, mask=outputs[0], op=op.name)
    elif ret == "indices":
        rank_sort(x, attrs, attrs.k, attrs.is_ascend, indices=outputs[0], op=op.name)
    else:
        rank_sort(x, attrs, attrs.k, attrs.is_ascend, indices=outputs[1], values=outputs[0],
                  op=op.name)


def _sort_op(op, attrs, inputs, outputs, octx):
    rank_sort(inputs[0], attrs, 0, attrs.is_ascend, indices=outputs[1], values=outputs[0],
              op=op.name)


def _argsort_op(op, attrs, inputs, outputs, octx):
    rank_sort(inputs[0], attrs, 0, attrs.is_ascend, indices=outputs[0], op=op.name)


def _backward_topk_op(op, attrs, inputs, outputs, octx):
    og, indices, data = inputs
    dx = outputs[0]
    check_array(op.name, "data", data, dtypes=FLOATS)
    check_array(op.name, "out", dx, dtypes=(np.dtype(data.dtype).name,), shape=data.shape)
    pre, n, post, k, vshape = sort_geometry(attrs, tuple(data.shape),
                                            _k_of(attrs, og.shape, len(data.shape)))
    check_array(op.name, "ograd", og, dtypes=(np.dtype(data.dtype).name,), shape=vshape)
    check_array(op.name, "indices", indices, dtypes=NUMERIC + ("float16",), shape=vshape)
    if not dx.size:
        return
    codegen.fill(dx, 0, op=op.name)
    if not og.size:
        return
    bad = require().to_device(np.zeros(1, np.int32))
    scatter_kernel[grid_for(og.size)](og.reshape(og.size), indices.reshape(indices.size),
                                      dx.reshape(dx.size), pre, n, post, k, bad)
    if int(bad.copy_to_host()[0]):
        raise MXNetIndexError("%s: an index is out of bounds for an axis of size %d"
                              % (op.name, n))


KERNELS = {"topk": _topk_op, "sort": _sort_op, "argsort": _argsort_op,
           "_backward_topk": _backward_topk_op}


# --- _shuffle: a random permutation of the first axis -------------------------------------

class _Axis0:
    axis = 0


def shuffle(x, out, seed, offset=0, op="_shuffle"):
    """out = x with its rows (first axis) in a random order: one Philox uniform key per row
    (philox.uniform, 32-bit resolution), ranked by rank_sort (ties, which 32-bit keys make
    possible for many rows, keep index order: still a permutation), then a row gather."""
    from .indexing import gather_kernel
    from .philox import uniform
    check_array(op, "data", x, dtypes=NUMERIC + ("float16",))
    check_array(op, "out", out, dtypes=(np.dtype(x.dtype).name,), shape=x.shape)
    if not x.size:
        return out
    if len(x.shape) == 0:
        out.copy_to_device(x)
        return out
    n = int(x.shape[0])
    keys = uniform(empty((n,), np.float64), seed, offset, op=op)
    perm = empty((n,), np.int64)
    rank_sort(keys, _Axis0, 0, True, indices=perm, op=op)
    inner = x.size // n
    gather_kernel[grid_for(x.size)](x.reshape(x.size), perm, out.reshape(out.size), n, n, inner)
    return out


def _shuffle_op(op, attrs, inputs, outputs, octx):
    from .philox import next_key
    seed, offset = next_key(octx, op.name)
    shuffle(inputs[0], outputs[0], seed, offset, op=op.name)


KERNELS["_shuffle"] = _shuffle_op
