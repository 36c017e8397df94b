"""Counter-based RNG: Philox4x32-10 against Random123's known answers, the device draws
against the NumPy implementation, reproducibility from (seed, offset); Dropout and rrelu
masks built on it (MXNet's scaled keep mask, variational axes, inference identity)."""
import numpy as np
import pytest
from numba import cuda

from compiler.ops import registry
from kernels.cuda import philox
from tests.gpu.harness import run_cuda

# Random123 kat_vectors: counter[4] key[2] -> output[4]
KAT = [((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
       ((0xffffffff,) * 4, (0xffffffff,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
       ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
        (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1))]


@pytest.mark.parametrize("ctr,key,want", KAT)
def test_host_philox_known_answers(ctr, key, want):
    assert tuple(int(v) for v in philox.philox_host([ctr], key)[0]) == want


def _device_uniforms(n, seed, offset):
    out = cuda.device_array(n, np.float64)
    philox.uniform(out, seed, offset)
    return out.copy_to_host()


def test_device_draws_equal_host_draws_and_depend_on_seed_and_offset():
    seed = (0x243f6a88 << 32) | 0x85a308d3
    u = _device_uniforms(11, seed, 5)
    np.testing.assert_array_equal(u, philox.uniform_host(11, seed, 5))
    assert np.all((u >= 0) & (u < 1))
    np.testing.assert_array_equal(_device_uniforms(11, seed, 5), u)      # reproducible
    assert not np.array_equal(_device_uniforms(11, seed, 6), u)
    assert not np.array_equal(_device_uniforms(11, seed + 1, 5), u)
    # counter j covers elements 4j..4j+3: a longer draw starts with the shorter one
    np.testing.assert_array_equal(_device_uniforms(13, seed, 5)[:11], u)


def test_dropout_mask_is_mxnet_scaled_keep_mask():
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    out, mask = cuda.device_array(x.shape, np.float32), cuda.device_array(x.shape, np.float32)
    philox.dropout(cuda.to_device(x), out, mask, 0.25, seed=99, offset=3)
    u = philox.uniform_host(x.size, 99, 3).reshape(x.shape)
    want = ((u < 0.75) * (1.0 / 0.75)).astype(np.float32)
    np.testing.assert_array_equal(mask.copy_to_host(), want)
    np.testing.assert_allclose(out.copy_to_host(), x * want, rtol=1e-6)


def test_dropout_op_axes_inactive_and_p_one():
    x = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float64)
    (y,), _ = run_cuda("Dropout", {"p": 0.4, "axes": (1,)}, [x], is_train=True, seed=7)
    keep = y != 0
    assert np.all(keep == keep[:, :1, :])               # one draw per (n, c) broadcast on axis 1
    np.testing.assert_allclose(y[keep], x[keep] / 0.6)
    seed = int(np.random.default_rng(7).integers(0, 2 ** 63 - 1))  # what the op draws
    u = philox.uniform_host(15, seed, 0).reshape(3, 1, 5)
    np.testing.assert_array_equal(keep, np.broadcast_to(u < 0.6, x.shape))
    (y,), _ = run_cuda("Dropout", {"p": 0.4}, [x], is_train=False)
    np.testing.assert_array_equal(y, x)
    (y,), _ = run_cuda("Dropout", {"p": 1.0}, [x], is_train=True)
    np.testing.assert_array_equal(y, np.zeros_like(x))


def test_rrelu_training_slopes_from_philox():
    x = np.random.default_rng(2).standard_normal((2, 5)).astype(np.float32)
    attrs = {"act_type": "rrelu", "lower_bound": 0.1, "upper_bound": 0.3}
    (y, mask), _ = run_cuda("LeakyReLU", attrs, [x], is_train=True, seed=11)
    seed = int(np.random.default_rng(11).integers(0, 2 ** 63 - 1))
    slopes = (0.1 + 0.2 * philox.uniform_host(10, seed, 0)).astype(np.float32).reshape(2, 5)
    np.testing.assert_allclose(mask, slopes, rtol=1e-6)
    np.testing.assert_allclose(y, np.where(x > 0, x, slopes * x), rtol=1e-6)
    assert registry.get("LeakyReLU").random
