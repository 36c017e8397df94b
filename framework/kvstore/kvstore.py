"""The single-process KVStore ('local', 'device'): MXNet's KVStoreLocal semantics.

The store keeps one value per key.  A push sums the values given for a key (one per
device, and every occurrence of the key in the call), then either runs the updater
(`set_optimizer` / `_set_updater`) as `updater(key, merged, stored)` or, without one,
replaces the stored value by the sum.  A pull copies the stored value into every out array.
Keys are all ints or all strings for the lifetime of a store.  dist.py subclasses this class
and adds the communication between workers (`_init_values`, `_reduce_across_workers`).
"""
import os
import tempfile

import numpy as np

from compiler.errors import MXNetAssertionError
from ..base import MXNetError, MXNetValueError
from ..context import cpu
from ..ndarray import NDArray
from .base import KVStoreBase, _key_value_pairs
from . import compression as _compression

__all__ = ['KVStore']


def _on_ctx(arr, ctx):
    """`arr` seen on `ctx`: CPU contexts share host memory, so no copy between cpu(i)s."""
    if arr.context == ctx:
        return arr
    if arr.context.target == "cpu" and ctx.target == "cpu":
        return NDArray(arr._data, ctx)
    return arr.as_in_context(ctx)


def _atomic_write(fname, data):
    """Write bytes to `fname` through a temporary file in the same directory + os.replace."""
    directory = os.path.dirname(os.path.abspath(fname))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(fname), dir=directory)
    try:
        with os.fdopen(fd, "wb") as fout:
            fout.write(data)
        os.replace(tmp, fname)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class KVStore(KVStoreBase):
    """A key-value store for synchronization of values over multiple devices (one process)."""

    _compress_per_device = True     # 2-bit compression of each device's value before the sum

    def __init__(self, name='local'):
        self._type = name
        self._store = {}            # int key -> NDArray (the stored value)
        self._str_to_int = {}       # str key -> int key (in order of init, as MXNet)
        self._int_to_str = {}
        self._key_type = None       # 'int' or 'str' once a key has been used
        self._updater = None
        self._compression = None
        self._merge_buf = {}        # int key -> NDArray: the sum of a multi-device push
        self._store_ctx = cpu(0)

    # --- properties ---------------------------------------------------------------------
    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

    def is_capable(self, capability):
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise MXNetValueError('Unknown capability: {}'.format(capability))

    # --- keys -----------------------------------------------------------------------------
    def _pairs(self, key, value):
        pairs, use_str_keys = _key_value_pairs(key, value)
        if pairs:
            key_type = 'str' if use_str_keys else 'int'
            if self._key_type is None:
                self._key_type = key_type
            elif self._key_type != key_type:
                raise MXNetError("KVStore: Mixed key types are not allowed (this store uses %s "
                                 "keys, got %s key %r)" % (self._key_type, key_type, pairs[0][0]))
        return pairs

    def _lookup(self, key):
        """The int key of an initialised key; MXNetError naming the key otherwise."""
        if isinstance(key, str):
            ikey = self._str_to_int.get(key)
            if ikey is None:
                raise MXNetError("KVStore: key %s doesn't exist. Did you init?" % key)
            return ikey
        if key not in self._store:
            raise MXNetError("KVStore: key %d has not been inited" % key)
        return key

    def _user_key(self, ikey):
        return self._int_to_str.get(ikey, ikey)

    def _check_shape(self, what, ikey, arr):
        stored = self._store[ikey]
        if arr.shape != stored.shape:
            raise MXNetError("KVStore.%s: key %r: array shape %s does not match the stored "
                             "shape %s" % (what, self._user_key(ikey), arr.shape, stored.shape))

    # --- init -----------------------------------------------------------------------------
    def init(self, key, value):
        """Initialise one key or a list of keys (each at most once, by init or broadcast)."""
        pairs = self._pairs(key, value)
        if not pairs:
            return
        ikeys, new_str = [], {}
        next_str = len(self._str_to_int)
        for k, _ in pairs:
            if isinstance(k, str):
                duplicate = k in self._str_to_int or k in new_str
            else:
                duplicate = k in self._store or k in ikeys
            if duplicate:
                raise MXNetError("KVStore: duplicate init of key %s. Please double check if you "
                                 "called kv.init or kv.broadcast with this key multiple times" % k)
            if isinstance(k, str):
                ikey = next_str + len(new_str)
                new_str[k] = ikey
                k = ikey
            ikeys.append(k)
        self._init_values(ikeys, [v for _, v in pairs], [k for k, _ in pairs])
        for skey, ikey in new_str.items():
            self._str_to_int[skey] = ikey
            self._int_to_str[ikey] = skey

    def _init_values(self, ikeys, values, names):
        ctx = self._store_ctx
        if 'device' in self._type:
            ctx = values[0].context
        for ikey, value in zip(ikeys, values):
            self._store[ikey] = NDArray(value._data.copy(), ctx)

    # --- push -----------------------------------------------------------------------------
    def push(self, key, value, priority=0):
        """Push values: the values of a key are summed, then the updater (or assignment)
        applies the sum to the stored value."""
        pairs = self._pairs(key, value)
        if pairs:
            self._push_pairs(pairs)

    def _push_pairs(self, pairs):
        grouped = {}
        for k, v in pairs:
            ikey = self._lookup(k)
            self._check_shape("push", ikey, v)
            grouped.setdefault(ikey, []).append(v)
        ikeys = sorted(grouped)
        merged = [self._merge(ikey, grouped[ikey]) for ikey in ikeys]
        merged = self._reduce_across_workers(ikeys, merged)
        for ikey, m in zip(ikeys, merged):
            self._apply(ikey, m)

    def _merge(self, ikey, values):
        """The sum of `values` (one NDArray per device) on the stored value's context."""
        stored = self._store[ikey]
        dtype = values[0]._data.dtype
        for v in values[1:]:
            if v._data.dtype != dtype:
                raise MXNetError("KVStore.push: key %r: values of one key must share a dtype "
                                 "(got %s and %s)" % (self._user_key(ikey), dtype, v._data.dtype))
        gc = self._compression if self._compress_per_device else None
        if len(values) == 1 and gc is None:
            return _on_ctx(values[0], stored.context)
        buf = self._merge_buf.get(ikey)
        if buf is None or buf._data.dtype != dtype:
            buf = NDArray(np.empty(stored.shape, dtype), stored.context)
            self._merge_buf[ikey] = buf
        out = buf._data
        for i, v in enumerate(values):
            src = v._data if gc is None else gc.quantize(ikey, i, v._data)
            if i == 0:
                np.copyto(out, src)
            else:
                np.add(out, src, out=out)
        return buf

    def _reduce_across_workers(self, ikeys, merged):
        """Sum the merged values over the workers (one worker here)."""
        return merged

    def _apply(self, ikey, merged):
        stored = self._store[ikey]
        if self._updater is not None:
            self._updater(self._user_key(ikey), merged, stored)
        elif merged is not stored:
            np.copyto(stored._data, merged._data, casting="unsafe")

    # --- pull -----------------------------------------------------------------------------
    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copy the stored value of each key into its out array(s)."""
        if out is None:
            raise MXNetAssertionError("KVStore.pull: out must be given")
        pairs = self._pairs(key, out)
        self._pull_pairs(pairs)

    def _pull_pairs(self, pairs):
        for k, o in pairs:
            ikey = self._lookup(k)
            self._check_shape("pull", ikey, o)
            np.copyto(o._data, self._store[ikey]._data, casting="unsafe")

    def pushpull(self, key, value, out=None, priority=0):
        """Push `value` then pull into `out` (into `value` when out is None)."""
        vpairs = self._pairs(key, value)
        opairs = vpairs if out is None else self._pairs(key, out)
        if vpairs:
            self._push_pairs(vpairs)
        self._pull_pairs(opairs)

    def broadcast(self, key, value, out, priority=0):
        """Initialise `key` with `value` (rank 0's value for a dist store) and pull it into
        `out`.  A key can be initialised only once."""
        self.init(key, value)
        self.pull(key, out=out)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Not available: sparse (row_sparse) storage is not supported."""
        raise MXNetError("KVStore.row_sparse_pull: row_sparse storage is not supported by this "
                         "framework (only dense NDArrays); use pull")

    # --- updater / optimizer ----------------------------------------------------------------
    def set_gradient_compression(self, compression_params):
        """Enable 2-bit gradient compression ({'type': '2bit', 'threshold': 0.5}); only
        'device' and 'dist' stores support it, as in MXNet."""
        if 'device' in self._type or 'dist' in self._type:
            threshold = _compression.parse_params(compression_params)
            self._compression = _compression.TwoBitCompression(threshold)
        else:
            raise MXNetError('Gradient compression is not supported for this type of kvstore')

    def set_optimizer(self, optimizer):
        """Run `optimizer`'s updates on the store: push(key, grad) updates the stored weight."""
        try:
            from .. import optimizer as opt
        except ImportError as err:
            raise MXNetError("KVStore.set_optimizer needs mx.optimizer, which is not available "
                             "(%s)" % err) from None
        self._set_updater(opt.get_updater(optimizer))

    def _set_updater(self, updater):
        """Set `updater(key, merged_value, stored_value)`, run by push on the stored value."""
        self._updater = updater

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Write the updater's states (Updater.get_states) to `fname`, atomically."""
        if self._updater is None:
            raise MXNetAssertionError("Cannot save states for distributed training")
        data = self._updater.get_states(dump_optimizer)
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._write_states(fname, data)

    def _write_states(self, fname, data):
        _atomic_write(fname, data)

    def load_optimizer_states(self, fname):
        """Load the updater's states from `fname` (written by save_optimizer_states)."""
        if self._updater is None:
            raise MXNetAssertionError("Cannot load states for distributed training")
        with open(fname, "rb") as fin:
            self._updater.set_states(fin.read())

    # --- workers ----------------------------------------------------------------------------
    def _barrier(self):
        """Global barrier among the workers (nothing to wait for in one process)."""

    barrier = _barrier

    def _send_command_to_servers(self, head, body):
        raise MXNetError("KVStore '%s' has no server processes to send commands to"
                         % self._type)

    def __repr__(self):
        return "<KVStore %s: %d key(s), rank %d of %d>" % (self._type, len(self._store),
                                                          self.rank, self.num_workers)

