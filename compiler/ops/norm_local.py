"""L2Normalization and LRN (local response normalization), with their backward ops.

MXNet 1.9.1 semantics (checked against real MXNet 1.9.1):
- L2Normalization(data, eps=1e-10, mode='instance'): out = x / sqrt(sum(x^2) + eps), the
  sum over every axis but 0 (instance), over axis 1 (channel) or over axes 2.. (spatial);
  channel and spatial need rank >= 3.  Hidden output `norm` (instance (N,), channel
  data.shape without axis 1, spatial (N, C)).
- LRN(data, alpha=1e-4, beta=0.75, knorm=2, nsize): 4-d data (N, C, H, W) (MXNet's MKLDNN
  build also takes 2-d (N, C));
  out = x * (knorm + alpha / nsize * S)^-beta with S the sum of x^2 over the channels
  c - (nsize-1)//2 .. c + (nsize-1)//2 (clipped at the edges; for an even nsize MXNet's
  window is one channel narrower than nsize).  Hidden output `tmp_norm` (the base).
"""
import numpy as np

from .registry import float_types, Op, Attr, register, fail, check_dtype, FLOAT_TYPES


def _ctype(a):
    return np.float64 if a.dtype == np.float64 else np.float32


# --- L2Normalization ------------------------------------------------------------------

def _l2_axes(mode, ndim):
    if mode == "instance":
        if ndim < 1:
            fail("needs at least 1 dimension")
        return tuple(range(1, ndim))
    if ndim < 3:
        fail("at least 3 dimensions required in %s mode, got %d", mode, ndim)
    return (1,) if mode == "channel" else tuple(range(2, ndim))


def _l2_norm_shape(mode, shape):
    axes = _l2_axes(mode, len(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _expand(norm, mode, ndim):
    """norm reshaped to broadcast against the data."""
    axes = _l2_axes(mode, ndim)
    return np.expand_dims(norm, axes) if axes else norm


@register
class L2Normalization(Op):
    """x / sqrt(sum(x^2) + eps) per instance, channel position, or channel."""

    name = "L2Normalization"
    attrs = dict(eps=Attr("float", 1e-10),
                 mode=Attr("str", "instance", choices=("channel", "instance", "spatial")))
    outputs = ("output", "norm")
    num_visible = 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None]
        return [tuple(data)], [tuple(data), _l2_norm_shape(attrs.mode, data)]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0], in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        xf = x.astype(np.float64)
        axes = _l2_axes(attrs.mode, x.ndim)
        norm = np.sqrt(np.sum(xf * xf, axis=axes) + attrs.eps)
        out = xf / _expand(norm, attrs.mode, x.ndim)
        return [out.astype(x.dtype), norm.astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        xc = x.astype(_ctype(x), copy=False)
        axes = _l2_axes(attrs.mode, x.ndim)
        norm = np.sqrt(np.square(xc).sum(axis=axes) + xc.dtype.type(attrs.eps))
        np.divide(xc, _expand(norm, attrs.mode, x.ndim), out=outputs[0], casting="unsafe")
        outputs[1][...] = norm

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_L2Normalization(out_grads[0], outputs[0], outputs[1],
                                            eps=attrs.eps, mode=attrs.mode)]


