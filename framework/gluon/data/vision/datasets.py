"""Vision datasets (mx.gluon.data.vision.datasets) read from local files — nothing is ever
downloaded: a missing file raises MXNetError naming the files and the directory to put them in.

MNIST / FashionMNIST read the idx-ubyte files (gzipped or not).  CIFAR10 / CIFAR100 read the
*binary* versions (cifar-10-batches-bin, cifar-100-binary — MXNet's own format); the Python
versions are pickles and are never unpickled.  Digits is bundled with the package.
"""
import gzip
import os
import struct
import tarfile
import zlib

import numpy as np

from ....base import MXNetError
from .... import ndarray as nd
from ..dataset import Dataset

__all__ = ['MNIST', 'FashionMNIST', 'CIFAR10', 'CIFAR100', 'Digits',
           'ImageRecordDataset', 'ImageFolderDataset']

_REPO = 'https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/gluon/dataset/'


def data_dir():
    """$MXNET_HOME, or ~/.mxnet (MXNet's base.data_dir())."""
    return os.getenv('MXNET_HOME', os.path.join(os.path.expanduser('~'), '.mxnet'))


class _DownloadedDataset(Dataset):
    """Base of the file-backed datasets: numpy images + labels, optional transform(data, label)."""

    def __init__(self, root, transform):
        super().__init__()
        self._transform = transform
        self._data = None
        self._label = None
        self._root = os.path.expanduser(root)
        self._get_data()

    def __getitem__(self, idx):
        if isinstance(idx, (int, np.integer)) and -len(self._label) <= idx < len(self._label):
            data = nd.NDArray(self._data._data[idx], self._data.context)  # a view, as MXNet's
        else:
            data = self._data[idx]
        if self._transform is not None:
            return self._transform(data, self._label[idx])
        return data, self._label[idx]

    def __len__(self):
        return len(self._label)

    def _get_data(self):
        raise NotImplementedError("%s._get_data is abstract: a subclass must define it" % type(self).__name__)

    def _missing(self, names, extra='', where=None):
        cls = type(self).__name__
        raise MXNetError(
            "%s: missing file(s) %s in %s.  Nothing is downloaded (there is no network "
            "access): put %s into that directory (MXNet's copies: %s%s/<file>), or pass "
            "root=<a directory that holds them>.%s"
            % (cls, ', '.join(names), where or self._root, 'it' if len(names) == 1 else 'them',
               _REPO, self._namespace, extra))


def _read_file(path):
    try:
        if path.endswith('.gz'):
            with gzip.open(path, 'rb') as fin:
                return fin.read()
        with open(path, 'rb') as fin:
            return fin.read()
    except (OSError, EOFError, zlib.error) as err:
        raise MXNetError("%s is damaged: %s: %s" % (path, type(err).__name__, err)) from None


