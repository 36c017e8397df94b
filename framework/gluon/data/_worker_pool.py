"""Worker processes for DataLoader(num_workers > 0).

Why not multiprocessing.Pool: a worker that dies (a crash in native code, an OpenMP abort) is
silently replaced by Pool and its batch is never answered; here the parent waits on the result
pipes and on the worker sentinels together, so a dead worker is reported at once.

Start method: a process that has already run a
Numba parallel kernel with the OpenMP threading layer must not fork() a worker that runs one
(GNU OpenMP aborts the child).  'auto' forks while that is safe (no parallel kernel launched yet,
or the TBB layer) — cheap, and lambdas/closures in the dataset work as in MXNet — and otherwise
uses 'forkserver' (a clean server process that imports `framework` once and forks the workers),
where the dataset and batchify_fn must be picklable.  MXNET_DATALOADER_START_METHOD=fork|spawn|
forkserver|auto overrides the choice.

Batches travel as pickled numpy data over pipes: NDArrays are reduced to their numpy buffer
(ForkingPickler reducer below); nothing is ever unpickled from a file.
"""
import atexit
import hashlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import random
import signal
import threading
import time
import traceback
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ...base import MXNetError
from ... import ndarray as nd

_METHODS = ('fork', 'spawn', 'forkserver')


def _rebuild_ndarray(data):
    return nd.NDArray(data)


def _reduce_ndarray(arr):
    return _rebuild_ndarray, (arr._data,)


ForkingPickler.register(nd.NDArray, _reduce_ndarray)


class DataLoaderTimeout(MXNetError, multiprocessing.TimeoutError):
    """A worker did not deliver a batch within DataLoader's `timeout` seconds."""


class _RemoteTraceback(Exception):
    """Carries a worker's traceback text as the __cause__ of the re-raised exception."""

    def __init__(self, tb):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return self.tb


def fork_is_safe():
    """False once this process has launched Numba's OpenMP (or workqueue) thread pool."""
    try:
        import sys
        parallel = sys.modules.get('numba.np.ufunc.parallel')
        if parallel is None or not getattr(parallel, '_is_initialized', False):
            return True
        return getattr(parallel, '_threading_layer', None) == 'tbb'
    except Exception:  # pragma: no cover - defensive
        return False


def choose_start_method():
    """The multiprocessing start method for new workers (see module docstring)."""
    method = os.environ.get('MXNET_DATALOADER_START_METHOD', 'auto').strip().lower()
    available = multiprocessing.get_all_start_methods()
    if method != 'auto':
        if method not in _METHODS or method not in available:
            raise MXNetError("MXNET_DATALOADER_START_METHOD=%r: expected auto or one of %s"
                             % (method, [m for m in _METHODS if m in available]))
        return method
    if 'fork' in available and fork_is_safe():
        return 'fork'
    return 'forkserver' if 'forkserver' in available else 'spawn'


def _worker_seed(worker_id):
    """A seed derived from (not drawn from) the parent's np.random and mx.random state."""
    from ... import random as mx_random
    h = hashlib.sha256(np.random.get_state()[1].tobytes())
    h.update(repr(mx_random._base_seed[0]).encode())
    return (int.from_bytes(h.digest()[:4], 'little') + worker_id) % (2 ** 32)


