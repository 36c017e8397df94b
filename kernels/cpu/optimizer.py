"""Optimizer update kernels (sgd_update, adam_update, ... and the dense AdaGrad/AdaDelta/
Adamax/Nadam/DCASGD steps of mx.optimizer), CPU / Numba.

One fused pass per update: every kernel reads weight, gradient and states once and writes
the new weight and states IN PLACE in the same loop (a separate output array defeats
vectorization: LLVM's runtime alias check falls back to scalar code when the output is
the weight, measured 10x slower; callers wanting a fresh output copy the weight first).
Arrays are 1-d C-contiguous views (the caller flattens).  Scalars arrive already
converted to the arrays' dtype, so float32 updates compute in float32 exactly as MXNet's
kernels do (same operation order, no fastmath: results match MXNet 1.9.1 bit for bit in
float32 and float64).  float16 is widened by the caller.  Compiled per dtype only (every
kernel sees 1-d arrays), never per shape.  Serial: an in-place update of a 400K-element
weight takes ~0.05 ms, already at memory speed on this machine.
"""
import numpy as np
from numba import njit

_SER = dict(cache=True, nogil=True, error_model="numpy")
_INL = dict(cache=True, nogil=True, error_model="numpy", inline="always")


@njit(**_INL)
def _clip(x, c):
    """mshadow_op::clip: NaN passes through."""
    if x > c:
        return c
    if x < -c:
        return -c
    return x


@njit(**_INL)
def _sign(x, one, zero):
    if x > zero:
        return one
    if x < zero:
        return -one
    return zero


# --- SGD -----------------------------------------------------------------------------------
# sgd_update: w = (1 - lr*wd) * w - lr * clip(rescale * g)

@njit(**_SER)
def sgd(w, g, decay, lr, rescale, lr_rescale, clip):
    for i in range(w.size):
        if clip >= 0:
            w[i] = decay * w[i] - lr * _clip(rescale * g[i], clip)
        else:
            w[i] = decay * w[i] - lr_rescale * g[i]


# sgd_mom_update: mom = momentum*mom - lr*wd*w - lr*clip(rescale*g); w = w + mom.
# MXNet's multi_sgd_update (what the SGD optimizer runs without momentum) is this formula
# with mom = 0 and no state: `mom` is then a 0-length array and `has_mom` False.

@njit(**_SER)
def sgd_mom(w, g, mom, has_mom, momentum, lrwd, lr, rescale, lr_rescale, clip, zero):
    for i in range(w.size):
        wi = w[i]
        m0 = momentum * mom[i] if has_mom else zero
        if clip >= 0:
            m = m0 - lrwd * wi - lr * _clip(rescale * g[i], clip)
        else:
            m = m0 - lrwd * wi - lr_rescale * g[i]
        if has_mom:
            mom[i] = m
        w[i] = wi + m


# --- NAG -----------------------------------------------------------------------------------
# m = momentum*mom; gr = clip(rescale*g);
# w_new = w - m + (momentum+1)*(m - lr*(gr + wd*w)); mom = m - lr*(gr + wd*w') where w' is
# what MXNet's kernel reads from the weight buffer AFTER writing the output: the new weight
# when out aliases weight (`aliased`, how the NAG optimizer calls it, and always in
# mp_nag_mom_update), the old one otherwise.

@njit(**_SER)
def nag_mom(w, g, mom, aliased, momentum, mom1, lr, wd, rescale, clip):
    for i in range(w.size):
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


# --- Adam ----------------------------------------------------------------------------------
# gr = clip(rescale*g + wd*w); mean = b1*mean + (1-b1)*gr; var = b2*var + (1-b2)*gr*gr;
# w = w - lr*mean / (sqrt(var) + eps)

@njit(**_SER)
def adam(w, g, mean, var, b1, b2, omb1, omb2, lr, wd, rescale, eps, clip):
    for i in range(w.size):
        wi = w[i]
        gr = g[i] * rescale + wi * wd
        if clip >= 0:
            gr = _clip(gr, clip)
        m = b1 * mean[i] + omb1 * gr
        v = b2 * var[i] + omb2 * gr * gr
        mean[i] = m
        var[i] = v
        w[i] = wi - lr * m / (np.sqrt(v) + eps)