def read_idx(path, ndim):
    """The uint8 array of an idx-ubyte file (header: 0, 0, 0x08, ndim, then big-endian dims)."""
    raw = _read_file(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != ndim:
        raise MXNetError("%s is not an idx-ubyte file with %d dimension(s): header %r (expected "
                         "00 00 08 %02x)" % (path, ndim, raw[:4].hex(' '), ndim))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MXNetError("%s is truncated: %d bytes, shorter than its header" % (path, len(raw)))
    dims = struct.unpack('>' + 'I' * ndim, raw[4:header])
    expected = 1
    for dim in dims:          # Python ints: a damaged header cannot overflow the product
        expected *= dim
    if len(raw) - header != expected:
        raise MXNetError("%s is truncated or damaged: its header says shape %s (%d bytes of "
                         "data) but it holds %d" % (path, dims, expected, len(raw) - header))
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


class MNIST(_DownloadedDataset):
    """MNIST handwritten digits: samples are (uint8 NDArray (28, 28, 1), int32 label).

    Reads train-images-idx3-ubyte.gz / train-labels-idx1-ubyte.gz (train=True) or
    t10k-images-idx3-ubyte.gz / t10k-labels-idx1-ubyte.gz from `root` (the uncompressed
    files, without .gz, are read too).  transform(data, label) is applied per sample.
    """

    def __init__(self, root=os.path.join(data_dir(), 'datasets', 'mnist'),
                 train=True, transform=None):
        self._train = train
        self._train_data = 'train-images-idx3-ubyte.gz'
        self._train_label = 'train-labels-idx1-ubyte.gz'
        self._test_data = 't10k-images-idx3-ubyte.gz'
        self._test_label = 't10k-labels-idx1-ubyte.gz'
        self._namespace = 'mnist'
        super().__init__(root, transform)

    def _find(self, name):
        for candidate in (name, name[:-3]):
            path = os.path.join(self._root, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _get_data(self):
        if self._train:
            names = (self._train_data, self._train_label)
        else:
            names = (self._test_data, self._test_label)
        paths = [self._find(name) for name in names]
        missing = [name for name, path in zip(names, paths) if path is None]
        if missing:
            self._missing(missing, ' The uncompressed files (names without .gz) are read too.')
        data = read_idx(paths[0], 3)
        label = read_idx(paths[1], 1)
        if data.shape[0] != label.shape[0]:
            raise MXNetError("%s holds %d images but %s holds %d labels"
                             % (paths[0], data.shape[0], paths[1], label.shape[0]))
        self._data = nd.NDArray(np.ascontiguousarray(data[..., None]))
        self._label = label.astype(np.int32)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, a drop-in replacement of MNIST (same files and format)."""

    def __init__(self, root=os.path.join(data_dir(), 'datasets', 'fashion-mnist'),
                 train=True, transform=None):
        self._train = train
        self._train_data = 'train-images-idx3-ubyte.gz'
        self._train_label = 'train-labels-idx1-ubyte.gz'
        self._test_data = 't10k-images-idx3-ubyte.gz'
        self._test_label = 't10k-labels-idx1-ubyte.gz'
        self._namespace = 'fashion-mnist'
        _DownloadedDataset.__init__(self, root, transform)


class CIFAR10(_DownloadedDataset):
    """CIFAR-10: samples are (uint8 NDArray (32, 32, 3), int32 label).

    Reads the binary version: data_batch_1.bin ... data_batch_5.bin (train) or test_batch.bin,
    in `root` or in root/cifar-10-batches-bin; an archive cifar-10-binary.tar.gz in `root` is
    extracted.  The Python version (pickled batches) is not read.
    """

    _record_labels = 1
    _folder = 'cifar-10-batches-bin'
    _python_version = ('cifar-10-batches-py', 'cifar-10-python.tar.gz')

    def __init__(self, root=os.path.join(data_dir(), 'datasets', 'cifar10'),
                 train=True, transform=None):
        self._train = train
        self._archive_file = 'cifar-10-binary.tar.gz'
        self._train_data = ['data_batch_%d.bin' % i for i in range(1, 6)]
        self._test_data = ['test_batch.bin']
        self._namespace = 'cifar10'
        self._num_classes = (10,)
        super().__init__(root, transform)

    def _read_batch(self, filename):
        raw = _read_file(filename)
        record = 3072 + self._record_labels
        if len(raw) == 0 or len(raw) % record:
            raise MXNetError("%s is truncated or not a %s binary batch: %d bytes is not a "
                             "multiple of the %d-byte record" % (filename, type(self).__name__,
                                                                len(raw), record))
        data = np.frombuffer(raw, dtype=np.uint8).reshape(-1, record)
        for column, limit in enumerate(self._num_classes):
            if data[:, column].max() >= limit:
                raise MXNetError("%s is not a %s binary batch: label %d out of range [0, %d)"
                                 % (filename, type(self).__name__, data[:, column].max(), limit))
        images = data[:, self._record_labels:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, data[:, self._label_column()].astype(np.int32)

    def _label_column(self):
        return 0

    def _locate(self, names):
        for folder in (self._root, os.path.join(self._root, self._folder)):
            if all(os.path.isfile(os.path.join(folder, n)) for n in names):
                return folder
        return None

    def _get_data(self):
        names = self._train_data if self._train else self._test_data
        folder = self._locate(names)
        archive = os.path.join(self._root, self._archive_file)
        if folder is None and os.path.isfile(archive):
            _extract(archive, self._root)
            folder = self._locate(names)
        if folder is None:
            extra = ' Or put the archive %s there.' % self._archive_file
            found = [p for p in self._python_version if os.path.exists(os.path.join(self._root, p))]
            if found:
                extra += (" Found %s: that is the Python version, whose batches are pickles; "
                          "pickles are never loaded (they can run code) — use the binary "
                          "version." % ', '.join(found))
            self._missing(names, extra, where='%s (or %s)' % (
                self._root, os.path.join(self._root, self._folder)))
        data, label = zip(*(self._read_batch(os.path.join(folder, name)) for name in names))
        self._data = nd.NDArray(np.ascontiguousarray(np.concatenate(data)))
        self._label = np.concatenate(label)


class CIFAR100(CIFAR10):
    """CIFAR-100: samples are (uint8 NDArray (32, 32, 3), int32 label), coarse labels (20
    classes) or fine labels (100, fine_label=True).  Reads train.bin / test.bin of the binary
    version (in `root` or root/cifar-100-binary, or the archive cifar-100-binary.tar.gz)."""

    _record_labels = 2
    _folder = 'cifar-100-binary'
    _python_version = ('cifar-100-python', 'cifar-100-python.tar.gz')

    def __init__(self, root=os.path.join(data_dir(), 'datasets', 'cifar100'),
                 fine_label=False, train=True, transform=None):
        self._train = train
        self._archive_file = 'cifar-100-binary.tar.gz'
        self._train_data = ['train.bin']
        self._test_data = ['test.bin']
        self._fine_label = fine_label
        self._namespace = 'cifar100'
        self._num_classes = (20, 100)
        _DownloadedDataset.__init__(self, root, transform)

    def _label_column(self):
        return 0 + self._fine_label


def _extract(archive, root):
    """Extract a tar archive, refusing members that would land outside `root`."""
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            base = os.path.realpath(root)
            for member in members:
                target = os.path.realpath(os.path.join(root, member.name))
                if not (member.isfile() or member.isdir()) or \
                        os.path.commonpath([base, target]) != base:
                    raise MXNetError("%s: refusing to extract member %r" % (archive, member.name))
            tar.extractall(root, members=members)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise MXNetError("%s is damaged: %s: %s" % (archive, type(err).__name__, err)) from None


def split_order(n):
    """The fixed shuffle behind Digits' train/test split."""
    return np.random.default_rng(0).permutation(n)


class Digits(_DownloadedDataset):
    """The UCI optical-recognition handwritten digits bundled with the package (no files
    needed): 1797 images of 8x8 pixels, samples (uint8 NDArray (8, 8, 1), int32 label 0..9),
    MNIST-like.  Pixels 0..16 are scaled to 0..255 (round(v * 255 / 16)), so ToTensor()
    gives 0..1.  Split: a fixed shuffle of the 1797 images (numpy default_rng(0) permutation,
    as examples/digits_symbolic.py uses) whose first 1500 are the training set (train=True)
    and the other 297 the test set, so both sets mix all writers of the file.
    Data: E. Alpaydin, C. Kaynak (1998), UCI ML Repository, CC BY 4.0 (docs/DATA.md)."""

    num_train = 1500

    def __init__(self, train=True, transform=None):
        self._train = train
        self._namespace = 'digits'
        super().__init__(os.path.dirname(os.path.abspath(__file__)), transform)

    def _get_data(self):
        from ....data import load_digits
        images, labels = load_digits()
        images = np.round(images * (255.0 / 16.0)).astype(np.uint8)[..., None]
        order = split_order(len(labels))
        part = order[:self.num_train] if self._train else order[self.num_train:]
        self._data = nd.NDArray(np.ascontiguousarray(images[part]))
        self._label = labels[part].astype(np.int32)


class _NeedsImageDecoder(Dataset):
    def __init__(self, *args, **kwargs):
        raise MXNetError("%s needs an image decoder (MXNet uses OpenCV's imdecode), which this "
                         "framework does not include: decode the images into arrays yourself "
                         "and use ArrayDataset" % type(self).__name__)


class ImageRecordDataset(_NeedsImageDecoder):
    """Not available: needs a JPEG/PNG decoder (see the error it raises)."""


class ImageFolderDataset(_NeedsImageDecoder):
    """Not available: needs a JPEG/PNG decoder (see the error it raises)."""
