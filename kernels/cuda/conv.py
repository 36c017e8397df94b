"""CUDA convolution (1-D to 3-D, NCW/NCHW/NCDHW, groups, dilation): im2col + the tiled GEMM.

As on the CPU (kernels/cpu/conv.py) every convolution is a 3-D one on 5-D views, and the
geometry travels as one runtime tuple g = (kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
od, oh, ow), so kernels compile per dtype, never per shape.  Samples go in chunks whose
im2col matrix (C*K, B*P) stays under COL_LIMIT elements (P = od*oh*ow):
- forward: col = im2col(x); out2 (F, B*P) = W_g @ col_g, one GEMM launch batched over the
  groups; `unchunk` writes out2 back as (B, F, P) with the bias added;
- backward: og is transposed to (F, B*P) once per chunk; dcol = W_g^T @ og_g and `col2im`
  gathers it into dx (each dx element sums its own kernel taps: no atomics); dW_g +=
  og_g @ col_g^T (beta = 1 after the first chunk); the bias gradient is a sum reduction.
"""
import numpy as np

from compiler.errors import MXNetValueError
from ..cpu.conv import geometry
from . import gemm as G
from .reduce import reduce_axes
from .runtime import SIMULATOR, check_array, grid_for, require, same_dtype, FLOATS

cuda = require()

COL_LIMIT = (1 << 12) if SIMULATOR else (1 << 26)


@cuda.jit(cache=True)
def im2col(x, col, n0, nb, C, D, H, W, g):
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = g
    K = kd * kh * kw
    P = od * oh * ow
    NP = nb * P
    total = C * K * NP
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        row = i // NP
        j = i - row * NP
        b = j // P
        p = j - b * P
        c = row // K
        kk = row - c * K
        ekd = kk // (kh * kw)
        r = kk - ekd * kh * kw
        ekh = r // kw
        ekw = r - ekh * kw
        ood = p // (oh * ow)
        r = p - ood * oh * ow
        ooh = r // ow
        oow = r - ooh * ow
        zd = ood * sd - pd + ekd * dd
        zh = ooh * sh - ph + ekh * dh
        zw = oow * sw - pw + ekw * dw
        if 0 <= zd < D and 0 <= zh < H and 0 <= zw < W:
            col[i] = x[(((n0 + b) * C + c) * D + zd) * H * W + zh * W + zw]
        else:
            col[i] = 0
        i += step


