"""softmax, log_softmax, softmin, SoftmaxActivation and their backward ops.

Kernels: kernels/cpu/softmax.py (row kernels, stable max subtraction, prange over rows
for large inputs).  MXNet 1.9.1 details kept here:
- softmax(data, length, axis=-1, temperature=None, dtype=None, use_length=False):
  `length` (an integer array, data's shape without `axis`) is an input only when
  use_length=True; positions >= length are 0.  Lengths are clipped to [0, n] (MXNet reads
  past the row for a length > n).
- log_softmax and softmin take no `length` input in MXNet 1.9.1: use_length=True raises.
- `dtype` sets the output dtype (float16/32/64); the input must be floating point.
- SoftmaxActivation: mode='instance' is a softmax over the LAST axis (MXNet flattens to
  2-d keeping the last axis), mode='channel' over axis 1 (input needs >= 3 dims).  Its
  backward reduces over axis 1 in both modes (an MXNet bug for instance mode on > 2-d
  data, reproduced: see _backward_SoftmaxActivation).
"""
import numpy as np

from kernels.cpu import softmax as K
from .registry import (float_types, Op, Attr, register, fail, normalize_axis, check_dtype, FLOAT_TYPES,
                       dtype_name)

INT_TYPES = ("uint8", "int8", "int32", "int64")


def _softmax_attrs():
    return dict(axis=Attr("int", -1), temperature=Attr("float_or_none", None),
                dtype=Attr("dtype_or_none", None, choices=FLOAT_TYPES),
                use_length=Attr("bool", False))


def _scale(attrs, negate):
    t = 1.0 if attrs.temperature is None else attrs.temperature
    s = 1.0 / t if t != 0 else np.inf
    return -s if negate else s


