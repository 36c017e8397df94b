"""CUDA reductions: sum, mean, prod, max, min, nansum, nanprod, norm (sum of squares/abs).

Same plan as kernels/cpu/reduce.py: a C-contiguous input is reduced one run of adjacent
reduced axes at a time on a 3-D view (outer, red, inner), innermost run first; later passes
combine partial results with the kind's merge reducer.  inner == 1 runs `rows`: one block
per row (blocks stride over rows), threads stride over the row, then a block reduction in
shared memory down to one warp and warp shuffles for the last 32 values (the simulator,
which has no shuffles, reduces in shared memory to the end).  inner > 1 runs `cols`: one
thread per output element, reading coalesced along `inner`.  Kernels are generated per
(kind, dtype) from one template and cached on disk (kernels/cache.py).  Integer data
accumulates in its own dtype (wraps, as MXNet); float16 in float32.  A finalize step (mean's
division, norm's sqrt, the cast to the output dtype) is a generated elementwise kernel.
"""
import numpy as np

from compiler.errors import MXNetValueError
from .. import cache
from ..codegen.elementwise import ElementwiseSpec
from ..cpu.reduce import IDENTITY, KINDS, runs
from . import codegen
from .runtime import BLOCK, SHUFFLE, WARP, check_array, grid_for, require, rows_grid, NUMERIC

_TEMPLATE = '''\
import numpy as np
from numba import cuda

BLOCK = {block}
LIMIT = {limit}          # the shared-memory tree stops here; a warp shuffles the rest
SHUFFLE = {shuffle}


@cuda.jit(cache=True)
def rows(x, out, ident, outer, red):
    sh = cuda.shared.array(BLOCK, dtype=np.{acc})
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < outer:
        base = row * red
        {row_init}
        while r < red:
            v = np.{acc}(x[base + r])
            a = {combine}
            r += BLOCK
        sh[t] = a
        cuda.syncthreads()
        s = BLOCK // 2
        while s >= LIMIT:
            if t < s:
                a = sh[t]
                v = sh[t + s]
                sh[t] = {merge}
            cuda.syncthreads()
            s //= 2
        if SHUFFLE:
            if t < 32:
                a = sh[t]
                off = 16
                while off > 0:
                    v = cuda.shfl_down_sync(0xffffffff, a, off)
                    a = {merge}
                    off //= 2
                if t == 0:
                    out[row] = a
        elif t == 0:
            out[row] = sh[0]
        cuda.syncthreads()
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def cols(x, out, ident, outer, red, inner):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    n = outer * inner
    while k < n:
        o = k // inner
        i = k - o * inner
        base = o * red * inner + i
        {col_init}
        while r < red:
            v = np.{acc}(x[base + r * inner])
            a = {combine}
            r += 1
        out[k] = a
        k += step
'''

_modules = {}


def _module(kind, dtype):
    key = (kind, dtype)
    mod = _modules.get(key)
    if mod is None:
        init, combine, merge_kind = KINDS[kind]
        acc = "float32" if dtype == "float16" else dtype
        first = init == "first"
        shuffle = SHUFFLE and acc in ("float32", "float64", "int32", "int64")
        source = _TEMPLATE.format(
            block=BLOCK, limit=WARP if shuffle else 1, shuffle=shuffle, acc=acc,
            combine=combine, merge=KINDS[merge_kind][1],
            row_init=("a = np.%s(x[base + (t if t < red else 0)])\n        r = t + BLOCK" % acc
                      if first else "a = ident\n        r = t"),
            col_init=("a = np.%s(x[base])\n        r = 1" % acc if first
                      else "a = ident\n        r = 0"))
        mod = _modules[key] = cache.load_source(source, "cuda_red_%s_%s" % (kind, dtype),
                                                salt=codegen.target_salt())
    return mod


def _reduce_3d(kind, dtype, x, out, ident, outer, red, inner):
    mod = _module(kind, dtype)
    if inner == 1:
        mod.rows[rows_grid(outer)](x, out, ident, outer, red)
    else:
        mod.cols[grid_for(outer * inner)](x, out, ident, outer, red, inner)


_FINAL = {}
_IDENT = ElementwiseSpec(("x",), ["x"], tag="cuda_copy")


def _final_spec(expr):
    spec = _FINAL.get(expr)
    if spec is None:
        spec = _FINAL[expr] = ElementwiseSpec(("x",), [expr], params=("n",), tag="cuda_red_fin")
    return spec


