"""NDArray storage on mx.gpu(i): numba CUDA device arrays (see docs/CUDA.md).

An NDArray's `_data` is a C-contiguous NumPy array on CPU contexts and a C-contiguous numba
device array (`cuda.device_array`; the simulator's FakeCUDAArray under
NUMBA_ENABLE_CUDASIM=1) on GPU contexts.  This module holds every storage operation that
differs between the two: allocation, host <-> device copies, in-place assignment (with
broadcasting and dtype conversion, as `arr[...] = value` on the CPU) and accumulation.
numba.cuda is imported only when a GPU context is used, so importing framework works on
machines without numba-cuda; an unusable gpu(i) raises MXNetError.
"""
import threading

import numpy as np

from ..base import MXNetError

GPU_TYPEID = 2
_ready = set()                    # device ids checked to exist
_local = threading.local()        # the CUDA device current in this thread


def is_gpu(ctx):
    return ctx.device_typeid == GPU_TYPEID


def on_device(data):
    """Whether `data` (an NDArray's `_data`) lives in device memory."""
    return not isinstance(data, np.ndarray)


def _cuda():
    from kernels.cuda.runtime import require
    return require()


def check(ctx):
    """MXNetError unless gpu(ctx.device_id) exists; make it this thread's CUDA device."""
    dev = ctx.device_id
    if dev not in _ready:
        from ..context import num_gpus
        n = num_gpus()
        if n <= dev:
            raise MXNetError("%s is not available: %d GPU(s) found (the CUDA backend needs "
                             "numba-cuda and a GPU)" % (ctx, n))
        _ready.add(dev)
    if getattr(_local, "device", None) != dev:
        _cuda().select_device(dev)
        _local.device = dev
    return ctx


def synchronize():
    """Wait for the kernels launched on this thread's CUDA device (none used: no-op)."""
    if _ready:
        _cuda().synchronize()


def empty(shape, dtype, ctx):
    """An uninitialized C-contiguous device array on `ctx`."""
    check(ctx)
    return _cuda().device_array(tuple(int(s) for s in shape), dtype=np.dtype(dtype))


def fill(data, value):
    """data[...] = value (a scalar) on the device."""
    from kernels.cuda import codegen
    if data.size:
        codegen.fill(data, value)
    return data


def zeros(shape, dtype, ctx):
    check(ctx)
    from kernels.cuda.memory import zeros as _zeros
    return _zeros(shape, dtype)


def alloc_zeros(shape, dtype, ctx):
    """Zero-filled `_data` for `ctx`: a NumPy array on the CPU, a device array on a GPU."""
    if ctx.device_typeid == GPU_TYPEID:
        return zeros(shape, dtype, ctx)
    return np.zeros(shape, dtype)


def _standard(host, dtype=None):
    """`host` as a C-contiguous array with the standard strides of its shape (NumPy leaves
    any stride, even 0, on size-1 axes; device copies need the real layout)."""
    host = np.asarray(host, dtype=dtype)
    want, acc = [], host.dtype.itemsize
    for d in reversed(host.shape):
        want.append(acc)
        acc *= d
    if host.strides == tuple(reversed(want)):
        return host
    out = np.empty(host.shape, host.dtype)
    out[...] = host
    return out


def from_host(array, ctx, dtype=None):
    """A new device array on `ctx` holding a copy of host array `array`."""
    check(ctx)
    return _cuda().to_device(_standard(array, dtype))


def to_host(data):
    """A host copy of `data` (device array), or `data` itself when it is a NumPy array."""
    if isinstance(data, np.ndarray):
        return data
    return data.copy_to_host()


def copy(data):
    """A new device array with the same contents (device-to-device copy)."""
    from kernels.cuda.memory import copy_into
    return copy_into(_cuda().device_array(tuple(data.shape), dtype=data.dtype), data)


def _launch_copy(dst, src):
    from kernels.cuda import codegen
    from kernels.cuda.tensor import COPY
    if len(src.shape) > len(dst.shape):
        raise MXNetError("cannot assign an array of shape %s to one of shape %s"
                         % (tuple(src.shape), tuple(dst.shape)))
    lead = len(dst.shape) - len(src.shape)
    if lead:
        src = src.reshape((1,) * lead + tuple(src.shape))
    codegen.launch(COPY, [dst], [src], op="assign")


def assign(dst, src):
    """dst[...] = src: `dst` an NDArray's `_data` (CPU or device); `src` a scalar, a NumPy
    array or a device array, broadcast to dst's shape and converted to its dtype."""
    if isinstance(dst, np.ndarray):
        dst[...] = src if isinstance(src, np.ndarray) or np.isscalar(src) else to_host(src)
        return dst
    if not dst.size:
        return dst
    shape = tuple(dst.shape)
    if np.isscalar(src) or (isinstance(src, np.ndarray) and src.ndim == 0):
        return fill(dst, src.item() if isinstance(src, np.ndarray) else src)
    if isinstance(src, np.ndarray):
        try:
            host = _standard(np.broadcast_to(src, shape), dst.dtype)
        except ValueError:
            raise MXNetError("cannot assign an array of shape %s to one of shape %s"
                             % (src.shape, shape)) from None
        dst.copy_to_device(host)
        return dst
    if tuple(src.shape) == shape:
        from kernels.cuda.memory import copy_into
        return copy_into(dst, src)
    _launch_copy(dst, src)
    return dst


def add_into(dst, src):
    """dst += src on the device (src broadcastable, converted to dst's dtype)."""
    from kernels.cuda.memory import add_into as _add
    return _add(dst, src)
