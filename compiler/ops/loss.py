"""Loss layers: SoftmaxOutput, the regression outputs, MakeLoss, BlockGrad,
softmax_cross_entropy, and their backward ops.

The loss layers' backward IGNORES the head gradient, as MXNet's does: their gradient is
a function of the output and the label only (a label never gets a gradient).  MXNet
1.9.1 details (checked against real MXNet 1.9.1):
- SoftmaxOutput (alias Softmax): forward is a softmax over axis 1 (multi_output), the
  last axis (preserve_shape), or else over data reshaped to (batch, -1).  Labels are float
  class indices truncated toward zero; an index outside [0, K) (NaN included) simply
  subtracts nothing.  Label shape: data.shape[:-1]; multi_output (batch, prod(rest)) or
  (batch, data.shape[2:]); or data's own shape = a probability label, whose gradient is
  (out - label) * grad_scale with NO normalization.  Otherwise grad = out - onehot (with
  smooth_alpha: out - (1 - alpha) on the label, out - alpha/(K-1) elsewhere), rows with
  label == ignore_label zeroed when use_ignore, times grad_scale / normalizer:
  null 1, batch = label.size, valid = max(1, #labels != ignore_label) (counted even when
  use_ignore is False); with multi_output, null divides by prod(data.shape[2:]).  In the
  reshaped (batch, -1) mode row i uses label.flat[i].
  out_grad=True multiplies the gradient by the OUTPUT (MXNet 1.9.1 binds the output where
  the head gradient was meant; reproduced).
- Linear/Logistic/MAERegressionOutput: forward identity / sigmoid / identity; label of
  data's size with the same first dimension; grad = (out - label) (MAE: +1 if out > label
  else -1) * grad_scale / (label.size / label.shape[0]).
- MakeLoss: identity; grad = grad_scale / normalizer (batch: data.shape[0]; valid: the
  number of elements > valid_thresh, at least 1).
- BlockGrad (stop_gradient): identity with no gradient.
- softmax_cross_entropy(data (N, K), label (N,)) -> (1,) = sum of -log softmax at the
  labels; gradient (softmax - onehot) * head gradient (this one does use the head
  gradient).  MXNet reads out-of-range labels out of bounds; here they raise.
"""
import numpy as np

from .softmax import np_softmax
from kernels.cpu import softmax as SK
from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES


def _uniform_types(op, attrs, in_types):
    """Every input (data and label) has the data's dtype, as MXNet requires."""
    check_dtype("data", in_types[0], FLOAT_TYPES)
    return Op.infer_type(op, attrs, in_types)


def _trunc_labels(label):
    """Float labels -> int64 class indices truncated toward zero; NaN/inf -> -1."""
    lf = np.asarray(label, np.float64)
    bad = ~np.isfinite(lf) | (np.abs(lf) > 2 ** 62)
    return np.where(bad, -1, np.trunc(np.where(bad, 0, lf))).astype(np.int64)


# --- SoftmaxOutput ---------------------------------------------------------------------

_SO_ATTRS = dict(grad_scale=Attr("float", 1.0), ignore_label=Attr("float", -1.0),
                 multi_output=Attr("bool", False), use_ignore=Attr("bool", False),
                 preserve_shape=Attr("bool", False),
                 normalization=Attr("str", "null", choices=("batch", "null", "valid")),
                 out_grad=Attr("bool", False), smooth_alpha=Attr("float", 0.0))


def _so_label_shapes(attrs, data):
    """The label shapes SoftmaxOutput accepts for `data` (the first one is the default)."""
    data = tuple(data)
    if attrs.multi_output:
        if len(data) < 2:
            fail("multi_output needs data with at least 2 dimensions, got %s", data)
        rest = int(np.prod(data[2:], dtype=np.int64))
        return [(data[0],) + data[2:], (data[0], rest)]
    if len(data) < 2:
        fail("data must have at least 2 dimensions (batch, classes), got %s", data)
    return [data[:-1], data]


def _so_rows(attrs, out, label):
    """(rows x K probabilities, row labels, normalizer count) for index labels."""
    if attrs.multi_output:
        n, k = out.shape[0], out.shape[1]
        probs = np.moveaxis(out.reshape(n, k, -1), 1, 2).reshape(-1, k)
        labels = label.reshape(-1)
    elif attrs.preserve_shape:
        probs = out.reshape(-1, out.shape[-1])
        labels = label.reshape(-1)
    else:
        probs = out.reshape(out.shape[0], -1)
        labels = label.reshape(-1)[: out.shape[0]]
    return probs, labels


