"""Slicing and joining: slice (crop), slice_axis, slice_like, Concat, stack, SliceChannel
(split), and the hidden backward ops of the slices and of Concat.

The backward ops take the forward input as a second argument only for its shape (its values
are never read), so that their output shape is inferred from their inputs like any op.
"""

import numpy as np

from .attrs import parse_int_tuple
from .registry import Op, Attr, REQUIRED, register, fail


class OptionalIntTuple(Attr):
    """A tuple whose entries are ints or None: slice's begin/end/step, "(0, None)"."""

    def __init__(self, default=REQUIRED, doc=""):
        super().__init__("shape", default, doc=doc)

    def parse(self, value):
        if value is None:
            return ()
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return (int(value),)
        if isinstance(value, str):
            try:
                value = parse_int_tuple(value, allow_none=True)
            except ValueError:
                raise ValueError("expected a tuple of ints or None such as (0, None)") from None
        if not isinstance(value, (tuple, list)):
            raise ValueError("expected a tuple of ints or None such as (0, None)")
        out = []
        for v in value:
            if v is None or (isinstance(v, str) and v.strip() == "None"):
                out.append(None)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out.append(int(v))
            else:
                raise ValueError("entries must be ints or None, got %r" % (v,))
        return tuple(out)


def slice_key(attrs, shape):
    """The tuple of Python slices for `slice`'s begin/end/step on `shape` (MXNet's checks)."""
    begin, end, step = attrs.begin, attrs.end, attrs.step
    shape = tuple(shape)
    if len(begin) != len(end):
        fail("begin %s and end %s must have the same length", begin, end)
    if len(step) and len(step) != len(begin):
        fail("step %s and begin %s must have the same length", step, begin)
    if len(begin) > len(shape):
        fail("slicing %d axes exceeds the %d dimensions of input shape %s",
             len(begin), len(shape), shape)
    key = []
    for i in range(len(begin)):
        s = step[i] if len(step) and step[i] is not None else 1
        if s == 0:
            fail("step[%d] cannot be 0", i)
        key.append(slice(begin[i], end[i], s))
    return tuple(key)


def sliced_shape(key, shape):
    return tuple(len(range(*k.indices(n))) for k, n in zip(key, shape)) + tuple(shape[len(key):])


def slice_axis_range(attrs, shape):
    """(axis, begin, end) of slice_axis, normalized with MXNet 1.9.1's checks."""
    shape = tuple(shape)
    nd = len(shape)
    if not -nd <= attrs.axis < nd:
        fail("axis %d is out of range for input shape %s", attrs.axis, shape)
    axis = attrs.axis % nd
    n = shape[axis]
    b = attrs.begin + n if attrs.begin < 0 else attrs.begin
    e = n if attrs.end is None else (attrs.end + n if attrs.end < 0 else attrs.end)
    if b < 0:
        fail("invalid begin %d for axis %d of size %d", attrs.begin, axis, n)
    if e > n:
        fail("invalid end %s for axis %d of size %d", attrs.end, axis, n)
    if not b < e:
        fail("invalid begin, end: begin=%d, end=%s must satisfy begin < end on axis %d of "
             "size %d", attrs.begin, attrs.end, axis, n)
    return axis, b, e


class _Slicer(Op):
    """An op whose output is data[key]; subclasses define key(attrs, in_shapes)."""

    def infer_shape(self, attrs, in_shapes):
        if any(s is None for s in in_shapes):
            return list(in_shapes), [None]
        key = self.key(attrs, in_shapes)
        return [tuple(s) for s in in_shapes], [sliced_shape(key, in_shapes[0])]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        key = self.key(attrs, [a.shape for a in inputs])
        out = x
        for axis, k in enumerate(key):      # one axis at a time, by index lists
            idx = list(range(*k.indices(x.shape[axis])))
            out = np.take(out, np.asarray(idx, dtype=np.int64), axis=axis)
        return [np.array(out)]

    def _cpu(self, attrs, inputs, outputs, octx):
        key = self.key(attrs, [a.shape for a in inputs])
        outputs[0][...] = inputs[0][key]

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class Slice(_Slicer):
    """data[begin:end:step] per axis; None entries take the default (Python semantics)."""

    name = "slice"
    aliases = ("crop",)
    attrs = dict(begin=OptionalIntTuple(), end=OptionalIntTuple(), step=OptionalIntTuple(()))

    def key(self, attrs, shapes):
        return slice_key(attrs, shapes[0])

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice(out_grads[0], inputs[0], **dict(attrs))]


