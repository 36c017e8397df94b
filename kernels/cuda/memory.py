"""Device memory for executors: a pool of byte buffers reused across calls, and typed views
into one arena (the device twin of compiler/plan.py's `np.zeros(arena_bytes, uint8)` and
`arena[offset:offset + nbytes].view(dtype)`).

An ExecPlan's memory plan packs every intermediate into one arena at 64-byte aligned
offsets; on the device the bound plan asks the pool for an arena of that size once, keeps
the typed views for its steps, and returns the arena when it is released, so repeated
forward/backward calls (and re-binds of the same network) allocate nothing.  Buffers are
kept by power-of-two size class; `trim()` hands cached buffers back to the driver.
"""
import numpy as np

from compiler.errors import MXNetValueError
from .runtime import require

MIN_BYTES = 256


def _size_class(nbytes):
    n = max(int(nbytes), MIN_BYTES)
    return 1 << (n - 1).bit_length()


class DevicePool:
    """Byte buffers by power-of-two size class, reused after `release`."""

    def __init__(self):
        self._free = {}
        self.allocated_bytes = 0
        self.reused = 0

    def acquire(self, nbytes):
        """A uint8 device buffer of at least `nbytes` (from the cache when one is free)."""
        size = _size_class(nbytes)
        free = self._free.get(size)
        if free:
            self.reused += 1
            return free.pop()
        self.allocated_bytes += size
        return require().device_array(size, np.uint8)

    def release(self, buf):
        """Return a buffer from `acquire` to the pool (its contents are not cleared)."""
        self._free.setdefault(int(buf.size), []).append(buf)

    def cached_bytes(self):
        return sum(size * len(bufs) for size, bufs in self._free.items())

    def trim(self):
        """Drop every cached buffer (the driver frees them when unreferenced)."""
        self.allocated_bytes -= self.cached_bytes()
        self._free.clear()


def view(arena, offset, shape, dtype):
    """The (shape, dtype) array at byte `offset` of uint8 device buffer `arena` (no copy)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if offset % dtype.itemsize or offset < 0 or offset + nbytes > arena.size:
        raise MXNetValueError("arena view: %d bytes of %s at offset %d do not fit an arena of "
                              "%d bytes (or are misaligned)" % (nbytes, dtype.name, offset,
                                                                arena.size))
    if nbytes == 0:
        return require().device_array(shape, dtype)
    return arena[offset:offset + nbytes].view(dtype).reshape(shape)


_default = None


def default_pool():
    """The process-wide pool (one per device in the wiring session)."""
    global _default
    if _default is None:
        _default = DevicePool()
    return _default
