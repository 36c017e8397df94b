"""Intra-op parallelism (kernels/cpu/threads.py) and the drivers that use it: split GEMMs,
convolution chunks as pool tasks, Winograd stages split over the pool.  Thresholds are
lowered so that tiny shapes take every path; results are compared with NumPy in float64."""
import threading

import numba
import numpy as np
import pytest

from kernels.cpu import conv as K
from kernels.cpu import blas, linalg, threads
from kernels.cpu import winograd as W


@pytest.fixture
def two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has one thread here")
    old = numba.get_num_threads()
    numba.set_num_threads(2)
    yield
    numba.set_num_threads(old)


def test_parallel_for_runs_every_index_once_on_several_threads(two_threads):
    seen, names = [], set()

    def task(i):
        seen.append(i)
        names.add(threading.current_thread().name)
        threading.Event().wait(0.002)      # long enough for the worker to take some
    threads.parallel_for(12, task)
    assert sorted(seen) == list(range(12))
    assert len(names) == 2


def test_parallel_for_reraises_and_nested_calls_run_serially(two_threads):
    inner = []

    def task(i):
        threads.parallel_for(3, lambda j: inner.append((i, j, threads.num_threads())))
        if i == 2:
            raise ValueError("task 2 failed")
    with pytest.raises(ValueError, match="task 2 failed"):
        threads.parallel_for(4, task)
    assert all(n == 1 for _, _, n in inner)
    threads.parallel_for(2, lambda i: None)     # the pool still works afterwards


def test_blas_is_single_threaded_inside_and_restored_after(two_threads):
    if not threads.blas_controlled():
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    get = threads._BLAS[0]
    before = get()
    inside = []
    threads.parallel_for(2, lambda i: inside.append(get()))
    assert inside == [1, 1]
    assert get() == before


def test_blocks_cover_the_range_aligned():
    assert threads.blocks(10, 3) == [(0, 4), (4, 8), (8, 10)]
    assert threads.blocks(100, 4, align=16) == [(0, 32), (32, 64), (64, 96), (96, 100)]
    assert threads.blocks(5, 8) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]


@pytest.mark.parametrize("a_shape,b_shape,ta,tb", [
    ((70, 50), (50, 90), False, False),      # column blocks
    ((90, 30), (30, 20), False, False),      # row blocks (narrow output)
    ((40, 70), (60, 40), True, True),        # transposed views
    ((3, 20, 30), (3, 30, 40), False, False),  # batch entries
    ((20, 30), (4, 30, 50), False, False),     # broadcast batch
    ((2, 1, 9, 8), (3, 8, 70), False, False),  # 4-D broadcast
])
def test_split_gemm_matches_numpy(two_threads, monkeypatch, a_shape, b_shape, ta, tb):
    monkeypatch.setattr(linalg, "SPLIT_FLOPS", 0)
    monkeypatch.setattr(linalg, "MIN_BLOCK", 4)
    monkeypatch.setattr(blas, "MIN_FLOPS", 0)
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    a = a.T if ta else a
    b = b.T if tb else b
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    out = np.full(want.shape, np.nan, np.float32)
    pieces = linalg.gemm_pieces(a, b, out, 4)
    assert len(pieces) > 1
    linalg.matmul_into(a, b, out)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4)


def _direct_nchw(x, w, stride, pad):
    N, C, H, Wd = x.shape
    F, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - kh) // stride + 1, (Wd + 2 * pad - kw) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for a in range(kh):
        for b in range(kw):
            win = xp[:, :, a:a + stride * OH:stride, b:b + stride * OW:stride]
            out += np.einsum("nchw,fc->nfhw", win, w[:, :, a, b])
    return out


def _conv_grads(x, w, og, stride, pad):
    """Forward and both gradients of a 2-D convolution, float64 through autograd-free
    NumPy: data and weight gradients by the adjoint identity on a direct loop."""
    out = _direct_nchw(x, w, stride, pad)
    F, C, kh, kw = w.shape
    N, _, H, Wd = x.shape
    OH, OW = out.shape[2:]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    for a in range(kh):
        for b in range(kw):
            sl = (slice(None), slice(None), slice(a, a + stride * OH, stride),
                  slice(b, b + stride * OW, stride))
            dw[:, :, a, b] = np.einsum("nfhw,nchw->fc", og, xp[sl])
            dxp[sl] += np.einsum("nfhw,fc->nchw", og, w[:, :, a, b])
    return out, dxp[:, :, pad:pad + H, pad:pad + Wd], dw


