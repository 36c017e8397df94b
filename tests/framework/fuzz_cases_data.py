"""Fuzz cases for the data surfaces (see fuzz_new_surfaces.py): vision datasets on damaged
files, RecordFileDataset, CSVIter / MNISTIter, NDArrayIter, DataLoader and metrics."""
import gzip
import io
import os
import struct
import tarfile

import numpy as np

import framework as mx
from tests.framework.fuzz_cases_load import write, damaged_versions

GROUPS = {}


def group(fn):
    GROUPS[fn.__name__] = fn
    return fn


def idx_bytes(arr):
    arr = np.asarray(arr, np.uint8)
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + \
        arr.tobytes()


def mnist_dir(reg, name, images, labels, gz=True):
    d = reg.path(name)
    os.makedirs(d, exist_ok=True)
    suffix = ".gz" if gz else ""
    for fname, data in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        write(os.path.join(d, fname + suffix), gzip.compress(data) if gz else data)
    return d


@group
def datasets(reg):
    images = idx_bytes(np.arange(5 * 4 * 4).reshape(5, 4, 4) % 255)
    labels = idx_bytes(np.arange(5) % 10)
    mnist = mx.gluon.data.vision.MNIST
    reg.good("mnist_control", lambda: mnist(root=mnist_dir(reg, "m_ok", images, labels))[4])
    for label, data in damaged_versions(images):
        if label.startswith("flip") or label == "garbage_tail":
            continue
        d = mnist_dir(reg, "m_img_" + label, data, labels, gz=False)
        reg.bad("mnist_images_" + label, lambda d=d: mnist(root=d))
    for label, data in damaged_versions(labels):
        if label.startswith("flip"):
            continue
        d = mnist_dir(reg, "m_lab_" + label, images, data, gz=False)
        reg.bad("mnist_labels_" + label, lambda d=d: mnist(root=d))
    d = mnist_dir(reg, "m_count", images, idx_bytes(np.arange(4)))
    reg.bad("mnist_count_mismatch", lambda d=d: mnist(root=d), "5", "4")
    d = mnist_dir(reg, "m_gzbad", images, labels)
    write(os.path.join(d, "train-images-idx3-ubyte.gz"), b"\x1f\x8b\x08garbage-garbage")
    reg.bad("mnist_corrupt_gzip", lambda d=d: mnist(root=d), "train-images")
    d = mnist_dir(reg, "m_gztrunc", images, labels)
    write(os.path.join(d, "train-images-idx3-ubyte.gz"), gzip.compress(images)[:-10])
    reg.bad("mnist_truncated_gzip", lambda d=d: mnist(root=d), "train-images")
    d = mnist_dir(reg, "m_dir", images, labels)
    os.remove(os.path.join(d, "train-images-idx3-ubyte.gz"))
    os.makedirs(os.path.join(d, "train-images-idx3-ubyte.gz"))
    reg.bad("mnist_directory_as_file", lambda d=d: mnist(root=d))
    huge = bytes([0, 0, 8, 3]) + struct.pack(">III", 2 ** 31, 2 ** 31, 2 ** 31)
    d = mnist_dir(reg, "m_huge", huge, labels, gz=False)
    reg.bad("mnist_huge_header", lambda d=d: mnist(root=d))
    reg.bad("mnist_missing", lambda: mnist(root=reg.path("none")), "train-images")

    cifar = mx.gluon.data.vision.CIFAR10
    rec = np.zeros((3, 3073), np.uint8)
    rec[:, 0] = [1, 2, 3]
    cdir = reg.path("c_ok")
    os.makedirs(cdir)
    for i in range(1, 6):
        write(os.path.join(cdir, "data_batch_%d.bin" % i), rec.tobytes())
    reg.good("cifar_control", lambda: cifar(root=cdir)[14])

    def cifar_with(label, data):
        d = reg.path("c_" + label)
        os.makedirs(d)
        for i in range(1, 6):
            write(os.path.join(d, "data_batch_%d.bin" % i), rec.tobytes() if i > 1 else data)
        reg.bad("cifar_" + label, lambda: cifar(root=d), "data_batch_1.bin")
    cifar_with("truncated", rec.tobytes()[:-7])
    cifar_with("empty", b"")
    bad = rec.copy()
    bad[1, 0] = 200
    cifar_with("label_range", bad.tobytes())

    def tar_case(label, build, *words):
        d = reg.path("t_" + label)
        os.makedirs(d)
        build(os.path.join(d, "cifar-10-binary.tar.gz"))
        reg.bad("cifar_tar_" + label, lambda: cifar(root=d), *words)
        return d

    def traversal(path):
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("../../escaped.bin")
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
    tar_case("traversal", traversal, "escaped")
    assert not os.path.exists(os.path.join(reg.tmp, "escaped.bin"))

    def symlink(path):
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("cifar-10-batches-bin/data_batch_1.bin")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    tar_case("symlink", symlink, "data_batch_1.bin")
    tar_case("garbage", lambda p: write(p, b"\x1f\x8b" + os.urandom(200)), "tar.gz")
    tar_case("truncated", lambda p: (traversal(p), write(p, open(p, "rb").read()[:30])),
             "tar.gz")


