"""CUDA SoftmaxOutput (alias Softmax) forward and backward, MXNet 1.9.1 rules
(compiler/ops/loss.py documents them): the forward is the softmax kernel over axis 1
(multi_output), the last axis (preserve_shape) or data as (batch, -1); the backward is one
thread per element of the (outer, K, inner) view, row = o * inner + i reading label[row]
(float labels truncated; NaN, inf and out-of-range labels subtract nothing), with label
smoothing, use_ignore, out_grad and the normalizer: null, batch = label.size, or valid = the
count of labels != ignore_label, counted on the device (no host read).  Probability labels
(label shaped like data) take (out - label) * grad_scale.  The regression outputs (identity
or sigmoid forward; (out - label) or MXNet's sign * grad_scale / num_output backward) and
MakeLoss (identity; grad_scale over 1, the batch or the device-counted valid outputs) are
generated elementwise kernels.
"""
import numpy as np

from compiler.errors import MXNetValueError
from ..codegen.elementwise import ElementwiseSpec
from . import codegen, softmax
from .runtime import check_array, grid_for, require, same_dtype, FLOATS

cuda = require()
BIG = 2.0 ** 62
_PROB = ElementwiseSpec(("o", "l"), ["(o - l) * s"], params=("s",), tag="cuda_so_prob")
_PROB_OUT = ElementwiseSpec(("o", "l"), ["(o - l) * s * o"], params=("s",), tag="cuda_so_probo")


@cuda.jit(device=True, inline=True)
def _trunc_label(v):
    if v != v or v > BIG or v < -BIG:
        return np.int64(-1)
    return np.int64(v)


@cuda.jit(cache=True)
def count_valid(label, ignore, count):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < label.size:
        if _trunc_label(label[k]) != ignore:
            cuda.atomic.add(count, 0, 1)
        k += step


@cuda.jit(cache=True)
def so_grad(out, label, grad, K, inner, scale, alpha, use_ignore, ignore, out_grad, norm_mode,
            norm_const, count):
    """norm_mode 0: divide by norm_const; 1: by max(count[0], 1)."""
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    norm = norm_const if norm_mode == 0 else max(count[0], 1)
    factor = scale / norm
    while k < out.size:
        i = k % inner
        r = k // inner
        j = r % K
        o = r // K
        idx = _trunc_label(label[o * inner + i])
        p = out[k]
        if alpha != 0:
            target = 1.0 - alpha if j == idx else (alpha / (K - 1) if K > 1 else 0.0)
        else:
            target = 1.0 if j == idx else 0.0
        g = (p - target) * factor
        if use_ignore and idx == ignore:
            g = 0.0
        grad[k] = g * p if out_grad else g
        k += step


def _view(attrs, shape):
    """(K, inner, rows) of the output's (outer, K, inner) view, as the mode reads it."""
    if attrs.multi_output:
        inner = int(np.prod(shape[2:], dtype=np.int64))
        return shape[1], inner, shape[0] * inner
    if attrs.preserve_shape:
        return shape[-1], 1, int(np.prod(shape[:-1], dtype=np.int64))
    return int(np.prod(shape[1:], dtype=np.int64)), 1, shape[0]