@register
class SliceAxis(_Slicer):
    """data[begin:end] along one axis (end None: to the end; begin < end required)."""

    name = "slice_axis"
    attrs = dict(axis=Attr("int"), begin=Attr("int"), end=Attr("int_or_none"))

    def key(self, attrs, shapes):
        axis, b, e = slice_axis_range(attrs, shapes[0])
        return (slice(None),) * axis + (slice(b, e),)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice_axis(out_grads[0], inputs[0], **dict(attrs))]


@register
class SliceLike(_Slicer):
    """data sliced from the start to shape_like's sizes on `axes` (all axes if empty)."""

    name = "slice_like"
    arguments = ("data", "shape_like")
    attrs = dict(axes=Attr("shape", ()))

    def key(self, attrs, shapes):
        x, like = tuple(shapes[0]), tuple(shapes[1])
        if not len(attrs.axes):
            if len(x) != len(like):
                fail("slice_like on all axes needs inputs of the same ndim: data %s, "
                     "shape_like %s", x, like)
            axes = range(len(x))
        else:
            axes = []
            for a in attrs.axes:      # normalized by data's ndim, as MXNet does
                if not -len(x) <= a < len(x) or a % len(x) >= len(like):
                    fail("axis %d is out of range for data %s and shape_like %s", a, x, like)
                axes.append(a % len(x))
        key = [slice(None)] * len(x)
        for a in axes:
            if like[a] > x[a]:
                fail("slice axis %d with size %d exceeds the size %d of data %s",
                     a, like[a], x[a], x)
            key[a] = slice(0, like[a])
        return tuple(key)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice_like(out_grads[0], inputs[0]), None]


class _SliceBackward(Op):
    """Zeros of data's shape with ograd written at the forward slice."""

    arguments = ("ograd", "data")

    def key(self, attrs, shape):
        raise NotImplementedError("%s must define key()" % type(self).__name__)

    def infer_shape(self, attrs, in_shapes):
        og, x = in_shapes
        if x is None:
            return list(in_shapes), [None]
        want = sliced_shape(self.key(attrs, x), x)
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match the slice shape %s of data %s",
                 tuple(og), want, tuple(x))
        return [want, tuple(x)], [tuple(x)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        key = self.key(attrs, x.shape)
        grids = [np.arange(n)[k] if i < len(key) else np.arange(n)
                 for i, (n, k) in enumerate(zip(x.shape, list(key) + [slice(None)] * x.ndim))]
        out = np.zeros(x.shape, og.dtype)
        out[np.ix_(*grids)] = og
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x = inputs
        out = outputs[0]
        out.fill(0)
        out[self.key(attrs, x.shape)] = og

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class BackwardSlice(_SliceBackward):
    name = "_backward_slice"
    attrs = Slice.attrs

    def key(self, attrs, shape):
        return slice_key(attrs, shape)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.slice(out_grads[0], **dict(attrs)), None]


@register
class BackwardSliceAxis(_SliceBackward):
    name = "_backward_slice_axis"
    attrs = SliceAxis.attrs

    def key(self, attrs, shape):
        axis, b, e = slice_axis_range(attrs, shape)
        return (slice(None),) * axis + (slice(b, e),)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.slice_axis(out_grads[0], **dict(attrs)), None]


