"""Gluon parameters (mx.gluon.Parameter, Constant, ParameterDict), as in MXNet 1.9.1.

A Parameter holds one data array (and one gradient array) per context.  Its shape may be
partly unknown (0 dims) until the first forward pass infers it: initialization is then
deferred.  Gradients are attached with autograd.mark_variables, so imperative calls and the
compiled graph of a hybridized block both write into `param.grad()`.  Updates always write
into the existing buffers, which compiled executors are bound to.
"""
import warnings
import weakref

import numpy as np

from .. import autograd
from ..base import MXNetError, MXNetAssertionError, MXNetValueError
from ..context import Context, cpu, current_context
from ..ndarray.ndarray import NDArray
from .. import ndarray as nd
from ..ndarray import device as _device

__all__ = ["DeferredInitializationError", "Parameter", "Constant", "ParameterDict",
           "tensor_types"]

tensor_types = (NDArray,)


class DeferredInitializationError(MXNetError):
    """A parameter's data was requested before its deferred initialization ran."""


def _astype(arr, dtype):
    """A new array of `arr` cast to `dtype` on its context."""
    if isinstance(arr._data, np.ndarray):
        return NDArray(arr._data.astype(dtype), arr.context)
    return NDArray(arr.astype(dtype)._data, arr.context)     # the Cast op on the GPU


def _shape_known(shape):
    return shape is not None and all(d > 0 for d in shape)


