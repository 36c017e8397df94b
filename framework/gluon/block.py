"""Gluon Blocks (mx.gluon.Block, HybridBlock, SymbolBlock), as in MXNet 1.9.1.

A Block owns Parameters and child Blocks under a name prefix (`dense0_`,
`hybridsequential0_conv0_`).  A HybridBlock runs `hybrid_forward(F=mx.nd, ...)` imperatively
until `hybridize()`; then its first call traces `hybrid_forward(F=mx.sym, ...)` into one Symbol
and every call runs that graph through a CachedOp (compiled forward and backward, fused and
memory-planned, one autograd tape node per call).
"""
import re
import threading
import warnings
from collections import OrderedDict, defaultdict

from .. import name as _name
from .. import ndarray as _nd_module
from .. import symbol as _sym_module
from ..base import MXNetError, MXNetAssertionError, MXNetValueError
from ..cached_op import CachedOp
from ..ndarray.ndarray import NDArray
from ..symbol.symbol import Symbol
from .nest import flatten, regroup
from .parameter import (Parameter, ParameterDict, DeferredInitializationError,
                        _brief_print_list, _indent)

__all__ = ["Block", "HybridBlock", "HookHandle"]


class _BlockScope:
    """The name scope of a Block: children created inside get `<hint><n>_` prefixes."""

    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None
        self._name_scope = None

    @staticmethod
    def create(prefix, params, hint):
        """(prefix, ParameterDict) for a new Block created in the current scope."""
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = _name.current().get(None, hint) + "_"
            params = ParameterDict(prefix) if params is None \
                else ParameterDict(params.prefix, params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = "%s%d_" % (hint, count)
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, "value", None)
        _BlockScope._current.value = self
        self._name_scope = _name.Prefix(self._block.prefix)
        self._name_scope.__enter__()
        return self

    def __exit__(self, ptype, value, trace):
        if self._block._empty_prefix:
            return
        self._name_scope.__exit__(ptype, value, trace)
        self._name_scope = None
        _BlockScope._current.value = self._old_scope


class HookHandle:
    """Removes a forward (pre-)hook with `detach()`; also a context manager."""

    def __init__(self):
        self._hooks_dict = None
        self._id = None

    def attach(self, hooks_dict, hook):
        if self._hooks_dict is not None:
            raise MXNetError("The same handle cannot be attached twice.")
        self._id = id(hook)
        hooks_dict[self._id] = hook
        self._hooks_dict = hooks_dict

    def detach(self):
        if self._hooks_dict is not None and self._id in self._hooks_dict:
            del self._hooks_dict[self._id]
        self._hooks_dict = None

    def __enter__(self):
        return self

    def __exit__(self, ptype, value, trace):
        self.detach()


def _name_block_in_error(block, err):
    """Prefix an MXNetError with the innermost Block that raised it (once)."""
    if isinstance(err, MXNetError) and not getattr(err, "_gluon_block", None) \
            and not isinstance(err, DeferredInitializationError):
        err._gluon_block = block.name
        msg = "in block '%s' (%s): %s" % (block.name, type(block).__name__,
                                           err.args[0] if err.args else "")
        err.args = (msg,) + tuple(err.args[1:])


