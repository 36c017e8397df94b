"""Real GPU only (skipped in the simulator): the kernels at realistic sizes against NumPy,
and timings printed for the issue's figures -- elementwise-chain bandwidth as a share of the
device's copy bandwidth, GEMM TFLOP/s against PyTorch's cuBLAS.  Timings are printed
(`pytest -s`), never asserted."""
import time

import numpy as np
import pytest

from kernels.cuda.runtime import SIMULATOR

pytestmark = pytest.mark.skipif(SIMULATOR, reason="needs a real GPU (timings, big shapes)")

if not SIMULATOR:
    from numba import cuda

    from kernels.codegen.elementwise import ElementwiseSpec
    from kernels.cuda import codegen, gemm, reduce, softmax

CHAIN = "maximum(x * a + b, 0) * sigmoid(x) - math.tanh(x) / 2"


def _time(fn, repeat=20):
    fn()
    cuda.synchronize()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best


def test_elementwise_chain_bandwidth():
    n = 1 << 26
    spec = ElementwiseSpec(("x", "a", "b"), [CHAIN], tag="bench_chain")
    host = [np.random.default_rng(i).standard_normal(n).astype(np.float32) for i in range(3)]
    x, a, b = (cuda.to_device(h) for h in host)
    out = cuda.device_array(n, np.float32)
    t_chain = _time(lambda: codegen.launch(spec, [out], [x, a, b]))
    t_copy = _time(lambda: out.copy_to_device(x))
    chain_gbs = 4 * n * 4 / t_chain / 1e9          # 3 reads + 1 write
    copy_gbs = 2 * n * 4 / t_copy / 1e9
    print("\nelementwise chain %.1f GB/s, device copy %.1f GB/s: %.0f%%"
          % (chain_gbs, copy_gbs, 100 * chain_gbs / copy_gbs))
    k = slice(0, 4096)
    xs, as_, bs = (h[k].astype(np.float64) for h in host)
    want = np.maximum(xs * as_ + bs, 0) / (1 + np.exp(-xs)) - np.tanh(xs) / 2
    np.testing.assert_allclose(out.copy_to_host()[k], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [1024, 4096])
def test_gemm_vs_torch_cublas(size):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    da, db = cuda.to_device(a), cuda.to_device(b)
    dc = cuda.device_array((size, size), np.float32)
    t_ours = _time(lambda: gemm.gemm(da, db, dc, size, size, size), repeat=5)
    flops = 2.0 * size ** 3
    line = "\nGEMM %d^3 float32: ours %.2f TFLOP/s" % (size, flops / t_ours / 1e12)
    try:
        import torch
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.matmul(ta, tb)
        torch.cuda.synchronize()
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            torch.matmul(ta, tb)
            torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t)
        line += ", torch cuBLAS (no TF32) %.2f TFLOP/s: %.0f%%" % (
            flops / best / 1e12, 100 * best / t_ours)
    except Exception as err:          # torch without CUDA: report ours only
        line += " (torch unavailable: %s)" % type(err).__name__
    print(line)
    np.testing.assert_allclose(dc.copy_to_host()[:64, :64], (a @ b)[:64, :64], rtol=1e-3,
                               atol=1e-2)


def test_big_reduction_and_softmax():
    x = np.random.default_rng(1).standard_normal((512, 3000)).astype(np.float32)
    dx = cuda.to_device(x)
    out = cuda.device_array(512, np.float32)
    reduce.reduce_axes("sum", dx, {1}, out)
    np.testing.assert_allclose(out.copy_to_host(), x.sum(axis=1), rtol=1e-4, atol=1e-3)
    y = cuda.device_array(x.shape, np.float32)
    softmax.forward(dx, y, 1, 1.0)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y.copy_to_host(), e / e.sum(axis=1, keepdims=True), rtol=1e-4,
                               atol=1e-7)