def _so_unrows(attrs, grad_rows, shape):
    if attrs.multi_output:
        n, k = shape[0], shape[1]
        return np.moveaxis(grad_rows.reshape(n, -1, k), 2, 1).reshape(shape)
    return grad_rows.reshape(shape)


def softmax_output_grad(attrs, out, label):
    """MXNet 1.9.1's SoftmaxOutput gradient (float64), from the output and the label."""
    outf = out.astype(np.float64)
    if label.shape == out.shape and not attrs.multi_output:      # probability labels
        grad = (outf - label.astype(np.float64)) * attrs.grad_scale
        return grad * outf if attrs.out_grad else grad
    probs, labels = _so_rows(attrs, outf, label)
    k = probs.shape[1]
    idx = _trunc_labels(labels)
    grad = probs.copy()
    rows = np.arange(len(idx))
    hit = (idx >= 0) & (idx < k)
    if attrs.smooth_alpha:
        alpha = attrs.smooth_alpha
        grad -= alpha / (k - 1) if k > 1 else 0.0
        grad[rows[hit], idx[hit]] = probs[rows[hit], idx[hit]] - 1.0 + alpha
    else:
        grad[rows[hit], idx[hit]] -= 1.0
    ignore = int(_trunc_labels(np.array([attrs.ignore_label]))[0])
    if attrs.use_ignore:
        grad[idx == ignore] = 0.0
    all_idx = _trunc_labels(label.reshape(-1))
    if attrs.normalization == "batch":
        norm = label.size
    elif attrs.normalization == "valid":
        norm = max(int(np.sum(all_idx != ignore)), 1)
    else:
        norm = 1
    if attrs.multi_output and attrs.normalization == "null":
        norm = probs.shape[0] // max(out.shape[0], 1)       # MXNet divides by prod(rest)
    grad = _so_unrows(attrs, grad, out.shape) * (attrs.grad_scale / norm)
    return grad * outf if attrs.out_grad else grad


def _so_axis(attrs, ndim):
    return 1 if attrs.multi_output else ndim - 1


@register
class SoftmaxOutput(Op):
    """Softmax forward with the cross-entropy gradient backward (the head gradient ignored)."""

    name = "SoftmaxOutput"
    aliases = ("Softmax",)
    arguments = ("data", "label")
    attrs = _SO_ATTRS

    def infer_shape(self, attrs, in_shapes):
        data, label = in_shapes
        if data is None:
            return list(in_shapes), [None]
        accepted = _so_label_shapes(attrs, data)
        if label is None:
            label = accepted[0]
        elif tuple(label) not in accepted:
            fail("label shape %s does not match data shape %s: expected %s", tuple(label),
                 tuple(data), " or ".join(str(s) for s in accepted))
        return [tuple(data), tuple(label)], [tuple(data)]

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        if attrs.multi_output or attrs.preserve_shape:
            out = np_softmax(x, _so_axis(attrs, x.ndim))
        else:
            out = np_softmax(x.reshape(x.shape[0], -1), 1).reshape(x.shape)
        return [out.astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, out = inputs[0], outputs[0]
        if attrs.multi_output or attrs.preserve_shape:
            SK.launch_forward(x, out, _so_axis(attrs, x.ndim), 1.0)
        else:
            SK.launch_forward(x.reshape(x.shape[0], -1), out.reshape(x.shape[0], -1), 1, 1.0)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_SoftmaxOutput(outputs[0], inputs[1], **attrs), None]


