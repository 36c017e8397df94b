"""Data iterators (mx.io): DataDesc, DataBatch, DataIter, ResizeIter, PrefetchingIter,
NDArrayIter — MXNet 1.9.1 semantics, including NDArrayIter's last_batch_handle quirks."""
from collections import namedtuple
import threading

import numpy as np

from ..base import MXNetAssertionError, MXNetValueError
from ..ndarray import NDArray
from .utils import _init_data, _getdata_by_idx, _slice_along_batch_axis

__all__ = ['DataDesc', 'DataBatch', 'DataIter', 'ResizeIter', 'PrefetchingIter', 'NDArrayIter']

mx_real_t = np.float32


class DataDesc(namedtuple('DataDesc', ['name', 'shape'])):
    """(name, shape) of a data input, with `dtype` and `layout` attributes ('N' = batch axis)."""

    def __new__(cls, name, shape, dtype=mx_real_t, layout='NCHW'):
        ret = super(cls, DataDesc).__new__(cls, name, shape)
        ret.dtype = dtype
        ret.layout = layout
        return ret

    def __repr__(self):
        return "DataDesc[%s,%s,%s,%s]" % (self.name, self.shape, self.dtype, self.layout)

    @staticmethod
    def get_batch_axis(layout):
        """The index of 'N' in `layout` (0 when layout is None, -1 when there is no 'N')."""
        if layout is None:
            return 0
        return layout.find('N')

    @staticmethod
    def get_list(shapes, types):
        """DataDescs from [(name, shape)] and optional [(name, dtype)]."""
        if types is not None:
            type_dict = dict(types)
            return [DataDesc(x[0], x[1], type_dict[x[0]]) for x in shapes]
        return [DataDesc(x[0], x[1]) for x in shapes]


class DataBatch:
    """One batch: lists of NDArrays `data` and `label`, `pad` (padded samples at the end)..."""

    def __init__(self, data, label=None, pad=None, index=None,
                 bucket_key=None, provide_data=None, provide_label=None):
        if data is not None and not isinstance(data, (list, tuple)):
            raise MXNetAssertionError("Data must be list of NDArrays")
        if label is not None and not isinstance(label, (list, tuple)):
            raise MXNetAssertionError("Label must be list of NDArrays")
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self):
        data_shapes = [d.shape for d in self.data]
        label_shapes = [l.shape for l in self.label] if self.label else None
        return "{}: data shapes: {} label shapes: {}".format(
            self.__class__.__name__, data_shapes, label_shapes)


class DataIter:
    """Base class of data iterators: iterate with `next()` / a for loop, restart with reset()."""

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        """Move to the beginning of the data."""

    def next(self):
        """The next DataBatch; StopIteration at the end."""
        if self.iter_next():
            return DataBatch(data=self.getdata(), label=self.getlabel(),
                             pad=self.getpad(), index=self.getindex())
        raise StopIteration

    def __next__(self):
        return self.next()

    def iter_next(self):
        """Advance; False at the end."""

    def getdata(self):
        """The data of the current batch."""

    def getlabel(self):
        """The label of the current batch."""

    def getindex(self):
        """The indices of the current batch's samples (None if unknown)."""
        return None

    def getpad(self):
        """The number of padded samples in the current batch."""


class ResizeIter(DataIter):
    """Makes `data_iter` yield exactly `size` batches per epoch (restarting it when needed)."""

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__()
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, 'default_bucket_key'):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self):
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


