"""KVStoreBase (the registry of Python key-value stores), TestStore, create() (mx.kv.create)
and the key/value normalisation every store shares (MXNet's `_ctype_key_value`)."""
import warnings

from compiler.errors import MXNetAssertionError
from ..base import MXNetError, MXNetTypeError, MXNetValueError, string_types
from ..ndarray import NDArray

__all__ = ['create', 'KVStoreBase']


def _key_value_pairs(keys, vals):
    """Flatten (keys, values) into [(key, NDArray), ...] and whether the keys are strings.

    A key with a list of NDArrays (one per device) gives one pair per array; a list of keys
    takes a list of values (each an NDArray or a list of NDArrays).  An empty list of keys
    gives ([], None).
    """
    if isinstance(keys, (tuple, list)):
        try:
            n_vals = len(vals)
        except TypeError:
            raise MXNetAssertionError("%d keys given but the values (%s) are not a list"
                                      % (len(keys), type(vals).__name__)) from None
        if len(keys) != n_vals:
            raise MXNetAssertionError("%d keys given but %d values" % (len(keys), n_vals))
        pairs = []
        use_str_keys = None
        for key, val in zip(keys, vals):
            pairs_i, str_keys_i = _key_value_pairs(key, val)
            pairs += pairs_i
            use_str_keys = str_keys_i if use_str_keys is None else use_str_keys
            if use_str_keys != str_keys_i:
                raise MXNetAssertionError("inconsistent types of keys detected.")
        return pairs, use_str_keys
    if not isinstance(keys, (int,) + string_types):
        raise MXNetAssertionError("unexpected type for keys: " + str(type(keys)))
    use_str_keys = isinstance(keys, string_types)
    if isinstance(vals, NDArray):
        return [(keys, vals)], use_str_keys
    try:
        vals = list(vals)
    except TypeError:
        raise MXNetAssertionError("value for key %r must be an NDArray or a list of NDArrays, "
                                  "got %s" % (keys, type(vals).__name__)) from None
    for value in vals:
        if not isinstance(value, NDArray):
            raise MXNetAssertionError("value for key %r must be an NDArray or a list of "
                                      "NDArrays, got a list holding %s"
                                      % (keys, type(value).__name__))
    return [(keys, v) for v in vals], use_str_keys


class KVStoreBase:
    """An abstract key-value store interface for data parallel training."""

    OPTIMIZER = 'optimizer'
    kv_registry = {}

    def broadcast(self, key, value, out, priority=0):
        """Broadcast `value` of rank 0 to all ranks and store the result in `out`."""
        raise NotImplementedError()

    def pushpull(self, key, value, out=None, priority=0):
        """Push `value` (summed over devices and workers) and pull the result into `out`."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer):
        """Register an optimizer whose updates run on the store."""
        raise NotImplementedError()

    def is_capable(self, capability):
        """Whether the store supports `capability` (KVStoreBase.OPTIMIZER)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Save the updater's state to `fname`."""
        raise NotImplementedError()

    def load_optimizer_states(self, fname):
        """Load the updater's state from `fname`."""
        raise NotImplementedError()

    @property
    def type(self):
        """The type of this store (a string)."""
        raise NotImplementedError()

    @property
    def rank(self):
        """The rank of this worker, in [0, num_workers)."""
        raise NotImplementedError()

    @property
    def num_workers(self):
        """The number of workers."""
        raise NotImplementedError()

    @staticmethod
    def register(klass):
        """Register a KVStore class: `mx.kv.create(klass.__name__.lower())` then builds it."""
        if not isinstance(klass, type):
            raise MXNetAssertionError("KVStoreBase.register expects a class, got %s"
                                      % type(klass).__name__)
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            warnings.warn('WARNING: New kvstore %s.%s is overriding existing kvstore %s.%s'
                          % (klass.__module__, klass.__name__,
                             KVStoreBase.kv_registry[name].__module__,
                             KVStoreBase.kv_registry[name].__name__))
        KVStoreBase.kv_registry[name] = klass
        return klass


@KVStoreBase.register
class TestStore(KVStoreBase):
    """A key-value store for testing (MXNet's TestStore): no state, one worker."""

    def broadcast(self, key, value, out, priority=0):
        out = out if isinstance(out, list) else [out]
        for o in out:
            o[:] = value

    def pushpull(self, key, value, out=None, priority=0):
        if isinstance(value, NDArray):
            if out is not None:
                out = out if isinstance(out, list) else [out]
                for o in out:
                    o[:] = value
        else:
            ctx = value[0].context
            reduced_value = sum([val.as_in_context(ctx) for val in value])
            targets = value if out is None else (out if isinstance(out, list) else [out])
            for o in targets:
                o[:] = reduced_value

    @staticmethod
    def is_capable(capability):
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return False
        raise MXNetValueError('Unknown capability: {}'.format(capability))

    @property
    def type(self):
        return 'teststore'

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1


def create(name='local'):
    """Create a KVStore: 'local', 'device', 'dist_sync', 'dist_device_sync' (or a registered
    Python store such as 'teststore').

    As in MXNet, a name without 'dist' or 'nccl' makes a single-process store of that type
    ('device' in the name aggregates on the devices); 'dist' names make the MPI data-parallel
    store (mx.kv.create needs mpi4py for them).  'dist_async' and 'nccl' are not available.
    """
    if not isinstance(name, string_types):
        raise MXNetTypeError('name must be a string')
    name = name.lower()
    if name in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[name]()
    if 'dist' in name:
        if '_async' in name:
            raise MXNetError("KVStore '%s': asynchronous updates are not supported; the MPI "
                             "backend is synchronous (use 'dist_sync' or 'dist_device_sync')"
                             % name)
        from .dist import DistSyncKVStore
        return DistSyncKVStore(name)
    if 'nccl' in name:
        raise MXNetError("KVStore '%s' is not supported: this build has no NCCL (MXNet: "
                         "compile with USE_NCCL=1 to use nccl); use 'device'" % name)
    from .kvstore import KVStore
    return KVStore(name)
