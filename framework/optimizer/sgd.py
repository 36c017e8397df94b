"""SGD-type optimizers: SGD (and the deprecated ccSGD), NAG, Signum, DCASGD, SGLD.

Formulas are MXNet 1.9.1's (python/mxnet/optimizer/optimizer.py + optimizer_op-inl.h):
- SGD always takes MXNet's aggregated path for dense arrays (multi_sgd_update /
  multi_sgd_mom_update / multi_mp_*): mom = momentum*mom - lr*wd*w - lr*clip(rescale*g);
  w += mom (mom = 0 without momentum), one fused kernel per weight.
- NAG and Signum run the registered ops nag_mom_update / sgd_update / signum_update /
  signsgd_update with out=weight, as MXNet does.
- clip_gradient is passed to the ops only when truthy (None and 0 mean no clipping);
  momentum only when > 0; Signum's wd_lh only when truthy.
"""
import math

import numpy

from .. import ndarray as nd
from ..ndarray import zeros
from ..random import normal
from . import fused
from .fused import cfloat
from .optimizer import Optimizer, register, check_arrays
from kernels.codegen import optimizer as F
from kernels.cpu.optimizer import run as run_update

__all__ = ["SGD", "ccSGD", "NAG", "Signum", "DCASGD", "SGLD"]


def _as_lists(indices, weights, grads, states):
    if not isinstance(indices, (tuple, list)):
        return [indices], [weights], [grads], [states]
    return list(indices), list(weights), list(grads), list(states)


def _fp16_warning(multi_precision, weight, name):
    if weight.dtype == numpy.float16 and not multi_precision:
        import warnings
        warnings.warn("Accumulating with float16 in optimizer can lead to "
                      "poor accuracy or slow convergence. "
                      "Consider using multi_precision=True option of the "
                      "%s optimizer" % name)


