"""CUDA optimizer updates: sgd_update, sgd_mom_update, adam_update (MXNet 1.9.1 formulas and
operation order, as kernels/cpu/optimizer.py; compiler/ops/optimizer.py documents them).

One thread per element (grid-stride); states (mom, mean, var) are updated in place and the
new weight goes to `out` (which may be the weight itself: each element is read before it is
written).  Every float attribute is a C++ float in MXNet: rounded to float32, then cast to
the weight dtype (float32 / float64 here).
"""
import numpy as np

from ..codegen.scalar_cuda import math   # the simulator's: NumPy ufuncs
from .runtime import check_array, grid_for, require, same_dtype, FLOATS

cuda = require()


@cuda.jit(device=True, inline=True)
def _clip(x, c):
    if x > c:
        return c
    if x < -c:
        return -c
    return x


@cuda.jit(cache=True)
def sgd_kernel(w, g, out, decay, lr, rescale, lr_rescale, clip):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < w.size:
        if clip >= 0:
            out[i] = decay * w[i] - lr * _clip(rescale * g[i], clip)
        else:
            out[i] = decay * w[i] - lr_rescale * g[i]
        i += step


@cuda.jit(cache=True)
def sgd_mom_kernel(w, g, mom, out, momentum, lrwd, lr, rescale, lr_rescale, clip):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < w.size:
        m0 = momentum * mom[i]
        if clip >= 0:
            m = m0 - lrwd * w[i] - lr * _clip(rescale * g[i], clip)
        else:
            m = m0 - lrwd * w[i] - lr_rescale * g[i]
        mom[i] = m
        out[i] = w[i] + m
        i += step


@cuda.jit(cache=True)
def adam_kernel(w, g, mean, var, out, b1, b2, omb1, omb2, lr, wd, rescale, eps, clip):
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < w.size:
        wi = w[i]
        gr = g[i] * rescale + wi * wd
        if clip >= 0:
            gr = _clip(gr, clip)
        m = b1 * mean[i] + omb1 * gr
        v = b2 * var[i] + omb2 * gr * gr
        mean[i] = m
        var[i] = v
        out[i] = wi - lr * m / (math.sqrt(v) + eps)
        i += step


def _arrays(op, named):
    w = named[0][1]
    for name, a in named:
        check_array(op, name, a, dtypes=FLOATS, shape=w.shape)
    same_dtype(op, named)
    return [a.reshape(a.size) for _, a in named]


def _scalars(dtype, *values):
    """MXNet's C++ float attributes: rounded to float32, then cast to the weight dtype."""
    ty = np.dtype(dtype).type
    return [ty(np.float32(v)) for v in values]


def sgd_update(w, g, out, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, op="sgd_update"):
    fw, fg, fo = _arrays(op, [("weight", w), ("grad", g), ("out", out)])
    lr, wd, rescale, clip = _scalars(w.dtype, lr, wd, rescale_grad, clip_gradient)
    if w.size:
        sgd_kernel[grid_for(w.size)](fw, fg, fo, lr.dtype.type(1) - lr * wd, lr, rescale,
                                     lr * rescale, clip)
    return out


def sgd_mom_update(w, g, mom, out, lr, momentum=0.0, wd=0.0, rescale_grad=1.0,
                   clip_gradient=-1.0, op="sgd_mom_update"):
    fw, fg, fm, fo = _arrays(op, [("weight", w), ("grad", g), ("mom", mom), ("out", out)])
    lr, wd, rescale, clip, momentum = _scalars(w.dtype, lr, wd, rescale_grad, clip_gradient,
                                               momentum)
    if w.size:
        sgd_mom_kernel[grid_for(w.size)](fw, fg, fm, fo, momentum, lr * wd, lr, rescale,
                                         lr * rescale, clip)
    return out


def adam_update(w, g, mean, var, out, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0,
                rescale_grad=1.0, clip_gradient=-1.0, op="adam_update"):
    fw, fg, fm, fv, fo = _arrays(op, [("weight", w), ("grad", g), ("mean", mean), ("var", var),
                                      ("out", out)])
    lr, b1, b2, eps, wd, rescale, clip = _scalars(w.dtype, lr, beta1, beta2, epsilon, wd,
                                                  rescale_grad, clip_gradient)
    one = b1.dtype.type(1)
    if w.size:
        adam_kernel[grid_for(w.size)](fw, fg, fm, fv, fo, b1, b2, one - b1, one - b2, lr, wd,
                                      rescale, eps, clip)
    return out


# --- op adapters -----------------------------------------------------------------------------

def _sgd_op(op, attrs, inputs, outputs, octx):
    sgd_update(inputs[0], inputs[1], outputs[0], attrs.lr, attrs.wd, attrs.rescale_grad,
               attrs.clip_gradient, op=op.name)


def _sgd_mom_op(op, attrs, inputs, outputs, octx):
    sgd_mom_update(inputs[0], inputs[1], inputs[2], outputs[0], attrs.lr, attrs.momentum,
                   attrs.wd, attrs.rescale_grad, attrs.clip_gradient, op=op.name)


def _adam_op(op, attrs, inputs, outputs, octx):
    adam_update(inputs[0], inputs[1], inputs[2], inputs[3], outputs[0], attrs.lr, attrs.beta1,
                attrs.beta2, attrs.epsilon, attrs.wd, attrs.rescale_grad, attrs.clip_gradient,
                op=op.name)


KERNELS = {"sgd_update": _sgd_op, "sgd_mom_update": _sgd_mom_op, "adam_update": _adam_op}
