"""Helpers of NDArrayIter (mx.io.utils): canonical (name, NDArray) lists, shuffling, slicing."""
from collections import OrderedDict

import numpy as np

from ..base import MXNetAssertionError, MXNetError, MXNetTypeError
from ..ndarray import NDArray, array

__all__ = ['_init_data', '_has_instance', '_getdata_by_idx', '_slice_along_batch_axis']


def _init_data(data, allow_empty, default_name):
    """Data as a name-sorted list of (name, NDArray); numpy input becomes float32 as in MXNet."""
    if data is None and not allow_empty:
        raise MXNetAssertionError("NDArrayIter: data must be given")
    if data is None:
        data = []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, list):
        if not allow_empty and not data:
            raise MXNetAssertionError("NDArrayIter: data must not be an empty list")
        if len(data) == 1:
            data = OrderedDict([(default_name, data[0])])
        else:
            data = OrderedDict([('_%d_%s' % (i, default_name), d) for i, d in enumerate(data)])
    if not isinstance(data, dict):
        raise MXNetTypeError("Input must be NDArray, numpy.ndarray, h5py.Dataset " +
                             "a list of them or dict with them as values")
    for k, v in data.items():
        if not isinstance(v, NDArray):
            try:
                data[k] = array(v)
            except Exception:
                raise MXNetTypeError(("Invalid type '%s' for %s, " % (type(v), k)) +
                                     "should be NDArray, numpy.ndarray or h5py.Dataset") from None
    return list(sorted(data.items()))


def _has_instance(data, dtype):
    """True if an array of `data` (a list of (name, array)) is an instance of `dtype`."""
    return any(isinstance(arr, dtype) for _, arr in data)


def _getdata_by_idx(data, idx):
    """The arrays reordered by `idx` (MXNet goes through nd.array: the dtype becomes float32)."""
    return [(k, array(v.asnumpy()[idx], v.context)) for k, v in data]


def _slice_along_batch_axis(data, s, batch_axis):
    """A copy of data[s] along `batch_axis` (NDArray.slice_axis semantics, without dispatch)."""
    size = data.shape[batch_axis]
    if s.stop is not None and s.stop > size:
        raise MXNetError("slice_axis: Invalid end for end=%d as axis_size is %d (NDArrayIter "
                         "counts samples along axis 0 whatever the layout, as MXNet does)"
                         % (s.stop, size))
    index = [slice(None)] * data.ndim
    index[batch_axis] = s
    return NDArray(np.array(data._data[tuple(index)], order='C'), data.context)
