"""Adaptive optimizers: Adam, AdaGrad, RMSProp, AdaDelta, Ftrl, Adamax, Nadam, FTML.

MXNet 1.9.1's formulas.  Adam, RMSProp, Ftrl and FTML run the registered update ops with
out=weight (Adam folds the bias correction into lr: lr * sqrt(1 - beta2^t) / (1 - beta1^t)
with t the index's own update count).  AdaGrad, AdaDelta, Adamax and Nadam are chains of
NDArray operations in MXNet; here each is one fused update (kernels/codegen/optimizer.py) with
the same operation order, and the NDArray chain is kept for other contexts.  As in MXNet,
the states of AdaGrad, RMSProp, AdaDelta and Ftrl are created float32 (the default dtype)
whatever the weight dtype; AdaDelta leaves the rescaled gradient in `grad`.
"""
import math

from .. import ndarray as nd
from ..ndarray import zeros, clip, sqrt, square, maximum
from . import fused
from .optimizer import Optimizer, register, check_arrays
from kernels.codegen import optimizer as F

__all__ = ["Adam", "AdaGrad", "RMSProp", "AdaDelta", "Ftrl", "Adamax", "Nadam", "FTML"]


@register
class Adam(Optimizer):
    """Adam (Kingma & Ba): g = clip(rescale*grad + wd*w); m = b1*m + (1-b1)*g;
    v = b2*v + (1-b2)*g^2; w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context, dtype=weight.dtype),   # mean
                zeros(weight.shape, weight.context, dtype=weight.dtype))   # variance

    def update(self, index, weight, grad, state):
        check_arrays("Adam", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        coef1 = 1. - self.beta1 ** t
        coef2 = 1. - self.beta2 ** t
        lr *= math.sqrt(coef2) / coef1
        kwargs = {'beta1': self.beta1, 'beta2': self.beta2, 'epsilon': self.epsilon,
                  'rescale_grad': self.rescale_grad}
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        mean, var = state
        fused.op_update('adam_update', weight, grad, [mean, var],
                        lazy_update=self.lazy_update, lr=lr, wd=wd, **kwargs)


@register
class AdaGrad(Optimizer):
    """AdaGrad: g = clip(rescale*grad); history += g^2;
    w += (g / sqrt(history + eps) + w*wd) * -lr.  `eps` (default 1e-7) is
    float_stable_eps."""

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        return zeros(weight.shape, weight.context)  # history (float32, as in MXNet)

    def update(self, index, weight, grad, state):
        check_arrays("AdaGrad", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        history = state
        c = self.clip_gradient
        if fused.use_fused(weight):
            fused.run("AdaGrad", F.ADAGRAD, weight, grad, [("history", history)],
                      lambda ct, half: (ct(self.rescale_grad), ct(c or 0.0), c is not None,
                                        ct(self.float_stable_eps), ct(wd), ct(-lr)))
            return
        grad = grad * self.rescale_grad
        if c is not None:
            grad = clip(grad, -c, c)
        history[:] = history + square(grad)
        div = grad / sqrt(history + self.float_stable_eps)
        weight[:] = weight + (div + weight * wd) * -lr


@register
class RMSProp(Optimizer):
    """RMSProp: Tieleman & Hinton (rmsprop_update) or, with centered=True, Graves
    (rmspropalex_update, gamma2 is its momentum); clip_weights clips the new weights."""

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9,
                 epsilon=1e-8, centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        if self.centered:
            return (zeros(weight.shape, weight.context),   # n
                    zeros(weight.shape, weight.context),   # g
                    zeros(weight.shape, weight.context))   # delta
        return (zeros(weight.shape, weight.context),)      # n

    def update(self, index, weight, grad, state):
        check_arrays("RMSProp", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {'gamma1': self.gamma1, 'epsilon': self.epsilon,
                  'rescale_grad': self.rescale_grad}
        if self.centered:
            kwargs['gamma2'] = self.gamma2
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        if self.clip_weights:
            kwargs['clip_weights'] = self.clip_weights
        if not self.centered:
            (n,) = state
            fused.op_update('rmsprop_update', weight, grad, [n], lr=lr, wd=wd, **kwargs)
        else:
            n, g, delta = state
            fused.op_update('rmspropalex_update', weight, grad, [n, g, delta], lr=lr, wd=wd,
                            **kwargs)


@register
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): g = clip(rescale*grad); acc_g = rho*acc_g + (1-rho)*g^2;
    delta = sqrt(acc_delta + eps) / sqrt(acc_g + eps) * g;
    acc_delta = rho*acc_delta + (1-rho)*delta^2; w -= delta + wd*w (no learning rate)."""

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context),   # accumulated g
                zeros(weight.shape, weight.context))   # accumulated delta

    def update(self, index, weight, grad, state):
        check_arrays("AdaDelta", weight, grad)
        wd = self._get_wd(index)
        self._update_count(index)
        acc_g, acc_delta = state
        c = self.clip_gradient
        if fused.use_fused(weight):
            fused.run("AdaDelta", F.ADADELTA, weight, grad,
                      [("acc_g", acc_g), ("acc_delta", acc_delta)],
                      lambda ct, half: (ct(self.rescale_grad), ct(c or 0.0), c is not None,
                                        ct(self.rho), ct(1. - self.rho), ct(self.epsilon),
                                        ct(wd)), write_grad=True)
            return
        grad *= self.rescale_grad
        if c is not None:
            grad = clip(grad, -c, c)
        acc_g[:] = acc_g * self.rho + (1. - self.rho) * grad * grad
        current_delta = sqrt(acc_delta + self.epsilon) / sqrt(acc_g + self.epsilon) * grad
        acc_delta[:] = acc_delta * self.rho + (1. - self.rho) * current_delta * current_delta
        weight[:] = weight - (current_delta + wd * weight)


