"""Binary elementwise operators: same-shape, broadcast and scalar forms."""
import numpy as np

from .elemwise import BinaryOp, BroadcastOp, ScalarOp
from .registry import register


@register
class ElemwiseAdd(BinaryOp):
    name = "elemwise_add"
    aliases = ("_plus", "_add")
    scalar_expr = "lhs + rhs"

    def reference(self, attrs, inputs, octx):
        return [(inputs[0] + inputs[1]).astype(inputs[0].dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [out_grads[0], out_grads[0]]


@register
class BroadcastAdd(BroadcastOp):
    name = "broadcast_add"
    aliases = ("broadcast_plus",)
    scalar_expr = "lhs + rhs"

    def reference(self, attrs, inputs, octx):
        return [(inputs[0] + inputs[1]).astype(inputs[0].dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        return [F._reduce_sum_like(og, inputs[0]), F._reduce_sum_like(og, inputs[1])]


@register
class PlusScalar(ScalarOp):
    name = "_plus_scalar"
    scalar_expr = "data + scalar"

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        return [(x + x.dtype.type(attrs.scalar)).astype(x.dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]