@register
class BackwardSoftmaxOutput(Op):
    """SoftmaxOutput's data gradient from (output, label); see the module doc."""

    name = "_backward_SoftmaxOutput"
    arguments = ("output", "label")
    attrs = _SO_ATTRS
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        return SoftmaxOutput.infer_shape(self, attrs, in_shapes)

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        out, label = inputs
        return [softmax_output_grad(attrs, out, label).astype(out.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][...] = softmax_output_grad(attrs, inputs[0], inputs[1])

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- regression outputs ------------------------------------------------------------------

def _regression_label_shape(data, label):
    data = tuple(data)
    if label is None:
        return (data[0],) if len(data) == 2 and data[1] == 1 else data
    label = tuple(label)
    size = lambda s: int(np.prod(s, dtype=np.int64))  # noqa: E731
    if len(data) == 0 or len(label) == 0 or label[0] != data[0] or size(label) != size(data):
        fail("label shape %s does not match data shape %s: it needs the same first dimension "
             "and size", label, data)
    return label


class _RegressionOutput(Op):
    arguments = ("data", "label")
    attrs = dict(grad_scale=Attr("float", 1.0))
    backward_name = None

    def infer_shape(self, attrs, in_shapes):
        data, label = in_shapes
        if data is None:
            return list(in_shapes), [None]
        return [tuple(data), _regression_label_shape(data, label)], [tuple(data)]

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def forward(self, x):
        return x

    def reference(self, attrs, inputs, octx):
        return [self.forward(inputs[0].astype(np.float64)).astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        outputs[0][...] = self.forward(x.astype(np.float32) if x.dtype.char == "e" else x)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        fn = getattr(F, self.backward_name)
        return [fn(outputs[0], inputs[1], grad_scale=attrs.grad_scale), None]


class _RegressionBackward(Op):
    """grad = diff(output, label) * grad_scale / (label.size / label.shape[0])."""

    arguments = ("output", "label")
    attrs = dict(grad_scale=Attr("float", 1.0))
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        out, label = in_shapes
        if out is None:
            return list(in_shapes), [None]
        return [tuple(out), _regression_label_shape(out, label)], [tuple(out)]

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def diff(self, out, label):
        return out - label

    def reference(self, attrs, inputs, octx):
        out, label = inputs
        num_output = label.size / label.shape[0]
        g = self.diff(out.astype(np.float64), label.astype(np.float64).reshape(out.shape))
        return [(g * (attrs.grad_scale / num_output)).astype(out.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        out, label = inputs
        t = np.float64 if out.dtype == np.float64 else np.float32
        num_output = label.size // label.shape[0] if label.shape[0] else 1
        g = self.diff(out.astype(t, copy=False), label.astype(t, copy=False).reshape(out.shape))
        outputs[0][...] = g * t(attrs.grad_scale / num_output)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class LinearRegressionOutput(_RegressionOutput):
    """Identity forward; squared-loss gradient (out - label) * grad_scale / num_output."""

    name = "LinearRegressionOutput"
    backward_name = "_backward_LinearRegressionOutput"


@register
class BackwardLinearRegressionOutput(_RegressionBackward):
    name = "_backward_LinearRegressionOutput"


@register
class LogisticRegressionOutput(_RegressionOutput):
    """sigmoid forward; logistic-loss gradient (out - label) * grad_scale / num_output."""

    name = "LogisticRegressionOutput"
    backward_name = "_backward_LogisticRegressionOutput"

    def forward(self, x):
        with np.errstate(over="ignore"):
            e = np.exp(-np.abs(x))
            return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


@register
class BackwardLogisticRegressionOutput(_RegressionBackward):
    name = "_backward_LogisticRegressionOutput"


@register
class MAERegressionOutput(_RegressionOutput):
    """Identity forward; absolute-loss gradient sign(out - label) * grad_scale / num_output."""

    name = "MAERegressionOutput"
    backward_name = "_backward_MAERegressionOutput"


@register
class BackwardMAERegressionOutput(_RegressionBackward):
    """MXNet's sign: +1 where out > label, else -1 (also at equality)."""

    name = "_backward_MAERegressionOutput"

    def diff(self, out, label):
        return np.where(out - label > 0, 1.0, -1.0).astype(out.dtype)


# --- MakeLoss, BlockGrad -------------------------------------------------------------------

_MAKELOSS_ATTRS = dict(grad_scale=Attr("float", 1.0), valid_thresh=Attr("float", 0.0),
                       normalization=Attr("str", "null", choices=("batch", "null", "valid")))


class _Identity(Op):
    inplace = ((0, 0),)

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def reference(self, attrs, inputs, octx):
        return [inputs[0].copy()]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][...] = inputs[0]

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class MakeLoss(_Identity):
    """Marks `data` as a loss: identity forward, gradient grad_scale / normalizer."""

    name = "MakeLoss"
    attrs = _MAKELOSS_ATTRS

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0]]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_MakeLoss(outputs[0], **attrs)]


