"""The Winograd F(2x2, 3x3) convolution kernels (kernels/cpu/winograd.py) against the im2col
path and NumPy: 3x3 stride-1 convolutions with >= 16 channels take them (the op test cases use
fewer channels, so they run im2col)."""
import numpy as np
import pytest

import framework as mx
from kernels.cpu import conv as K

SHAPES = [  # (N, C, H, W, F, pad)
    (2, 16, 7, 9, 17, 1),
    (3, 16, 8, 8, 16, 0),
    (1, 20, 5, 6, 16, 2),
    (2, 16, 1, 3, 16, 1),
]


def _direct(x, w, pad):
    """Plain NumPy cross-correlation in float64."""
    N, C, H, W = x.shape
    F = w.shape[0]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = H + 2 * pad - 2, W + 2 * pad - 2
    out = np.zeros((N, F, OH, OW))
    for a in range(3):
        for b in range(3):
            out += np.einsum("nchw,fc->nfhw", xp[:, :, a:a + OH, b:b + OW], w[:, :, a, b])
    return out


def _run(x, w, b, og, pad, winograd, deconv=False):
    old = K.WINOGRAD_MIN_CHANNELS
    K.WINOGRAD_MIN_CHANNELS = 16 if winograd else 10 ** 9
    try:
        arrs = [mx.nd.array(a, dtype=a.dtype) for a in (x, w, b)]
        for a in arrs:
            a.attach_grad()
        op = mx.nd.Deconvolution if deconv else mx.nd.Convolution
        with mx.autograd.record():
            y = op(*arrs, kernel=(3, 3), pad=(pad, pad), num_filter=w.shape[1 if deconv else 0],
                   no_bias=False)
        y.backward(mx.nd.array(og, dtype=og.dtype))
        return [y.asnumpy()] + [a.grad.asnumpy() for a in arrs]
    finally:
        K.WINOGRAD_MIN_CHANNELS = old


def _check(got, want, tol):
    scale = max(np.abs(want).max(), 1e-30)
    assert np.abs(got - want).max() / scale < tol


@pytest.mark.parametrize("dtype,tol", [("float32", 2e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("shape", SHAPES)
def test_convolution_winograd_matches_im2col(shape, dtype, tol):
    N, C, H, W, F, pad = shape
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, 3, 3)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    og = rng.standard_normal((N, F, H + 2 * pad - 2, W + 2 * pad - 2)).astype(dtype)
    fast = _run(x, w, b, og, pad, True)
    slow = _run(x, w, b, og, pad, False)
    _check(fast[0], _direct(x, w, pad) + b.reshape(1, -1, 1, 1), tol)
    for got, want in zip(fast, slow):
        assert got.dtype == want.dtype and got.shape == want.shape
        _check(got, want, tol)


@pytest.mark.parametrize("shape", SHAPES[:3])
def test_deconvolution_winograd_matches_im2col(shape):
    N, C, H, W, F, pad = shape
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, C, H, W)).astype("float32")
    w = rng.standard_normal((C, F, 3, 3)).astype("float32")
    b = rng.standard_normal(F).astype("float32")
    og = rng.standard_normal((N, F, H - 2 * pad + 2, W - 2 * pad + 2)).astype("float32")
    fast = _run(x, w, b, og, pad, True, deconv=True)
    slow = _run(x, w, b, og, pad, False, deconv=True)
    for got, want in zip(fast, slow):
        _check(got, want, 2e-5)

