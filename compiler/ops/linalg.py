"""Linear algebra: dot, batch_dot, FullyConnected (and dot's backward, `_backward_dot`).

MXNet 1.9.1 semantics.  `dot` views lhs as a matrix (prod(shape[:-1]), shape[-1]) — or,
with transpose_a, (prod(shape[1:]), shape[0]) transposed — and rhs as (shape[0],
prod(shape[1:])) — or, with transpose_b, the transpose of (prod(shape[:-1]), shape[-1]);
the output shape is the uncontracted lhs dims followed by the uncontracted rhs dims
(1-D . 1-D gives shape (1,)).  `batch_dot` multiplies the last two axes of N-D (N >= 3)
operands with equal leading (batch) dims.  `FullyConnected` computes data . weight^T +
bias, flattening data to (batch, in_units) unless flatten=False (then the last axis is
in_units); it infers weight (num_hidden, in_units) and bias (num_hidden,) from data.

Gradients: batch_dot and FullyConnected compose registered ops (batch_dot, dot with
transpose flags, Reshape, reshape_like, sum); dot's gradient needs the 2-D views of
arbitrary-rank operands, which only its own backward op can form without knowing ranks,
so it is MXNet's `_backward_dot` (one BLAS call per input gradient).
"""
import numpy as np

from kernels.cpu import linalg as K
from .registry import Op, Attr, register, fail

_STYPES = ("None", "csr", "default", "row_sparse")


def _float_ref(x):
    """References compute float16 in float32 (what the kernels do), others natively."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def dot_shape(lhs, rhs, ta, tb):
    """Output shape of MXNet's dot; OpError naming both shapes on a mismatch."""
    lhs, rhs = tuple(lhs), tuple(rhs)
    if not lhs or not rhs:
        fail("lhs %s and rhs %s must have at least one dimension", lhs, rhs)
    if len(lhs) == 1 and len(rhs) == 1:
        if ta or tb:
            fail("cannot transpose vectors: lhs %s, rhs %s (transpose_a=%s, transpose_b=%s)",
                 lhs, rhs, ta, tb)
        if lhs[0] != rhs[0]:
            fail("shape mismatch: lhs %s X rhs %s: vector lengths %d and %d differ",
                 lhs, rhs, lhs[0], rhs[0])
        return (1,)
    k_l, left = (lhs[0], lhs[1:]) if ta else (lhs[-1], lhs[:-1])
    k_r, right = (rhs[-1], rhs[:-1]) if tb else (rhs[0], rhs[1:])
    if k_l != k_r:
        fail("shape mismatch: lhs %s X rhs %s (transpose_a=%s, transpose_b=%s): "
             "contracted dimensions %d and %d differ", lhs, rhs, ta, tb, k_l, k_r)
    return left + right


def dot_reference(lhs, rhs, ta, tb):
    """Independent oracle: np.tensordot over the contracted axes."""
    a, b = _float_ref(lhs), _float_ref(rhs)
    out = np.tensordot(a, b, axes=([0 if ta else a.ndim - 1], [b.ndim - 1 if tb else 0]))
    return np.asarray(out).reshape(dot_shape(lhs.shape, rhs.shape, ta, tb)).astype(lhs.dtype)


