"""SequenceMask, SequenceLast, SequenceReverse (src/operator/sequence_*.cc): per-sample valid
lengths along a time axis, used by gluon.rnn's unroll(valid_length=...).

data has the time axis `axis` (0: (T, N, ...), 1: (N, T, ...); SequenceReverse: 0 only);
sequence_length (N,) holds each sample's valid length (float or integer values) and is an
input only with use_sequence_length=True, else every sample has length T.
SequenceMask sets steps t >= length to `value`; SequenceLast picks step length-1 (zeros for
length 0, as MXNet 1.9.1 returns); SequenceReverse reverses the first `length` steps and
keeps the rest.  Lengths are truncated to integers as MXNet casts them, and must lie in
[0, T] (MXNet reads garbage past T).
"""
import numpy as np

from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES

_LENGTH_TYPES = FLOAT_TYPES + ("int32", "int64", "uint8", "int8")


def _names(attrs):
    return ["data", "sequence_length"] if attrs.use_sequence_length else ["data"]


def _check(attrs, dshape, in_shapes, allowed_axes):
    if attrs.axis not in allowed_axes:
        fail("axis %d is not supported (only %s)", attrs.axis,
             " or ".join(str(a) for a in allowed_axes))
    if len(dshape) < 2:
        fail("data shape %s needs at least 2 dimensions (time and batch)", tuple(dshape))
    batch = dshape[1 - attrs.axis]
    if attrs.use_sequence_length:
        s = in_shapes[1]
        if s is not None and tuple(s) != (batch,):
            fail("sequence_length shape %s does not match data shape %s: expected (%d,)",
                 tuple(s), tuple(dshape), batch)
        return [tuple(dshape), (batch,)]
    return [tuple(dshape)]


def _lengths(attrs, inputs):
    """int64 lengths, one per sample; all T without use_sequence_length."""
    x = inputs[0]
    T, N = x.shape[attrs.axis], x.shape[1 - attrs.axis]
    if not attrs.use_sequence_length:
        return np.full(N, T, np.int64)
    raw = inputs[1]
    lengths = raw.astype(np.int64)
    if np.any(lengths < 0) or np.any(lengths > T):
        fail("sequence_length values %s must lie in [0, %d] (data shape %s)",
             raw.tolist(), T, x.shape)
    return lengths


def _time_major(x, axis):
    return x if axis == 0 else np.swapaxes(x, 0, 1)


class _SequenceOp(Op):
    arguments = ("data", "sequence_length")
    attrs = dict(use_sequence_length=Attr("bool", False), axis=Attr("int", 0))
    axes = (0, 1)

    def input_names(self, attrs):
        return _names(attrs)

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        out = [in_types[0]]
        if attrs.use_sequence_length:
            check_dtype("sequence_length", in_types[1], _LENGTH_TYPES)
            out.append(in_types[1] if in_types[1] is not None else in_types[0])
        return out, [in_types[0]]

    @property
    def kernels(self):
        return {"cpu": self._cpu}


def _step_mask(lengths, T):
    """(T, N) booleans: step t is within sample n's length."""
    return np.arange(T)[:, None] < lengths[None, :]


