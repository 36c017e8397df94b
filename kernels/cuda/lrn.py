"""CUDA LRN (local response normalization across channels) and _backward_LRN.

Data (N, C, H, W) or (N, C) is seen as (N, C, S).  One thread per element sums its channel
window c - h .. c + h (h = (nsize - 1) // 2, clipped at the edges, as compiler/ops/
norm_local.py): norm = knorm + alpha / nsize * sum(x^2), out = x * norm^-beta, and the
hidden output tmp_norm = norm.  The window is symmetric, so the backward's adjoint of the
window sum is the same window: dx = og * norm^-beta - 2 * beta * alpha / nsize * x *
sum_window(og * x * norm^(-beta - 1)), recomputed per element (no temporaries).
float32/float64, computed in the data's dtype as the CPU kernel.
"""
import numpy as np

from ..codegen.scalar_cuda import math   # the simulator's: NumPy ufuncs
from .runtime import check_array, grid_for, require, same_dtype, FLOATS

cuda = require()


@cuda.jit(cache=True)
def lrn_forward(x, out, norm, C, S, h, knorm, a_n, neg_beta):
    i = cuda.grid(1)
    while i < x.size:
        c = (i // S) % C
        base = i - c * S
        lo = max(c - h, 0)
        hi = min(c + h, C - 1)
        acc = x[i] * 0
        for ch in range(lo, hi + 1):
            v = x[base + ch * S]
            acc += v * v
        nrm = knorm + a_n * acc
        norm[i] = nrm
        out[i] = x[i] * math.pow(nrm, neg_beta)
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def lrn_backward(og, x, norm, dx, C, S, h, neg_beta, neg_beta1, coef):
    i = cuda.grid(1)
    while i < x.size:
        c = (i // S) % C
        base = i - c * S
        lo = max(c - h, 0)
        hi = min(c + h, C - 1)
        back = x[i] * 0
        for ch in range(lo, hi + 1):
            k = base + ch * S
            back += og[k] * x[k] * math.pow(norm[k], neg_beta1)
        dx[i] = og[i] * math.pow(norm[i], neg_beta) - coef * x[i] * back
        i += cuda.gridsize(1)


def _layout(op, x):
    if len(x.shape) not in (2, 4):
        from compiler.errors import MXNetValueError
        raise MXNetValueError("%s: data must be 4-d or 2-d, got shape %s" % (op, tuple(x.shape)))
    return int(x.shape[1]), int(np.prod(x.shape[2:], dtype=np.int64))


def _flat(*arrays):
    return [a.reshape(a.size) for a in arrays]


def _lrn_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    out, norm = outputs
    check_array(op.name, "data", x, dtypes=FLOATS)
    for name, a in (("out", out), ("tmp_norm", norm)):
        check_array(op.name, name, a, dtypes=(np.dtype(x.dtype).name,), shape=x.shape)
    C, S = _layout(op.name, x)
    if x.size:
        t = np.dtype(x.dtype).type
        lrn_forward[grid_for(x.size)](*_flat(x, out, norm), C, S, (attrs.nsize - 1) // 2,
                                      t(attrs.knorm), t(attrs.alpha / attrs.nsize),
                                      t(-attrs.beta))


def _lrn_backward_op(op, attrs, inputs, outputs, octx):
    og, x, norm = inputs
    dx = outputs[0]
    check_array(op.name, "data", x, dtypes=FLOATS)
    for name, a in (("ograd", og), ("tmp_norm", norm), ("data_grad", dx)):
        check_array(op.name, name, a, dtypes=FLOATS, shape=x.shape)
    same_dtype(op.name, [("data", x), ("ograd", og), ("tmp_norm", norm), ("data_grad", dx)])
    C, S = _layout(op.name, x)
    if x.size:
        t = np.dtype(x.dtype).type
        lrn_backward[grid_for(x.size)](*_flat(og, x, norm, dx), C, S, (attrs.nsize - 1) // 2,
                                       t(-attrs.beta), t(-attrs.beta - 1.0),
                                       t(2.0 * attrs.beta * attrs.alpha / attrs.nsize))


KERNELS = {"LRN": _lrn_op, "_backward_LRN": _lrn_backward_op}
