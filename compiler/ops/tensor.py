"""Shape operators: Reshape, Flatten, transpose, expand_dims, squeeze, SwapAxis,
reshape_like, broadcast_to / broadcast_axis / broadcast_like, zeros_like, ones_like,
shape_array, size_array.  (Slicing, joining and padding ops: tensor_slice.py, tensor_more.py.)

The output is always a new array (MXNet's imperative reshape view is NDArray.reshape,
which only calls Reshape's infer_shape).  Kernels are copies into the preallocated output
(kernels/cpu/tensor.py).
"""
import numpy as np

from kernels.cpu import tensor as ktensor
from .registry import Op, Attr, register, fail

_SHAPE_CODES = {0: "0 (copy)", -1: "-1 (infer)", -2: "-2 (copy rest)", -3: "-3 (merge two)",
                -4: "-4 (split)"}


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def infer_reshape(spec, dshape, reverse):
    """MXNet 1.9.1's InferReshapeShape: the special codes 0, -1, -2, -3, -4 (and reverse)."""
    dims = list(dshape)
    params = list(spec)
    if reverse:
        dims.reverse()
        params.reverse()
    out, src, inf = [], 0, -1
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            if src >= len(dims):
                fail("shape code 0 at position %d has no matching input dimension "
                     "(shape %s, input shape %s)", i, tuple(spec), tuple(dshape))
            out.append(dims[src])
            src += 1
        elif p == -1:
            if inf >= 0:
                fail("only one dimension can be inferred (-1) in shape %s (input shape %s)",
                     tuple(spec), tuple(dshape))
            inf = len(out)
            out.append(1)
            src += 1
        elif p == -2:
            out.extend(dims[src:])
            src = len(dims)
        elif p == -3:
            if src + 1 >= len(dims):
                fail("shape code -3 at position %d needs two input dimensions "
                     "(shape %s, input shape %s)", i, tuple(spec), tuple(dshape))
            out.append(dims[src] * dims[src + 1])
            src += 2
        elif p == -4:
            if i + 2 >= len(params):
                fail("shape code -4 must be followed by two dimensions (shape %s)", tuple(spec))
            if src >= len(dims):
                fail("shape code -4 at position %d has no matching input dimension "
                     "(shape %s, input shape %s)", i, tuple(spec), tuple(dshape))
            d0 = dims[src]
            src += 1
            d1, d2 = params[i + 1], params[i + 2]
            i += 2
            if d1 == -1 and d2 == -1:
                fail("split dims of -4 cannot both be -1 (shape %s)", tuple(spec))
            if d1 < -1 or d2 < -1:
                fail("split dims of -4 must be positive or -1, got %d, %d (shape %s)",
                     d1, d2, tuple(spec))
            if d1 == -1:
                d1 = d0 // d2 if d2 else -1
            if d2 == -1:
                d2 = d0 // d1 if d1 else -1
            if d1 * d2 != d0:
                fail("split dims %d, %d do not divide input dimension %d (shape %s, input "
                     "shape %s)", d1, d2, d0, tuple(spec), tuple(dshape))
            out += [d1, d2]
        elif p > 0:
            out.append(p)
            src += 1
        else:
            fail("invalid shape code %d in shape %s (valid special codes: %s)", p, tuple(spec),
                 ", ".join(_SHAPE_CODES.values()))
        i += 1
    if inf >= 0:
        known = _size(out)
        total = _size(dshape)
        if known == 0 or total % known:
            fail("cannot infer the -1 dimension of shape %s from input shape %s",
                 tuple(spec), tuple(dshape))
        out[inf] = total // known
    if reverse:
        out.reverse()
    return tuple(out)


class _CopyOp(Op):
    """A pure copy of `data` into an output of another shape (same elements, same order)."""

    inplace = ((0, 0),)
    identity_view = True

    def reference(self, attrs, inputs, octx):
        _, (shape,) = self.infer_shape(attrs, [inputs[0].shape] + [a.shape for a in inputs[1:]])
        return [np.array(inputs[0]).reshape(shape)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0].reshape(-1)[...] = inputs[0].reshape(-1)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.reshape_like(out_grads[0], inputs[0])] + [None] * (len(inputs) - 1)


