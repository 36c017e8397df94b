"""Converters of activations, the softmax family and the loss layers (inference forward)."""
import math

from compiler.ops.activation import SELU_ALPHA, SELU_LAMBDA
from compiler.ops.registry import normalize_axis
from ._registry import converter

_SQRT1_2 = 1.0 / math.sqrt(2.0)


def softplus(g, x, dtype, out=None):
    """MXNet's softrelu: log(1 + exp(x)), x itself above 20 (where they agree in float)."""
    return g.op("Softplus", [x], out)


def gelu_erf(g, x, dtype, out=None):
    """0.5 x (1 + erf(x / sqrt 2)); ONNX Gelu from opset 20."""
    if g.opset >= 20:
        return g.op("Gelu", [x], out)
    inner = g.op("Erf", [g.op("Mul", [x, g.const(_SQRT1_2, dtype)])])
    half_x = g.op("Mul", [x, g.const(0.5, dtype)])
    return g.op("Mul", [half_x, g.op("Add", [inner, g.const(1.0, dtype)])], out)


_ACTIVATIONS = {
    "relu": lambda g, x, dt, out: g.op("Relu", [x], out),
    "sigmoid": lambda g, x, dt, out: g.op("Sigmoid", [x], out),
    "tanh": lambda g, x, dt, out: g.op("Tanh", [x], out),
    "softrelu": softplus,
    "softsign": lambda g, x, dt, out: g.op("Softsign", [x], out),
}


@converter("Activation")
def activation(g, n):
    return [_ACTIVATIONS[n.attrs.act_type](g, n.input(0), n.in_dtype(0), n.out())]


@converter("LeakyReLU")
def leaky_relu(g, n):
    """leaky, prelu (gamma along axis 1), elu, selu, gelu; rrelu at inference is leaky with
    slope (lower + upper) / 2, and its visible mask output holds the output again."""
    a = n.attrs
    x, dtype, t = n.input(0), n.in_dtype(0), a.act_type
    if t == "leaky":
        return [g.op("LeakyRelu", [x], n.out(), alpha=float(a.slope))]
    if t == "elu":
        return [g.op("Elu", [x], n.out(), alpha=float(a.slope))]
    if t == "selu":
        return [g.op("Selu", [x], n.out(), alpha=SELU_ALPHA, gamma=SELU_LAMBDA)]
    if t == "gelu":
        return [gelu_erf(g, x, dtype, n.out())]
    if t == "prelu":
        shape = n.in_shape(0)
        gshape = n.in_shape(1)
        slope = n.input(1)
        if len(shape) >= 2 and gshape[0] != 1:
            slope = g.reshape(slope, [gshape[0]] + [1] * (len(shape) - 2))
        return [g.op("PRelu", [x, slope], n.out())]
    slope = (a.lower_bound + a.upper_bound) / 2.0
    out = g.op("LeakyRelu", [x], n.out(), alpha=float(slope))
    return [out, g.op("Identity", [out], n.out(1))]


@converter("relu")
def relu(g, n):
    return [g.op("Relu", [n.input(0)], n.out())]


@converter("sigmoid")
def sigmoid(g, n):
    return [g.op("Sigmoid", [n.input(0)], n.out())]


@converter("softsign")
def softsign(g, n):
    return [g.op("Softsign", [n.input(0)], n.out())]


@converter("softrelu")
def softrelu(g, n):
    return [softplus(g, n.input(0), n.in_dtype(0), n.out())]


# --- softmax family ---------------------------------------------------------------------

def _softmax_like(g, n, onnx_op, negate=False):
    a = n.attrs
    if a.use_length:
        n.fail("use_length=True (masked softmax)")
    ndim = len(n.in_shape(0))
    axis = normalize_axis(a.axis, ndim)
    x, dtype = n.input(0), n.in_dtype(0)
    scale = 1.0
    if a.temperature is not None and a.temperature != 1.0:
        scale = 1.0 / a.temperature
    if negate:
        scale = -scale
    if scale != 1.0:
        x = g.op("Mul", [x, g.const(scale, dtype)])
    out_dtype = n.out_dtype()
    if out_dtype != dtype:
        y = g.op(onnx_op, [x], axis=axis)
        return [g.cast(y, out_dtype, n.out())]
    return [g.op(onnx_op, [x], n.out(), axis=axis)]


@converter("softmax")
def softmax(g, n):
    return _softmax_like(g, n, "Softmax")


@converter("log_softmax")
def log_softmax(g, n):
    return _softmax_like(g, n, "LogSoftmax")


@converter("softmin")
def softmin(g, n):
    return _softmax_like(g, n, "Softmax", negate=True)


@converter("SoftmaxActivation")
def softmax_activation(g, n):
    axis = 1 if n.attrs.mode == "channel" else len(n.in_shape(0)) - 1
    return [g.op("Softmax", [n.input(0)], n.out(), axis=axis)]


@converter("SoftmaxOutput")
def softmax_output(g, n):
    """Inference forward: softmax over axis 1 (multi_output), the last axis (preserve_shape),
    or over the data flattened to (batch, -1); the label is not read."""
    a = n.attrs
    x, shape = n.input(0), n.in_shape(0)
    if a.multi_output:
        return [g.op("Softmax", [x], n.out(), axis=1)]
    if a.preserve_shape or len(shape) <= 2:
        return [g.op("Softmax", [x], n.out(), axis=len(shape) - 1)]
    flat = g.op("Flatten", [x], axis=1)
    y = g.op("Softmax", [flat], axis=1)
    return [g.op("Reshape", [y, g.op("Shape", [x])], n.out())]


@converter("LinearRegressionOutput", "MAERegressionOutput", "MakeLoss", "make_loss",
           "BlockGrad", "_copy")
def identity(g, n):
    """Loss layers whose inference forward is the identity, and copies."""
    return [g.op("Identity", [n.input(0)], n.out())]


@converter("LogisticRegressionOutput")
def logistic_regression_output(g, n):
    return [g.op("Sigmoid", [n.input(0)], n.out())]

