"""Converters of the neural-network layers: Convolution, Deconvolution, FullyConnected,
Pooling, BatchNorm, LayerNorm, InstanceNorm, L2Normalization, LRN, Dropout, Embedding, take.

All export inference semantics (MXNet's forward with is_train=False)."""
import numpy as np

from compiler.ops.nn import conv_param, deconv_pad_adj
from compiler.ops.nn_pool import pool_param
from compiler.ops.registry import normalize_axis
from ._registry import converter


def _check_layout(n, nd):
    layout = n.attrs.get("layout")
    default = {1: "NCW", 2: "NCHW", 3: "NCDHW"}.get(nd)
    if layout is not None and layout != default:
        n.fail("layout %s is not supported (only %s)" % (layout, default))


@converter("Convolution")
def convolution(g, n):
    a = n.attrs
    prm = conv_param(a)
    _check_layout(n, prm.nd)
    ins = [n.input(0), n.input(1)] + ([] if a.no_bias else [n.input(2)])
    return [g.op("Conv", ins, n.out(), kernel_shape=list(prm.kernel), strides=list(prm.stride),
                 dilations=list(prm.dilate), pads=list(prm.pad) * 2, group=a.num_group)]


@converter("Deconvolution")
def deconvolution(g, n):
    a = n.attrs
    prm = conv_param(a, deconv=True)
    _check_layout(n, prm.nd)
    pad, adj = deconv_pad_adj(prm, n.in_shape(0))
    adj = list(adj) or [0] * prm.nd
    ins = [n.input(0), n.input(1)] + ([] if a.no_bias else [n.input(2)])
    return [g.op("ConvTranspose", ins, n.out(), kernel_shape=list(prm.kernel),
                 strides=list(prm.stride), dilations=list(prm.dilate), pads=list(pad) * 2,
                 output_padding=adj, group=a.num_group)]


@converter("FullyConnected")
def fully_connected(g, n):
    a = n.attrs
    x, w = n.input(0), n.input(1)
    bias = [] if a.no_bias else [n.input(2)]
    if a.flatten:
        if len(n.in_shape(0)) != 2:
            x = g.op("Flatten", [x], axis=1)
        return [g.op("Gemm", [x, w] + bias, n.out(), transB=1)]
    wt = g.op("Transpose", [w], perm=[1, 0])
    if not bias:
        return [g.op("MatMul", [x, wt], n.out())]
    return [g.op("Add", [g.op("MatMul", [x, wt]), bias[0]], n.out())]


# --- Pooling ---------------------------------------------------------------------------

def _global_pool(g, n, x, pool_type, p):
    spatial = int(np.prod(n.in_shape(0)[2:]))
    if pool_type == "max":
        return g.op("GlobalMaxPool", [x], n.out())
    if pool_type == "avg":
        return g.op("GlobalAveragePool", [x], n.out())
    if pool_type == "lp" and p == 2:
        return g.op("GlobalLpPool", [x], n.out(), p=2)
    if pool_type == "lp":
        x = g.op("Pow", [x, g.const(p, n.in_dtype(0))])
    total = g.op("Mul", [g.op("GlobalAveragePool", [x]), g.const(spatial, n.in_dtype(0))])
    return _lp_root(g, n, total, p if pool_type == "lp" else 1)


def _lp_root(g, n, total, p):
    if p == 1:
        return g.op("Identity", [total], n.out())
    # cbrt keeping the sign (MXNet's lp pooling with p=3 is cbrt(sum x^3))
    mag = g.op("Pow", [g.op("Abs", [total]), g.const(1.0 / 3.0, n.in_dtype(0))])
    return g.op("Mul", [g.op("Sign", [total]), mag], n.out())


