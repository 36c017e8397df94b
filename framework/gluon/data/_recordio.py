"""A read-only reader of MXNet's RecordIO files (.rec + .idx), enough for RecordFileDataset.

Format (dmlc-core recordio): each record is uint32 magic 0xced7230a, uint32 lrec (upper 3 bits:
continuation flag, lower 29: length), the payload, zero padding to 4 bytes.  A record that
contains the magic number is split into parts (flag 1 start, 2 middle, 3 end) and the magic
number is re-inserted between parts.  The index file holds 'key<TAB>byte offset' lines.
"""
import os
import struct

from ...base import MXNetError

_MAGIC = 0xced7230a
_MAGIC_BYTES = struct.pack('<I', _MAGIC)


class IndexedRecordReader:
    """Random access to the records of `uri` through the index file `idx_path`."""

    def __init__(self, idx_path, uri, key_type=int):
        self._file = None
        self.idx_path = idx_path
        self.uri = uri
        self.key_type = key_type
        self.idx = {}
        self.keys = []
        for path in (idx_path, uri):
            if not os.path.isfile(path):
                raise MXNetError("RecordFileDataset: file %s does not exist" % path)
        with open(idx_path, 'rb') as fidx:
            for lineno, raw in enumerate(fidx, 1):
                try:
                    line = raw.decode('utf-8')
                    fields = line.strip().split('\t')
                    if fields == ['']:
                        continue
                    key, pos = self.key_type(fields[0]), int(fields[1])
                    if not 0 <= pos < 2 ** 63:
                        raise ValueError(pos)
                except (ValueError, IndexError):   # UnicodeDecodeError is a ValueError
                    raise MXNetError("RecordFileDataset: %s line %d is not 'key<TAB>offset' "
                                     "with an offset >= 0: %r" % (idx_path, lineno, raw[:80])) \
                        from None
                self.idx[key] = pos
                self.keys.append(key)

    def __getstate__(self):
        state = dict(self.__dict__)
        state['_file'] = None
        return state

    def read_idx(self, key):
        """The bytes of the record with index key `key`."""
        if self._file is None:
            self._file = open(self.uri, 'rb')
        self._file.seek(self.idx[key])
        parts = []
        while True:
            header = self._file.read(8)
            if len(header) < 8:
                raise MXNetError("RecordFileDataset: %s is truncated at record %r" % (self.uri, key))
            magic, lrec = struct.unpack('<II', header)
            if magic != _MAGIC:
                raise MXNetError("RecordFileDataset: %s has no record at offset %d (bad magic "
                                 "number 0x%08x)" % (self.uri, self.idx[key], magic))
            cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
            if length > os.fstat(self._file.fileno()).st_size - self._file.tell():
                raise MXNetError("RecordFileDataset: %s is truncated at record %r (length %d "
                                 "runs past the end of the file)" % (self.uri, key, length))
            payload = self._file.read((length + 3) // 4 * 4)
            if len(payload) < length:
                raise MXNetError("RecordFileDataset: %s is truncated at record %r" % (self.uri, key))
            parts.append(payload[:length])
            if cflag in (0, 3):
                return _MAGIC_BYTES.join(parts)

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self):
        self.close()
