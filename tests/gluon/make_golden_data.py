"""Golden files for gluon.data written by MXNet 1.9.1 (run ONLY in /work/mxnet-venv):
a RecordIO file + index (one record contains the RecordIO magic number, so MXNet splits it)
and DataLoader batches (shuffled under np.random.seed, batchify dtypes).

    /work/mxnet-venv/bin/python tests/gluon/make_golden_data.py
"""
import json
import os
import struct

import numpy as np
import mxnet as mx

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def records():
    magic = struct.pack('<I', 0xced7230a)
    payloads = [b'record zero', b'', b'abc' + magic + b'defg' + magic + b'xyz',
                bytes(range(256)) * 3, b'last']
    rec, idx = os.path.join(HERE, "records.rec"), os.path.join(HERE, "records.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, 'w')
    for i, p in enumerate(payloads):
        writer.write_idx(i * 10, p)
    writer.close()
    ds = mx.gluon.data.RecordFileDataset(rec)
    assert [ds[i] for i in range(len(ds))] == payloads
    return [p.hex() for p in payloads]


def loader_batches():
    out = {}
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    label = np.arange(10, dtype=np.int32)
    np.random.seed(11)
    dl = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(data, label), batch_size=4,
                                  shuffle=True, last_batch='rollover')
    out["shuffle_rollover"] = [[[b[0].asnumpy().tolist(), b[1].asnumpy().tolist()] for b in dl]
                               for _ in range(3)]
    samples = {"ints": [1, 2, 3], "floats": [0.5, 1.5], "np_int32": list(np.arange(3, dtype=np.int32)),
               "np_arrays": [np.ones((2, 2), np.uint8) * i for i in range(3)],
               "bools": [True, False]}
    out["batchify"] = {}
    for name, values in samples.items():
        batch = mx.gluon.data.DataLoader(values, batch_size=len(values)).__iter__().__next__()
        out["batchify"][name] = [np.dtype(batch.dtype).name, list(batch.shape),
                                 batch.asnumpy().tolist()]
    nested = mx.gluon.data.DataLoader(
        mx.gluon.data.SimpleDataset([(mx.nd.ones((2,)) * i, (i, float(i))) for i in range(3)]),
        batch_size=3)
    batch = next(iter(nested))
    out["nested"] = [[np.dtype(batch[0].dtype).name, batch[0].asnumpy().tolist()],
                     [[np.dtype(x.dtype).name, x.asnumpy().tolist()] for x in batch[1]]]
    return out


def main():
    os.makedirs(HERE, exist_ok=True)
    golden = {"mxnet_version": mx.__version__, "records": records(), "loader": loader_batches()}
    path = os.path.join(HERE, "golden_data.json")
    with open(path + ".tmp", "w") as f:
        json.dump(golden, f)
    os.replace(path + ".tmp", path)
    print("wrote", path)


if __name__ == "__main__":
    main()
