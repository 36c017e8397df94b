"""Generated elementwise kernels from scalar expressions.

`ElementwiseSpec` describes one scalar computation: named inputs, named runtime
parameters (scalars passed as arguments, so a new value never recompiles) and one or more
output expressions evaluated after optional temporaries.  `launch` broadcasts the inputs to
the output shape, collapses dimensions that are contiguous for every operand, and calls a
kernel generated for (spec, ndim, dtypes, layouts, parallel) — never per shape.
"""
import numpy as np

from .. import cache

PARALLEL_MIN = 1 << 16            # below this, a parallel launch costs more than it saves
# Keeps NaN/Inf semantics and correctly rounded division and libm calls (no 'arcp', 'afn':
# MXNet's C++ is not built with fast-math, and 'afn' crashed LLVM on integer pow).
FASTMATH = "{'nsz', 'contract', 'reassoc'}"
_kernels = {}


class ElementwiseSpec:
    """inputs: names; params: scalar argument names; body: [(name, expr)]; outputs: exprs."""

    __slots__ = ("inputs", "params", "body", "outputs", "tag", "_key", "_compiled")

    def __init__(self, inputs, outputs, params=(), body=(), tag="ew"):
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.body = tuple(tuple(b) for b in body)
        self.outputs = tuple(outputs)
        self.tag = tag
        self._key = (self.inputs, self.params, self.body, self.outputs)
        self._compiled = {}

    def key(self):
        return self._key


def _index(ndim):
    return ", ".join("i%d" % d for d in range(ndim))


def generate_source(spec, ndim, parallel):
    """Python source of a Numba kernel `kernel(out0.., in0.., params..)` for `ndim` dims."""
    outs = ["out%d" % k for k in range(len(spec.outputs))]
    ins = ["in%d" % k for k in range(len(spec.inputs))]
    args = outs + ins + ["p_" + p for p in spec.params]
    lines = [
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
        "from kernels.codegen.scalar import *  # noqa",
        "",
        "@njit(cache=True, nogil=True, error_model='numpy', fastmath=%s, parallel=%s)"
        % (FASTMATH, parallel),
        "def kernel(%s):" % ", ".join(args),
    ]
    for p in spec.params:
        lines.append("    %s = p_%s" % (p, p))
    idx = _index(ndim)
    for d in range(ndim):
        loop = "prange" if (parallel and d == 0) else "range"
        lines.append("    " * (d + 1) + "for i%d in %s(out0.shape[%d]):" % (d, loop, d))
    pad = "    " * (ndim + 1)
    for name, arr in zip(spec.inputs, ins):
        lines.append("%s%s = %s[%s]" % (pad, name, arr, idx))
    for name, expr in spec.body:
        lines.append("%s%s = %s" % (pad, name, expr))
    for arr, expr in zip(outs, spec.outputs):
        lines.append("%s%s[%s] = %s" % (pad, arr, idx, expr))
    return "\n".join(lines) + "\n"


def _collapse(shape, arrays):
    """Merge adjacent dims that are contiguous in every array; returns (shape, strides list)."""
    strides = [list(a.strides) for a in arrays]
    shape = list(shape)
    d = len(shape) - 1
    while d > 0:
        if all(st[d - 1] == st[d] * shape[d] for st in strides) or shape[d] == 1 or shape[d - 1] == 1:
            if shape[d] == 1:
                for st in strides:
                    del st[d]
                del shape[d]
            elif shape[d - 1] == 1:
                for st in strides:
                    del st[d - 1]
                del shape[d - 1]
            else:
                for st in strides:
                    st[d - 1] = st[d]
                    del st[d]
                shape[d - 1] *= shape[d]
                del shape[d]
        d -= 1
    if not shape:
        shape, strides = [1], [[a.itemsize] for a in arrays]
    return tuple(shape), strides


def _get_kernel(spec, ndim, sig, parallel):
    local = (ndim, sig, parallel)
    kern = spec._compiled.get(local)
    if kern is None:
        key = (spec.key(),) + local
        kern = _kernels.get(key)
        if kern is None:
            source = generate_source(spec, ndim, parallel)
            kern = cache.kernel_from_source(source, spec.tag, "kernel", key)
            _kernels[key] = kern
        spec._compiled[local] = kern
    return kern


def launch(spec, outputs, inputs, params=()):
    """Run `spec` writing `outputs` (same shape, C-contiguous) from broadcastable `inputs`."""
    shape = outputs[0].shape
    size = outputs[0].size
    if all(a.shape == shape and a.flags.c_contiguous for a in inputs) and size:
        flat = [a.reshape(size) for a in outputs] + [a.reshape(size) for a in inputs]
        sig = tuple(a.dtype.char for a in flat)
        kern = _get_kernel(spec, 1, sig, size >= PARALLEL_MIN)
        kern(*flat, *params)
        return
    views = [np.broadcast_to(a, shape) if a.shape != shape else a for a in inputs]
    arrays = list(outputs) + views
    if outputs[0].size == 0:
        return
    cshape, strides = _collapse(shape, arrays)
    flat = [np.lib.stride_tricks.as_strided(a, cshape, st) for a, st in zip(arrays, strides)]
    sig = tuple((a.dtype.char, a.flags.c_contiguous) for a in flat)
    parallel = outputs[0].size >= PARALLEL_MIN
    kern = _get_kernel(spec, len(cshape), sig, parallel)
    kern(*flat, *params)