class Block:
    """Base class of all layers and models: parameters, children, naming, save/load."""

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()

    def __repr__(self):
        modstr = "\n".join("  ({key}): {block}".format(key=key, block=_indent(repr(block), 2))
                           for key, block in self.__dict__.items() if isinstance(block, Block))
        return "{name}(\n{modstr}\n)".format(name=self.__class__.__name__, modstr=modstr)

    def __setattr__(self, name, value):
        if hasattr(self, name):
            existing = getattr(self, name)
            if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
                raise TypeError("Changing attribute type for {name} from {type1} to {type2}"
                                "is not allowed.".format(name=name, type1=type(existing),
                                                         type2=type(value)))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise MXNetAssertionError(
                    "Overriding Parameter attribute %s is not allowed. If you want to share "
                    "parameters between blocks, please set 'params' at Block construction "
                    "instead." % name)
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _check_container_with_block(self):
        children = set(self._children.values())

        def _find_unregistered_block_in_container(data):
            if isinstance(data, (list, tuple)):
                return any(_find_unregistered_block_in_container(e) for e in data)
            if isinstance(data, dict):
                return any(_find_unregistered_block_in_container(v) for v in data.values())
            if isinstance(data, Block):
                return data not in children
            return False

        for k, v in self.__dict__.items():
            if isinstance(v, (list, tuple, dict)) and not (k.startswith("__") or k == "_children"):
                if _find_unregistered_block_in_container(v):
                    warnings.warn('"{name}" is an unregistered container with Blocks. Note that '
                                  'Blocks inside the list, tuple or dict will not be registered '
                                  'automatically. Make sure to register them using '
                                  'register_child() or switching to nn.Sequential/'
                                  'nn.HybridSequential instead. '
                                  .format(name=self.__class__.__name__ + "." + k), stacklevel=3)

    def _alias(self):
        return self.__class__.__name__.lower()

    @property
    def prefix(self):
        return self._prefix

    @property
    def name(self):
        return self._name

    def name_scope(self):
        """`with self.name_scope():` — children and params created inside get this prefix."""
        return self._scope

    @property
    def params(self):
        """This Block's own ParameterDict (children's parameters are not included)."""
        return self._params

    def collect_params(self, select=None):
        """A ParameterDict of this Block's and all children's parameters (regex `select`)."""
        self._check_container_with_block()
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self.params)
        else:
            pattern = re.compile(select)
            ret.update({n: v for n, v in self.params.items() if pattern.match(n)})
        for cld in self._children.values():
            ret.update(cld.collect_params(select=select))
        return ret

    def _collect_params_with_prefix(self, prefix=""):
        if prefix:
            prefix += "."
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def save_parameters(self, filename, deduplicate=False):
        """Save parameters under structural names (`0.weight`, `features.1.bias`)."""
        params = self._collect_params_with_prefix()
        if deduplicate:
            reverse = defaultdict(list)
            for k, v in params.items():
                reverse[v].append(k)
            params = {v[0]: k for k, v in reverse.items()}
        arg_dict = {key: val._reduce() for key, val in params.items()}
        _nd_module.save(filename, arg_dict)

    def save_params(self, filename):
        warnings.warn("save_params is deprecated. Please use save_parameters. Note that if you "
                      "want load from SymbolBlock later, please use export instead.")
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source="current"):
        """Load parameters saved by save_parameters (or, for prefixed names, by
        collect_params().save); missing or extra names raise an error listing them."""
        loaded = _nd_module.load(filename)
        if isinstance(loaded, list):
            raise MXNetValueError("load_parameters: '%s' holds an unnamed list of arrays, not "
                                  "a name -> array dict" % filename)
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any("." in i for i in loaded.keys()):
            del loaded
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        if not allow_missing:
            params_inv = defaultdict(list)
            for k, v in params.items():
                params_inv[v].append(k)
            missing = [n for n, p in params.items()
                       if not any(k in loaded for k in params_inv[p])]
            if missing:
                raise MXNetAssertionError(
                    "Parameter %s is missing in file '%s', which contains parameters: %s. Set "
                    "allow_missing=True to ignore missing parameters."
                    % (_brief_print_list(missing), filename, _brief_print_list(loaded.keys())))
        extra = [n for n in loaded if n not in params]
        if extra and not ignore_extra:
            raise MXNetValueError(
                "Parameter %s loaded from file '%s' is not present in ParameterDict, which "
                "contains parameters %s. Set ignore_extra=True to ignore. "
                % (_brief_print_list(extra), filename, _brief_print_list(params.keys())))
        for name, value in loaded.items():
            if name in params:
                params[name]._load_init(value, ctx, cast_dtype=cast_dtype,
                                        dtype_source=dtype_source)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        warnings.warn("load_params is deprecated. Please use load_parameters.")
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def register_child(self, block, name=None):
        """Register `block` as a child (done automatically by attribute assignment)."""
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook):
        """`hook(block, inputs)` runs before forward; returns a HookHandle."""
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook):
        """`hook(block, inputs, outputs)` runs after forward; returns a HookHandle."""
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def apply(self, fn):
        """Call `fn(block)` on every child recursively, then on this block."""
        for cld in self._children.values():
            cld.apply(fn)
        fn(self)
        return self

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialize all parameters (children included); see ParameterDict.initialize."""
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def hybridize(self, active=True, **kwargs):
        """Hybridize every HybridBlock child (a plain Block itself stays imperative)."""
        for cld in self._children.values():
            cld.hybridize(active, **kwargs)

    def cast(self, dtype):
        """Cast all parameters (children included) to `dtype`."""
        for child in self._children.values():
            child.cast(dtype)
        for _, param in self.params.items():
            param.cast(dtype)

    def zero_grad(self):
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx):
        self.collect_params().reset_ctx(ctx)

    def __call__(self, *args):
        for hook in list(self._forward_pre_hooks.values()):
            hook(self, args)
        out = self.forward(*args)
        for hook in list(self._forward_hooks.values()):
            hook(self, args, out)
        return out

    def forward(self, *args):
        """Override to define the computation (with NDArrays)."""
        raise MXNetError("%s.forward is not defined: a Block subclass must implement "
                         "forward(self, *args)" % type(self).__name__)

    def summary(self, *inputs):
        """Print each layer's output shape and parameter count for a forward of `inputs`."""
        from .summary import print_summary
        print_summary(self, inputs)


