"""Generate the golden ``.params`` files in ``tests/compat/data/`` with REAL MXNet 1.9.1.

Runs ONLY in the side venv that has real MXNet (the project itself never imports mxnet)::

    python3 -m venv /work/mxnet-venv
    /work/mxnet-venv/bin/pip install mxnet==1.9.1 numpy==1.23.5
    /work/mxnet-venv/bin/python tests/compat/make_golden_params.py

(No extra system packages were needed on the generating machine: the mxnet wheel bundles
libopenblas/libgfortran; pip pulls in ``requests`` and ``graphviz``.)

Every ``X.params`` written here has a sidecar ``X.npz`` with the expected arrays (names as keys
for dict files, ``arr_<i>`` for list files); load it with ``np.load(path, allow_pickle=False)``.
The two ``legacy_*.params`` files are hand-crafted V1 / pre-V1 records (MXNet 1.9.1 only loads
them, it never writes them); the script checks that MXNet 1.9.1 reads them back as expected.
"""
import os
import struct
import sys

import numpy as np
import mxnet as mx

assert mx.__version__ == "1.9.1", mx.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
os.makedirs(DATA, exist_ok=True)
rng = np.random.RandomState(1234)


def path(name):
    return os.path.join(DATA, name)


def to_np(x):
    return x.asnumpy()


def write_sidecar(name, loaded):
    """Sidecar from what MXNet itself loads back (so it is exactly what the file holds)."""
    if isinstance(loaded, dict):
        arrays = {k: to_np(v) for k, v in loaded.items()}
    else:
        arrays = {"arr_%d" % i: to_np(v) for i, v in enumerate(loaded)}
    np.savez(path(name.replace(".params", ".npz")), **arrays)


def check_same(a, b):
    if isinstance(a, dict):
        assert list(a) == list(b), (list(a), list(b))
        for k in a:
            assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
            np.testing.assert_array_equal(to_np(a[k]), b[k])
    else:
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(to_np(x), y)


# 1. dict file, several dtypes and shapes -----------------------------------------------------
d = {
    "f32": rng.randn(2, 3).astype("float32"),
    "f64": rng.randn(3).astype("float64"),
    "f16": rng.randn(2, 2).astype("float16"),
    "u8": rng.randint(0, 256, size=(4,)).astype("uint8"),
    "i8": rng.randint(-128, 128, size=(2, 2)).astype("int8"),
    "i32": rng.randint(-2**31, 2**31 - 1, size=(3,)).astype("int32"),
    "i64": np.array([-2**62, -1, 0, 2**62 + 7], dtype="int64"),
    "bool": np.array([True, False, True]),
    "one": np.array([42.5], dtype="float32"),                 # shape (1,)
    "empty": np.zeros((0,), dtype="float32"),                 # 0-size
    "empty2d": np.zeros((0, 3), dtype="float32"),             # 0-size, 2-D
    "four_d": rng.randn(1, 2, 1, 3).astype("float32"),
    "nan_inf": np.array([np.nan, np.inf, -np.inf, -0.0], dtype="float32"),
    "name with spaces/and.dots:é": np.arange(3, dtype="int32"),
}
mx.nd.save(path("dict_mixed.params"), {k: mx.nd.array(v, dtype=v.dtype) for k, v in d.items()})
back = mx.nd.load(path("dict_mixed.params"))
check_same(back, d)
write_sidecar("dict_mixed.params", back)

# 2. list file (no names) ---------------------------------------------------------------------
lst = [rng.randn(3, 2).astype("float32"), np.arange(5, dtype="int64"),
       rng.randn(2, 1, 2).astype("float64")]
mx.nd.save(path("list_plain.params"), [mx.nd.array(v, dtype=v.dtype) for v in lst])
back = mx.nd.load(path("list_plain.params"))
check_same(back, lst)
write_sidecar("list_plain.params", back)

# 3. gluon save_parameters --------------------------------------------------------------------
mx.random.seed(7)
net = mx.gluon.nn.HybridSequential()
net.add(mx.gluon.nn.Dense(3, in_units=4, activation="relu"))
net.add(mx.gluon.nn.BatchNorm(in_channels=3))
net.add(mx.gluon.nn.Dense(2, in_units=3, use_bias=False))
net.initialize(mx.init.Xavier())
net(mx.nd.array(rng.randn(2, 4)))
net.save_parameters(path("gluon_net.params"))
back = mx.nd.load(path("gluon_net.params"))
write_sidecar("gluon_net.params", back)
print("gluon keys:", list(back))

