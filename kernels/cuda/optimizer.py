"""CUDA optimizer updates, generated from the update formulas of kernels/codegen/optimizer.py
(the same declarations the CPU kernels come from): sgd_update, sgd_mom_update,
nag_mom_update, adam_update, rmsprop_update, rmspropalex_update, ftrl_update, ftml_update,
signsgd_update, signum_update and the multi-precision mp_sgd_update, mp_sgd_mom_update,
mp_nag_mom_update.

Each op's `step` (compiler/ops/optimizer.py) picks the formula and converts the scalars as
on the CPU: every float attribute is a C++ float in MXNet, rounded to float32, then cast to
the weight dtype.  The output first receives the weight (a device copy, skipped when `out`
is the weight buffer) and the generated grid-stride kernel then updates it and the states
IN PLACE, one thread per element.  mp_* ops update the float32 master weight `weight32`
(the gradient is cast to float32 on the device when needed) and write it, cast, to the
output.  float32/float64 weights (mp_*: float16 too).
"""
import numpy as np

from compiler.errors import MXNetError
from compiler.ops.optimizer import _Scalars
from ..codegen.elementwise import CudaLayout
from .codegen import get_kernel
from .memory import copy_into
from .runtime import check_array, empty, flat, grid_for, require, same_dtype, FLOATS

require()


def run(spec, arrays, params, op="update"):
    """Update in place on the device: `arrays` are the spec's fresh outputs then its arrays
    (weight, grad, states), C-contiguous, one size; `params` its scalars in their dtype."""
    n_arrays = len(spec.fresh_outputs()) + len(spec.inputs)
    if len(arrays) != n_arrays or len(params) != len(spec.params):
        raise MXNetError("%s: expects %d arrays and %d scalars, got %d and %d"
                         % (op, n_arrays, len(spec.params), len(arrays), len(params)))
    n = arrays[0].size
    for k, a in enumerate(arrays):
        check_array(op, "array %d" % k, a)
        if a.size != n:
            raise MXNetError("%s: array %d has %d elements, array 0 has %d"
                             % (op, k, a.size, n))
    if n:
        kern = get_kernel(spec, 1, CudaLayout.contiguous(spec))
        kern[grid_for(n)](*[flat(a) for a in arrays], *params, n)


def same_buffer(a, b):
    """Whether two device arrays share their first element (out=weight)."""
    if a is b:
        return True
    ha, hb = getattr(a, "_ary", None), getattr(b, "_ary", None)     # the simulator's arrays
    if ha is not None and hb is not None:
        return bool(np.shares_memory(ha, hb))
    try:
        return a.device_ctypes_pointer.value == b.device_ctypes_pointer.value
    except AttributeError:
        return False


def _check(op, inputs, outputs, fp32=()):
    names = list(op.arguments) + ["out"]
    arrays = list(inputs) + [outputs[0]]
    w = inputs[0]
    for name, a in zip(names, arrays):
        dt = ("float32",) if name in fp32 else (FLOATS + ("float16",) if fp32 else FLOATS)
        check_array(op.name, name, a, dtypes=dt, shape=w.shape)
    same_dtype(op.name, [(n, a) for n, a in zip(names, arrays) if n not in fp32])


def _plain(op, attrs, inputs, outputs, octx):
    _check(op, inputs, outputs)
    w, out = inputs[0], outputs[0]
    aliased = same_buffer(out, w)
    if not aliased:
        copy_into(out, w)
    spec, params = op.step(attrs, _Scalars(np.dtype(w.dtype).type, False), aliased)
    run(spec, [out] + list(inputs[1:]), params, op=op.name)


def _mp(op, attrs, inputs, outputs, octx):
    _check(op, inputs, outputs, fp32=op.fp32_inputs)
    g = inputs[1]
    if g.dtype != np.float32:
        g = copy_into(empty(g.shape, np.float32), g)
    w32 = inputs[-1]
    spec, params = op.step(attrs, _Scalars(np.float32, False), True)
    run(spec, [w32, g] + list(inputs[2:-1]), params, op=op.name)
    copy_into(outputs[0], w32)


KERNELS = {name: _plain for name in (
    "sgd_update", "sgd_mom_update", "nag_mom_update", "adam_update", "rmsprop_update",
    "rmspropalex_update", "ftrl_update", "ftml_update", "signsgd_update", "signum_update")}
KERNELS.update({name: _mp for name in ("mp_sgd_update", "mp_sgd_mom_update",
                                       "mp_nag_mom_update")})
