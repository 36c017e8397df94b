"""Copies with structure: tile, repeat, reverse (flip), Pad (pad), diag, and the hidden
backward ops of Pad and diag.

tile's and repeat's gradients are sums over reshaped views, expressed with Reshape's
special codes so that they need only the attributes (see `_tile_grad`).
"""
import numpy as np

from kernels.cpu import tensor as ktensor
from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES


@register
class Tile(Op):
    """Repeat the whole array `reps` times per axis (NumPy's tile; shorter operands get
    leading 1s)."""

    name = "tile"
    attrs = dict(reps=Attr("shape"))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        reps = tuple(attrs.reps)
        if any(r <= 0 for r in reps):
            fail("reps %s must be positive", reps)
        m = max(len(x), len(reps))
        xs = (1,) * (m - len(x)) + x
        rs = (1,) * (m - len(reps)) + reps
        return [x], [tuple(a * b for a, b in zip(xs, rs))]

    def reference(self, attrs, inputs, octx):
        return [np.tile(inputs[0], tuple(attrs.reps))]

    def _cpu(self, attrs, inputs, outputs, octx):
        ktensor.tile(inputs[0], tuple(attrs.reps), outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        og, x = out_grads[0], inputs[0]
        reps = tuple(attrs.reps)
        if not reps:
            return [og]
        # split every tiled dim r*d into (r, d), right to left (reverse=True), then sum the r's
        spec = (-2,)
        for r in reps:
            spec += (r, -1, -4)
        m = len(reps)
        split = F.Reshape(og, shape=spec, reverse=True)
        summed = F.sum(split, axis=tuple(-2 * (m - i) for i in range(m)))
        return [F.reshape_like(summed, x)]


@register
class Repeat(Op):
    """Repeat each element `repeats` times along `axis` (None: of the flattened array)."""

    name = "repeat"
    attrs = dict(repeats=Attr("int"), axis=Attr("int_or_none", None))

    def _axis(self, attrs, shape):
        if attrs.axis is None:
            return None
        nd = len(shape)
        if not -nd <= attrs.axis < nd:
            fail("axis %d is out of bounds for input shape %s", attrs.axis, tuple(shape))
        return attrs.axis % nd

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        if attrs.repeats < 0:
            fail("repeats cannot be negative, got %d", attrs.repeats)
        axis = self._axis(attrs, x)
        if axis is None:
            return [x], [(int(np.prod(x, dtype=np.int64)) * attrs.repeats,)]
        return [x], [x[:axis] + (x[axis] * attrs.repeats,) + x[axis + 1:]]

    def reference(self, attrs, inputs, octx):
        return [np.repeat(inputs[0], attrs.repeats, axis=attrs.axis)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        ktensor.repeat(x, attrs.repeats, self._axis(attrs, x.shape), outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        og, x = out_grads[0], inputs[0]
        r, k = attrs.repeats, attrs.axis
        if r == 0:
            return [F.zeros_like(x)]
        if k is None:
            return [F.reshape_like(F.sum(F.Reshape(og, shape=(-1, r)), axis=1), x)]
        if k >= 0:   # split dim k (n*r) into (n, r) and sum the r
            split = F.Reshape(og, shape=(0,) * k + (-4, -1, r, -2))
            return [F.sum(split, axis=k + 1)]
        split = F.Reshape(og, shape=(-2, -1, r, -4) + (0,) * (-k - 1), reverse=True)
        return [F.sum(split, axis=k)]


@register
class Reverse(Op):
    """Reverse the order of elements along each axis in `axis` (non-negative, as MXNet
    1.9.1 requires; an axis listed twice is reversed twice)."""

    name = "reverse"
    aliases = ("flip",)
    attrs = dict(axis=Attr("shape"))

    def _flips(self, attrs, shape):
        flips = [False] * len(shape)
        for a in attrs.axis:
            if not 0 <= a < len(shape):
                fail("axis %d is out of range [0, %d) for input shape %s", a, len(shape),
                     tuple(shape))
            flips[a] = not flips[a]
        return flips

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        self._flips(attrs, x)
        return [tuple(x)], [tuple(x)]

    def reference(self, attrs, inputs, octx):
        out = inputs[0]
        for a in attrs.axis:
            out = np.flip(out, a)
        return [np.ascontiguousarray(out)]

    def _cpu(self, attrs, inputs, outputs, octx):
        flips = self._flips(attrs, inputs[0].shape)
        outputs[0][...] = inputs[0][tuple(slice(None, None, -1) if f else slice(None)
                                          for f in flips)]

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.reverse(out_grads[0], axis=attrs.axis)]


def pad_pairs(attrs, shape):
    """((before, after), ...) per axis, with MXNet 1.9.1's checks."""
    shape = tuple(shape)
    nd = len(shape)
    if nd not in (4, 5):
        fail("Pad supports only 4-D or 5-D input, got shape %s", shape)
    pw = tuple(attrs.pad_width)
    if len(pw) != 2 * nd:
        fail("pad_width %s must have 2*ndim = %d entries for input shape %s", pw, 2 * nd, shape)
    if any(p < 0 for p in pw):
        fail("pad_width %s must be non-negative", pw)
    if any(pw[:4]):
        fail("padding of the first two axes must be zero, got pad_width %s", pw)
    pairs = tuple((pw[2 * i], pw[2 * i + 1]) for i in range(nd))
    if attrs.mode == "reflect":
        for (b, a), n in zip(pairs[2:], shape[2:]):
            if b >= n or a >= n:
                fail("reflect padding %s must be smaller than the input size %d (input shape "
                     "%s)", (b, a), n, shape)
    return pairs


@register
class Pad(Op):
    """Pad the spatial axes of a 4-D/5-D array: constant, edge or reflect."""

    name = "Pad"
    aliases = ("pad",)
    attrs = dict(mode=Attr("str", choices=("constant", "edge", "reflect")),
                 pad_width=Attr("shape"), constant_value=Attr("float", 0.0))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        pairs = pad_pairs(attrs, x)
        return [tuple(x)], [tuple(n + b + a for n, (b, a) in zip(x, pairs))]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        pairs = pad_pairs(attrs, x.shape)
        if attrs.mode == "constant":
            return [np.pad(x, pairs, mode="constant", constant_values=attrs.constant_value)]
        return [np.pad(x, pairs, mode=attrs.mode)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        ktensor.pad(x, pad_pairs(attrs, x.shape), attrs.mode, attrs.constant_value, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_Pad(out_grads[0], inputs[0], mode=attrs.mode,
                                pad_width=attrs.pad_width)]


@register
class BackwardPad(Op):
    """Gradient of Pad: ograd's borders folded back onto data's shape."""

    name = "_backward_Pad"
    arguments = ("ograd", "data")
    attrs = Pad.attrs

    def infer_shape(self, attrs, in_shapes):
        og, x = in_shapes
        if x is None:
            return list(in_shapes), [None]
        pairs = pad_pairs(attrs, x)
        want = tuple(n + b + a for n, (b, a) in zip(x, pairs))
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match the padded shape %s of data %s",
                 tuple(og), want, tuple(x))
        return [want, tuple(x)], [tuple(x)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        pairs = pad_pairs(attrs, x.shape)
        if attrs.mode == "constant":
            return [og[tuple(slice(b, b + n) for (b, _), n in zip(pairs, x.shape))].copy()]
        # index of the input element each output position copies, per axis
        maps = [np.pad(np.arange(n), p, mode=attrs.mode) for n, p in zip(x.shape, pairs)]
        out = np.zeros(x.shape, np.float64)
        np.add.at(out, np.ix_(*maps), og.astype(np.float64))
        return [out.astype(og.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x = inputs
        g = og.astype(np.float32) if og.dtype == np.float16 else og
        ktensor.pad_backward(g, pad_pairs(attrs, x.shape), attrs.mode, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.Pad(out_grads[0], mode=attrs.mode, pad_width=attrs.pad_width,
                      constant_value=0.0), None]


def diag_geometry(attrs, shape):
    """(axis1, axis2, length) of diag on an input of >= 2 dims (MXNet's checks)."""
    shape = tuple(shape)
    nd = len(shape)
    axes = []
    for name in ("axis1", "axis2"):
        a = attrs[name]
        if not -nd <= a < nd:
            fail("%s %d is out of range for input shape %s", name, a, shape)
        axes.append(a % nd)
    if axes[0] == axes[1]:
        fail("axis1 and axis2 cannot refer to the same axis %d", axes[0])
    h, w = shape[axes[0]], shape[axes[1]]
    k = attrs.k
    length = min(h, w - k) if k >= 0 else min(h + k, w)
    if length < 0:
        fail("diagonal k=%d does not exist for a %dx%d matrix (input shape %s)", k, h, w, shape)
    return axes[0], axes[1], length


def diag_shape(attrs, shape):
    shape = tuple(shape)
    if len(shape) == 0:
        fail("diag needs an input with at least one dimension")
    if len(shape) == 1:
        n = shape[0] + abs(attrs.k)
        return (n, n)
    a1, a2, length = diag_geometry(attrs, shape)
    return tuple(n for d, n in enumerate(shape) if d not in (a1, a2)) + (length,)


def _diag_index(n, k):
    """Row and column indices of the k-th diagonal, `n` entries."""
    i = np.arange(n)
    return (i, i + k) if k >= 0 else (i - k, i)


@register
class Diag(Op):
    """1-D input: a square matrix with it on the k-th diagonal; N-D: the k-th diagonal of
    the (axis1, axis2) matrices, as a new last axis."""

    name = "diag"
    attrs = dict(k=Attr("int", 0), axis1=Attr("int", 0), axis2=Attr("int", 1))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        return [tuple(x)], [diag_shape(attrs, x)]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        if x.ndim == 1:
            return [np.diag(x, attrs.k)]
        return [np.ascontiguousarray(np.diagonal(x, attrs.k, attrs.axis1, attrs.axis2))]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, out = inputs[0], outputs[0]
        if x.ndim == 1:
            out.fill(0)
            out[_diag_index(x.shape[0], attrs.k)] = x
        else:
            a1, a2, _ = diag_geometry(attrs, x.shape)
            out[...] = np.diagonal(x, attrs.k, a1, a2)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_diag(out_grads[0], inputs[0], **dict(attrs))]


@register
class BackwardDiag(Op):
    """Gradient of diag: for 1-D data the k-th diagonal of ograd; otherwise zeros shaped
    like data with ograd written on the diagonal."""

    name = "_backward_diag"
    arguments = ("ograd", "data")
    attrs = Diag.attrs

    def infer_shape(self, attrs, in_shapes):
        og, x = in_shapes
        if x is None:
            return list(in_shapes), [None]
        want = diag_shape(attrs, x)
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match diag's output shape %s for data %s",
                 tuple(og), want, tuple(x))
        return [want, tuple(x)], [tuple(x)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        if x.ndim == 1:
            return [np.diagonal(og, attrs.k).copy()]
        a1, a2 = attrs.axis1 % x.ndim, attrs.axis2 % x.ndim
        rest = [d for d in range(x.ndim) if d not in (a1, a2)]
        out = np.zeros(x.shape, og.dtype)
        for idx in np.ndindex(*og.shape):
            pos = [0] * x.ndim
            for d, i in zip(rest, idx[:-1]):
                pos[d] = i
            j = idx[-1]
            pos[a1], pos[a2] = (j, j + attrs.k) if attrs.k >= 0 else (j - attrs.k, j)
            out[tuple(pos)] = og[idx]
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x = inputs
        out = outputs[0]
        if x.ndim == 1:
            out[...] = og[_diag_index(x.shape[0], attrs.k)]
            return
        a1, a2, n = diag_geometry(attrs, x.shape)
        out.fill(0)
        rows, cols = _diag_index(n, attrs.k)
        moved = np.moveaxis(out, (a1, a2), (-2, -1))     # a view of out
        moved[..., rows, cols] = og

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.diag(out_grads[0], **dict(attrs)), None]
