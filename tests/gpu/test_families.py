"""The hand-written CUDA families in float64 and at their edges (partial GEMM tiles, batch
broadcasting, multi-pass reductions, masked softmax rows, 3-D conv/pool, aux updates); the
op cases of tests/ops run them in float32 (test_op_cases.py)."""
import numpy as np
import pytest
from numba import cuda

from kernels.cuda import gemm, reduce
from tests.gpu.harness import assert_matches

RNG = np.random.default_rng(42)


def _r(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("name,attrs,shape,dtype", [
    ("sum", {"axis": (0, 2)}, (3, 4, 5), np.float64),        # two passes (non-adjacent axes)
    ("prod", {"axis": 1, "keepdims": True}, (2, 9, 3), np.float64),
    ("max", {"axis": (1,), "exclude": True}, (2, 3, 4), np.float64),
    ("mean", {"axis": 1}, (3, 7), np.int32),                  # C truncation
    ("sum", {"axis": 1}, (2, 40), np.int8),                   # wraps as MXNet
    ("sum", {"axis": 1}, (3, 0), np.float64),                 # empty: identity
    ("norm", {"ord": 2, "axis": (1,), "out_dtype": "float64"}, (3, 4), np.float32),
])
def test_reductions(name, attrs, shape, dtype):
    x = (RNG.integers(-100, 100, shape) if np.dtype(dtype).kind == "i" else _r(*shape))
    assert_matches(name, attrs, [x.astype(dtype)], rtol=1e-5 if dtype == np.float32 else None)


def test_softmax_lengths_fully_masked_row_and_temperature():
    x = _r(3, 6)
    assert_matches("softmax", {"use_length": True, "temperature": 0.5},
                   [x, np.array([0, 3, 9], np.int64)])
    assert_matches("log_softmax", {"axis": 0}, [x])
    assert_matches("_backward_softmin", {"axis": 1, "temperature": 2.0}, [_r(3, 6), np.abs(x)])


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_partial_tiles_and_k_steps(ta, tb):
    m, n, k = 9, 10, 20
    a, b = _r(k, m) if ta else _r(m, k), _r(n, k) if tb else _r(k, n)
    c0 = _r(m, n)
    c = cuda.to_device(c0)
    bias = _r(m)
    gemm.gemm(cuda.to_device(a), cuda.to_device(b), c, m, n, k, ta, tb, alpha=0.5, beta=2.0,
              bias=cuda.to_device(bias), bias_mode=2)
    want = 0.5 * (a.T if ta else a) @ (b.T if tb else b) + 2.0 * c0 + bias[:, None]
    np.testing.assert_allclose(c.copy_to_host(), want, rtol=1e-12, atol=1e-12)


def test_batched_gemm_with_a_shared_operand():
    w, x = _r(3, 4), _r(5, 4, 6)
    out = cuda.device_array((5, 3, 6), np.float64)
    gemm.gemm(cuda.to_device(w), cuda.to_device(x), out, 3, 6, 4, batch=5, stride_a=0)
    np.testing.assert_allclose(out.copy_to_host(), np.einsum("ij,bjk->bik", w, x), rtol=1e-12)


def test_linalg_ops_float64():
    assert_matches("batch_dot", {"transpose_a": True}, [_r(2, 5, 9), _r(2, 5, 3)])
    assert_matches("_backward_dot", {"transpose_b": True}, [_r(2, 3, 5), _r(2, 3, 4), _r(5, 4)])
    assert_matches("FullyConnected", {"num_hidden": 3, "flatten": False},
                   [_r(2, 2, 4), _r(3, 4), _r(3)])


def test_convolution_3d_strided_dilated_float64():
    attrs = {"kernel": (2, 2, 2), "num_filter": 2, "stride": (1, 2, 1), "dilate": (1, 1, 2),
             "pad": (0, 1, 1)}
    x, w = _r(1, 2, 3, 4, 4), _r(2, 2, 2, 2, 2)
    assert_matches("Convolution", attrs, [x, w, _r(2)])
    from compiler.ops import registry
    op = registry.get("Convolution")
    _, (oshape,) = op.infer_shape(op.parse(attrs), [x.shape, w.shape, (2,)])
    assert_matches("_backward_Convolution", attrs, [_r(*oshape), x, w])


def test_pooling_3d_full_convention_and_exclusive_avg():
    x = _r(1, 2, 3, 4, 3)
    attrs = {"kernel": (2, 2, 2), "stride": (2, 2, 2), "pooling_convention": "full"}
    assert_matches("Pooling", attrs, [x])
    from tests.gpu.harness import run_reference
    y = run_reference("Pooling", attrs, [x])[0][0]
    assert_matches("_backward_Pooling", attrs, [_r(*y.shape), x, y])
    avg = {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg",
           "count_include_pad": False}
    x2 = _r(2, 1, 5, 5)
    y2 = run_reference("Pooling", avg, [x2])[0][0]
    assert_matches("_backward_Pooling", avg, [_r(*y2.shape), x2, y2])


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_float64_updates_moving_stats_in_backward(train):
    x, g, b = _r(3, 2, 2), _r(2), _r(2)
    mm, mv = _r(2), np.abs(_r(2)) + 0.5
    attrs = {"fix_gamma": False, "momentum": 0.7, "eps": 1e-4}
    assert_matches("BatchNorm", attrs, [x, g, b, mm, mv], is_train=train)
    mean, inv = x.mean(axis=(0, 2)), 1.0 / np.sqrt(x.var(axis=(0, 2)) + 1e-4)
    assert_matches("_backward_BatchNorm", attrs, [_r(3, 2, 2), x, g, mean, inv, mm, mv],
                   is_train=train)


def test_layernorm_float64_middle_axis():
    x, g, b = _r(2, 3, 4), _r(3), _r(3)
    assert_matches("LayerNorm", {"axis": 1}, [x, g, b])
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    assert_matches("_backward_LayerNorm", {"axis": 1}, [_r(2, 3, 4), x, g, mean, std])


def test_optimizers_float64_update_states_in_place():
    w, g = _r(9), _r(9)
    assert_matches("sgd_mom_update", {"lr": 0.1, "momentum": 0.9, "wd": 1e-3,
                                      "clip_gradient": 0.5}, [w, g, _r(9)])
    assert_matches("adam_update", {"lr": 0.01, "wd": 0.1, "rescale_grad": 0.5},
                   [w, g, _r(9), np.abs(_r(9))])


def test_take_gradient_accumulates_repeated_indices():
    idx = np.array([1, 1, 3, -5, 9], np.float32)          # clipped: 1, 1, 3, 0, 3
    assert_matches("_backward_take", {"axis": 0}, [_r(5, 2), idx, _r(4, 2)])
    assert_matches("_backward_take", {"axis": 1, "mode": "wrap"}, [_r(2, 5), idx, _r(2, 4)])


def test_reduce_axes_into_other_dtype_with_finalize():
    x = _r(4, 5).astype(np.float32)
    out = cuda.device_array(5, np.float64)
    reduce.reduce_axes("sumsq", cuda.to_device(x), {0}, out, finalize="math.sqrt(x) / n")
    want = np.sqrt((x.astype(np.float32) ** 2).sum(axis=0)) / 4
    np.testing.assert_allclose(out.copy_to_host(), want, rtol=1e-6)
