"""MXNet 1.9.1's binary NDArray list format (``mx.nd.save`` / ``mx.nd.load`` / ``.params``).

Pure NumPy + ``struct``; byte-compatible with real MXNet 1.9.1 in both directions (verified
against files written by ``mxnet==1.9.1``, see ``tests/compat/``).  All integers are
little-endian.

File (``NDArray::Save(dmlc::Stream*, data, names)``)::

    uint64  kMXAPINDArrayListMagic = 0x112
    uint64  reserved = 0
    uint64  n_arrays
    n_arrays x <array record>
    uint64  n_names                 # 0 for a list file, == n_arrays for a dict file
    n_names x (uint64 byte_length, utf-8 bytes)

Array record, V2 (``0xF993FAC9``, what ``mx.nd.save`` writes) and V3 (``0xF993FACA``,
what ``mx.npx.save`` writes under np-shape semantics)::

    uint32  magic
    int32   storage type            # 0 dense; 1 row_sparse / 2 csr -> not supported here
    int32   ndim, int64 x ndim dims # mxnet::TShape::Save
    int32   dev_type, int32 dev_id  # Context::Save; cpu(0) is (1, 0)
    int32   type_flag               # mshadow::TypeFlag
    raw C-order element bytes (prod(dims) * itemsize)

Legacy records that MXNet 1.9.1 still loads (never writes):

* V1 (``0xF993FAC8``): magic, int32 ndim, int64 dims, context, type_flag, data.
* pre-V1: the first uint32 *is* ndim, followed by ndim uint32 dims, context, type_flag, data.

MXNet quirks reproduced / decided here:

* A 0-d array is written by MXNet 1.9.1 with ndim 0 followed by context, type and one
  element, under both V2 and V3 magic.  MXNet's own non-np loader reads a V2 ndim-0 record as
  an "empty" array and then mis-parses the rest; we read it back as the 0-d array that was
  written.
* MXNet ignores bytes after the name list; we reject them (``MXNetError``).
* ``mx.nd.load`` refuses V3 records outside np-shape semantics; ``load_arrays`` only does so
  when called with ``np_shape=False``.
"""

import os
import struct

import numpy as np

from ..fileio import atomic_write
from ..base import MXNetError

__all__ = ["save_arrays", "load_arrays", "dumps_arrays", "loads_arrays",
           "LIST_MAGIC", "NDARRAY_V1_MAGIC", "NDARRAY_V2_MAGIC", "NDARRAY_V3_MAGIC"]

LIST_MAGIC = 0x112                # kMXAPINDArrayListMagic
NDARRAY_V1_MAGIC = 0xF993FAC8     # int64 TShape
NDARRAY_V2_MAGIC = 0xF993FAC9     # + storage type
NDARRAY_V3_MAGIC = 0xF993FACA     # np-shape semantics

MAX_NDIM = 32
_MAX_BYTES = 2 ** 62

_CPU_DEV_TYPE = 1
# Context::DeviceType: kCPU=1, kGPU=2, kCPUPinned=3, kCPUShared=5
_KNOWN_DEV_TYPES = (1, 2, 3, 5)

# mshadow::TypeFlag -> numpy dtype (little-endian).  Flags 0..7 are what MXNet 1.9.1's Python
# frontend can create; 8..11 exist in mshadow and are loadable; 12 (bfloat16) has no numpy type.
_FLAG_TO_DTYPE = {
    0: np.dtype("<f4"),
    1: np.dtype("<f8"),
    2: np.dtype("<f2"),
    3: np.dtype("u1"),
    4: np.dtype("<i4"),
    5: np.dtype("i1"),
    6: np.dtype("<i8"),
    7: np.dtype("?"),
    8: np.dtype("<i2"),
    9: np.dtype("<u2"),
    10: np.dtype("<u4"),
    11: np.dtype("<u8"),
}
_SAVE_FLAGS = {
    np.dtype(np.float32): 0,
    np.dtype(np.float64): 1,
    np.dtype(np.float16): 2,
    np.dtype(np.uint8): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int8): 5,
    np.dtype(np.int64): 6,
    np.dtype(np.bool_): 7,
}
_LITTLE = np.little_endian
_STYPE_NAMES = {1: "row_sparse", 2: "csr"}

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_HEADER = struct.Struct("<QQ")


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

