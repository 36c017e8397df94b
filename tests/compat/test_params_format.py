"""Byte-level compatibility of framework.ndarray.serialization with real MXNet 1.9.1 files.

The golden files in ``data/`` were written by real MXNet 1.9.1 (``make_golden_params.py``);
their sidecar ``.npz`` files hold the expected arrays.
"""
import os
import struct
import sys

import numpy as np
import pytest

# tests/compat has no __init__.py, so pytest puts only this folder on sys.path
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from framework.base import MXNetError
from framework.ndarray.serialization import (
    NDARRAY_V1_MAGIC, NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC,
    dumps_arrays, load_arrays, loads_arrays, save_arrays)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# file -> (is_dict, written by MXNet's own save so that our writer must reproduce it, np_shape)
GOLDEN = {
    "dict_mixed.params": (True, True, False),
    "list_plain.params": (False, True, False),
    "gluon_net.params": (True, True, False),
    "checkpoint-0000.params": (True, True, False),
    "npx_v3.params": (True, True, True),
    "legacy_v1.params": (True, False, False),
    "legacy_v0.params": (False, False, False),
}
SPARSE = ["sparse_rsp.params", "sparse_csr.params"]
ALL_DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int32", "int64", "bool"]


def _p(name):
    return os.path.join(DATA, name)


def _raw(name):
    with open(_p(name), "rb") as f:
        return f.read()


