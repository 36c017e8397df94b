"""GroupNorm and _backward_GroupNorm (kernels: the per-row statistics/affine kernels of
kernels/cpu/norm.py, with one row per (sample, group)).

MXNet 1.9.1 semantics (checked against real MXNet 1.9.1): GroupNorm(data, gamma, beta;
num_groups=1, eps=1e-5, output_mean_var=False) on data (N, C, ...) with C divisible by
num_groups; each (sample, group) of C/num_groups channels and all spatial positions is
normalized with its mean and biased variance; gamma and beta have ONE value per group
(shape (num_groups,)).  Outputs (output, mean, std) with mean/std of shape
(N, num_groups) and std = sqrt(var + eps); 1 visible (3 with output_mean_var).
"""
import numpy as np

from kernels.cpu import norm as K
from .registry import (float_types, match_shapes, Op, Attr, register, fail, check_dtype,
                       FLOAT_TYPES)

_ATTRS = dict(num_groups=Attr("int", 1), eps=Attr("float", 1e-5),
              output_mean_var=Attr("bool", False))


def _shapes(attrs, data):
    """(gamma shape, stats shape) for data, after checking the group split."""
    if len(data) < 2:
        fail("data must have at least 2 dimensions (N, C, ...), got shape %s", tuple(data))
    g = attrs.num_groups
    if g < 1 or data[1] % g:
        fail("number of channels %d (data shape %s) must be divisible by num_groups=%d",
             data[1], tuple(data), g)
    return (g,), (data[0], g)


def _rows(x, g):
    """The (1, N * G, rest) view of x: one row per (sample, group)."""
    n = x.shape[0]
    rest = int(np.prod(x.shape[1:], dtype=np.int64)) // g if n * g else 0
    return (1, n * g, rest)


def _compute(a):
    return np.ascontiguousarray(a.astype(np.float32) if a.dtype.char == "e" else a)


@register
class GroupNorm(Op):
    """Normalize each group of channels of each sample; gamma/beta per group."""

    name = "GroupNorm"
    arguments = ("data", "gamma", "beta")
    outputs = ("output", "mean", "std")
    attrs = _ATTRS

    def num_visible_outputs(self, attrs):
        return 3 if attrs.output_mean_var else 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        want, stat = _shapes(attrs, data)
        for name, s in zip(("gamma", "beta"), in_shapes[1:]):
            if s is not None and tuple(s) != want:
                fail("%s shape %s does not match num_groups=%d: expected %s",
                     name, tuple(s), attrs.num_groups, want)
        return [tuple(data), want, want], [tuple(data), stat, stat]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return Op.infer_type(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        x, gamma, beta = inputs
        n, g = x.shape[0], attrs.num_groups
        xg = x.astype(np.float64).reshape(n, g, -1)
        mean = xg.mean(axis=2, keepdims=True)
        std = np.sqrt(xg.var(axis=2, keepdims=True) + attrs.eps)
        y = ((xg - mean) / std * gamma.astype(np.float64).reshape(1, g, 1)
             + beta.astype(np.float64).reshape(1, g, 1))
        return [y.reshape(x.shape).astype(x.dtype), mean.reshape(n, g).astype(x.dtype),
                std.reshape(n, g).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, gamma, beta = inputs
        out, mean_out, std_out = outputs
        n, g = x.shape[0], attrs.num_groups
        shape3 = _rows(x, g)
        xc = _compute(x).reshape(shape3)
        mean, var = K.stats(xc)
        std = np.sqrt(var + attrs.eps)
        work = out if out.dtype == xc.dtype else np.empty(out.shape, xc.dtype)
        K.affine(xc, mean, np.tile(gamma.astype(np.float64), n) / std,
                 np.tile(beta.astype(np.float64), n), work.reshape(shape3))
        if work is not out:
            out[...] = work
        mean_out[...] = mean.reshape(n, g)
        std_out[...] = std.reshape(n, g)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        dx, dg, db = F._backward_GroupNorm(out_grads[0], inputs[0], inputs[1], outputs[1],
                                           outputs[2], num_groups=attrs.num_groups,
                                           eps=attrs.eps)
        return [dx, dg, db]


@register
class BackwardGroupNorm(Op):
    """GroupNorm's gradients from (ograd, data, gamma, mean, std)."""

    name = "_backward_GroupNorm"
    arguments = ("ograd", "data", "gamma", "mean", "std")
    outputs = ("data_grad", "gamma_grad", "beta_grad")
    attrs = _ATTRS
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[1] if in_shapes[1] is not None else in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        want, stat = _shapes(attrs, data)
        wants = [tuple(data), tuple(data), want, stat, stat]
        return match_shapes(self.arguments, in_shapes, data, wants), [tuple(data), want, want]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    def reference(self, attrs, inputs, octx):
        og, x, gamma, mean, std = (a.astype(np.float64) for a in inputs)
        n, g = x.shape[0], attrs.num_groups
        og3, x3 = og.reshape(n, g, -1), x.reshape(n, g, -1)
        s = 1.0 / std.reshape(n, g, 1)
        xhat = (x3 - mean.reshape(n, g, 1)) * s
        dxhat = og3 * gamma.reshape(1, g, 1)
        dx = s * (dxhat - dxhat.mean(axis=2, keepdims=True)
                  - xhat * (dxhat * xhat).mean(axis=2, keepdims=True))
        dt = inputs[1].dtype
        return [dx.reshape(x.shape).astype(dt), (og3 * xhat).sum(axis=(0, 2)).astype(dt),
                og3.sum(axis=(0, 2)).astype(dt)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x, gamma, mean, std = inputs
        dx, dgamma, dbeta = outputs
        n, g = x.shape[0], attrs.num_groups
        shape3 = _rows(x, g)
        xc = _compute(x).reshape(shape3)
        ogc = np.ascontiguousarray(og, xc.dtype).reshape(shape3)
        m = mean.astype(np.float64).reshape(-1)
        s = 1.0 / std.astype(np.float64).reshape(-1)
        gm = np.tile(gamma.astype(np.float64), n)
        sum_og, sum_og_xmu = K.bwd_sums(ogc, xc, m)
        count = max(shape3[2], 1)
        k1 = gm * s
        work = dx if dx.dtype == xc.dtype else np.empty(dx.shape, xc.dtype)
        K.bwd_apply(ogc, xc, m, k1, -gm * s ** 3 * sum_og_xmu / count, -k1 * sum_og / count,
                    work.reshape(shape3))
        if work is not dx:
            dx[...] = work
        dgamma[...] = (sum_og_xmu * s).reshape(n, g).sum(axis=0)
        dbeta[...] = sum_og.reshape(n, g).sum(axis=0)

    @property
    def kernels(self):
        return {"cpu": self._cpu}
