"""mx.executor.Executor: a Symbol bound to a Context and arrays, run through the compiler.

`Symbol.simple_bind` / `Symbol.bind` build one; the graph goes through compiler.pipeline
(inference, gradient, cse, dce, fuse, plan_memory, lower) and the resulting ExecPlan is bound
to the argument, gradient and aux arrays: forward runs the forward steps, backward the
backward steps (gradients are written straight into the gradient arrays for grad_req 'write'
and added to them for 'add'; BatchNorm's moving statistics are updated in backward, as in
MXNet).  Plans are cached by (graph, shapes, dtypes, grad_req, context), so `reshape` and a
second executor of the same network only re-bind.
"""
import numpy as np

from compiler import pipeline
from compiler.ir.graph import Graph
from compiler.ops.registry import OpContext, dtype_name
from compiler.passes.gradient import GRAD_REQS
from compiler.passes.infer_shape import infer_shape as _infer_shape
from compiler.passes.infer_type import infer_type as _infer_type
from .base import MXNetError, MXNetTypeError, MXNetValueError
from . import random as _random
from .ndarray import device as _device

_HEAD_GRAD_MSG = ("Because the last operator is not Loss function, head_gradient is required "
                  "when calling backward. If you are attempting to minimize the output as an "
                  "objective, please modify your network and pass it through the make_loss "
                  "symbol.")


def _nd(data, ctx):
    from .ndarray.ndarray import NDArray
    return NDArray(data, ctx)


class _Monitor:
    __slots__ = ("callback", "monitor_all", "ctx")

    def __init__(self, callback, monitor_all, ctx):
        self.callback = callback
        self.monitor_all = monitor_all
        self.ctx = ctx

    def __call__(self, name, array):
        self.callback(name, _nd(array, self.ctx))


