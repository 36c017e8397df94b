"""A Convolution followed by its BatchNorm (and a relu Activation reading only that BatchNorm),
as one node (compiler/passes/fold_batchnorm.py).

Made per pair (not registered by name), like FusedElementwise.  In inference (is_train off,
or use_global_stats) BatchNorm is a per-channel affine map of the convolution's output,
(y - moving_mean) * gamma / sqrt(moving_var + eps) + beta, so the CPU kernel applies it in the
convolution's own epilogue (the Winograd output transform, or the chunk still in cache)
instead of a second pass over the activations.  In training mode with batch statistics it
runs the ops' kernels one after the other, so results never depend on the fold.  The node
keeps BatchNorm's three outputs (data -- after the relu when one is folded --, mean, invstd),
so nothing downstream changes.
Results equal the unfused pair up to float rounding.
"""
import numpy as np

from .nn import conv_forward_cpu
from .registry import Op


class ConvBatchNorm(Op):
    """conv_node's op with conv_node's inputs, then bn_node's op on its output and the rest of
    bn_node's inputs (gamma, beta, moving_mean, moving_var), then act_node's relu if given."""

    name = "_ConvBatchNorm"
    attrs = {}
    differentiable = False

    def __init__(self, conv_node, bn_node, act_node=None):
        self.members = [conv_node, bn_node] + ([act_node] if act_node is not None else [])
        self.conv, self.bn = conv_node.op, bn_node.op
        self.conv_attrs, self.bn_attrs = conv_node.parsed(), bn_node.parsed()
        self.act = None if act_node is None else act_node.op
        self.act_attrs = None if act_node is None else act_node.parsed()
        self.n_conv = len(conv_node.inputs)
        self.aux = tuple(self.bn.aux)
        self.arguments = tuple(self.input_names(None))

    def input_names(self, attrs):
        return (list(self.conv.input_names(self.conv_attrs))
                + list(self.bn.input_names(self.bn_attrs))[1:])

    def output_names(self, attrs):
        return self.bn.output_names(self.bn_attrs)

    def num_outputs(self, attrs):
        return self.bn.num_outputs(self.bn_attrs)

    def num_visible_outputs(self, attrs):
        return self.bn.num_visible_outputs(self.bn_attrs)

    def infer_shape(self, attrs, in_shapes):
        n = self.n_conv
        conv_in, conv_out = self.conv.infer_shape(self.conv_attrs, list(in_shapes[:n]))
        bn_in, bn_out = self.bn.infer_shape(self.bn_attrs, [conv_out[0]] + list(in_shapes[n:]))
        return list(conv_in) + list(bn_in[1:]), bn_out

    def infer_type(self, attrs, in_types):
        n = self.n_conv
        conv_in, conv_out = self.conv.infer_type(self.conv_attrs, list(in_types[:n]))
        bn_in, bn_out = self.bn.infer_type(self.bn_attrs, [conv_out[0]] + list(in_types[n:]))
        return list(conv_in) + list(bn_in[1:]), bn_out

    def reference(self, attrs, inputs, octx):
        n = self.n_conv
        y = self.conv.reference(self.conv_attrs, list(inputs[:n]), octx)[0]
        outs = self.bn.reference(self.bn_attrs, [y] + list(inputs[n:]), octx)
        if self.act is not None:
            outs[0] = self.act.reference(self.act_attrs, [outs[0]], octx)[0]
        return outs

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def _cpu(self, attrs, inputs, outputs, octx):
        n, ba = self.n_conv, self.bn_attrs
        if (octx.is_train and not ba.use_global_stats) or outputs[0].dtype == np.float16:
            self.conv.kernel("cpu")(self.conv_attrs, list(inputs[:n]), [outputs[0]], octx)
            self.bn.kernel("cpu")(ba, [outputs[0]] + list(inputs[n:]), outputs, octx)
            if self.act is not None:
                self.act.kernel("cpu")(self.act_attrs, [outputs[0]], [outputs[0]], octx)
            return
        gamma, beta, moving_mean, moving_var = inputs[n:]
        mean = moving_mean.astype(np.float64)
        invstd = 1.0 / np.sqrt(moving_var.astype(np.float64) + ba.eps)
        scale = invstd if ba.fix_gamma else gamma.astype(np.float64) * invstd
        conv_forward_cpu(self.conv_attrs, list(inputs[:n]), [outputs[0]],
                         post=(mean, scale, beta.astype(np.float64)), relu=self.act is not None)
        outputs[1][...] = mean
        outputs[2][...] = invstd
