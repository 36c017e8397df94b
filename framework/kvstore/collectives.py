"""MPI collectives for the dist store (mpi4py): bucketed allreduce and broadcast of many
NumPy arrays, an allgather of small JSON records, and abort-on-uncaught-exception.

Many small tensors are packed into contiguous buckets (MXNET_KVSTORE_BUCKET_MB, default 16)
so that a step makes one MPI call per bucket, not one per tensor; a tensor at least as big
as a bucket is reduced on its own, straight from its buffer.  No pickle: only NumPy buffers
travel (mpi4py's lower-case, pickling calls are not used).
"""
import hashlib
import json
import os
import sys
import threading
import traceback

import numpy as np

from ..base import MXNetError

_MPI = None
# dtypes MPI sums natively; float16 travels as float32 (MPI has no standard half type)
_WIRE = {np.dtype(t): np.dtype(t) for t in ("float32", "float64", "int8", "uint8", "int32",
                                            "int64")}
_WIRE[np.dtype("float16")] = np.dtype("float32")


def mpi():
    """The mpi4py.MPI module (importing it initialises MPI); MXNetError when missing."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as err:
            raise MXNetError("dist kvstore needs mpi4py and an MPI library: pip install "
                             "'mxnet-numba-framework[dist]' (mpi4py + mpich) (%s)" % err) from None
        _MPI = MPI
    return _MPI


def bucket_bytes():
    """The bucket size in bytes (MXNET_KVSTORE_BUCKET_MB, default 16 MB)."""
    raw = os.environ.get("MXNET_KVSTORE_BUCKET_MB", "16")
    try:
        mb = float(raw)
    except ValueError:
        raise MXNetError("MXNET_KVSTORE_BUCKET_MB must be a number of megabytes, got %r"
                         % raw) from None
    return max(1, int(mb * (1 << 20)))


def wire_dtype(dtype):
    wire = _WIRE.get(np.dtype(dtype))
    if wire is None:
        raise MXNetError("dist kvstore: arrays of dtype %s cannot be summed across workers "
                         "(supported: %s)" % (np.dtype(dtype).name,
                                              ", ".join(sorted(d.name for d in _WIRE))))
    return wire


def _address(arr):
    return arr.__array_interface__["data"][0]


class _Bucket:
    __slots__ = ("wire", "items", "size")

    def __init__(self, wire):
        self.wire = wire
        self.items = []     # (array index, offset, size) in elements
        self.size = 0


class Collectives:
    """Bucketed collectives over one communicator (plans and buffers cached per layout)."""

    def __init__(self, comm, bucket_nbytes=None):
        self.comm = comm
        self.bucket_nbytes = bucket_bytes() if bucket_nbytes is None else int(bucket_nbytes)
        self._plans = {}
        self._buffers = {}
        self.calls = 0      # MPI calls made by allreduce/broadcast (for tests and figures)

    # --- planning -------------------------------------------------------------------------
    def plan(self, layout):
        """Buckets for arrays of `layout` ((shape, dtype) per array): arrays keep their order
        within a dtype; a bucket closes when the next array would overflow it; an array of at
        least a bucket's size (same wire dtype) is a bucket of its own, reduced in place."""
        plan = self._plans.get(layout)
        if plan is not None:
            return plan
        plan, open_buckets = [], {}
        for index, (shape, dtype) in enumerate(layout):
            wire = wire_dtype(dtype)
            size = int(np.prod(shape, dtype=np.int64))
            nbytes = size * wire.itemsize
            if nbytes == 0:
                continue
            if nbytes >= self.bucket_nbytes:
                single = _Bucket(wire)
                single.items.append((index, 0, size))
                single.size = size
                plan.append(single)
                continue
            bucket = open_buckets.get(wire)
            if bucket is not None and (bucket.size + size) * wire.itemsize > self.bucket_nbytes:
                bucket = None
            if bucket is None:
                bucket = open_buckets[wire] = _Bucket(wire)
                plan.append(bucket)
            bucket.items.append((index, bucket.size, size))
            bucket.size += size
        self._plans[layout] = plan
        return plan

    def _buffer(self, wire, size):
        buf = self._buffers.get(wire)
        if buf is None or buf.size < size:
            buf = self._buffers[wire] = np.empty(max(size, 1), dtype=wire)
        return buf[:size]

    # --- collectives ------------------------------------------------------------------------
    def allreduce(self, srcs, dsts):
        """dsts[i] = the sum over ranks of srcs[i] (C-contiguous NumPy arrays; a dst may be
        its src).  One MPI Allreduce per bucket."""
        MPI = mpi()
        layout = tuple((a.shape, a.dtype.str) for a in srcs)
        for bucket in self.plan(layout):
            self.calls += 1
            if len(bucket.items) == 1 and srcs[bucket.items[0][0]].dtype == bucket.wire:
                index = bucket.items[0][0]
                src, dst = srcs[index], dsts[index]
                if src is dst or _address(src) == _address(dst):
                    self.comm.Allreduce(MPI.IN_PLACE, dst, op=MPI.SUM)
                else:
                    self.comm.Allreduce(src, dst, op=MPI.SUM)
                continue
            buf = self._buffer(bucket.wire, bucket.size)
            for index, off, size in bucket.items:
                buf[off:off + size] = srcs[index].reshape(-1)
            self.comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
            for index, off, size in bucket.items:
                np.copyto(dsts[index].reshape(-1), buf[off:off + size], casting="unsafe")

    def broadcast(self, arrays, root=0):
        """Every rank's arrays take root's values (bucketed, one MPI Bcast per bucket)."""
        layout = tuple((a.shape, a.dtype.str) for a in arrays)
        rank = self.comm.Get_rank()
        for bucket in self.plan(layout):
            self.calls += 1
            if len(bucket.items) == 1 and arrays[bucket.items[0][0]].dtype == bucket.wire:
                self.comm.Bcast(arrays[bucket.items[0][0]], root=root)
                continue
            buf = self._buffer(bucket.wire, bucket.size)
            if rank == root:
                for index, off, size in bucket.items:
                    buf[off:off + size] = arrays[index].reshape(-1)
            self.comm.Bcast(buf, root=root)
            for index, off, size in bucket.items:
                np.copyto(arrays[index].reshape(-1), buf[off:off + size], casting="unsafe")

    def allgather_json(self, record):
        """Every rank's JSON-serialisable `record`, in rank order (no pickle)."""
        data = np.frombuffer(json.dumps(record).encode("utf-8"), dtype=np.uint8)
        counts = np.empty(self.comm.Get_size(), dtype=np.int64)
        self.comm.Allgather(np.array([data.size], dtype=np.int64), counts)
        recv = np.empty(int(counts.sum()), dtype=np.uint8)
        self.comm.Allgatherv(data, [recv, counts.tolist()])
        out, off = [], 0
        for n in counts.tolist():
            out.append(json.loads(recv[off:off + n].tobytes().decode("utf-8")))
            off += n
        return out

    def same_on_all_ranks(self, record):
        """Whether `record` (JSON-serialisable) is equal on every rank: one tiny Allreduce of
        a 63-bit digest with MAX and of its negation (MIN)."""
        MPI = mpi()
        digest = hashlib.blake2b(json.dumps(record).encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little") >> 1
        both = np.array([value, -value], dtype=np.int64)
        self.comm.Allreduce(MPI.IN_PLACE, both, op=MPI.MAX)
        return int(both[0]) == value and int(-both[1]) == value


_hook_installed = False


def abort_on_uncaught_exception(comm):
    """Make an uncaught exception on any rank (main or other thread) print its traceback
    and end the whole job with MPI Abort, so that no rank waits forever in a collective."""
    global _hook_installed
    if _hook_installed or comm.Get_size() < 2:
        return
    _hook_installed = True
    rank = comm.Get_rank()
    previous = sys.excepthook

    def _abort(kind):
        try:
            sys.stderr.write("[rank %d] %s: aborting the MPI job\n" % (rank, kind))
            sys.stderr.flush()
        finally:
            comm.Abort(1)

    def excepthook(etype, value, tb):
        try:
            if previous is not sys.__excepthook__ and previous is not None:
                previous(etype, value, tb)
            else:
                traceback.print_exception(etype, value, tb)
        finally:
            _abort("uncaught %s" % etype.__name__)

    def thread_excepthook(args):
        if args.exc_type is SystemExit:
            return
        try:
            traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)
        finally:
            _abort("uncaught %s in thread %s" % (args.exc_type.__name__,
                                                 getattr(args.thread, "name", "?")))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
