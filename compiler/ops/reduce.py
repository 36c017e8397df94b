"""Reductions: sum, mean, prod, max, min, norm, nansum, argmax, argmin, and helpers."""
import numpy as np

from .registry import Op, register, fail


def sum_to_shape(x, shape):
    """Sum `x` over the axes broadcasting expanded, giving `shape` (the broadcast adjoint)."""
    lead = x.ndim - len(shape)
    if lead < 0:
        fail("cannot reduce shape %s to %s", x.shape, tuple(shape))
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and x.shape[lead + i] != 1)
    out = x.sum(axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)


@register
class ReduceSumLike(Op):
    """Sum `data` down to the shape of `like` (gradient of broadcasting)."""

    name = "_reduce_sum_like"
    arguments = ("data", "like")

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[1]]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        return [sum_to_shape(inputs[0], inputs[1].shape).astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][...] = sum_to_shape(inputs[0], outputs[0].shape)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.broadcast_like(out_grads[0], inputs[0]), None]