class PrefetchingIter(DataIter):
    """Loads the next batch of one or more iterators in background threads; the batches of
    several iterators are joined (data and label lists concatenated)."""

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        self.n_iter = len(iters)
        if not self.n_iter > 0:
            raise MXNetAssertionError("PrefetchingIter needs at least one iterator")
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.data_ready = [threading.Event() for _ in range(self.n_iter)]
        self.data_taken = [threading.Event() for _ in range(self.n_iter)]
        for event in self.data_taken:
            event.set()
        self.started = True
        self.current_batch = [None for _ in range(self.n_iter)]
        self.next_batch = [None for _ in range(self.n_iter)]
        self._errors = [None for _ in range(self.n_iter)]

        def prefetch_func(self, i):
            while True:
                self.data_taken[i].wait()
                if not self.started:
                    break
                try:
                    self.next_batch[i] = self.iters[i].next()
                except StopIteration:
                    self.next_batch[i] = None
                except Exception as err:  # re-raised in the consumer thread
                    self.next_batch[i] = None
                    self._errors[i] = err
                self.data_taken[i].clear()
                self.data_ready[i].set()

        self.prefetch_threads = [threading.Thread(target=prefetch_func, args=[self, i], daemon=True)
                                 for i in range(self.n_iter)]
        for thread in self.prefetch_threads:
            thread.start()

    def __del__(self):
        self.started = False
        for event in getattr(self, 'data_taken', []):
            event.set()
        for thread in getattr(self, 'prefetch_threads', []):
            thread.join()

    def _renamed(self, attr, renames):
        if renames is None:
            return sum([getattr(i, attr) for i in self.iters], [])
        return sum([[DataDesc(r[x.name], x.shape, x.dtype) if isinstance(x, DataDesc)
                     else DataDesc(*x) for x in getattr(i, attr)]
                    for r, i in zip(renames, self.iters)], [])

    @property
    def provide_data(self):
        return self._renamed('provide_data', self.rename_data)

    @property
    def provide_label(self):
        return self._renamed('provide_label', self.rename_label)

    def reset(self):
        for event in self.data_ready:
            event.wait()
        for it in self.iters:
            it.reset()
        for event in self.data_ready:
            event.clear()
        for event in self.data_taken:
            event.set()

    def iter_next(self):
        for event in self.data_ready:
            event.wait()
        for i, err in enumerate(self._errors):
            if err is not None:
                self._errors[i] = None
                raise err
        if self.next_batch[0] is None:
            for batch in self.next_batch:
                if batch is not None:
                    raise MXNetAssertionError("Number of entry mismatches between iterators")
            return False
        for batch in self.next_batch:
            if batch.pad != self.next_batch[0].pad:
                raise MXNetAssertionError("Number of entry mismatches between iterators")
        self.current_batch = DataBatch(sum([batch.data for batch in self.next_batch], []),
                                       sum([batch.label for batch in self.next_batch], []),
                                       self.next_batch[0].pad,
                                       self.next_batch[0].index,
                                       provide_data=self.provide_data,
                                       provide_label=self.provide_label)
        for event in self.data_ready:
            event.clear()
        for event in self.data_taken:
            event.set()
        return True

    def next(self):
        if self.iter_next():
            return self.current_batch
        raise StopIteration

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


def _concat(first_data, second_data, axis):
    if (not first_data) or (not second_data):
        return first_data if first_data else second_data
    if len(first_data) != len(second_data):
        raise MXNetAssertionError('data source should contain the same size')
    return [NDArray(np.concatenate([a._data, b._data], axis=axis), a.context)
            for a, b in zip(first_data, second_data)]


def _check_lengths(sources):
    """Every data and label array holds the same number of samples (axis 0)."""
    for name, arr in sources:
        if arr.ndim == 0:
            raise MXNetValueError("NDArrayIter: '%s' is a scalar; it needs a batch axis" % name)
    counts = [(name, arr.shape[0]) for name, arr in sources]
    if len({n for _, n in counts}) > 1:
        raise MXNetValueError("NDArrayIter: data and label must have the same number of samples "
                              "(axis 0), got %s" % ", ".join("'%s': %d" % c for c in counts))