@register
class BackwardL2Normalization(Op):
    """dx = (og - y * sum(og * y)) / norm, from (ograd, output, norm)."""

    name = "_backward_L2Normalization"
    arguments = ("ograd", "output", "norm")
    attrs = L2Normalization.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, y, norm = in_shapes
        data = y if y is not None else og
        if data is None:
            return list(in_shapes), [None]
        want = _l2_norm_shape(attrs.mode, data)
        if og is not None and tuple(og) != tuple(data):
            fail("ograd shape %s does not match output shape %s", tuple(og), tuple(data))
        if norm is not None and tuple(norm) != want:
            fail("norm shape %s does not match %s for output shape %s", tuple(norm), want,
                 tuple(data))
        return [tuple(data), tuple(data), want], [tuple(data)]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    def reference(self, attrs, inputs, octx):
        og, y, norm = (a.astype(np.float64) for a in inputs)
        axes = _l2_axes(attrs.mode, y.ndim)
        dot = (og * y).sum(axis=axes, keepdims=True) if axes else og * y
        dx = (og - y * dot) / _expand(norm, attrs.mode, y.ndim)
        return [dx.astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        t = _ctype(inputs[0])
        og, y, norm = (a.astype(t, copy=False) for a in inputs)
        axes = _l2_axes(attrs.mode, y.ndim)
        dot = np.sum(og * y, axis=axes, keepdims=True)
        np.divide(og - y * dot, _expand(norm, attrs.mode, y.ndim), out=outputs[0],
                  casting="unsafe")

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- LRN ------------------------------------------------------------------------------------

def _window_sum(a, nsize):
    """Sum of `a` over channels c-h..c+h (h = (nsize-1)//2, clipped), axis 1 of 4-d `a`."""
    h = (nsize - 1) // 2
    c = a.shape[1]
    csum = np.zeros((a.shape[0], c + 1) + a.shape[2:], a.dtype)
    np.cumsum(a, axis=1, out=csum[:, 1:])
    hi = np.minimum(np.arange(c) + h + 1, c)
    lo = np.maximum(np.arange(c) - h, 0)
    return csum[:, hi] - csum[:, lo]


@register
class LRN(Op):
    """Local response normalization across channels (NCHW input, or 2-d (N, C))."""

    name = "LRN"
    attrs = dict(alpha=Attr("float", 1e-4), beta=Attr("float", 0.75), knorm=Attr("float", 2.0),
                 nsize=Attr("int"))
    outputs = ("output", "tmp_norm")
    num_visible = 1

    def infer_shape(self, attrs, in_shapes):
        if attrs.nsize < 1:
            fail("nsize must be >= 1, got %d", attrs.nsize)
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None]
        if len(data) not in (2, 4):
            fail("input must be 4-d (batch, channel, height, width) or 2-d (batch, channel), "
                 "got shape %s", tuple(data))
        return [tuple(data)], [tuple(data), tuple(data)]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return list(in_types), [in_types[0], in_types[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        xf = x.astype(np.float64)
        h = (attrs.nsize - 1) // 2
        c = x.shape[1]
        s = np.zeros_like(xf)
        for ch in range(c):
            lo, hi = max(ch - h, 0), min(ch + h, c - 1)
            s[:, ch] = (xf[:, lo:hi + 1] ** 2).sum(axis=1)
        norm = attrs.knorm + attrs.alpha / attrs.nsize * s
        return [(xf * norm ** -attrs.beta).astype(x.dtype), norm.astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        xc = x.astype(_ctype(x), copy=False)
        t = xc.dtype.type
        norm = t(attrs.knorm) + t(attrs.alpha / attrs.nsize) * _window_sum(xc * xc, attrs.nsize)
        np.multiply(xc, norm ** t(-attrs.beta), out=outputs[0], casting="unsafe")
        outputs[1][...] = norm

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_LRN(out_grads[0], inputs[0], outputs[1], alpha=attrs.alpha,
                                beta=attrs.beta, knorm=attrs.knorm, nsize=attrs.nsize)]


@register
class BackwardLRN(Op):
    """LRN's data gradient from (ograd, data, tmp_norm)."""

    name = "_backward_LRN"
    arguments = ("ograd", "data", "tmp_norm")
    attrs = LRN.attrs
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        known = next((s for s in in_shapes if s is not None), None)
        if known is None:
            return list(in_shapes), [None]
        for name, s in zip(self.arguments, in_shapes):
            if s is not None and tuple(s) != tuple(known):
                fail("%s shape %s does not match %s", name, tuple(s), tuple(known))
        LRN.infer_shape(self, attrs, [known])
        return [tuple(known)] * 3, [tuple(known)]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    def reference(self, attrs, inputs, octx):
        og, x, norm = (a.astype(np.float64) for a in inputs)
        h = (attrs.nsize - 1) // 2
        c = x.shape[1]
        inner = og * x * norm ** (-attrs.beta - 1.0)
        back = np.zeros_like(x)
        for ch in range(c):     # adjoint of the window sum: scatter to the window
            lo, hi = max(ch - h, 0), min(ch + h, c - 1)
            back[:, lo:hi + 1] += inner[:, ch:ch + 1]
        dx = og * norm ** -attrs.beta - 2.0 * attrs.beta * attrs.alpha / attrs.nsize * x * back
        return [dx.astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        t = _ctype(inputs[0])
        og, x, norm = (a.astype(t, copy=False) for a in inputs)
        inner = og * x * norm ** t(-attrs.beta - 1.0)
        dx = (og * norm ** t(-attrs.beta)
              - t(2.0 * attrs.beta * attrs.alpha / attrs.nsize) * x * _window_sum(inner, attrs.nsize))
        outputs[0][...] = dx

    @property
    def kernels(self):
        return {"cpu": self._cpu}