def _brief_print_list(lst, limit=7):
    lst = list(lst)
    if len(lst) > limit:
        return _brief_print_list(lst[:limit // 2], limit) + ", ..., " + \
            _brief_print_list(lst[-limit // 2:], limit)
    return ", ".join(["'%s'" % str(i) for i in lst])


def _indent(s_, num_spaces):
    lines = s_.split("\n")
    if len(lines) == 1:
        return s_
    first = lines.pop(0)
    return first + "\n" + "\n".join((num_spaces * " ") + line for line in lines)


def _check(cond, msg):
    if not cond:
        raise MXNetAssertionError(msg)


def _create_initializer(init):
    from .. import initializer
    return initializer.create(init)


def _default_init():
    from .. import initializer
    return initializer.Uniform()


class Parameter:
    """A weight or state of a Block: data and gradient arrays on one or more contexts."""

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype="default", grad_stype="default"):
        self._var = None
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._ctx_map = None
        self._trainer = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        if isinstance(shape, int):
            shape = (shape,)
        self._shape = None if shape is None else tuple(shape)
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init
        for kind, value in (("stype", stype), ("grad_stype", grad_stype)):
            if value != "default":
                raise MXNetError("Parameter '%s': %s=%r is not supported (only dense "
                                 "'default' storage is built)" % (name, kind, value))
        self._stype = stype
        self._grad_stype = grad_stype

    def __repr__(self):
        return "Parameter {name} (shape={shape}, dtype={dtype})".format(
            name=self.name, shape=self.shape, dtype=self.dtype)

    # --- attributes -------------------------------------------------------------------
    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        _check(req in ("write", "add", "null"),
               "grad_req must be one of 'write', 'add', or 'null', but got '%s'" % req)
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            self._data = [NDArray(d._data, d.context) for d in self._data]
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self._dtype = dtype

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        _check(len(self._shape) == len(new_shape)
               and all(j in (-1, 0, i) for i, j in zip(new_shape, self._shape)),
               "Expected shape %s is incompatible with given shape %s."
               % (str(new_shape), str(self._shape)))
        self._shape = new_shape

    @property
    def stype(self):
        return self._stype

    # --- data access --------------------------------------------------------------------
    def _check_and_get(self, arr_list, ctx):
        if arr_list is not None:
            if ctx is list:
                return arr_list
            if ctx is None:
                if len(arr_list) == 1:
                    return arr_list[0]
                ctx = current_context()
            ctx_list = self._ctx_map[ctx.device_typeid & 1]
            if ctx.device_id < len(ctx_list):
                idx = ctx_list[ctx.device_id]
                if idx is not None:
                    return arr_list[idx]
            raise MXNetError("Parameter '%s' was not initialized on context %s. It was only "
                             "initialized on %s." % (self.name, str(ctx), str(self._ctx_list)))
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was "
                "deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing "
                "Parameters. You can also avoid deferred initialization by specifying "
                "in_units, num_features, etc., for network layers." % self.name)
        raise MXNetError("Parameter '%s' has not been initialized. Note that you should "
                         "initialize parameters and create Trainer with Block.collect_params() "
                         "instead of Block.params because the later does not include "
                         "Parameters of nested child Blocks" % self.name)

    def data(self, ctx=None):
        """This parameter's data on `ctx` (the only context, or the current one)."""
        return self._check_and_get(self._data, ctx)

    def list_data(self):
        return self._check_and_get(self._data, list)

    def grad(self, ctx=None):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter '%s' because "
                             "grad_req='null'" % self.name)
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter '%s' because "
                             "grad_req='null'" % self.name)
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise MXNetError("Parameter '%s' has not been initialized" % self.name)
        return self._ctx_list

    def zero_grad(self):
        if self._grad is None:
            return
        for g in self._grad:
            if isinstance(g._data, np.ndarray):
                g._data[...] = 0
            else:                               # on a GPU
                _device.fill(g._data, 0)

    def var(self):
        """The Symbol variable of this parameter (with shape, dtype, lr/wd mult and init)."""
        if self._var is None:
            from .. import symbol
            init = self.init
            if init is not None and not isinstance(init, str):
                init = init.dumps()
            self._var = symbol.var(self.name, shape=self.shape, dtype=self.dtype,
                                   lr_mult=self.lr_mult, wd_mult=self.wd_mult, init=init,
                                   stype=self._stype)
        return self._var

    # --- initialization -----------------------------------------------------------------
    def initialize(self, init=None, ctx=None, default_init=None, force_reinit=False):
        """Create the data (and gradient) arrays on `ctx`, or defer until the shape is known."""
        if default_init is None:
            default_init = _default_init()
        if self._data is not None and not force_reinit:
            warnings.warn("Parameter '%s' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize." % self.name, stacklevel=2)
            return
        self._data = self._grad = None
        if ctx is None:
            ctx = [current_context()]
        if isinstance(ctx, Context):
            ctx = [ctx]
        if init is None:
            init = default_init if self.init is None else self.init
        if not _shape_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise MXNetValueError("Cannot initialize Parameter '%s' because it has invalid "
                                  "shape: %s." % (self.name, str(self.shape)))
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        self._deferred_init = ()
        _check(_shape_known(self.shape),
               "Cannot initialize Parameter '%s' because it has invalid shape: %s. Please "
               "specify in_units, in_channels, etc for `Block`s." % (self.name, str(self.shape)))
        from .. import initializer
        with autograd.pause():
            if data is None:
                data = nd.zeros(self.shape, ctx=cpu(), dtype=self.dtype)
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {"__init__": init}), data)
            self._init_impl(data, ctx)

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._ctx_map = [[], []]
        for i, ctx in enumerate(self._ctx_list):
            dev_list = self._ctx_map[ctx.device_typeid & 1]
            while len(dev_list) <= ctx.device_id:
                dev_list.append(None)
            dev_list[ctx.device_id] = i
        host = _device.to_host(data._data)
        self._data = [NDArray(_device.from_host(host, c, np.dtype(self.dtype))
                              if _device.is_gpu(c) else
                              np.array(host, dtype=np.dtype(self.dtype), copy=True), c)
                      for c in self._ctx_list]
        self._init_grad()

    def _init_grad(self):
        if self.grad_req == "null":
            self._grad = None
            return
        self._grad = [NDArray(_device.alloc_zeros(d.shape, d._data.dtype, d.context), d.context)
                      for d in self._data]
        autograd.mark_variables(self._check_and_get(self._data, list), self._grad,
                                self.grad_req)

    def _set_trainer(self, trainer):
        self._trainer = None if trainer is None else weakref.ref(trainer)

    def _reduce(self):
        """The data averaged over contexts, on the CPU (what save writes)."""
        data = self.list_data()
        if len(data) == 1:
            return NDArray(data[0].asnumpy(), cpu())
        total = np.zeros(data[0].shape, data[0]._data.dtype)
        for d in data:
            total += _device.to_host(d._data)
        return NDArray(total / len(data), cpu())

    def set_data(self, data):
        """Write `data` into every copy of this parameter (in place)."""
        self.shape = data.shape
        if self._data is None:
            _check(self._deferred_init, "Parameter '%s' has not been initialized" % self.name)
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        trainer = self._trainer() if self._trainer is not None else None
        if trainer is not None and getattr(trainer, "_kv_initialized", False) \
                and getattr(trainer, "_update_on_kvstore", False):
            trainer._reset_kvstore()
        src = data._data if isinstance(data, NDArray) else np.asarray(data)
        for arr in self._check_and_get(self._data, list):
            if isinstance(arr._data, np.ndarray) and isinstance(src, np.ndarray):
                arr._data[...] = src
            else:                               # to or from a GPU
                _device.assign(arr._data, src)

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source="current"):
        """Set this parameter from loaded `data` (initializing it when needed)."""
        if cast_dtype:
            _check(dtype_source in ("current", "saved"),
                   "dtype_source must be either 'current' or 'saved'")
        if self.shape:
            for self_dim, data_dim in zip(self.shape, data.shape):
                _check(self_dim in (0, data_dim) and len(self.shape) == len(data.shape),
                       "Failed loading Parameter '%s' from saved params: shape incompatible "
                       "expected %s vs saved %s" % (self.name, str(self.shape),
                                                    str(data.shape)))
            self.shape = tuple(i if i != 0 else j for i, j in zip(self.shape, data.shape))
        if self.dtype:
            if cast_dtype and np.dtype(self.dtype) != data.dtype:
                if dtype_source == "current":
                    data = data.astype(self.dtype, copy=False)
                else:
                    self.dtype = data.dtype
            else:
                _check(np.dtype(self.dtype) == data.dtype,
                       "Failed loading Parameter '%s' from saved params: dtype incompatible "
                       "expected %s vs saved %s. Set cast_dtype=True to cast the dtype of "
                       "saved params." % (self.name, np.dtype(self.dtype).name,
                                          np.dtype(data.dtype).name))
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                _check(ctx is None or set(ctx) == set(self._deferred_init[1]),
                       "Failed to load Parameter '%s' on %s because it was previous "
                       "initialized on %s." % (self.name, str(ctx), str(self.list_ctx())))
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            _check(ctx is None or set(ctx) == set(self.list_ctx()),
                   "Failed to load Parameter '%s' on %s because it was previous initialized "
                   "on %s." % (self.name, str(ctx), str(self.list_ctx())))
            self.set_data(data)
        self._deferred_init = ()

    def reset_ctx(self, ctx):
        """Move this parameter's data to other contexts (e.g. from cpu(0) to [cpu(0), cpu(1)])."""
        if ctx is None:
            ctx = [current_context()]
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise MXNetValueError("Cannot reset context for Parameter '%s' because it has not "
                                  "been initialized." % self.name)

    def cast(self, dtype):
        """Cast data and gradient to `dtype` (new arrays; compiled blocks recompile)."""
        self._dtype = dtype
        self._var = None
        if self._data is None:
            return
        with autograd.pause():
            self._data = [_astype(d, dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [_astype(g, dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self.grad_req)


class Constant(Parameter):
    """A parameter that is never updated (grad_req 'null'), initialized to `value`."""

    def __init__(self, name, value):
        if not isinstance(value, NDArray):
            value = nd.array(value)
        self.value = value
        from .. import initializer
        const = value

        class Init(initializer.Initializer):
            def _init_weight(self, _, arr):
                arr._data[...] = const._data

        init_name = "Constant_{}".format(id(self))
        initializer.alias(init_name)(Init)
        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype,
                         init=init_name)

    def __repr__(self):
        return "Constant {name} (shape={shape}, dtype={dtype})".format(
            name=self.name, shape=self.shape, dtype=self.dtype)

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn("Constant parameter \"{}\" does not support grad_req other than "
                          "\"null\", and new value \"{}\" is ignored.".format(self.name, req))
        self._grad_req = "null"


from .parameter_dict import ParameterDict, select_params  # noqa: E402,F401  (MXNet's module path)
