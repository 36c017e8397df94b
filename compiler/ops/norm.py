"""BatchNorm, LayerNorm, InstanceNorm and their backward ops (kernels: kernels/cpu/norm.py).

MXNet 1.9.1 semantics kept here (checked against real MXNet 1.9.1):
- BatchNorm(data, gamma, beta, moving_mean, moving_var; eps=1e-3, momentum=0.9,
  fix_gamma=True, use_global_stats=False, output_mean_var=False, axis=1, cudnn_off,
  min_calib_range, max_calib_range).  Outputs (output, mean, var), 1 visible (3 with
  output_mean_var).  The `var` output holds the INVERSE STD 1/sqrt(var + eps), as MXNet's.
  Training (and not use_global_stats): batch mean and biased variance; otherwise the
  moving statistics.  fix_gamma=True: gamma is treated as 1 and gets a zero gradient
  (MXNet also overwrites the gamma array with ones; that mutation of an argument is not
  reproduced).  float16 data takes float32 gamma/beta/moving stats.
- The moving statistics are updated by the BACKWARD pass, as MXNet 1.9.1 does on CPU
  (with and without MKLDNN): moving = moving * momentum + batch * (1 - momentum) with the
  biased batch variance, only when the backward runs in training mode and
  use_global_stats=False.  A training-mode forward alone leaves them unchanged.  So
  `_backward_BatchNorm` takes the aux states as inputs and declares mutates_aux.
- The backward uses the batch-statistics formula in training mode and the global
  formula (dx = og * gamma * invstd) otherwise; MXNet decides by the BACKWARD's training
  flag (autograd.backward(train_mode=...)).
- LayerNorm(data, gamma, beta; axis=-1, eps=1e-5, output_mean_var=False): outputs
  (output, mean, std) with std = sqrt(var + eps); mean/std keep the normalized axis as 1.
- InstanceNorm(data, gamma, beta; eps=1e-3): data of rank >= 3 (N, C, ...), statistics
  per (n, c); hidden outputs mean, var of shape (N, C).
"""
import numpy as np

from kernels.cpu import norm as K
from .registry import (float_types, match_shapes, Op, Attr, register, fail, normalize_axis, check_dtype, FLOAT_TYPES)


def _compute(a):
    return np.ascontiguousarray(a.astype(np.float32) if a.dtype.char == "e" else a)


def _work(out, like):
    """A buffer of like's dtype to compute into (out itself when the dtypes agree)."""
    return out if out.dtype == like.dtype else np.empty(out.shape, like.dtype)


def _view3(shape, axis):
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


def _check_param(name, shape, want, data, axis):
    if shape is not None and tuple(shape) != want:
        fail("%s shape %s does not match data shape %s: expected %s for axis %d",
             name, tuple(shape), tuple(data), want, axis)


# --- BatchNorm ------------------------------------------------------------------------

_BN_ATTRS = dict(eps=Attr("float", 1e-3), momentum=Attr("float", 0.9),
                 fix_gamma=Attr("bool", True), use_global_stats=Attr("bool", False),
                 output_mean_var=Attr("bool", False), axis=Attr("int", 1),
                 cudnn_off=Attr("bool", False), min_calib_range=Attr("float_or_none", None),
                 max_calib_range=Attr("float_or_none", None))


def _bn_axis(attrs, data):
    if len(data) == 0:
        fail("data must have at least 1 dimension")
    return normalize_axis(attrs.axis, len(data), "channel axis")


def _bn_param_dtype(data_dtype):
    return "float32" if data_dtype == "float16" else data_dtype


def _bn_types(attrs, in_types, names, n_data):
    d = in_types[0]
    check_dtype(names[0], d, FLOAT_TYPES)
    if d is None:
        return list(in_types), [None, None, None]
    p = _bn_param_dtype(d)
    want = [d] * n_data + [p] * (len(in_types) - n_data)
    for name, t, w in zip(names, in_types, want):
        if t is not None and t != w:
            fail("input '%s' has dtype %s but %s is required with %s data", name, t, w, d)
    return want, [d, p, p]