@group
def recordio(reg):
    def record(payload):
        n = len(payload)
        return struct.pack("<II", 0xced7230a, n) + payload + b"\x00" * ((4 - n % 4) % 4)

    recs = [b"hello", b"world!!", b"x" * 9]
    blob, offsets = b"", []
    for r in recs:
        offsets.append(len(blob))
        blob += record(r)
    good_idx = "".join("%d\t%d\n" % (i, o) for i, o in enumerate(offsets)).encode()
    ds = mx.gluon.data.RecordFileDataset

    def make(label, rec_bytes, idx_bytes_):
        p = reg.path("%s.rec" % label)
        write(p, rec_bytes)
        write(reg.path("%s.idx" % label), idx_bytes_)
        return p

    p = make("ok", blob, good_idx)
    reg.good("rec_control", lambda: [ds(p)[i] for i in range(3)] == recs or 1 / 0)

    def read_all(path):
        return lambda: [ds(path)[i] for i in range(len(ds(path)))]

    for label, data in damaged_versions(blob):
        if label.startswith("flip") or label == "garbage_tail":
            continue
        # cutting only the zero padding after the last payload leaves every record whole
        add = reg.either if label == "trunc%d" % (len(blob) - 1) else reg.bad
        add("rec_" + label, read_all(make("r_" + label, data, good_idx)))
    for label, idx in (("idx_text", b"garbage line\n"), ("idx_no_tab", b"0 0\n"),
                       ("idx_neg", b"0\t-8\n"), ("idx_beyond", b"0\t99999\n"),
                       ("idx_misaligned", b"0\t3\n"), ("idx_binary", b"\xff\xfe\x00\x01"),
                       ("idx_float", b"0\t1.5\n"), ("idx_huge", b"0\t99999999999999999999\n")):
        reg.bad("rec_" + label, read_all(make(label, blob, idx)))
    giant = struct.pack("<II", 0xced7230a, (1 << 29) - 1) + b"abc"
    reg.bad("rec_giant_length", read_all(make("giant", giant, b"0\t0\n")))
    cont = struct.pack("<II", 0xced7230a, (1 << 29) | 4) + b"abcd"
    reg.bad("rec_unterminated_continuation", read_all(make("cont", cont * 3, b"0\t0\n")))
    mid = struct.pack("<II", 0xced7230a, (2 << 29) | 4) + b"abcd"
    reg.either("rec_continuation_middle_first", read_all(make("mid", mid + record(b"z"),
                                                             b"0\t0\n")))
    reg.bad("rec_missing_idx", lambda: ds(reg.path("nothing.rec")), "nothing")


