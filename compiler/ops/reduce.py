"""Reductions: sum, mean, prod, max, min, nansum, nanprod, norm, argmax, argmin,
argmax_channel, their hidden backward helpers, and `_reduce_sum_like`.

Shapes follow MXNet 1.9.1's ReduceAxesShapeImpl: `axis` None or () reduces every axis
(even with exclude=True) to shape (1,) — (1,)*ndim with keepdims — never to ().  The CPU
kernels live in kernels/cpu/reduce.py; integer data accumulates in its own dtype (and
wraps) as in MXNet, float16 in float32.
"""
import numpy as np

from kernels.cpu import reduce as kred
from .registry import Op, Attr, register, fail, check_dtype

NUMERIC_TYPES = ("float16", "float32", "float64", "uint8", "int8", "int32", "int64")


def sum_to_shape(x, shape):
    """Sum `x` over the axes broadcasting expanded, giving `shape` (the broadcast adjoint)."""
    lead = x.ndim - len(shape)
    if lead < 0:
        fail("cannot reduce shape %s to %s", x.shape, tuple(shape))
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and x.shape[lead + i] != 1)
    out = x.sum(axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)


@register
class ReduceSumLike(Op):
    """Sum `data` down to the shape of `like` (gradient of broadcasting)."""

    name = "_reduce_sum_like"
    arguments = ("data", "like")

    def infer_shape(self, attrs, in_shapes):
        x, like = in_shapes
        if x is not None and like is not None:
            lead = len(x) - len(like)
            if lead < 0 or any(d != 1 and d != n for d, n in zip(like, x[lead:])):
                fail("cannot sum data of shape %s down to shape %s", tuple(x), tuple(like))
        return list(in_shapes), [in_shapes[1]]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        return [sum_to_shape(inputs[0], inputs[1].shape).astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, shape = inputs[0], outputs[0].shape
        lead = x.ndim - len(shape)
        if lead < 0:
            fail("cannot reduce shape %s to %s", x.shape, tuple(shape))
        axes = set(range(lead)) | {lead + i for i, d in enumerate(shape)
                                   if d == 1 and x.shape[lead + i] != 1}
        kred.reduce_axes("sum", x, axes, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # `like` may have fewer dims than data: broadcast_like needs equal ndim in MXNet,
        # so broadcast NumPy-style through broadcast_add
        return [F.broadcast_add(F.zeros_like(inputs[0]), out_grads[0]), None]


# --- shape rules ----------------------------------------------------------------------

def reduced_axes(shape, axis, exclude):
    """Sorted tuple of the axes reduced (MXNet's rules, with its error checks)."""
    ndim = len(shape)
    if axis is None or len(axis) == 0:
        return tuple(range(ndim))
    axes = []
    for a in axis:
        if not -ndim <= a < ndim:
            fail("reduction axis %d is out of range for input shape %s", a, tuple(shape))
        axes.append(a % ndim)
    axes.sort()
    for a, b in zip(axes, axes[1:]):
        if a == b:
            fail("reduction axes %s have duplicates (input shape %s)", tuple(axis), tuple(shape))
    if exclude:
        return tuple(d for d in range(ndim) if d not in axes)
    return tuple(axes)


def reduce_shape(shape, axis, keepdims, exclude):
    """Output shape of a reduction (MXNet's ReduceAxesShapeImpl)."""
    shape = tuple(shape)
    red = reduced_axes(shape, axis, exclude)
    if keepdims:
        return tuple(1 if d in red else n for d, n in enumerate(shape)) or (1,)
    kept = tuple(n for d, n in enumerate(shape) if d not in red)
    return kept or (1,)


def keep_shape(shape, red):
    """`shape` with the reduced axes set to 1 (keepdims layout)."""
    return tuple(1 if d in red else n for d, n in enumerate(shape))


def _trunc_div(a, n):
    """C integer division (toward zero) of an integer array by n, in place."""
    a[...] = np.sign(a) * (np.abs(a) // n)


class _Reduce(Op):
    """A reduction over `axis` with keepdims and exclude (MXNet's ReduceAxesParam)."""

    attrs = dict(axis=Attr("shape_or_none", None), keepdims=Attr("bool", False),
                 exclude=Attr("bool", False))
    kind = "sum"
    empty_ok = True            # an empty reduced axis gives the identity (max/min: error)

    def axes_of(self, attrs, shape):
        return reduced_axes(shape, attrs.axis, attrs.exclude)

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        out = reduce_shape(x, attrs.axis, attrs.keepdims, attrs.exclude)
        if not self.empty_ok and any(x[d] == 0 for d in self.axes_of(attrs, x)):
            fail("cannot compute %s over an empty axis (input shape %s)", self.name, tuple(x))
        return [tuple(x)], [out]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], NUMERIC_TYPES)
        return list(in_types), [in_types[0]]

    def out_shape(self, attrs, x):
        return reduce_shape(x.shape, attrs.axis, attrs.keepdims, attrs.exclude)

    # NumPy oracle: reduce x over the tuple `axes` with keepdims=True
    def np_reduce(self, x, axes):
        raise NotImplementedError("%s must define np_reduce()" % type(self).__name__)

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        axes = self.axes_of(attrs, x.shape)
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        res = np.asarray(self.np_reduce(wide, axes))
        return [res.reshape(self.out_shape(attrs, x)).astype(self.out_dtype(attrs, x))]

    def out_dtype(self, attrs, x):
        return x.dtype

    def finalize(self, attrs, acc, n):
        """Post-process the accumulator array in place (mean divides, norm takes sqrt)."""

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        axes = self.axes_of(attrs, x.shape)
        n = int(np.prod([x.shape[d] for d in axes], dtype=np.int64))
        kred.reduce_axes(self.kind, x, set(axes), outputs[0],
                         finalize=lambda acc: self.finalize(attrs, acc, n))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def red_attrs(self, attrs):
        return dict(axis=attrs.axis, keepdims=attrs.keepdims, exclude=attrs.exclude)

    def broadcast_back(self, F, attrs, y, x):
        """`y` (the output's shape) broadcast back to x's shape."""
        return F._backward_sum(y, x, **self.red_attrs(attrs))


@register
class Sum(_Reduce):
    """Sum of array elements over the given axes."""

    name = "sum"
    aliases = ("sum_axis",)
    kind = "sum"

    def np_reduce(self, x, axes):
        return np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [self.broadcast_back(F, attrs, out_grads[0], inputs[0])]


@register
class Mean(_Reduce):
    """Mean of array elements over the given axes (integer data: truncated, as in C)."""

    name = "mean"
    kind = "sum"

    def np_reduce(self, x, axes):
        if x.dtype.kind == "f":
            return np.mean(x, axis=axes, keepdims=True)
        s = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)
        n = int(np.prod([x.shape[d] for d in axes], dtype=np.int64))
        return (np.sign(s) * (np.abs(s) // max(n, 1))).astype(x.dtype)

    def finalize(self, attrs, acc, n):
        if n == 0:
            acc[...] = np.nan if acc.dtype.kind == "f" else 0
        elif acc.dtype.kind == "f":
            acc /= acc.dtype.type(n)
        else:
            _trunc_div(acc, n)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_mean(out_grads[0], inputs[0], **self.red_attrs(attrs))]


@register
class Prod(_Reduce):
    """Product of array elements over the given axes."""

    name = "prod"
    kind = "prod"

    def np_reduce(self, x, axes):
        return np.prod(x, axis=axes, keepdims=True, dtype=x.dtype)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # MXNet: ograd * (out / data): NaN where data == 0, as in MXNet 1.9.1
        x = inputs[0]
        ratio = F.elemwise_div(self.broadcast_back(F, attrs, outputs[0], x), x)
        return [F.elemwise_mul(self.broadcast_back(F, attrs, out_grads[0], x), ratio)]


@register
class NanProd(_Reduce):
    """Product of array elements over the given axes, treating NaN as one."""

    name = "nanprod"
    kind = "nanprod"

    def np_reduce(self, x, axes):
        return np.nanprod(x, axis=axes, keepdims=True, dtype=x.dtype)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # MXNet: isnan(data) ? 0 : ograd * out / data
        x = inputs[0]
        ratio = F.elemwise_div(self.broadcast_back(F, attrs, outputs[0], x), x)
        g = F.elemwise_mul(self.broadcast_back(F, attrs, out_grads[0], x), ratio)
        return [F.where(F.broadcast_equal(x, x), g, F.zeros_like(g))]


@register
class NanSum(_Reduce):
    """Sum of array elements over the given axes, treating NaN as zero."""

    name = "nansum"
    kind = "nansum"

    def np_reduce(self, x, axes):
        return np.nansum(x, axis=axes, keepdims=True, dtype=x.dtype)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # MXNet: isnan(data) ? 0 : ograd  ((x == x) is 0 exactly at NaN)
        x = inputs[0]
        return [F.elemwise_mul(self.broadcast_back(F, attrs, out_grads[0], x),
                               F.broadcast_equal(x, x))]


class _MaxMin(_Reduce):
    empty_ok = False

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # MXNet: ograd * (data == out): every tied position gets the full gradient
        x = inputs[0]
        mask = F.broadcast_equal(x, self.broadcast_back(F, attrs, outputs[0], x))
        return [F.elemwise_mul(self.broadcast_back(F, attrs, out_grads[0], x), mask)]


@register
class Max(_MaxMin):
    """Maximum of array elements over the given axes (NaN propagates)."""

    name = "max"
    aliases = ("max_axis",)
    kind = "max"

    def np_reduce(self, x, axes):
        return np.max(x, axis=axes, keepdims=True)


@register
class Min(_MaxMin):
    """Minimum of array elements over the given axes (NaN propagates)."""

    name = "min"
    aliases = ("min_axis",)
    kind = "min"

    def np_reduce(self, x, axes):
        return np.min(x, axis=axes, keepdims=True)


@register
class Norm(_Reduce):
    """L1 or L2 norm over the given axes (`ord` 1 or 2); `out_dtype` sets the result type."""

    name = "norm"
    attrs = dict(ord=Attr("int", 2),
                 axis=Attr("shape_or_none", None),
                 out_dtype=Attr("dtype_or_none", None,
                                choices=("float16", "float32", "float64", "int32", "int64", "int8")),
                 keepdims=Attr("bool", False))

    def axes_of(self, attrs, shape):
        return reduced_axes(shape, attrs.axis, False)

    def infer_shape(self, attrs, in_shapes):
        if attrs.ord not in (1, 2):
            fail("norm only supports ord=1 and ord=2, got ord=%d", attrs.ord)
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        return [tuple(x)], [reduce_shape(x, attrs.axis, attrs.keepdims, False)]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], NUMERIC_TYPES)
        if in_types[0] is None:
            return list(in_types), [attrs.out_dtype]
        return list(in_types), [attrs.out_dtype or in_types[0]]

    def out_shape(self, attrs, x):
        return reduce_shape(x.shape, attrs.axis, attrs.keepdims, False)

    def out_dtype(self, attrs, x):
        return np.dtype(attrs.out_dtype) if attrs.out_dtype else x.dtype

    kind = None       # sumabs (ord=1) or sumsq (ord=2)

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        axes = self.axes_of(attrs, x.shape)
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        if attrs.ord == 1:
            res = np.sum(np.abs(wide), axis=axes, keepdims=True, dtype=wide.dtype)
        else:
            sq = np.sum(wide * wide, axis=axes, keepdims=True, dtype=wide.dtype)
            res = np.sqrt(sq) if sq.dtype.kind == "f" else np.sqrt(sq).astype(sq.dtype)
        return [res.reshape(self.out_shape(attrs, x)).astype(self.out_dtype(attrs, x))]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        axes = self.axes_of(attrs, x.shape)

        def finalize(acc):
            if attrs.ord == 2:
                acc[...] = np.sqrt(acc)
        kred.reduce_axes("sumabs" if attrs.ord == 1 else "sumsq", x, set(axes), outputs[0],
                         finalize=finalize)

    def red_attrs(self, attrs):
        return dict(axis=attrs.axis, keepdims=attrs.keepdims)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        x = inputs[0]
        og = self.broadcast_back(F, attrs, out_grads[0], x)
        if attrs.ord == 1:
            return [F.elemwise_mul(og, F.sign(x))]
        # MXNet: ograd * data / norm (NaN where the norm is 0, as in MXNet 1.9.1)
        return [F.elemwise_mul(og, F.elemwise_div(x, self.broadcast_back(F, attrs, outputs[0], x)))]


