"""mx.optimizer.Updater / get_updater: the per-index states and the call that applies the
optimizer (what KVStore and gluon.Trainer use), with MXNet 1.9.1's aggregation by dtype.

get_states / set_states serialize WITHOUT pickle: a small JSON header describing the
structure (state trees: None, NDArray, tuple or list; optionally the optimizer's
attributes and its lr_scheduler) followed by the arrays in mx.nd.save's binary format.
Loading only ever rebuilds NDArrays, plain JSON values and Optimizer / LRScheduler
subclasses already defined in this process; anything else is rejected with MXNetError.
"""
import copy
import json
import struct

import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from ..ndarray.serialization import dumps_arrays, loads_arrays
from ..context import Context
from .. import lr_scheduler as _lrs
from .optimizer import Optimizer, class_key, optimizer_class

__all__ = ["Updater", "get_updater"]

MAGIC = b"MXOPTSTATES\x00"
VERSION = 1
_LEN = struct.Struct("<Q")


class Updater:
    """Applies `optimizer` to (index, grad, weight), creating each index's state on first
    use.  Called with lists of indices/grads/weights it groups them by dtype and hands
    the optimizer up to optimizer.aggregate_num of them at a time (as MXNet does)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        """Update `weight` (or each of a list of weights) from its gradient."""
        if not isinstance(index, (list, tuple)):
            indices, grads, weights = [index], [grad], [weight]
        else:
            indices, grads, weights = list(index), list(grad), list(weight)
        if len(grads) != len(indices) or len(weights) != len(indices):
            raise MXNetError("Updater: %d indices but %d gradients and %d weights"
                             % (len(indices), len(grads), len(weights)))
        for i, (g, w) in enumerate(zip(grads, weights)):
            if not isinstance(w, NDArray) or not isinstance(g, NDArray):
                raise MXNetError("Updater: weight and grad of index %r must be NDArrays, got %s "
                                 "and %s" % (indices[i], type(w).__name__, type(g).__name__))
        if weights:
            self.optimizer._set_current_context(weights[0].context.device_id)
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                indices[i] = idx = idx.decode("utf-8")
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx], weights[i].context)
                self._check_loaded(idx, weights[i])
                self.states_synced[idx] = True
        if self.aggregate_updates:
            type_map = {}
            for i, w, g in zip(indices, weights, grads):
                type_map.setdefault(w.dtype, []).append((i, w, g))
            n = self.optimizer.aggregate_num
            for group in type_map.values():
                idxs, ws, gs = zip(*group)
                for start in range(0, len(idxs), n):
                    states = [self.states[k] for k in idxs[start:start + n]]
                    self.optimizer.update_multi_precision(list(idxs[start:start + n]),
                                                          list(ws[start:start + n]),
                                                          list(gs[start:start + n]), states)
        else:
            for i, w, g in zip(indices, weights, grads):
                self.optimizer.update_multi_precision(i, w, g, self.states[i])

    def _check_loaded(self, idx, weight):
        """A state restored by set_states must fit its weight (same structure, shapes and
        dtypes as a fresh state), or the update would run on foreign arrays."""
        fresh = self.optimizer.create_state_multi_precision(idx, weight)
        problem = _mismatch(self.states[idx], fresh)
        if problem:
            param = getattr(self.optimizer, "param_dict", {}).get(idx)
            name = getattr(param, "name", None) or getattr(self.optimizer, "idx2name",
                                                             {}).get(idx)
            raise MXNetError("Updater: the loaded optimizer state of index %r%s does not fit "
                             "its weight of shape %s (%s): %s; the states were saved for "
                             "another model or optimizer" % (
                                 idx, " ('%s')" % name if name else "", weight.shape,
                                 np.dtype(weight.dtype).name, problem))

    def sync_state_context(self, state, context):
        """The state with every NDArray moved to `context`."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states):
        """Restore what get_states returned (states, and the optimizer if it was dumped)."""
        loaded, optimizer = loads_states(states)
        self.states = loaded
        if optimizer is not None:
            self.optimizer = optimizer
            self.aggregate_updates = optimizer.aggregate_num > 0
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states as bytes; with dump_optimizer the optimizer's settings (learning
        rate, schedule, update counts, multipliers ...) too."""
        return dumps_states(self.states, self.optimizer if dump_optimizer else None)


def _mismatch(loaded, fresh):
    """Why `loaded` does not fit `fresh` (None where a state is absent on either side)."""
    if loaded is None or fresh is None:
        return None
    if isinstance(loaded, (tuple, list)):
        what = "%d states" % len(loaded)
    else:
        what = "an array" if isinstance(loaded, NDArray) else "a %s" % type(loaded).__name__
    if isinstance(fresh, NDArray):
        if not isinstance(loaded, NDArray):
            return "loaded %s where an array is expected" % what
        if loaded.shape != fresh.shape or loaded.dtype != fresh.dtype:
            return "loaded array of shape %s (%s), expected %s (%s)" % (
                loaded.shape, np.dtype(loaded.dtype).name, fresh.shape,
                np.dtype(fresh.dtype).name)
        return None
    if isinstance(fresh, (tuple, list)):
        if not isinstance(loaded, (tuple, list)) or len(loaded) != len(fresh):
            return "loaded %s where %d states are expected" % (what, len(fresh))
        for a, b in zip(loaded, fresh):
            problem = _mismatch(a, b)
            if problem:
                return problem
    return None


def get_updater(optimizer):
    """An Updater for `optimizer` (the closure KVStore calls)."""
    return Updater(optimizer)


# --- serialization ---------------------------------------------------------------------------

class _Writer:
    def __init__(self):
        self.arrays = {}

    def array(self, a):
        name = "a%d" % len(self.arrays)
        self.arrays[name] = a._data if isinstance(a._data, np.ndarray) else a.asnumpy()
        return {"nd": name, "ctx": [a.context.device_type, a.context.device_id]}

    def value(self, v):
        """A JSON tree for v: JSON scalars stay as they are, the rest is tagged."""
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            f = float(v)
            return f if np.isfinite(f) else {"float": repr(f)}
        if isinstance(v, NDArray):
            return self.array(v)
        if isinstance(v, tuple):
            return {"tuple": [self.value(x) for x in v]}
        if isinstance(v, list):
            return {"list": [self.value(x) for x in v]}
        if isinstance(v, dict):
            return {"dict": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, _lrs.LRScheduler):
            return {"lr_scheduler": _lrs.class_key(type(v)), "attrs": self.attrs(v)}
        if isinstance(v, Context):
            return {"context": [v.device_type, v.device_id]}
        if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
            return {"dtype": np.dtype(v).name}
        raise MXNetError("cannot save optimizer state value of type %s (supported: None, "
                         "numbers, str, NDArray, tuple, list, dict, LRScheduler)"
                         % type(v).__name__)

    def attrs(self, obj):
        return [[k, self.value(v)] for k, v in vars(obj).items() if k != "param_dict"]


class _Reader:
    def __init__(self, arrays):
        self.arrays = arrays

    def value(self, t):
        if t is None or isinstance(t, (bool, int, float, str)):
            return t
        if not isinstance(t, dict) or len(t) not in (1, 2):
            raise MXNetError("optimizer states: malformed entry %r" % (t,))
        if "nd" in t:
            name = t["nd"]
            if not isinstance(name, str) or name not in self.arrays:
                raise MXNetError("optimizer states: array %r is missing" % (name,))
            ctx = _context(t.get("ctx", ["cpu", 0]))
            if ctx.device_typeid == 2:      # a GPU state loads on the host: the Updater moves
                ctx = Context("cpu", 0)     # it to its weight's context before the update
            return NDArray(np.ascontiguousarray(self.arrays[name]), ctx)
        if "float" in t:
            if t["float"] not in ("inf", "-inf", "nan"):
                raise MXNetError("optimizer states: bad float %r" % (t["float"],))
            return float(t["float"])
        if "tuple" in t:
            return tuple(self.value(x) for x in self._list(t["tuple"]))
        if "list" in t:
            return [self.value(x) for x in self._list(t["list"])]
        if "dict" in t:
            out = {}
            for item in self._list(t["dict"]):
                if not isinstance(item, list) or len(item) != 2:
                    raise MXNetError("optimizer states: malformed dict item %r" % (item,))
                key = self.value(item[0])
                if isinstance(key, list):
                    key = tuple(key)
                try:
                    hash(key)
                except TypeError:
                    raise MXNetError("optimizer states: dict key %r is not hashable"
                                     % (item[0],)) from None
                out[key] = self.value(item[1])
            return out
        if "lr_scheduler" in t:
            key = t["lr_scheduler"]
            cls = _lrs.scheduler_class(key) if isinstance(key, str) else None
            if cls is None:
                raise MXNetError("optimizer states: unknown LRScheduler class %s (define or "
                                 "import it before loading)" % t["lr_scheduler"])
            return self.instance(cls, t.get("attrs", []))
        if "context" in t:
            return _context(t["context"])
        if "dtype" in t:
            try:
                return np.dtype(t["dtype"]).type
            except TypeError:
                raise MXNetError("optimizer states: bad dtype %r" % (t["dtype"],)) from None
        raise MXNetError("optimizer states: unknown entry %r" % (sorted(t),))

    @staticmethod
    def _list(x):
        if not isinstance(x, list):
            raise MXNetError("optimizer states: expected a list, got %r" % (x,))
        return x

    def instance(self, cls, attrs):
        obj = cls.__new__(cls)
        for item in self._list(attrs):
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise MXNetError("optimizer states: malformed attribute %r" % (item,))
            name = item[0]
            if name.startswith("__") or callable(getattr(cls, name, None)) or \
                    isinstance(getattr(cls, name, None), property):
                raise MXNetError("optimizer states: %s attribute '%s' cannot be loaded"
                                 % (cls.__name__, name))
            setattr(obj, name, self.value(item[1]))
        _check_attributes(obj)
        return obj


def _context(value):
    """A Context from a loaded [device_type, device_id] pair (MXNetError if malformed)."""
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool)
            and value[1] >= 0):
        raise MXNetError("optimizer states: malformed context %r (expected [device_type, "
                         "device_id])" % (value,))
    try:
        return Context(value[0], value[1])
    except (MXNetError, ValueError, KeyError):
        raise MXNetError("optimizer states: unknown context %r" % (value,)) from None


_INT_ATTRS = ("aggregate_num", "num_update", "begin_num_update", "warmup_steps")
_NUMBER_DICTS = ("lr_mult", "wd_mult", "_index_update_count")
_NONE_OK = ("lr", "clip_gradient")     # lr is None when an lr_scheduler sets it


def _kind(v):
    if isinstance(v, (bool, int, float, np.number)):
        return "number"
    if isinstance(v, (tuple, list)):
        return "sequence"
    if isinstance(v, _lrs.LRScheduler):
        return "LRScheduler"
    return type(v).__name__


def _reference(obj):
    """A default-constructed object of obj's class (or its base) to check loaded attributes."""
    for cls in (type(obj), Optimizer if isinstance(obj, Optimizer) else _lrs.LRScheduler):
        try:
            return cls()
        except Exception:  # noqa: BLE001 - classes with required arguments
            continue
    return None