@cuda.jit(cache=True)
def col2im(dcol, dx, n0, nb, C, D, H, W, g):
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = g
    K = kd * kh * kw
    P = od * oh * ow
    NP = nb * P
    total = nb * C * D * H * W
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        zw = i % W
        r = i // W
        zh = r % H
        r = r // H
        zd = r % D
        r = r // D
        c = r % C
        b = r // C
        acc = dcol[0] * 0
        for ekd in range(kd):
            td = zd + pd - ekd * dd
            if td >= 0 and td % sd == 0 and td // sd < od:
                for ekh in range(kh):
                    th = zh + ph - ekh * dh
                    if th >= 0 and th % sh == 0 and th // sh < oh:
                        for ekw in range(kw):
                            tw = zw + pw - ekw * dw
                            if tw >= 0 and tw % sw == 0 and tw // sw < ow:
                                row = c * K + (ekd * kh + ekh) * kw + ekw
                                p = ((td // sd) * oh + th // sh) * ow + tw // sw
                                acc += dcol[row * NP + b * P + p]
        dx[((n0 + b) * C + c) * D * H * W + (zd * H + zh) * W + zw] = acc
        i += step


@cuda.jit(cache=True)
def unchunk(out2, out, bias, has_bias, n0, nb, F, P):
    """out[n0 + b, f, p] = out2[f, b * P + p] (+ bias[f])."""
    total = nb * F * P
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        p = i % P
        r = i // P
        f = r % F
        b = r // F
        v = out2[f * nb * P + b * P + p]
        if has_bias:
            v += bias[f]
        out[(n0 + b) * F * P + f * P + p] = v
        i += step


@cuda.jit(cache=True)
def chunk_t(og, ogt, n0, nb, F, P):
    """ogt[f, b * P + p] = og[n0 + b, f, p]."""
    total = nb * F * P
    i = cuda.grid(1)
    step = cuda.gridsize(1)
    while i < total:
        j = i % (nb * P)
        f = i // (nb * P)
        b = j // P
        p = j - b * P
        ogt[i] = og[(n0 + b) * F * P + f * P + p]
        i += step


def _dims5(shape):
    """(N, C, D, H, W) of an NC + 1-3 spatial dims shape."""
    sp = tuple(shape[2:])
    return tuple(shape[:2]) + (1,) * (3 - len(sp)) + sp


def _check(op, x, w, out_shape, g, groups):
    for name, a in (("data", x), ("weight", w)):
        check_array(op, name, a, dtypes=FLOATS)
    same_dtype(op, [("data", x), ("weight", w)])
    if len(x.shape) not in (3, 4, 5) or len(w.shape) != len(x.shape):
        raise MXNetValueError("%s: data %s and weight %s must be 3-D to 5-D with equal ndim"
                              % (op, tuple(x.shape), tuple(w.shape)))
    N, C = x.shape[:2]
    F = w.shape[0]
    K = g[0] * g[1] * g[2]
    if C % groups or F % groups or w.size != F * (C // groups) * K:
        raise MXNetValueError("%s: data %s, weight %s and num_group=%d do not match"
                              % (op, tuple(x.shape), tuple(w.shape), groups))
    if tuple(out_shape) != (N, F) + tuple(out_shape[2:]) or \
            int(np.prod(out_shape[2:])) != g[12] * g[13] * g[14]:
        raise MXNetValueError("%s: output shape %s does not match data %s and geometry %s"
                              % (op, tuple(out_shape), tuple(x.shape), g))
    return N, C, F, K


def _chunk(n, rows, p):
    return max(1, min(n, COL_LIMIT // max(rows * p, 1)))


def forward(x, w, out, g, groups=1, bias=None, op="Convolution"):
    """out (N, F, *out) = conv(x (N, C, *in), w (F, C/groups, *kernel)) (+ bias (F,))."""
    cuda_ = require()
    N, C, F, K = _check(op, x, w, out.shape, g, groups)
    check_array(op, "out", out, dtypes=(np.dtype(x.dtype).name,))
    if bias is not None:
        check_array(op, "bias", bias, shape=(F,), dtypes=(np.dtype(x.dtype).name,))
    _, _, D, H, W = _dims5(x.shape)
    P = g[12] * g[13] * g[14]
    if N == 0 or F == 0 or P == 0:
        return out
    cg, fg = C // groups, F // groups
    nb = _chunk(N, C * K, P)
    col = cuda_.device_array(C * K * nb * P, x.dtype)
    out2 = cuda_.device_array(F * nb * P, x.dtype)
    dummy = bias if bias is not None else cuda_.device_array(1, x.dtype)
    xf, of = x.reshape(x.size), out.reshape(out.size)
    for n0 in range(0, N, nb):
        b = min(nb, N - n0)
        im2col[grid_for(C * K * b * P)](xf, col, n0, b, C, D, H, W, g)
        G.gemm(w, col, out2, fg, b * P, cg * K, batch=groups, stride_a=fg * cg * K,
               stride_b=cg * K * b * P, stride_c=fg * b * P, op=op)
        unchunk[grid_for(b * F * P)](out2, of, dummy, bias is not None, n0, b, F, P)
    return out


def backward(og, x, w, dx, dw, g, groups=1, db=None, op="_backward_Convolution"):
    """dx, dw (and db) of forward() from the output gradient og (N, F, *out); dx or dw None
    skips that gradient (Deconvolution runs each half on its own)."""
    cuda_ = require()
    N, C, F, K = _check(op, x, w, og.shape, g, groups)
    for name, a, shape in (("ograd", og, None), ("data_grad", dx, x.shape),
                           ("weight_grad", dw, w.shape)):
        if a is not None:
            check_array(op, name, a, shape=shape, dtypes=(np.dtype(x.dtype).name,))
    _, _, D, H, W = _dims5(x.shape)
    P = g[12] * g[13] * g[14]
    cg, fg = C // groups, F // groups
    if db is not None:
        check_array(op, "bias_grad", db, shape=(F,))
        reduce_axes("sum", og.reshape(N, F, P), (0, 2), db, op=op)
    if N == 0:
        return dx, dw
    nb = _chunk(N, C * K, P)
    col = cuda_.device_array(C * K * nb * P, x.dtype)
    ogt = cuda_.device_array(F * nb * P, x.dtype)
    xf, ogf = x.reshape(x.size), og.reshape(og.size)
    for n0 in range(0, N, nb):
        b = min(nb, N - n0)
        chunk_t[grid_for(F * b * P)](ogf, ogt, n0, b, F, P)
        if dx is not None:        # col doubles as dcol: the weight half rewrites it below
            G.gemm(w, ogt, col, cg * K, b * P, fg, ta=True, batch=groups,
                   stride_a=fg * cg * K, stride_b=fg * b * P, stride_c=cg * K * b * P, op=op)
            col2im[grid_for(b * C * D * H * W)](col, dx.reshape(dx.size), n0, b, C, D, H, W,
                                                 g)
        if dw is not None:
            im2col[grid_for(C * K * b * P)](xf, col, n0, b, C, D, H, W, g)
            G.gemm(ogt, col, dw, fg, cg * K, b * P, tb=True, batch=groups,
                   stride_a=fg * b * P, stride_b=cg * K * b * P, stride_c=fg * cg * K,
                   beta=0.0 if n0 == 0 else 1.0, op=op)
    return dx, dw


# --- op adapters -----------------------------------------------------------------------------

def _geometry(attrs, out_spatial):
    from compiler.ops.nn import conv_param
    prm = conv_param(attrs)
    return geometry(prm.kernel, prm.stride, prm.pad, prm.dilate, out_spatial)


def _conv_op(op, attrs, inputs, outputs, octx):
    out = outputs[0]
    g = _geometry(attrs, tuple(out.shape[2:]))
    forward(inputs[0], inputs[1], out, g, attrs.num_group,
            None if attrs.no_bias else inputs[2], op=op.name)


def _conv_backward_op(op, attrs, inputs, outputs, octx):
    og, x, w = inputs
    g = _geometry(attrs, tuple(og.shape[2:]))
    backward(og, x, w, outputs[0], outputs[1], g, attrs.num_group,
             None if attrs.no_bias else outputs[2], op=op.name)


KERNELS = {"Convolution": _conv_op, "_backward_Convolution": _conv_backward_op}