@register
class BackwardSum(Op):
    """`ograd` (a reduction's output gradient) broadcast back to the shape of `data` along
    the reduced axes: the gradient of sum, and the broadcast used by max/min/prod/norm."""

    name = "_backward_sum"
    arguments = ("ograd", "data")
    attrs = dict(axis=Attr("shape_or_none", None), keepdims=Attr("bool", False),
                 exclude=Attr("bool", False))
    scale = False

    def infer_shape(self, attrs, in_shapes):
        og, x = in_shapes
        if x is None:
            return list(in_shapes), [None]
        want = reduce_shape(x, attrs.axis, attrs.keepdims, attrs.exclude)
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match the reduced shape %s of data %s",
                 tuple(og), want, tuple(x))
        return [want, tuple(x)], [tuple(x)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0] if in_types[0] is not None else in_types[1]]

    def _count(self, attrs, shape):
        red = reduced_axes(shape, attrs.axis, attrs.exclude)
        return red, int(np.prod([shape[d] for d in red], dtype=np.int64))

    def reference(self, attrs, inputs, octx):
        og, x = inputs
        red, n = self._count(attrs, x.shape)
        g = og.reshape(keep_shape(x.shape, red))
        out = np.zeros(x.shape, og.dtype) + g
        if self.scale:
            out = out / og.dtype.type(n) if og.dtype.kind == "f" else out // n
        return [out.astype(og.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x = inputs
        red, n = self._count(attrs, x.shape)
        g = og.reshape(keep_shape(x.shape, red))
        if self.scale and n:
            g = (g / og.dtype.type(n)).astype(og.dtype) if og.dtype.kind == "f" else g // n
        np.copyto(outputs[0], np.broadcast_to(g, x.shape))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.sum(out_grads[0], **dict(attrs)), None]


@register
class BackwardMean(BackwardSum):
    """`ograd` broadcast back to `data`'s shape and divided by the reduced element count."""

    name = "_backward_mean"
    scale = True

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.mean(out_grads[0], **dict(attrs)), None]