def np_softmax(x, axis, scale=1.0, log=False, lengths=None):
    """Independent NumPy (log-)softmax of x * scale along `axis`, in float64."""
    v = np.moveaxis(np.asarray(x, np.float64), axis, -1) * scale
    n = v.shape[-1]
    if lengths is None:
        mask = np.ones(v.shape, bool)
    else:
        mask = np.arange(n) < np.clip(np.asarray(lengths, np.int64), 0, n)[..., None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(np.where(mask, v, -np.inf), axis=-1, keepdims=True)
        m = np.where(m == -np.inf, 0.0, m)      # fully masked rows
        z = v - m
        e = np.where(mask, np.exp(z), 0.0)
        s = e.sum(axis=-1, keepdims=True)
        out = np.where(mask, z - np.log(s), 0.0) if log else np.where(mask, e / s, 0.0)
    return np.moveaxis(out, -1, axis)


class _SoftmaxBase(Op):
    """softmax / log_softmax / softmin: forward row kernel; gradient via _backward_<name>."""

    attrs = _softmax_attrs()
    log = False
    negate = False
    backward_name = None
    length_input = False       # MXNet 1.9.1: only softmax accepts a `length` input

    def input_names(self, attrs):
        if attrs is not None and attrs.use_length and self.length_input:
            return ["data", "length"]
        return ["data"]

    def _check_length_supported(self, attrs):
        if attrs.use_length and not self.length_input:
            fail("use_length=True is not supported: MXNet 1.9.1's %s takes no length input "
                 "(use softmax)", self.name)

    def infer_shape(self, attrs, in_shapes):
        self._check_length_supported(attrs)
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None]
        axis = normalize_axis(attrs.axis, len(data))
        if attrs.use_length:
            want = tuple(data[:axis]) + tuple(data[axis + 1:])
            got = in_shapes[1]
            if got is not None and tuple(got) != want:
                fail("length shape %s does not match data shape %s without axis %d: expected %s",
                     tuple(got), tuple(data), attrs.axis, want)
            return [tuple(data), want], [tuple(data)]
        return [tuple(data)], [tuple(data)]

    def infer_type(self, attrs, in_types):
        self._check_length_supported(attrs)
        check_dtype("data", in_types[0], FLOAT_TYPES)
        if attrs.use_length:
            check_dtype("length", in_types[1], INT_TYPES)
        out = attrs.dtype or in_types[0]
        return list(in_types), [out]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        axis = normalize_axis(attrs.axis, x.ndim)
        out_dtype = attrs.dtype or dtype_name(x.dtype)
        lengths = inputs[1] if attrs.use_length else None
        y = np_softmax(x, axis, _scale(attrs, self.negate), self.log, lengths)
        return [y.astype(out_dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        axis = normalize_axis(attrs.axis, x.ndim)
        lengths = None
        if attrs.use_length:
            n = x.shape[axis]
            lengths = np.clip(inputs[1].astype(np.int64), 0, n)
        K.launch_forward(x, outputs[0], axis, _scale(attrs, self.negate), self.log, lengths)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        extra = [inputs[0]] if attrs.dtype is not None else []
        fn = getattr(F, self.backward_name)
        dx = fn(out_grads[0], outputs[0], *extra, axis=attrs.axis,
                temperature=attrs.temperature, dtype=attrs.dtype)
        return [dx] + [None] * (len(inputs) - 1)


@register
class Softmax(_SoftmaxBase):
    """softmax(data / temperature) along `axis`, optionally masked by `length`."""

    name = "softmax"
    arguments = ("data", "length")
    length_input = True
    backward_name = "_backward_softmax"


@register
class LogSoftmax(_SoftmaxBase):
    """log(softmax(data / temperature)) along `axis`."""

    name = "log_softmax"
    arguments = ("data",)
    log = True
    backward_name = "_backward_log_softmax"


@register
class Softmin(_SoftmaxBase):
    """softmax(-data / temperature) along `axis`."""

    name = "softmin"
    arguments = ("data",)
    negate = True
    backward_name = "_backward_softmin"


class _SoftmaxBackwardBase(Op):
    """Gradient of a softmax from its output: inputs (ograd, output[, data]).

    `data` is passed only when the forward set `dtype` (it gives the gradient's dtype)."""

    attrs = _softmax_attrs()
    arguments = ("ograd", "output", "data")
    differentiable = False
    log = False
    negate = False

    def input_names(self, attrs):
        if attrs is not None and attrs.dtype is not None:
            return ["ograd", "output", "data"]
        return ["ograd", "output"]

    def infer_shape(self, attrs, in_shapes):
        known = next((s for s in in_shapes if s is not None), None)
        if known is None:
            return list(in_shapes), [None]
        for name, s in zip(self.input_names(attrs), in_shapes):
            if s is not None and tuple(s) != tuple(known):
                fail("%s shape %s does not match %s", name, tuple(s), tuple(known))
        normalize_axis(attrs.axis, len(known))
        return [tuple(known)] * len(in_shapes), [tuple(known)]

    def infer_type(self, attrs, in_types):
        for name, t in zip(self.input_names(attrs), in_types):
            check_dtype(name, t, FLOAT_TYPES)
        out = in_types[2] if len(in_types) > 2 else in_types[1]
        return list(in_types), [out]

    def reference(self, attrs, inputs, octx):
        og = inputs[0].astype(np.float64)
        y = inputs[1].astype(np.float64)
        axis = normalize_axis(attrs.axis, y.ndim)
        scale = _scale(attrs, self.negate)
        if self.log:
            dx = scale * (og - np.exp(y) * og.sum(axis=axis, keepdims=True))
        else:
            dx = scale * y * (og - (og * y).sum(axis=axis, keepdims=True))
        out_dtype = inputs[2].dtype if len(inputs) > 2 else inputs[1].dtype
        return [dx.astype(out_dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        axis = normalize_axis(attrs.axis, inputs[1].ndim)
        K.launch_backward(inputs[0], inputs[1], outputs[0], axis, _scale(attrs, self.negate),
                          self.log)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class BackwardSoftmax(_SoftmaxBackwardBase):
    """dx = y * (og - sum(og * y)) / temperature."""

    name = "_backward_softmax"


@register
class BackwardLogSoftmax(_SoftmaxBackwardBase):
    """dx = (og - exp(y) * sum(og)) / temperature."""

    name = "_backward_log_softmax"
    log = True


@register
class BackwardSoftmin(_SoftmaxBackwardBase):
    """dx = -y * (og - sum(og * y)) / temperature."""

    name = "_backward_softmin"
    negate = True


@register
class SoftmaxActivation(Op):
    """Legacy softmax: mode='instance' over the last axis, 'channel' over axis 1 (ndim >= 3)."""

    name = "SoftmaxActivation"
    attrs = dict(mode=Attr("str", "instance", choices=("channel", "instance")))

    def _axis(self, attrs, ndim):
        if attrs.mode == "channel":
            if ndim < 3:
                fail("mode='channel' needs an input with at least 3 dimensions, got %d", ndim)
            return 1
        if ndim < 1:
            fail("needs an input with at least 1 dimension")
        return ndim - 1

    def infer_shape(self, attrs, in_shapes):
        if in_shapes[0] is not None:
            self._axis(attrs, len(in_shapes[0]))
        return list(in_shapes), [in_shapes[0]]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        return [np_softmax(x, self._axis(attrs, x.ndim)).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        K.launch_forward(x, outputs[0], self._axis(attrs, x.ndim), 1.0)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_SoftmaxActivation(out_grads[0], outputs[0], mode=attrs.mode)]


@register
class BackwardSoftmaxActivation(Op):
    """dx = y * (og - sum(og * y)) with the sum over axis 1 (axis 0 for 1-d data), in BOTH
    modes: MXNet 1.9.1's backward always reduces over the channel axis, so for
    mode='instance' on data with more than 2 dimensions it is not the derivative of the
    forward (a softmax over the last axis).  Reproduced as is."""

    name = "_backward_SoftmaxActivation"
    arguments = ("ograd", "output")
    attrs = SoftmaxActivation.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        known = next((s for s in in_shapes if s is not None), None)
        if known is None:
            return list(in_shapes), [None]
        for name, s in zip(self.arguments, in_shapes):
            if s is not None and tuple(s) != tuple(known):
                fail("%s shape %s does not match %s", name, tuple(s), tuple(known))
        return [tuple(known)] * 2, [tuple(known)]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    @staticmethod
    def _axis(ndim):
        return 1 if ndim >= 2 else 0

    def reference(self, attrs, inputs, octx):
        og, y = (a.astype(np.float64) for a in inputs)
        dot = (og * y).sum(axis=self._axis(y.ndim), keepdims=True)
        return [(y * (og - dot)).astype(inputs[1].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        K.launch_backward(inputs[0], inputs[1], outputs[0], self._axis(inputs[1].ndim), 1.0)

    @property
    def kernels(self):
        return {"cpu": self._cpu}
