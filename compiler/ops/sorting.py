"""Sorting: topk, sort, argsort and `_backward_topk` (imported by indexing.py).

MXNet 1.9.1 semantics, checked against real MXNet:
- Sorting is stable in both directions: equal values keep their index order
  (topk([1, 3, 3, 1, 3], k=5) is [1, 2, 4, 0, 3]).
- axis=None sorts the flattened array (topk's mask then keeps data's shape); k < 1 means
  the whole axis; k larger than the axis is an error.
- topk ret_typ: 'indices' (default, dtype float32 by default), 'value', 'both' ([values,
  indices]), 'mask' (data's dtype, 1 at the top k).  Indices are cast to `dtype` as MXNet
  does (uint8 wraps past 255).  'value' and sort carry their int64 indices as a hidden
  second output (MXNet's layout), used by the gradient: `_backward_topk` scatters the
  output gradient back to those positions.  Index outputs (argsort, 'indices', 'mask')
  get no gradient.
"""
import numpy as np

from compiler.errors import MXNetIndexError
from kernels.cpu import indexing as K
from .registry import Op, Attr, register, fail, normalize_axis

_INDEX_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8")


def sort_geometry(attrs, shape, k=0):
    """(pre, n, post, k, values shape) of a sort along attrs.axis (None: flattened)."""
    shape = tuple(shape)
    if attrs.axis is None:
        n = int(np.prod(shape, dtype=np.int64))
        pre, post, ax, base = 1, 1, 0, (n,)
    else:
        if not shape:
            fail("data must have at least one dimension, got shape %s", shape)
        ax = normalize_axis(attrs.axis, len(shape))
        pre, n, post = K.split3(shape, ax)
        base = shape
    if k < 1:
        k = n
    elif k > n:
        fail("k must be smaller than or equal to %d, the size of %s of data shape %s, got k = %d",
             n, "the flattened data" if attrs.axis is None else "axis %d" % ax, shape, k)
    return pre, n, post, k, base[:ax] + (k,) + base[ax + 1:]


def _order(attrs, data, ascending, k):
    pre, n, post, k, _ = sort_geometry(attrs, data.shape, k)
    x3 = data.reshape(pre, n, post)
    order = K.stable_order(x3, ascending)
    return x3, np.ascontiguousarray(order[:, :k, :]), (pre, n, post)


def _ref_order(attrs, data, ascending, k):
    """Reference: per row, np.lexsort by (value, index) — independent of the kernel."""
    pre, n, post, k, _ = sort_geometry(attrs, data.shape, k)
    x = np.moveaxis(data.reshape(pre, n, post), 1, 2).reshape(-1, n)
    key = x.astype(np.float64) if ascending else -x.astype(np.float64)
    rows = [np.lexsort((np.arange(n), key[r]))[:k] for r in range(x.shape[0])]
    idx = np.array(rows, np.int64).reshape(pre, post, k)
    return np.moveaxis(idx, 2, 1)     # (pre, k, post)


def _ref_outputs(attrs, data, idx, ret_typ, dtype):
    pre, n, post, k, vshape = sort_geometry(attrs, data.shape, idx.shape[1])
    x3 = data.reshape(pre, n, post)
    values = np.take_along_axis(x3, idx, axis=1).reshape(vshape)
    if ret_typ == "mask":
        mask = np.zeros((pre, n, post), data.dtype)
        np.put_along_axis(mask, idx, 1, axis=1)
        return [mask.reshape(data.shape)]
    if ret_typ == "value":
        return [values, idx.reshape(vshape)]
    indices = idx.reshape(vshape).astype(dtype)
    return [values, indices] if ret_typ == "both" else [indices]


@register
class TopK(Op):
    """The top k elements (or their indices, or a mask) along an axis."""

    name = "topk"
    arguments = ("data",)
    attrs = dict(axis=Attr("int_or_none", -1), k=Attr("int", 1),
                 ret_typ=Attr("str", "indices", choices=("both", "indices", "mask", "value")),
                 is_ascend=Attr("bool", False),
                 dtype=Attr("dtype", "float32", choices=_INDEX_DTYPES))

    def output_names(self, attrs):
        # MXNet's default names: `output` for one output, `output0`, `output1` for two
        if attrs.ret_typ in ("value", "both"):
            return ["output0", "output1"]
        return ["output"]

    def num_visible_outputs(self, attrs):
        return 2 if attrs.ret_typ == "both" else 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        n_out = self.num_outputs(attrs)
        if data is None:
            return list(in_shapes), [None] * n_out
        *_, vshape = sort_geometry(attrs, data, attrs.k)
        if attrs.ret_typ == "mask":
            return list(in_shapes), [tuple(data)]
        return list(in_shapes), [vshape] * n_out

    def infer_type(self, attrs, in_types):
        t = in_types[0]
        return list(in_types), {"value": [t, "int64"], "both": [t, attrs.dtype],
                                "mask": [t], "indices": [attrs.dtype]}[attrs.ret_typ]

    def reference(self, attrs, inputs, octx):
        idx = _ref_order(attrs, inputs[0], attrs.is_ascend, attrs.k)
        return _ref_outputs(attrs, inputs[0], idx, attrs.ret_typ, attrs.dtype)

    def _cpu(self, attrs, inputs, outputs, octx):
        x3, idx, (pre, n, post) = _order(attrs, inputs[0], attrs.is_ascend, attrs.k)
        ret = attrs.ret_typ
        if ret == "mask":
            K.mask_along(outputs[0].reshape(pre, n, post), idx)
            return
        if ret == "indices":
            outputs[0].reshape(-1)[...] = idx.reshape(-1)
            return
        K.gather_along(x3, idx, outputs[0].reshape(idx.shape))
        outputs[1].reshape(-1)[...] = idx.reshape(-1)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if attrs.ret_typ not in ("value", "both"):
            return [None]
        indices = outputs[1]
        if attrs.ret_typ == "both" and attrs.dtype in ("uint8", "float16"):
            # those dtypes cannot hold every index: recompute them exactly
            indices = F.topk(inputs[0], axis=attrs.axis, k=attrs.k, ret_typ="indices",
                             is_ascend=attrs.is_ascend, dtype="int64")
        return [F._backward_topk(out_grads[0], indices, inputs[0], axis=attrs.axis)]


