"""Python versions of MXNet's C++ file iterators: MNISTIter and CSVIter.

MNISTIter reads uncompressed idx-ubyte files, scales pixels by 1/256 (as MXNet's iter_mnist.cc)
and drops the last incomplete batch.  shuffle=True permutes once with np.random.RandomState(seed)
(MXNet uses std::shuffle with its own engine: the order differs).  CSVIter reproduces MXNet's
BatchLoader: with round_batch=True the last batch wraps around to the start (getpad() = number
wrapped) and the next epoch continues after the wrapped samples; with round_batch=False the
last batch keeps the previous batch's rows after the new ones.
Other C++ iterators (ImageRecordIter, LibSVMIter, ...) raise MXNetError when created.
"""
import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from .io import DataBatch, DataDesc, DataIter

__all__ = ['MNISTIter', 'CSVIter', 'ImageRecordIter', 'ImageRecordUInt8Iter', 'ImageDetRecordIter',
           'LibSVMIter']


def _check_batch_size(who, batch_size):
    if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
        raise MXNetError("%s: batch_size must be a positive integer, got %r" % (who, batch_size))


def _tensor(array):
    return NDArray(np.ascontiguousarray(array))


class MNISTIter(DataIter):
    """Batches of MNIST from idx-ubyte files: data (batch, 1, rows, cols) or (batch, rows*cols)
    with flat=True, float32 in [0, 1), labels float32 (batch,).  num_parts/part_index read one
    contiguous part of the file."""

    def __init__(self, image='./train-images-idx3-ubyte', label='./train-labels-idx1-ubyte',
                 batch_size=128, shuffle=True, flat=False, seed=0, silent=False, num_parts=1,
                 part_index=0, data_name='data', label_name='softmax_label', **_):
        super().__init__(batch_size)
        _check_batch_size('MNISTIter', batch_size)
        if not (isinstance(num_parts, int) and isinstance(part_index, int)
                and 0 <= part_index < num_parts):
            raise MXNetError("MNISTIter: need 0 <= part_index < num_parts, got part_index=%r "
                             "num_parts=%r" % (part_index, num_parts))
        from ..gluon.data.vision.datasets import read_idx
        images = read_idx(image, 3)
        labels = read_idx(label, 1)
        if images.shape[0] != labels.shape[0]:
            raise MXNetError("MNISTIter: %s holds %d images but %s holds %d labels"
                             % (image, images.shape[0], label, labels.shape[0]))
        step = images.shape[0] // num_parts
        part = slice(step * part_index, step * (part_index + 1))
        images, labels = images[part], labels[part]
        if shuffle:
            order = np.random.RandomState(seed).permutation(len(labels))
            images, labels = images[order], labels[order]
        self._images = images.astype(np.float32) * np.float32(1.0 / 256.0)
        self._labels = labels.astype(np.float32)
        rows, cols = images.shape[1:]
        self._shape = (rows * cols,) if flat else (1, rows, cols)
        self._data_name, self._label_name = data_name, label_name
        self._loc = 0
        self._batch = None

    @property
    def provide_data(self):
        return [DataDesc(self._data_name, (self.batch_size,) + self._shape, np.float32)]

    @property
    def provide_label(self):
        return [DataDesc(self._label_name, (self.batch_size,), np.float32)]

    def reset(self):
        self._loc = 0

    def iter_next(self):
        if self._loc + self.batch_size > len(self._labels):
            return False
        part = slice(self._loc, self._loc + self.batch_size)
        data = self._images[part].reshape((self.batch_size,) + self._shape)
        self._batch = DataBatch([_tensor(data)], [_tensor(self._labels[part])], pad=0,
                                index=np.zeros(self.batch_size, np.uint64))
        self._loc += self.batch_size
        return True

    def next(self):
        if self.iter_next():
            return self._batch
        raise StopIteration

    def getdata(self):
        return self._batch.data

    def getlabel(self):
        return self._batch.label

    def getpad(self):
        return 0

    def getindex(self):
        return self._batch.index