@pytest.mark.parametrize("winograd", [False, True])
@pytest.mark.parametrize("chunk_bytes", [1 << 30, 64])   # one chunk / one sample per chunk
@pytest.mark.parametrize("threads_", [1, 2])
def test_convolution_paths_match_numpy(monkeypatch, winograd, chunk_bytes, threads_):
    if threads_ > numba.config.NUMBA_NUM_THREADS:
        pytest.skip("Numba has one thread here")
    monkeypatch.setattr(linalg, "SPLIT_FLOPS", 0)
    monkeypatch.setattr(linalg, "MIN_BLOCK", 4)
    monkeypatch.setattr(blas, "MIN_FLOPS", 0)
    monkeypatch.setattr(K, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(W, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(K, "WINOGRAD_MIN_CHANNELS", 16 if winograd else 10 ** 9)
    old = numba.get_num_threads()
    numba.set_num_threads(threads_)
    try:
        rng = np.random.default_rng(3)
        N, C, H, Wd, F, pad = 5, 16, 7, 6, 20, 1
        x = rng.standard_normal((N, C, H, Wd))
        w = rng.standard_normal((F, C, 3, 3))
        og = rng.standard_normal((N, F, H, Wd))
        want = _conv_grads(x, w, og, 1, pad)
        g = K.geometry((3, 3), (1, 1), (pad, pad), (1, 1), (H, Wd))
        x32, w32, og32 = (a.astype(np.float32) for a in (x, w, og))
        out = np.empty((N, F, H * Wd), np.float32)
        K.conv_forward(K.as5d(x32), w32.reshape(F, -1), out, g, 1)
        dx = np.empty_like(x32)
        dw = np.empty((F, C * 9), np.float32)
        K.conv_backward(og32.reshape(N, F, -1), K.as5d(x32), w32.reshape(F, -1), K.as5d(dx),
                        dw, g, 1)
        dw2 = np.empty_like(dw)
        K.conv_backward(og32.reshape(N, F, -1), K.as5d(x32), w32.reshape(F, -1), K.as5d(dx),
                        dw2, g, 1)
    finally:
        numba.set_num_threads(old)
    for got, ref in zip((out.reshape(want[0].shape), dx, dw.reshape(w.shape)), want):
        assert np.abs(got - ref).max() / np.abs(ref).max() < 2e-5
    assert np.array_equal(dw, dw2)      # fixed summation order: the same bits every time


@pytest.mark.parametrize("N", [1, 4])
def test_strided_grouped_convolution_in_chunks(two_threads, monkeypatch, N):
    """im2col path: stride 2, two groups; several chunks on the pool (N=4) or one chunk
    whose GEMMs are split (N=1)."""
    monkeypatch.setattr(K, "CHUNK_BYTES", 64)
    monkeypatch.setattr(linalg, "SPLIT_FLOPS", 0)
    monkeypatch.setattr(linalg, "MIN_BLOCK", 2)
    rng = np.random.default_rng(5)
    C, H, Wd, F, groups = 4, 9, 8, 6, 2
    x = rng.standard_normal((N, C, H, Wd))
    w = rng.standard_normal((F, C // groups, 3, 3))
    g = K.geometry((3, 3), (2, 2), (1, 1), (1, 1), (5, 4))
    out = np.empty((N, F, 20))
    K.conv_forward(K.as5d(x), w.reshape(F, -1), out, g, groups)
    want = np.concatenate([_direct_nchw(x[:, i * 2:(i + 1) * 2], w[i * 3:(i + 1) * 3], 2, 1)
                           for i in range(groups)], axis=1)
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-12, atol=1e-12)


def test_weight_transform_and_inverse_match_numpy(two_threads):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((40, 24, 3, 3))
    G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]])
    u = W.transform_weight(w)
    np.testing.assert_allclose(u, np.einsum("ia,fcab,jb->ijfc", G, w, G).reshape(16, 40, 24),
                               rtol=0, atol=1e-14)
    acc = rng.standard_normal((16, 40, 24))
    d = np.empty((40, 24, 3, 3))
    W.inverse_transform_weight(acc, d)
    np.testing.assert_allclose(d, np.einsum("ia,ijfc,jb->fcab", G, acc.reshape(4, 4, 40, 24), G),
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("mode", ["max", "avg", "sum", "lp"])
def test_pooling_split_over_planes_equals_serial(two_threads, monkeypatch, mode):
    from kernels.cpu import pool as P
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 9, 8)).astype(np.float32)
    g = P.pool_geometry((3, 3), (2, 2), (1, 1))
    y = np.empty((3, 5, 5, 4), np.float32)
    og = rng.standard_normal(y.shape).astype(np.float32)
    results = []
    for limit in (10 ** 9, 0):
        monkeypatch.setattr(P, "PARALLEL_MIN", limit)
        P.pooling(x, y, g, mode, 2, True)
        dx = np.full_like(x, np.nan)
        P.pooling_grad(og, x, y, dx, g, mode, 2, True)
        results.append((y.copy(), dx))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])
    assert np.isfinite(results[1][1]).all()
