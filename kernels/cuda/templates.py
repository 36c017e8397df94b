"""Generated CUDA modules for hand-written kernels that need a compile-time accumulator type.

`cuda.shared.array` takes a constant dtype, so block-reduction kernels are written as
templates over `{acc}` (float32 for float16/float32 data, float64 for float64) and loaded,
one module per (template, acc), through kernels/cache.py like every generated kernel
(source hash + the CUDA target's salt), so a second process loads compiled code.  Each
module starts with the block-reduction device functions below: a shared-memory tree down
to one warp, then warp shuffles on a real GPU (the simulator has no shuffles: its tree runs
to the end, and its blocks are tiny, runtime.BLOCK).
"""
import numpy as np

from .. import cache
from . import codegen
from .runtime import BLOCK, SHUFFLE, WARP

HEADER = '''\
import numpy as np
from numba import cuda

from kernels.codegen.scalar_cuda import math   # the simulator's gives C semantics (log(0) = -inf)

BLOCK = {block}
WARP = {warp}
SHUFFLE = {shuffle}
LIMIT = {limit}
ACC = np.{acc}
NEG_INF = ACC(-np.inf)


@cuda.jit(device=True, inline=True)
def block_sum(sh, a):
    """Sum of `a` over the block (every thread gets it); `sh` is a BLOCK shared array."""
    t = cuda.threadIdx.x
    sh[t] = a
    cuda.syncthreads()
    s = BLOCK // 2
    while s >= LIMIT:
        if t < s:
            sh[t] = sh[t] + sh[t + s]
        cuda.syncthreads()
        s //= 2
    if SHUFFLE:
        if t < WARP:
            a = sh[t]
            off = WARP // 2
            while off > 0:
                a = a + cuda.shfl_down_sync(0xffffffff, a, off)
                off //= 2
            if t == 0:
                sh[0] = a
        cuda.syncthreads()
    r = sh[0]
    cuda.syncthreads()
    return r


@cuda.jit(device=True, inline=True)
def block_max(sh, a):
    """Maximum of `a` over the block, NaN propagating (MXNet's maximum)."""
    t = cuda.threadIdx.x
    sh[t] = a
    cuda.syncthreads()
    s = BLOCK // 2
    while s >= LIMIT:
        if t < s:
            u = sh[t]
            v = sh[t + s]
            sh[t] = v if (v > u or v != v) else u
        cuda.syncthreads()
        s //= 2
    if SHUFFLE:
        if t < WARP:
            a = sh[t]
            off = WARP // 2
            while off > 0:
                v = cuda.shfl_down_sync(0xffffffff, a, off)
                a = v if (v > a or v != v) else a
                off //= 2
            if t == 0:
                sh[0] = a
        cuda.syncthreads()
    r = sh[0]
    cuda.syncthreads()
    return r

'''

_modules = {}


def acc_type(*dtypes):
    """The accumulator type of kernels over these dtypes: float64 if any is, else float32."""
    return "float64" if any(np.dtype(d) == np.float64 for d in dtypes) else "float32"


def load(name, body, acc):
    """The generated module `name` (HEADER + `body`) for accumulator type `acc`."""
    key = (name, acc)
    mod = _modules.get(key)
    if mod is None:
        source = HEADER.format(block=BLOCK, warp=WARP, shuffle=SHUFFLE,
                               limit=WARP if SHUFFLE else 1, acc=acc) + body
        mod = _modules[key] = cache.load_source(source, "cuda_%s_%s" % (name, acc),
                                                salt=codegen.target_salt())
    return mod