def reduce_axes(kind, x, axes, out, finalize=None, op="reduce"):
    """Write into device array `out` (any shape holding the kept dims in order) the `kind`
    reduction of C-contiguous device array `x` over the set `axes`; `finalize` is a scalar
    expression over `x` (the accumulator) and `n` (the reduced count), e.g. "x / n"."""
    cuda = require()
    check_array(op, "data", x, dtypes=NUMERIC + ("float16",))
    check_array(op, "out", out)
    if kind not in KINDS:
        raise MXNetValueError("%s: unknown reduction kind %r" % (op, kind))
    shape = tuple(x.shape)
    axes = set(axes)
    if any(not 0 <= a < len(shape) for a in axes):
        raise MXNetValueError("%s: reduction axes %s out of range for shape %s"
                              % (op, sorted(axes), shape))
    kept = int(np.prod([n for d, n in enumerate(shape) if d not in axes], dtype=np.int64))
    if out.size != kept:
        raise MXNetValueError("%s: output shape %s does not hold the %d kept elements of %s"
                              % (op, tuple(out.shape), kept, shape))
    dtype = np.dtype(x.dtype).name
    ctype = np.dtype(np.float32 if dtype == "float16" else x.dtype)
    n = int(np.prod([shape[d] for d in axes], dtype=np.int64))
    direct = finalize is None and np.dtype(out.dtype) == ctype
    target = out.reshape(max(kept, 1)) if direct else cuda.device_array(max(kept, 1), ctype)
    ident = ctype.type(IDENTITY[kind])
    if x.size == 0:
        if kept:
            codegen.fill(target, ident, op=op)
    else:
        cur, cur_dtype = x.reshape(x.size), dtype
        rs = runs(shape, [d in axes for d in range(len(shape))])
        k = kind
        if not any(r for _, r in rs) and kind in ("sum", "prod", "max", "min"):
            codegen.launch(_IDENT, [target], [cur], op=op)   # one element each: a copy
        elif not any(r for _, r in rs):     # only size-1 axes reduced: still apply the kind
            _reduce_3d(kind, cur_dtype, cur, target, ident, x.size, 1, 1)
        while any(r for _, r in rs):
            last = max(i for i, (_, r) in enumerate(rs) if r)
            outer = int(np.prod([m for m, _ in rs[:last]], dtype=np.int64))
            inner = int(np.prod([m for m, _ in rs[last + 1:]], dtype=np.int64))
            rest = rs[:last] + rs[last + 1:]
            done = not any(r for _, r in rest)
            dst = target if done else cuda.device_array(outer * inner, ctype)
            _reduce_3d(k, cur_dtype, cur, dst, ident, outer, rs[last][0], inner)
            cur, cur_dtype = dst, ctype.name
            k = KINDS[kind][2]
            ident = ctype.type(IDENTITY[k])
            rs = runs([m for m, _ in rest], [r for _, r in rest])
    if not direct and kept:
        expr = finalize or "x"
        codegen.launch(_final_spec(expr), [out.reshape(kept)], [target],
                       (ctype.type(n) if ctype.kind == "f" else np.int64(n),), op=op)
    return out


# --- op adapters: fn(attrs, inputs, outputs, octx) -------------------------------------------

def _op_kernel(kind, finalize_for=None):
    def run(op, attrs, inputs, outputs, octx):
        x = inputs[0]
        axes = op.axes_of(attrs, tuple(x.shape))
        fin = finalize_for(attrs, x) if finalize_for else None
        reduce_axes(kind, x, axes, outputs[0], finalize=fin, op=op.name)
    return run


def _mean_final(attrs, x):
    return "x / n" if np.dtype(x.dtype).kind == "f" else "div(x, n)"


def _norm_kernel(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    axes = op.axes_of(attrs, tuple(x.shape))
    fin = "math.sqrt(x)" if attrs.ord == 2 else "x"
    reduce_axes("sumsq" if attrs.ord == 2 else "sumabs", x, axes, outputs[0],
                finalize=fin, op=op.name)


KERNELS = {
    "sum": _op_kernel("sum"), "prod": _op_kernel("prod"), "max": _op_kernel("max"),
    "min": _op_kernel("min"), "nansum": _op_kernel("nansum"),
    "nanprod": _op_kernel("nanprod"), "mean": _op_kernel("sum", _mean_final),
    "norm": _norm_kernel,
}
