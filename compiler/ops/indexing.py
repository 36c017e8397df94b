"""Indexing: take, Embedding, pick, one_hot, gather_nd, scatter_nd and their backward ops.

MXNet 1.9.1 semantics, checked against real MXNet:
- Float indices are truncated toward zero (C++ static_cast): take(x, [3.9]) is row 3.
- take: mode 'clip' (default) clamps into [0, n-1] (so -1 is row 0), 'wrap' is Python's
  modulo, 'raise' rejects any index outside [0, n-1], compared in the index's own dtype
  before truncation (3.9 is rejected for n = 4, -1 too).  Its gradient scatter-adds the
  output gradient into the clipped / wrapped rows (`_backward_take`).
- Embedding is take(weight, data, axis=0, mode='clip'): out-of-range ids are clipped,
  and the weight gradient is the scatter-add of the output-gradient rows.  sparse_grad is
  accepted; the gradient is always dense (there is no row_sparse storage here).
- pick: mode 'clip' / 'wrap' as take; axis=None is rejected as in MXNet.
- one_hot: indices outside [0, depth) (negative ones too) give all-off rows.
- gather_nd accepts indices in [-s, s-1] per axis (negative ones wrap); scatter_nd
  requires [0, s-1] (MXNet does not check and crashes); duplicate scatter targets keep
  the last value.
Indices are converted to int64 and clipped / wrapped / validated in Python before any
kernel runs: the Numba kernels never see an index out of range.
"""
import numpy as np

from compiler.errors import MXNetIndexError
from kernels.cpu import indexing as K
from .registry import Op, Attr, register, fail, normalize_axis

_INDEX_MODES = ("clip", "raise", "wrap")


def _index_error(value, axis, size, extra=""):
    raise MXNetIndexError("index %s is out of bounds for axis %d with size %d%s"
                          % (_fmt(value), axis, size, extra))


def _fmt(v):
    v = v.item() if hasattr(v, "item") else v
    return ("%d" % v) if float(v).is_integer() else ("%g" % v)


def _first_bad(indices, bad):
    return indices.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]]


def take_indices(indices, n, mode, axis):
    """Flat int64 indices in [0, n) following take's mode (raise: validate first)."""
    if indices.size and n == 0:
        fail("cannot take from axis %d of size 0", axis)
    if mode == "raise" and indices.size:
        with np.errstate(invalid="ignore"):
            bad = ~((indices >= 0) & (indices <= n - 1))
        if bad.any():
            _index_error(_first_bad(indices, bad), axis, n, " (mode='raise')")
    return K.normalize(indices, max(n, 1), mode)


def _ref_take_indices(indices, n, mode):
    """Reference index rule, written independently of the kernel's helper."""
    t = np.trunc(indices.astype(np.float64))
    if mode == "raise":
        if np.any((indices < 0) | (indices > n - 1)):
            raise MXNetIndexError("index out of bounds for axis with size %d" % n)
    if mode == "wrap":
        return np.mod(t, n).astype(np.int64)
    return np.minimum(np.maximum(t, 0), n - 1).astype(np.int64)


def _out_dtype_of(i):
    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[i]]
    return infer_type


# --- take --------------------------------------------------------------------------------

def _take_shape(ashape, ishape, axis):
    ashape = tuple(ashape)
    if not ashape:
        fail("input a must have at least one dimension, got shape %s", ashape)
    ax = normalize_axis(axis, len(ashape))
    return ax, ashape[:ax] + tuple(ishape) + ashape[ax + 1:]


