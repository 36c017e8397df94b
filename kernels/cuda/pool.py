"""CUDA pooling (max / avg / sum / lp, 1-D to 3-D, NCW/NCHW/NCDHW) forward and backward.

MXNet 1.9.1's window semantics, as kernels/cpu/pool.py: pooling works on (N*C, D, H, W)
views with the geometry tuple g = (kd, kh, kw, sd, sh, sw, pd, ph, pw); a window starts at
o*s - pad, ends at min(start + k, size + pad) and is clipped to [0, size); the avg divisor
is the window clipped only at size + pad (count_include_pad) or the clipped window; an
empty window gives 0 (`lowest` for max); pooling_convention valid/full only changes the
output size (compiler/ops/nn_pool.pool_param).  Forward: one thread per output, summing in
float64.  Backward: dx is zeroed, then one thread per output adds its gradient with atomics
-- max to the first element of its window (row-major) equal to the output (MXNet's GPU
unpool uses atomicAdd too), avg/sum/lp to every element of the window.
"""
import numpy as np

from compiler.errors import MXNetValueError
from ..codegen.scalar_cuda import cbrt, math
from . import codegen
from .runtime import check_array, grid_for, require, same_dtype, FLOATS

cuda = require()
MAX, AVG, SUM, LP = 0, 1, 2, 3
MODES = {"max": MAX, "avg": AVG, "sum": SUM, "lp": LP}


@cuda.jit(device=True, inline=True)
def _window(o, stride, pad, k, size):
    start = o * stride - pad
    end = min(start + k, size + pad)
    return max(start, 0), min(end, size), end - start


@cuda.jit(cache=True)
def forward_kernel(x, y, Q, D, H, W, OD, OH, OW, g, mode, p, include_pad, lowest):
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    total = Q * OD * OH * OW
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        o3 = i % OW
        r = i // OW
        o2 = r % OH
        r = r // OH
        o1 = r % OD
        q = r // OD
        a0, a1, fa = _window(o1, sd, pd, kd, D)
        b0, b1, fb = _window(o2, sh, ph, kh, H)
        c0, c1, fc = _window(o3, sw, pw, kw, W)
        if mode == MAX:
            m = lowest
            for i1 in range(a0, a1):
                for i2 in range(b0, b1):
                    base = ((q * D + i1) * H + i2) * W
                    for i3 in range(c0, c1):
                        v = x[base + i3]
                        m = v if v > m else m
            y[i] = m
        else:
            acc = 0.0
            for i1 in range(a0, a1):
                for i2 in range(b0, b1):
                    base = ((q * D + i1) * H + i2) * W
                    for i3 in range(c0, c1):
                        v = float(x[base + i3])
                        if mode == LP and p == 2:
                            v = v * v
                        elif mode == LP and p == 3:
                            v = v * v * v
                        acc += v
            n = (a1 - a0) * (b1 - b0) * (c1 - c0)
            if mode == AVG:
                if a1 <= a0 or b1 <= b0 or c1 <= c0:
                    acc = 0.0
                else:
                    acc = acc / (fa * fb * fc if include_pad else n)
            elif mode == LP and p == 2:
                acc = math.sqrt(acc)
            elif mode == LP and p == 3:
                acc = cbrt(acc)
            y[i] = acc
        i += step


