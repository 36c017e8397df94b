"""CUDA optimizer updates beyond sgd/sgd_mom/adam: nag_mom_update, rmsprop_update,
rmspropalex_update, ftrl_update, ftml_update, signsgd_update, signum_update and the
multi-precision mp_sgd_update, mp_sgd_mom_update, mp_nag_mom_update.

Same formulas, operation order and scalar conversions as kernels/cpu/optimizer.py (the op
declarations in compiler/ops/optimizer.py document them).  As on the CPU, the output first
receives the weight (a device copy, skipped when `out` is the weight buffer) and the
kernels then update it and the states IN PLACE, one thread per element (grid-stride).
mp_* ops update the float32 master weight `weight32` (the gradient is cast to float32 on
the device when needed) and write it, cast, to the output.  float32/float64 weights
(mp_*: float16 too).
"""
import numpy as np

from compiler.ops.optimizer import _Scalars
from ..codegen.scalar_cuda import math   # the simulator's: NumPy ufuncs
from .memory import copy_into
from .runtime import check_array, empty, grid_for, require, same_dtype, FLOATS

cuda = require()


@cuda.jit(device=True, inline=True)
def _clip(x, c):
    if x > c:
        return c
    if x < -c:
        return -c
    return x


@cuda.jit(device=True, inline=True)
def _sign(x, one, zero):
    if x > zero:
        return one
    if x < zero:
        return -one
    return zero


@cuda.jit(cache=True)
def sgd_kernel(w, g, decay, lr, rescale, lr_rescale, clip):
    i = cuda.grid(1)
    while i < w.size:
        if clip >= 0:
            w[i] = decay * w[i] - lr * _clip(rescale * g[i], clip)
        else:
            w[i] = decay * w[i] - lr_rescale * g[i]
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def sgd_mom_kernel(w, g, mom, momentum, lrwd, lr, rescale, lr_rescale, clip):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        m0 = momentum * mom[i]
        if clip >= 0:
            m = m0 - lrwd * wi - lr * _clip(rescale * g[i], clip)
        else:
            m = m0 - lrwd * wi - lr_rescale * g[i]
        mom[i] = m
        w[i] = wi + m
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def nag_mom_kernel(w, g, mom, aliased, momentum, mom1, lr, wd, rescale, clip):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        m = momentum * mom[i]
        if clip >= 0:
            gr = _clip(rescale * g[i], clip)
        else:
            gr = rescale * g[i]
        wn = wi - m + mom1 * (m - lr * (gr + wd * wi))
        w[i] = wn
        wm = wn if aliased else wi
        mom[i] = m - lr * (gr + wd * wm)
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def rmsprop_kernel(w, g, n, omg1, gamma1, lr, wd, rescale, eps, clip, clip_w):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = omg1 * (gr * gr) + gamma1 * n[i]
        n[i] = ni
        nw = wi - lr * (gr / math.sqrt(ni + eps))
        if clip_w >= 0:
            nw = _clip(nw, clip_w)
        w[i] = nw
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def rmspropalex_kernel(w, g, n, gs, delta, omg1, gamma1, gamma2, lr, wd, rescale, eps, clip,
                       clip_w):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = omg1 * gr * gr + gamma1 * n[i]
        gi = omg1 * gr + gamma1 * gs[i]
        di = gamma2 * delta[i] - (lr * gr / (math.sqrt(ni - gi * gi + eps)))
        n[i] = ni
        gs[i] = gi
        delta[i] = di
        if clip_w >= 0:
            w[i] = _clip(wi + di, clip_w)
        else:
            w[i] = wi + di
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def ftrl_kernel(w, g, z, n, lr, lamda1, beta, wd, rescale, clip, one, zero):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        gr = g[i] * rescale
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = n[i]
        zi = z[i] + (gr - (math.sqrt(ni + gr * gr) - math.sqrt(ni)) * wi / lr)
        ni = ni + gr * gr
        z[i] = zi
        n[i] = ni
        keep = one if abs(zi) > lamda1 else zero
        w[i] = (_sign(zi, one, zero) * lamda1 - zi) / ((beta + math.sqrt(ni)) / lr + wd) * keep
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def ftml_kernel(w, g, d, v, z, c1, c2, lr, beta1, beta2, omb1, omb2, eps, wd, rescale, clip):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        vi = beta2 * v[i] + omb2 * (gr * gr)
        d_t = c1 / lr * (math.sqrt(vi / c2) + eps)
        zi = beta1 * z[i] + omb1 * gr - (d_t - beta1 * d[i]) * wi
        v[i] = vi
        z[i] = zi
        d[i] = d_t
        w[i] = -zi / d_t
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def signsgd_kernel(w, g, decay, lr, one, zero):
    i = cuda.grid(1)
    while i < w.size:
        w[i] = decay * w[i] - lr * _sign(g[i], one, zero)
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def signum_kernel(w, g, mom, momentum, omm_wd, omm, omm_rescale, rescale, clip, decay_lh, lr,
                  one, zero):
    i = cuda.grid(1)
    while i < w.size:
        wi = w[i]
        if clip >= 0:
            m = momentum * mom[i] - omm_wd * wi - omm * _clip(rescale * g[i], clip)
        else:
            m = momentum * mom[i] - omm_wd * wi - omm_rescale * g[i]
        mom[i] = m
        w[i] = decay_lh * wi + lr * _sign(m, one, zero)
        i += cuda.gridsize(1)