@register
class BackwardSliceLike(_SliceBackward):
    """ograd written into the leading corner of zeros shaped like data."""

    name = "_backward_slice_like"

    def key(self, attrs, shape):
        raise AssertionError("uses the ograd shape")

    def infer_shape(self, attrs, in_shapes):
        og, x = in_shapes
        if og is None or x is None:
            return list(in_shapes), [x]
        if len(og) != len(x) or any(a > b for a, b in zip(og, x)):
            fail("ograd shape %s does not fit in data shape %s", tuple(og), tuple(x))
        return [tuple(og), tuple(x)], [tuple(x)]

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        out = np.zeros(x.shape, og.dtype)
        out[np.ix_(*[np.arange(n) for n in og.shape])] = og
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        og = inputs[0]
        outputs[0].fill(0)
        outputs[0][tuple(slice(0, n) for n in og.shape)] = og

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.slice_like(out_grads[0], inputs[0]), None]


# --- joining and splitting -------------------------------------------------------------------

def _norm_axis(axis, nd, shape, what="axis"):
    if not -nd <= axis < nd:
        fail("%s %d is out of range for input shape %s", what, axis, tuple(shape))
    return axis % nd


def concat_shape(shapes, dim):
    """Shape of the concatenation of `shapes` along `dim` (MXNet's Concat checks)."""
    first = tuple(shapes[0])
    dim = _norm_axis(dim, len(first), first, "dim")
    total = 0
    for i, s in enumerate(shapes):
        s = tuple(s)
        if len(s) != len(first) or any(a != b for d, (a, b) in enumerate(zip(s, first))
                                       if d != dim):
            fail("input %d has shape %s, incompatible with input 0's shape %s: all "
                 "dimensions except dim %d must match", i, s, first, dim)
        total += s[dim]
    return first[:dim] + (total,) + first[dim + 1:]


