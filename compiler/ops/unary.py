"""Unary elementwise operators (relu, exp, round ...) and their backward helpers."""
import numpy as np

from .elemwise import UnaryOp, BinaryOp
from .registry import register


@register
class Relu(UnaryOp):
    """max(data, 0)."""

    name = "relu"
    scalar_expr = "data if data > 0 else 0"

    def reference(self, attrs, inputs, octx):
        return [np.maximum(inputs[0], 0).astype(inputs[0].dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_relu(out_grads[0], outputs[0])]


@register
class BackwardRelu(BinaryOp):
    """ograd * (output > 0)."""

    name = "_backward_relu"
    arguments = ("ograd", "output")
    scalar_expr = "ograd if output > 0 else 0"
    differentiable = False

    def reference(self, attrs, inputs, octx):
        og, y = inputs
        return [np.where(y > 0, og, 0).astype(og.dtype)]


@register
class Copy(UnaryOp):
    """A copy of the input (MXNet `_copy`, alias `identity`)."""

    name = "_copy"
    aliases = ("identity",)
    scalar_expr = "data"

    def reference(self, attrs, inputs, octx):
        return [inputs[0].copy()]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]
