"""Fused elementwise / broadcast CUDA kernels, generated from the same ElementwiseSpec (scalar
expressions) the CPU kernels come from: kernels/codegen/elementwise.py prints the source for
target "cuda", kernels/codegen/scalar_cuda.py gives it the helper names.

`launch(spec, outputs, inputs, params)` broadcasts inputs by element strides (0 where
broadcast), collapses dimensions that are contiguous for every operand (most launches become
1-D with no index arithmetic), and runs a grid-stride kernel generated per (spec, ndim,
layout) -- never per shape or dtype (Numba specializes the one kernel per argument types).
Generated modules are cached on disk through kernels/cache.py, keyed by the hash of the
source + the CUDA helper module + the target, so a second process loads compiled code.
float16 operands are loaded as float32 and stored back as float16 (as the CPU path does).
"""
import hashlib
import os
from types import SimpleNamespace

import numpy as np

from compiler.errors import MXNetError, MXNetValueError
from .. import cache
from ..codegen.elementwise import CudaLayout, ElementwiseSpec, _collapse, generate_source
from .runtime import check_array, flat, grid_for, require

_kernels = {}
_salt = None


def target_salt():
    """Hash of what generated CUDA code depends on beyond its source: the CUDA helper module,
    the target name and numba-cuda's version."""
    global _salt
    if _salt is None:
        cuda = require()
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "codegen", "scalar_cuda.py")
        h = hashlib.sha256()
        with open(path, "rb") as f:
            h.update(f.read())
        h.update(("cuda/%s" % getattr(cuda, "implementation", "")).encode())
        try:
            from importlib.metadata import version
            h.update(version("numba-cuda").encode())
        except Exception:
            pass
        _salt = h.hexdigest()
    return _salt


def get_kernel(spec, ndim, layout):
    """The compiled CUDA kernel of (spec, ndim, layout), generated and loaded once."""
    key = (spec.key(), ndim, layout.key())
    kern = _kernels.get(key)
    if kern is None:
        source = generate_source(spec, ndim, False, target="cuda", layout=layout)
        module = cache.load_source(source, "cuda_" + spec.tag, salt=target_salt())
        kern = _kernels[key] = module.kernel
    return kern


def _c_strides(shape):
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return strides[::-1]


def broadcast_strides(in_shape, out_shape):
    """Element strides of a C-contiguous `in_shape` array broadcast to `out_shape`."""
    lead = len(out_shape) - len(in_shape)
    own = _c_strides(in_shape)
    out = [0] * lead
    for d, n in enumerate(in_shape):
        out.append(0 if (n == 1 and out_shape[lead + d] != 1) else own[d])
    return out


def _broadcasts(shape, to):
    if len(shape) > len(to):
        return False
    lead = len(to) - len(shape)
    return all(a == b or a == 1 for a, b in zip(shape, to[lead:]))


def _io_dtype(dtype):
    """The load/store conversion of a stored dtype: float16 computes in float32."""
    return np.dtype(dtype).char == "e"


def launch(spec, outputs, inputs, params=(), loads=None, op="elementwise", strides=None):
    """Run `spec` on device arrays: `outputs` (one shape, C-contiguous) from `inputs`
    (C-contiguous, broadcastable to it); `loads[k]` converts input k on load (dtype name).
    `strides[k]`, when given, reads input k through explicit element strides per output
    dimension instead (a transposed view: the caller guarantees they stay in bounds)."""
    strides = list(strides or [None] * len(inputs))
    if not outputs:
        raise MXNetValueError("%s: no output arrays" % op)
    if len(inputs) != len(spec.inputs) or len(outputs) != len(spec.outputs):
        raise MXNetValueError("%s: expects %d inputs and %d outputs, got %d and %d"
                              % (op, len(spec.inputs), len(spec.outputs), len(inputs),
                                 len(outputs)))
    for k, o in enumerate(outputs):
        check_array(op, "output %d" % k, o)
    shape = tuple(outputs[0].shape)
    for k, o in enumerate(outputs[1:], 1):
        if tuple(o.shape) != shape:
            raise MXNetValueError("%s: output %d has shape %s, output 0 has %s"
                                  % (op, k, tuple(o.shape), shape))
    for name, x, st in zip(spec.inputs, inputs, strides):
        check_array(op, name, x)
        if st is not None:
            if len(st) != len(shape):
                raise MXNetValueError("%s: input '%s' has %d strides for %d-d output %s"
                                      % (op, name, len(st), len(shape), shape))
        elif tuple(x.shape) != shape and not _broadcasts(tuple(x.shape), shape):
            raise MXNetValueError("%s: input '%s' of shape %s does not broadcast to %s"
                                  % (op, name, tuple(x.shape), shape))
    if len(params) != len(spec.params):
        raise MXNetValueError("%s: expects %d scalar parameters, got %d"
                              % (op, len(spec.params), len(params)))
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return
    loads = list(loads or [None] * len(inputs))
    for k, x in enumerate(inputs):
        if loads[k] is None and _io_dtype(x.dtype):
            loads[k] = "float32"
        elif loads[k] == "float16":
            loads[k] = "float32"
    stores = ["float16" if _io_dtype(o.dtype) else None for o in outputs]
    modes = ["c" if tuple(x.shape) == shape and st is None else "s"
             for x, st in zip(inputs, strides)]
    args = [flat(o) for o in outputs] + [flat(x) for x in inputs] + list(params) + [n]
    if "s" in modes:
        views = [SimpleNamespace(strides=_c_strides(shape), itemsize=1)]
        strided = [k for k, m in enumerate(modes) if m == "s"]
        views += [SimpleNamespace(strides=list(strides[k]) if strides[k] is not None else
                                  broadcast_strides(tuple(inputs[k].shape), shape), itemsize=1)
                  for k in strided]
        cshape, strides = _collapse(shape, views)
        ndim = len(cshape)
        args += list(cshape[1:])
        for st in strides[1:]:
            args += list(st)
    else:
        ndim = 1
    kern = get_kernel(spec, ndim, CudaLayout(modes, loads, stores))
    blocks, threads = grid_for(n)
    kern[blocks, threads](*args)


def run_fusion_spec(op, attrs, inputs, outputs, octx=None):
    """The generic CUDA kernel of an elementwise op: the FusionSpec its declaration gives for
    these dtypes (the same spec, params and input conversions its CPU kernel evaluates)."""
    in_dtypes = [np.dtype(x.dtype).name for x in inputs]
    fs = op.fusion_spec(attrs, in_dtypes)
    if fs is None:
        raise MXNetError("%s: no CUDA kernel for these attributes/dtypes (its CPU kernel "
                         "does more than evaluate one scalar expression)" % op.name)
    launch(fs.spec, outputs, inputs, fs.params, loads=fs.convert, op=op.name)


def run_fused(op, attrs, inputs, outputs, octx=None):
    """CUDA kernel of a FusedElementwise group node (its one spec and runtime params)."""
    launch(op.spec, outputs, inputs, op.params, op=op.name)


FILL = ElementwiseSpec((), ["v"], params=("v",), tag="cuda_fill")


def fill(out, value, op="fill"):
    """out[...] = value (cast to out's dtype)."""
    dtype = np.dtype(np.float32 if np.dtype(out.dtype).char == "e" else out.dtype)
    launch(FILL, [out], [], (dtype.type(value),), op=op)
    return out