def _rows(a, lead):
    """`a` as a (lead, rest) matrix (lead > 0)."""
    return a.reshape(lead, a.size // lead)


@register
class Concat(Op):
    """Join arrays along `dim` (default 1); other dimensions must match."""

    name = "Concat"
    aliases = ("concat",)
    variadic = "num_args"
    attrs = dict(num_args=Attr("int"), dim=Attr("int", 1))

    def infer_shape(self, attrs, in_shapes):
        if attrs.num_args < 1:
            fail("num_args must be >= 1, got %d", attrs.num_args)
        if any(s is None for s in in_shapes):
            return list(in_shapes), [None]
        return [tuple(s) for s in in_shapes], [concat_shape(in_shapes, attrs.dim)]

    def reference(self, attrs, inputs, octx):
        return [np.concatenate(inputs, axis=attrs.dim)]

    def _cpu(self, attrs, inputs, outputs, octx):
        out = outputs[0]
        dim = attrs.dim % out.ndim
        lead = int(np.prod(out.shape[:dim], dtype=np.int64))
        if lead == 0 or out.size == 0:
            return
        o2 = _rows(out, lead)
        pos = 0
        for x in inputs:
            w = x.size // lead
            o2[:, pos:pos + w] = x.reshape(lead, w)
            pos += w

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Concat(out_grads[0], *inputs, dim=attrs.dim)
        return list(grads) if isinstance(grads, (list, tuple)) else [grads]


@register
class BackwardConcat(Op):
    """ograd split back into pieces shaped like the Concat inputs (args 1..n)."""

    name = "_backward_Concat"
    variadic = "num_args"
    attrs = dict(num_args=Attr("int"), dim=Attr("int", 1))

    def output_names(self, attrs):
        return ["arg%d_grad" % i for i in range(attrs.num_args - 1)]

    def infer_shape(self, attrs, in_shapes):
        if attrs.num_args < 2:
            fail("needs ograd and at least one input, got num_args=%d", attrs.num_args)
        og, xs = in_shapes[0], in_shapes[1:]
        if any(s is None for s in xs):
            return list(in_shapes), [None] * len(xs)
        want = concat_shape(xs, attrs.dim)
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match the concatenated shape %s", tuple(og), want)
        return [want] + [tuple(s) for s in xs], [tuple(s) for s in xs]

    def reference(self, attrs, inputs, octx):
        og, xs = inputs[0], inputs[1:]
        bounds = np.cumsum([x.shape[attrs.dim] for x in xs])[:-1]
        return [np.array(p) for p in np.split(og, bounds, axis=attrs.dim)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og = inputs[0]
        dim = attrs.dim % og.ndim
        lead = int(np.prod(og.shape[:dim], dtype=np.int64))
        if lead == 0 or og.size == 0:
            return
        g2 = _rows(og, lead)
        pos = 0
        for out in outputs:
            w = out.size // lead
            out.reshape(lead, w)[...] = g2[:, pos:pos + w]
            pos += w

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.Concat(*out_grads, dim=attrs.dim)] + [None] * (len(inputs) - 1)


@register
class Stack(Op):
    """Join arrays of one shape along a new axis."""

    name = "stack"
    variadic = "num_args"
    attrs = dict(axis=Attr("int", 0), num_args=Attr("int"))

    def infer_shape(self, attrs, in_shapes):
        if attrs.num_args < 1:
            fail("num_args must be >= 1, got %d", attrs.num_args)
        known = [tuple(s) for s in in_shapes if s is not None]
        if not known:
            return list(in_shapes), [None]
        first = known[0]
        for i, s in enumerate(in_shapes):
            if s is not None and tuple(s) != first:
                fail("all inputs must have the same shape: input %d has shape %s, expected %s",
                     i, tuple(s), first)
        nd = len(first) + 1
        axis = _norm_axis(attrs.axis, nd, first)
        return [first] * len(in_shapes), [first[:axis] + (len(in_shapes),) + first[axis:]]

    def reference(self, attrs, inputs, octx):
        return [np.stack(inputs, axis=attrs.axis)]

    def _cpu(self, attrs, inputs, outputs, octx):
        out = outputs[0]
        axis = attrs.axis % out.ndim
        lead = int(np.prod(out.shape[:axis], dtype=np.int64))
        if out.size == 0:
            return
        o3 = out.reshape(lead, len(inputs), out.size // (lead * len(inputs)))
        for i, x in enumerate(inputs):
            o3[:, i, :] = _rows(x, lead)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        parts = F.split(out_grads[0], num_outputs=len(inputs), axis=attrs.axis, squeeze_axis=True)
        return list(parts) if isinstance(parts, (list, tuple)) else [parts]


@register
class SliceChannel(Op):
    """Split into `num_outputs` equal parts along `axis` (squeeze_axis drops that axis,
    which then must have size num_outputs)."""

    name = "SliceChannel"
    aliases = ("split",)
    attrs = dict(num_outputs=Attr("int"), axis=Attr("int", 1), squeeze_axis=Attr("bool", False))

    def output_names(self, attrs):
        return ["output%d" % i for i in range(attrs.num_outputs)]

    def infer_shape(self, attrs, in_shapes):
        n = attrs.num_outputs
        if n < 1:
            fail("num_outputs must be >= 1, got %d", n)
        x = in_shapes[0]
        if x is None:
            return [None], [None] * n
        x = tuple(x)
        axis = _norm_axis(attrs.axis, len(x), x)
        if x[axis] % n:
            fail("cannot split axis %d of input shape %s into num_outputs=%d equal parts: %d "
                 "does not divide %d", axis, x, n, n, x[axis])
        if attrs.squeeze_axis and x[axis] != n:
            fail("squeeze_axis needs axis %d of input shape %s to have size num_outputs=%d",
                 axis, x, n)
        part = x[:axis] + (x[axis] // n,) + x[axis + 1:]
        if attrs.squeeze_axis:
            part = (x[:axis] + x[axis + 1:]) or (1,)
        return [x], [part] * n

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        _, shapes = self.infer_shape(attrs, [x.shape])
        return [np.array(p).reshape(s) for p, s in
                zip(np.split(x, attrs.num_outputs, axis=attrs.axis), shapes)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        axis = attrs.axis % x.ndim
        lead = int(np.prod(x.shape[:axis], dtype=np.int64))
        if x.size == 0:
            return
        n = attrs.num_outputs
        x3 = x.reshape(lead, n, x.size // (lead * n))
        for i, out in enumerate(outputs):
            _rows(out, lead)[...] = x3[:, i, :]

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = out_grads
        if attrs.squeeze_axis:
            grads = [F.expand_dims(g, axis=attrs.axis) for g in grads]
        return [F.Concat(*grads, dim=attrs.axis)]
