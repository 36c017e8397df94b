"""gluon.data: datasets, samplers, DataLoader (in-process) against MXNet 1.9.1's behaviour."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.gluon import data as gdata

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = json.load(open(os.path.join(HERE, "data", "golden_data.json")))
GOLDEN_IO = json.load(open(os.path.join(HERE, "..", "framework", "data", "golden_io.json")))


def test_array_dataset_samples_and_1d_ndarray_as_numpy():
    x = mx.nd.array(np.arange(12).reshape(6, 2))
    y = mx.nd.arange(6)
    ds = gdata.ArrayDataset(x, y, list("abcdef"))
    assert len(ds) == 6
    a, b, c = ds[4]
    assert isinstance(a, mx.nd.NDArray) and a.asnumpy().tolist() == [8.0, 9.0]
    assert isinstance(b, np.float32) and b == 4.0          # 1-D NDArray kept as numpy
    assert c == "e"
    single = gdata.ArrayDataset(np.arange(3) * 2)
    assert single[2] == 4 and not isinstance(single[2], tuple)


def test_array_dataset_length_mismatch():
    with pytest.raises(AssertionError, match=r"All arrays must have the same length; array\[0\] "
                                             r"has length 5 while array\[1\] has 4\."):
        gdata.ArrayDataset(np.arange(5), np.arange(4))
    with pytest.raises(AssertionError, match="Needs at least 1 arrays"):
        gdata.ArrayDataset()


def test_transform_lazy_eager_and_transform_first():
    calls = []

    def double(x, y):
        calls.append(x)
        return x * 2, y
    ds = gdata.ArrayDataset(np.arange(4), np.arange(4) + 10)
    lazy = ds.transform(double)
    assert calls == [] and lazy[3] == (6, 13) and len(calls) == 1
    eager = ds.transform(double, lazy=False)
    assert isinstance(eager, gdata.SimpleDataset) and len(calls) == 5 and eager[1] == (2, 11)
    first = ds.transform_first(lambda x: -x)
    assert first[2] == (-2, 12)
    plain = gdata.SimpleDataset([1, 2, 3]).transform_first(lambda x: x + 1)
    assert plain[0] == 2                                    # non-tuple samples


def test_filter_shard_take_sample():
    ds = gdata.SimpleDataset(list(range(10)))
    assert list(ds.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert [list(ds.shard(3, i)) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(ds.take(3)) == [0, 1, 2] and len(ds.take(None)) == 10 and len(ds.take(50)) == 10
    assert list(ds.sample(gdata.SequentialSampler(3, 5))) == [5, 6, 7]
    with pytest.raises(TypeError, match="Invalid sampler type"):
        ds.sample([1, 2])
    with pytest.raises(AssertionError, match="Shard index of out bound: 3 out of 3"):
        ds.shard(3, 3)


def test_samplers():
    assert list(gdata.SequentialSampler(4, start=2)) == [2, 3, 4, 5]
    np.random.seed(5)
    got = list(gdata.RandomSampler(8))
    np.random.seed(5)
    expect = np.arange(8)
    np.random.shuffle(expect)
    assert got == expect.tolist() and len(gdata.RandomSampler(8)) == 8
    fs = gdata.FilterSampler(lambda v: v > 1, [0, 5, 1, 7])
    assert list(fs) == [1, 3] and len(fs) == 2
    seq = gdata.SequentialSampler(10)
    assert list(gdata.BatchSampler(seq, 3, 'keep')) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(gdata.BatchSampler(seq, 3, 'discard')) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    roll = gdata.BatchSampler(seq, 3, 'rollover')
    assert len(roll) == 3 and list(roll) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(roll) == 3 and list(roll) == [[9, 0, 1], [2, 3, 4], [5, 6, 7]]
    assert len(roll) == 4 and list(roll)[0] == [8, 9, 0]
    with pytest.raises(ValueError, match="last_batch must be one of 'keep', 'discard', or "
                                         "'rollover', but got bad"):
        list(gdata.BatchSampler(seq, 3, 'bad'))


@pytest.mark.parametrize("last_batch", ["keep", "discard", "rollover"])
def test_dataloader_last_batch_matches_mxnet(last_batch):
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    label = np.arange(10, dtype=np.float32) * 10
    dl = gdata.DataLoader(gdata.ArrayDataset(data, label), batch_size=3, last_batch=last_batch)
    want = GOLDEN_IO["cases"]["gluon_dataloader"][last_batch]
    assert len(dl) == want["len"]
    got = [[[b[0].asnumpy().tolist(), b[1].asnumpy().tolist()] for b in dl] for _ in range(3)]
    assert got == want["epochs"]


def test_dataloader_shuffle_matches_mxnet_under_seed():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    label = np.arange(10, dtype=np.int32)
    np.random.seed(11)
    dl = gdata.DataLoader(gdata.ArrayDataset(data, label), batch_size=4, shuffle=True,
                          last_batch='rollover')
    got = [[[b[0].asnumpy().tolist(), b[1].asnumpy().tolist()] for b in dl] for _ in range(3)]
    assert got == GOLDEN["loader"]["shuffle_rollover"]


def test_default_batchify_dtypes_match_mxnet():
    samples = {"ints": [1, 2, 3], "floats": [0.5, 1.5],
               "np_int32": list(np.arange(3, dtype=np.int32)),
               "np_arrays": [np.ones((2, 2), np.uint8) * i for i in range(3)],
               "bools": [True, False]}
    for name, values in samples.items():
        batch = next(iter(gdata.DataLoader(values, batch_size=len(values))))
        assert [np.dtype(batch.dtype).name, list(batch.shape), batch.asnumpy().tolist()] == \
            GOLDEN["loader"]["batchify"][name], name
    nested = gdata.SimpleDataset([(mx.nd.ones((2,)) * i, (i, float(i))) for i in range(3)])
    batch = next(iter(gdata.DataLoader(nested, batch_size=3)))
    got = [[np.dtype(batch[0].dtype).name, batch[0].asnumpy().tolist()],
           [[np.dtype(x.dtype).name, x.asnumpy().tolist()] for x in batch[1]]]
    assert got == GOLDEN["loader"]["nested"]


def test_batchify_bad_samples():
    ragged = gdata.SimpleDataset([mx.nd.ones((2,)), mx.nd.ones((3,))])
    with pytest.raises(MXNetError, match=r"cannot stack samples of different shapes \[\(2,\), \(3,\)\]"):
        list(gdata.DataLoader(ragged, batch_size=2))
    with pytest.raises(MXNetError, match="cannot make an NDArray of dtype"):
        list(gdata.DataLoader(["a", "b"], batch_size=2))
    batch = next(iter(gdata.DataLoader(["a", "b"], batch_size=2, batchify_fn=list)))
    assert batch == ["a", "b"]


def test_dataloader_argument_errors_are_mxnets():
    ds = gdata.ArrayDataset(np.arange(5))
    with pytest.raises(ValueError, match="batch_size must be specified unless batch_sampler is "
                                         "specified"):
        gdata.DataLoader(ds)
    with pytest.raises(ValueError, match="shuffle must not be specified if sampler is specified"):
        gdata.DataLoader(ds, batch_size=2, shuffle=True, sampler=gdata.SequentialSampler(5))
    bs = gdata.BatchSampler(gdata.SequentialSampler(5), 2)
    for kwargs in ({"batch_size": 2}, {"shuffle": True}, {"last_batch": "keep"},
                   {"sampler": gdata.SequentialSampler(5)}):
        with pytest.raises(ValueError, match="batch_size, shuffle, sampler and last_batch must "
                                             "not be specified if batch_sampler is specified"):
            gdata.DataLoader(ds, batch_sampler=bs, **kwargs)
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            gdata.DataLoader(ds, batch_size=bad)
    with pytest.raises(AssertionError, match="timeout must be positive, given 0"):
        gdata.DataLoader(ds, batch_size=2, timeout=0)
    dl = gdata.DataLoader(ds, batch_size=2, last_batch='sometimes')   # MXNet fails lazily too
    with pytest.raises(ValueError, match="last_batch must be one of"):
        len(dl)


def test_batch_sampler_and_custom_sampler():
    ds = gdata.ArrayDataset(np.arange(6) * 10)
    bs = gdata.BatchSampler(gdata.SequentialSampler(6), 4, 'discard')
    assert [b.asnumpy().tolist() for b in gdata.DataLoader(ds, batch_sampler=bs)] == [[0, 10, 20, 30]]
    sampler = gdata.SequentialSampler(3, start=3)
    assert [b.asnumpy().tolist() for b in gdata.DataLoader(ds, batch_size=2, sampler=sampler)] == \
        [[30, 40], [50]]
    dl = gdata.DataLoader(ds, batch_size=6, pin_memory=True)
    assert next(iter(dl)).context == mx.cpu_pinned(0)


def test_auto_reload_and_single_use_iterators():
    dl = gdata.DataLoader(gdata.ArrayDataset(np.arange(4)), batch_size=2, auto_reload=True)
    first, second = iter(dl), iter(dl)
    assert [b.asnumpy().tolist() for b in first] == [[0, 1], [2, 3]]
    assert [b.asnumpy().tolist() for b in second] == [[0, 1], [2, 3]]


def test_record_file_dataset_reads_mxnet_files():
    ds = gdata.RecordFileDataset(os.path.join(HERE, "data", "records.rec"))
    assert len(ds) == 5
    assert [ds[i].hex() for i in range(5)] == GOLDEN["records"]
    assert ds._record.keys == [0, 10, 20, 30, 40]


def test_record_file_dataset_bad_files(tmp_path):
    with pytest.raises(MXNetError, match="does not exist"):
        gdata.RecordFileDataset(str(tmp_path / "none.rec"))
    raw = open(os.path.join(HERE, "data", "records.rec"), "rb").read()
    (tmp_path / "r.rec").write_bytes(raw[:30])
    (tmp_path / "r.idx").write_bytes(open(os.path.join(HERE, "data", "records.idx"), "rb").read())
    ds = gdata.RecordFileDataset(str(tmp_path / "r.rec"))
    assert ds[0] == b"record zero"
    with pytest.raises(MXNetError, match="r.rec"):
        ds[3]
    (tmp_path / "r.idx").write_text("0\tnot-a-number\n")
    with pytest.raises(MXNetError, match=r"r.idx line 1 is not 'key<TAB>offset'"):
        gdata.RecordFileDataset(str(tmp_path / "r.rec"))