@register
class Reshape(_CopyOp):
    """Reshape with MXNet's special codes (0 copy, -1 infer, -2 copy rest, -3 merge two,
    -4 split one into the next two) inferred left to right, or right to left with
    reverse=True; the deprecated target_shape/keep_highest are still accepted."""

    name = "Reshape"
    aliases = ("reshape",)
    attrs = dict(shape=Attr("shape", ()), reverse=Attr("bool", False),
                 target_shape=Attr("shape", ()), keep_highest=Attr("bool", False))

    def infer_shape_backward(self, attrs, in_shapes, out_shapes):
        """MXNet's backward inference: a data shape with one unknown (0) dimension, e.g. a
        deferred weight (16, 0) reshaped to (-1,), takes it from the known output size."""
        data, out = in_shapes[0], out_shapes[0]
        if data is None or out is None or list(data).count(0) != 1:
            return None
        known = _size([d for d in data if d != 0])
        if known == 0 or _size(out) % known:
            return None
        return [tuple(_size(out) // known if d == 0 else d for d in data)]

    def infer_shape(self, attrs, in_shapes):
        dshape = in_shapes[0]
        if dshape is None:
            return [None], [None]
        dshape = tuple(dshape)
        if len(attrs.shape):
            out = infer_reshape(attrs.shape, dshape, attrs.reverse)
        elif len(attrs.target_shape):
            out = list(attrs.target_shape)
            start = 1 if attrs.keep_highest else 0
            if attrs.keep_highest:
                if not dshape:
                    fail("keep_highest needs an input with at least one dimension")
                out[0] = dshape[0]
            zeros = [i for i in range(start, len(out)) if out[i] == 0]
            if len(zeros) > 1:
                fail("target_shape %s may contain only one 0 (inferred) dimension",
                     tuple(attrs.target_shape))
            if zeros:
                out[zeros[0]] = 1
                known = _size(out)
                if _size(dshape) % known:
                    fail("cannot infer the 0 dimension of target_shape %s from input shape %s",
                         tuple(attrs.target_shape), dshape)
                out[zeros[0]] = _size(dshape) // known
            out = tuple(out)
        else:
            fail("the target shape is missing: give shape=(...)")
        if any(d < 0 for d in out):
            fail("cannot reshape input shape %s into shape %s", dshape, out)
        if _size(out) != _size(dshape):
            fail("cannot reshape array of shape %s (size %d) into shape %s (size %d)%s",
                 dshape, _size(dshape), out, _size(out),
                 " given shape=%s" % (tuple(attrs.shape),) if len(attrs.shape) else "")
        return [dshape], [out]


@register
class Flatten(_CopyOp):
    """Collapse every axis but the first: (d1, d2*...*dk)."""

    name = "Flatten"
    aliases = ("flatten",)

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        if len(x) == 0:
            fail("Flatten needs an input with at least one dimension, got shape ()")
        return [tuple(x)], [(x[0], _size(x[1:]))]


@register
class ExpandDims(_CopyOp):
    """Insert a size-1 axis at `axis` (range [-ndim-1, ndim])."""

    name = "expand_dims"
    attrs = dict(axis=Attr("int"))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        nd = len(x)
        axis = attrs.axis + nd + 1 if attrs.axis < 0 else attrs.axis
        if not 0 <= axis <= nd:
            fail("axis %d is out of range [%d, %d] for input shape %s", attrs.axis, -nd - 1, nd, x)
        return [x], [x[:axis] + (1,) + x[axis:]]


@register
class Squeeze(_CopyOp):
    """Remove size-1 axes (all of them if axis is None); never below shape (1,)."""

    name = "squeeze"
    attrs = dict(axis=Attr("shape_or_none", None))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        nd = len(x)
        if attrs.axis is None:
            drop = {d for d in range(nd) if x[d] == 1}
        else:
            drop = set()
            for a in attrs.axis:
                if not -nd <= a < nd:
                    fail("axis %d is out of bounds for input shape %s", a, x)
                a %= nd
                if a in drop:
                    fail("duplicate value in axis %s", tuple(attrs.axis))
                if x[a] != 1:
                    fail("cannot squeeze axis %d of input shape %s: its size is %d, not 1",
                         a, x, x[a])
                drop.add(a)
        out = tuple(n for d, n in enumerate(x) if d not in drop)
        return [x], [out or (1,)]


@register
class ReshapeLike(_CopyOp):
    """Reshape lhs to rhs's shape, or replace lhs dims [lhs_begin, lhs_end) with rhs dims
    [rhs_begin, rhs_end)."""

    name = "reshape_like"
    arguments = ("lhs", "rhs")
    attrs = dict(lhs_begin=Attr("int_or_none", None), lhs_end=Attr("int_or_none", None),
                 rhs_begin=Attr("int_or_none", None), rhs_end=Attr("int_or_none", None))

    @staticmethod
    def _range(begin, end, shape, what):
        nd = len(shape)
        b = 0 if begin is None else (begin + nd if begin < 0 else begin)
        e = nd if end is None else (end + nd if end < 0 else end)
        if not 0 <= b <= e <= nd:
            fail("invalid %s range [%s, %s) for shape %s", what, begin, end, tuple(shape))
        return b, e

    def infer_shape(self, attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return list(in_shapes), [None]
        lb, le = self._range(attrs.lhs_begin, attrs.lhs_end, lhs, "lhs")
        rb, re = self._range(attrs.rhs_begin, attrs.rhs_end, rhs, "rhs")
        out = tuple(lhs[:lb]) + tuple(rhs[rb:re]) + tuple(lhs[le:])
        if _size(out) != _size(lhs):
            fail("cannot reshape lhs of shape %s to new shape %s (from rhs shape %s): "
                 "they have different sizes", tuple(lhs), out, tuple(rhs))
        return [tuple(lhs), tuple(rhs)], [out]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]


@register
class Transpose(Op):
    """Permute the axes (default: reverse them)."""

    name = "transpose"
    attrs = dict(axes=Attr("shape", ()))

    def perm(self, attrs, nd):
        if not len(attrs.axes):
            return tuple(range(nd - 1, -1, -1))
        axes = tuple(attrs.axes)
        if len(axes) != nd or sorted(axes) != list(range(nd)):
            fail("axes %s is not a permutation of the %d axes of the input", axes, nd)
        return axes

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        p = self.perm(attrs, len(x))
        return [x], [tuple(x[a] for a in p)]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        return [np.ascontiguousarray(np.transpose(x, self.perm(attrs, x.ndim)))]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        ktensor.transpose(x, self.perm(attrs, x.ndim), outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if not len(attrs.axes):
            return [F.transpose(out_grads[0])]
        inv = [0] * len(attrs.axes)
        for i, a in enumerate(attrs.axes):
            inv[a] = i
        return [F.transpose(out_grads[0], axes=tuple(inv))]


@register
class SwapAxis(Op):
    """Interchange two axes."""

    name = "SwapAxis"
    aliases = ("swapaxes",)
    attrs = dict(dim1=Attr("int", 0), dim2=Attr("int", 0))

    def perm(self, attrs, shape):
        nd = len(shape)
        p = list(range(nd))
        dims = []
        for name in ("dim1", "dim2"):
            d = attrs[name]
            if not -nd <= d < nd:
                fail("%s %d is out of bounds for input shape %s", name, d, tuple(shape))
            dims.append(d % nd)
        p[dims[0]], p[dims[1]] = p[dims[1]], p[dims[0]]
        return tuple(p)

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        return [x], [tuple(x[a] for a in self.perm(attrs, x))]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        return [np.ascontiguousarray(np.swapaxes(x, attrs.dim1, attrs.dim2))]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        ktensor.transpose(x, self.perm(attrs, x.shape), outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.SwapAxis(out_grads[0], dim1=attrs.dim1, dim2=attrs.dim2)]


# --- broadcasting ------------------------------------------------------------------------

class _BroadcastCopy(Op):
    """Broadcast `data` (first input) to the inferred output shape."""

    def reference(self, attrs, inputs, octx):
        _, (shape,) = self.infer_shape(attrs, [a.shape for a in inputs])
        x = inputs[0]
        out = np.empty(shape, x.dtype)
        for idx in np.ndindex(*shape):
            out[idx] = x[tuple(0 if n == 1 else i for i, n in zip(idx, x.shape))]
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        np.copyto(outputs[0], np.broadcast_to(inputs[0], outputs[0].shape))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._reduce_sum_like(out_grads[0], inputs[0])] + [None] * (len(inputs) - 1)


def _check_broadcast(x, out):
    if len(x) != len(out):
        fail("operand of shape %s cannot be broadcast to %s", tuple(x), tuple(out))
    for a, b in zip(x, out):
        if a != b and a != 1:
            fail("array of shape %s cannot be broadcast to %s", tuple(x), tuple(out))


@register
class BroadcastTo(_BroadcastCopy):
    """Broadcast to `shape` (a 0 keeps the input's dimension)."""

    name = "broadcast_to"
    attrs = dict(shape=Attr("shape", ()))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        if any(d < 0 for d in attrs.shape):
            fail("shape %s has a negative dimension", tuple(attrs.shape))
        if len(attrs.shape) != len(x):
            fail("operand of shape %s cannot be broadcast to %s", x, tuple(attrs.shape))
        out = tuple(n if s == 0 else s for n, s in zip(x, attrs.shape))
        _check_broadcast(x, out)
        return [x], [out]


@register
class BroadcastAxis(_BroadcastCopy):
    """Broadcast size-1 axes `axis` to the sizes `size`."""

    name = "broadcast_axis"
    aliases = ("broadcast_axes",)
    attrs = dict(axis=Attr("shape", ()), size=Attr("shape", ()))

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        if len(attrs.axis) != len(attrs.size):
            fail("axis %s and size %s must have the same length", tuple(attrs.axis),
                 tuple(attrs.size))
        out = list(x)
        for a, s in zip(attrs.axis, attrs.size):
            if not 0 <= a < len(x):   # MXNet 1.9.1 rejects negative axes here
                fail("axis %d is out of range [0, %d) for input shape %s", a, len(x), x)
            if x[a] != 1:
                fail("broadcasting axis %d of input shape %s must have size 1", a, x)
            if s < 0:
                fail("size %d must be non-negative", s)
            out[a] = s
        return [x], [tuple(out)]


@register
class BroadcastLike(_BroadcastCopy):
    """Broadcast lhs to rhs's shape (or lhs_axes of lhs to the sizes of rhs_axes of rhs)."""

    name = "broadcast_like"
    arguments = ("lhs", "rhs")
    attrs = dict(lhs_axes=Attr("shape_or_none", None), rhs_axes=Attr("shape_or_none", None))

    def infer_shape(self, attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return list(in_shapes), [None]
        lhs, rhs = tuple(lhs), tuple(rhs)
        if attrs.lhs_axes is None and attrs.rhs_axes is None:
            if len(lhs) != len(rhs):
                fail("operand of shape %s cannot be broadcast to %s", lhs, rhs)
            _check_broadcast(lhs, rhs)
            return [lhs, rhs], [rhs]
        la, ra = tuple(attrs.lhs_axes or ()), tuple(attrs.rhs_axes or ())
        if len(la) != len(ra) or not la:
            fail("lhs_axes %s and rhs_axes %s must be non-empty and of the same length", la, ra)
        out = list(lhs)
        for i, (a, b) in enumerate(zip(la, ra)):
            if not -len(lhs) <= a < len(lhs):
                fail("invalid dimension %d in lhs_axes for lhs shape %s", a, lhs)
            if not -len(rhs) <= b < len(rhs):
                fail("invalid dimension %d in rhs_axes for rhs shape %s", b, rhs)
            a, b = a % len(lhs), b % len(rhs)
            if lhs[a] != 1:
                fail("input axis %d of lhs shape %s has size %d and cannot be broadcast to %d",
                     a, lhs, lhs[a], rhs[b])
            out[a] = rhs[b]
        return [lhs, rhs], [tuple(out)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]


# --- shape-only ops ------------------------------------------------------------------------

class _Fill(Op):
    value = 0

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def reference(self, attrs, inputs, octx):
        return [np.full(inputs[0].shape, self.value, inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0].fill(self.value)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]


@register
class ZerosLike(_Fill):
    """An array of zeros with the input's shape and dtype."""

    name = "zeros_like"
    value = 0


@register
class OnesLike(_Fill):
    """An array of ones with the input's shape and dtype."""

    name = "ones_like"
    value = 1


@register
class ShapeArray(Op):
    """The input's shape as a 1-D int64 array (recorded by autograd with a zero gradient,
    as in MXNet 1.9.1)."""

    name = "shape_array"

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        return list(in_shapes), [None if x is None else (len(x),)]

    def infer_type(self, attrs, in_types):
        return list(in_types), ["int64"]

    def reference(self, attrs, inputs, octx):
        return [np.array(inputs[0].shape, dtype=np.int64).reshape(-1)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][...] = inputs[0].shape

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]


@register
class SizeArray(Op):
    """The input's element count as an int64 array of shape (1,) (zero gradient)."""

    name = "size_array"

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [(1,)]

    def infer_type(self, attrs, in_types):
        return list(in_types), ["int64"]

    def reference(self, attrs, inputs, octx):
        return [np.array([inputs[0].size], dtype=np.int64)]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][0] = inputs[0].size

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]