def _check_attributes(obj):
    """Every attribute of a default instance is present, with a value of the same kind
    (numbers, sequences, dicts, strings, ...), so a damaged file fails here, not later."""
    cls = type(obj).__name__
    ref = _reference(obj)
    loaded = vars(obj)

    def bad(name, why):
        return MXNetError("optimizer states: %s.%s %s (damaged or foreign states file)"
                          % (cls, name, why))
    for name, default in (vars(ref).items() if ref is not None else ()):
        if name == "param_dict":
            continue
        if name not in loaded:
            raise bad(name, "is missing")
        value, want = loaded[name], _kind(default)
        if value is None and (default is None or name in _NONE_OK):
            continue
        if default is not None and _kind(value) != want:
            raise bad(name, "is %r, expected a %s" % (value, want))
    for name in _INT_ATTRS:
        if name in loaded and not (isinstance(loaded[name], int) and loaded[name] >= 0):
            raise bad(name, "is %r, expected an integer >= 0" % (loaded[name],))
    counts = [loaded.get(n) for n in _NUMBER_DICTS if n in loaded]
    if isinstance(loaded.get("_all_index_update_counts"), dict):
        counts += list(loaded["_all_index_update_counts"].values())
    for d in counts:
        if not (isinstance(d, dict) and all(_kind(v) == "number" for v in d.values())):
            raise bad("lr_mult/wd_mult/update counts", "hold %r, expected numbers" % (d,))
    if isinstance(obj, Optimizer) and loaded.get("lr") is None \
            and loaded.get("lr_scheduler") is None:
        raise bad("lr", "is None without an lr_scheduler")