@converter("Pooling")
def pooling(g, n):
    """MXNet's windows: out = 1 + floor or ceil((x + 2 pad - k) / s) ('valid' / 'full'); a
    window is clipped at x + pad; avg divides by the clipped window (count_include_pad, the
    default) or by its valid elements.  Exported with explicit pads (extra end padding for
    'full', MXNet's ceil mode) so every convention and edge matches exactly."""
    a = n.attrs
    dshape = n.in_shape(0)
    nd = len(dshape) - 2
    _check_layout(n, nd)
    prm = pool_param(a, dshape)
    x, t, dtype = n.input(0), a.pool_type, n.in_dtype(0)
    p = prm.p
    if t == "lp" and p not in (1, 2, 3):
        n.fail("lp pooling with p_value %d" % p)
    if a.global_pool:
        return [_global_pool(g, n, x, t, p)]
    kernel, stride, pad = list(prm.kernel), list(prm.stride), list(prm.pad)
    extra = [max(0, (o - 1) * s + k - (size + 2 * q))
             for o, s, k, size, q in zip(prm.out, stride, kernel, dshape[2:], pad)]
    geom = dict(kernel_shape=kernel, strides=stride)
    if t == "max":
        return [g.op("MaxPool", [x], n.out(), pads=pad + [q + e for q, e in zip(pad, extra)],
                     **geom)]
    if t == "lp" and p == 2 and not any(extra):
        return [g.op("LpPool", [x], n.out(), p=2, pads=pad * 2, **geom)]
    if t == "avg" and not prm.include_pad:
        return [g.op("AveragePool", [x], n.out(), count_include_pad=0,
                     pads=pad + [q + e for q, e in zip(pad, extra)], **geom)]
    if t == "avg" and not any(extra):
        return [g.op("AveragePool", [x], n.out(), count_include_pad=1, pads=pad * 2, **geom)]
    if t == "avg":
        # the divisor counts padding only up to x + pad: pad explicitly, count the rest
        padded = g.op("Pad", [x, g.ints([0, 0] + pad + [0, 0] + pad, "pads")])
        return [g.op("AveragePool", [padded], n.out(), count_include_pad=0,
                     pads=[0] * nd + extra, **geom)]
    # sum, and lp as a sum of powers: windows never divide by less than the kernel size
    if t == "lp":
        x = g.op("Pow", [x, g.const(p, dtype)])
    padded = g.op("Pad", [x, g.ints([0, 0] + pad + [0, 0] + [q + e for q, e in zip(pad, extra)],
                                    "pads")])
    avg = g.op("AveragePool", [padded], **geom)
    total = g.op("Mul", [avg, g.const(float(np.prod(kernel)), dtype)])
    if t == "lp" and p == 2:
        return [g.op("Sqrt", [total], n.out())]
    return [_lp_root(g, n, total, p if t == "lp" else 1)]


# --- normalization ----------------------------------------------------------------------

def _in_dtype_of(g, n, i, dtype):
    """Input i as `dtype` (float16 data takes float32 statistics in MXNet)."""
    name = n.input(i)
    return name if n.in_dtype(i) == dtype else g.cast(name, dtype)


def _bcast(g, name, ndim, axis, size):
    shape = [1] * ndim
    shape[axis] = size
    return g.reshape(name, shape)


@converter("BatchNorm")
def batch_norm(g, n):
    """Inference: (x - moving_mean) / sqrt(moving_var + eps) * gamma + beta; fix_gamma
    treats gamma as 1.  Hidden outputs (output_mean_var): moving_mean and 1/sqrt(var + eps)."""
    a = n.attrs
    shape = n.in_shape(0)
    ndim = len(shape)
    axis = normalize_axis(a.axis, ndim)
    dtype = n.in_dtype(0)
    channels = shape[axis]
    gamma = (g.const(np.ones(channels), dtype, "ones") if a.fix_gamma
             else _in_dtype_of(g, n, 1, dtype))
    beta, mean, var = (_in_dtype_of(g, n, i, dtype) for i in (2, 3, 4))
    x = n.input(0)
    if axis == 1 and ndim >= 2:
        out = g.op("BatchNormalization", [x, gamma, beta, mean, var], n.out(),
                   epsilon=float(a.eps), momentum=float(a.momentum))
    else:
        invstd = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [var, g.const(a.eps, dtype)])])])
        scale = g.op("Mul", [gamma, invstd])
        centered = g.op("Sub", [x, _bcast(g, mean, ndim, axis, channels)])
        out = g.op("Add", [g.op("Mul", [centered, _bcast(g, scale, ndim, axis, channels)]),
                           _bcast(g, beta, ndim, axis, channels)], n.out())
    if not a.output_mean_var:
        return [out]
    mean_out = g.op("Identity", [n.input(3)], n.out(1))
    var_in = n.input(4)
    vdtype = n.in_dtype(4)
    invstd = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [var_in, g.const(a.eps, vdtype)])])],
                  n.out(2))
    return [out, mean_out, invstd]


def _layer_norm_decomposed(g, n, x, axis, ndim, eps, dtype):
    mean = g.reduce("ReduceMean", x, [axis], True)
    centered = g.op("Sub", [x, mean])
    var = g.reduce("ReduceMean", g.op("Mul", [centered, centered]), [axis], True)
    std = g.op("Sqrt", [g.op("Add", [var, g.const(eps, dtype)])])
    return g.op("Div", [centered, std]), mean, std


