"""Samplers: iterables of indices (or of index batches) for DataLoader (mx.gluon.data.sampler)."""
import numpy as np

from ...base import MXNetValueError

__all__ = ['Sampler', 'SequentialSampler', 'RandomSampler', 'FilterSampler', 'BatchSampler']

_LAST_BATCH = ('keep', 'discard', 'rollover')


class Sampler:
    """Base class for samplers: subclasses define `__iter__` and `__len__`."""

    def __iter__(self):
        raise NotImplementedError("%s.__iter__ is abstract: a subclass must define it" % type(self).__name__)

    def __len__(self):
        raise NotImplementedError("%s.__len__ is abstract: a subclass must define it" % type(self).__name__)


def _check_length(who, length):
    if not (isinstance(length, (int, np.integer)) and length >= 0):
        raise MXNetValueError("%s: length must be an integer >= 0, got %r" % (who, length))


class SequentialSampler(Sampler):
    """Samples [start, start + length) in order."""

    def __init__(self, length, start=0):
        _check_length("SequentialSampler", length)
        self._length = length
        self._start = start

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """Samples [0, length) in a random order (np.random), without replacement."""

    def __init__(self, length):
        _check_length("RandomSampler", length)
        self._length = length

    def __iter__(self):
        indices = np.arange(self._length)
        np.random.shuffle(indices)
        return iter(indices)

    def __len__(self):
        return self._length


class FilterSampler(Sampler):
    """Samples the indices of the elements of `dataset` for which `fn(sample)` is true."""

    def __init__(self, fn, dataset):
        self._fn = fn
        self._dataset = dataset
        self._indices = [i for i, sample in enumerate(dataset) if fn(sample)]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


def check_batch_size(batch_size):
    """MXNet accepts batch_size <= 0 and then fails in len() or yields one batch: refuse it."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size <= 0:
        raise MXNetValueError("batch_size must be a positive integer, got %r" % (batch_size,))


def _check_last_batch(last_batch):
    if last_batch not in _LAST_BATCH:
        raise MXNetValueError("last_batch must be one of 'keep', 'discard', or 'rollover', "
                              "but got %s" % last_batch)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size`.

    last_batch: 'keep' yields a short last batch, 'discard' drops it, 'rollover' carries its
    indices to the start of the next iteration.
    """

    def __init__(self, sampler, batch_size, last_batch='keep'):
        check_batch_size(batch_size)
        self._sampler = sampler
        self._batch_size = batch_size
        self._last_batch = last_batch
        self._prev = []

    def __iter__(self):
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            _check_last_batch(self._last_batch)
            if self._last_batch == 'keep':
                yield batch
            elif self._last_batch == 'rollover':
                self._prev = batch

    def __len__(self):
        _check_last_batch(self._last_batch)
        if self._last_batch == 'keep':
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == 'discard':
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
