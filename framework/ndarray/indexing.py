"""NDArray.__getitem__ / __setitem__ with MXNet 1.x semantics.

Basic indexing (ints, slices, None, Ellipsis) returns a view when the result is contiguous
in memory (writes go through, as MXNet's `_at`/`_slice` views) and a copy otherwise;
an all-integer index returns shape (1,), as MXNet's legacy arrays have no 0-d shape.
Integer-array indexing (NDArray, list, NumPy array) gathers a copy.  While recording for
autograd, indexing runs as registered ops so gradients flow.  On a GPU (device arrays) the
same rules hold: the index is resolved on a host stand-in of the array's geometry (no
data), contiguous results are device views, others a strided copy kernel; one integer
array gathers with `take`.
"""
import numpy as np

from compiler.ops import registry
from ..base import MXNetIndexError, MXNetError
from .. import autograd
from .dispatch import invoke


def _is_basic(key):
    items = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis
               for k in items) and not isinstance(key, bool)


def _to_numpy_index(key):
    from .ndarray import NDArray
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, NDArray):
            k = k._data
            if k.dtype.kind == "f":
                k = k.astype(np.int64)
        elif isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.dtype.kind == "f":
            k = k.astype(np.int64)
        out.append(k)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _check_bounds(arr, key):
    items = key if isinstance(key, tuple) else (key,)
    n_index = sum(1 for k in items if k is not None and k is not Ellipsis)
    if n_index > arr.ndim:
        raise MXNetIndexError("too many indices (%d) for an array of shape %s" % (n_index, arr.shape))


def get_item(arr, key):
    from .ndarray import NDArray
    if autograd.is_recording() and arr._ag is not None:
        return _get_recorded(arr, key)
    if not isinstance(arr._data, np.ndarray):
        return _get_device(arr, key)
    nkey = _to_numpy_index(key)
    _check_bounds(arr, nkey)
    try:
        view = arr._data[nkey]
    except IndexError as err:
        raise MXNetIndexError("index %r is out of bounds for shape %s: %s" % (key, arr.shape, err)) from None
    if view.ndim == 0:
        view = view.reshape(1)
    if _is_basic(key) and view.flags.c_contiguous and np.shares_memory(view, arr._data):
        return NDArray(view, arr._ctx)
    return NDArray(np.ascontiguousarray(view).copy() if np.shares_memory(view, arr._data)
                   else np.ascontiguousarray(view), arr._ctx)


def _get_recorded(arr, key):
    """Indexing as ops: slice + reshape for basic keys, take for one integer array."""
    from .ndarray import NDArray
    if isinstance(key, (NDArray, list, np.ndarray)):
        idx = key if isinstance(key, NDArray) else NDArray(np.asarray(key, dtype=np.float32), arr._ctx)
        if not isinstance(arr._data, np.ndarray) and not isinstance(key, NDArray):
            from . import device
            idx = NDArray(device.from_host(idx._data, arr._ctx), arr._ctx)
        return invoke(registry.get("take"), [arr, idx], {"axis": 0})
    if not _is_basic(key):
        raise MXNetError("indexing %r of an array recorded for autograd is not supported; "
                         "use take, pick or gather_nd" % (key,))
    items = list(key) if isinstance(key, tuple) else [key]
    if Ellipsis in items:
        pos = items.index(Ellipsis)
        n_fill = arr.ndim - sum(1 for k in items if k is not None and k is not Ellipsis)
        items[pos:pos + 1] = [slice(None)] * n_fill
    begin, end, step, out_shape, axis = [], [], [], [], 0
    for k in items:
        if k is None:
            out_shape.append(1)
            continue
        if axis >= arr.ndim:
            raise MXNetIndexError("too many indices for an array of shape %s" % (arr.shape,))
        dim = arr.shape[axis]
        if isinstance(k, slice):
            start, stop, stride = k.indices(dim)
            begin.append(start)
            end.append(stop if stop >= 0 else None)
            step.append(stride)
            out_shape.append(len(range(start, stop, stride)))
        else:
            k = int(k)
            if not -dim <= k < dim:
                raise MXNetIndexError("index %d is out of bounds for axis %d with size %d" % (k, axis, dim))
            k %= dim
            begin.append(k)
            end.append(k + 1)
            step.append(1)
        axis += 1
    out_shape += list(arr.shape[axis:])
    sliced = invoke(registry.get("slice"), [arr], {"begin": tuple(begin), "end": tuple(end),
                                                   "step": tuple(step)})
    if not out_shape:
        out_shape = [1]
    if tuple(out_shape) != sliced.shape:
        sliced = invoke(registry.get("Reshape"), [sliced], {"shape": tuple(out_shape)})
    return sliced