def dumps_states(states, optimizer=None):
    """bytes: MAGIC, u64 header length, JSON header, mx.nd.save-format arrays."""
    w = _Writer()
    header = {"version": VERSION, "states": w.value(dict(states))}
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise MXNetError("get_states: optimizer must be an Optimizer, got %s"
                             % type(optimizer).__name__)
        current = next((k for k, v in optimizer._all_index_update_counts.items()
                        if v is optimizer._index_update_count), None)
        header["optimizer"] = {"class": class_key(type(optimizer)),
                               "attrs": w.attrs(optimizer), "device": w.value(current)}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return MAGIC + _LEN.pack(len(text)) + text + dumps_arrays(w.arrays)


def loads_states(buf):
    """(states dict, Optimizer or None) from dumps_states' bytes."""
    if isinstance(buf, (bytearray, memoryview)):
        buf = bytes(buf)
    if not isinstance(buf, bytes):
        raise MXNetError("set_states expects bytes from get_states, got %s" % type(buf).__name__)
    if not buf.startswith(MAGIC) or len(buf) < len(MAGIC) + _LEN.size:
        raise MXNetError("set_states: not an optimizer state blob written by get_states "
                         "(bad magic; MXNet's pickled states cannot be loaded)")
    (n,) = _LEN.unpack_from(buf, len(MAGIC))
    start = len(MAGIC) + _LEN.size
    if n > len(buf) - start:
        raise MXNetError("set_states: truncated header (%d bytes announced, %d left)"
                         % (n, len(buf) - start))
    try:
        header = json.loads(buf[start:start + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise MXNetError("set_states: malformed header: %s" % err) from None
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise MXNetError("set_states: unsupported header (version %r)"
                         % (header.get("version") if isinstance(header, dict) else None,))
    arrays = loads_arrays(buf[start + n:], where="optimizer states")
    if isinstance(arrays, list):
        if arrays:
            raise MXNetError("set_states: arrays without names")
        arrays = {}
    r = _Reader(arrays)
    states = r.value(header.get("states"))
    if not isinstance(states, dict):
        raise MXNetError("set_states: the states must be a dict of index -> state")
    optimizer = None
    if "optimizer" in header:
        spec = header["optimizer"]
        key = spec.get("class") if isinstance(spec, dict) else None
        cls = optimizer_class(key) if isinstance(key, str) else None
        if cls is None:
            raise MXNetError("set_states: unknown optimizer class %r (define or import it "
                             "before loading)" % (spec.get("class") if isinstance(spec, dict)
                                                  else spec,))
        optimizer = r.instance(cls, spec.get("attrs", []))
        optimizer.param_dict = {}
        counts = getattr(optimizer, "_all_index_update_counts", None)
        if isinstance(counts, dict):         # the current device's dict is shared, not a copy
            device = r.value(spec.get("device", 0))
            if not isinstance(device, (int, str, type(None))):
                raise MXNetError("set_states: malformed device %r" % (device,))
            optimizer._index_update_count = counts.setdefault(device, {})
        _probe_scheduler(optimizer)
    return states, optimizer


def _probe_scheduler(optimizer):
    """Call a copy of the loaded lr_scheduler once: a damaged one fails now, clearly."""
    sched = getattr(optimizer, "lr_scheduler", None)
    if sched is None:
        return
    try:
        copy.deepcopy(sched)(optimizer.num_update)
    except MXNetError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure means a damaged scheduler
        raise MXNetError("set_states: the loaded %s does not work (%s: %s); the states file "
                         "is damaged" % (type(sched).__name__, type(err).__name__, err)) from None
