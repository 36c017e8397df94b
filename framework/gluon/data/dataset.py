"""Dataset containers (mx.gluon.data.dataset): Dataset, SimpleDataset, ArrayDataset,
RecordFileDataset."""
import os

from ...base import MXNetAssertionError, MXNetTypeError
from ... import ndarray as nd

__all__ = ['Dataset', 'SimpleDataset', 'ArrayDataset', 'RecordFileDataset']


class Dataset:
    """Abstract dataset: subclasses define `__getitem__` and `__len__`.

    An NDArray or a numpy array can also be used directly as a dataset.
    """

    def __getitem__(self, idx):
        raise NotImplementedError("%s.__getitem__ is abstract: a subclass must define it" % type(self).__name__)

    def __len__(self):
        raise NotImplementedError("%s.__len__ is abstract: a subclass must define it" % type(self).__name__)

    def filter(self, fn):
        """A dataset of the samples for which `fn(sample)` is true."""
        from .sampler import FilterSampler
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """Shard `index` of `num_shards` contiguous, near-equal shards."""
        if not index < num_shards:
            raise MXNetAssertionError('Shard index of out bound: %d out of %d' % (index, num_shards))
        if not num_shards > 0:
            raise MXNetAssertionError('Number of shards must be greater than 0')
        if not index >= 0:
            raise MXNetAssertionError('Index must be non-negative')
        length = len(self)
        shard_len = length // num_shards
        rest = length % num_shards
        start = shard_len * index + min(index, rest)
        end = start + shard_len + (index < rest)
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(end - start, start))

    def take(self, count):
        """A dataset of the first `count` samples (all of them if count is None or too big)."""
        if count is None or count > len(self):
            count = len(self)
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler):
        """A dataset of the samples whose indices `sampler` yields."""
        from .sampler import Sampler
        if not isinstance(sampler, Sampler):
            raise MXNetTypeError('Invalid sampler type: %s. Expected gluon.data.Sampler instead.'
                                 % type(sampler))
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """A dataset whose samples are `fn(*sample)` (tuple samples) or `fn(sample)`.

        lazy=False transforms every sample now (do not use it with a random `fn`).
        """
        trans = _LazyTransformDataset(self, fn)
        if lazy:
            return trans
        return SimpleDataset([i for i in trans])

    def transform_first(self, fn, lazy=True):
        """Like transform, but `fn` is applied to the first element of each sample only."""
        return self.transform(_TransformFirstClosure(fn), lazy)


class SimpleDataset(Dataset):
    """Wraps any object with `len()` and `[]` (a list, an array...)."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    """A dataset transformed sample by sample when read."""

    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    """A picklable callable that transforms the first element of a sample."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    """The samples of `dataset` at the indices `sampler` yields."""

    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Combines dataset-like objects (arrays, lists, datasets): sample i is (x1[i], x2[i], ...),
    or x1[i] for a single array.  1-D NDArrays are kept as numpy arrays, as MXNet does."""

    def __init__(self, *args):
        if not len(args) > 0:
            raise MXNetAssertionError("Needs at least 1 arrays")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise MXNetAssertionError(
                    "All arrays must have the same length; array[0] has length %d "
                    "while array[%d] has %d." % (self._length, i, len(data)))
            if isinstance(data, nd.NDArray) and len(data.shape) == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self):
        return self._length


class RecordFileDataset(Dataset):
    """The raw records (bytes) of a RecordIO file `filename` with its `.idx` index beside it."""

    def __init__(self, filename):
        from ._recordio import IndexedRecordReader
        self.idx_file = os.path.splitext(filename)[0] + '.idx'
        self.filename = filename
        self._record = IndexedRecordReader(self.idx_file, self.filename)

    def __getitem__(self, idx):
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self):
        return len(self._record.keys)
