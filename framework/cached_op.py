"""CachedOp (mx.nd.CachedOp): a Symbol called like an op, compiled once per input signature.

This is what runs a hybridized Gluon block.  Each signature (context, input shapes and
dtypes, which inputs need gradients) gets an Executor from the compiler pipeline (fused,
memory-planned, forward and backward).  Parameter inputs are bound by reference, so the
executor reads and (for BatchNorm's aux states) writes the parameters' own buffers; data
inputs are copied into the executor's argument arrays.  Under `autograd.record()` a call
is one tape node whose gradient runs the compiled backward graph.  An executor whose
forward result still awaits backward is leased to that tape node; a second call in the
meantime gets another executor, so nested or repeated calls in one recording are correct.
"""
import weakref

import numpy as np

from . import autograd
from .base import MXNetError, MXNetValueError
from .context import current_context
from .ndarray.ndarray import NDArray
from .ndarray import device as _device


def _view(data):
    """A new array object sharing `data`'s memory."""
    return data[...] if isinstance(data, np.ndarray) else data.reshape(tuple(data.shape))


def _copy(data):
    return data.copy() if isinstance(data, np.ndarray) else _device.copy(data)


class _Slot:
    """One bound executor of a signature and the lease that may hold it."""

    __slots__ = ("exe", "data_arrays", "in_grads", "lease")

    def __init__(self, exe, data_arrays, in_grads):
        self.exe = exe
        self.data_arrays = data_arrays    # (input position, executor's argument buffer)
        self.in_grads = in_grads          # gradient array per input (None: not computed)
        self.lease = None

    def free(self):
        lease = self.lease() if self.lease is not None else None
        return lease is None or lease.released


class _Lease:
    """The tape node's op: its gradient runs the leased executor's backward."""

    __slots__ = ("name", "slot", "needs_grad", "released", "__weakref__")

    def __init__(self, name, slot, needs_grad):
        self.name = name
        self.slot = slot
        self.needs_grad = needs_grad
        self.released = False

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if self.released:
            raise MXNetError(autograd._NOT_IN_GRAPH)
        # the backward's mode is autograd.backward(train_mode=...), as in MXNet
        self.slot.exe.backward(list(out_grads), is_train=autograd.is_training())
        result = []
        for needed, g in zip(self.needs_grad, self.slot.in_grads):
            # a view: autograd copies it into .grad (or into a fresh array for autograd.grad)
            result.append(NDArray(_view(g._data), g.context) if needed else None)
        return result

    def release(self):
        """Called by autograd once the tape no longer needs this forward's state."""
        self.released = True