@register
class BackwardMakeLoss(Op):
    """MakeLoss's gradient from its output: grad_scale / (1, batch size or valid count)."""

    name = "_backward_MakeLoss"
    arguments = ("output",)
    attrs = _MAKELOSS_ATTRS
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def _value(self, attrs, out):
        if attrs.normalization == "batch":
            norm = out.shape[0] if out.ndim else 1
        elif attrs.normalization == "valid":
            norm = max(int(np.count_nonzero(out > attrs.valid_thresh)), 1)
        else:
            norm = 1
        return attrs.grad_scale / norm

    def reference(self, attrs, inputs, octx):
        out = inputs[0]
        return [np.full(out.shape, self._value(attrs, out.astype(np.float64)), out.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0].fill(self._value(attrs, inputs[0]))

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class MakeLossLower(_Identity):
    """make_loss: identity forward; the gradient is ones_like(data), ignoring the head."""

    name = "make_loss"

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.ones_like(inputs[0])]


@register
class BlockGrad(_Identity):
    """Identity that stops gradients (alias stop_gradient)."""

    name = "BlockGrad"
    aliases = ("stop_gradient",)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]


# --- softmax_cross_entropy -------------------------------------------------------------

def _sce_check_labels(idx, k):
    bad = np.flatnonzero((idx < 0) | (idx >= k))
    if bad.size:
        fail("label %d at position %d is out of range [0, %d)", idx[bad[0]], bad[0], k)


@register
class SoftmaxCrossEntropy(Op):
    """sum_i -log(softmax(data[i])[label[i]]), shape (1,)."""

    name = "softmax_cross_entropy"
    arguments = ("data", "label")

    def infer_shape(self, attrs, in_shapes):
        data, label = in_shapes
        if data is not None and len(data) != 2:
            fail("only accepts 2-d data (batch, classes), got shape %s", tuple(data))
        if label is not None and len(label) != 1:
            fail("only accepts a 1-d label, got shape %s", tuple(label))
        if data is not None and label is not None and data[0] != label[0]:
            fail("data shape %s and label shape %s disagree on the batch size",
                 tuple(data), tuple(label))
        if data is None:
            return list(in_shapes), [(1,)]
        return [tuple(data), (data[0],)], [(1,)]

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        x, label = inputs
        idx = _trunc_labels(label)
        _sce_check_labels(idx, x.shape[1])
        logp = np_softmax(x, 1, log=True)
        return [np.array([-logp[np.arange(len(idx)), idx].sum()]).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, label = inputs
        idx = _trunc_labels(label)
        _sce_check_labels(idx, x.shape[1])
        t = np.float64 if x.dtype == np.float64 else np.float32
        logp = np.empty(x.shape, t)
        SK.launch_forward(x, logp, 1, 1.0, log=True)
        outputs[0][...] = -np.sum(logp[np.arange(len(idx)), idx], dtype=np.float64)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_softmax_cross_entropy(out_grads[0], inputs[0], inputs[1]), None]


@register
class BackwardSoftmaxCrossEntropy(Op):
    """(softmax(data) - onehot(label)) * ograd (ograd of shape (1,))."""

    name = "_backward_softmax_cross_entropy"
    arguments = ("ograd", "data", "label")
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, data, label = in_shapes
        (data, label), _ = SoftmaxCrossEntropy.infer_shape(self, attrs, [data, label])
        if og is not None and tuple(og) != (1,):
            fail("ograd shape %s must be (1,)", tuple(og))
        return [(1,), data, label], [data]

    def infer_type(self, attrs, in_types):
        return _uniform_types(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        og, x, label = inputs
        idx = _trunc_labels(label)
        _sce_check_labels(idx, x.shape[1])
        g = np_softmax(x, 1)
        g[np.arange(len(idx)), idx] -= 1.0
        return [(g * og.astype(np.float64)[0]).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x, label = inputs
        idx = _trunc_labels(label)
        _sce_check_labels(idx, x.shape[1])
        t = np.float64 if x.dtype == np.float64 else np.float32
        g = np.empty(x.shape, t)
        SK.launch_forward(x, g, 1, 1.0)
        g[np.arange(len(idx)), idx] -= 1
        outputs[0][...] = g * t(og.reshape(-1)[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}