class Executor:
    """A bound symbol (MXNet's Executor): forward, backward and the bound arrays."""

    def __init__(self, symbol, ctx, arg_arrays, grad_arrays, grad_req, aux_arrays,
                 options=None):
        self._symbol = symbol
        self._ctx = ctx
        self._options = options
        self._arg_names = symbol.list_arguments()
        self._aux_names = symbol.list_auxiliary_states()
        self.arg_arrays = list(arg_arrays)
        self.grad_arrays = list(grad_arrays)
        self.aux_arrays = list(aux_arrays)
        self._grad_req = {n: (r if g is not None else "null")
                          for n, r, g in zip(self._arg_names, grad_req, self.grad_arrays)}
        shapes = {n: a.shape for n, a in zip(self._arg_names, self.arg_arrays)}
        shapes.update({n: a.shape for n, a in zip(self._aux_names, self.aux_arrays)})
        dtypes = {n: dtype_name(a._data.dtype) for n, a in zip(self._arg_names, self.arg_arrays)}
        dtypes.update({n: dtype_name(a._data.dtype)
                       for n, a in zip(self._aux_names, self.aux_arrays)})
        if ctx.device_typeid == _device.GPU_TYPEID:
            _check_contexts(ctx, self._arg_names, self.arg_arrays, self.grad_arrays,
                            self._aux_names, self.aux_arrays)
        self._plan = pipeline.compile(Graph(symbol._outputs), shapes, dtypes, self._grad_req,
                                      ctx, options)
        grads = {n: g._data for n, g in zip(self._arg_names, self.grad_arrays) if g is not None}
        self._bound = self._plan.instantiate(
            {n: a._data for n, a in zip(self._arg_names, self.arg_arrays)}, grads,
            {n: a._data for n, a in zip(self._aux_names, self.aux_arrays)})
        self.outputs = [_nd(o, ctx) for o in self._bound.outputs]
        self._output_names = symbol.list_outputs()
        self._monitor = None
        self._arg_dict = self._grad_dict = self._aux_dict = self._output_dict = None

    # --- dictionaries -------------------------------------------------------------------
    @staticmethod
    def _get_dict(names, arrays):
        if len(set(names)) != len(names):
            raise ValueError("Duplicate names detected, %s" % str(names))
        return dict(zip(names, arrays))

    @property
    def arg_dict(self):
        if self._arg_dict is None:
            self._arg_dict = self._get_dict(self._arg_names, self.arg_arrays)
        return self._arg_dict

    @property
    def grad_dict(self):
        if self._grad_dict is None:
            self._grad_dict = self._get_dict(self._arg_names, self.grad_arrays)
        return self._grad_dict

    @property
    def aux_dict(self):
        if self._aux_dict is None:
            self._aux_dict = self._get_dict(self._aux_names, self.aux_arrays)
        return self._aux_dict

    @property
    def output_dict(self):
        if self._output_dict is None:
            self._output_dict = self._get_dict(self._output_names, self.outputs)
        return self._output_dict

    # --- running ------------------------------------------------------------------------
    def _octx(self, is_train):
        return OpContext(bool(is_train), _random.generator(self._ctx), self._ctx)

    def forward(self, is_train=False, **kwargs):
        """Copy the given inputs into the argument arrays and run the forward steps;
        returns the outputs."""
        from .ndarray.ndarray import NDArray
        arg_dict = self.arg_dict
        for name, value in kwargs.items():
            if name not in arg_dict:
                raise MXNetTypeError("Unknown argument %s (arguments: %s)"
                                     % (name, ", ".join(self._arg_names)))
            dst = arg_dict[name]
            src = value._data if isinstance(value, NDArray) else np.asarray(value)
            if src.shape != dst.shape:
                raise MXNetValueError("Shape not match! Argument %s, need: %s, received: %s"
                                      % (name, dst.shape, src.shape))
            if isinstance(dst._data, np.ndarray) and isinstance(src, np.ndarray):
                dst._data[...] = src
            else:                           # to or from a GPU
                _device.assign(dst._data, src)
        self._bound.run_forward(self._octx(is_train), self._monitor)
        return self.outputs

    def backward(self, out_grads=None, is_train=True):
        """Run the backward steps; out_grads (NDArray, list or dict by output name) are
        needed for every output whose gradient is not defined by a loss layer."""
        from .ndarray.ndarray import NDArray
        if out_grads is None:
            out_grads = []
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, dict):
            out_grads = [out_grads.get(k) for k in self._output_names]
        for name, _, index in self._plan.head_grads:
            g = out_grads[index] if index is not None and index < len(out_grads) else None
            if g is None:
                raise MXNetError("%s (output '%s' needs a head gradient)"
                                 % (_HEAD_GRAD_MSG, self._output_names[index]))
            dst = self._bound.head_grads[name]
            src = g._data if isinstance(g, NDArray) else np.asarray(g)
            if src.shape != dst.shape:
                raise MXNetValueError("backward: head gradient of output '%s' has shape %s, the "
                                      "output has shape %s"
                                      % (self._output_names[index], src.shape, dst.shape))
            if isinstance(dst, np.ndarray) and isinstance(src, np.ndarray):
                dst[...] = src
            else:                           # to or from a GPU
                _device.assign(dst, src)
        self._bound.run_backward(self._octx(is_train), self._monitor)

    def set_monitor_callback(self, callback, monitor_all=False):
        """Call `callback(name, NDArray)` with every op output (and input, monitor_all)."""
        self._monitor = None if callback is None else _Monitor(callback, monitor_all, self._ctx)

    # --- parameters and shapes ----------------------------------------------------------
    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        for name, array in arg_params.items():
            if name in self.arg_dict:
                _copy_param("argument", name, array, self.arg_dict[name])
            elif not allow_extra_params:
                raise MXNetValueError('Find name "%s" that is not in the arguments' % name)
        if aux_params is None:
            return
        for name, array in aux_params.items():
            if name in self.aux_dict:
                _copy_param("auxiliary state", name, array, self.aux_dict[name])
            elif not allow_extra_params:
                raise MXNetValueError('Find name %s that is not in the auxiliary states' % name)

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes sharing this one's parameter arrays (arrays
        whose shape changes get new memory: a view of the old one when smaller)."""
        sym = self._symbol
        for name, shape in kwargs.items():
            if name not in self.arg_dict and name not in self.aux_dict:
                raise MXNetError("reshape: '%s' is not an argument (arguments: %s)"
                                 % (name, ", ".join(self._arg_names)))
        graph = Graph(sym._outputs)
        known = {k: tuple(v) for k, v in kwargs.items()}
        g = _infer_shape(graph, known)
        old = dict(zip(self._arg_names, self.arg_arrays))
        old.update(zip(self._aux_names, self.aux_arrays))
        unknown = [v.name for v in g.variables() if g.attrs["shape"][(id(v), 0)] is None]
        if unknown:           # not determined by the new shapes: keep the current ones
            known.update({n: old[n].shape for n in unknown})
            g = _infer_shape(graph, known)
        sh = g.attrs["shape"]
        arg_shapes = [sh[(id(v), 0)] for v in g.arguments()]
        aux_shapes = [sh[(id(v), 0)] for v in g.aux_variables()]
        new_args, new_grads = [], []
        for name, shape, arr, grad in zip(self._arg_names, arg_shapes, self.arg_arrays,
                                          self.grad_arrays):
            shape = tuple(shape)
            if shape == arr.shape:
                new_args.append(arr)
                new_grads.append(grad)
                continue
            if not (partial_shaping or name in kwargs):
                raise MXNetError("Shape of unspecified arg: %s changed (%s -> %s). This can "
                                 "cause the new executor to not share parameters with the old "
                                 "one. Please check for error in network. If this is intended, "
                                 "set partial_shaping=True to suppress this warning."
                                 % (name, arr.shape, shape))
            new_args.append(_resized(arr, shape, allow_up_sizing, "arg", name))
            new_grads.append(None if grad is None else
                             _resized(grad, shape, allow_up_sizing, "arg", name))
        new_aux = []
        for name, shape, arr in zip(self._aux_names, aux_shapes, self.aux_arrays):
            shape = tuple(shape)
            if shape == arr.shape:
                new_aux.append(arr)
                continue
            if not partial_shaping:
                raise MXNetError("Shape of unspecified aux: %s changed (%s -> %s). This can "
                                 "cause the new executor to not share parameters with the old "
                                 "one. Please check for error in network. If this is intended, "
                                 "set partial_shaping=True to suppress this warning."
                                 % (name, arr.shape, shape))
            new_aux.append(_resized(arr, shape, allow_up_sizing, "aux", name))
        reqs = [self._grad_req[n] for n in self._arg_names]
        return Executor(sym, self._ctx, new_args, new_grads, reqs, new_aux, self._options)

    def debug_str(self):
        """The compiled graph: steps (fused groups and their ops), kernels, memory plan."""
        from compiler.plan import describe
        return describe(self._plan)


def _check_contexts(ctx, arg_names, args, grads, aux_names, aux):
    """A GPU executor runs on its own device: every bound array must live there."""
    named = [("argument", n, a) for n, a in zip(arg_names, args)]
    named += [("gradient of", n, g) for n, g in zip(arg_names, grads)]
    named += [("aux state", n, a) for n, a in zip(aux_names, aux)]
    for what, name, arr in named:
        if arr is not None and arr.context != ctx:
            raise MXNetError("bind: %s '%s' is on %s but the executor runs on %s; create the "
                             "arrays on %s (as_in_context)" % (what, name, arr.context, ctx, ctx))


def _copy_param(what, name, array, dst):
    """copy_params_from: `array` into the bound `dst`, naming the parameter on a mismatch."""
    if tuple(array.shape) != tuple(dst.shape):
        raise MXNetValueError("copy_params_from: %s '%s' has shape %s but the executor was bound "
                              "with %s" % (what, name, tuple(array.shape), tuple(dst.shape)))
    array.astype(dst.dtype).copyto(dst)


def _resized(arr, shape, allow_up_sizing, what, name):
    size = int(np.prod(shape, dtype=np.int64))
    if size > arr.size:
        if not allow_up_sizing:
            raise MXNetError("New shape of %s: %s is larger than original. First making a big "
                             "executor and then down sizing it is more efficient than the "
                             "reverse. If you really want to up size, set allow_up_sizing=True "
                             "to enable allocation of new arrays." % (what, name))
        return _nd(_device.alloc_zeros(shape, arr._data.dtype, arr.context), arr.context)
    return _nd(arr._data.reshape(arr.size)[:size].reshape(shape), arr.context)


# --- binding (Symbol.simple_bind / Symbol.bind) ------------------------------------------

def _check_req(req, name):
    if req not in GRAD_REQS:
        raise MXNetValueError("grad_req %r for argument '%s' is not one of 'write', 'add', "
                              "'null'" % (req, name))
    return req


def _grad_reqs(grad_req, names, where):
    if isinstance(grad_req, str):
        return [_check_req(grad_req, n) for n in names]
    if isinstance(grad_req, (list, tuple)):
        if len(grad_req) != len(names):
            raise MXNetValueError("%s: the grad_req list has %d entries for %d arguments (%s)"
                                  % (where, len(grad_req), len(names), ", ".join(names)))
        return [_check_req(r, n) for r, n in zip(grad_req, names)]
    if isinstance(grad_req, dict):
        unknown = [k for k in grad_req if k not in names]
        if unknown:
            raise MXNetValueError("%s: grad_req names %s, which %s not an argument (arguments: "
                                  "%s)" % (where, ", ".join(unknown),
                                           "is" if len(unknown) == 1 else "are", ", ".join(names)))
        return [_check_req(grad_req.get(n, "null"), n) for n in names]
    raise MXNetTypeError("%s: grad_req must be a str, list or dict, got %s"
                         % (where, type(grad_req).__name__))


def _fmt_shapes(names, shapes):
    return ", ".join("%s: %s" % (n, s if s is not None else "unknown")
                     for n, s in zip(names, shapes))


def _expected_shapes(symbol, known):
    """{variable name: shape or None} from partial inference (never raises)."""
    try:
        g = _infer_shape(Graph(symbol._outputs), known)
    except MXNetError:
        return {}
    sh = g.attrs["shape"]
    return {v.name: sh[(id(v), 0)] for v in g.variables()}


def _check_unsupported(ctx, stype_dict=None, group2ctx=None):
    if stype_dict and any(v not in (None, "default") for v in stype_dict.values()):
        raise MXNetError("bind: sparse storage types are not supported (stype_dict=%r)"
                         % (stype_dict,))
    if group2ctx and any(c != ctx for c in group2ctx.values()):
        raise MXNetError("bind: model parallelism across contexts (group2ctx=%r) is not "
                         "supported; every group must use %s" % (group2ctx, ctx))


def simple_bind(symbol, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                shared_arg_names=None, shared_exec=None, shared_buffer=None, options=None,
                **kwargs):
    from .ndarray.ndarray import NDArray
    _check_unsupported(ctx, stype_dict, group2ctx)
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    reqs = _grad_reqs(grad_req, arg_names, "simple_bind")
    for k, v in kwargs.items():
        if not isinstance(v, tuple):
            raise MXNetTypeError("simple_bind: the shape of '%s' must be a tuple, got %r" % (k, v))
    graph = Graph(symbol._outputs)
    g = _infer_shape(graph, kwargs)
    shapes = g.attrs["shape"]
    unknown = [v.name for v in g.variables() if shapes[(id(v), 0)] is None]
    if unknown:
        raise MXNetValueError(
            "simple_bind: cannot decide the shapes of the following arguments; please provide "
            "them (given: %s): %s" % (_fmt_shapes(list(kwargs), list(kwargs.values())) or "none",
                                      ", ".join("%s: unknown" % n for n in unknown)))
    if type_dict is None:
        attrs = symbol.attr_dict()
        type_dict = {k: "float32" for k in arg_names
                     if k not in attrs or "__dtype__" not in attrs[k]}
    type_dict = {k: np.dtype(v).name for k, v in type_dict.items()}
    g = _infer_type(g, type_dict)
    dtypes = g.attrs["dtype"]
    unknown = [v.name for v in g.variables() if dtypes[(id(v), 0)] is None]
    if unknown:
        raise MXNetTypeError("simple_bind: cannot decide the dtypes of: %s" % ", ".join(unknown))
    var = {v.name: v for v in g.variables()}
    shared_names = set(shared_arg_names or ())

    def shared(kind, name, shape, dtype):
        if shared_exec is None:
            return None
        table = shared_exec.aux_dict if kind == "aux" else (
            shared_exec.grad_dict if kind == "grad" else shared_exec.arg_dict)
        if kind != "aux" and name not in shared_names:
            return None
        arr = table.get(name)
        if arr is not None and arr.shape == shape and np.dtype(arr.dtype).name == dtype:
            return arr
        return None

    args, grads, aux = [], [], []
    for name, req in zip(arg_names, reqs):
        key = (id(var[name]), 0)
        shape, dtype = shapes[key], dtypes[key]
        arr = shared("arg", name, shape, dtype)
        args.append(arr if arr is not None else NDArray(_device.alloc_zeros(shape, dtype, ctx),
                                                        ctx))
        if req == "null":
            grads.append(None)
        else:
            garr = shared("grad", name, shape, dtype)
            grads.append(garr if garr is not None else
                         NDArray(_device.alloc_zeros(shape, dtype, ctx), ctx))
    for name in aux_names:
        key = (id(var[name]), 0)
        arr = shared("aux", name, shapes[key], dtypes[key])
        aux.append(arr if arr is not None else
                   NDArray(_device.alloc_zeros(shapes[key], dtypes[key], ctx), ctx))
    return Executor(symbol, ctx, args, grads, reqs, aux, options)


def _arrays(symbol, what, given, names, known, allow_none=False):
    """The NDArrays of `given` (list or dict) in the order of `names`."""
    from .ndarray.ndarray import NDArray
    if given is None:
        given = {}
    if isinstance(given, (list, tuple)):
        if len(given) != len(names):
            raise MXNetValueError("bind: %d %s given for %d (%s)"
                                  % (len(given), what, len(names), ", ".join(names)))
        out = list(given)
    elif isinstance(given, dict):
        out = [given.get(n) for n in names]
    else:
        raise MXNetTypeError("bind: %s must be a list or a dict of NDArrays, got %s"
                             % (what, type(given).__name__))
    missing = [n for n, a in zip(names, out) if a is None]
    if missing and not allow_none:
        expected = _expected_shapes(symbol, known)
        raise MXNetValueError("bind: %s %s missing in `%s` (expected shapes: %s)"
                              % (", ".join("`%s`" % m for m in missing),
                                 "is" if len(missing) == 1 else "are", what,
                                 _fmt_shapes(missing, [expected.get(m) for m in missing])))
    for n, a in zip(names, out):
        if a is not None and not isinstance(a, NDArray):
            raise MXNetTypeError("bind: %s '%s' must be an NDArray, got %s"
                                 % (what, n, type(a).__name__))
    return out


def bind(symbol, ctx, args, args_grad=None, grad_req="write", aux_states=None, group2ctx=None,
         shared_exec=None, options=None):
    _check_unsupported(ctx, None, group2ctx)
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    known = {}
    if isinstance(args, dict):
        known.update({k: v.shape for k, v in args.items() if k in arg_names and v is not None})
    elif isinstance(args, (list, tuple)):
        known.update({k: v.shape for k, v in zip(arg_names, args) if v is not None})
    if isinstance(aux_states, dict):
        known.update({k: v.shape for k, v in aux_states.items()
                      if k in aux_names and v is not None})
    arg_arrays = _arrays(symbol, "args", args, arg_names, known)
    aux_arrays = _arrays(symbol, "aux_states", aux_states, aux_names, known)
    if args_grad is None:
        grad_arrays = [None] * len(arg_names)
    else:
        grad_arrays = _arrays(symbol, "args_grad", args_grad, arg_names, known, allow_none=True)
    reqs = _grad_reqs(grad_req, arg_names, "bind")
    for n, a, g in zip(arg_names, arg_arrays, grad_arrays):
        if g is not None and g.shape != a.shape:
            raise MXNetValueError("bind: the gradient array of '%s' has shape %s, the argument "
                                  "has shape %s" % (n, g.shape, a.shape))
    return Executor(symbol, ctx, arg_arrays, grad_arrays, reqs, aux_arrays, options)