def set_item(arr, key, value):
    from .ndarray import NDArray
    if isinstance(value, NDArray):
        if value._ctx != arr._ctx:
            raise MXNetError("__setitem__: value is on %s but the array is on %s" % (value._ctx, arr._ctx))
        value = value._data
    elif not np.isscalar(value):
        value = np.asarray(value)
    if not isinstance(arr._data, np.ndarray):
        return _set_device(arr, key, value)
    nkey = _to_numpy_index(key)
    _check_bounds(arr, nkey)
    try:
        arr._data[nkey] = value
    except IndexError as err:
        raise MXNetIndexError("index %r is out of bounds for shape %s: %s" % (key, arr.shape, err)) from None
    except ValueError as err:
        shape = getattr(value, "shape", ())
        raise MXNetError("__setitem__: cannot assign a value of shape %s to index %r of an array "
                         "of shape %s: %s" % (shape, key, arr.shape, err)) from None


# --- GPU (device array) indexing ---------------------------------------------------------

def _get_device(arr, key):
    from .ndarray import NDArray
    from . import device
    if isinstance(key, (NDArray, list, np.ndarray)):
        idx = key if isinstance(key, NDArray) else NDArray(
            device.from_host(np.asarray(key, dtype=np.int64), arr._ctx), arr._ctx)
        return invoke(registry.get("take"), [arr, idx], {"axis": 0, "mode": "raise"})
    if not _is_basic(key):
        raise MXNetError("indexing %r of an array on %s is not supported: basic indices "
                         "(int, slice, None, Ellipsis) or one integer array; use take, pick or "
                         "gather_nd" % (key, arr._ctx))
    from kernels.cuda import slicing
    _check_bounds(arr, key)
    offset, shape, strides, contiguous = slicing.geometry(arr.shape, key)
    size = int(np.prod(shape, dtype=np.int64))
    if size and contiguous:                      # a view that writes through
        return NDArray(arr._data.reshape(arr.size)[offset:offset + size].reshape(shape),
                       arr._ctx)
    out = device.empty(shape, arr._data.dtype, arr._ctx)
    slicing.gather(arr._data, out, offset, strides, op="__getitem__")
    return NDArray(out, arr._ctx)


def _set_device(arr, key, value):
    from . import device
    if not _is_basic(key):
        raise MXNetError("__setitem__ with index %r on %s is not supported: basic indices "
                         "(int, slice, None, Ellipsis) only" % (key, arr._ctx))
    from kernels.cuda import slicing
    _check_bounds(arr, key)
    offset, shape, strides, contiguous = slicing.geometry(arr.shape, key)
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:
        return
    if contiguous:
        target = arr._data.reshape(arr.size)[offset:offset + size].reshape(shape)
    else:
        target = device.empty(shape, arr._data.dtype, arr._ctx)
    try:
        device.assign(target, value if device.on_device(value) or np.isscalar(value)
                      else np.asarray(value))
    except (ValueError, TypeError, MXNetError) as err:
        raise MXNetError("__setitem__: cannot assign a value of shape %s to index %r of an "
                         "array of shape %s: %s" % (getattr(value, "shape", ()), key,
                                                    arr.shape, err)) from None
    if not contiguous:
        slicing.scatter(arr._data, target, offset, strides, op="__setitem__")
