"""Dropout and its backward op.

MXNet 1.9.1: Dropout(data, p=0.5, mode='training', axes=(), cudnn_off=False) has outputs
(output, mask), one visible.  It is active in training (autograd train mode / executor
is_train) or always with mode='always'.  The mask holds the SCALED keep factor, like
MXNet's: mask = (u < 1-p) / (1-p) with u ~ U[0,1) drawn from the context's generator,
output = data * mask.  With `axes` the mask has size 1 along those axes and is broadcast
(variational dropout).  When inactive, or p == 0, the op is the identity (mask = 1).
p must lie in [0, 1] as in MXNet; p == 1 drops everything (MXNet computes 0 * inf = NaN
there; zeros are returned instead).  The gradient is ograd * mask.
"""
import numpy as np

from .elemwise import BroadcastOp
from .registry import Op, Attr, register, fail, normalize_axis, check_dtype, FLOAT_TYPES


def _mask_shape(attrs, shape):
    shape = list(shape)
    for a in attrs.axes:
        shape[normalize_axis(a, len(shape), "axes entry")] = 1
    return tuple(shape)


def _active(attrs, octx):
    return (attrs.mode == "always" or octx.is_train) and attrs.p > 0


def _draw_mask(attrs, shape, dtype, octx):
    """The scaled keep mask; both kernel and reference draw it exactly this way."""
    u = octx.rng.random(shape)
    keep = 1.0 - attrs.p
    if keep <= 0:
        return np.zeros(shape, dtype)
    return ((u < keep) * (1.0 / keep)).astype(dtype)


@register
class Dropout(Op):
    """Randomly zero elements with probability p in training, scaling the rest by 1/(1-p)."""

    name = "Dropout"
    random = True
    attrs = dict(p=Attr("float", 0.5), mode=Attr("str", "training", choices=("always", "training")),
                 axes=Attr("axes", ()), cudnn_off=Attr("bool", False))
    outputs = ("output", "mask")
    num_visible = 1

    def infer_shape(self, attrs, in_shapes):
        if not 0.0 <= attrs.p <= 1.0:
            fail("p must be in [0, 1], got %g", attrs.p)
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None]
        return [tuple(data)], [tuple(data), _mask_shape(attrs, data)]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0], in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        mshape = _mask_shape(attrs, x.shape)
        if not _active(attrs, octx):
            return [x.copy(), np.ones(mshape, x.dtype)]
        mask = _draw_mask(attrs, mshape, x.dtype, octx)
        out = x.astype(np.float64) * mask.astype(np.float64)
        return [out.astype(x.dtype), mask]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        out, mask = outputs
        if not _active(attrs, octx):
            mask.fill(1)
            out[...] = x
            return
        mask[...] = _draw_mask(attrs, mask.shape, mask.dtype, octx)
        _BACKWARD.cpu_kernel(None, [x, mask], [out], octx)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_Dropout(out_grads[0], outputs[1])]


@register
class BackwardDropout(BroadcastOp):
    """ograd * mask (the mask broadcast along the dropout axes)."""

    name = "_backward_Dropout"
    arguments = ("ograd", "mask")
    scalar_expr = "ograd * mask"
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, mask = in_shapes
        if og is not None and mask is not None:
            if len(og) != len(mask) or any(m not in (1, d) for m, d in zip(mask, og)):
                fail("mask shape %s does not broadcast to ograd shape %s", tuple(mask), tuple(og))
        return list(in_shapes), [og]

    def reference(self, attrs, inputs, octx):
        og, mask = inputs
        return [(og.astype(np.float64) * mask.astype(np.float64)).astype(og.dtype)]


_BACKWARD = BackwardDropout()
