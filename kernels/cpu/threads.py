"""Intra-op parallelism of the CPU kernels: `parallel_for` over a small pool of threads.

Why not BLAS's own threads: OpenBLAS splits one GEMM statically between its threads and its
idle workers then spin for ~0.1 s; on a 2-core machine shared with other processes a GEMM
waits for its descheduled half (measured: the hybridized MLP step went from 5 ms to spikes
of 100+ ms with one busy process beside it), and the spinners starve whatever runs next
(im2col, Winograd transforms, Numba kernels).  So the convolution and GEMM drivers split
their work into independent tasks (GEMM column/row blocks, samples, channels), and the
pool's threads plus the caller pull tasks one at a time: a descheduled thread delays one
task, not half of the op, and the serial glue around a GEMM runs in parallel too.

While a parallel region runs, NumPy's OpenBLAS is switched to one thread (its setter costs
0.2 us) and restored afterwards, so user code keeps its BLAS threading.  Tasks are Python
callables around nogil Numba kernels or np.matmul, both of which release the GIL.
Threads: Numba's thread count of the calling thread (NUMBA_NUM_THREADS,
numba.set_num_threads).  A task that calls parallel_for runs its inner loop serially.
"""
import ctypes
import glob
import os
import threading

import numba
import numpy as np

_local = threading.local()


def _loaded_openblas():
    """Paths of the OpenBLAS libraries this process has loaded (Linux), else []."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f if "openblas" in line.lower()})
    except OSError:
        return []


def numpy_openblas_paths():
    """Candidate paths of the OpenBLAS library NumPy ships (wheel layouts), then the ones
    this process has loaded."""
    site = os.path.dirname(os.path.dirname(np.__file__))
    found = []
    for pattern in ("numpy.libs/*openblas*", "numpy/.libs/*openblas*", "numpy/.dylibs/*openblas*"):
        found += sorted(glob.glob(os.path.join(site, pattern)))
    return found + [p for p in _loaded_openblas() if p not in found]


def _find_blas():
    """(get, set) of the OpenBLAS NumPy uses, or None (another BLAS: left alone)."""
    names = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
             "openblas_set_num_threads64_", "openblas_set_num_threads")
    for path in numpy_openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            setter = getattr(lib, name, None)
            getter = getattr(lib, name.replace("set_", "get_"), None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return getter, setter
    return None


_BLAS = _find_blas()


def blas_controlled():
    """Whether parallel regions can make NumPy's BLAS single-threaded (OpenBLAS found)."""
    return _BLAS is not None


def num_threads():
    """Threads a parallel region uses from the calling thread (1 inside a pool task)."""
    if getattr(_local, "in_task", False):
        return 1
    return numba.get_num_threads()


class _Job:
    __slots__ = ("fn", "count", "next", "done", "lock", "finished", "error")

    def __init__(self, fn, count):
        self.fn, self.count = fn, count
        self.next = self.done = 0
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self.error = None

    def drain(self):
        """Run tasks until none is left; the last one to finish sets `finished`."""
        _local.in_task = True
        try:
            while True:
                with self.lock:
                    i = self.next
                    if i >= self.count:
                        return
                    self.next = i + 1
                try:
                    if self.error is None:
                        self.fn(i)
                except BaseException as e:  # noqa: BLE001  (re-raised in the caller)
                    self.error = self.error or e
                with self.lock:
                    self.done += 1
                    if self.done == self.count:
                        self.finished.set()
        finally:
            _local.in_task = False


class _Pool:
    def __init__(self):
        self.cond = threading.Condition()
        self.jobs = []          # jobs with tasks left, newest last
        self.threads = []
        self.busy = threading.Lock()   # one parallel region at a time; others run serially

    def grow(self, n):
        while len(self.threads) < n:
            t = threading.Thread(target=self._worker, name="framework-cpu-%d" % len(self.threads),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def _worker(self):
        while True:
            with self.cond:
                while not self.jobs:
                    self.cond.wait()
                job = self.jobs[-1]
            job.drain()
            with self.cond:
                if job in self.jobs and job.next >= job.count:
                    self.jobs.remove(job)

    def run(self, job, helpers):
        self.grow(helpers)
        with self.cond:
            self.jobs.append(job)
            self.cond.notify(helpers)
        job.drain()
        job.finished.wait()
        with self.cond:
            if job in self.jobs:
                self.jobs.remove(job)


_pool = _Pool()


def _reset_after_fork():
    global _pool
    _pool = _Pool()


os.register_at_fork(after_in_child=_reset_after_fork)


def blas_single():
    """Make NumPy's OpenBLAS single-threaded; returns the thread count to restore with
    blas_restore (None: nothing to restore)."""
    if _BLAS is None:
        return None
    old = _BLAS[0]()
    if old == 1:
        return None
    _BLAS[1](1)
    return old


def blas_restore(old):
    if old is not None:
        _BLAS[1](old)


def parallel_for(count, fn):
    """fn(0) ... fn(count - 1) on the pool (any order, each once), with NumPy's BLAS
    single-threaded meanwhile; the first exception is re-raised here after every started
    task ended.  Serial when one thread is asked for, inside a task, or while another
    thread runs a parallel region."""
    n = min(num_threads(), count)
    old = blas_single()
    try:
        if n <= 1 or not _pool.busy.acquire(blocking=False):
            for i in range(count):
                fn(i)
            return
        try:
            job = _Job(fn, count)
            _pool.run(job, n - 1)
        finally:
            _pool.busy.release()
    finally:
        blas_restore(old)
    if job.error is not None:
        raise job.error


def blocks(total, parts, align=1):
    """[(start, stop)] splitting range(total) into at most `parts` near-equal blocks whose
    starts are multiples of `align`."""
    parts = max(1, min(parts, -(-total // align)))
    size = -(-(-(-total // parts)) // align) * align
    return [(s, min(total, s + size)) for s in range(0, total, size)]
