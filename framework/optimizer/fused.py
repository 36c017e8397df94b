"""Running one fused update kernel (kernels/cpu/optimizer.py) on NDArrays, in place.

MXNet runs some optimizers (SGD's aggregated multi_sgd path, AdaGrad, AdaDelta, Adamax,
Nadam, DCASGD) as Python chains of NDArray operations; here each is one fused kernel
over the weight's own buffer (never rebound: executors share it).  Inputs are validated
first (shapes, dtypes, contexts), so bad input raises MXNetError before a kernel runs.
Scalars that MXNet passes to NDArray scalar ops (double -> the array dtype) are converted
to the compute dtype here; float16 arrays are widened to float32 and written back.
Kernels exist for the CPU only: `use_fused(weight)` tells the optimizers to fall back to
the NDArray chain (MXNet's own formulation) on other contexts; setting FUSED = False
forces the chain everywhere (tests compare both).
"""
import numpy as np

from compiler.ops import registry
from ..base import MXNetError
from .. import ndarray as nd
from ..ndarray import NDArray
from ..ndarray.dispatch import parse_cached, infer, op_error

FUSED = True
_F16 = np.dtype(np.float16)
_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def use_fused(weight):
    return FUSED and weight.context.device_type in ("cpu", "cpu_pinned", "cpu_shared")


def check(who, weight, grad, states, dtypes=None):
    """Every array has the weight's shape and context; dtypes[i] (default: the weight's)."""
    wd = weight._data.dtype
    if wd not in _FLOATS:
        raise MXNetError("%s: weight dtype %s is not a floating type" % (who, wd))
    named = [("grad", grad)] + list(states)
    for i, (name, a) in enumerate(named):
        if a is None:
            continue
        if not isinstance(a, NDArray):
            raise MXNetError("%s: %s must be an NDArray, got %s (damaged optimizer states?)"
                             % (who, name, type(a).__name__))
        if a.shape != weight.shape:
            raise MXNetError("%s: %s shape %s does not match weight shape %s"
                             % (who, name, a.shape, weight.shape))
        want = dtypes[i] if dtypes is not None and dtypes[i] is not None else wd
        if a._data.dtype != want:
            raise MXNetError("%s: %s dtype %s does not match %s (weight dtype %s)"
                             % (who, name, a._data.dtype, np.dtype(want), wd))
        if a.context != weight.context:
            raise MXNetError("%s: %s is on %s but the weight is on %s"
                             % (who, name, a.context, weight.context))


def cfloat(ct, half, value):
    """A C++ `float` attribute as MXNet's kernel sees it in dtype `ct` (float16 when half)."""
    f = np.float32(value)
    if half:
        f = np.float32(np.float16(f))
    return ct(f)


def run(who, kernel, weight, grad, states, make_args, write_grad=False, dtypes=None):
    """kernel(w, g, *states, *make_args(ct, half)) on flat views; w and the states are
    updated in place.

    `states` is a list of (name, NDArray or None); None becomes a 0-length array (the
    kernels take a has_<state> flag).  `make_args` converts the scalars to the compute
    dtype `ct` (float32 for float16 weights, `half` True)."""
    check(who, weight, grad, states, dtypes)
    half = weight._data.dtype == _F16
    ct = np.float32 if half else weight._data.dtype.type
    arrays = [weight._data.reshape(-1), grad._data.reshape(-1)]
    arrays += [np.empty(0, ct) if a is None else a._data.reshape(-1) for _, a in states]
    work = [a.astype(np.float32) if a.dtype == _F16 else a for a in arrays] if half else arrays
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        kernel(*work, *make_args(ct, half))
    if half:
        for k, (src, dst) in enumerate(zip(work, arrays)):
            if src is not dst and (k != 1 or write_grad) and dst.size:
                dst[...] = src


def op_update(name, weight, grad, states, **attrs):
    """Registered update op `name` with out=weight (MXNet's call), minus the mx.nd front
    end on the CPU: attributes parsed (cached), shapes and dtypes inferred and checked
    exactly as the dispatcher does, then the op's kernel on the buffers themselves."""
    if not use_fused(weight):
        return getattr(nd, name)(weight, grad, *states, out=weight, **attrs)
    op = registry.get(name)
    inputs = [weight, grad] + list(states)
    for label, x in zip(op.arguments, inputs):
        if not isinstance(x, NDArray):
            raise MXNetError("%s: input '%s' must be an NDArray, got %s"
                             % (name, label, type(x).__name__))
        if x.context != weight.context:
            raise MXNetError("%s: inputs are on different contexts (%s and %s)"
                             % (name, weight.context, x.context))
    parsed = parse_cached(op, attrs)
    infer(op, parsed, inputs)
    try:
        op.kernel("cpu")(parsed, [x._data for x in inputs], [weight._data], None)
    except MXNetError as err:
        raise op_error(op, err, parsed, inputs) from None
    return weight
