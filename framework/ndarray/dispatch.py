"""Imperative execution of one registered op on NDArrays: the path behind every mx.nd call.

Parse attributes (cached), check contexts, infer output shapes and dtypes, allocate (or
use `out`), validate, launch the op's kernel for the context's target, record on the
autograd tape.  Every failure becomes an MXNetError naming the op, inputs and shapes.
"""
import math

import numpy as np

from compiler.memory import available_bytes
from compiler.ops.registry import OpContext, OpError, dtype_name
from ..base import MXNetError
from .. import autograd
from ..context import current_context
from .. import random as _random

_attr_cache = {}
profile_hook = None     # framework.profiler's recorder while it profiles imperative ops


def _negative_zero(v):
    return isinstance(v, (float, np.floating)) and v == 0.0 and str(v)[0] == "-"


def _zero(v):
    return isinstance(v, (int, float, np.number)) and v == 0


def parse_cached(op, kwargs):
    """op.parse with a cache keyed by the values; -0.0 equals 0 as a key but not as an
    attribute (`_maximum_scalar(x, scalar=-0.0)`), so it never hits nor fills the cache."""
    try:
        key = (op.name, tuple(sorted(kwargs.items())))
        hit = _attr_cache.get(key)
    except TypeError:  # unhashable value (a list): parse without caching
        return op.parse(kwargs)
    if hit is not None:
        attrs, has_zero = hit
        if not has_zero or not any(_negative_zero(v) for v in kwargs.values()):
            return attrs
        return op.parse(kwargs)
    attrs = op.parse(kwargs)
    if len(_attr_cache) < 4096 and not any(_negative_zero(v) for v in kwargs.values()):
        _attr_cache[key] = (attrs, any(_zero(v) for v in kwargs.values()))
    return attrs


def describe_inputs(op, attrs, inputs):
    names = op.input_names(attrs)
    return ", ".join("%s%s %s" % (n, tuple(x.shape), x._data.dtype) for n, x in zip(names, inputs))


def op_error(op, err, attrs=None, inputs=()):
    where = " (inputs: %s)" % describe_inputs(op, attrs, inputs) if inputs and attrs is not None else ""
    return type(err)("%s: %s%s" % (op.name, err, where))


def infer(op, attrs, inputs):
    """Output shapes and dtypes for concrete inputs; MXNetError on any mismatch."""
    in_shapes = [x.shape for x in inputs]
    in_types = [dtype_name(x._data.dtype) for x in inputs]
    try:
        names = op.input_names(attrs)
        if len(names) != len(inputs):
            raise OpError("expects %d inputs (%s), got %d"
                          % (len(names), ", ".join(names), len(inputs)))
        new_in, out_shapes = op.infer_shape(attrs, in_shapes)
        for name, given, want in zip(names, in_shapes, new_in):
            if want is not None and tuple(given) != tuple(want):
                raise OpError("input '%s' has shape %s but %s is required"
                              % (name, tuple(given), tuple(want)))
        _, out_types = op.infer_type(attrs, in_types)
    except MXNetError as err:
        raise op_error(op, err, attrs, inputs) from None
    if any(s is None for s in out_shapes) or any(t is None for t in out_types):
        raise MXNetError("%s: cannot infer output shapes/dtypes from inputs %s"
                         % (op.name, describe_inputs(op, attrs, inputs)))
    for s in out_shapes:
        if math.prod(s) > _CHECK_MEMORY_ABOVE:
            _check_memory(op, out_shapes, out_types)
            break
    return out_shapes, out_types


_CHECK_MEMORY_ABOVE = 1 << 26      # elements: bigger outputs are checked against free memory
_available_bytes = available_bytes  # (the op fuzzer lowers it)


def _check_memory(op, out_shapes, out_types):
    """An MXNetError instead of an out-of-memory kill when outputs cannot fit in memory."""
    need = sum(math.prod(s) * np.dtype(t).itemsize for s, t in zip(out_shapes, out_types))
    have = _available_bytes()
    if have is not None and need > have:
        raise MXNetError("%s: the outputs %s need %.1f GB but only %.1f GB of memory is "
                         "available" % (op.name, ", ".join("%s %s" % (tuple(s), t) for s, t in
                                                            zip(out_shapes, out_types)),
                                        need / 1e9, have / 1e9))


def invoke(op, inputs, kwargs, out=None, ctx=None):
    """Run `op` on NDArray `inputs` with attribute values `kwargs`; returns NDArray(s)."""
    from .ndarray import NDArray
    attrs = parse_cached(op, kwargs)
    if inputs:
        ctx = inputs[0]._ctx
        for x in inputs[1:]:
            if x._ctx != ctx:
                raise MXNetError("%s: inputs are on different contexts (%s and %s)"
                                 % (op.name, ctx, x._ctx))
    elif ctx is None:
        ctx = current_context()
    out_shapes, out_types = infer(op, attrs, inputs)
    if op.identity_view and out is None and autograd._state.internal_views:
        view = NDArray(inputs[0]._data.reshape(out_shapes[0]), ctx)   # no copy inside backward
        if autograd.is_recording():
            autograd.record_op(op, attrs, inputs, [view])
        return view
    n_visible = op.num_visible_outputs(attrs)
    if out is not None:
        outs = [out] if isinstance(out, NDArray) else list(out)
        if len(outs) != n_visible:
            raise MXNetError("%s: %d out arrays given for %d outputs" % (op.name, len(outs), n_visible))
        for o, s, t in zip(outs, out_shapes, out_types):
            if o.shape != tuple(s) or dtype_name(o._data.dtype) != t:
                raise MXNetError("%s: out array has shape %s %s but the result is %s %s"
                                 % (op.name, o.shape, o.dtype, tuple(s), t))
            if o._ctx != ctx:
                raise MXNetError("%s: out array is on %s but inputs are on %s" % (op.name, o._ctx, ctx))
        if autograd.is_recording() and any(o._ag is not None for o in outs):
            raise MXNetError(
                "%s: assigning to NDArrays that are already in a computational graph will cause "
                "undefined behavior when evaluating gradients. Please call backward first to "
                "clear the graph or do this outside of a record section." % op.name)
        outs = outs + [NDArray._alloc(s, t, ctx) for s, t in zip(out_shapes[n_visible:], out_types[n_visible:])]
    else:
        outs = [NDArray._alloc(s, t, ctx) for s, t in zip(out_shapes, out_types)]
    kernel = op.kernel(ctx.target)
    octx = OpContext(autograd.is_training(), _random.generator(ctx), ctx)
    try:
        if profile_hook is None:
            kernel(attrs, [x._data for x in inputs], [o._data for o in outs], octx)
        else:
            profile_hook.imperative(op, kernel, attrs, inputs, outs, octx)
    except MXNetError as err:
        raise op_error(op, err, attrs, inputs) from None
    if autograd.is_recording() and op.differentiable:
        autograd.record_op(op, attrs, inputs, outs)
    if n_visible == 1:
        return outs[0]
    return outs[:n_visible]


def invoke_numpy(op, arrays, kwargs, is_train=False, ctx=None):
    """Run an op's kernel on NumPy arrays (used by tests and the reference checks)."""
    from .ndarray import NDArray
    ctx = ctx or current_context()
    inputs = [NDArray(np.ascontiguousarray(a), ctx) for a in arrays]
    with autograd._Scope(None, is_train):
        result = invoke(op, inputs, kwargs)
    return result
