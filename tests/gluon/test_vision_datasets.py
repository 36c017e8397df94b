"""Vision datasets read tiny synthetic files in the standard formats (idx-ubyte, CIFAR binary)."""
import gzip
import io
import os
import struct
import tarfile

import numpy as np
import pytest

from framework.base import MXNetError
from framework.gluon.data import vision
from framework.gluon.data.vision.datasets import read_idx
from framework.data import load_digits


def write_idx(path, array, gz=True):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack('>' + 'I' * array.ndim, *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    opener = gzip.open if gz else open
    with opener(path, 'wb') as f:
        f.write(raw)


def make_mnist(root, n=5, prefix='train', gz=True, size=28):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(n, size, size)).astype(np.uint8)
    labels = rng.randint(0, 10, size=n).astype(np.uint8)
    ext = '.gz' if gz else ''
    write_idx(os.path.join(root, '%s-images-idx3-ubyte%s' % (prefix, ext)), images, gz)
    write_idx(os.path.join(root, '%s-labels-idx1-ubyte%s' % (prefix, ext)), labels, gz)
    return images, labels


@pytest.mark.parametrize("cls", [vision.MNIST, vision.FashionMNIST])
def test_mnist_reads_idx_files(tmp_path, cls):
    images, labels = make_mnist(str(tmp_path), n=5)
    test_images, test_labels = make_mnist(str(tmp_path), n=3, prefix='t10k', gz=False)
    ds = cls(root=str(tmp_path))
    assert len(ds) == 5
    img, lab = ds[2]
    assert img.shape == (28, 28, 1) and img.dtype == np.uint8
    np.testing.assert_array_equal(img.asnumpy()[:, :, 0], images[2])
    assert lab == labels[2] and isinstance(lab, np.int32)
    test = cls(root=str(tmp_path), train=False,
               transform=lambda d, l: (d.astype('float32') / 255, l + 100))
    img, lab = test[1]
    np.testing.assert_allclose(img.asnumpy()[:, :, 0], test_images[1] / 255.0, rtol=1e-6)
    assert lab == test_labels[1] + 100


def test_mnist_missing_files_error_lists_them(tmp_path):
    with pytest.raises(MXNetError) as err:
        vision.MNIST(root=str(tmp_path), train=False)
    msg = str(err.value)
    assert 't10k-images-idx3-ubyte.gz' in msg and 't10k-labels-idx1-ubyte.gz' in msg
    assert str(tmp_path) in msg and 'train-images' not in msg
    make_mnist(str(tmp_path), prefix='t10k')
    os.remove(os.path.join(str(tmp_path), 't10k-labels-idx1-ubyte.gz'))
    with pytest.raises(MXNetError, match=r"missing file\(s\) t10k-labels-idx1-ubyte.gz in"):
        vision.MNIST(root=str(tmp_path), train=False)


def test_corrupt_and_truncated_idx_files_name_the_file(tmp_path):
    root = str(tmp_path)
    make_mnist(root, n=4)
    path = os.path.join(root, 'train-images-idx3-ubyte.gz')
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    with gzip.open(path, 'wb') as f:
        f.write(raw[:-100])                       # truncated data
    with pytest.raises(MXNetError, match=r"train-images-idx3-ubyte.gz is truncated or damaged: "
                                         r"its header says shape \(4, 28, 28\)"):
        vision.MNIST(root=root)
    with open(path, 'wb') as f:
        f.write(b'this is not gzip data')         # not gzip at all
    with pytest.raises(MXNetError, match="train-images-idx3-ubyte.gz is damaged: BadGzipFile"):
        vision.MNIST(root=root)
    with open(path, 'wb') as f:
        f.write(gzip.compress(raw)[:40])          # gzip stream cut short
    with pytest.raises(MXNetError, match="train-images-idx3-ubyte.gz is damaged"):
        vision.MNIST(root=root)
    write_idx(path, np.zeros((4, 28), np.uint8))  # wrong number of dimensions
    with pytest.raises(MXNetError, match="is not an idx-ubyte file with 3 dimension"):
        vision.MNIST(root=root)
    make_mnist(root, n=4)
    write_idx(os.path.join(root, 'train-labels-idx1-ubyte.gz'), np.zeros(3, np.uint8))
    with pytest.raises(MXNetError, match="holds 4 images but .* holds 3 labels"):
        vision.MNIST(root=root)