def _read_csv(path, shape, dtype, what):
    try:
        table = np.loadtxt(path, delimiter=',', dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as err:
        raise MXNetError("CSVIter: cannot read %s %s: %s" % (what, path, err)) from None
    size = int(np.prod(shape))
    if table.shape[1] != size:
        raise MXNetError("CSVIter: %s %s has rows of %d values, but %s_shape %s needs %d"
                         % (what, path, table.shape[1], what, tuple(shape), size))
    return table.astype(dtype).reshape((-1,) + tuple(shape))


class CSVIter(DataIter):
    """Batches from CSV files: every row of data_csv is one sample of data_shape; labels from
    label_csv (label_shape), or zeros.  dtype: float32 (default), int32 or int64."""

    def __init__(self, data_csv, data_shape, label_csv='NULL', label_shape=(1,), batch_size=1,
                 round_batch=True, dtype=None, data_name='data', label_name='softmax_label', **_):
        super().__init__(batch_size)
        _check_batch_size('CSVIter', batch_size)
        dtype = np.dtype(dtype or 'float32')
        if dtype.name not in ('float32', 'int32', 'int64'):
            raise MXNetError("CSVIter: dtype must be float32, int32 or int64, got %s" % dtype)
        data_shape, label_shape = tuple(data_shape), tuple(label_shape)
        self._data = _read_csv(data_csv, data_shape, dtype, 'data')
        if label_csv in (None, 'NULL'):
            self._label = np.zeros((len(self._data),) + label_shape, dtype)
        else:
            self._label = _read_csv(label_csv, label_shape, dtype, 'label')
            if len(self._label) != len(self._data):
                raise MXNetError("CSVIter: %s has %d rows but %s has %d"
                                 % (data_csv, len(self._data), label_csv, len(self._label)))
        if label_shape == (1,):
            self._label = self._label.reshape(-1)
        self._round_batch = bool(round_batch)
        self._names = (data_name, label_name)
        self._buffer = None
        self._pos = 0          # next sample of the underlying row reader
        self._overflow = 0     # samples taken from the next pass to fill the last batch
        self._batch = None

    @property
    def provide_data(self):
        return [DataDesc(self._names[0], (self.batch_size,) + self._data.shape[1:],
                         self._data.dtype.type)]

    @property
    def provide_label(self):
        return [DataDesc(self._names[1], (self.batch_size,) + self._label.shape[1:],
                         self._label.dtype.type)]

    def reset(self):
        if not self._round_batch or self._overflow == 0:
            self._pos = 0
        else:
            self._overflow = 0

    def iter_next(self):
        if self._overflow != 0:
            return False
        n, bs = len(self._data), self.batch_size
        take = np.arange(self._pos, min(self._pos + bs, n))
        self._pos += len(take)
        if len(take) == 0:
            return False
        pad = 0
        if len(take) < bs:
            if self._round_batch:
                pad = bs - len(take)
                extra = np.arange(pad) % n
                self._pos = extra[-1] + 1 if pad <= n else n
                self._overflow = pad
                take = np.concatenate([take, extra])
            else:
                pad = bs - len(take)
        if self._buffer is None:
            self._buffer = (np.zeros((bs,) + self._data.shape[1:], self._data.dtype),
                            np.zeros((bs,) + self._label.shape[1:], self._label.dtype),
                            np.zeros(bs, np.uint64))
        data, label, index = self._buffer   # rows past len(take) keep the previous batch's
        data[:len(take)] = self._data[take]
        label[:len(take)] = self._label[take]
        index[:len(take)] = take
        self._batch = DataBatch([_tensor(data.copy())], [_tensor(label.copy())], pad=pad,
                                index=index.copy())
        return True

    def next(self):
        if self.iter_next():
            return self._batch
        raise StopIteration

    def getdata(self):
        return self._batch.data

    def getlabel(self):
        return self._batch.label

    def getpad(self):
        return self._batch.pad

    def getindex(self):
        return self._batch.index


def _not_available(name, need):
    def make(*args, **kwargs):
        raise MXNetError("mx.io.%s is one of MXNet's C++ iterators and needs %s, which this "
                         "framework does not include: load the data into arrays and use "
                         "mx.io.NDArrayIter or gluon.data.DataLoader" % (name, need))
    make.__name__ = name
    make.__doc__ = "Not available: raises MXNetError (needs %s)." % need
    return make


ImageRecordIter = _not_available('ImageRecordIter', 'an image decoder (OpenCV)')
ImageRecordUInt8Iter = _not_available('ImageRecordUInt8Iter', 'an image decoder (OpenCV)')
ImageDetRecordIter = _not_available('ImageDetRecordIter', 'an image decoder (OpenCV)')
LibSVMIter = _not_available('LibSVMIter', 'sparse (CSR) NDArrays')
