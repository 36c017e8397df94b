"""'dist_sync' / 'dist_device_sync' on MPI: every worker keeps a replica of the store.

MXNet's dist_sync sends gradients to parameter servers, which sum the pushes of all workers
and apply the optimizer.  Here there are no servers: init broadcasts rank 0's values; a push
sums each key over the devices of the worker, then over the workers with a bucketed
MPI Allreduce; every rank then applies the same update (the optimizer of set_optimizer, or
assignment of the sum) to its replica, so the stored values stay identical on every rank.
Pull reads the local replica (no communication).  Ranks must push the same keys in the same
order; with MXNET_KVSTORE_DIST_CHECK=1 (the default) each push compares the keys, shapes and
dtypes across ranks first (one 16-byte Allreduce) and raises MXNetError on every rank when
they differ.
"""
import os

import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from . import collectives
from .kvstore import KVStore, _atomic_write

__all__ = ['DistSyncKVStore']


def _describe_mismatch(what, records):
    """A message naming, per key, what each rank gave (records: per rank [[key, shape,
    dtype], ...])."""
    counts = [len(r) for r in records]
    if len(set(counts)) > 1:
        return ("%s: the ranks give different numbers of keys (%s)"
                % (what, ", ".join("rank %d: %d" % (i, n) for i, n in enumerate(counts))))
    for i in range(counts[0]):
        entries = [r[i] for r in records]
        if any(e != entries[0] for e in entries):
            detail = ", ".join("rank %d has key %r shape %s %s" % (rank, e[0], tuple(e[1]), e[2])
                               for rank, e in enumerate(entries))
            return "%s: arrays differ across workers: %s" % (what, detail)
    return "%s: arrays differ across workers" % what


class DistSyncKVStore(KVStore):
    """The synchronous data-parallel store over MPI.COMM_WORLD (see module docstring)."""

    _compress_per_device = False    # as MXNet: devices sum uncompressed, the worker compresses

    def __init__(self, name='dist_sync'):
        super().__init__(name)
        MPI = collectives.mpi()
        self._comm = MPI.COMM_WORLD
        self._coll = collectives.Collectives(self._comm)
        self._check = os.environ.get("MXNET_KVSTORE_DIST_CHECK", "1") != "0"
        self._result_buf = {}
        collectives.abort_on_uncaught_exception(self._comm)

    @property
    def rank(self):
        return self._comm.Get_rank()

    @property
    def num_workers(self):
        return self._comm.Get_size()

    def _records(self, names, arrays):
        return [[str(n), list(a.shape), a._data.dtype.name] for n, a in zip(names, arrays)]

    def _check_same(self, what, names, arrays):
        records = self._records(names, arrays)
        if not self._coll.same_on_all_ranks(records):
            raise MXNetError(_describe_mismatch("KVStore.%s (%s)" % (what, self._type),
                                                self._coll.allgather_json(records)))

    def _init_values(self, ikeys, values, names):
        """Check that every rank initialises the same keys with the same shapes and dtypes,
        then give every rank rank 0's values."""
        self._check_same("init", names, values)
        super()._init_values(ikeys, values, names)
        self._coll.broadcast([self._store[k]._data for k in ikeys], root=0)

    def _reduce_across_workers(self, ikeys, merged):
        if self._compression is not None:
            merged = [NDArray(self._compression.quantize(k, "worker", m._data), m.context)
                      for k, m in zip(ikeys, merged)]
        if self._check:
            self._check_same("push", [self._user_key(k) for k in ikeys], merged)
        results = []
        for ikey, m in zip(ikeys, merged):
            stored = self._store[ikey]
            if self._updater is None and stored._data.dtype == m._data.dtype:
                results.append(stored)      # the sum lands in the store: no extra copy
                continue
            buf = self._result_buf.get(ikey)
            if buf is None or buf._data.dtype != m._data.dtype:
                buf = NDArray(np.empty(m.shape, m._data.dtype), stored.context)
                self._result_buf[ikey] = buf
            results.append(buf)
        self._coll.allreduce([m._data for m in merged], [r._data for r in results])
        return results

    def _write_states(self, fname, data):
        """Only rank 0 writes (the states are the same on every rank)."""
        if self.rank == 0:
            _atomic_write(fname, data)

    def _barrier(self):
        """Wait until every worker reaches the barrier."""
        self._comm.Barrier()

    barrier = _barrier