def _worker_loop(tasks, conn, dataset, batchify_fn, seed):
    """Body of a worker process: (key, indices) tasks in, pickled (key, ok, batch) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ... import random as mx_random
    np.random.seed(seed)
    random.seed(seed)
    mx_random.seed(seed)
    while True:
        task = tasks.get()
        if task is None:
            break
        key, samples = task
        try:
            batch = batchify_fn([dataset[i] for i in samples])
        except BaseException as err:  # noqa: B902 - every failure goes back to the parent
            payload = _error_payload(key, err)
        else:
            try:
                payload = ForkingPickler.dumps((key, True, batch))
            except BaseException as err:  # noqa: B902
                payload = _error_payload(key, MXNetError(
                    "DataLoader: the batch made by batchify_fn (a %s) cannot be sent from the "
                    "worker process to the main one: %s: %s; return NDArrays, numpy arrays, "
                    "numbers or lists/tuples/dicts of them" % (type(batch).__name__,
                                                               type(err).__name__, err)))
        conn.send_bytes(payload)
    conn.close()


def _error_payload(key, err):
    tb = traceback.format_exc()
    try:
        exc = bytes(ForkingPickler.dumps(err))
        pickle.loads(exc)
    except Exception:
        exc = None
    try:
        message = str(err)
    except Exception:
        message = '<unprintable %s>' % type(err).__name__
    return ForkingPickler.dumps((key, False, (exc, type(err).__name__, message, tb)))


def raise_worker_error(info, worker_desc):
    """Re-raise a worker's exception with its traceback attached (as __cause__ and a note)."""
    exc_bytes, type_name, message, tb = info
    err = None
    if exc_bytes is not None:
        try:
            err = pickle.loads(exc_bytes)
        except Exception:
            err = None
    if not isinstance(err, BaseException):
        err = MXNetError("%s raised %s: %s\nTraceback in the worker:\n%s"
                         % (worker_desc, type_name, message, tb))
    elif hasattr(err, 'add_note'):
        err.add_note("(raised in %s; the worker's traceback is shown above)" % worker_desc)
    raise err from _RemoteTraceback(tb)


class ProcessWorkerPool:
    """`num_workers` processes sharing one task queue, one result pipe each."""

    def __init__(self, num_workers, dataset, batchify_fn):
        self.method = choose_start_method()
        ctx = multiprocessing.get_context(self.method)
        if self.method == 'forkserver':
            _preload_forkserver(ctx)
        self._tasks = ctx.SimpleQueue()
        self._results = {}
        self._dropped = set()
        self._conns = {}      # reader connection -> worker index
        self._closed_conns = {}
        self._sentinels = {}  # process sentinel -> worker index
        self._workers = []
        self._broken = None
        _LIVE_POOLS.add(self)
        in_main = threading.current_thread() is threading.main_thread()
        old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            for i in range(num_workers):
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker_loop, daemon=True,
                                   args=(self._tasks, writer, dataset, batchify_fn,
                                         _worker_seed(i)))
                try:
                    proc.start()
                except Exception as err:
                    reader.close()
                    writer.close()
                    self.shutdown()
                    raise MXNetError(
                        "DataLoader could not start worker processes with the '%s' start "
                        "method: %s: %s.  With 'spawn'/'forkserver' (used once this process "
                        "has run a parallel Numba kernel, because fork() would abort the "
                        "workers) the dataset and batchify_fn must be picklable: define them "
                        "at module level (no lambdas or local functions), or pass "
                        "thread_pool=True, or create the DataLoader before running any model."
                        % (self.method, type(err).__name__, err)) from None
                writer.close()
                self._workers.append(proc)
                self._conns[reader] = i
                self._sentinels[proc.sentinel] = i
        finally:
            if old_handler is not None:
                signal.signal(signal.SIGINT, old_handler)

    def submit(self, key, samples):
        self._check_broken()
        self._tasks.put((key, list(samples)))

    def drop(self, serial):
        """Forget the pending and future results of iterator `serial`."""
        self._dropped.add(serial)
        for key in [k for k in self._results if k[0] == serial]:
            del self._results[key]

    def _check_broken(self):
        if self._broken is not None:
            raise MXNetError(self._broken)

    def _receive(self, conn):
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            self._closed_conns[conn] = self._conns.pop(conn)
            conn.close()
            return
        key, ok, payload = pickle.loads(data)
        if key[0] not in self._dropped:
            self._results[key] = (ok, payload, self._conns[conn])

    def get(self, key, timeout):
        """The batch of task `key`; raises the worker's error, a timeout, or a dead worker."""
        deadline = time.monotonic() + timeout
        while key not in self._results:
            self._check_broken()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DataLoaderTimeout(
                    "Worker timed out after %s seconds. This might be caused by a slow "
                    "transform: increase `timeout` to allow slower data loading in each "
                    "worker." % timeout)
            ready = multiprocessing.connection.wait(
                list(self._conns) + list(self._sentinels), timeout=remaining)
            for obj in ready:
                if obj in self._sentinels:
                    self._on_worker_exit(self._sentinels[obj])
                else:
                    self._receive(obj)
        ok, payload, worker = self._results.pop(key)
        if not ok:
            raise_worker_error(payload, "DataLoader worker %d (pid %d)"
                               % (worker, self._workers[worker].pid))
        return payload

    def _on_worker_exit(self, index):
        proc = self._workers[index]
        for conn, i in list(self._conns.items()):
            if i == index:
                while conn in self._conns and conn.poll():
                    self._receive(conn)
        for sentinel, i in list(self._sentinels.items()):
            if i == index:
                del self._sentinels[sentinel]
        proc.join(0.1)
        code = proc.exitcode
        detail = ''
        if code is not None and code < 0:
            try:
                detail = ' (%s)' % signal.Signals(-code).name
            except ValueError:
                pass
        hint = ''
        if code == 1 and self.method != 'fork':
            hint = (" (its error is printed above; with the '%s' start method a worker imports "
                    "the main module again, so a script must create its DataLoader under "
                    "`if __name__ == '__main__':`)" % self.method)
        self._broken = ("DataLoader worker %d (pid %d) exited unexpectedly with exit code %s%s%s; "
                        "the DataLoader restarts its workers at the next epoch"
                        % (index, proc.pid, code, detail, hint))

    @property
    def broken(self):
        return self._broken is not None

    def shutdown(self):
        """Stop the workers: a stop message each, a short join, then terminate."""
        workers, self._workers = self._workers, []
        try:
            for proc in workers:
                if proc.is_alive() and self._tasks is not None:
                    self._tasks.put(None)
        except (OSError, ValueError):
            pass
        deadline = time.monotonic() + 1.0
        for proc in workers:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(1.0)
        for conn in self._conns:
            conn.close()
        self._conns, self._sentinels, self._results = {}, {}, {}
        self._tasks = None  # lets the queue's semaphore be released before interpreter exit