@cuda.jit(cache=True)
def backward_kernel(og, x, y, dx, Q, D, H, W, OD, OH, OW, g, mode, p, include_pad):
    kd, kh, kw, sd, sh, sw, pd, ph, pw = g
    total = Q * OD * OH * OW
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        o3 = i % OW
        r = i // OW
        o2 = r % OH
        r = r // OH
        o1 = r % OD
        q = r // OD
        a0, a1, fa = _window(o1, sd, pd, kd, D)
        b0, b1, fb = _window(o2, sh, ph, kh, H)
        c0, c1, fc = _window(o3, sw, pw, kw, W)
        gv = og[i]
        if mode == MAX:
            yv = y[i]
            found = False
            for i1 in range(a0, a1):
                for i2 in range(b0, b1):
                    base = ((q * D + i1) * H + i2) * W
                    for i3 in range(c0, c1):
                        if not found and x[base + i3] == yv:
                            cuda.atomic.add(dx, base + i3, gv)
                            found = True
        elif a1 > a0 and b1 > b0 and c1 > c0:
            if mode == AVG:
                gv = gv / (fa * fb * fc if include_pad else (a1 - a0) * (b1 - b0) * (c1 - c0))
            yv = y[i]
            for i1 in range(a0, a1):
                for i2 in range(b0, b1):
                    base = ((q * D + i1) * H + i2) * W
                    for i3 in range(c0, c1):
                        if mode == LP and p > 1:
                            if gv != 0:
                                rr = x[base + i3] / yv
                                cuda.atomic.add(dx, base + i3, gv * (rr if p == 2 else rr * rr))
                        else:
                            cuda.atomic.add(dx, base + i3, gv)
        i += step


def _dims(op, x, y, g):
    shape, out = tuple(x.shape), tuple(y.shape)
    if len(shape) not in (3, 4, 5) or len(out) != len(shape) or out[:2] != shape[:2]:
        raise MXNetValueError("%s: data %s and pooled output %s must be 3-D to 5-D with the same "
                              "N and C" % (op, shape, out))
    pad = (1,) * (5 - len(shape))
    return ((shape[0] * shape[1],) + pad + shape[2:], pad + out[2:])


def forward(x, y, g, mode, p=1, include_pad=True, op="Pooling"):
    """y = pooling of x (device arrays) with geometry g and mode in max/avg/sum/lp."""
    check_array(op, "data", x, dtypes=FLOATS)
    check_array(op, "out", y, dtypes=(np.dtype(x.dtype).name,))
    (Q, D, H, W), (OD, OH, OW) = _dims(op, x, y, g)
    if y.size == 0:
        return y
    lowest = np.dtype(x.dtype).type(np.finfo(x.dtype).min)
    forward_kernel[grid_for(y.size)](x.reshape(x.size), y.reshape(y.size), Q, D, H, W, OD, OH,
                                     OW, tuple(int(v) for v in g), MODES[mode], int(p),
                                     bool(include_pad), lowest)
    return y


def backward(og, x, y, dx, g, mode, p=1, include_pad=True, op="_backward_Pooling"):
    """dx = the gradient of forward() applied to og."""
    for name, a, shape in (("ograd", og, y.shape), ("data", x, None), ("output", y, None),
                           ("data_grad", dx, x.shape)):
        check_array(op, name, a, dtypes=FLOATS, shape=shape)
    same_dtype(op, [("ograd", og), ("data", x), ("output", y), ("data_grad", dx)])
    (Q, D, H, W), (OD, OH, OW) = _dims(op, x, y, g)
    codegen.fill(dx, 0, op=op)
    if y.size == 0:
        return dx
    backward_kernel[grid_for(y.size)](og.reshape(og.size), x.reshape(x.size), y.reshape(y.size),
                                      dx.reshape(dx.size), Q, D, H, W, OD, OH, OW,
                                      tuple(int(v) for v in g), MODES[mode], int(p),
                                      bool(include_pad))
    return dx


# --- op adapters -----------------------------------------------------------------------------

def _pool_op(op, attrs, inputs, outputs, octx):
    from compiler.ops.nn_pool import pool_param
    x = inputs[0]
    prm = pool_param(attrs, tuple(x.shape))
    for workspace in outputs[1:]:
        codegen.fill(workspace, 0, op=op.name)
    forward(x, outputs[0], prm.geometry(), attrs.pool_type, prm.p, prm.include_pad, op=op.name)


def _pool_backward_op(op, attrs, inputs, outputs, octx):
    from compiler.ops.nn_pool import pool_param
    og, x, y = inputs
    prm = pool_param(attrs, tuple(x.shape))
    backward(og, x, y, outputs[0], prm.geometry(), attrs.pool_type, prm.p, prm.include_pad,
             op=op.name)


KERNELS = {"Pooling": _pool_op, "_backward_Pooling": _pool_backward_op}
