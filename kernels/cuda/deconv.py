"""CUDA Deconvolution (transposed convolution) and _backward_Deconvolution, 1-D to 3-D.

Deconvolution(x (N, C, *in), w (C, F/groups, *kernel)) is the data gradient of the
Convolution that maps its output (N, F, *out) back to x, with the deconvolution's padding
(`deconv_pad_adj`: target_shape, adj) and the geometry's output size = x's spatial size.
So, reusing conv.py's im2col / col2im + GEMM pieces:
- forward: out = conv.backward's data half with og = x (+ the bias, broadcast add);
- backward: dx = conv.forward(og, w) (the same geometry), dw = conv.backward's weight half
  with og = x and data = og; the bias gradient is a sum reduction over (N, spatial).
float32/float64, as conv.py.
"""
from ..cpu.conv import geometry
from . import conv
from .memory import add_into
from .reduce import reduce_axes
from .runtime import check_array


def _geometry(attrs, x):
    from compiler.ops.nn import conv_param, deconv_pad_adj
    prm = conv_param(attrs, True)
    pad, _ = deconv_pad_adj(prm, tuple(x.shape))
    return geometry(prm.kernel, prm.stride, pad, prm.dilate, tuple(x.shape[2:]))


def _deconv_op(op, attrs, inputs, outputs, octx):
    x, w = inputs[0], inputs[1]
    out = outputs[0]
    g = _geometry(attrs, x)
    conv.backward(x, out, w, out, None, g, attrs.num_group, op=op.name)
    if not attrs.no_bias:
        bias = inputs[2]
        F = out.shape[1]
        check_array(op.name, "bias", bias, shape=(F,), dtypes=(out.dtype.name,))
        if out.size:
            add_into(out, bias.reshape((1, F) + (1,) * (len(out.shape) - 2)))


def _deconv_backward_op(op, attrs, inputs, outputs, octx):
    og, x, w = inputs
    g = _geometry(attrs, x)
    conv.forward(og, w, outputs[0], g, attrs.num_group, op=op.name)
    conv.backward(x, og, w, None, outputs[1], g, attrs.num_group, op=op.name)
    if not attrs.no_bias:
        db = outputs[2]
        N, F = og.shape[:2]
        check_array(op.name, "bias_grad", db, shape=(F,), dtypes=(og.dtype.name,))
        reduce_axes("sum", og.reshape(N, F, og.size // max(N * F, 1)), (0, 2), db, op=op.name)


KERNELS = {"Deconvolution": _deconv_op, "_backward_Deconvolution": _deconv_backward_op}
