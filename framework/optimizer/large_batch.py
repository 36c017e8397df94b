"""Layer-wise adaptive optimizers for large batches: LARS and LAMB (MXNet 1.9.1).

Both run MXNet's aggregated formulation for dense arrays (the path its Updater takes):
- LARS: for weights whose name does not end in gamma/beta/bias, the learning rate becomes
  lr * eta * |w| / (|g| * rescale_grad + wd * |w| + eps) when both norms are > 0
  (multi_lars, in float32); then SGD (multi_sgd[_mom] formula) with momentum scaled by
  cur_lr / last_lr when momentum_correction.
- LAMB (multi_lamb_update): g = m_hat / (sqrt(v_hat) + epsilon) + wd * w with Adam's
  moments of clip(rescale_grad * grad); r1 = |w| clamped to [lower_bound, upper_bound],
  r2 = |g|; w -= lr * (r1 / r2 if both > 0 else 1) * g.
Each pass is a fused update (kernels/codegen/optimizer.py); the norms are float64 sums.
"""
import math
import os

import numpy

from ..ndarray import zeros
from . import fused
from .fused import cfloat
from .optimizer import Optimizer, register, check_arrays
from .sgd import SGD, _as_lists
from kernels.codegen import optimizer as F
from kernels.cpu import optimizer as K

__all__ = ["LARS", "LAMB"]

_F16 = numpy.dtype(numpy.float16)


def _no_lars(name):
    return name.endswith('gamma') or name.endswith('beta') or name.endswith('bias')


def _work(a):
    """A float32 copy of a float16 buffer, the buffer itself otherwise (flat)."""
    flat = a._data.reshape(-1)
    return flat.astype(numpy.float32) if flat.dtype == _F16 else flat