_LIVE_POOLS = weakref.WeakSet()


@atexit.register
def _shutdown_live_pools():
    for pool in list(_LIVE_POOLS):
        try:
            pool.shutdown()
        except Exception:
            pass


class ThreadWorkerPool:
    """The same interface over threads (DataLoader(thread_pool=True))."""

    def __init__(self, num_workers, dataset, batchify_fn):
        from multiprocessing.pool import ThreadPool
        self._pool = ThreadPool(num_workers)
        self._dataset = dataset
        self._batchify_fn = batchify_fn
        self._pending = {}
        self.method = 'thread'
        self.broken = False

    def submit(self, key, samples):
        self._pending[key] = self._pool.apply_async(
            _thread_worker_fn, (list(samples), self._batchify_fn, self._dataset))

    def drop(self, serial):
        for key in [k for k in self._pending if k[0] == serial]:
            del self._pending[key]

    def get(self, key, timeout):
        try:
            return self._pending.pop(key).get(timeout)
        except multiprocessing.TimeoutError:
            raise DataLoaderTimeout(
                "Worker timed out after %s seconds. This might be caused by a slow transform: "
                "increase `timeout` to allow slower data loading in each worker."
                % timeout) from None

    def shutdown(self):
        self._pool.terminate()


def _thread_worker_fn(samples, batchify_fn, dataset):
    return batchify_fn([dataset[i] for i in samples])


def _preload_forkserver(ctx):
    """Have the fork server import `framework` once, so each worker starts in milliseconds."""
    from multiprocessing import forkserver
    server = forkserver._forkserver
    if getattr(server, '_forkserver_pid', None) is None:
        ctx.set_forkserver_preload(['framework'])