@register
class BatchNorm(Op):
    """Batch normalization over every axis but `axis` (see the module doc for MXNet details)."""

    name = "BatchNorm"
    arguments = ("data", "gamma", "beta", "moving_mean", "moving_var")
    aux = ("moving_mean", "moving_var")
    mutates_aux = False          # MXNet updates the moving stats in _backward_BatchNorm
    outputs = ("output", "mean", "var")
    attrs = _BN_ATTRS

    def num_visible_outputs(self, attrs):
        return 3 if attrs.output_mean_var else 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        axis = _bn_axis(attrs, data)
        want = (data[axis],)
        for name, s in zip(self.arguments[1:], in_shapes[1:]):
            _check_param(name, s, want, data, axis)
        return [tuple(data)] + [want] * 4, [tuple(data), want, want]

    def infer_type(self, attrs, in_types):
        return _bn_types(attrs, in_types, self.arguments, 1)

    def reference(self, attrs, inputs, octx):
        x, gamma, beta, mm, mv = inputs
        axis = normalize_axis(attrs.axis, x.ndim)
        red = tuple(i for i in range(x.ndim) if i != axis)
        bshape = [1] * x.ndim
        bshape[axis] = x.shape[axis]
        xf = x.astype(np.float64)
        if octx.is_train and not attrs.use_global_stats:
            mean, var = xf.mean(axis=red), xf.var(axis=red)
        else:
            mean, var = mm.astype(np.float64), mv.astype(np.float64)
        g = np.ones(gamma.shape) if attrs.fix_gamma else gamma.astype(np.float64)
        out = ((xf - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + attrs.eps)
               * g.reshape(bshape) + beta.astype(np.float64).reshape(bshape))
        return [out.astype(x.dtype), mean.astype(mm.dtype),
                (1.0 / np.sqrt(var + attrs.eps)).astype(mv.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, gamma, beta, mm, mv = inputs
        out, mean_out, invstd_out = outputs
        axis = normalize_axis(attrs.axis, x.ndim)
        shape3 = _view3(x.shape, axis)
        xc = _compute(x).reshape(shape3)
        if octx.is_train and not attrs.use_global_stats:
            mean, var = K.stats(xc)
        else:
            mean, var = mm.astype(np.float64), mv.astype(np.float64)
        invstd = 1.0 / np.sqrt(var + attrs.eps)
        g = np.ones(len(mean)) if attrs.fix_gamma else gamma.astype(np.float64)
        work = _work(out, xc)
        K.affine(xc, mean, g * invstd, beta.astype(np.float64), work.reshape(shape3))
        if work is not out:
            out[...] = work
        mean_out[...] = mean
        invstd_out[...] = invstd

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        data, gamma, _, mm, mv = inputs
        dx, dg, db = F._backward_BatchNorm(out_grads[0], data, gamma, outputs[1], outputs[2],
                                           mm, mv, **attrs)
        return [dx, dg, db, None, None]


@register
class BackwardBatchNorm(Op):
    """BatchNorm's input gradients; in training it also updates the moving statistics.

    Inputs: ograd, data, gamma, mean and invstd (the forward's hidden outputs),
    moving_mean, moving_var (aux, updated in place).  Outputs: data, gamma, beta grads."""

    name = "_backward_BatchNorm"
    arguments = ("ograd", "data", "gamma", "mean", "invstd", "moving_mean", "moving_var")
    aux = ("moving_mean", "moving_var")
    mutates_aux = True
    outputs = ("data_grad", "gamma_grad", "beta_grad")
    attrs = _BN_ATTRS
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        og, data = in_shapes[:2]
        data = data if data is not None else og
        if data is None:
            return list(in_shapes), [None, None, None]
        if og is not None and tuple(og) != tuple(data):
            fail("ograd shape %s does not match data shape %s", tuple(og), tuple(data))
        axis = _bn_axis(attrs, data)
        want = (data[axis],)
        for name, s in zip(self.arguments[2:], in_shapes[2:]):
            _check_param(name, s, want, data, axis)
        return [tuple(data)] * 2 + [want] * 5, [tuple(data), want, want]

    def infer_type(self, attrs, in_types):
        order = [1, 0, 2, 3, 4, 5, 6]             # data first: it decides the dtypes
        want, outs = _bn_types(attrs, [in_types[i] for i in order],
                               [self.arguments[i] for i in order], 2)
        return [want[order.index(i)] for i in range(7)], outs

    def _training(self, attrs, octx):
        return octx.is_train and not attrs.use_global_stats

    def _update_aux(self, attrs, mean, invstd, mm, mv):
        var = 1.0 / (invstd.astype(np.float64) ** 2) - attrs.eps
        mom = attrs.momentum
        mm[...] = mm.astype(np.float64) * mom + mean.astype(np.float64) * (1.0 - mom)
        mv[...] = mv.astype(np.float64) * mom + var * (1.0 - mom)

    def reference(self, attrs, inputs, octx):
        og, x, gamma, mean, invstd, mm, mv = inputs
        axis = normalize_axis(attrs.axis, x.ndim)
        red = tuple(i for i in range(x.ndim) if i != axis)
        bshape = [1] * x.ndim
        bshape[axis] = x.shape[axis]
        ogf, xf = og.astype(np.float64), x.astype(np.float64)
        g = np.ones(gamma.shape) if attrs.fix_gamma else gamma.astype(np.float64)
        if self._training(attrs, octx):
            m, s = mean.astype(np.float64), invstd.astype(np.float64)
        else:
            m = mm.astype(np.float64)
            s = 1.0 / np.sqrt(mv.astype(np.float64) + attrs.eps)
        xhat = (xf - m.reshape(bshape)) * s.reshape(bshape)
        dbeta = ogf.sum(axis=red)
        dgamma = (ogf * xhat).sum(axis=red)
        scale = (g * s).reshape(bshape)
        if self._training(attrs, octx):
            dx = scale * (ogf - ogf.mean(axis=red, keepdims=True)
                          - xhat * (ogf * xhat).mean(axis=red, keepdims=True))
            self._update_aux(attrs, mean, invstd, mm, mv)
        else:
            dx = scale * ogf
        if attrs.fix_gamma:
            dgamma = np.zeros_like(dgamma)
        return [dx.astype(x.dtype), dgamma.astype(gamma.dtype), dbeta.astype(gamma.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x, gamma, mean, invstd, mm, mv = inputs
        dx, dgamma, dbeta = outputs
        axis = normalize_axis(attrs.axis, x.ndim)
        shape3 = _view3(x.shape, axis)
        xc = _compute(x).reshape(shape3)
        ogc = np.ascontiguousarray(og, xc.dtype).reshape(shape3)
        training = self._training(attrs, octx)
        if training:
            m, s = mean.astype(np.float64), invstd.astype(np.float64)
        else:
            m = mm.astype(np.float64)
            s = 1.0 / np.sqrt(mv.astype(np.float64) + attrs.eps)
        g = np.ones(len(m)) if attrs.fix_gamma else gamma.astype(np.float64)
        sum_og, sum_og_xmu = K.bwd_sums(ogc, xc, m)
        k1 = g * s
        if training:
            count = max(shape3[0] * shape3[2], 1)
            k2 = -g * s ** 3 * sum_og_xmu / count
            k3 = -k1 * sum_og / count
        else:
            k2 = np.zeros(len(m))
            k3 = np.zeros(len(m))
        work = _work(dx, xc)
        K.bwd_apply(ogc, xc, m, k1, k2, k3, work.reshape(shape3))
        if work is not dx:
            dx[...] = work
        dgamma[...] = 0 if attrs.fix_gamma else sum_og_xmu * s
        dbeta[...] = sum_og
        if training:
            self._update_aux(attrs, mean, invstd, mm, mv)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- LayerNorm ------------------------------------------------------------------------

def _ln_shapes(attrs, data):
    axis = normalize_axis(attrs.axis, len(data))
    stat = list(data)
    stat[axis] = 1
    return axis, (data[axis],), tuple(stat)


def _to_rows(a, axis):
    """a with `axis` moved last, as a C-contiguous (rows, n) array."""
    moved = np.moveaxis(a, axis, -1) if axis != a.ndim - 1 else a
    return np.ascontiguousarray(moved).reshape(-1, a.shape[axis])


def _from_rows(rows, like_shape, axis, out):
    moved = list(like_shape)
    n = moved.pop(axis)
    moved.append(n)
    arr = rows.reshape(moved)
    out[...] = np.moveaxis(arr, -1, axis) if axis != len(like_shape) - 1 else arr


@register
class LayerNorm(Op):
    """Layer normalization along `axis` with per-element gamma/beta of length data.shape[axis]."""

    name = "LayerNorm"
    arguments = ("data", "gamma", "beta")
    outputs = ("output", "mean", "std")
    attrs = dict(axis=Attr("int", -1), eps=Attr("float", 1e-5), output_mean_var=Attr("bool", False))

    def num_visible_outputs(self, attrs):
        return 3 if attrs.output_mean_var else 1

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        axis, want, stat = _ln_shapes(attrs, data)
        for name, s in zip(("gamma", "beta"), in_shapes[1:]):
            _check_param(name, s, want, data, attrs.axis)
        return [tuple(data), want, want], [tuple(data), stat, stat]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return Op.infer_type(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        x, gamma, beta = inputs
        axis = normalize_axis(attrs.axis, x.ndim)
        bshape = [1] * x.ndim
        bshape[axis] = x.shape[axis]
        xf = x.astype(np.float64)
        mean = xf.mean(axis=axis, keepdims=True)
        std = np.sqrt(xf.var(axis=axis, keepdims=True) + attrs.eps)
        out = ((xf - mean) / std * gamma.astype(np.float64).reshape(bshape)
               + beta.astype(np.float64).reshape(bshape))
        return [out.astype(x.dtype), mean.astype(x.dtype), std.astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, gamma, beta = inputs
        out, mean_out, std_out = outputs
        axis = normalize_axis(attrs.axis, x.ndim)
        x2 = _to_rows(_compute(x), axis)
        mean, var = K.stats(x2.reshape(1, x2.shape[0], x2.shape[1]))
        std = np.sqrt(var + attrs.eps)
        y2 = np.empty(x2.shape, x2.dtype)
        K.ln_apply(x2, mean, 1.0 / std, gamma.astype(np.float64), beta.astype(np.float64), y2)
        _from_rows(y2, x.shape, axis, out)
        mean_out[...] = mean.reshape(mean_out.shape)
        std_out[...] = std.reshape(std_out.shape)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        dx, dg, db = F._backward_LayerNorm(out_grads[0], inputs[0], inputs[1], outputs[1],
                                           outputs[2], axis=attrs.axis, eps=attrs.eps)
        return [dx, dg, db]


@register
class BackwardLayerNorm(Op):
    """LayerNorm's gradients from (ograd, data, gamma, mean, std)."""

    name = "_backward_LayerNorm"
    arguments = ("ograd", "data", "gamma", "mean", "std")
    outputs = ("data_grad", "gamma_grad", "beta_grad")
    attrs = dict(axis=Attr("int", -1), eps=Attr("float", 1e-5), output_mean_var=Attr("bool", False))
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[1] if in_shapes[1] is not None else in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        axis, want, stat = _ln_shapes(attrs, data)
        wants = [tuple(data), tuple(data), want, stat, stat]
        return match_shapes(self.arguments, in_shapes, data, wants), [tuple(data), want, want]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    def reference(self, attrs, inputs, octx):
        og, x, gamma, mean, std = (a.astype(np.float64) for a in inputs)
        axis = normalize_axis(attrs.axis, x.ndim)
        red = tuple(i for i in range(x.ndim) if i != axis)
        bshape = [1] * x.ndim
        bshape[axis] = x.shape[axis]
        xhat = (x - mean) / std
        dxhat = og * gamma.reshape(bshape)
        dx = (dxhat - dxhat.mean(axis=axis, keepdims=True)
              - xhat * (dxhat * xhat).mean(axis=axis, keepdims=True)) / std
        dt = inputs[1].dtype
        return [dx.astype(dt), (og * xhat).sum(axis=red).astype(dt), og.sum(axis=red).astype(dt)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x, gamma, mean, std = inputs
        dx, dgamma, dbeta = outputs
        axis = normalize_axis(attrs.axis, x.ndim)
        x2 = _to_rows(_compute(x), axis)
        og2 = np.ascontiguousarray(_to_rows(og, axis), x2.dtype)
        rstd = 1.0 / std.astype(np.float64).reshape(-1)
        dx2 = np.empty(x2.shape, x2.dtype)
        dg, db = K.ln_backward(og2, x2, mean.astype(np.float64).reshape(-1), rstd,
                               gamma.astype(np.float64), dx2)
        _from_rows(dx2, x.shape, axis, dx)
        dgamma[...] = dg
        dbeta[...] = db

    @property
    def kernels(self):
        return {"cpu": self._cpu}


# --- InstanceNorm -----------------------------------------------------------------------

def _in_check(data):
    if len(data) < 3:
        fail("InstanceNorm only supports input tensors of rank >= 3, got shape %s", tuple(data))


@register
class InstanceNorm(Op):
    """Normalize each (instance, channel) over its spatial positions; gamma/beta per channel."""

    name = "InstanceNorm"
    arguments = ("data", "gamma", "beta")
    outputs = ("output", "mean", "var")
    num_visible = 1
    attrs = dict(eps=Attr("float", 1e-3))

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        _in_check(data)
        want = (data[1],)
        for name, s in zip(("gamma", "beta"), in_shapes[1:]):
            _check_param(name, s, want, data, 1)
        stat = (data[0], data[1])
        return [tuple(data), want, want], [tuple(data), stat, stat]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        return Op.infer_type(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        x, gamma, beta = inputs
        xf = x.astype(np.float64)
        red = tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean = xf.mean(axis=red, keepdims=True)
        var = xf.var(axis=red, keepdims=True)
        out = ((xf - mean) / np.sqrt(var + attrs.eps) * gamma.astype(np.float64).reshape(bshape)
               + beta.astype(np.float64).reshape(bshape))
        stat = x.shape[:2]
        return [out.astype(x.dtype), mean.reshape(stat).astype(x.dtype),
                var.reshape(stat).astype(x.dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, gamma, beta = inputs
        out, mean_out, var_out = outputs
        n, c = x.shape[:2]
        shape3 = (1, n * c, int(np.prod(x.shape[2:], dtype=np.int64)))
        xc = _compute(x).reshape(shape3)
        mean, var = K.stats(xc)
        a = np.tile(gamma.astype(np.float64), n) / np.sqrt(var + attrs.eps)
        work = _work(out, xc)
        K.affine(xc, mean, a, np.tile(beta.astype(np.float64), n), work.reshape(shape3))
        if work is not out:
            out[...] = work
        mean_out[...] = mean.reshape(n, c)
        var_out[...] = var.reshape(n, c)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        dx, dg, db = F._backward_InstanceNorm(out_grads[0], inputs[0], inputs[1], outputs[1],
                                              outputs[2], eps=attrs.eps)
        return [dx, dg, db]


@register
class BackwardInstanceNorm(Op):
    """InstanceNorm's gradients from (ograd, data, gamma, mean, var)."""

    name = "_backward_InstanceNorm"
    arguments = ("ograd", "data", "gamma", "mean", "var")
    outputs = ("data_grad", "gamma_grad", "beta_grad")
    attrs = dict(eps=Attr("float", 1e-3))
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        data = in_shapes[1] if in_shapes[1] is not None else in_shapes[0]
        if data is None:
            return list(in_shapes), [None, None, None]
        _in_check(data)
        want = (data[1],)
        stat = (data[0], data[1])
        wants = [tuple(data), tuple(data), want, stat, stat]
        return match_shapes(self.arguments, in_shapes, data, wants), [tuple(data), want, want]

    def infer_type(self, attrs, in_types):
        return float_types(self, attrs, in_types, self.arguments)

    def reference(self, attrs, inputs, octx):
        og, x, gamma, mean, var = (a.astype(np.float64) for a in inputs)
        red = tuple(range(2, x.ndim))
        stat = x.shape[:2] + (1,) * (x.ndim - 2)
        s = 1.0 / np.sqrt(var.reshape(stat) + attrs.eps)
        xhat = (x - mean.reshape(stat)) * s
        g = gamma.reshape((1, -1) + (1,) * (x.ndim - 2))
        dx = g * s * (og - og.mean(axis=red, keepdims=True)
                      - xhat * (og * xhat).mean(axis=red, keepdims=True))
        dt = inputs[1].dtype
        nred = (0,) + red
        return [dx.astype(dt), (og * xhat).sum(axis=nred).astype(dt), og.sum(axis=nred).astype(dt)]

    def _cpu(self, attrs, inputs, outputs, octx):
        og, x, gamma, mean, var = inputs
        dx, dgamma, dbeta = outputs
        n, c = x.shape[:2]
        shape3 = (1, n * c, int(np.prod(x.shape[2:], dtype=np.int64)))
        xc = _compute(x).reshape(shape3)
        ogc = np.ascontiguousarray(og, xc.dtype).reshape(shape3)
        m = mean.astype(np.float64).reshape(-1)
        s = 1.0 / np.sqrt(var.astype(np.float64).reshape(-1) + attrs.eps)
        g = np.tile(gamma.astype(np.float64), n)
        sum_og, sum_og_xmu = K.bwd_sums(ogc, xc, m)
        count = max(shape3[2], 1)
        k1 = g * s
        work = _work(dx, xc)
        K.bwd_apply(ogc, xc, m, k1, -g * s ** 3 * sum_og_xmu / count, -k1 * sum_og / count,
                    work.reshape(shape3))
        if work is not dx:
            dx[...] = work
        dgamma[...] = (sum_og_xmu * s).reshape(n, c).sum(axis=0)
        dbeta[...] = sum_og.reshape(n, c).sum(axis=0)

    @property
    def kernels(self):
        return {"cpu": self._cpu}