@register
class LARS(SGD):
    """LARS (You et al. 2017): SGD with a layer-wise trust ratio (see the module doc);
    eta is the LARS coefficient, eps its epsilon."""

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        Optimizer.__init__(self, **kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = int(os.getenv('MXNET_OPTIMIZER_AGGREGATION_SIZE', "4"))
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices):
        if self.cur_lr is not None:
            self.last_lr = self.cur_lr
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        if self.cur_lr is None:
            self.last_lr = lr
        self.cur_lr = lr
        lrs = [lr for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                lrs[i] *= self.param_dict[index].lr_mult
            elif index in self.lr_mult:
                lrs[i] *= self.lr_mult[index]
            elif index in self.idx2name:
                lrs[i] *= self.lr_mult.get(self.idx2name[index], 1.0)
        return lrs

    def set_wd_mult(self, args_wd_mult):
        """Like Optimizer.set_wd_mult, but only names ending in '_weight' keep wd."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not n.endswith('_weight'):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and '__wd_mult__' in attr[name]:
                    self.wd_mult[name] = float(attr[name]['__wd_mult__'])
        self.wd_mult.update(args_wd_mult)

    def _l2norm(self, v, rescale=False):
        """L2 norm of v (times rescale_grad when rescale), a Python float."""
        norm = math.sqrt(K.sum_sq(v._data.reshape(-1)))
        return norm * self.rescale_grad if rescale else norm

    def _get_lars(self, i, weight, g, lr, wd):
        """The layer-wise learning rate of index i (MXNet's non-aggregated formula)."""
        name = self.idx2name[i] if i in self.idx2name else str(i)
        if _no_lars(name):
            return lr
        w_norm = self._l2norm(weight)
        g_norm = self._l2norm(g, rescale=True)
        lars = self.eta * w_norm / (g_norm + wd * w_norm + self.eps) \
            if w_norm > 0.0 and g_norm > 0.0 else 1.0
        return lars * lr

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for weight, grad in zip(weights, grads):
            check_arrays("LARS", weight, grad)
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        momentum = 0.0
        if self.momentum > 0:
            momentum = (self.momentum * (self.cur_lr / self.last_lr)
                        if (self.momentum_correction and self.last_lr != 0) else self.momentum)
        clip = self.clip_gradient if self.clip_gradient else -1.0
        f32 = numpy.float32
        for i, index in enumerate(indices):
            lr, wd = f32(lrs[i]), f32(wds[i])
            name = self.idx2name[index] if index in self.idx2name else str(index)
            if not _no_lars(name):                               # multi_lars, in float32
                w_norm = f32(math.sqrt(f32(K.sum_sq(_work(weights[i])))))
                g_sq = f32(K.sum_sq(_work(grads[i])))
                if w_norm > 0. and g_sq > 0.:
                    g_norm = f32(math.sqrt(g_sq))
                    lr = lr * f32(self.eta) * w_norm / (g_norm * f32(self.rescale_grad)
                                                         + wd * w_norm + f32(self.eps))
            lrs[i], wds[i] = float(lr), float(wd)
        for weight, grad, state, lr, wd in zip(weights, grads, states, lrs, wds):
            if fused.use_fused(weight):
                self._fused_step(weight, grad, state, lr, wd, momentum, clip, multi_precision)
            else:
                self._op_step(weight, grad, state, lr, wd, multi_precision)


@register
class LAMB(Optimizer):
    """LAMB (You et al. 2019), MXNet's multi_lamb_update (see the module doc)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = max(1, min(45, int(os.getenv('MXNET_OPTIMIZER_AGGREGATION_SIZE',
                                                          "45"))))

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context, dtype=weight.dtype),
                zeros(weight.shape, weight.context, dtype=weight.dtype))

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        indices, weights, grads, states = _as_lists(index, weight, grad, state)
        steps, lrs, wds = [], [], []
        for i, w, g in zip(indices, weights, grads):
            check_arrays("LAMB", w, g)
            self._update_count(i)
            steps.append(self._index_update_count[i])
            lrs.append(self._get_lr(i))
            wds.append(self._get_wd(i))
        for w, g, st, t, lr, wd in zip(weights, grads, states, steps, lrs, wds):
            self._step(w, g, st, t, lr, wd, multi_precision)

    def _step(self, weight, grad, state, t, lr, wd, multi_precision):
        f32 = numpy.float32
        if multi_precision:
            weight32, (mean, var) = state
            fused.check("LAMB", weight, grad, [("mean", mean), ("var", var),
                                               ("weight32", weight32)],
                        [None, f32, f32, f32])
            w = weight32._data.reshape(-1)
            ct, half = f32, False
        else:
            mean, var = state
            fused.check("LAMB", weight, grad, [("mean", mean), ("var", var)])
            w = _work(weight)
            half = weight._data.dtype == _F16
            ct = f32 if half else weight._data.dtype.type
        g = grad._data.reshape(-1).astype(ct) if grad._data.dtype != ct else grad._data.reshape(-1)
        m, v = _work(mean), _work(var)
        c = lambda x: cfloat(ct, half, x)                              # noqa: E731
        b1, b2 = c(self.beta1), c(self.beta2)
        one, tt = ct(1), ct(t)
        clip = c(self.clip_gradient) if self.clip_gradient else ct(-1)
        gtemp = numpy.empty(w.size, ct)
        K.run(F.LAMB_PHASE1, [gtemp, w, g, m, v],
              (b1, b2, one - b1, one - b2, c(self.epsilon), c(self.rescale_grad), clip,
               bool(self.bias_correction), one - b1 ** tt, one - b2 ** tt, c(wd)))
        r1 = f32(math.sqrt(f32(K.sum_sq(w))))
        r2 = f32(math.sqrt(f32(K.sum_sq(gtemp))))
        if self.lower_bound:
            r1 = max(r1, f32(self.lower_bound))
        if self.upper_bound:
            r1 = min(r1, f32(self.upper_bound))
        r = ct(1) if (r1 == 0 or r2 == 0) else ct(r1 / r2)
        K.run(F.AXPY, [w, gtemp], (c(lr) * r,))
        if half and not multi_precision:
            mean._data.reshape(-1)[...] = m
            var._data.reshape(-1)[...] = v
        if multi_precision or half:
            weight._data.reshape(-1)[...] = w

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        w0 = weight[0] if isinstance(index, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and w0.dtype == numpy.float16)
