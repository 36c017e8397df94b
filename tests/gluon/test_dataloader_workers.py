"""DataLoader with worker processes / threads: same batches as in-process, errors carry the
worker's traceback, a dead or slow worker is reported, and workers are safe after the parent
ran OpenMP-parallel Numba kernels (fork() would abort them: see _worker_pool.py)."""
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from numba import njit, prange

import framework as mx
from framework.base import MXNetError
from framework.gluon import data as gdata
from framework.gluon.data._worker_pool import fork_is_safe, DataLoaderTimeout

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SquareDataset(gdata.Dataset):
    """Module level, so that spawn/forkserver workers can unpickle it."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return mx.nd.NDArray(np.full((2, 3), i * i, np.float32)), np.int32(i)


class FailingDataset(SquareDataset):
    def __getitem__(self, i):
        if i == 5:
            raise KeyError("sample %d is broken on purpose" % i)
        return super().__getitem__(i)


class DyingDataset(SquareDataset):
    def __getitem__(self, i):
        if i == 3:
            os._exit(7)
        return super().__getitem__(i)


class SlowDataset(SquareDataset):
    def __getitem__(self, i):
        time.sleep(3)
        return super().__getitem__(i)


def _epochs(loader, n=2):
    return [[[x.asnumpy().tolist() for x in batch] for batch in loader] for _ in range(n)]


@pytest.fixture
def start_method(request, monkeypatch):
    monkeypatch.setenv("MXNET_DATALOADER_START_METHOD", request.param)
    if request.param == "fork" and not fork_is_safe():
        pytest.skip("this process already launched OpenMP threads: fork is unsafe here")
    return request.param


@pytest.mark.parametrize("start_method", ["fork", "forkserver"], indirect=True)
def test_workers_give_the_in_process_batches(start_method):
    ds = SquareDataset(10)
    want = _epochs(gdata.DataLoader(ds, batch_size=3, last_batch="rollover"))
    dl = gdata.DataLoader(ds, batch_size=3, last_batch="rollover", num_workers=2)
    assert dl.worker_start_method == start_method
    assert _epochs(dl) == want
    batch = next(iter(dl))
    assert isinstance(batch[0], mx.nd.NDArray) and batch[0].dtype == np.float32
    assert batch[1].dtype == np.int32 and batch[0].context == mx.cpu()


@pytest.mark.parametrize("start_method", ["fork", "forkserver"], indirect=True)
def test_digits_with_transform_blocks_in_workers(start_method):
    from framework.gluon.data.vision import Digits, transforms
    ds = Digits(train=False).transform_first(
        transforms.Compose([transforms.ToTensor(), transforms.Normalize(0.5, 0.25)]))
    want = _epochs(gdata.DataLoader(ds, batch_size=100), 1)
    got = _epochs(gdata.DataLoader(ds, batch_size=100, num_workers=2), 1)
    assert got == want and len(got[0]) == 3
    assert np.asarray(got[0][0][0]).shape == (100, 1, 8, 8)


def test_shuffle_with_workers_follows_the_parent_rng():
    ds = SquareDataset(9)
    np.random.seed(3)
    want = _epochs(gdata.DataLoader(ds, batch_size=4, shuffle=True))
    np.random.seed(3)
    got = _epochs(gdata.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, prefetch=1))
    assert got == want


def test_thread_pool_and_lambdas():
    ds = gdata.ArrayDataset(np.arange(7)).transform(lambda v: v * 3)
    dl = gdata.DataLoader(ds, batch_size=3, num_workers=2, thread_pool=True)
    assert dl.worker_start_method == "thread"
    assert [b.asnumpy().tolist() for b in dl] == [[0, 3, 6], [9, 12, 15], [18]]


@pytest.mark.parametrize("thread_pool", [False, True])
def test_worker_exception_propagates_with_traceback(thread_pool):
    dl = gdata.DataLoader(FailingDataset(8), batch_size=2, num_workers=2, thread_pool=thread_pool)
    with pytest.raises(KeyError, match="sample 5 is broken on purpose") as err:
        list(dl)
    if not thread_pool:
        tb = str(err.value.__cause__)
        assert "test_dataloader_workers.py" in tb and "in __getitem__" in tb
        assert 'raise KeyError("sample %d is broken on purpose" % i)' in tb
        assert "DataLoader worker" in " ".join(getattr(err.value, "__notes__", ["DataLoader worker"]))
    # the loader still works for the good samples
    good = gdata.DataLoader(FailingDataset(4), batch_size=2, num_workers=2, thread_pool=thread_pool)
    assert [b[1].asnumpy().tolist() for b in good] == [[0, 1], [2, 3]]


def test_dead_worker_is_reported_at_once_and_workers_restart():
    dl = gdata.DataLoader(DyingDataset(6), batch_size=2, num_workers=2, timeout=60)
    start = time.monotonic()
    with pytest.raises(MXNetError, match=r"DataLoader worker \d \(pid \d+\) exited unexpectedly "
                                         r"with exit code 7"):
        list(dl)
    assert time.monotonic() - start < 30          # not the 60 s timeout
    dl._dataset = SquareDataset(6)                 # next epoch: fresh workers
    assert [b[1].asnumpy().tolist() for b in dl] == [[0, 1], [2, 3], [4, 5]]


def test_timeout():
    dl = gdata.DataLoader(SlowDataset(2), batch_size=1, num_workers=1, timeout=0.5)
    with pytest.raises(DataLoaderTimeout, match="Worker timed out after 0.5 seconds") as err:
        list(dl)
    assert isinstance(err.value, multiprocessing.TimeoutError) and isinstance(err.value, MXNetError)


def test_unpicklable_dataset_under_forkserver_is_explained(monkeypatch):
    monkeypatch.setenv("MXNET_DATALOADER_START_METHOD", "forkserver")
    ds = gdata.ArrayDataset(np.arange(4)).transform(lambda v: v)
    with pytest.raises(MXNetError, match="must be picklable: define them at module level"):
        gdata.DataLoader(ds, batch_size=2, num_workers=1)
    monkeypatch.setenv("MXNET_DATALOADER_START_METHOD", "sometimes")
    with pytest.raises(MXNetError, match="MXNET_DATALOADER_START_METHOD='sometimes'"):
        gdata.DataLoader(SquareDataset(2), batch_size=2, num_workers=1)


@njit(parallel=True, cache=True)
def _parallel_fill(n, value):
    out = np.empty(n, np.float64)
    for i in prange(n):
        out[i] = value + i % 3
    return out


class ParallelKernelDataset(SquareDataset):
    """Each sample runs an OpenMP-parallel Numba kernel inside the worker."""

    def __getitem__(self, i):
        return np.float32(_parallel_fill(200000, float(i)).sum())


_AFTER_KERNELS = textwrap.dedent("""
    import numpy as np, numba.np.ufunc.parallel as par
    import framework as mx
    from framework.gluon import data as gdata
    from tests.gluon.test_dataloader_workers import ParallelKernelDataset, _parallel_fill
    if __name__ == "__main__":
        _parallel_fill(100000, 1.0)                       # the parent runs parallel kernels
        x = mx.nd.relu(mx.nd.ones((512, 512)) * 2 - 1).sum(axis=1).asnumpy()
        assert par._is_initialized and par.threading_layer() == "omp", par.threading_layer()
        dl = gdata.DataLoader(ParallelKernelDataset(6), batch_size=2, num_workers=2)
        for epoch in range(2):
            got = [b.asnumpy().tolist() for b in dl]
        want = [[float(np.float32(_parallel_fill(200000, float(i)).sum())) for i in (j, j + 1)]
                for j in (0, 2, 4)]
        assert got == want, (got, want)
        print("OK", dl.worker_start_method)
""")


@pytest.mark.slow
def test_workers_after_parent_ran_parallel_kernels(tmp_path):
    script = tmp_path / "after_kernels.py"
    script.write_text(_AFTER_KERNELS)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               NUMBA_THREADING_LAYER="omp")
    env.pop("MXNET_DATALOADER_START_METHOD", None)
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK forkserver" in proc.stdout


@pytest.mark.slow
def test_fork_workers_in_a_fresh_process():
    """The fork start method is skipped above once the suite's process has run OpenMP
    kernels; run those tests where fork is still safe: a fresh interpreter."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           os.path.abspath(__file__), "-k", "fork] and not forkserver"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "2 passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-500:]