# --- launches (the scalar set-up of compiler/ops/optimizer.py's launch methods) -------------

def _go(kernel, a, *scalars):
    if a[0].size:
        kernel[grid_for(a[0].size)](*a, *scalars)


def _sgd(attrs, a, s, aliased):
    lr, wd, rescale, clip = s(attrs.lr, attrs.wd, attrs.rescale_grad, attrs.clip_gradient)
    _go(sgd_kernel, a, s.ct(1) - lr * wd, lr, rescale, lr * rescale, clip)


def _sgd_mom(attrs, a, s, aliased):
    lr, wd, rescale, clip, momentum = s(attrs.lr, attrs.wd, attrs.rescale_grad,
                                        attrs.clip_gradient, attrs.momentum)
    _go(sgd_mom_kernel, a, momentum, lr * wd, lr, rescale, lr * rescale, clip)


def _nag(attrs, a, s, aliased):
    lr, wd, rescale, clip, momentum = s(attrs.lr, attrs.wd, attrs.rescale_grad,
                                        attrs.clip_gradient, attrs.momentum)
    _go(nag_mom_kernel, a, bool(aliased), momentum, momentum + s.ct(1), lr, wd, rescale, clip)


def _rmsprop(attrs, a, s, aliased):
    lr, g1, eps, wd, rescale, clip, clip_w = s(attrs.lr, attrs.gamma1, attrs.epsilon, attrs.wd,
                                               attrs.rescale_grad, attrs.clip_gradient,
                                               attrs.clip_weights)
    _go(rmsprop_kernel, a, s.ct(1) - g1, g1, lr, wd, rescale, eps, clip, clip_w)


def _rmspropalex(attrs, a, s, aliased):
    lr, g1, g2, eps, wd, rescale, clip, clip_w = s(
        attrs.lr, attrs.gamma1, attrs.gamma2, attrs.epsilon, attrs.wd, attrs.rescale_grad,
        attrs.clip_gradient, attrs.clip_weights)
    _go(rmspropalex_kernel, a, s.ct(1) - g1, g1, g2, lr, wd, rescale, eps, clip, clip_w)


def _ftrl(attrs, a, s, aliased):
    lr, lamda1, beta, wd, rescale, clip = s(attrs.lr, attrs.lamda1, attrs.beta, attrs.wd,
                                            attrs.rescale_grad, attrs.clip_gradient)
    _go(ftrl_kernel, a, lr, lamda1, beta, wd, rescale, clip, s.ct(1), s.ct(0))