def _normalize(data, where):
    """Return (list of arrays, list of names or None)."""
    if isinstance(data, np.ndarray):           # like mx.nd.save(fname, nd): a 1-element list
        data = [data]
    if isinstance(data, dict):
        names, arrays = [], []
        for k, v in data.items():
            if not isinstance(k, str):
                raise MXNetError("%s: save only accepts dict str->array or list of arrays, "
                                 "got key %r" % (where, k))
            names.append(k)
            arrays.append(v)
    elif isinstance(data, (list, tuple)):
        names, arrays = None, list(data)
    else:
        raise MXNetError("%s: save only accepts dict str->array or list of arrays, got %s"
                         % (where, type(data).__name__))
    out = []
    for i, a in enumerate(arrays):
        if isinstance(a, np.generic):
            a = np.asarray(a)
        if not isinstance(a, np.ndarray):
            raise MXNetError("%s: element %s is %s, not a numpy.ndarray"
                             % (where, names[i] if names else i, type(a).__name__))
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "<" and not _LITTLE):
            a = a.astype(a.dtype.newbyteorder("="))
        if a.dtype not in _SAVE_FLAGS:
            raise MXNetError("%s: dtype %s of element %s cannot be saved in MXNet 1.9.1's "
                             "format (supported: float32 float64 float16 uint8 int8 int32 "
                             "int64 bool)" % (where, a.dtype, names[i] if names else i))
        if a.ndim > MAX_NDIM:
            raise MXNetError("%s: element %s has %d dimensions (> %d)"
                             % (where, names[i] if names else i, a.ndim, MAX_NDIM))
        out.append(a)
    return out, names


def _write_record(parts, a, magic):
    flag = _SAVE_FLAGS[a.dtype]
    parts.append(_U32.pack(magic))
    parts.append(_I32.pack(0))                                  # kDefaultStorage
    parts.append(_I32.pack(a.ndim))
    if a.ndim:
        parts.append(struct.pack("<%dq" % a.ndim, *a.shape))
    parts.append(struct.pack("<ii", _CPU_DEV_TYPE, 0))           # cpu(0)
    parts.append(_I32.pack(flag))
    le = a.astype(a.dtype.newbyteorder("<"), order="C", copy=False)
    parts.append(np.ascontiguousarray(le).tobytes(order="C"))


def dumps_arrays(data, np_shape=False):
    """Serialize a dict[str, ndarray] / list[ndarray] to bytes exactly as ``mx.nd.save`` does.

    ``np_shape=True`` writes the V3 record magic, as MXNet does under np-shape semantics
    (``mx.npx.save`` / ``mx.npx.set_np()``).
    """
    arrays, names = _normalize(data, "<bytes>")
    magic = NDARRAY_V3_MAGIC if np_shape else NDARRAY_V2_MAGIC
    parts = [_HEADER.pack(LIST_MAGIC, 0), _U64.pack(len(arrays))]
    for a in arrays:
        _write_record(parts, a, magic)
    names = names or []
    parts.append(_U64.pack(len(names)))
    for n in names:
        b = n.encode("utf-8")
        parts.append(_U64.pack(len(b)))
        parts.append(b)
    return b"".join(parts)


def save_arrays(fname, data, np_shape=False):
    """Write ``data`` to ``fname`` in MXNet 1.9.1's format, atomically.

    The bytes go to a temporary file in the same directory which then replaces ``fname``,
    so a reader never sees a half-written file.
    """
    atomic_write(fname, dumps_arrays(data, np_shape=np_shape), "NDArray file")


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------

class _Reader:
    __slots__ = ("buf", "pos", "where")

    def __init__(self, buf, where):
        self.buf = buf
        self.pos = 0
        self.where = where

    def remaining(self):
        return len(self.buf) - self.pos

    def fail(self, what):
        return MXNetError("Invalid NDArray file format: %s: %s (at byte offset %d of %d)"
                          % (self.where, what, self.pos, len(self.buf)))

    def take(self, n, what):
        if n < 0 or n > self.remaining():
            raise self.fail("truncated while reading %s (need %d bytes, %d left)"
                            % (what, n, self.remaining()))
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, st, what):
        return st.unpack(self.take(st.size, what))[0]


def _read_dims(r, ndim, fmt, itemsize, what):
    if ndim < 0 or ndim > MAX_NDIM:
        raise r.fail("%s: absurd ndim %d (must be 0..%d)" % (what, ndim, MAX_NDIM))
    raw = r.take(ndim * itemsize, "%s dims" % what)
    return struct.unpack("<%d%s" % (ndim, fmt), raw) if ndim else ()