def _gather_type_ctx_info(args):
    """(has Symbol, has NDArray, set of contexts, first context) of nested args."""
    has_symbol = has_ndarray = False
    ctxs, first = set(), None
    for a in flatten(args, "input")[0]:
        if isinstance(a, Symbol):
            has_symbol = True
        elif isinstance(a, NDArray):
            has_ndarray = True
            ctxs.add(a.context)
            if first is None:
                first = a.context
    return has_symbol, has_ndarray, ctxs, first


class HybridBlock(Block):
    """A Block whose `hybrid_forward(F, x, **params)` runs with F=mx.nd, or, after
    hybridize(), once with F=mx.sym to build a graph that is compiled and cached."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._cached_graph = ()
        self._cached_op = None
        self._cached_op_args = None
        self._out_format = None
        self._in_format = None
        self._active = False
        self._flags = []
        self._callback = None
        self._monitor_all = False

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if isinstance(value, HybridBlock):
            self._clear_cached_op()

    def _clear_cached_op(self):
        self._cached_graph = ()
        self._cached_op = None

    def register_child(self, block, name=None):
        if not isinstance(block, HybridBlock):
            raise MXNetValueError(
                "Children of HybridBlock must also be HybridBlock, but %s has type %s. If you "
                "are using Sequential, please try HybridSequential instead."
                % (str(block), str(type(block))))
        super().register_child(block, name)
        self._clear_cached_op()

    def hybridize(self, active=True, static_alloc=False, static_shape=False, **kwargs):
        """Compile this block (and its children) on the next call; flags are accepted
        (every compiled graph here is statically planned)."""
        self._active = active
        self._flags = [("static_alloc", static_alloc), ("static_shape", static_shape)] + \
            list(kwargs.items())
        self._clear_cached_op()
        if active and (self._forward_hooks or self._forward_pre_hooks):
            warnings.warn('"{block}" is being hybridized while still having forward hook/pre-'
                          'hook. If "{block}" is a child of HybridBlock, the hooks will not take '
                          'effect.'.format(block=self))
        super().hybridize(active, static_alloc=static_alloc, static_shape=static_shape,
                          **kwargs)

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    # --- tracing ------------------------------------------------------------------------
    def _get_graph(self, *args):
        if not self._cached_graph:
            flat_args, self._in_format = flatten(args, "input")
            real = sum(a is not None for a in flat_args)
            if real == 0:
                raise MXNetValueError("All args are None and we do not support such a case. "
                                      "Received args={}".format(args))
            flat_inputs, symbol_inputs, cnt = [], [], 0
            for a in flat_args:
                if a is None:
                    flat_inputs.append(None)
                    continue
                s = _sym_module.var("data%d" % cnt if real > 1 else "data")
                cnt += 1
                flat_inputs.append(s)
                symbol_inputs.append(s)
            grouped = regroup(flat_inputs, self._in_format)
            params = {i: j.var() for i, j in self._reg_params.items()}
            with self.name_scope():
                out = self.hybrid_forward(_sym_module, *grouped, **params)
            out, self._out_format = flatten(out, "output")
            self._cached_graph = symbol_inputs, _sym_module.Group(out)
        return self._cached_graph

    def _build_cache(self, *args):
        data, out = self._get_graph(*args)
        data_names = {d.name: i for i, d in enumerate(data)}
        params = self.collect_params()
        input_names = out.list_inputs()
        unknown = [n for n in input_names if n not in params.keys() and n not in data_names]
        if unknown:
            raise MXNetAssertionError("Unknown input to HybridBlock: %s" % ", ".join(unknown))
        unused = ["%d-th" % i for n, i in data_names.items() if n not in input_names]
        if unused:
            warnings.warn("The %s input to HybridBlock is not used by any computation. Is this "
                          "intended?" % ", ".join(unused), stacklevel=4)
        unused = [n for n in params.keys() if n not in input_names]
        if unused:
            warnings.warn("Parameter %s is not used by any computation. Is this intended?"
                          % ", ".join(unused), stacklevel=4)
        self._cached_op_args = []
        data_indices, param_indices = [], []
        for i, name in enumerate(input_names):
            if name in data_names:
                data_indices.append(i)
                self._cached_op_args.append((True, data_names[name]))
            else:
                param_indices.append(i)
                self._cached_op_args.append((False, params[name]))
        flags = [("data_indices", data_indices), ("param_indices", param_indices)] + self._flags
        self._cached_op = CachedOp(out, flags, name=self.name)
        if self._callback is not None:
            self._cached_op.set_monitor_callback(self._callback, self._monitor_all)

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except MXNetError as e:
            raise MXNetValueError("Deferred initialization failed because shape cannot be "
                                  "inferred. {}".format(e)) from e

    def _call_cached_op(self, *args):
        if self._cached_op is None:
            self._build_cache(*args)
        flat, fmt = flatten(args, "input")
        if fmt != self._in_format:
            raise MXNetValueError("Invalid input format: the block was hybridized for inputs "
                                  "structured as %s, got %s" % (self._in_format, fmt))
        real = [a for a in flat if a is not None]
        try:
            cargs = [real[i] if is_arg else i.data() for is_arg, i in self._cached_op_args]
        except DeferredInitializationError:
            self._deferred_infer_shape(*args)
            cargs = []
            for is_arg, i in self._cached_op_args:
                if is_arg:
                    cargs.append(real[i])
                else:
                    i._finish_deferred_init()
                    cargs.append(i.data())
        out = self._cached_op(*cargs)
        if isinstance(out, NDArray):
            out = [out]
        return regroup(out, self._out_format)

    def infer_shape(self, *args):
        """Infer (and set) the shapes of all parameters from the input shapes."""
        self._infer_attrs("infer_shape", "shape", *args)

    def infer_type(self, *args):
        """Infer (and set) the dtypes of all parameters from the input dtypes."""
        self._infer_attrs("infer_type", "dtype", *args)

    def _infer_attrs(self, infer_fn, attr, *args):
        inputs, out = self._get_graph(*args)
        flat = [a for a in flatten(args, "input")[0] if a is not None]
        known = {i.name: getattr(j, attr) for i, j in zip(inputs, flat)}
        arg_attrs, _, aux_attrs = getattr(out, infer_fn)(**known)
        if arg_attrs is None:
            raise MXNetValueError("%s could not determine every input of block '%s' from %s"
                                  % (infer_fn, self.name, known))
        sdict = dict(zip(out.list_arguments(), arg_attrs))
        sdict.update(zip(out.list_auxiliary_states(), aux_attrs))
        for p in self.collect_params().values():
            if p.name in sdict:
                setattr(p, attr, sdict[p.name])

    def export(self, path, epoch=0, remove_amp_cast=True):
        """Write `path-symbol.json` and `path-%04d.params` (arg:/aux: keys) like MXNet."""
        if not self._cached_graph:
            raise MXNetError("Please first call block.hybridize() and then run forward with "
                             "this block at least once before calling export.")
        sym = self._cached_graph[1]
        sym_filename = "%s-symbol.json" % path
        sym.save(sym_filename, remove_amp_cast=remove_amp_cast)
        arg_names = set(sym.list_arguments())
        aux_names = set(sym.list_auxiliary_states())
        arg_dict = {}
        for name, param in self.collect_params().items():
            if name in arg_names:
                arg_dict["arg:%s" % name] = param._reduce()
            elif name in aux_names:
                arg_dict["aux:%s" % name] = param._reduce()
        params_filename = "%s-%04d.params" % (path, epoch)
        _nd_module.save(params_filename, arg_dict)
        return sym_filename, params_filename

    def debug_str(self):
        """The compiled graphs (steps, fused groups, kernels, memory plan) of every input
        signature this hybridized block has run with (a framework extension)."""
        if self._cached_op is None:
            raise MXNetError("debug_str: block '%s' has no compiled graph yet; call "
                             "hybridize() and run it once" % self.name)
        return self._cached_op.debug_str()

    def register_op_hook(self, callback, monitor_all=False):
        """Call `callback(name, array)` with every op output of the compiled graph."""
        self._callback = callback
        self._monitor_all = monitor_all
        for cld in self._children.values():
            if isinstance(cld, HybridBlock):
                cld.register_op_hook(callback, monitor_all)
        if self._cached_op is not None:
            self._cached_op.set_monitor_callback(callback, monitor_all)

    def optimize_for(self, x, *args, backend=None, clear=True, **kwargs):
        """Hybridize and build the compiled graph for these inputs (no partition backends)."""
        if backend is not None:
            raise MXNetError("optimize_for: subgraph backend %r is not available (the compiler "
                             "pipeline fuses and plans every graph itself)" % backend)
        self.hybridize(True, **{k: v for k, v in kwargs.items()
                                if k in ("static_alloc", "static_shape")})
        return self(x, *args)

    # --- running ------------------------------------------------------------------------
    def forward(self, x, *args):
        """Run imperatively (F=mx.nd), through the compiled graph when hybridized, or build
        a Symbol when called with Symbols."""
        has_symbol, has_ndarray, ctx_set, ctx = _gather_type_ctx_info([x] + list(args))
        if has_symbol and has_ndarray:
            raise MXNetValueError("In HybridBlock, we do not support mixed NDArrays and Symbols "
                                  "types for the input. Please check the type of the args.\n")
        if not has_symbol and not has_ndarray:
            raise MXNetValueError("In HybridBlock, there must be one NDArray or one Symbol in "
                                  "the input. Please check the type of the args.\n")
        if has_ndarray:
            if self._active:
                if len(ctx_set) > 1:
                    raise MXNetValueError(
                        "Find multiple contexts in the input, After hybridized, the HybridBlock "
                        "only supports one input context. You can print the ele.ctx in the "
                        "input arguments to inspect their contexts. Find all contexts = {}"
                        .format(ctx_set))
                with ctx:
                    try:
                        return self._call_cached_op(x, *args)
                    except MXNetError as e:
                        _name_block_in_error(self, e)
                        raise
            with ctx:
                try:
                    try:
                        params = {k: v.data(ctx) for k, v in self._reg_params.items()}
                    except DeferredInitializationError:
                        self._deferred_infer_shape(x, *args)
                        for _, v in self.params.items():
                            v._finish_deferred_init()
                        params = {k: v.data(ctx) for k, v in self._reg_params.items()}
                    return self.hybrid_forward(_nd_module, x, *args, **params)
                except MXNetError as e:
                    _name_block_in_error(self, e)
                    raise
        params = {i: j.var() for i, j in self._reg_params.items()}
        with self.name_scope():
            return self.hybrid_forward(_sym_module, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """Override to define the computation with F (mx.nd or mx.sym)."""
        raise MXNetError("%s.hybrid_forward is not defined: a HybridBlock subclass must "
                         "implement hybrid_forward(self, F, x, ...)" % type(self).__name__)


from .symbol_block import SymbolBlock  # noqa: E402,F401  (MXNet's path: gluon.block.SymbolBlock)
