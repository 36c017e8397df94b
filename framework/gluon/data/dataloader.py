"""DataLoader: mini-batches from a Dataset, optionally built by worker processes or threads
(mx.gluon.data.dataloader).  Worker details: _worker_pool.py."""
import itertools

import numpy as np

from ...base import MXNetTypeError, MXNetValueError, MXNetAssertionError
from ... import context
from ... import ndarray as nd
from . import sampler as _sampler
from ._worker_pool import ProcessWorkerPool, ThreadWorkerPool, DataLoaderTimeout  # noqa: F401

__all__ = ['DataLoader', 'default_batchify_fn', 'default_mp_batchify_fn']


def _stack(arrays):
    try:
        data = np.stack([a._data for a in arrays])
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise MXNetValueError("default_batchify_fn: cannot stack samples of different shapes %s "
                              "into one batch; pass a batchify_fn that pads or keeps them as a "
                              "list" % (shapes,)) from None
    return nd.NDArray(data, arrays[0].context)


def default_batchify_fn(data):
    """Collate samples into a batch: NDArrays are stacked, tuples batched field by field,
    anything else goes through np.asarray and keeps its numpy dtype."""
    if isinstance(data[0], nd.NDArray):
        return _stack(data)
    if isinstance(data[0], tuple):
        return [default_batchify_fn(i) for i in zip(*data)]
    try:
        data = np.asarray(data)
    except ValueError as err:
        raise MXNetValueError("default_batchify_fn: cannot batch samples of different shapes: "
                              "%s" % err) from None
    if data.dtype.kind not in 'biuf':
        raise MXNetTypeError("default_batchify_fn: cannot make an NDArray of dtype %s from "
                             "samples of type %s" % (data.dtype, type(data.flat[0]).__name__))
    return nd.array(data, dtype=data.dtype)


def default_mp_batchify_fn(data):
    """The batchify function of worker processes.  MXNet builds the batch in shared memory
    (context cpu_shared); here batches travel to the parent as numpy data and arrive on cpu()."""
    return default_batchify_fn(data)


def _as_in_context(data, ctx):
    """Move (nested lists of) NDArrays to `ctx`."""
    if isinstance(data, nd.NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return [_as_in_context(d, ctx) for d in data]
    return data


class _MultiWorkerIter:
    """One pass over the batch sampler with `prefetch` batches requested ahead of use."""

    _serials = itertools.count()

    def __init__(self, pool, batch_sampler, pin_memory=False, pin_device_id=0, prefetch=0,
                 timeout=120):
        self._pool = pool
        self._batch_sampler = batch_sampler
        self._serial = next(self._serials)
        self._rcvd_idx = 0
        self._sent_idx = 0
        self._iter = iter(batch_sampler)
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._timeout = timeout
        self._done = False
        for _ in range(prefetch):
            self._push_next()

    def __len__(self):
        return len(self._batch_sampler)

    def _push_next(self):
        r = next(self._iter, None)
        if r is None:
            return
        self._pool.submit((self._serial, self._sent_idx), r)
        self._sent_idx += 1

    def __next__(self):
        self._push_next()
        if self._rcvd_idx == self._sent_idx:
            self._done = True
            raise StopIteration
        batch = self._pool.get((self._serial, self._rcvd_idx), self._timeout)
        self._rcvd_idx += 1
        if self._pin_memory:
            batch = _as_in_context(batch, context.cpu_pinned(self._pin_device_id))
        return batch

    next = __next__

    def __iter__(self):
        return self

    def __del__(self):
        if not self._done and self._rcvd_idx < self._sent_idx:
            try:
                self._pool.drop(self._serial)
            except Exception:
                pass


class DataLoader:
    """Loads mini-batches from `dataset` (MXNet 1.9.1 argument semantics).

    batch_size / shuffle / sampler / last_batch ('keep', 'discard', 'rollover') build a
    BatchSampler, or give `batch_sampler` alone.  num_workers > 0 builds batches in worker
    processes (threads with thread_pool=True), `prefetch` (default 2 * num_workers) batches
    ahead; `timeout` seconds per batch.  Workers are started once, here, and reused every epoch.
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None,
                 last_batch=None, batch_sampler=None, batchify_fn=None,
                 num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=False):
        self._worker_pool = None
        self._iter = None
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        self._timeout = timeout
        if not timeout > 0:
            raise MXNetAssertionError("timeout must be positive, given {}".format(timeout))

        if batch_sampler is None:
            if batch_size is None:
                raise MXNetValueError("batch_size must be specified unless "
                                      "batch_sampler is specified")
            _sampler.check_batch_size(batch_size)
            if sampler is None:
                if shuffle:
                    sampler = _sampler.RandomSampler(len(dataset))
                else:
                    sampler = _sampler.SequentialSampler(len(dataset))
            elif shuffle:
                raise MXNetValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(
                sampler, batch_size, last_batch if last_batch else 'keep')
        elif batch_size is not None or shuffle or sampler is not None or \
                last_batch is not None:
            raise MXNetValueError("batch_size, shuffle, sampler and last_batch must "
                                  "not be specified if batch_sampler is specified.")

        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(0, int(prefetch) if prefetch is not None else 2 * self._num_workers)
        if batchify_fn is None:
            batchify_fn = default_mp_batchify_fn if num_workers > 0 else default_batchify_fn
        self._batchify_fn = batchify_fn
        if self._num_workers > 0:
            self._start_workers()
        self.auto_reload = auto_reload
        if self.auto_reload:
            self.refresh()
        else:
            self.clean()

    def _start_workers(self):
        pool_cls = ThreadWorkerPool if self._thread_pool else ProcessWorkerPool
        self._worker_pool = pool_cls(self._num_workers, self._dataset, self._batchify_fn)

    @property
    def worker_start_method(self):
        """'fork', 'forkserver' or 'spawn' for worker processes, 'thread', or None (no workers)."""
        return None if self._worker_pool is None else self._worker_pool.method

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        t = self._iter
        self._iter = None  # an iterator is used once
        for item in t:
            yield item
        if self._iter is None and self.auto_reload:
            self.refresh()

    def _prefetch_iter(self):
        if self._num_workers == 0:
            def same_process_iter():
                for batch in self._batch_sampler:
                    ret = self._batchify_fn([self._dataset[idx] for idx in batch])
                    if self._pin_memory:
                        ret = _as_in_context(ret, context.cpu_pinned(self._pin_device_id))
                    yield ret
            return same_process_iter()
        if self._worker_pool is None or self._worker_pool.broken:
            if self._worker_pool is not None:
                self._worker_pool.shutdown()
            self._start_workers()
        return _MultiWorkerIter(self._worker_pool, self._batch_sampler,
                                pin_memory=self._pin_memory, pin_device_id=self._pin_device_id,
                                prefetch=self._prefetch, timeout=self._timeout)

    def __len__(self):
        return len(self._batch_sampler)

    def __del__(self):
        pool = getattr(self, '_worker_pool', None)
        if pool is not None:
            self._worker_pool = None
            try:
                pool.shutdown()
            except Exception:
                pass

    def refresh(self):
        """Start a new pass now (with workers, its first batches start loading at once)."""
        self._iter = self._prefetch_iter()

    def clean(self):
        """Drop the prefetched pass; the next one starts when the loader is iterated."""
        self._iter = None


