"""mx.io against MXNet 1.9.1's recorded NDArrayIter batches (make_golden_io.py) and by hand."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework import io as mxio
from framework.base import MXNetError

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "data", "golden_io.json")))["cases"]


def source(n=10):
    return (np.arange(n * 2, dtype=np.float32).reshape(n, 2),
            np.arange(n, dtype=np.float32) * 10)


def record(it, epochs=3, use_reset=True):
    out = {"provide_data": [[d.name, list(d.shape), np.dtype(d.dtype).name, d.layout]
                            for d in it.provide_data],
           "provide_label": [[d.name, list(d.shape), np.dtype(d.dtype).name, d.layout]
                             for d in it.provide_label],
           "epochs": []}
    for _ in range(epochs):
        batches = []
        for batch in it:
            batches.append({"data": [d.asnumpy().tolist() for d in batch.data],
                            "label": [l.asnumpy().tolist() for l in batch.label],
                            "dtypes": [np.dtype(d.dtype).name for d in batch.data + batch.label],
                            "pad": batch.pad})
        out["epochs"].append(batches)
        if use_reset:
            it.reset()
    return out


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_last_batch_handle_matches_mxnet(handle):
    data, label = source()
    got = record(mxio.NDArrayIter(data, label, batch_size=3, last_batch_handle=handle))
    assert got == GOLDEN["single_%s" % handle]


def test_golden_details_by_hand():
    # what the golden file says, spelled out: pad wraps around, roll_over leads the next epoch
    pad = GOLDEN["single_pad"]["epochs"][0]
    assert [b["pad"] for b in pad] == [0, 0, 0, 2]
    assert pad[-1]["label"] == [[90.0, 0.0, 10.0]]
    roll = GOLDEN["single_roll_over"]["epochs"]
    assert [len(e) for e in roll] == [3, 3, 4]
    assert roll[1][0]["label"] == [[90.0, 0.0, 10.0]] and roll[1][0]["pad"] == 1
    assert roll[2][0]["label"] == [[80.0, 90.0, 0.0]] and roll[2][0]["pad"] == 2
    assert roll[2][-1]["label"] == [[70.0, 80.0, 90.0]]
    assert GOLDEN["single_discard"]["provide_label"] == [["softmax_label", [3], "float32", "NCHW"]]


def test_tile_dict_list_ndarray_inputs_match_mxnet():
    small, small_label = source(4)
    assert record(mxio.NDArrayIter(small, small_label, batch_size=10, last_batch_handle="pad"),
                  epochs=2) == GOLDEN["pad_tile"]
    data, label = source()
    assert record(mxio.NDArrayIter({"b": data, "a": np.arange(10, dtype=np.int32)}, None,
                                   batch_size=4, last_batch_handle="roll_over"),
                  epochs=2) == GOLDEN["dict_nolabel"]
    assert record(mxio.NDArrayIter([data, data * 2], [label], batch_size=5,
                                   last_batch_handle="discard"), epochs=1) == GOLDEN["list_inputs"]
    assert record(mxio.NDArrayIter(mx.nd.array(data, dtype="float64"),
                                   mx.nd.array(label, dtype="int32"), batch_size=3,
                                   last_batch_handle="pad", data_name="x", label_name="y"),
                  epochs=2) == GOLDEN["ndarray_input"]


def test_shuffle_draws_np_random_like_mxnet():
    data, label = source()
    np.random.seed(7)
    assert record(mxio.NDArrayIter(data, label, batch_size=3, shuffle=True,
                                   last_batch_handle="roll_over")) == GOLDEN["shuffle_roll_over"]
    np.random.seed(7)
    assert record(mxio.NDArrayIter(data, label, batch_size=4, shuffle=True,
                                   last_batch_handle="pad"), epochs=2) == GOLDEN["shuffle_pad"]


def test_resize_iter_matches_mxnet():
    data, label = source()
    it = mxio.ResizeIter(mxio.NDArrayIter(data, label, batch_size=3, last_batch_handle="pad"), 5)
    assert record(it, epochs=2) == GOLDEN["resize"]


def test_prefetching_iter_joins_iterators_and_renames():
    data, label = source()
    a = mxio.NDArrayIter(data, label, batch_size=5)
    b = mxio.NDArrayIter(data * 2, label, batch_size=5, data_name="d2", label_name="l2")
    it = mxio.PrefetchingIter([a, b], rename_data=[{"data": "x"}, {"d2": "y"}])
    assert [d.name for d in it.provide_data] == ["x", "y"]
    assert [d.name for d in it.provide_label] == ["softmax_label", "l2"]
    for epoch in range(2):
        batches = list(it)
        assert len(batches) == 2
        np.testing.assert_array_equal(batches[1].data[0].asnumpy(), data[5:])
        np.testing.assert_array_equal(batches[1].data[1].asnumpy(), data[5:] * 2)
        np.testing.assert_array_equal(batches[0].label[1].asnumpy(), label[:5])
        it.reset()


def test_data_desc_and_batch():
    d = mxio.DataDesc("data", (4, 3, 8, 8))
    assert d == ("data", (4, 3, 8, 8)) and d.dtype is np.float32 and d.layout == "NCHW"
    assert repr(d) == "DataDesc[data,(4, 3, 8, 8),<class 'numpy.float32'>,NCHW]"
    assert mxio.DataDesc.get_batch_axis("TNC") == 1 and mxio.DataDesc.get_batch_axis(None) == 0
    descs = mxio.DataDesc.get_list([("a", (2, 3)), ("b", (2,))], [("a", np.int32), ("b", np.float16)])
    assert [(x.name, x.shape, x.dtype) for x in descs] == [("a", (2, 3), np.int32), ("b", (2,), np.float16)]
    batch = mxio.DataBatch([mx.nd.zeros((2, 3))], [mx.nd.zeros((2,))], pad=1)
    assert str(batch) == "DataBatch: data shapes: [(2, 3)] label shapes: [(2,)]"
    with pytest.raises(AssertionError, match="Data must be list of NDArrays"):
        mxio.DataBatch(mx.nd.zeros((2, 3)))


def test_layout_batch_axis_and_base_iter():
    # MXNet 1.9.1 counts samples along axis 0 whatever the layout: with 'TNC' data of shape
    # (T=2, N=6, C=2) it sees 2 samples, slices axis 1 [0:2] and stops on the short batch
    data = np.arange(24, dtype=np.float32).reshape(2, 6, 2)
    it = mxio.NDArrayIter(data, None, batch_size=4, last_batch_handle="discard", layout="TNC")
    assert it.provide_data[0].shape == (2, 4, 2)
    assert list(it) == []
    it = mxio.NDArrayIter(np.zeros((8, 3, 2)), None, batch_size=2, layout="TNC")
    with pytest.raises(MXNetError, match="Invalid end for end=4 as axis_size is 3"):
        list(it)
    it = mxio.NDArrayIter(np.arange(12, dtype=np.float32).reshape(3, 4), None, batch_size=2,
                          last_batch_handle="discard", layout="NC")
    np.testing.assert_array_equal(next(it).data[0].asnumpy(), [[0, 1, 2, 3], [4, 5, 6, 7]])
    base = mxio.DataIter(batch_size=8)
    assert base.batch_size == 8 and base.getindex() is None and base.iter_next() is None
    with pytest.raises(StopIteration):
        next(base)


def test_bad_input():
    with pytest.raises(MXNetError, match="last_batch_handle"):
        mxio.NDArrayIter(np.zeros((4, 2)), batch_size=2, last_batch_handle="keep")
    with pytest.raises(TypeError, match="Input must be NDArray"):
        mxio.NDArrayIter("not an array", batch_size=2)
    with pytest.raises(TypeError, match="Invalid type"):
        mxio.NDArrayIter({"data": object()}, batch_size=2)
    it = mxio.NDArrayIter(np.zeros((4, 2)), batch_size=2)
    list(it)
    with pytest.raises(AssertionError, match="needs reset"):
        it.getdata()


def write_file_sources(folder):
    """The same tiny idx-ubyte and CSV files make_golden_io.py gave MXNet."""
    import struct
    images = (np.arange(10 * 4 * 3) * 7 % 256).reshape(10, 4, 3).astype(np.uint8)
    labels = (np.arange(10) * 3 % 10).astype(np.uint8)
    for name, arr in (("img", images), ("lab", labels)):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
                    + arr.tobytes())
    np.savetxt(os.path.join(folder, "d.csv"), np.arange(10 * 3).reshape(10, 3) * 0.5,
               delimiter=",", fmt="%g")
    np.savetxt(os.path.join(folder, "l.csv"), np.arange(20).reshape(10, 2), delimiter=",",
               fmt="%g")


def test_mnist_and_csv_iterators_match_mxnet(tmp_path):
    folder = str(tmp_path)
    write_file_sources(folder)
    p = lambda name: os.path.join(folder, name)  # noqa: E731
    got = {
        "mnist": record(mxio.MNISTIter(image=p("img"), label=p("lab"), batch_size=3,
                                       shuffle=False), epochs=2),
        "mnist_flat_part": record(mxio.MNISTIter(image=p("img"), label=p("lab"), batch_size=2,
                                                 shuffle=False, flat=True, num_parts=2,
                                                 part_index=1), epochs=1),
        "csv_round": record(mxio.CSVIter(data_csv=p("d.csv"), data_shape=(3,),
                                         label_csv=p("l.csv"), label_shape=(2,), batch_size=4),
                            epochs=3),
        "csv_noround": record(mxio.CSVIter(data_csv=p("d.csv"), data_shape=(3,), batch_size=4,
                                           round_batch=False), epochs=2),
        "csv_big_batch": record(mxio.CSVIter(data_csv=p("d.csv"), data_shape=(1, 3),
                                             batch_size=13), epochs=2),
    }
    for name, value in got.items():
        assert value == GOLDEN[name], name
    shuffled = mxio.MNISTIter(image=p("img"), label=p("lab"), batch_size=10, seed=4)
    labels = next(shuffled).label[0].asnumpy()
    assert sorted(labels.tolist()) == sorted((np.arange(10) * 3 % 10).tolist())


def test_file_iterator_errors(tmp_path):
    write_file_sources(str(tmp_path))
    with pytest.raises(MXNetError, match="rows of 3 values, but data_shape"):
        mxio.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(4,), batch_size=2)
    with pytest.raises(MXNetError, match="cannot read data"):
        mxio.CSVIter(data_csv=str(tmp_path / "missing.csv"), data_shape=(3,))
    with pytest.raises(MXNetError, match="is not an idx-ubyte file"):
        mxio.MNISTIter(image=str(tmp_path / "lab"), label=str(tmp_path / "lab"))
    with pytest.raises(MXNetError, match="ImageRecordIter is one of MXNet's C\\+\\+ iterators"):
        mxio.ImageRecordIter(path_imgrec="x.rec", data_shape=(3, 8, 8))


def test_ndarrayiter_parts_for_distributed_ranks():
    data = np.arange(22, dtype=np.float32).reshape(11, 2)
    label = np.arange(11, dtype=np.float32)
    seen = []
    for rank in range(2):
        it = mx.io.NDArrayIter(data, label, batch_size=5, num_parts=2, part_index=rank)
        batches = list(it)
        assert len(batches) == 1
        seen.append(batches[0].label[0].asnumpy())
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(10))   # disjoint, equal parts
    assert mx.gluon.data.SplitSampler is not None
    with pytest.raises(mx.base.MXNetError):
        mx.io.NDArrayIter(data, label, batch_size=5, num_parts=2, part_index=2)