def _forward_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    if attrs.multi_output or attrs.preserve_shape:
        axis = 1 if attrs.multi_output else len(x.shape) - 1
        softmax.forward(x, out, axis, 1.0, op=op.name)
    else:
        n = x.shape[0]
        softmax.forward(x.reshape(n, x.size // max(n, 1)), out.reshape(n, out.size // max(n, 1)),
                        1, 1.0, op=op.name)


def softmax_output_grad(out, label, grad, attrs, op="_backward_SoftmaxOutput"):
    for name, a in (("output", out), ("label", label), ("grad", grad)):
        check_array(op, name, a, dtypes=FLOATS)
    same_dtype(op, [("output", out), ("label", label), ("grad", grad)])
    shape = tuple(out.shape)
    ty = np.dtype(out.dtype).type
    if tuple(label.shape) == shape and not attrs.multi_output:       # probability labels
        codegen.launch(_PROB_OUT if attrs.out_grad else _PROB, [grad], [out, label],
                       (ty(attrs.grad_scale),), op=op)
        return grad
    K, inner, rows = _view(attrs, shape)
    if label.size < rows:
        raise MXNetValueError("%s: label %s has fewer than the %d rows of output %s"
                              % (op, tuple(label.shape), rows, shape))
    ignore = int(np.trunc(attrs.ignore_label)) if np.isfinite(attrs.ignore_label) else -1
    count = cuda.to_device(np.zeros(1, np.int64))
    mode, const = 0, 1.0
    if attrs.normalization == "batch":
        const = float(label.size)
    elif attrs.normalization == "valid":
        mode = 1
        if label.size:
            count_valid[grid_for(label.size)](label.reshape(label.size), ignore, count)
    elif attrs.multi_output:
        const = float(rows // max(shape[0], 1))                        # MXNet: prod(rest)
    if out.size:
        so_grad[grid_for(out.size)](out.reshape(out.size), label.reshape(label.size),
                                    grad.reshape(grad.size), K, inner, ty(attrs.grad_scale),
                                    ty(attrs.smooth_alpha), bool(attrs.use_ignore), ignore,
                                    bool(attrs.out_grad), mode, const, count)
    return grad


def _backward_op(op, attrs, inputs, outputs, octx):
    softmax_output_grad(inputs[0], inputs[1], outputs[0], attrs, op=op.name)


# --- regression outputs and MakeLoss ------------------------------------------------------

_COPY = ElementwiseSpec(("x",), ["x"], tag="cuda_copy")
_SIGMOID = ElementwiseSpec(("x",), ["sigmoid(x)"], tag="cuda_logistic")
_DIFF = ElementwiseSpec(("o", "l"), ["(o - l) * s"], params=("s",), tag="cuda_regression")
_SIGN_DIFF = ElementwiseSpec(("o", "l"), ["(1.0 if o - l > 0 else -1.0) * s"], params=("s",),
                             tag="cuda_mae")


@cuda.jit(cache=True)
def count_greater(x, thresh, count):
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    while k < x.size:
        if x[k] > thresh:
            cuda.atomic.add(count, 0, 1)
        k += step


@cuda.jit(cache=True)
def fill_over_count(out, scale, count):
    """out[...] = scale / max(count[0], 1) (the count stays on the device)."""
    k = cuda.grid(1)
    step = cuda.gridsize(1)
    value = scale / max(count[0], 1)
    while k < out.size:
        out[k] = value
        k += step


def _compute_type(a):
    return np.float64 if np.dtype(a.dtype) == np.float64 else np.float32


def _regression_forward_op(op, attrs, inputs, outputs, octx):
    spec = _SIGMOID if op.name == "LogisticRegressionOutput" else _COPY
    codegen.launch(spec, [outputs[0]], [inputs[0]], op=op.name)


def _regression_backward_op(op, attrs, inputs, outputs, octx):
    """grad = diff(output, label) * grad_scale / (label.size / label.shape[0])."""
    out, label = inputs
    grad = outputs[0]
    if label.size != out.size:
        raise MXNetValueError("%s: label %s does not match output %s"
                              % (op.name, tuple(label.shape), tuple(out.shape)))
    num_output = label.size // label.shape[0] if len(label.shape) and label.shape[0] else 1
    spec = _SIGN_DIFF if op.name == "_backward_MAERegressionOutput" else _DIFF
    scale = _compute_type(out)(attrs.grad_scale / num_output)
    codegen.launch(spec, [grad], [out, label.reshape(tuple(out.shape))], (scale,), op=op.name)


def _make_loss_backward_op(op, attrs, inputs, outputs, octx):
    """MakeLoss's gradient: grad_scale / (1, the batch size, or the count of outputs above
    valid_thresh, counted on the device)."""
    out, grad = inputs[0], outputs[0]
    check_array(op.name, "output", out, dtypes=FLOATS + ("float16",))
    if attrs.normalization == "valid":
        count = cuda.to_device(np.zeros(1, np.int64))
        if out.size:
            count_greater[grid_for(out.size)](out.reshape(out.size),
                                              _compute_type(out)(attrs.valid_thresh), count)
        if grad.size:
            fill_over_count[grid_for(grad.size)](grad.reshape(grad.size),
                                                 float(attrs.grad_scale), count)
        return
    norm = (out.shape[0] if len(out.shape) else 1) if attrs.normalization == "batch" else 1
    codegen.fill(grad, attrs.grad_scale / norm, op=op.name)


KERNELS = {"SoftmaxOutput": _forward_op, "_backward_SoftmaxOutput": _backward_op,
           "MakeLoss": _regression_forward_op}
for _name in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
    KERNELS[_name] = _regression_forward_op
    KERNELS["_backward_" + _name] = _regression_backward_op
KERNELS["_backward_MakeLoss"] = _make_loss_backward_op
