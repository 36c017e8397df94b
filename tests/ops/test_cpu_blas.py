"""The private OpenBLAS instance (kernels/cpu/blas.py): every operand layout BLAS can read,
float32 and float64, against NumPy in float64; what it declines is left to np.matmul."""
import numpy as np
import pytest

from kernels.cpu import blas, linalg

pytestmark = pytest.mark.skipif(not blas.instance(), reason="NumPy's BLAS is not OpenBLAS")


@pytest.fixture(autouse=True)
def every_size(monkeypatch):
    monkeypatch.setattr(blas, "MIN_FLOPS", 0)


def _layout(x, transposed):
    """x itself, or the same values as the transpose of a C-contiguous array."""
    return np.ascontiguousarray(x.T).T if transposed else x


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-13)])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_private_gemm_matches_numpy(dtype, tol, ta, tb):
    rng = np.random.default_rng(1)
    a = _layout(rng.standard_normal((13, 21)).astype(dtype), ta)
    b = _layout(rng.standard_normal((21, 17)).astype(dtype), tb)
    out = np.full((13, 17), np.nan, dtype)
    assert blas.matmul(a, b, out)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert np.abs(out - want).max() / np.abs(want).max() < tol


def test_private_gemm_reads_sub_blocks_with_leading_dimensions():
    rng = np.random.default_rng(2)
    big_a = rng.standard_normal((20, 30))
    big_b = rng.standard_normal((30, 40))
    big_out = np.zeros((20, 40))
    assert blas.matmul(big_a[2:9, 5:25], big_b[5:25, 10:31], big_out[3:10, 4:25])
    np.testing.assert_allclose(big_out[3:10, 4:25], big_a[2:9, 5:25] @ big_b[5:25, 10:31],
                               rtol=1e-13, atol=1e-13)
    untouched = big_out.copy()
    untouched[3:10, 4:25] = 0
    assert not untouched.any()          # nothing written outside the output block


def test_private_gemm_declines_what_blas_cannot_read():
    a = np.ones((4, 6), np.float32)
    b = np.ones((6, 5), np.float32)
    assert not blas.matmul(a, b, np.empty((4, 5), np.float64))          # mixed dtypes
    assert not blas.matmul(a[:, ::2], b[::2], np.empty((4, 5), np.float32))   # strided
    assert not blas.matmul(a, b, np.empty((5, 4), np.float32).T)        # transposed output
    assert not blas.matmul(a.astype(np.int64), b.astype(np.int64), np.empty((4, 5), np.int64))
    out = np.empty((4, 5), np.float32)
    linalg.serial_matmul(a[:, ::2], b[::2], out)                        # NumPy takes those
    np.testing.assert_array_equal(out, np.full((4, 5), 3, np.float32))


def test_private_instance_is_single_threaded_and_leaves_numpy_alone():
    from kernels.cpu import threads
    core = blas.instance().get("core")
    assert core                                           # the instance reports its kernels
    if threads.blas_controlled():
        get = threads._BLAS[0]
        before = get()
        blas.matmul(np.ones((8, 8)), np.ones((8, 8)), np.empty((8, 8)))
        assert get() == before
