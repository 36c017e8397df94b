"""Suite "ops", part 2: Convolution (forward, forward+backward), Pooling, BatchNorm.

The NumPy implementations are im2col + one GEMM (sliding_window_view), the usual NumPy
way to write a convolution; they are the check's reference too (and are themselves
checked against torch by the same check).
"""
import numpy as np

from ..workload import Workload, mxnet_waited, ours_synced
from ._common import framework, mxnet, nd_fwd_bwd, randn, torch, torch_fwd_bwd

SUITE = "ops"
F4 = 4


# --- NumPy convolution (stride 1, symmetric zero padding) ------------------------------

def _im2col(x, kh, kw, pad):
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # N,C,OH,OW,KH,KW
    n, c, oh, ow = win.shape[:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)  # copies
    return x, cols, (n, oh, ow)


def conv_forward_np(x, w, b, pad):
    f, _, kh, kw = w.shape
    _, cols, (n, oh, ow) = _im2col(x, kh, kw, pad)
    y = cols @ w.reshape(f, -1).T
    return np.ascontiguousarray(y.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)) + b[:, None, None]


def conv_forward_backward_np(x, w, b, g, pad):
    """[output, grad data, grad weight, grad bias] for head gradient g."""
    f, c, kh, kw = w.shape
    xp, cols, (n, oh, ow) = _im2col(x, kh, kw, pad)
    w2 = w.reshape(f, -1)
    y = np.ascontiguousarray((cols @ w2.T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)) + b[:, None, None]
    g2 = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).reshape(-1, f)
    gw = (g2.T @ cols).reshape(w.shape)
    gb = g.sum(axis=(0, 2, 3))
    dcols = (g2 @ w2).reshape(n, oh, ow, c, kh, kw)
    gxp = np.zeros(xp.shape, x.dtype)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + oh, j:j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    h, wd = x.shape[2:]
    gx = np.ascontiguousarray(gxp[:, :, pad:pad + h, pad:pad + wd])
    return [y, gx, gw, gb]


# --- Convolution workloads ----------------------------------------------------------------

def _conv_inputs(s, rng):
    n, c, h, f, k, p = s["n"], s["c"], s["h"], s["f"], s["k"], s["pad"]
    oh = h + 2 * p - k + 1
    return {"x": randn(rng, n, c, h, h), "w": randn(rng, f, c, k, k) * np.float32(1 / np.sqrt(c * k * k)),
            "b": randn(rng, f), "g": randn(rng, n, f, oh, oh)}


def _conv_flops(s):
    oh = s["h"] + 2 * s["pad"] - s["k"] + 1
    return 2 * s["n"] * s["f"] * oh * oh * s["c"] * s["k"] ** 2


def _conv_args(s):
    return dict(kernel=(s["k"], s["k"]), num_filter=s["f"], pad=(s["pad"], s["pad"]))


def conv(name, desc, full, quick, backward):
    def ours(d, s, dev):
        mx = framework()
        x, w, b, g = dev.ours(d["x"], d["w"], d["b"], d["g"])
        fwd = lambda x, w, b: mx.nd.Convolution(x, w, b, **_conv_args(s))  # noqa: E731
        if backward:
            return ours_synced(nd_fwd_bwd(mx, [x, w, b], g, fwd), dev)
        return ours_synced(lambda: fwd(x, w, b), dev)

    def numpy(d, s, dev):
        x, w, b, g, p = d["x"], d["w"], d["b"], d["g"], s["pad"]
        if backward:
            return lambda: conv_forward_backward_np(x, w, b, g, p)
        return lambda: conv_forward_np(x, w, b, p)

    def torch_(d, s, dev):
        F = torch().nn.functional
        fwd = lambda x, w, b: F.conv2d(x, w, b, padding=s["pad"])  # noqa: E731
        if backward:
            x, w, b = dev.torch(d["x"], d["w"], d["b"], requires_grad=True)
            return dev.torch_sync(torch_fwd_bwd([x, w, b], dev.torch(d["g"]), fwd))
        x, w, b = dev.torch(d["x"], d["w"], d["b"])
        return dev.torch_sync(lambda: fwd(x, w, b))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x, w, b, g = dev.mxnet(d["x"], d["w"], d["b"], d["g"])
        fwd = lambda x, w, b: mxn.nd.Convolution(x, w, b, **_conv_args(s))  # noqa: E731
        if backward:
            return mxnet_waited(nd_fwd_bwd(mxn, [x, w, b], g, fwd))
        return mxnet_waited(lambda: fwd(x, w, b))

    mult = 3 if backward else 1
    return Workload(name, SUITE, desc, full=full, quick=quick, inputs=_conv_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("Convolution",), flops=lambda s: mult * _conv_flops(s), tol=2e-4)


_LENET = dict(full={"n": 64, "c": 1, "h": 28, "f": 20, "k": 5, "pad": 0},
              quick={"n": 2, "c": 1, "h": 12, "f": 4, "k": 5, "pad": 0})
