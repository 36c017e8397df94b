"""mx.gluon.utils (split_data, split_and_load, clip_global_norm, check_sha1, download) and
the data-sharding helpers of framework/kvstore/sharding.py."""
import hashlib
import os
import warnings

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.gluon import utils
from framework.kvstore import SplitSampler, part_range, split_part


# --- split_data / split_and_load (MXNet 1.9.1's python/mxnet/gluon/utils.py) -----------
def test_split_data_even_and_uneven():
    data = mx.nd.arange(20).reshape((10, 2))
    parts = utils.split_data(data, 5)
    assert [p.shape for p in parts] == [(2, 2)] * 5
    np.testing.assert_array_equal(parts[3].asnumpy(), [[12, 13], [14, 15]])
    uneven = utils.split_data(data, 3, even_split=False)
    assert [p.shape[0] for p in uneven] == [4, 3, 3]           # extras go to the first slices
    np.testing.assert_array_equal(np.concatenate([p.asnumpy() for p in uneven]), data.asnumpy())
    more = utils.split_data(mx.nd.ones((2, 3)), 3, even_split=False)
    assert [p.shape[0] for p in more] == [1, 1, 0]


def test_split_data_error_message_is_mxnets():
    with pytest.raises(ValueError) as info:
        utils.split_data(mx.nd.ones((10, 2)), 3)
    assert str(info.value) == (
        "data with shape (10, 2) cannot be evenly split into 3 slices along axis 0. Use a "
        "batch size that's multiple of 3 or set even_split=False to allow uneven partitioning "
        "of data.")
    assert isinstance(info.value, MXNetError)


def test_split_data_axis0_slices_are_views_other_axes_copies():
    data = mx.nd.zeros((4, 6))
    parts = utils.split_data(data, 2)
    parts[1][:] = 7
    assert data.asnumpy()[2:].min() == 7 and data.asnumpy()[:2].max() == 0
    cols = utils.split_data(data, 3, batch_axis=1)
    assert [c.shape for c in cols] == [(4, 2)] * 3
    np.testing.assert_array_equal(cols[0].asnumpy(), data.asnumpy()[:, :2])


def test_split_and_load_contexts():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    parts = utils.split_and_load(np.arange(8, dtype=np.float32).reshape(4, 2), ctxs)
    assert [p.context for p in parts] == ctxs
    np.testing.assert_array_equal(parts[1].asnumpy(), [[4, 5], [6, 7]])
    single = utils.split_and_load(mx.nd.ones((3, 2)), [mx.cpu(1)])
    assert len(single) == 1 and single[0].context == mx.cpu(1) and single[0].shape == (3, 2)
    with pytest.raises(ValueError, match="cannot be evenly split into 2 slices"):
        utils.split_and_load(mx.nd.ones((3, 2)), ctxs)


# --- clip_global_norm -----------------------------------------------------------------
def test_clip_global_norm_scales_in_place():
    a = mx.nd.array([[3.0, 0.0], [0.0, 0.0]])
    b = mx.nd.array([4.0, 0.0, 0.0])
    norm = utils.clip_global_norm([a, b], 1.0)
    assert isinstance(norm, (float, np.floating))     # MXNet: asscalar(), a np.float32
    np.testing.assert_allclose(norm, 5.0, rtol=1e-6)
    scale = np.float32(1.0) / (np.float32(5.0) + np.float32(1e-8))
    np.testing.assert_allclose(a.asnumpy(), [[3 * scale, 0], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), [4 * scale, 0, 0], rtol=1e-6)


def test_clip_global_norm_leaves_small_norms_and_returns_ndarray():
    a = mx.nd.array([0.3, 0.4])
    norm = utils.clip_global_norm([a], 10.0, check_isfinite=False)
    assert isinstance(norm, mx.nd.NDArray) and norm.shape == (1,)
    np.testing.assert_allclose(norm.asnumpy(), [0.5], rtol=1e-6)
    np.testing.assert_allclose(a.asnumpy(), [0.3, 0.4], rtol=1e-6)


def test_clip_global_norm_warns_on_nan():
    a = mx.nd.array([np.nan, 1.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        utils.clip_global_norm([a], 1.0)
    assert any("nan or inf is detected" in str(w.message) for w in caught)


# --- files ---------------------------------------------------------------------------
def test_check_sha1_and_local_download(tmp_path):
    src = tmp_path / "weights.bin"
    src.write_bytes(b"abc" * 1000)
    sha = hashlib.sha1(b"abc" * 1000).hexdigest()
    assert utils.check_sha1(str(src), sha) and not utils.check_sha1(str(src), "0" * 40)
    dest_dir = tmp_path / "cache"
    dest_dir.mkdir()
    got = utils.download("file://" + str(src), path=str(dest_dir), sha1_hash=sha)
    assert got == os.path.join(str(dest_dir), "weights.bin")
    assert open(got, "rb").read() == b"abc" * 1000
    assert sorted(os.listdir(dest_dir)) == ["weights.bin"]        # no temp file left
    # an existing file with the right hash is not fetched again, even from the network
    assert utils.download("https://example.invalid/weights.bin", path=got, sha1_hash=sha) == got


def test_download_from_network_raises(tmp_path):
    with pytest.raises(MXNetError, match="no network access"):
        utils.download("https://example.invalid/model.params", path=str(tmp_path / "m.params"))
    with pytest.raises(AssertionError, match="Can't construct file-name"):
        utils.download("https://example.invalid/dir/")


def test_small_helpers():
    assert utils._indent("a\nb\nc", 2) == "a\n  b\n  c"
    assert utils._brief_print_list(range(10)) == "'0', '1', '2', ..., '6', '7', '8', '9'"
    assert utils.shape_is_known((2, 3)) and not utils.shape_is_known((0, 3))
    assert not utils.shape_is_known(()) and not utils.shape_is_known(None)


# --- sharding -------------------------------------------------------------------------
def test_part_range_and_split_part():
    assert [part_range(10, 3, i) for i in range(3)] == [(0, 3), (3, 6), (6, 9)]
    x = np.arange(10)
    np.testing.assert_array_equal(split_part(x, 3, 2), [6, 7, 8])
    np.testing.assert_array_equal(split_part(mx.nd.array(x), 2, 1).asnumpy(), [5, 6, 7, 8, 9])
    with pytest.raises(ValueError, match="part_index must be in"):
        part_range(10, 2, 2)
    with pytest.raises(ValueError, match="num_parts must be a positive integer"):
        part_range(10, 0, 0)


def test_split_sampler_parts_are_disjoint_and_equal():
    np.random.seed(0)
    parts = [list(SplitSampler(11, 3, i)) for i in range(3)]
    assert [len(p) for p in parts] == [3, 3, 3]
    assert sorted(sum(parts, [])) == list(range(9))
    assert list(SplitSampler(11, 3, 1, shuffle=False)) == [3, 4, 5]
    assert len(SplitSampler(11, 3, 1)) == 3
