"""CUDA gather_nd, _backward_gather_nd and scatter_nd (MXNet 1.9.1, compiler/ops/indexing.py).

indices (M, Y...) address the first M axes of the target (data for gather_nd, the output
otherwise), seen as (R, width) rows.  A first kernel turns each index tuple y into its
row (gather_nd and its gradient accept -s <= v <= s-1, row = int(v + s) % s; scatter_nd
int(v) in [0, s)) and records the first bad tuple; the flag is read back and an index out
of bounds raises MXNetIndexError (index values are data: the one host read, as take's
'raise').  Then indexing.py's kernels: gather_kernel (gather_nd), a zero fill and the
atomic scatter_add_kernel (_backward_gather_nd: duplicates accumulate, float32/float64).
scatter_nd keeps MXNet's "last duplicate wins" deterministically: atomic max of y per
target row, then only that y writes its row.
"""
import numpy as np

from compiler.errors import MXNetIndexError, MXNetValueError
from . import codegen
from .indexing import gather_kernel, scatter_add_kernel
from .runtime import check_array, empty, grid_for, require, FLOATS, NUMERIC

cuda = require()


@cuda.jit(cache=True)
def rows_kernel(indices, shape, Y, negative_ok, rows, first_bad):
    y = cuda.grid(1)
    while y < Y:
        row = np.int64(0)
        for j in range(len(shape)):
            s = shape[j]
            v = indices[j * Y + y]
            if negative_ok:
                ok = v >= -s and v <= s - 1
                t = np.int64(v + s) % s if ok else np.int64(0)
            else:
                t = np.int64(v) if v == v else np.int64(-1)
                ok = t >= 0 and t < s
            if not ok:
                cuda.atomic.min(first_bad, 0, y)
                t = np.int64(0)
            row = row * s + t
        rows[y] = row
        y += cuda.gridsize(1)


@cuda.jit(cache=True)
def owner_kernel(rows, owner):
    y = cuda.grid(1)
    while y < rows.size:
        cuda.atomic.max(owner, rows[y], y)
        y += cuda.gridsize(1)


@cuda.jit(cache=True)
def scatter_last_kernel(data, rows, owner, out, width):
    k = cuda.grid(1)
    while k < data.size:
        y = k // width
        r = rows[y]
        if owner[r] == y:
            out[r * width + k - y * width] = data[k]
        k += cuda.gridsize(1)


def index_rows(op, indices, target, negative_ok):
    """(int64 rows (Y,), Y, width) of the index tuples into target (R, width)."""
    check_array(op, "indices", indices, dtypes=NUMERIC + ("float16",))
    ishape = tuple(indices.shape)
    if not ishape or ishape[0] > len(target):
        raise MXNetValueError("%s: indices shape %s does not address data shape %s"
                              % (op, ishape, tuple(target)))
    M = ishape[0]
    Y = int(np.prod(ishape[1:], dtype=np.int64))
    width = int(np.prod(target[M:], dtype=np.int64))
    rows = empty((Y,), np.int64)
    if Y:
        bad = require().to_device(np.array([Y], np.int64))
        rows_kernel[grid_for(Y)](indices.reshape(indices.size),
                                 tuple(np.int64(s) for s in target[:M]), Y, bool(negative_ok),
                                 rows, bad)
        y = int(bad.copy_to_host()[0])
        if y < Y:
            host = indices.copy_to_host().reshape(M, Y)[:, y]
            raise MXNetIndexError("%s: index %s is out of bounds for data shape %s"
                                  % (op, host.tolist(), tuple(target)))
    return rows, Y, width


def _gather_nd_op(op, attrs, inputs, outputs, octx):
    data, indices = inputs
    out = outputs[0]
    check_array(op.name, "data", data, dtypes=NUMERIC + ("float16",))
    check_array(op.name, "out", out, dtypes=(np.dtype(data.dtype).name,))
    rows, Y, width = index_rows(op.name, indices, tuple(data.shape), True)
    if out.size:
        R = data.size // max(width, 1)
        gather_kernel[grid_for(out.size)](data.reshape(data.size), rows, out.reshape(out.size),
                                          R, Y, width)


def _backward_gather_nd_op(op, attrs, inputs, outputs, octx):
    og, indices = inputs[0], inputs[1]
    out = outputs[0]
    check_array(op.name, "data", og, dtypes=FLOATS)
    check_array(op.name, "out", out, dtypes=(np.dtype(og.dtype).name,))
    rows, Y, width = index_rows(op.name, indices, tuple(out.shape), True)
    if not out.size:
        return
    codegen.fill(out, 0, op=op.name)
    if og.size:
        scatter_add_kernel[grid_for(og.size)](out.reshape(out.size), rows, og.reshape(og.size),
                                              out.size // width, Y, width)


def _scatter_nd_op(op, attrs, inputs, outputs, octx):
    data, indices = inputs
    out = outputs[0]
    check_array(op.name, "data", data, dtypes=NUMERIC + ("float16",))
    check_array(op.name, "out", out, dtypes=(np.dtype(data.dtype).name,))
    rows, Y, width = index_rows(op.name, indices, tuple(out.shape), False)
    if not out.size:
        return
    codegen.fill(out, 0, op=op.name)
    if Y and width:
        owner = empty((out.size // width,), np.int64)
        codegen.fill(owner, -1, op=op.name)
        owner_kernel[grid_for(Y)](rows, owner)
        scatter_last_kernel[grid_for(data.size)](data.reshape(data.size), rows, owner,
                                                 out.reshape(out.size), width)


KERNELS = {"gather_nd": _gather_nd_op, "_backward_gather_nd": _backward_gather_nd_op,
           "scatter_nd": _scatter_nd_op}