@register
class SGD(Optimizer):
    """SGD with momentum and weight decay:
    state = momentum * state - lr * (rescale_grad * clip(grad) + wd * weight); weight += state.
    lazy_update only matters for row_sparse gradients (not supported here: dense only)."""

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        import os
        self.aggregate_num = int(os.getenv('MXNET_OPTIMIZER_AGGREGATION_SIZE', "4"))

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            return (self.create_state(index, weight_master_copy), weight_master_copy)
        _fp16_warning(self.multi_precision, weight, "SGD")
        return self.create_state(index, weight)

    def create_state(self, index, weight):
        momentum = None
        if self.momentum != 0.0:
            momentum = zeros(weight.shape, weight.context, dtype=weight.dtype)
        return momentum

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for weight, grad in zip(weights, grads):
            check_arrays(type(self).__name__, weight, grad)
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        momentum = self.momentum if self.momentum > 0 else 0.0
        clip = self.clip_gradient if self.clip_gradient else -1.0
        for weight, grad, state, lr, wd in zip(weights, grads, states, lrs, wds):
            if fused.use_fused(weight):
                self._fused_step(weight, grad, state, lr, wd, momentum, clip, multi_precision)
            else:
                self._op_step(weight, grad, state, lr, wd, multi_precision)

    def _fused_step(self, weight, grad, state, lr, wd, momentum, clip, multi_precision):
        rescale = self.rescale_grad
        who = type(self).__name__

        def args(ct, half):
            lr_, wd_, r_, c_, m_ = (cfloat(ct, half, v) for v in (lr, wd, rescale, clip, momentum))
            return (m_, lr_ * wd_, lr_, r_, lr_ * r_, c_, ct(0))

        if not multi_precision:
            mom = state
            fused.run(who, F.SGD_MOM if mom is not None else F.SGD_NO_MOM, weight, grad,
                      [("momentum", mom)], args)
            return
        mom, weight32 = state
        fused.check(who, weight, grad, [("momentum", mom), ("weight32", weight32)],
                    [None, numpy.float32, numpy.float32])
        w32 = weight32._data.reshape(-1)
        g32 = grad._data.reshape(-1).astype(numpy.float32)
        if mom is None:
            run_update(F.SGD_NO_MOM, [w32, g32], args(numpy.float32, False))
        else:
            run_update(F.SGD_MOM, [w32, g32, mom._data.reshape(-1)], args(numpy.float32, False))
        weight._data.reshape(-1)[...] = w32

    def _op_step(self, weight, grad, state, lr, wd, multi_precision):
        kwargs = {'rescale_grad': self.rescale_grad}
        if self.momentum > 0:
            kwargs['momentum'] = self.momentum
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        if not multi_precision:
            if state is not None:
                nd.sgd_mom_update(weight, grad, state, out=weight, lazy_update=self.lazy_update,
                                  lr=lr, wd=wd, **kwargs)
            else:
                nd.sgd_update(weight, grad, out=weight, lazy_update=self.lazy_update,
                              lr=lr, wd=wd, **kwargs)
        elif state[0] is not None:
            nd.mp_sgd_mom_update(weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd,
                                 **kwargs)
        else:
            nd.mp_sgd_update(weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        if not isinstance(index, (tuple, list)):
            use_multi_precision = self.multi_precision and weight.dtype == numpy.float16
        else:
            use_multi_precision = self.multi_precision and weight[0].dtype == numpy.float16
        self._update_impl(index, weight, grad, state, multi_precision=use_multi_precision)


@register  # pylint: disable=invalid-name
class ccSGD(SGD):
    """[DEPRECATED] Same as `SGD`."""


@register
class Signum(Optimizer):
    """signSGD with momentum (Bernstein et al. 2018):
    state = momentum*state + (1-momentum)*(rescale_grad*clip(grad) + wd*weight);
    weight = (1 - lr*wd_lh)*weight - lr*sign(state); without momentum signsgd_update."""

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight):
        momentum = None
        if self.momentum != 0.0:
            momentum = zeros(weight.shape, weight.context, dtype=weight.dtype)
        return momentum

    def update(self, index, weight, grad, state):
        check_arrays("Signum", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {'rescale_grad': self.rescale_grad}
        if self.momentum > 0:
            kwargs['momentum'] = self.momentum
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        if self.wd_lh:
            kwargs['wd_lh'] = self.wd_lh
        if state is not None:
            fused.op_update('signum_update', weight, grad, [state], lr=lr, wd=wd, **kwargs)
        else:
            kwargs.pop('wd_lh', None)
            fused.op_update('signsgd_update', weight, grad, [], lr=lr, wd=wd, **kwargs)


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient (nag_mom_update; sgd_update without momentum)."""

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            return (self.create_state(index, weight_master_copy), weight_master_copy)
        _fp16_warning(self.multi_precision, weight, "NAG")
        return self.create_state(index, weight)

    def create_state(self, index, weight):
        momentum = None
        if self.momentum != 0.0:
            momentum = zeros(weight.shape, weight.context, dtype=weight.dtype)
        return momentum

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        check_arrays("NAG", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {'rescale_grad': self.rescale_grad}
        if self.momentum > 0:
            kwargs['momentum'] = self.momentum
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        if not multi_precision:
            if state is not None:
                fused.op_update('nag_mom_update', weight, grad, [state], lr=lr, wd=wd, **kwargs)
            else:
                fused.op_update('sgd_update', weight, grad, [], lr=lr, wd=wd, **kwargs)
        elif state[0] is not None:
            fused.op_update('mp_nag_mom_update', weight, grad, [state[0], state[1]], lr=lr, wd=wd,
                            **kwargs)
        else:
            fused.op_update('mp_sgd_update', weight, grad, [state[1]], lr=lr, wd=wd, **kwargs)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        use_multi_precision = (self.multi_precision and weight.dtype == numpy.float16
                               and isinstance(state, (tuple, list)))
        self._update_impl(index, weight, grad, state, multi_precision=use_multi_precision)


@register
class DCASGD(Optimizer):
    """Delay-compensated asynchronous SGD (Zheng et al. 2016):
    step = -lr*(g + wd*w + lamda*g*g*(w - w_prev)) with g = clip(rescale*grad);
    with momentum: mom = momentum*mom + step, step = mom; w_prev = w; w += step.
    (MXNet 1.9.1 crashes with momentum > 0 by testing an NDArray's truth value; the
    momentum formula above is the one its code intends.)"""

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return (None, weight.copy())                     # previous weight
        return (zeros(weight.shape, weight.context, dtype=weight.dtype), weight.copy())

    def update(self, index, weight, grad, state):
        check_arrays("DCASGD", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        mom, previous_weight = state
        clip = self.clip_gradient
        if fused.use_fused(weight):
            fused.run("DCASGD", F.DCASGD if mom is not None else F.DCASGD_NO_MOM, weight, grad,
                      [("momentum", mom), ("previous_weight", previous_weight)],
                      lambda ct, half: (ct(self.momentum),
                                        ct(self.rescale_grad), ct(clip or 0.0),
                                        clip is not None, ct(-lr), ct(wd), ct(self.lamda)))
            return
        grad = grad * self.rescale_grad
        if clip is not None:
            grad = nd.clip(grad, -clip, clip)
        step = -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous_weight))
        if mom is not None:
            mom[:] = mom * self.momentum + step
            step = mom
        previous_weight[:] = weight
        weight[:] = weight + step


@register
class SGLD(Optimizer):
    """Stochastic gradient Langevin dynamics: w += -lr/2 * (clip(rescale*g) + wd*w) +
    N(0, sqrt(lr)) noise drawn from the framework's generator (mx.random.seed)."""

    def create_state(self, index, weight):
        return None

    def update(self, index, weight, grad, state):
        check_arrays("SGLD", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        weight[:] = weight + (-lr / 2) * (grad + wd * weight)
        noise = normal(0, math.sqrt(lr), shape=weight.shape, dtype=weight._data.dtype.name,
                       ctx=weight.context)
        weight[:] = weight + noise