_C3X3 = dict(full={"n": 32, "c": 64, "h": 28, "f": 64, "k": 3, "pad": 1},
             quick={"n": 2, "c": 8, "h": 10, "f": 8, "k": 3, "pad": 1})


# --- Pooling --------------------------------------------------------------------------------

def pooling():
    def inputs(s, rng):
        return {"x": randn(rng, s["n"], s["c"], s["h"], s["h"])}

    def ours(d, s, dev):
        mx = framework()
        x = dev.ours(d["x"])
        return ours_synced(lambda: mx.nd.Pooling(x, kernel=(2, 2), pool_type="max", stride=(2, 2)), dev)

    def numpy(d, s, dev):
        x = d["x"]
        n, c, h, _ = x.shape
        return lambda: x.reshape(n, c, h // 2, 2, h // 2, 2).max(axis=(3, 5))

    def torch_(d, s, dev):
        F = torch().nn.functional
        x = dev.torch(d["x"])
        return dev.torch_sync(lambda: F.max_pool2d(x, 2))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x = dev.mxnet(d["x"])
        return mxnet_waited(lambda: mxn.nd.Pooling(x, kernel=(2, 2), pool_type="max", stride=(2, 2)))

    return Workload("pool_max", SUITE, "Pooling max 2x2 stride 2 on (64,20,24,24)",
                    full={"n": 64, "c": 20, "h": 24}, quick={"n": 2, "c": 4, "h": 8}, inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("Pooling",), tol=0.0,
                    nbytes=lambda s: F4 * s["n"] * s["c"] * s["h"] ** 2 * 5 // 4)


# --- BatchNorm (training forward: batch statistics, moving averages updated) --------------

EPS, MOMENTUM = 1e-3, 0.9  # MXNet's defaults


def batchnorm():
    def inputs(s, rng):
        c = s["c"]
        return {"x": randn(rng, s["n"], c, s["h"], s["h"]), "gamma": randn(rng, c), "beta": randn(rng, c),
                "mean": np.zeros(c, np.float32), "var": np.ones(c, np.float32)}

    def ours(d, s, dev):
        mx = framework()
        x, g, b, m, v = dev.ours(d["x"], d["gamma"], d["beta"], d["mean"], d["var"])

        def fn():
            with mx.autograd.train_mode():
                return mx.nd.BatchNorm(x, g, b, m, v, eps=EPS, momentum=MOMENTUM, fix_gamma=False)
        return ours_synced(fn, dev)

    def numpy(d, s, dev):
        x, g, b = d["x"], d["gamma"], d["beta"]
        m, v = d["mean"].copy(), d["var"].copy()

        def fn():
            mean = x.mean(axis=(0, 2, 3))
            var = x.var(axis=(0, 2, 3))
            scale = g / np.sqrt(var + np.float32(EPS))
            y = x * scale[:, None, None] + (b - mean * scale)[:, None, None]
            m[:] = m * MOMENTUM + mean * (1 - MOMENTUM)
            v[:] = v * MOMENTUM + var * (1 - MOMENTUM)
            return y
        return fn

    def torch_(d, s, dev):
        F = torch().nn.functional
        x, g, b, m, v = dev.torch(d["x"], d["gamma"], d["beta"], d["mean"], d["var"])
        return dev.torch_sync(lambda: F.batch_norm(x, m, v, g, b, training=True, momentum=1 - MOMENTUM,
                                                   eps=EPS))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x, g, b, m, v = dev.mxnet(d["x"], d["gamma"], d["beta"], d["mean"], d["var"])

        def fn():
            with mxn.autograd.train_mode():
                return mxn.nd.BatchNorm(x, g, b, m, v, eps=EPS, momentum=MOMENTUM, fix_gamma=False)
        return mxnet_waited(fn)

    return Workload("batchnorm_train", SUITE, "BatchNorm training forward on (64,64,28,28), fix_gamma=False",
                    full={"n": 64, "c": 64, "h": 28}, quick={"n": 4, "c": 8, "h": 6}, inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("BatchNorm",), tol=2e-4,
                    nbytes=lambda s: 2 * F4 * s["n"] * s["c"] * s["h"] ** 2)


WORKLOADS = [
    conv("conv5x5_fwd", "Convolution forward (64,1,28,28), 20 filters 5x5", _LENET["full"], _LENET["quick"],
         False),
    conv("conv5x5_fwd_bwd", "Convolution forward+backward (64,1,28,28), 20 filters 5x5; "
         "grads of data, weight, bias", _LENET["full"], _LENET["quick"], True),
    conv("conv3x3_fwd", "Convolution forward (32,64,28,28), 64 filters 3x3 pad 1", _C3X3["full"],
         _C3X3["quick"], False),
    conv("conv3x3_fwd_bwd", "Convolution forward+backward (32,64,28,28), 64 filters 3x3 pad 1; "
         "grads of data, weight, bias", _C3X3["full"], _C3X3["quick"], True),
    pooling(),
    batchnorm(),
]