@register
class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al. 2013) through ftrl_update: lamda1 is the L1
    coefficient, beta the per-coordinate learning-rate parameter (learning_rate 0.1)."""

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context),   # z
                zeros(weight.shape, weight.context))   # n

    def update(self, index, weight, grad, state):
        check_arrays("Ftrl", weight, grad)
        self._update_count(index)
        wd = self._get_wd(index)
        lr = self._get_lr(index)
        kwargs = {'lamda1': self.lamda1, 'beta': self.beta, 'rescale_grad': self.rescale_grad}
        if self.clip_gradient:
            kwargs['clip_gradient'] = self.clip_gradient
        z, n = state
        fused.op_update('ftrl_update', weight, grad, [z, n], lr=lr, wd=wd, **kwargs)


@register
class Adamax(Optimizer):
    """AdaMax (Kingma & Ba, sec. 7): g = clip(rescale*grad + wd*w); m = b1*m + (1-b1)*g;
    u = max(b2*u, |g|); w -= lr / (1 - b1^t) * m / u."""

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context, dtype=weight.dtype),   # mean
                zeros(weight.shape, weight.context, dtype=weight.dtype))   # variance

    def update(self, index, weight, grad, state):
        check_arrays("Adamax", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        lr /= (1. - self.beta1 ** t)
        m_t, u_t = state
        c = self.clip_gradient
        if fused.use_fused(weight):
            fused.run("Adamax", F.ADAMAX, weight, grad, [("mean", m_t), ("variance", u_t)],
                      lambda ct, half: (ct(self.rescale_grad), ct(wd), ct(c or 0.0),
                                        c is not None, ct(self.beta1), ct(1. - self.beta1),
                                        ct(self.beta2), ct(lr)))
            return
        grad = grad * self.rescale_grad + wd * weight
        if c is not None:
            grad = clip(grad, -c, c)
        m_t[:] = m_t * self.beta1 + (1. - self.beta1) * grad
        u_t[:] = maximum(self.beta2 * u_t, nd.abs(grad))
        weight[:] = weight - lr * m_t / u_t


@register
class Nadam(Optimizer):
    """Nesterov Adam (Dozat 2016) with MXNet's momentum schedule
    momentum_t = beta1 * (1 - 0.5 * 0.96^(t * schedule_decay))."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context, dtype=weight.dtype),   # mean
                zeros(weight.shape, weight.context, dtype=weight.dtype))   # variance

    def update(self, index, weight, grad, state):
        check_arrays("Nadam", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        momentum_t = self.beta1 * (1. - 0.5 * (pow(0.96, t * self.schedule_decay)))
        momentum_t_1 = self.beta1 * (1. - 0.5 * (pow(0.96, (t + 1) * self.schedule_decay)))
        self.m_schedule = self.m_schedule * momentum_t
        m_schedule_next = self.m_schedule * momentum_t_1
        m_t, v_t = state
        c = self.clip_gradient
        gp_div, mp_div = 1. - self.m_schedule, 1. - m_schedule_next
        vp_div = 1. - pow(self.beta2, t)
        if fused.use_fused(weight):
            fused.run("Nadam", F.NADAM, weight, grad, [("mean", m_t), ("variance", v_t)],
                      lambda ct, half: (ct(self.rescale_grad), ct(wd), ct(c or 0.0),
                                        c is not None, ct(self.beta1), ct(1. - self.beta1),
                                        ct(self.beta2), ct(1. - self.beta2), ct(gp_div),
                                        ct(mp_div), ct(vp_div), ct(1. - momentum_t),
                                        ct(momentum_t_1), ct(lr), ct(self.epsilon)))
            return
        grad = grad * self.rescale_grad + wd * weight
        if c is not None:
            grad = clip(grad, -c, c)
        m_t[:] = m_t * self.beta1 + (1. - self.beta1) * grad
        v_t[:] = v_t * self.beta2 + (1. - self.beta2) * grad * grad
        grad_prime = grad / gp_div
        m_t_prime = m_t / mp_div
        v_t_prime = v_t / vp_div
        m_t_bar = (1. - momentum_t) * grad_prime + momentum_t_1 * m_t_prime
        weight[:] = weight - lr * m_t_bar / (sqrt(v_t_prime) + self.epsilon)


@register
class FTML(Optimizer):
    """FTML (Zheng & Kwok 2017) through ftml_update with t = the index's update count."""

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (zeros(weight.shape, weight.context, dtype=weight.dtype),   # d_0
                zeros(weight.shape, weight.context, dtype=weight.dtype),   # v_0
                zeros(weight.shape, weight.context, dtype=weight.dtype))   # z_0

    def update(self, index, weight, grad, state):
        check_arrays("FTML", weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        kwargs = {'beta1': self.beta1, 'beta2': self.beta2, 'epsilon': self.epsilon,
                  'rescale_grad': self.rescale_grad, 't': t}
        if self.clip_gradient:
            kwargs['clip_grad'] = self.clip_gradient
        prev_d, prev_v, prev_z = state
        fused.op_update('ftml_update', weight, grad, [prev_d, prev_v, prev_z], lr=lr, wd=wd,
                        **kwargs)