@register
class SequenceMask(_SequenceOp):
    """Steps past each sample's length set to `value`."""

    name = "SequenceMask"
    attrs = dict(use_sequence_length=Attr("bool", False), value=Attr("float", 0.0),
                 axis=Attr("int", 0))

    def infer_shape(self, attrs, in_shapes):
        if in_shapes[0] is None:
            return list(in_shapes), [None]
        return _check(attrs, in_shapes[0], in_shapes, self.axes), [tuple(in_shapes[0])]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        keep = _step_mask(_lengths(attrs, inputs), x.shape[attrs.axis])
        keep = keep.reshape(keep.shape + (1,) * (x.ndim - 2))
        if attrs.axis == 1:
            keep = np.swapaxes(keep, 0, 1)
        return [np.where(keep, x, np.asarray(attrs.value, x.dtype)).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        out = outputs[0]
        out[...] = inputs[0]
        if attrs.use_sequence_length:
            view = _time_major(out, attrs.axis)
            for n, length in enumerate(_lengths(attrs, inputs)):
                view[length:, n] = attrs.value

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if not attrs.use_sequence_length:
            return [out_grads[0]]
        return [F.SequenceMask(out_grads[0], inputs[1], use_sequence_length=True, value=0.0,
                               axis=attrs.axis), None]


@register
class SequenceLast(_SequenceOp):
    """Each sample's last valid step: shape = data shape without the time axis."""

    name = "SequenceLast"

    def infer_shape(self, attrs, in_shapes):
        d = in_shapes[0]
        if d is None:
            return list(in_shapes), [None]
        ins = _check(attrs, d, in_shapes, self.axes)
        return ins, [tuple(s for i, s in enumerate(d) if i != attrs.axis)]

    def reference(self, attrs, inputs, octx):
        x = _time_major(inputs[0], attrs.axis)
        lengths = _lengths(attrs, inputs)
        idx = np.maximum(lengths - 1, 0)
        out = x[idx, np.arange(x.shape[1])]
        out[lengths == 0] = 0
        return [np.ascontiguousarray(out)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = _time_major(inputs[0], attrs.axis)
        out = outputs[0]
        for n, length in enumerate(_lengths(attrs, inputs)):
            out[n] = x[length - 1, n] if length > 0 else 0

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grad = F._backward_SequenceLast(out_grads[0], *inputs, **dict(attrs))
        return [grad] + ([None] if attrs.use_sequence_length else [])


@register
class BackwardSequenceLast(_SequenceOp):
    """(ograd, data[, sequence_length]) -> data grad: ograd at each last valid step."""

    name = "_backward_SequenceLast"
    arguments = ("ograd", "data", "sequence_length")
    differentiable = False

    def input_names(self, attrs):
        return ["ograd"] + _names(attrs)

    def infer_shape(self, attrs, in_shapes):
        d = in_shapes[1]
        if d is None:
            return list(in_shapes), [None]
        ins = _check(attrs, d, in_shapes[1:], self.axes)
        want = tuple(s for i, s in enumerate(d) if i != attrs.axis)
        if in_shapes[0] is not None and tuple(in_shapes[0]) != want:
            fail("ograd shape %s does not match data shape %s: expected %s",
                 tuple(in_shapes[0]), tuple(d), want)
        return [want] + ins, [tuple(d)]

    def infer_type(self, attrs, in_types):
        ins, outs = _SequenceOp.infer_type(self, attrs, in_types[1:])
        return [ins[0]] + ins, outs

    def reference(self, attrs, inputs, octx):
        og, x = inputs[0], inputs[1]
        lengths = _lengths(attrs, inputs[1:])
        grad = np.zeros(_time_major(x, attrs.axis).shape, x.dtype)
        n = np.arange(len(lengths))
        valid = lengths > 0
        grad[lengths[valid] - 1, n[valid]] = og[valid]
        return [np.ascontiguousarray(_time_major(grad, attrs.axis))]

    def _cpu(self, attrs, inputs, outputs, octx):
        og = inputs[0]
        out = outputs[0]
        out.fill(0)
        view = _time_major(out, attrs.axis)
        for n, length in enumerate(_lengths(attrs, inputs[1:])):
            if length > 0:
                view[length - 1, n] = og[n]


@register
class SequenceReverse(_SequenceOp):
    """The first `length` steps of each sample in reverse order; later steps unchanged."""

    name = "SequenceReverse"
    axes = (0,)

    def infer_shape(self, attrs, in_shapes):
        if in_shapes[0] is None:
            return list(in_shapes), [None]
        return _check(attrs, in_shapes[0], in_shapes, self.axes), [tuple(in_shapes[0])]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        lengths = _lengths(attrs, inputs)
        T = x.shape[0]
        t = np.arange(T)[:, None]
        src = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
        return [np.ascontiguousarray(x[src, np.arange(x.shape[1])[None, :]])]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, out = inputs[0], outputs[0]
        out[...] = x
        for n, length in enumerate(_lengths(attrs, inputs)):
            out[:length, n] = x[:length, n][::-1]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grad = F.SequenceReverse(out_grads[0], *inputs[1:], **dict(attrs))
        return [grad] + ([None] if attrs.use_sequence_length else [])