def _ftml(attrs, a, s, aliased):
    lr, b1, b2, wd, rescale, clip, t = s(attrs.lr, attrs.beta1, attrs.beta2, attrs.wd,
                                         attrs.rescale_grad, attrs.clip_grad, attrs.t)
    eps = s.ct(attrs.epsilon)                       # a C++ double in MXNet
    one = s.ct(1)
    _go(ftml_kernel, a, one - b1 ** t, one - b2 ** t, lr, b1, b2, one - b1, one - b2, eps, wd,
        rescale, clip)


def _signsgd(attrs, a, s, aliased):
    lr, wd = s(attrs.lr, attrs.wd)
    _go(signsgd_kernel, a, s.ct(1) - lr * wd, lr, s.ct(1), s.ct(0))


def _signum(attrs, a, s, aliased):
    lr, momentum, wd, rescale, clip, wd_lh = s(attrs.lr, attrs.momentum, attrs.wd,
                                               attrs.rescale_grad, attrs.clip_gradient,
                                               attrs.wd_lh)
    omm = s.ct(1) - momentum
    _go(signum_kernel, a, momentum, omm * wd, omm, omm * rescale, rescale, clip,
        s.ct(1) - lr * wd_lh, lr, s.ct(1), s.ct(0))


# --- op adapters ---------------------------------------------------------------------------

def same_buffer(a, b):
    """Whether two device arrays share their first element (out=weight)."""
    if a is b:
        return True
    ha, hb = getattr(a, "_ary", None), getattr(b, "_ary", None)     # the simulator's arrays
    if ha is not None and hb is not None:
        return bool(np.shares_memory(ha, hb))
    try:
        return a.device_ctypes_pointer.value == b.device_ctypes_pointer.value
    except AttributeError:
        return False


def _flat(a):
    return a.reshape(a.size)


def _check(op, inputs, outputs, fp32=()):
    names = list(op.arguments) + ["out"]
    arrays = list(inputs) + [outputs[0]]
    w = inputs[0]
    for k, (name, a) in enumerate(zip(names, arrays)):
        dt = ("float32",) if name in fp32 else (FLOATS + ("float16",) if fp32 else FLOATS)
        check_array(op.name, name, a, dtypes=dt, shape=w.shape)
    same_dtype(op.name, [(n, a) for n, a in zip(names, arrays) if n not in fp32])


def _plain(launch):
    def run(op, attrs, inputs, outputs, octx):
        _check(op, inputs, outputs)
        w, out = inputs[0], outputs[0]
        aliased = same_buffer(out, w)
        if not aliased:
            copy_into(out, w)
        launch(attrs, [_flat(out)] + [_flat(x) for x in inputs[1:]],
               _Scalars(np.dtype(w.dtype).type, False), aliased)
    return run


def _mp(launch):
    def run(op, attrs, inputs, outputs, octx):
        _check(op, inputs, outputs, fp32=op.fp32_inputs)
        g = inputs[1]
        if g.dtype != np.float32:
            g = copy_into(empty(g.shape, np.float32), g)
        w32 = inputs[-1]
        launch(attrs, [_flat(w32), _flat(g)] + [_flat(x) for x in inputs[2:-1]],
               _Scalars(np.float32, False), True)
        copy_into(outputs[0], w32)
    return run


KERNELS = {"nag_mom_update": _plain(_nag), "rmsprop_update": _plain(_rmsprop),
           "rmspropalex_update": _plain(_rmspropalex), "ftrl_update": _plain(_ftrl),
           "ftml_update": _plain(_ftml), "signsgd_update": _plain(_signsgd),
           "signum_update": _plain(_signum), "mp_sgd_update": _mp(_sgd),
           "mp_sgd_mom_update": _mp(_sgd_mom), "mp_nag_mom_update": _mp(_nag)}