def _read_record(r, idx, np_shape):
    what = "array %d" % idx
    magic = r.unpack(_U32, "%s magic" % what)
    if magic in (NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        if magic == NDARRAY_V3_MAGIC and np_shape is False:
            raise r.fail("%s was saved in np shape semantics (V3 magic) and must be loaded in "
                         "the same semantics" % what)
        stype = r.unpack(_I32, "%s storage type" % what)
        if stype in _STYPE_NAMES:
            raise MXNetError("%s: %s has %s storage; sparse NDArray files are not supported by "
                             "this implementation" % (r.where, what, _STYPE_NAMES[stype]))
        if stype != 0:
            raise r.fail("%s: unknown storage type %d" % (what, stype))
        ndim = r.unpack(_I32, "%s ndim" % what)
        if magic == NDARRAY_V3_MAGIC and ndim == -1:
            raise r.fail("%s has unknown shape (ndim -1); such an array has no data" % what)
        shape = _read_dims(r, ndim, "q", 8, what)
        if any(s < 0 for s in shape):
            raise r.fail("%s: negative dimension in shape %s" % (what, shape))
    elif magic == NDARRAY_V1_MAGIC:
        ndim = r.unpack(_I32, "%s ndim" % what)
        shape = _read_dims(r, ndim, "q", 8, what)
        if any(s < 0 for s in shape):
            raise r.fail("%s: negative dimension in shape %s" % (what, shape))
    else:
        # pre-V1 record: the "magic" is ndim, dims are uint32
        if magic > MAX_NDIM:
            raise r.fail("%s: bad magic / absurd ndim 0x%08X" % (what, magic))
        shape = _read_dims(r, magic, "I", 4, what)
    dev_type, dev_id = struct.unpack("<ii", r.take(8, "%s context" % what))
    if dev_type not in _KNOWN_DEV_TYPES or dev_id < 0:
        raise r.fail("%s: invalid context (dev_type=%d, dev_id=%d)" % (what, dev_type, dev_id))
    flag = r.unpack(_I32, "%s dtype flag" % what)
    dt = _FLAG_TO_DTYPE.get(flag)
    if dt is None:
        if flag == 12:
            raise r.fail("%s: bfloat16 (type flag 12) is not supported" % what)
        raise r.fail("%s: unknown dtype flag %d" % (what, flag))
    size = 1
    nonzero = 1
    for s in shape:
        size *= s
        nonzero *= max(s, 1)
    if nonzero * dt.itemsize > _MAX_BYTES:   # numpy cannot even describe such a shape
        raise r.fail("%s: absurd shape %s" % (what, tuple(shape)))
    nbytes = size * dt.itemsize
    if nbytes > r.remaining():
        raise r.fail("truncated: %s of shape %s (%s) needs %d data bytes, %d left"
                     % (what, tuple(shape), dt.name, nbytes, r.remaining()))
    raw = r.take(nbytes, "%s data" % what)
    if flag == 7:
        arr = np.frombuffer(raw, dtype=np.uint8).astype(np.bool_)
    else:
        arr = np.frombuffer(raw, dtype=dt).astype(dt.newbyteorder("="))  # always a fresh copy
    return arr.reshape(shape)


def loads_arrays(buf, np_shape=None, where="<buffer>"):
    """Parse bytes in MXNet 1.9.1's format (``mx.nd.load_frombuffer``).

    Returns a dict (file with names) or a list (no names).  Every malformed input raises
    ``MXNetError``.  ``np_shape=False`` rejects V3 (np-shape) records like ``mx.nd.load``;
    the default accepts both.
    """
    if isinstance(buf, (bytearray, memoryview)):
        buf = bytes(buf)
    if not isinstance(buf, bytes):
        raise MXNetError("%s: buffer must be bytes, got %s" % (where, type(buf).__name__))
    r = _Reader(buf, where)
    if len(buf) < 16:
        raise r.fail("file too short for the header (%d bytes)" % len(buf))
    header, _reserved = _HEADER.unpack(r.take(16, "header"))
    if header != LIST_MAGIC:
        raise MXNetError("Invalid NDArray file format: %s: bad magic 0x%X (expected 0x%X)"
                         % (where, header, LIST_MAGIC))
    n = r.unpack(_U64, "array count")
    # smallest possible record: pre-V1 0-d = ndim(4) + ctx(8) + flag(4) + 0 data bytes
    if n > r.remaining() // 16:
        raise r.fail("array count %d is larger than the file can hold" % n)
    arrays = [_read_record(r, i, np_shape) for i in range(n)]
    n_names = r.unpack(_U64, "name count")
    if n_names != 0 and n_names != n:
        raise r.fail("name count %d does not match array count %d" % (n_names, n))
    if n_names > r.remaining() // 8:
        raise r.fail("name count %d is larger than the file can hold" % n_names)
    names = []
    for i in range(n_names):
        ln = r.unpack(_U64, "length of name %d" % i)
        if ln > r.remaining():
            raise r.fail("truncated: name %d claims %d bytes, %d left" % (i, ln, r.remaining()))
        raw = r.take(ln, "name %d" % i)
        try:
            names.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise r.fail("name %d is not valid UTF-8" % i) from None
    if r.remaining():
        raise r.fail("%d bytes of trailing garbage after the name list" % r.remaining())
    if n_names:
        return dict(zip(names, arrays))
    return arrays


def load_arrays(fname, np_shape=None):
    """Load a file written by ``mx.nd.save`` / ``save_arrays`` (dict or list)."""
    fname = os.fspath(fname)
    try:
        with open(fname, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise MXNetError("cannot open NDArray file %r: %s" % (fname, e)) from e
    return loads_arrays(buf, np_shape=np_shape, where=repr(fname))