@register
class Sort(Op):
    """Sort along an axis (ascending by default); stable."""

    name = "sort"
    arguments = ("data",)
    attrs = dict(axis=Attr("int_or_none", -1), is_ascend=Attr("bool", True))
    outputs = ("output0", "output1")      # values, hidden int64 indices (MXNet's names)
    num_visible = 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None]
        *_, vshape = sort_geometry(attrs, data)
        return list(in_shapes), [vshape, vshape]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[0], "int64"]

    def reference(self, attrs, inputs, octx):
        idx = _ref_order(attrs, inputs[0], attrs.is_ascend, 0)
        return _ref_outputs(attrs, inputs[0], idx, "value", None)

    def _cpu(self, attrs, inputs, outputs, octx):
        x3, idx, _ = _order(attrs, inputs[0], attrs.is_ascend, 0)
        K.gather_along(x3, idx, outputs[0].reshape(idx.shape))
        outputs[1].reshape(-1)[...] = idx.reshape(-1)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_topk(out_grads[0], outputs[1], inputs[0], axis=attrs.axis)]


@register
class Argsort(Op):
    """Indices that sort the data along an axis (ascending by default); stable."""

    name = "argsort"
    arguments = ("data",)
    attrs = dict(axis=Attr("int_or_none", -1), is_ascend=Attr("bool", True),
                 dtype=Attr("dtype", "float32", choices=_INDEX_DTYPES))

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None]
        return list(in_shapes), [sort_geometry(attrs, data)[4]]

    def infer_type(self, attrs, in_types):
        return list(in_types), [attrs.dtype]

    def reference(self, attrs, inputs, octx):
        idx = _ref_order(attrs, inputs[0], attrs.is_ascend, 0)
        return _ref_outputs(attrs, inputs[0], idx, "indices", attrs.dtype)

    def _cpu(self, attrs, inputs, outputs, octx):
        _, idx, _ = _order(attrs, inputs[0], attrs.is_ascend, 0)
        outputs[0].reshape(-1)[...] = idx.reshape(-1)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [None]


def _k_of(attrs, gshape, ndim):
    """k, read from the top-k shaped ograd / indices."""
    gshape = tuple(gshape)
    ax = 0 if attrs.axis is None else normalize_axis(attrs.axis, ndim)
    if len(gshape) != (1 if attrs.axis is None else ndim):
        fail("ograd / indices shape %s has the wrong rank for a top-k along %s of %d-d data",
             gshape, "the flattened data" if attrs.axis is None else "axis %d" % ax, ndim)
    return max(gshape[ax], 1)


@register
class BackwardTopK(Op):
    """Gradient of topk / sort values: ograd (the values' shape) written at `indices`
    (positions along the axis, as topk returns them) of a zero array shaped like data."""

    name = "_backward_topk"
    arguments = ("ograd", "indices", "data")
    attrs = dict(axis=Attr("int_or_none", -1))
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, idx, data = in_shapes
        if data is None:
            return list(in_shapes), [None]
        ref = og if og is not None else idx
        if ref is not None:
            *_, want = sort_geometry(attrs, data, _k_of(attrs, ref, len(data)))
            for name, s in (("ograd", og), ("indices", idx)):
                if s is not None and tuple(s) != want:
                    fail("%s shape %s does not match the top-k shape %s of data %s",
                         name, tuple(s), want, tuple(data))
        return list(in_shapes), [tuple(data)]

    def infer_type(self, attrs, in_types):
        return list(in_types), [in_types[2] or in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, idx, data = inputs
        pre, n, post, k, _ = sort_geometry(attrs, data.shape, _k_of(attrs, og.shape, data.ndim))
        grad = np.zeros((pre, n, post), np.float64)
        np.add.at(grad, (np.arange(pre)[:, None, None], idx.astype(np.int64).reshape(pre, k, post),
                         np.arange(post)[None, None, :]), og.astype(np.float64).reshape(pre, k, post))
        return [grad.reshape(data.shape).astype(data.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, indices, data = inputs
        pre, n, post, k, _ = sort_geometry(attrs, data.shape, _k_of(attrs, og.shape, data.ndim))
        idx = K.to_int64(indices)
        bad = (idx < 0) | (idx >= n)
        if bad.any():
            raise MXNetIndexError("index %d is out of bounds for an axis of size %d"
                                  % (idx[np.flatnonzero(bad)[0]], n))
        K.scatter_add_along(outputs[0], (pre, n, post), idx.reshape(pre, k, post),
                            og.reshape(pre, k, post))

    @property
    def kernels(self):
        return {"cpu": self._cpu}
