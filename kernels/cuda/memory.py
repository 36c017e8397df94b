"""Device memory for executors: a pool of byte buffers reused across calls, and typed views
into one arena (the device twin of compiler/plan.py's `np.zeros(arena_bytes, uint8)` and
`arena[offset:offset + nbytes].view(dtype)`).

An ExecPlan's memory plan packs every intermediate into one arena at 64-byte aligned
offsets; on the device the bound plan asks the pool for an arena of that size once, keeps
the typed views for its steps, and returns the arena when it is released, so repeated
forward/backward calls (and re-binds of the same network) allocate nothing.  Buffers are
kept by power-of-two size class; `trim()` hands cached buffers back to the driver.  One pool
per device (`pool(device_id)`, `current_pool()`); compiler/plan.py's DeviceBoundPlan
acquires its arena at bind and releases it when garbage-collected.  `zeros`, `copy_into`
and `add_into` are the whole-array operations bound plans and NDArray storage use.
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


_pools = {}


def pool(device_id=0):
    """The pool of device `device_id` (bound executor plans take their arenas from it)."""
    p = _pools.get(device_id)
    if p is None:
        p = _pools[device_id] = DevicePool()
    return p


def current_pool():
    """The pool of this thread's current CUDA device."""
    return pool(getattr(require().get_current_device(), "id", 0))


def default_pool():
    """The pool of device 0."""
    return pool(0)


# --- whole-array operations of bound plans and NDArray storage ----------------------------

_ADD = None


def zeros(shape, dtype):
    """A zero-filled device array."""
    from . import codegen
    out = require().device_array(tuple(int(s) for s in shape), dtype=np.dtype(dtype))
    if out.size:
        codegen.fill(out, 0)
    return out


def copy_into(dst, src):
    """dst[...] = src for device arrays of one shape (src converted to dst's dtype): a
    device-to-device copy, or a generated copy kernel when the dtypes differ."""
    if not dst.size:
        return dst
    if src.dtype == dst.dtype and tuple(src.shape) == tuple(dst.shape) and \
            src.is_c_contiguous() and dst.is_c_contiguous():
        dst.copy_to_device(src)
        return dst
    from . import codegen
    from .tensor import COPY
    codegen.launch(COPY, [dst], [src], op="copy")
    return dst


def add_into(dst, src):
    """dst += src for device arrays (src broadcastable to dst, converted to its dtype)."""
    global _ADD
    from . import codegen
    if _ADD is None:
        from ..codegen.elementwise import ElementwiseSpec
        _ADD = ElementwiseSpec(("a", "b"), ["a + b"], tag="cuda_accumulate")
    if dst.size:
        codegen.launch(_ADD, [dst], [dst, src], op="accumulate")
    return dst
