"""Record MXNet 1.9.1's NDArrayIter batches (run ONLY in /work/mxnet-venv; writes data/golden_io.json).

    /work/mxnet-venv/bin/python tests/framework/make_golden_io.py
"""
import json
import os

import numpy as np
import mxnet as mx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden_io.json")


def source(n=10):
    data = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    label = np.arange(n, dtype=np.float32) * 10
    return data, label


def record(it, epochs=3, use_reset=True):
    """Every batch of `epochs` passes: data, label, pad; plus provide_data/label."""
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


def write_file_sources(folder):
    """Tiny idx-ubyte and CSV files (the test writes the same ones)."""
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


def file_iterators():
    import tempfile
    folder = tempfile.mkdtemp()
    write_file_sources(folder)
    p = lambda name: os.path.join(folder, name)  # noqa: E731
    out = {}
    out["mnist"] = record(mx.io.MNISTIter(image=p("img"), label=p("lab"), batch_size=3,
                                          shuffle=False), epochs=2)
    out["mnist_flat_part"] = record(mx.io.MNISTIter(image=p("img"), label=p("lab"), batch_size=2,
                                                    shuffle=False, flat=True, num_parts=2,
                                                    part_index=1), epochs=1)
    out["csv_round"] = record(mx.io.CSVIter(data_csv=p("d.csv"), data_shape=(3,),
                                            label_csv=p("l.csv"), label_shape=(2,),
                                            batch_size=4), epochs=3)
    out["csv_noround"] = record(mx.io.CSVIter(data_csv=p("d.csv"), data_shape=(3,), batch_size=4,
                                              round_batch=False), epochs=2)
    out["csv_big_batch"] = record(mx.io.CSVIter(data_csv=p("d.csv"), data_shape=(1, 3),
                                                batch_size=13), epochs=2)
    return out


def main():
    cases = {}
    data, label = source()
    for handle in ("pad", "discard", "roll_over"):
        cases["single_%s" % handle] = record(
            mx.io.NDArrayIter(data, label, batch_size=3, last_batch_handle=handle))
    # batch bigger than the data: MXNet tiles the data for 'pad'
    small, small_label = source(4)
    cases["pad_tile"] = record(mx.io.NDArrayIter(small, small_label, batch_size=10,
                                                 last_batch_handle="pad"), epochs=2)
    # several named inputs, int data, no label
    cases["dict_nolabel"] = record(mx.io.NDArrayIter(
        {"b": data, "a": np.arange(10, dtype=np.int32)}, None, batch_size=4,
        last_batch_handle="roll_over"), epochs=2)
    cases["list_inputs"] = record(mx.io.NDArrayIter(
        [data, data * 2], [label], batch_size=5, last_batch_handle="discard"), epochs=1)
    cases["ndarray_input"] = record(mx.io.NDArrayIter(
        mx.nd.array(data, dtype="float64"), mx.nd.array(label, dtype="int32"), batch_size=3,
        last_batch_handle="pad", data_name="x", label_name="y"), epochs=2)
    # shuffle: MXNet draws from np.random (legacy RandomState) -> reproducible with np.random.seed
    np.random.seed(7)
    cases["shuffle_roll_over"] = record(mx.io.NDArrayIter(
        data, label, batch_size=3, shuffle=True, last_batch_handle="roll_over"))
    np.random.seed(7)
    cases["shuffle_pad"] = record(mx.io.NDArrayIter(
        data, label, batch_size=4, shuffle=True, last_batch_handle="pad"), epochs=2)
    # ResizeIter: 5 batches per epoch out of a 4-batch iterator
    cases["resize"] = record(mx.io.ResizeIter(
        mx.io.NDArrayIter(data, label, batch_size=3, last_batch_handle="pad"), 5), epochs=2)
    # DataLoader / BatchSampler of gluon for the same sizes
    loader = {}
    for last_batch in ("keep", "discard", "rollover"):
        dl = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(data, label), batch_size=3,
                                      last_batch=last_batch)
        loader[last_batch] = {"len": len(dl), "epochs": [
            [[b[0].asnumpy().tolist(), b[1].asnumpy().tolist()] for b in dl] for _ in range(3)]}
    cases["gluon_dataloader"] = loader
    cases.update(file_iterators())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"mxnet_version": mx.__version__, "cases": cases}, f, indent=None)
    os.replace(tmp, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