# --- RMSProp (Tieleman & Hinton) and RMSPropAlex (Graves) ---------------------------------

@njit(**_SER)
def rmsprop(w, g, n, omg1, gamma1, lr, wd, rescale, eps, clip, clip_w):
    for i in range(w.size):
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = omg1 * (gr * gr) + gamma1 * n[i]
        n[i] = ni
        nw = wi - lr * (gr / np.sqrt(ni + eps))
        if clip_w >= 0:
            nw = _clip(nw, clip_w)
        w[i] = nw


@njit(**_SER)
def rmspropalex(w, g, n, gs, delta, omg1, gamma1, gamma2, lr, wd, rescale, eps, clip, clip_w):
    for i in range(w.size):
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = omg1 * gr * gr + gamma1 * n[i]
        gi = omg1 * gr + gamma1 * gs[i]
        di = gamma2 * delta[i] - (lr * gr / (np.sqrt(ni - gi * gi + eps)))
        n[i] = ni
        gs[i] = gi
        delta[i] = di
        if clip_w >= 0:
            w[i] = _clip(wi + di, clip_w)
        else:
            w[i] = wi + di


# --- FTRL, FTML ----------------------------------------------------------------------------

@njit(**_SER)
def ftrl(w, g, z, n, lr, lamda1, beta, wd, rescale, clip, one, zero):
    for i in range(w.size):
        wi = w[i]
        gr = g[i] * rescale
        if clip >= 0:
            gr = _clip(gr, clip)
        ni = n[i]
        zi = z[i] + (gr - (np.sqrt(ni + gr * gr) - np.sqrt(ni)) * wi / lr)
        ni = ni + gr * gr
        z[i] = zi
        n[i] = ni
        keep = one if np.abs(zi) > lamda1 else zero
        w[i] = (_sign(zi, one, zero) * lamda1 - zi) / ((beta + np.sqrt(ni)) / lr + wd) * keep


@njit(**_SER)
def ftml(w, g, d, v, z, c1, c2, lr, beta1, beta2, omb1, omb2, eps, wd, rescale, clip):
    for i in range(w.size):
        wi = w[i]
        gr = rescale * g[i] + wd * wi
        if clip >= 0:
            gr = _clip(gr, clip)
        vi = beta2 * v[i] + omb2 * (gr * gr)
        d_t = c1 / lr * (np.sqrt(vi / c2) + eps)
        zi = beta1 * z[i] + omb1 * gr - (d_t - beta1 * d[i]) * wi
        v[i] = vi
        z[i] = zi
        d[i] = d_t
        w[i] = -zi / d_t


# --- signSGD, Signum -----------------------------------------------------------------------

@njit(**_SER)
def signsgd(w, g, decay, lr, one, zero):
    for i in range(w.size):
        w[i] = decay * w[i] - lr * _sign(g[i], one, zero)


@njit(**_SER)
def signum(w, g, mom, momentum, omm_wd, omm, omm_rescale, rescale, clip, decay_lh, lr,
           one, zero):
    for i in range(w.size):
        wi = w[i]
        if clip >= 0:
            m = momentum * mom[i] - omm_wd * wi - omm * _clip(rescale * g[i], clip)
        else:
            m = momentum * mom[i] - omm_wd * wi - omm_rescale * g[i]
        mom[i] = m
        w[i] = decay_lh * wi + lr * _sign(m, one, zero)


# --- dense steps of the Python optimizers (MXNet runs them as chains of NDArray ops) -----

@njit(**_SER)
def adagrad(w, g, hist, rescale, clip, has_clip, eps, wd, neg_lr):
    """g = clip(g*rescale); hist += g*g; w += (g / sqrt(hist + eps) + w*wd) * -lr."""
    for i in range(w.size):
        gr = g[i] * rescale
        if has_clip:
            gr = _clip(gr, clip)
        h = hist[i] + gr * gr
        hist[i] = h
        wi = w[i]
        w[i] = wi + (gr / np.sqrt(h + eps) + wi * wd) * neg_lr