class CachedOp:
    """Run `sym` on NDArrays: `CachedOp(sym, flags)(*inputs)` with inputs in
    `sym.list_inputs()` order; flags may name `param_indices` (bound by reference)."""

    def __init__(self, sym, flags=(), name=None):
        from .symbol.symbol import Symbol
        if not isinstance(sym, Symbol):
            raise MXNetValueError("CachedOp needs a Symbol, got %s" % type(sym).__name__)
        try:
            flags = dict(flags)
        except (TypeError, ValueError):
            raise MXNetValueError("CachedOp: flags must be a dict or (name, value) pairs, got "
                                  "%r" % (flags,)) from None
        self._symbol = sym
        self.name = "_CachedOp" if name is None else "_CachedOp(%s)" % name
        self._input_names = sym.list_inputs()
        self._arg_names = sym.list_arguments()
        self._aux_names = sym.list_auxiliary_states()
        self._arg_pos = {n: i for i, n in enumerate(self._input_names)}
        params = flags.get("param_indices", ())
        n_inputs = len(self._input_names)
        if isinstance(params, (str, bytes)) or not all(
                isinstance(i, (int, np.integer)) and 0 <= i < n_inputs for i in params):
            raise MXNetValueError("CachedOp: param_indices %r must be input positions in "
                                  "[0, %d) (inputs: %s)" % (params, n_inputs,
                                                            ", ".join(self._input_names)))
        params = set(params)
        self._param_pos = [i for i in range(len(self._input_names)) if i in params]
        self._data_pos = [i for i in range(len(self._input_names)) if i not in params]
        self._slots = {}
        self._monitor = None

    def set_monitor_callback(self, callback, monitor_all=False):
        self._monitor = None if callback is None else (callback, monitor_all)
        for slots in self._slots.values():
            for slot in slots:
                slot.exe.set_monitor_callback(callback, monitor_all)

    def _check_inputs(self, args):
        if len(args) != len(self._input_names):
            raise MXNetValueError("%s: expected %d inputs (%s), got %d"
                                  % (self.name, len(self._input_names),
                                     ", ".join(self._input_names), len(args)))
        for name, a in zip(self._input_names, args):
            if not isinstance(a, NDArray):
                raise MXNetValueError("%s: input '%s' must be an NDArray, got %s"
                                      % (self.name, name, type(a).__name__))
        ctx = args[0].context if args else current_context()
        for name, a in zip(self._input_names, args):
            if a.context != ctx:
                raise MXNetValueError("%s: input '%s' is on %s but '%s' is on %s"
                                      % (self.name, name, a.context, self._input_names[0], ctx))
        return ctx

    def __call__(self, *args, out=None):
        ctx = self._check_inputs(args)
        recording = autograd.is_recording()
        needs_grad = tuple(recording and a._ag is not None for a in args)
        key = (ctx, tuple((a.shape, a._data.dtype.str) for a in args), needs_grad,
               tuple(id(args[i]._data) for i in self._param_pos))
        slot = self._free_slot(key, args, ctx, needs_grad)
        for i, dst in slot.data_arrays:
            if isinstance(dst, np.ndarray):
                dst[...] = args[i]._data
            else:                                   # on a GPU: a device-to-device copy
                _device.assign(dst, args[i]._data)
        exe = slot.exe
        exe.forward(is_train=autograd.is_training())
        outputs = [NDArray(_copy(o._data), ctx) for o in exe.outputs]
        if any(needs_grad):
            lease = _Lease(self.name, slot, needs_grad)
            slot.lease = weakref.ref(lease)
            autograd.record_op(lease, {}, list(args), outputs)
        if out is not None:
            outs = [out] if isinstance(out, NDArray) else list(out)
            for dst, src in zip(outs, outputs):
                _device.assign(dst._data, src._data)
            return out
        return outputs[0] if len(outputs) == 1 else outputs

    def _free_slot(self, key, args, ctx, needs_grad):
        slots = self._slots.setdefault(key, [])
        for slot in slots:
            if slot.free():
                return slot
        slot = self._bind(args, ctx, needs_grad)
        slots.append(slot)
        return slot

    def _bind(self, args, ctx, needs_grad):
        from .executor import Executor
        params = set(self._param_pos)
        bound, data_arrays = {}, []
        for i, (name, a) in enumerate(zip(self._input_names, args)):
            if i in params:
                bound[name] = a
            else:
                own = NDArray(_device.alloc_zeros(a.shape, a._data.dtype, ctx), ctx)
                bound[name] = own
                data_arrays.append((i, own._data))
        arg_arrays = [bound[n] for n in self._arg_names]
        aux_arrays = [bound[n] for n in self._aux_names]
        grads, reqs = [], []
        for n, a in zip(self._arg_names, arg_arrays):
            if needs_grad[self._arg_pos[n]]:
                grads.append(NDArray(_device.alloc_zeros(a.shape, a._data.dtype, ctx), ctx))
                reqs.append("write")
            else:
                grads.append(None)
                reqs.append("null")
        exe = Executor(self._symbol, ctx, arg_arrays, grads, reqs, aux_arrays)
        if self._monitor is not None:
            exe.set_monitor_callback(*self._monitor)
        by_name = dict(zip(self._arg_names, grads))
        return _Slot(exe, data_arrays, [by_name.get(n) for n in self._input_names])

    def debug_str(self):
        """The compiled graphs of every signature seen so far."""
        parts = []
        for key, slots in self._slots.items():
            parts.append("signature %s:\n%s" % ([s for s, _ in key[1]], slots[0].exe.debug_str()))
        return "\n".join(parts)