@group
def iterators(reg):
    csv = write(reg.path("d.csv"), b"1,2,3\n4,5,6\n7,8,9\n")
    lab = write(reg.path("l.csv"), b"0\n1\n2\n")

    def csv_iter(data=csv, shape=(3,), **kw):
        return lambda: [b.data[0].asnumpy() for b in mx.io.CSVIter(
            data_csv=data, data_shape=shape, **kw)]
    reg.good("csv_control", csv_iter(label_csv=lab, batch_size=2))
    reg.bad("csv_shape", csv_iter(shape=(4,)), "(4,)")
    reg.bad("csv_text", csv_iter(write(reg.path("t.csv"), b"a,b,c\n")))
    reg.bad("csv_ragged", csv_iter(write(reg.path("r.csv"), b"1,2,3\n4,5\n")))
    reg.bad("csv_binary", csv_iter(write(reg.path("b.csv"), os.urandom(64))))
    reg.bad("csv_missing", csv_iter(reg.path("none.csv")), "none.csv")
    reg.bad("csv_label_rows", csv_iter(label_csv=write(reg.path("l2.csv"), b"0\n1\n")), "l2.csv")
    reg.bad("csv_batch_zero", csv_iter(batch_size=0), "batch_size")
    reg.bad("csv_batch_negative", csv_iter(batch_size=-2), "batch_size")
    reg.bad("csv_shape_negative", csv_iter(shape=(-3,)))
    reg.bad("csv_dtype", csv_iter(dtype="float16"), "float16")
    reg.either("csv_empty", csv_iter(write(reg.path("e.csv"), b"")))

    images = write(reg.path("img"), idx_bytes(np.zeros((6, 4, 4))))
    labels = write(reg.path("lab"), idx_bytes(np.arange(6)))

    def mnist_iter(**kw):
        return lambda: [b.data[0].asnumpy() for b in mx.io.MNISTIter(
            image=kw.pop("image", images), label=kw.pop("label", labels), **kw)]
    reg.good("mnist_iter_control", mnist_iter(batch_size=2))
    reg.bad("mnist_iter_batch_zero", mnist_iter(batch_size=0), "batch_size")
    reg.bad("mnist_iter_batch_negative", mnist_iter(batch_size=-1), "batch_size")
    reg.bad("mnist_iter_num_parts_zero", mnist_iter(batch_size=2, num_parts=0), "num_parts")
    reg.bad("mnist_iter_part_index", mnist_iter(batch_size=2, num_parts=2, part_index=5),
            "part_index")
    reg.bad("mnist_iter_random", mnist_iter(image=write(reg.path("rnd"), os.urandom(99))))
    reg.bad("mnist_iter_labels_as_images", mnist_iter(image=labels))

    def nd_iter(data, label=None, **kw):
        return lambda: [(b.data[0].asnumpy(), b.pad) for b in mx.io.NDArrayIter(
            data, label, **kw)]
    reg.good("nditer_control", nd_iter(np.ones((5, 2)), np.ones(5), batch_size=2))
    reg.bad("nditer_label_shorter", nd_iter(np.ones((5, 2)), np.ones(3), batch_size=2), "5", "3")
    reg.bad("nditer_label_longer", nd_iter(np.ones((5, 2)), np.ones(8), batch_size=2), "5", "8")
    reg.bad("nditer_dict_lengths", nd_iter({"a": np.ones((5, 2)), "b": np.ones((4, 2))},
                                           batch_size=2), "5", "4")
    reg.bad("nditer_batch_zero", nd_iter(np.ones((5, 2)), batch_size=0), "batch_size")
    reg.bad("nditer_batch_negative", nd_iter(np.ones((5, 2)), batch_size=-1), "batch_size")
    reg.bad("nditer_scalar_data", nd_iter(np.float32(3)))
    reg.either("nditer_empty_data", nd_iter(np.ones((0, 2)), batch_size=2))  # MXNet: []
    reg.bad("nditer_bad_handle", nd_iter(np.ones((5, 2)), last_batch_handle="zzz"), "zzz")
    reg.bad("nditer_string_data", nd_iter(np.array(["a", "b"])))
    reg.bad("nditer_object_data", nd_iter([object(), object()]))
    reg.either("nditer_batch_bigger", nd_iter(np.ones((5, 2)), batch_size=7))
    reg.either("nditer_discard_bigger", nd_iter(np.ones((5, 2)), batch_size=7,
                                                last_batch_handle="discard"))