def _expected(name):
    with np.load(_p(name.replace(".params", ".npz")), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _assert_same(a, b):
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_array_equal(a, b)


def _items(loaded):
    if isinstance(loaded, dict):
        return list(loaded.items())
    return [("arr_%d" % i, v) for i, v in enumerate(loaded)]


# --------------------------------------------------------------------------------------------
# golden files
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_load_golden(name):
    is_dict, _, _ = GOLDEN[name]
    loaded = load_arrays(_p(name))
    assert isinstance(loaded, dict) == is_dict
    exp = _expected(name)
    got = dict(_items(loaded))
    assert sorted(got) == sorted(exp)
    for k in exp:
        _assert_same(got[k], exp[k])
        assert got[k].flags.writeable and got[k].flags.c_contiguous


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_loads_matches_load(name):
    a = load_arrays(_p(name))
    b = loads_arrays(_raw(name))
    for (ka, va), (kb, vb) in zip(_items(a), _items(b)):
        assert ka == kb
        _assert_same(va, vb)


@pytest.mark.parametrize("name", sorted(n for n, v in GOLDEN.items() if v[1]))
def test_resave_is_byte_identical(name, tmp_path):
    _, _, np_shape = GOLDEN[name]
    raw = _raw(name)
    loaded = loads_arrays(raw)
    assert dumps_arrays(loaded, np_shape=np_shape) == raw
    out = tmp_path / "x.params"
    save_arrays(str(out), loaded, np_shape=np_shape)
    assert out.read_bytes() == raw
    assert os.listdir(tmp_path) == ["x.params"]          # no temp file left behind


@pytest.mark.parametrize("name", ["legacy_v1.params", "legacy_v0.params"])
def test_legacy_resaved_as_v2(name):
    loaded = load_arrays(_p(name))
    buf = dumps_arrays(loaded)
    assert struct.unpack_from("<I", buf, 24)[0] == NDARRAY_V2_MAGIC
    for (ka, va), (kb, vb) in zip(_items(loaded), _items(loads_arrays(buf))):
        assert ka == kb
        _assert_same(va, vb)


def test_golden_magics():
    assert struct.unpack_from("<I", _raw("dict_mixed.params"), 24)[0] == NDARRAY_V2_MAGIC
    assert struct.unpack_from("<I", _raw("npx_v3.params"), 24)[0] == NDARRAY_V3_MAGIC
    assert struct.unpack_from("<I", _raw("legacy_v1.params"), 24)[0] == NDARRAY_V1_MAGIC


def test_checkpoint_and_gluon_keys():
    ck = load_arrays(_p("checkpoint-0000.params"))
    assert all(k.startswith(("arg:", "aux:")) for k in ck)
    assert "aux:bn1_moving_mean" in ck and "arg:fc1_weight" in ck
    g = load_arrays(_p("gluon_net.params"))
    assert list(g)[:2] == ["0.weight", "0.bias"]


def test_v3_rejected_outside_np_shape():
    with pytest.raises(MXNetError, match="np shape"):
        load_arrays(_p("npx_v3.params"), np_shape=False)
    assert load_arrays(_p("npx_v3.params"), np_shape=True)["scalar"].shape == ()


@pytest.mark.parametrize("name", SPARSE)
def test_sparse_rejected_clearly(name):
    with pytest.raises(MXNetError, match="sparse"):
        load_arrays(_p(name))


# --------------------------------------------------------------------------------------------
# round trips
# --------------------------------------------------------------------------------------------

def _random(dtype, shape, rng):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.asarray(rng.rand(*shape) > 0.5)
    if dt.kind == "f":
        return np.asarray(rng.randn(*shape)).astype(dt)
    info = np.iinfo(dt)
    return rng.randint(info.min, info.max, size=shape, dtype=dt) if shape else \
        np.array(rng.randint(info.min, info.max, dtype=dt))


SHAPES = [(), (0,), (1,), (0, 3), (2, 3), (2, 1, 3, 1), (1,) * 7]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("np_shape", [False, True])
def test_roundtrip_every_dtype(dtype, np_shape, tmp_path):
    rng = np.random.RandomState(0)
    d = {"a%d" % i: _random(dtype, s, rng) for i, s in enumerate(SHAPES)}
    fn = tmp_path / ("rt_%s.params" % dtype)
    save_arrays(fn, d, np_shape=np_shape)
    back = load_arrays(fn)
    assert list(back) == list(d)
    for k in d:
        _assert_same(back[k], d[k])
    lst = list(d.values())
    back = loads_arrays(dumps_arrays(lst, np_shape=np_shape))
    assert isinstance(back, list) and len(back) == len(lst)
    for a, b in zip(back, lst):
        _assert_same(a, b)


def test_roundtrip_layouts():
    base = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    arrs = [base.transpose(2, 0, 1), base[:, ::2, 1:], base.astype(">f4"),
            np.asfortranarray(base), np.float64(2.5), np.int32(-3)]
    back = loads_arrays(dumps_arrays(arrs))
    for a, b in zip(back, arrs):
        b = np.asarray(b)
        assert a.dtype == b.dtype.newbyteorder("=")
        np.testing.assert_array_equal(a, b)
    # a single array saves like a one-element list (mx.nd.save(fname, nd))
    assert len(loads_arrays(dumps_arrays(base))) == 1


def test_empty_containers():
    assert dumps_arrays({}) == dumps_arrays([]) == struct.pack("<QQQQ", 0x112, 0, 0, 0)
    assert loads_arrays(dumps_arrays({})) == []


def test_save_rejects_bad_input(tmp_path):
    for bad in [{1: np.zeros(2)}, {"a": [1, 2]}, [np.zeros(2, dtype=np.complex64)],
                [np.zeros(2, dtype=np.int16)], "abc", 3]:
        with pytest.raises(MXNetError):
            dumps_arrays(bad)
    with pytest.raises(MXNetError):
        save_arrays(tmp_path / "nodir" / "x.params", [np.zeros(2)])
    assert os.listdir(tmp_path) == []


def test_save_replaces_atomically(tmp_path):
    fn = tmp_path / "w.params"
    save_arrays(fn, [np.ones(3, np.float32)])
    save_arrays(fn, {"x": np.zeros(2, np.int8)})
    assert list(load_arrays(fn)) == ["x"]
    assert os.listdir(tmp_path) == ["w.params"]


# --------------------------------------------------------------------------------------------
# malformed input: always MXNetError, never another exception
# --------------------------------------------------------------------------------------------

def _rejects(buf, match=None):
    with pytest.raises(MXNetError, match=match):
        loads_arrays(buf)


@pytest.mark.parametrize("name", sorted(GOLDEN) + SPARSE)
def test_truncated_everywhere(name):
    raw = _raw(name)
    for n in range(len(raw)):
        with pytest.raises(MXNetError):
            loads_arrays(raw[:n])


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_trailing_garbage(name):
    raw = _raw(name)
    for extra in (b"\0", b"xyz", b"\0" * 8):
        _rejects(raw + extra, "trailing")


def test_error_names_the_file(tmp_path):
    fn = tmp_path / "broken.params"
    fn.write_bytes(_raw("dict_mixed.params")[:50])
    with pytest.raises(MXNetError, match="broken.params"):
        load_arrays(fn)
    with pytest.raises(MXNetError, match="missing.params"):
        load_arrays(tmp_path / "missing.params")


def _rec(magic=NDARRAY_V2_MAGIC, stype=0, ndim=1, dims=(2,), dev=(1, 0), flag=0, data=None,
         dimfmt="q"):
    out = struct.pack("<I", magic)
    if magic in (NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        out += struct.pack("<i", stype)
    if magic in (NDARRAY_V1_MAGIC, NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        out += struct.pack("<i", ndim)
    out += struct.pack("<%d%s" % (len(dims), dimfmt), *dims)
    out += struct.pack("<ii", *dev) + struct.pack("<i", flag)
    if data is None:
        data = b"\0" * (4 * int(np.prod(dims)))
    return out + data


def _file(records, names=(), count=None, header=0x112):
    out = struct.pack("<QQQ", header, 0, len(records) if count is None else count)
    out += b"".join(records)
    out += struct.pack("<Q", len(names))
    for n in names:
        out += struct.pack("<Q", len(n)) + n
    return out


def test_handmade_baseline_loads():
    assert loads_arrays(_file([_rec()]))[0].shape == (2,)
    assert loads_arrays(_file([_rec(magic=NDARRAY_V1_MAGIC)]))[0].shape == (2,)
    assert loads_arrays(_file([_rec(magic=1, dims=(2,), dimfmt="I")]))[0].shape == (2,)
    assert list(loads_arrays(_file([_rec()], names=[b"w"]))) == ["w"]
    # GPU context in the file loads onto the CPU, as in a CPU build of MXNet
    assert loads_arrays(_file([_rec(dev=(2, 0))]))[0].shape == (2,)


def test_bad_magic():
    raw = _raw("dict_mixed.params")
    _rejects(b"\x13" + raw[1:], "magic")
    _rejects(struct.pack("<Q", 0xF993FAC9) + raw[8:], "magic")
    _rejects(b"\0" * 64, None)
    _rejects(b"", None)
    _rejects(_file([_rec()], header=0x113), "magic")


def test_bad_record_magic():
    raw = bytearray(_raw("dict_mixed.params"))
    raw[24:28] = struct.pack("<I", 0xF993FACB)    # not V1/V2/V3: read as legacy ndim -> absurd
    _rejects(bytes(raw), "ndim")


@pytest.mark.parametrize("ndim", [33, 64, 2**31 - 1, -1, -2, -2**31])
def test_absurd_ndim(ndim):
    for magic in (NDARRAY_V1_MAGIC, NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        _rejects(_file([_rec(magic=magic, ndim=ndim, dims=())]))


def test_absurd_dims_and_sizes():
    _rejects(_file([_rec(ndim=2, dims=(-1, 2))]), "negative")
    _rejects(_file([_rec(magic=NDARRAY_V3_MAGIC, ndim=1, dims=(-1,))]), "negative")
    _rejects(_file([_rec(ndim=2, dims=(2**62, 2**62), data=b"")]), "absurd")
    _rejects(_file([_rec(ndim=1, dims=(2**40,), data=b"")]), "truncated")
    _rejects(_file([_rec(ndim=1, dims=(3,), data=b"\0" * 8)]))
    _rejects(_file([_rec(ndim=3, dims=(0, 2**62, 2**62), data=b"")]), "absurd")


@pytest.mark.parametrize("count", [2, 3, 1000, 2**32, 2**63, 2**64 - 1])
def test_absurd_array_count(count):
    _rejects(_file([_rec()], count=count))


def test_unknown_dtype_flag():
    for flag in (12, 13, 99, -1, 2**31 - 1):
        _rejects(_file([_rec(flag=flag)]), "flag")


def test_bad_context():
    _rejects(_file([_rec(dev=(0, 0))]), "context")
    _rejects(_file([_rec(dev=(1, -1))]), "context")


def test_unknown_storage_type():
    _rejects(_file([_rec(stype=-1)]), "storage")
    _rejects(_file([_rec(stype=3)]), "storage")
    _rejects(_file([_rec(stype=1)]), "sparse")


def test_names_mismatch():
    _rejects(_file([_rec(), _rec()], names=[b"a"]), "name count")
    _rejects(_file([_rec()], names=[b"a", b"b"]), "name count")
    # huge name count / name length
    base = _file([_rec()])[:-8]
    _rejects(base + struct.pack("<Q", 2**63))
    _rejects(base + struct.pack("<QQ", 1, 2**63) + b"a")
    _rejects(base + struct.pack("<QQ", 1, 5) + b"ab", "truncated")
    _rejects(_file([_rec()], names=[b"\xff\xfe"]), "UTF-8")


def test_random_corruption_never_crashes():
    rng = np.random.RandomState(42)
    for name in sorted(GOLDEN):
        raw = _raw(name)
        for _ in range(300):
            b = bytearray(raw)
            for _ in range(rng.randint(1, 4)):
                i = rng.randint(len(b))
                b[i] = rng.randint(256)
            try:
                loads_arrays(bytes(b))
            except MXNetError:
                pass


def test_non_bytes_buffer():
    with pytest.raises(MXNetError):
        loads_arrays("not bytes")
    assert loads_arrays(bytearray(_raw("list_plain.params")))[0].shape == (3, 2)
