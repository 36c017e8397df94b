"""CUDA LeakyReLU act_types whose CPU kernel does more than one scalar expression: prelu
(gamma broadcast along the channel axis, and its gamma gradient: a masked product summed by
the reduction kernels) and rrelu (training draws per-element slopes in [lower_bound,
upper_bound] from Philox; inference uses the mean slope and the mask output repeats the
output, as MXNet reads it).  Every other act_type is the generic generated kernel of the
op's own FusionSpec.
"""
import numpy as np

from ..codegen.elementwise import ElementwiseSpec
from . import codegen, philox
from .reduce import reduce_axes
from .runtime import require

_RRELU = ElementwiseSpec(("data", "mask"), ["data if data > 0 else mask * data"],
                         tag="cuda_rrelu")
_SLOPES = ElementwiseSpec(("u",), ["lo + (hi - lo) * u"], params=("lo", "hi"),
                          tag="cuda_rrelu_slopes")
_PRELU_DGAMMA = ElementwiseSpec(("og", "x"), ["x * og if x <= 0 else x * 0"],
                                tag="cuda_prelu_dgamma")
_COPY = ElementwiseSpec(("x",), ["x"], tag="cuda_copy")


def _gamma_view(gamma, ndim):
    """gamma (C,) or (1,) as a shape that broadcasts along the channel axis (1, else 0)."""
    if gamma.size == 1:
        return gamma.reshape((1,) * ndim)
    shape = [1] * ndim
    shape[1 if ndim >= 2 else 0] = gamma.shape[0]
    return gamma.reshape(tuple(shape))


def _ctype(x):
    return np.float64 if np.dtype(x.dtype) == np.float64 else np.float32


def _leaky_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    if attrs.act_type == "prelu":
        params = op.kernel_params(attrs, _ctype(x))
        codegen.launch(op.spec_for(attrs), outputs[:1], [x, _gamma_view(inputs[1], len(x.shape))],
                       params, op=op.name)
    elif attrs.act_type == "rrelu" and octx is not None and octx.is_train:
        mask = outputs[1]
        seed, offset = philox.next_key(octx, op.name)
        philox.uniform(mask, seed, offset, op=op.name)
        ty = np.dtype(mask.dtype).type
        codegen.launch(_SLOPES, [mask], [mask], (ty(attrs.lower_bound), ty(attrs.upper_bound)),
                       op=op.name)
        codegen.launch(_RRELU, outputs[:1], [x, mask], op=op.name)
    elif attrs.act_type == "rrelu":
        params = op.kernel_params(attrs, _ctype(x))
        codegen.launch(op.spec_for(attrs), outputs[:1], [x], params, op=op.name)
        codegen.launch(_COPY, [outputs[1]], [outputs[0]], op=op.name)
    else:
        codegen.run_fusion_spec(op, attrs, inputs, outputs, octx)


def _leaky_backward_op(op, attrs, inputs, outputs, octx):
    if attrs.act_type != "prelu":
        codegen.run_fusion_spec(op, attrs, inputs, outputs, octx)
        return
    og, x, gamma = inputs
    g = _gamma_view(gamma, len(x.shape))
    params = op.kernel_params(attrs, _ctype(x))
    codegen.launch(op.spec_for(attrs), outputs[:1], [og, x, g], params, op=op.name)
    contrib = require().device_array(tuple(x.shape), _ctype(x))
    codegen.launch(_PRELU_DGAMMA, [contrib], [og, x], op=op.name)
    axes = [i for i in range(len(x.shape)) if g.shape[i] == 1]
    reduce_axes("sum", contrib, axes, outputs[1], op=op.name)


KERNELS = {"LeakyReLU": _leaky_op, "_backward_LeakyReLU": _leaky_backward_op}