class _Crashing(mx.gluon.data.Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if self.how == "exit" and i == 2:
            os._exit(3)
        if self.how == "raise" and i == 2:
            raise ValueError("sample 2 is bad")
        if self.how == "shapes":
            return mx.nd.ones((i + 1,))
        if self.how == "object":
            return object()
        if self.how == "unpicklable":
            return lambda: 1
        return mx.nd.ones((2,))


def _unpicklable_batch(samples):
    return lambda: samples


def _raising_batch(samples):
    raise KeyError("batchify failed")


@group
def dataloader(reg):
    DL = mx.gluon.data.DataLoader

    def run(how, **kw):
        return lambda: [b for b in DL(_Crashing(how), batch_size=2, **kw)]
    reg.good("dl_control", run("ok"))
    reg.good("dl_control_workers", run("ok", num_workers=1))
    reg.bad("dl_shapes", run("shapes"), "(1,)", "(2,)")
    reg.bad("dl_shapes_workers", run("shapes", num_workers=1), "(1,)", "(2,)")
    reg.bad("dl_object", run("object"), "object")
    reg.bad("dl_object_workers", run("object", num_workers=1), "object")
    reg.bad("dl_worker_exit", run("exit", num_workers=1, timeout=20), "worker")
    reg.bad("dl_thread_exit_unpicklable", run("unpicklable", num_workers=1), "")
    reg.raises("dl_user_error", run("raise"), ValueError, "sample 2")
    reg.raises("dl_user_error_workers", run("raise", num_workers=1), ValueError, "sample 2")
    reg.raises("dl_user_error_threads", run("raise", num_workers=1, thread_pool=True), ValueError,
               "sample 2")
    reg.bad("dl_batchify_unpicklable_workers", lambda: list(DL(
        _Crashing("ok"), batch_size=2, num_workers=1, batchify_fn=_unpicklable_batch)), "pickle")
    reg.raises("dl_batchify_raises_workers", lambda: list(DL(
        _Crashing("ok"), batch_size=2, num_workers=1, batchify_fn=_raising_batch)), KeyError,
        "batchify")
    reg.bad("dl_batch_size_zero", lambda: DL(_Crashing("ok"), batch_size=0), "batch_size")
    reg.bad("dl_bad_last_batch", lambda: list(DL(_Crashing("ok"), batch_size=2,
                                                 last_batch="zzz")), "zzz")
    reg.bad("dl_timeout_zero", lambda: DL(_Crashing("ok"), batch_size=2, timeout=0), "timeout")


@group
def metrics(reg):
    m = mx.metric
    p2 = mx.nd.array([[0.3, 0.7], [0.6, 0.4]])
    l2 = mx.nd.array([1, 0])

    def upd(metric, labels, preds):
        def run():
            metric.update(labels, preds)
            metric.get()
        return run
    for name in ("acc", "top_k_accuracy", "f1", "mcc", "mae", "mse", "rmse", "ce", "nll_loss",
                 "perplexity", "pearsonr", "pcc"):
        kw = {"top_k": 2} if name == "top_k_accuracy" else {}
        kw = {"ignore_label": None} if name == "perplexity" else kw
        mk = lambda: m.create(name, **kw)  # noqa: E731
        if name != "pearsonr":        # needs label and prediction of one shape
            reg.good(name + "_control", upd(mk(), [l2], [p2]))
        reg.bad(name + "_list_lengths", upd(mk(), [l2, l2], [p2]), "2", "1")
        reg.bad(name + "_batch_mismatch", upd(mk(), [mx.nd.array([1, 0, 1])], [p2]), "3", "2")
        # MAE/MSE/RMSE broadcast label (2, 1) against any prediction, as MXNet does
        (reg.either if name in ("mae", "mse", "rmse") else reg.bad)(
            name + "_pred_3d", upd(mk(), [l2], [mx.nd.ones((2, 2, 2))]))
        reg.bad(name + "_label_2d", upd(mk(), [mx.nd.ones((2, 3))], [p2]))
        reg.either(name + "_empty", upd(mk(), [mx.nd.zeros((0,))], [mx.nd.zeros((0, 2))]))
    # as in MXNet: an out-of-range label is just never predicted (Accuracy, TopK, F1) or
    # clipped (Perplexity's pick)
    reg.good("acc_label_out_of_range", upd(m.Accuracy(), [mx.nd.array([5, 0])], [p2]))
    reg.bad("ce_label_out_of_range", upd(m.CrossEntropy(), [mx.nd.array([5, 0])], [p2]), "5")
    reg.bad("ce_label_negative", upd(m.CrossEntropy(), [mx.nd.array([-1, 0])], [p2]), "-1")
    reg.bad("nll_label_out_of_range", upd(m.NegativeLogLikelihood(), [mx.nd.array([2, 0])],
                                          [p2]), "2")
    reg.good("perplexity_label_out_of_range", upd(m.Perplexity(None), [mx.nd.array([9, 0])],
                                                  [p2]))
    reg.good("topk_label_out_of_range", upd(m.TopKAccuracy(top_k=2), [mx.nd.array([9, 0])],
                                            [mx.nd.ones((2, 3))]))
    reg.bad("pcc_label_negative", upd(m.PCC(), [mx.nd.array([-1, 0])], [p2]), "-1")
    reg.bad("composite_mismatch", upd(m.CompositeEvalMetric([m.Accuracy(), m.MSE()]),
                                      [l2, l2], [p2]))


@group
def data_utils(reg):
    gdata, utils = mx.gluon.data, mx.gluon.utils
    reg.good("array_dataset_control", lambda: gdata.ArrayDataset(np.ones(3), np.ones(3))[2])
    reg.bad("array_dataset_lengths", lambda: gdata.ArrayDataset(np.ones(5), np.ones(3)), "5", "3")
    reg.bad("array_dataset_empty", lambda: gdata.ArrayDataset())
    reg.bad("batch_sampler_bad_last", lambda: list(gdata.BatchSampler(
        gdata.SequentialSampler(5), 2, "zzz")), "zzz")
    reg.bad("batch_sampler_zero", lambda: list(gdata.BatchSampler(
        gdata.SequentialSampler(4), 0)), "batch_size")
    reg.bad("sampler_negative", lambda: list(gdata.RandomSampler(-3)))
    ctxs = [mx.cpu(0), mx.cpu(1)]
    reg.good("split_control", lambda: utils.split_and_load(mx.nd.ones((4, 2)), ctxs))
    reg.bad("split_too_many_slices", lambda: utils.split_and_load(mx.nd.ones((1, 2)), ctxs),
            "(1, 2)")
    reg.bad("split_uneven", lambda: utils.split_data(mx.nd.ones((5, 2)), 2, even_split=True),
            "(5, 2)")
    reg.bad("split_axis", lambda: utils.split_data(mx.nd.ones((4, 2)), 2, batch_axis=3))
    reg.bad("split_zero_slices", lambda: utils.split_data(mx.nd.ones((4, 2)), 0))
    reg.bad("split_no_ctx", lambda: utils.split_and_load(mx.nd.ones((4, 2)), []))
    reg.either("clip_norm_nan", lambda: utils.clip_global_norm([mx.nd.array([np.nan, 1.0])], 1.0))
    reg.bad("clip_norm_empty", lambda: utils.clip_global_norm([], 1.0))
    reg.either("clip_norm_contexts", lambda: utils.clip_global_norm(     # MXNet: copies
        [mx.nd.ones(2), mx.nd.ones(2, ctx=mx.cpu(1))], 1.0))