@converter("LayerNorm")
def layer_norm(g, n):
    """Normalizes along one axis; ONNX LayerNormalization (opset 17) when it is the last."""
    a = n.attrs
    shape = n.in_shape(0)
    ndim, dtype = len(shape), n.in_dtype(0)
    axis = normalize_axis(a.axis, ndim)
    x, gamma, beta = n.input(0), n.input(1), n.input(2)
    if g.opset >= 17 and axis == ndim - 1 and not a.output_mean_var:
        return [g.op("LayerNormalization", [x, gamma, beta], n.out(), axis=-1,
                     epsilon=float(a.eps))]
    normed, mean, std = _layer_norm_decomposed(g, n, x, axis, ndim, a.eps, dtype)
    if axis != ndim - 1:
        gamma = _bcast(g, gamma, ndim, axis, shape[axis])
        beta = _bcast(g, beta, ndim, axis, shape[axis])
    out = g.op("Add", [g.op("Mul", [normed, gamma]), beta], n.out())
    if not a.output_mean_var:
        return [out]
    return [out, g.op("Identity", [mean], n.out(1)), g.op("Identity", [std], n.out(2))]


@converter("InstanceNorm")
def instance_norm(g, n):
    return [g.op("InstanceNormalization", [n.input(0), n.input(1), n.input(2)], n.out(),
                 epsilon=float(n.attrs.eps))]


@converter("L2Normalization")
def l2_normalization(g, n):
    """x / sqrt(sum(x^2) + eps) over all axes but 0 (instance), axis 1 (channel) or 2..
    (spatial)."""
    a = n.attrs
    ndim, dtype = len(n.in_shape(0)), n.in_dtype(0)
    axes = {"instance": list(range(1, ndim)), "channel": [1],
            "spatial": list(range(2, ndim))}.get(a.mode)
    if axes is None:
        n.fail("mode %s" % a.mode)
    x = n.input(0)
    sq = g.reduce("ReduceSum", g.op("Mul", [x, x]), axes, True)
    norm = g.op("Sqrt", [g.op("Add", [sq, g.const(a.eps, dtype)])])
    return [g.op("Div", [x, norm], n.out())]


@converter("LRN")
def lrn(g, n):
    a = n.attrs
    if a.nsize % 2 == 0:
        n.fail("LRN with an even nsize (%d): MXNet's window differs from ONNX's" % a.nsize)
    return [g.op("LRN", [n.input(0)], n.out(), size=a.nsize, alpha=float(a.alpha),
                 beta=float(a.beta), bias=float(a.knorm))]


@converter("Dropout")
def dropout(g, n):
    """The identity at inference (ONNX Runtime never drops)."""
    return [g.op("Identity", [n.input(0)], n.out())]


# --- indexing ---------------------------------------------------------------------------

def _clipped_indices(g, n, i, size):
    """MXNet's 'clip' mode: truncate float indices toward zero, clamp into [0, size-1]."""
    idx, dtype = n.input(i), n.in_dtype(i)
    if np.issubdtype(np.dtype(dtype), np.floating):
        idx = g.op("Clip", [idx, g.const(0, dtype), g.const(size - 1, dtype)])
        return g.cast(idx, np.int64)
    idx = g.cast(idx, np.int64) if dtype != "int64" else idx
    return g.op("Clip", [idx, g.const(0, np.int64), g.const(size - 1, np.int64)])


@converter("Embedding")
def embedding(g, n):
    weight = n.input(1)
    idx = _clipped_indices(g, n, 0, n.in_shape(1)[0])
    return [g.op("Gather", [weight, idx], n.out(), axis=0)]


@converter("take")
def take(g, n):
    a = n.attrs
    shape = n.in_shape(0)
    axis = normalize_axis(a.axis, len(shape))
    size = shape[axis]
    if a.mode == "wrap":
        idx, dtype = n.input(1), n.in_dtype(1)
        if np.issubdtype(np.dtype(dtype), np.floating):
            idx = g.cast(idx, np.int64)      # truncation toward zero, then Python's modulo
        elif dtype != "int64":
            idx = g.cast(idx, np.int64)
        idx = g.op("Mod", [idx, g.const(size, np.int64)], fmod=0)
    elif a.mode == "clip":
        idx = _clipped_indices(g, n, 1, size)
    else:
        n.fail("mode 'raise' (ONNX cannot raise on an out-of-range index)")
    return [g.op("Gather", [n.input(0), idx], n.out(), axis=axis)]