class NDArrayIter(DataIter):
    """Iterates over NDArrays / numpy arrays (an array, a list — named '_0_data', '_1_data'...
    — or a dict; sorted by name).  last_batch_handle: 'pad' fills the last batch from the start
    (getpad() says how many), 'discard' drops it, 'roll_over' carries it into the next epoch.
    num_parts / part_index (an extension for distributed training, as MXNet's record
    iterators have): iterate only over part `part_index` of the samples cut into `num_parts`
    equal parts, e.g. `num_parts=kv.num_workers, part_index=kv.rank`."""

    def __init__(self, data, label=None, batch_size=1, shuffle=False,
                 last_batch_handle='pad', data_name='data',
                 label_name='softmax_label', layout='NCHW', num_parts=1, part_index=0):
        super().__init__(batch_size)
        if last_batch_handle not in ('pad', 'discard', 'roll_over'):
            raise MXNetValueError("NDArrayIter: last_batch_handle must be 'pad', 'discard' or "
                                  "'roll_over', got %r" % (last_batch_handle,))
        if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
            raise MXNetValueError("NDArrayIter: batch_size must be a positive integer, got %r"
                                  % (batch_size,))
        self.data = _init_data(data, allow_empty=False, default_name=data_name)
        self.label = _init_data(label, allow_empty=True, default_name=label_name)
        _check_lengths(self.data + self.label)
        if (num_parts, part_index) != (1, 0):
            from ..kvstore.sharding import split_part
            self.data = [(k, split_part(v, num_parts, part_index)) for k, v in self.data]
            self.label = [(k, split_part(v, num_parts, part_index)) for k, v in self.label]
        self.idx = np.arange(self.data[0][1].shape[0])
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = batch_size
        self.cursor = -self.batch_size
        self.num_data = self.idx.shape[0]
        self.reset()
        self.data_list = [x[1] for x in self.data] + [x[1] for x in self.label]
        self.num_source = len(self.data_list)
        self._cache_data = None   # the incomplete last batch, for 'roll_over'
        self._cache_label = None
        self.layout = layout

    def _desc(self, sources):
        batch_axis = self.layout.find('N')
        return [DataDesc(k, tuple(list(v.shape[:batch_axis]) + [self.batch_size] +
                                  list(v.shape[batch_axis + 1:])), v.dtype, layout=self.layout)
                for k, v in sources]

    @property
    def provide_data(self):
        return self._desc(self.data)

    @property
    def provide_label(self):
        return self._desc(self.label)

    def hard_reset(self):
        """Restart from the beginning, dropping a rolled-over batch."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache_data = None
        self._cache_label = None

    def reset(self):
        """Restart; with 'roll_over' the samples left at the end lead the next epoch."""
        if self.shuffle:
            self._shuffle_data()
        if self.last_batch_handle == 'roll_over' and \
                self.num_data - self.batch_size < self.cursor < self.num_data:
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self):
        if not self.iter_next():
            raise StopIteration
        data = self.getdata()
        label = self.getlabel()
        if data[0].shape[self.layout.find('N')] != self.batch_size:
            self._cache_data = data   # incomplete last batch: kept for the next epoch
            self._cache_label = label
            raise StopIteration
        return DataBatch(data=data, label=label, pad=self.getpad(), index=None)

    def _getdata(self, data_source, start=None, end=None):
        if start is None and end is None:
            raise MXNetAssertionError('should at least specify start or end')
        start = start if start is not None else 0
        if end is None:
            end = data_source[0][1].shape[0] if data_source else 0
        s = slice(start, end)
        return [_slice_along_batch_axis(x[1], s, self.layout.find('N')) for x in data_source]

    def _concat(self, first_data, second_data):
        return _concat(first_data, second_data, self.layout.find('N'))

    def _tile(self, data, repeats):
        res = []
        for datum in data:
            reps = [1] * len(datum.shape)
            reps[0] = repeats
            res.append(NDArray(np.tile(datum._data, reps), datum.context))
        return res

    def _batchify(self, data_source):
        if not self.cursor < self.num_data:
            raise MXNetAssertionError('DataIter needs reset.')
        if self.last_batch_handle == 'roll_over' and -self.batch_size < self.cursor < 0:
            # first batch of the next epoch: the cached end of the last one, then new samples
            if self._cache_data is None and self._cache_label is None:
                raise MXNetAssertionError('next epoch should have cached data')
            cache_data = self._cache_data if self._cache_data is not None else self._cache_label
            second_data = self._getdata(data_source, end=self.cursor + self.batch_size)
            if self._cache_data is not None:
                self._cache_data = None
            else:
                self._cache_label = None
            return self._concat(cache_data, second_data)
        if self.last_batch_handle == 'pad' and self.cursor + self.batch_size > self.num_data:
            pad = self.batch_size - self.num_data + self.cursor
            first_data = self._getdata(data_source, start=self.cursor)
            if pad > self.num_data:
                repeats = pad // self.num_data
                second_data = self._tile(self._getdata(data_source, end=self.num_data), repeats)
                if pad % self.num_data != 0:
                    second_data = self._concat(second_data, self._getdata(
                        data_source, end=pad % self.num_data))
            else:
                second_data = self._getdata(data_source, end=pad)
            return self._concat(first_data, second_data)
        if self.cursor + self.batch_size < self.num_data:
            end_idx = self.cursor + self.batch_size
        else:
            end_idx = self.num_data
        return self._getdata(data_source, self.cursor, end_idx)

    def getdata(self):
        return self._batchify(self.data)

    def getlabel(self):
        return self._batchify(self.label)

    def getpad(self):
        if self.last_batch_handle == 'pad' and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == 'roll_over' and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0

    def _shuffle_data(self):
        np.random.shuffle(self.idx)
        self.data = _getdata_by_idx(self.data, self.idx)
        self.label = _getdata_by_idx(self.label, self.idx)