class _Product(Op):
    """dot and batch_dot: (lhs, rhs) with optional transposes; `product_shape` gives the output."""

    arguments = ("lhs", "rhs")
    attrs = dict(transpose_a=Attr("bool", False), transpose_b=Attr("bool", False),
                 forward_stype=Attr("str", "None", choices=_STYPES))
    product_shape = None

    def infer_shape(self, attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return list(in_shapes), [None]
        return list(in_shapes), [type(self).product_shape(lhs, rhs, attrs.transpose_a,
                                                          attrs.transpose_b)]


@register
class Dot(_Product):
    """Dot product of two arrays (matrix product for 2-D, contraction of lhs's last axis
    with rhs's first axis for N-D, after the optional transposes)."""

    name = "dot"
    product_shape = staticmethod(dot_shape)

    def reference(self, attrs, inputs, octx):
        return [dot_reference(inputs[0], inputs[1], attrs.transpose_a, attrs.transpose_b)]

    def _cpu(self, attrs, inputs, outputs, octx):
        K.dot(inputs[0], inputs[1], outputs[0], attrs.transpose_a, attrs.transpose_b)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = F._backward_dot(out_grads[0], inputs[0], inputs[1],
                                transpose_a=attrs.transpose_a, transpose_b=attrs.transpose_b)
        return list(grads)


@register
class BackwardDot(Op):
    """Gradients of dot w.r.t. lhs and rhs, from (ograd, lhs, rhs)."""

    name = "_backward_dot"
    arguments = ("ograd", "lhs", "rhs")
    outputs = ("lhs_grad", "rhs_grad")
    attrs = Dot.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return list(in_shapes), [lhs, rhs]
        out = dot_shape(lhs, rhs, attrs.transpose_a, attrs.transpose_b)
        if og is not None and tuple(og) != out:
            fail("ograd shape %s does not match the dot output shape %s of lhs %s X rhs %s",
                 tuple(og), out, tuple(lhs), tuple(rhs))
        return [out, tuple(lhs), tuple(rhs)], [tuple(lhs), tuple(rhs)]

    def reference(self, attrs, inputs, octx):
        og, lhs, rhs = inputs
        ta, tb = attrs.transpose_a, attrs.transpose_b
        a, b = _float_ref(lhs), _float_ref(rhs)
        la, ra = (0 if ta else a.ndim - 1), (b.ndim - 1 if tb else 0)
        a_rest = [d for d in range(a.ndim) if d != la]
        b_rest = [d for d in range(b.ndim) if d != ra]
        g = _float_ref(og).reshape(tuple(a.shape[d] for d in a_rest)
                                   + tuple(b.shape[d] for d in b_rest))
        na = len(a_rest)
        ga = np.tensordot(g, b, axes=(list(range(na, g.ndim)), b_rest))     # a_rest + (k,)
        ga = np.moveaxis(ga, -1, la)
        gb = np.tensordot(a, g, axes=(a_rest, list(range(na))))             # (k,) + b_rest
        gb = np.moveaxis(gb, 0, ra)
        return [ga.reshape(lhs.shape).astype(lhs.dtype), gb.reshape(rhs.shape).astype(rhs.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        K.dot_backward(inputs[0], inputs[1], inputs[2], outputs[0], outputs[1],
                       attrs.transpose_a, attrs.transpose_b)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


def batch_dot_shape(lhs, rhs, ta, tb):
    lhs, rhs = tuple(lhs), tuple(rhs)
    if len(lhs) < 3 or len(lhs) != len(rhs):
        fail("lhs %s and rhs %s must both be N-D with the same N >= 3", lhs, rhs)
    if lhs[:-2] != rhs[:-2]:
        fail("batch dimensions of lhs %s and rhs %s differ: %s vs %s",
             lhs, rhs, lhs[:-2], rhs[:-2])
    m, k = (lhs[-1], lhs[-2]) if ta else (lhs[-2], lhs[-1])
    k2, n = (rhs[-1], rhs[-2]) if tb else (rhs[-2], rhs[-1])
    if k != k2:
        fail("shape mismatch: lhs %s X rhs %s (transpose_a=%s, transpose_b=%s): "
             "contracted dimensions %d and %d differ", lhs, rhs, ta, tb, k, k2)
    return lhs[:-2] + (m, n)


@register
class BatchDot(_Product):
    """Batched matrix product over the last two axes: out[b] = op(lhs[b]) . op(rhs[b])."""

    name = "batch_dot"
    product_shape = staticmethod(batch_dot_shape)

    def reference(self, attrs, inputs, octx):
        a, b = _float_ref(inputs[0]), _float_ref(inputs[1])
        sa = "...km" if attrs.transpose_a else "...mk"
        sb = "...nk" if attrs.transpose_b else "...kn"
        return [np.einsum("%s,%s->...mn" % (sa, sb), a, b).astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        K.batch_dot(inputs[0], inputs[1], outputs[0], attrs.transpose_a, attrs.transpose_b)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        a, b = inputs
        g = out_grads[0]
        ta, tb = attrs.transpose_a, attrs.transpose_b
        if not ta and not tb:      # C = A B
            return [F.batch_dot(g, b, transpose_b=True), F.batch_dot(a, g, transpose_a=True)]
        if ta and not tb:          # C = A^T B
            return [F.batch_dot(b, g, transpose_b=True), F.batch_dot(a, g)]
        if not ta and tb:          # C = A B^T
            return [F.batch_dot(g, b), F.batch_dot(g, a, transpose_a=True)]
        return [F.batch_dot(b, g, transpose_a=True, transpose_b=True),     # C = A^T B^T
                F.batch_dot(g, a, transpose_a=True, transpose_b=True)]


@register
class FullyConnected(Op):
    """out = data . weight^T + bias, data flattened to (batch, in_units) (flatten=True) or
    applied to the last axis (flatten=False)."""

    name = "FullyConnected"
    arguments = ("data", "weight", "bias")
    attrs = dict(num_hidden=Attr("int"), no_bias=Attr("bool", False), flatten=Attr("bool", True))

    def input_names(self, attrs):
        return ["data", "weight"] if attrs is not None and attrs.no_bias else ["data", "weight", "bias"]

    @staticmethod
    def in_units(attrs, data):
        data = tuple(data)
        if not data:
            fail("data must have at least one dimension, got shape %s", data)
        if attrs.flatten:
            return int(np.prod(data[1:], dtype=np.int64))
        return data[-1]

    def infer_shape_backward(self, attrs, in_shapes, out_shapes):
        """MXNet infers an unknown data batch from the output: a 2-D data (N, in_units) for
        an output (N, num_hidden) and a known weight (a zero RNN begin state (0, H))."""
        data, weight, out = in_shapes[0], in_shapes[1], out_shapes[0]
        if data is not None or weight is None or out is None or len(out) != 2:
            return None
        return [(out[0], weight[1])] + list(in_shapes[1:])

    def infer_shape(self, attrs, in_shapes):
        shapes = list(in_shapes)
        data, weight = shapes[0], shapes[1]
        nh = attrs.num_hidden
        if nh < 1:
            fail("num_hidden must be positive, got %d", nh)
        if not attrs.no_bias:
            bias = shapes[2]
            if bias is not None and tuple(bias) != (nh,):
                fail("bias shape %s does not match num_hidden=%d: expected (%d,)",
                     tuple(bias), nh, nh)
            shapes[2] = (nh,)
        if data is None:
            return shapes, [None]
        data = tuple(data)
        units = self.in_units(attrs, data)
        if weight is not None:
            weight = tuple(weight)
            if len(weight) != 2 or weight[1] != units:
                fail("data shape %s does not match weight shape %s: in_units must be %d",
                     data, weight, units)
            if weight[0] != nh:
                fail("weight shape %s does not match num_hidden=%d: expected %s",
                     weight, nh, (nh, units))
        shapes[0], shapes[1] = data, (nh, units)
        out = (data[0], nh) if attrs.flatten else data[:-1] + (nh,)
        return shapes, [out]

    def reference(self, attrs, inputs, octx):
        data, weight = _float_ref(inputs[0]), _float_ref(inputs[1])
        units = self.in_units(attrs, data.shape)
        lead = (data.shape[0],) if attrs.flatten else data.shape[:-1]
        x = data.reshape(lead + (units,))
        out = np.tensordot(x, weight, axes=([x.ndim - 1], [1]))
        if not attrs.no_bias:
            out = out + _float_ref(inputs[2])
        return [out.astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        bias = None if attrs.no_bias else inputs[2]
        K.fully_connected(inputs[0], inputs[1], bias, outputs[0], attrs.flatten)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        data, weight = inputs[0], inputs[1]
        g = out_grads[0]
        if attrs.flatten:        # g: (batch, num_hidden)
            gdata = F.reshape_like(F.dot(g, weight), data)
            gweight = F.dot(g, F.Reshape(data, shape=(0, -1)), transpose_a=True)
            g2 = g
        else:                    # g: (..., num_hidden); dot contracts g's last axis
            gdata = F.dot(g, weight)
            g2 = F.Reshape(g, shape=(-1, attrs.num_hidden))
            gweight = F.dot(g2, F.Reshape(data, shape=(-1, 0), reverse=True), transpose_a=True)
        grads = [gdata, gweight]
        if not attrs.no_bias:
            grads.append(F.sum(g2, axis=0))
        return grads
