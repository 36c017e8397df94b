"""NumPy (float64) reference layers for the model workloads' checks: convolution, pooling,
BatchNorm, dense, LSTM, and the ResNet-18 v1 / LeNet forward passes built from them.

Only the check (on the quick sizes) calls these; they favour clarity over speed.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BN_EPS = 1e-5


def f64(a):
    return np.asarray(a, dtype=np.float64)


def conv2d(x, w, b=None, stride=1, pad=0):
    """NCHW convolution (cross-correlation, as MXNet and torch define it)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    win = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", win, w, optimize=True)
    if b is not None:
        out = out + b[None, :, None, None]
    return out


def max_pool(x, k, stride, pad=0):
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    return sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))


def batch_norm(x, gamma, beta, mean, var, training):
    """BatchNorm over axis 1; training mode uses the batch's (biased) statistics."""
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    inv = 1.0 / np.sqrt(var + BN_EPS)
    return (x - mean.reshape(shape)) * (gamma * inv).reshape(shape) + beta.reshape(shape)


def dense(x, w, b=None):
    out = x.reshape(x.shape[0], -1) @ w.T if x.ndim > 2 else x @ w.T
    return out if b is None else out + b


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_layer(x, w_i2h, w_h2h, b_i2h, b_h2h):
    """One LSTM layer over x (T, N, C) from a zero state; gates in MXNet's (and torch's)
    order i, f, g, o.  Returns (T, N, H)."""
    t_len, n = x.shape[:2]
    hidden = w_h2h.shape[1]
    h = np.zeros((n, hidden))
    c = np.zeros((n, hidden))
    out = np.empty((t_len, n, hidden))
    for t in range(t_len):
        z = x[t] @ w_i2h.T + b_i2h + h @ w_h2h.T + b_h2h
        i, f, g, o = np.split(z, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out[t] = h
    return out


# --- whole models --------------------------------------------------------------------------

def resnet18_forward(x, params, training):
    """ResNet-18 v1 (MXNet's model zoo layout) on NCHW `x`; `params` is the flat list in
    resnet.resnet18_specs order."""
    it = iter(f64(p) for p in params)

    def bn(h):
        gamma, beta, mean, var = next(it), next(it), next(it), next(it)
        return batch_norm(h, gamma, beta, mean, var, training)

    h = relu(bn(conv2d(f64(x), next(it), stride=2, pad=3)))
    h = max_pool(h, 3, 2, pad=1)
    in_c = 64
    for channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            s = stride if block == 0 else 1
            body = relu(bn(conv2d(h, next(it), stride=s, pad=1)))
            body = bn(conv2d(body, next(it), stride=1, pad=1))
            if block == 0 and channels != in_c:
                h = bn(conv2d(h, next(it), stride=s))
            h = relu(h + body)
            in_c = channels
    h = h.mean(axis=(2, 3))
    return dense(h, next(it), next(it))


def lenet_forward(x, p):
    """LeNet logits: p has conv1_weight ... fc2_bias (models.py names)."""
    p = {k: f64(v) for k, v in p.items()}
    h = max_pool(np.tanh(conv2d(f64(x), p["conv1_weight"], p["conv1_bias"])), 2, 2)
    h = max_pool(np.tanh(conv2d(h, p["conv2_weight"], p["conv2_bias"])), 2, 2)
    h = np.tanh(dense(h, p["fc1_weight"], p["fc1_bias"]))
    return dense(h, p["fc2_weight"], p["fc2_bias"])