# 4. model.save_checkpoint with arg:/aux: keys ------------------------------------------------
data = mx.sym.Variable("data")
fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc1")
bn = mx.sym.BatchNorm(fc, name="bn1")
out = mx.sym.Activation(bn, act_type="relu", name="relu1")
arg_shapes, _, aux_shapes = out.infer_shape(data=(2, 4))
arg_params = {n: mx.nd.array(rng.randn(*s).astype("float32"))
              for n, s in zip(out.list_arguments(), arg_shapes) if n != "data"}
aux_params = {n: mx.nd.array(np.abs(rng.randn(*s)).astype("float32"))
              for n, s in zip(out.list_auxiliary_states(), aux_shapes)}
prefix = path("checkpoint")
mx.model.save_checkpoint(prefix, 0, out, arg_params, aux_params)
back = mx.nd.load(prefix + "-0000.params")
assert sorted(back) == sorted(["arg:" + k for k in arg_params] + ["aux:" + k for k in aux_params])
write_sidecar("checkpoint-0000.params", back)
print("checkpoint keys:", list(back))

# 5. np-shape semantics (V3 magic): a 0-d scalar and a 0-size array -----------------------------
mx.npx.set_np()
npd = {"scalar": mx.np.array(np.float32(3.25)), "empty": mx.np.zeros((0, 2)),
       "vec": mx.np.array(rng.randn(3).astype("float32")),
       "b": mx.np.array(np.array([True, False]), dtype="bool")}
mx.npx.save(path("npx_v3.params"), npd)
back = mx.npx.load(path("npx_v3.params"))
assert back["scalar"].shape == () and back["empty"].shape == (0, 2)
write_sidecar("npx_v3.params", back)
mx.npx.reset_np()
raw = open(path("npx_v3.params"), "rb").read()
assert struct.unpack_from("<I", raw, 24)[0] == 0xF993FACA

# 6. hand-crafted legacy records (V1 magic, and pre-V1 where the first word is ndim) ----------
vals = np.array([[1.5, -2.0, 3.0], [4.0, 5.0, -6.5]], dtype="float32")
ctx = struct.pack("<ii", 1, 0)
v1 = (struct.pack("<QQQ", 0x112, 0, 2)
      + struct.pack("<Iiqq", 0xF993FAC8, 2, 2, 3) + ctx + struct.pack("<i", 0) + vals.tobytes()
      + struct.pack("<Iiq", 0xF993FAC8, 1, 2) + ctx + struct.pack("<i", 6)
      + np.array([7, -9], dtype="<i8").tobytes()
      + struct.pack("<Q", 2) + struct.pack("<Q", 1) + b"a" + struct.pack("<Q", 1) + b"b")
open(path("legacy_v1.params"), "wb").write(v1)
back = mx.nd.load(path("legacy_v1.params"))
check_same(back, {"a": vals, "b": np.array([7, -9], dtype="int64")})
write_sidecar("legacy_v1.params", back)
v0 = (struct.pack("<QQQ", 0x112, 0, 1)
      + struct.pack("<III", 2, 2, 3) + ctx + struct.pack("<i", 1) + vals.astype("<f8").tobytes()
      + struct.pack("<Q", 0))
open(path("legacy_v0.params"), "wb").write(v0)
back = mx.nd.load(path("legacy_v0.params"))
check_same(back, [vals.astype("float64")])
write_sidecar("legacy_v0.params", back)

# 7. sparse storage (row_sparse / csr): our loader must refuse these with a clear error --------
rsp = mx.nd.sparse.row_sparse_array((np.array([[1, 2]], dtype="float32"), [1]), shape=(3, 2))
csr = mx.nd.sparse.csr_matrix(np.array([[0, 1.5], [2.5, 0]], dtype="float32"))
mx.nd.save(path("sparse_rsp.params"), {"r": rsp})
mx.nd.save(path("sparse_csr.params"), [csr])
write_sidecar("sparse_rsp.params", {"r": mx.nd.load(path("sparse_rsp.params"))["r"].tostype("default")})
write_sidecar("sparse_csr.params", [mx.nd.load(path("sparse_csr.params"))[0].tostype("default")])

for f in sorted(os.listdir(DATA)):
    if f.endswith((".params", ".npz", ".json")) and not f.startswith("golden_ops"):
        sz = os.path.getsize(path(f))
        assert sz < 20 * 1024, (f, sz)
        print("%-32s %6d bytes" % (f, sz))
print("ok", file=sys.stderr)