# --- argmax / argmin -------------------------------------------------------------------

class _ArgReduce(Op):
    """Index of the max/min along one axis (None: of the flattened array).  As in MXNet
    1.9.1 the indices have the input's dtype (float32 indices for float32 data)."""

    attrs = dict(axis=Attr("int_or_none", None), keepdims=Attr("bool", False))
    kind = "argmax"

    def _axis(self, attrs, shape):
        if attrs.axis is None:
            return None
        ndim = len(shape)
        if not -ndim <= attrs.axis < ndim:
            fail("axis %d is out of range for input shape %s", attrs.axis, tuple(shape))
        return attrs.axis % ndim

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        axis = self._axis(attrs, x)
        if (axis is None and 0 in x) or (axis is not None and x[axis] == 0):
            fail("cannot compute %s of an empty axis (input shape %s)", self.name, x)
        if axis is None:
            out = (1,) * len(x) if attrs.keepdims else (1,)
        elif attrs.keepdims:
            out = x[:axis] + (1,) + x[axis + 1:]
        else:
            out = (x[:axis] + x[axis + 1:]) or (1,)
        return [x], [out]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], NUMERIC_TYPES)
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        axis = self._axis(attrs, x.shape)
        fn = np.argmax if self.kind == "argmax" else np.argmin
        res = fn(x.reshape(-1)) if axis is None else fn(x, axis=axis)
        _, (out_shape,) = self.infer_shape(attrs, [x.shape])
        return [np.asarray(res).reshape(out_shape).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        axis = self._axis(attrs, x.shape)
        if axis is None:
            x, axis = x.reshape(1, -1), 1
        kred.arg_reduce(self.kind, x, axis, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]             # MXNet records it and gives a zero gradient


@register
class ArgMax(_ArgReduce):
    name = "argmax"
    kind = "argmax"


@register
class ArgMin(_ArgReduce):
    name = "argmin"
    kind = "argmin"


@register
class ArgMaxChannel(_ArgReduce):
    """argmax along axis 1 (what MXNet 1.9.1 computes, although its doc says the last axis).
    Recorded by autograd, but backward raises: MXNet 1.9.1 defines no gradient for it."""

    name = "argmax_channel"
    attrs = {}
    kind = "argmax"

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return Op.gradient(self, F, attrs, inputs, outputs, out_grads)

    def _axis(self, attrs, shape):
        if len(shape) < 2:
            fail("needs at least 2-d input, got shape %s", tuple(shape))
        return 1

    def infer_shape(self, attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return [None], [None]
        x = tuple(x)
        self._axis(attrs, x)
        if x[1] == 0:
            fail("cannot compute argmax_channel of an empty axis (input shape %s)", x)
        return [x], [(x[:1] + x[2:])]