def test_read_idx_values(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = str(tmp_path / 'x-idx3-ubyte')
    write_idx(path, arr, gz=False)
    np.testing.assert_array_equal(read_idx(path, 3), arr)


def cifar_records(n, n_labels, seed, limits):
    rng = np.random.RandomState(seed)
    images = rng.randint(0, 256, size=(n, 3, 32, 32)).astype(np.uint8)   # CHW, as stored
    labels = np.stack([rng.randint(0, lim, size=n) for lim in limits], axis=1).astype(np.uint8)
    raw = np.concatenate([labels, images.reshape(n, -1)], axis=1).tobytes()
    assert len(raw) == n * (3072 + n_labels)
    return images, labels, raw


def test_cifar10_binary_batches(tmp_path):
    folder = tmp_path / 'cifar-10-batches-bin'
    folder.mkdir()
    all_images, all_labels = [], []
    for i in range(1, 6):
        images, labels, raw = cifar_records(2, 1, i, (10,))
        (folder / ('data_batch_%d.bin' % i)).write_bytes(raw)
        all_images.append(images)
        all_labels.append(labels[:, 0])
    ds = vision.CIFAR10(root=str(tmp_path))
    assert len(ds) == 10
    img, lab = ds[7]
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    np.testing.assert_array_equal(img.asnumpy(), np.concatenate(all_images)[7].transpose(1, 2, 0))
    assert lab == np.concatenate(all_labels)[7] and isinstance(lab, np.int32)
    with pytest.raises(MXNetError, match=r"missing file\(s\) test_batch.bin in"):
        vision.CIFAR10(root=str(tmp_path), train=False)


def test_cifar10_archive_is_extracted_and_truncation_detected(tmp_path):
    images, labels, raw = cifar_records(3, 1, 9, (10,))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        info = tarfile.TarInfo('cifar-10-batches-bin/test_batch.bin')
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    (tmp_path / 'cifar-10-binary.tar.gz').write_bytes(buf.getvalue())
    ds = vision.CIFAR10(root=str(tmp_path), train=False)
    np.testing.assert_array_equal(ds[2][0].asnumpy(), images[2].transpose(1, 2, 0))
    (tmp_path / 'cifar-10-batches-bin' / 'test_batch.bin').write_bytes(raw[:-5])
    with pytest.raises(MXNetError, match="test_batch.bin is truncated or not a CIFAR10 binary"):
        vision.CIFAR10(root=str(tmp_path), train=False)


def test_cifar_python_version_is_refused_with_explanation(tmp_path):
    (tmp_path / 'cifar-10-batches-py').mkdir()
    with pytest.raises(MXNetError) as err:
        vision.CIFAR10(root=str(tmp_path))
    msg = str(err.value)
    assert 'data_batch_1.bin' in msg and 'cifar-10-binary.tar.gz' in msg
    assert 'pickles are never loaded' in msg and 'cifar-10-batches-py' in msg


def test_cifar100_coarse_and_fine_labels(tmp_path):
    images, labels, raw = cifar_records(4, 2, 3, (20, 100))
    (tmp_path / 'train.bin').write_bytes(raw)
    coarse = vision.CIFAR100(root=str(tmp_path))
    fine = vision.CIFAR100(root=str(tmp_path), fine_label=True)
    assert [coarse[i][1] for i in range(4)] == labels[:, 0].tolist()
    assert [fine[i][1] for i in range(4)] == labels[:, 1].tolist()
    np.testing.assert_array_equal(fine[3][0].asnumpy(), images[3].transpose(1, 2, 0))
    bad = bytearray(raw)
    bad[1] = 150                                   # fine label out of range
    (tmp_path / 'train.bin').write_bytes(bytes(bad))
    with pytest.raises(MXNetError, match="train.bin is not a CIFAR100 binary batch: label 150"):
        vision.CIFAR100(root=str(tmp_path), fine_label=True)


def test_digits_bundled_split_and_scaling():
    images, labels = load_digits()
    train, test = vision.Digits(), vision.Digits(train=False)
    assert (len(train), len(test)) == (1500, 297)
    img, lab = test[5]
    assert img.shape == (8, 8, 1) and img.dtype == np.uint8 and isinstance(lab, np.int32)
    order = np.random.default_rng(0).permutation(1797)        # the documented split
    np.testing.assert_array_equal(img.asnumpy()[:, :, 0],
                                  np.round(images[order[1505]] * 255 / 16).astype(np.uint8))
    assert lab == labels[order[1505]]
    assert sorted(set(test._label.tolist())) == list(range(10))
    assert train._data.asnumpy().max() == 255 and train._data.asnumpy().min() == 0
    assert sorted(set(train._label.tolist())) == list(range(10))


def test_image_decoder_datasets_explain_what_is_missing(tmp_path):
    with pytest.raises(MXNetError, match="needs an image decoder"):
        vision.ImageFolderDataset(str(tmp_path))