@register
class Take(Op):
    """Take elements of `a` along `axis` at `indices` (modes clip / wrap / raise)."""

    name = "take"
    arguments = ("a", "indices")
    attrs = dict(axis=Attr("int", 0), mode=Attr("str", "clip", choices=_INDEX_MODES))
    infer_type = _out_dtype_of(0)

    def infer_shape(self, attrs, in_shapes):
        a, idx = in_shapes
        if a is None or idx is None:
            return list(in_shapes), [None]
        return list(in_shapes), [_take_shape(a, idx, attrs.axis)[1]]

    def reference(self, attrs, inputs, octx):
        a, indices = inputs
        ax = normalize_axis(attrs.axis, a.ndim)
        idx = _ref_take_indices(indices, a.shape[ax], attrs.mode)
        return [np.take(a, idx, axis=ax)]

    def _cpu(self, attrs, inputs, outputs, octx):
        a, indices = inputs
        ax = normalize_axis(attrs.axis, a.ndim)
        idx = take_indices(indices, a.shape[ax], attrs.mode, ax)
        K.gather_axis(a, ax, idx, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_take(out_grads[0], inputs[1], inputs[0], axis=attrs.axis,
                                 mode=attrs.mode), None]


@register
class BackwardTake(Op):
    """Gradient of take w.r.t. `a`: the output gradient scatter-added into a's shape at
    the (clipped / wrapped) indices.  Inputs (ograd, indices, a); `a` gives the shape."""

    name = "_backward_take"
    arguments = ("ograd", "indices", "a")
    attrs = Take.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, idx, a = in_shapes
        if a is None or idx is None:
            return list(in_shapes), [a]
        _, want = _take_shape(a, idx, attrs.axis)
        if og is not None and tuple(og) != want:
            fail("ograd shape %s does not match take's output shape %s for a %s and "
                 "indices %s", tuple(og), want, tuple(a), tuple(idx))
        return [want, tuple(idx), tuple(a)], [tuple(a)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[2] or in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, indices, a = inputs
        ax = normalize_axis(attrs.axis, a.ndim)
        idx = _ref_take_indices(indices, a.shape[ax], attrs.mode).reshape(-1)
        grad = np.zeros(a.shape, np.float64)
        g = np.moveaxis(og.astype(np.float64).reshape(a.shape[:ax] + (idx.size,) + a.shape[ax + 1:]), ax, 0)
        np.add.at(np.moveaxis(grad, ax, 0), idx, g)
        return [grad.astype(a.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, indices, a = inputs
        ax = normalize_axis(attrs.axis, a.ndim)
        idx = take_indices(indices, a.shape[ax], attrs.mode, ax)
        K.scatter_add_axis(outputs[0], ax, idx, og)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- Embedding ---------------------------------------------------------------------------

@register
class Embedding(Op):
    """Map integer ids (given as floats) to rows of weight (input_dim, output_dim);
    out-of-range ids are clipped as take's mode='clip'."""

    name = "Embedding"
    arguments = ("data", "weight")
    attrs = dict(input_dim=Attr("int"), output_dim=Attr("int"),
                 dtype=Attr("dtype", "float32"), sparse_grad=Attr("bool", False))

    def infer_shape(self, attrs, in_shapes):
        data, weight = in_shapes
        if attrs.input_dim < 1 or attrs.output_dim < 1:
            fail("input_dim (%d) and output_dim (%d) must be positive",
                 attrs.input_dim, attrs.output_dim)
        want = (attrs.input_dim, attrs.output_dim)
        if weight is not None and tuple(weight) != want:
            fail("weight shape %s does not match (input_dim, output_dim) = %s",
                 tuple(weight), want)
        if data is None:
            return [None, want], [None]
        return [tuple(data), want], [tuple(data) + (attrs.output_dim,)]

    def infer_type(self, attrs, in_types):
        """The weight's dtype if known (MXNet: it wins over `dtype`), else `dtype`."""
        dtype = in_types[1] or attrs.dtype
        return [in_types[0], dtype], [dtype]

    def reference(self, attrs, inputs, octx):
        data, weight = inputs
        idx = _ref_take_indices(data, weight.shape[0], "clip")
        return [weight[idx]]

    def _cpu(self, attrs, inputs, outputs, octx):
        data, weight = inputs
        idx = K.normalize(data, weight.shape[0], "clip")
        K.gather_axis(weight, 0, idx, outputs[0])

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None, F._backward_take(out_grads[0], inputs[0], inputs[1], axis=0, mode="clip")]


# --- pick ----------------------------------------------------------------------------------

def _pick_shapes(attrs, dshape):
    """(axis, output shape, accepted index shapes)."""
    if attrs.axis is None:
        fail("axis=None is not supported by pick yet. Must specify an axis.")
    dshape = tuple(dshape)
    if not dshape:
        fail("data must have at least one dimension, got shape %s", dshape)
    ax = normalize_axis(attrs.axis, len(dshape))
    kept = dshape[:ax] + (1,) + dshape[ax + 1:]
    reduced = (dshape[:ax] + dshape[ax + 1:]) or (1,)
    return ax, (kept if attrs.keepdims else reduced), (reduced, kept)


def _pick_index(index, n, mode, axis):
    if index.size and n == 0:
        fail("cannot pick from axis %d of size 0", axis)
    return K.normalize(index, max(n, 1), mode)


def _check_index_shape(ishape, dshape, accepted):
    if tuple(ishape) not in accepted:
        fail("index shape %s does not match data shape %s: expected %s",
             tuple(ishape), tuple(dshape), " or ".join(str(s) for s in sorted(set(accepted))))


@register
class Pick(Op):
    """Pick one element per position along `axis`: out[i, j] = data[i, index[i, j], j]."""

    name = "pick"
    arguments = ("data", "index")
    attrs = dict(axis=Attr("int_or_none", -1), keepdims=Attr("bool", False),
                 mode=Attr("str", "clip", choices=("clip", "wrap")))
    infer_type = _out_dtype_of(0)

    def infer_shape(self, attrs, in_shapes):
        data, index = in_shapes
        if data is None:
            return list(in_shapes), [None]
        _, out, accepted = _pick_shapes(attrs, data)
        if index is not None:
            _check_index_shape(index, data, accepted)
        return list(in_shapes), [out]

    def reference(self, attrs, inputs, octx):
        data, index = inputs
        ax = normalize_axis(attrs.axis, data.ndim)
        kept = data.shape[:ax] + (1,) + data.shape[ax + 1:]
        idx = _ref_take_indices(index, data.shape[ax], attrs.mode).reshape(kept)
        out = np.take_along_axis(data, idx, axis=ax)
        return [out.reshape(_pick_shapes(attrs, data.shape)[1])]

    def _cpu(self, attrs, inputs, outputs, octx):
        data, index = inputs
        ax = normalize_axis(attrs.axis, data.ndim)
        pre, n, post = K.split3(data.shape, ax)
        idx = _pick_index(index, n, attrs.mode, ax).reshape(pre, 1, post)
        K.gather_along(data.reshape(pre, n, post), idx, outputs[0].reshape(pre, 1, post))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_pick(out_grads[0], inputs[1], inputs[0], axis=attrs.axis,
                                 keepdims=attrs.keepdims, mode=attrs.mode), None]


@register
class BackwardPick(Op):
    """Gradient of pick w.r.t. data: ograd added at the picked positions, zero elsewhere.
    Inputs (ograd, index, data); data gives the shape."""

    name = "_backward_pick"
    arguments = ("ograd", "index", "data")
    attrs = Pick.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, index, data = in_shapes
        if data is None:
            return list(in_shapes), [None]
        _, out, accepted = _pick_shapes(attrs, data)
        if index is not None:
            _check_index_shape(index, data, accepted)
        if og is not None and tuple(og) != out:
            fail("ograd shape %s does not match pick's output shape %s", tuple(og), out)
        return [out, index, tuple(data)], [tuple(data)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[2] or in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, index, data = inputs
        ax = normalize_axis(attrs.axis, data.ndim)
        kept = data.shape[:ax] + (1,) + data.shape[ax + 1:]
        idx = _ref_take_indices(index, data.shape[ax], attrs.mode).reshape(kept)
        grad = np.zeros(data.shape, np.float64)
        np.put_along_axis(grad, idx, og.astype(np.float64).reshape(kept), axis=ax)
        return [grad.astype(data.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, index, data = inputs
        ax = normalize_axis(attrs.axis, data.ndim)
        pre, n, post = K.split3(data.shape, ax)
        idx = _pick_index(index, n, attrs.mode, ax).reshape(pre, 1, post)
        K.scatter_add_along(outputs[0], (pre, n, post), idx, og.reshape(pre, 1, post))

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- one_hot -------------------------------------------------------------------------------

@register
class OneHot(Op):
    """out[..., j] = on_value where int(indices[...]) == j, else off_value."""

    name = "one_hot"
    arguments = ("indices",)
    attrs = dict(depth=Attr("int"), on_value=Attr("float", 1.0), off_value=Attr("float", 0.0),
                 dtype=Attr("dtype", "float32"))

    def infer_shape(self, attrs, in_shapes):
        if attrs.depth < 0:
            fail("depth must be a non-negative integer, got %d (indices shape %s)",
                 attrs.depth, None if in_shapes[0] is None else tuple(in_shapes[0]))
        if in_shapes[0] is None:
            return list(in_shapes), [None]
        return list(in_shapes), [tuple(in_shapes[0]) + (attrs.depth,)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [attrs.dtype]

    def reference(self, attrs, inputs, octx):
        t = np.trunc(inputs[0].astype(np.float64))
        hit = t[..., None] == np.arange(attrs.depth)
        out = np.where(hit, attrs.on_value, attrs.off_value)
        return [out.astype(attrs.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        K.one_hot(inputs[0], outputs[0], attrs.on_value, attrs.off_value)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]


# --- gather_nd / scatter_nd -------------------------------------------------------------

def _nd_shapes(ishape, target, what):
    """(M, shape of the indexed data) for indices (M, Y...) into `target`."""
    ishape, target = tuple(ishape), tuple(target)
    if len(ishape) < 2:
        fail("%s requires indices with at least 2 dimensions, got shape %s", what, ishape)
    m = ishape[0]
    if m > len(target):
        fail("number of indices %d (indices shape %s) exceeds the data dimension %d (shape %s)",
             m, ishape, len(target), target)
    return m, ishape[1:] + target[m:]


def nd_rows(indices, target, negative_ok):
    """Flat row numbers (into target viewed as (prod(target[:M]), rest)) of each index
    tuple; MXNetIndexError for an index outside [-s, s-1] (or [0, s-1])."""
    m = indices.shape[0]
    idx = indices.reshape(m, -1)
    rows = np.zeros(idx.shape[1], np.int64)
    for j in range(m):
        s = target[j]
        col = idx[j]
        with np.errstate(invalid="ignore"):
            if negative_ok:       # MXNet: -s <= v <= s-1, row = int(v + s) % s
                bad = ~((col >= -s) & (col <= s - 1))
            else:                 # int(v) in [0, s)
                t = K.to_int64(col)
                bad = (t < 0) | (t >= s)
        if bad.any():
            _index_error(col[np.flatnonzero(bad)[0]], j, s)
        if negative_ok:
            with np.errstate(invalid="ignore"):
                v = K.to_int64(col + s) if col.dtype.kind == "f" else col.astype(np.int64) + s
            v %= max(s, 1)
        else:
            v = K.to_int64(col)
        rows *= s
        rows += v
    return rows


@register
class GatherND(Op):
    """out[y...] = data[indices[0, y...], ..., indices[M-1, y...]] (+ trailing dims)."""

    name = "gather_nd"
    arguments = ("data", "indices")
    infer_type = _out_dtype_of(0)

    def infer_shape(self, attrs, in_shapes):
        data, idx = in_shapes
        if data is None or idx is None:
            return list(in_shapes), [None]
        return list(in_shapes), [_nd_shapes(idx, data, "gather_nd")[1]]

    def reference(self, attrs, inputs, octx):
        data, indices = inputs
        m = indices.shape[0]
        keys = []
        for j in range(m):
            v = indices[j]
            if np.any((v < -data.shape[j]) | (v > data.shape[j] - 1)):
                raise MXNetIndexError("index out of bounds for axis %d" % j)
            keys.append(np.trunc(v.astype(np.float64) + data.shape[j]).astype(np.int64) % data.shape[j])
        return [data[tuple(keys)]]

    def _cpu(self, attrs, inputs, outputs, octx):
        data, indices = inputs
        rows = nd_rows(indices, data.shape, True)
        out = outputs[0]
        if out.size:
            width = out.size // rows.size
            K.gather_axis(data.reshape(-1, width), 0, rows, out.reshape(rows.size, width))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_gather_nd(out_grads[0], inputs[1], inputs[0]), None]


@register
class BackwardGatherND(Op):
    """Scatter-add `data` (shaped like gather_nd's output) into `shape` (or like's shape)
    at `indices`: the gradient of gather_nd.  Duplicate targets accumulate."""

    name = "_backward_gather_nd"
    arguments = ("data", "indices", "like")
    attrs = dict(shape=Attr("shape_or_none", None))

    def input_names(self, attrs):
        if attrs is not None and attrs.shape is not None:
            return ["data", "indices"]
        return ["data", "indices", "like"]

    def _target(self, attrs, in_shapes):
        return attrs.shape if attrs.shape is not None else in_shapes[2]

    def infer_shape(self, attrs, in_shapes):
        data, idx = in_shapes[0], in_shapes[1]
        target = self._target(attrs, in_shapes)
        if target is None or idx is None:
            return list(in_shapes), [target and tuple(target)]
        _, want = _nd_shapes(idx, target, "_backward_gather_nd")
        if data is not None and tuple(data) != want:
            fail("data shape %s does not match indices %s and output shape %s: expected %s",
                 tuple(data), tuple(idx), tuple(target), want)
        return [want] + list(in_shapes[1:]), [tuple(target)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0]]

    def reference(self, attrs, inputs, octx):
        data, indices = inputs[0], inputs[1]
        target = tuple(attrs.shape) if attrs.shape is not None else inputs[2].shape
        m = indices.shape[0]
        keys = tuple(np.trunc(indices[j].astype(np.float64) + target[j]).astype(np.int64) % target[j]
                     for j in range(m))
        out = np.zeros(target, np.float64)
        np.add.at(out, keys, data.astype(np.float64))
        return [out.astype(data.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        data, indices = inputs[0], inputs[1]
        out = outputs[0]
        m = indices.shape[0]
        rows = nd_rows(indices, out.shape, True)
        if out.size:
            width = int(np.prod(out.shape[m:], dtype=np.int64))
            K.scatter_add_axis(out.reshape(-1, width), 0, rows, data.reshape(rows.size, width))

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.gather_nd(out_grads[0], inputs[1])] + [None] * (len(inputs) - 1)


@register
class ScatterND(Op):
    """out = zeros(shape); out[indices[:, y...]] = data[y...] (the last duplicate wins)."""

    name = "scatter_nd"
    arguments = ("data", "indices")
    attrs = dict(shape=Attr("shape"))
    infer_type = _out_dtype_of(0)

    def infer_shape(self, attrs, in_shapes):
        data, idx = in_shapes
        target = tuple(attrs.shape)
        if idx is None:
            return list(in_shapes), [target]
        _, want = _nd_shapes(idx, target, "scatter_nd")
        if data is not None and tuple(data) != want:
            fail("data shape %s does not match indices shape %s and shape %s: expected data "
                 "shape %s", tuple(data), tuple(idx), target, want)
        return [want, tuple(idx)], [target]

    def reference(self, attrs, inputs, octx):
        data, indices = inputs
        target = tuple(attrs.shape)
        keys = []
        for j in range(indices.shape[0]):
            k = np.trunc(indices[j].astype(np.float64))
            if np.any((k < 0) | (k >= target[j])):
                raise MXNetIndexError("index out of bounds for axis %d" % j)
            keys.append(k.astype(np.int64))
        out = np.zeros(target, data.dtype)
        out[tuple(keys)] = data
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        data, indices = inputs
        out = outputs[0]
        m = indices.shape[0]
        rows = nd_rows(indices, out.shape, False)
        width = int(np.prod(out.shape[m:], dtype=np.int64))
        if width == 0:
            return
        K.scatter_rows(out.reshape(-1, width), data.reshape(rows.size, width), rows)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F.gather_nd(out_grads[0], inputs[1]), None]


from . import sorting  # noqa: E402,F401  (topk, sort, argsort: the sorting sub-family)