@njit(**_SER)
def adadelta(w, g, acc_g, acc_d, rescale, clip, has_clip, rho, omr, eps, wd):
    """MXNet's AdaDelta; like MXNet it leaves the rescaled gradient in `g`."""
    for i in range(w.size):
        gi = g[i] * rescale
        g[i] = gi
        if has_clip:
            gi = _clip(gi, clip)
        ag = acc_g[i] * rho + omr * gi * gi
        acc_g[i] = ag
        cd = np.sqrt(acc_d[i] + eps) / np.sqrt(ag + eps) * gi
        acc_d[i] = acc_d[i] * rho + omr * cd * cd
        wi = w[i]
        w[i] = wi - (cd + wd * wi)


@njit(**_SER)
def adamax(w, g, m, u, rescale, wd, clip, has_clip, b1, omb1, b2, lr):
    for i in range(w.size):
        wi = w[i]
        gr = g[i] * rescale + wd * wi
        if has_clip:
            gr = _clip(gr, clip)
        mi = m[i] * b1 + omb1 * gr
        ui = max(b2 * u[i], np.abs(gr))
        m[i] = mi
        u[i] = ui
        w[i] = wi - lr * mi / ui


@njit(**_SER)
def nadam(w, g, m, v, rescale, wd, clip, has_clip, b1, omb1, b2, omb2, gp_div, mp_div, vp_div,
          omm, mom_next, lr, eps):
    for i in range(w.size):
        wi = w[i]
        gr = g[i] * rescale + wd * wi
        if has_clip:
            gr = _clip(gr, clip)
        mi = m[i] * b1 + omb1 * gr
        vi = v[i] * b2 + omb2 * gr * gr
        m[i] = mi
        v[i] = vi
        m_bar = omm * (gr / gp_div) + mom_next * (mi / mp_div)
        w[i] = wi - lr * m_bar / (np.sqrt(vi / vp_div) + eps)


@njit(**_SER)
def dcasgd(w, g, mom, prev, has_mom, momentum, rescale, clip, has_clip, neg_lr, wd, lamda):
    for i in range(w.size):
        gr = g[i] * rescale
        if has_clip:
            gr = _clip(gr, clip)
        wi = w[i]
        step = neg_lr * (gr + wd * wi + lamda * gr * gr * (wi - prev[i]))
        if has_mom:
            step = mom[i] * momentum + step
            mom[i] = step
        prev[i] = wi
        w[i] = wi + step


# --- LAMB (MXNet's multi_lamb_update: two passes around the two norms) ---------------------

@njit(**_SER)
def lamb_phase1(w, g, mean, var, gout, b1, b2, omb1, omb2, eps, rescale, clip, bias_correction,
                c1, c2, wd):
    """mean/var updated; gout = m_hat / (sqrt(v_hat) + eps) + wd*w (c1, c2 = 1 - beta^t)."""
    for i in range(w.size):
        sg = g[i] * rescale
        if clip >= 0:
            sg = _clip(sg, clip)
        m = b1 * mean[i] + omb1 * sg
        v = b2 * var[i] + omb2 * sg * sg
        mean[i] = m
        var[i] = v
        if bias_correction:
            gout[i] = (m / c1) / (np.sqrt(v / c2) + eps) + wd * w[i]
        else:
            gout[i] = m / (np.sqrt(v) + eps) + wd * w[i]


@njit(**_SER)
def axpy_inplace(w, x, alpha):
    """w -= alpha * x (LAMB's second pass with alpha = lr * trust ratio)."""
    for i in range(w.size):
        w[i] = w[i] - alpha * x[i]


@njit(**_SER)
def sum_sq(x):
    """Sum of squares accumulated in float64."""
    s = 0.0
    for i in range(x.size):
        v = np.float64(x[i])
        s += v * v
    return s

