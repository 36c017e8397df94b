"""mx.sym.Symbol: a list of output entries of the compiler's graph IR (compiler.ir).

Nodes are shared between symbols like NNVM's; composing by call copies the graph first.
Listing, naming, attributes, JSON and debug_str follow MXNet 1.9.1 exactly; inference runs
the compiler's infer_shape / infer_type passes; bind, simple_bind and eval build an
Executor (framework/executor.py) that runs the compiled graph.
"""
import warnings

import numpy as np

from compiler.ir import compose as _compose
from compiler.ir import json_io
from compiler.ir.graph import Entry, Graph, dfs_post_order
from compiler.passes.infer_shape import infer_shape as _infer_shape
from compiler.passes.infer_type import infer_type as _infer_type
from ..base import MXNetError, NotImplementedForSymbol

class Symbol:
    """A symbolic graph: one or more outputs (entries) of nodes of the compiler IR."""

    __slots__ = ("_outputs",)
    __array_priority__ = 1000.0

    def __init__(self, outputs):
        self._outputs = list(outputs)

    # --- graph views ------------------------------------------------------------------
    def _graph(self):
        return Graph(self._outputs)

    def _nodes(self):
        return dfs_post_order(self._outputs)

    @property
    def name(self):
        """The node name, or None for a group of outputs of different nodes."""
        node = self._outputs[0].node
        return node.name if all(e.node is node for e in self._outputs) else None

    def __repr__(self):
        name = self.name
        if name is None:
            return "<%s group [%s]>" % (type(self).__name__, ", ".join(i.name for i in self))
        return "<%s %s>" % (type(self).__name__, name)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __len__(self):
        return len(self._outputs)

    def __getitem__(self, index):
        output_count = len(self)
        if isinstance(index, slice):
            start = 0 if index.start is None else index.start
            stop = output_count if index.stop is None else index.stop
            step = 1 if index.step is None else index.step
            return Group([self[i] for i in range(start, stop, step)])
        if isinstance(index, str):
            idx = None
            for i, name in enumerate(self.list_outputs()):
                if name == index:
                    if idx is not None:
                        raise ValueError('There are multiple outputs with name "%s"' % index)
                    idx = i
            if idx is None:
                raise ValueError('Cannot find output that matches name "%s"' % index)
            index = idx
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError("Symbol only support integer index to fetch i-th output")
        if index < 0 or index >= output_count:
            raise IndexError("output index %d out of range for %d outputs" % (index, output_count))
        return Symbol([self._outputs[int(index)]])

    def list_arguments(self):
        """Names of the arguments (variables not mutated as aux states), in graph order."""
        return [n.name for n in self._graph().arguments()]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (variables that ops mutate: BatchNorm's statistics)."""
        return [n.name for n in self._graph().aux_variables()]

    def list_inputs(self):
        """Names of all variables, arguments and aux states, in graph order."""
        return [n.name for n in self._graph().variables()]

    def list_outputs(self):
        """`<node>_<output name>` for each output; variables by their name."""
        names = []
        for e in self._outputs:
            node = e.node
            if node.is_variable:
                names.append(node.name)
                continue
            oname = node.op.output_names(node.parsed())[e.index]
            names.append("%s_%s" % (node.name, oname) if node.name else oname)
        return names

    def get_internals(self):
        """A group of every node's visible outputs (variables with their current version)."""
        outs = []
        for node in self._nodes():
            if node.is_variable:
                outs.append(Entry(node, 0, node.version))
            else:
                outs.extend(Entry(node, i, 0) for i in range(node.num_visible_outputs()))
        return Symbol(outs)

    def get_children(self):
        """A group of the inputs of the output nodes; None when they have none."""
        outs, seen = [], set()
        for e in self._outputs:
            if id(e.node) in seen:
                continue
            seen.add(id(e.node))
            outs.extend(e.node.inputs)
        return Symbol(outs) if outs else None

    # --- attributes -------------------------------------------------------------------
    def attr(self, key):
        """The attribute `key` of a single-node symbol (`lr_mult` finds `__lr_mult__`)."""
        node = self._outputs[0].node
        if any(e.node is not node for e in self._outputs):
            return None
        if key == "name":
            return node.name
        if key in node.attrs:
            return node.attrs[key]
        if key in _compose.HIDDEN_KEYS:
            return node.attrs.get("__%s__" % key)
        return None

    def list_attr(self, recursive=False):
        """The attributes of the (first) output node; hidden keys also without underscores."""
        if recursive:
            raise DeprecationWarning("Symbol.list_attr with recursive=True has been deprecated. "
                                     "Please use attr_dict instead.")
        return _with_plain_keys(self._outputs[0].node.attrs)

    def attr_dict(self):
        """{node name: attributes} for every node with attributes."""
        ret = {}
        for node in self._nodes():
            if node.attrs:
                ret.setdefault(node.name, {}).update(_with_plain_keys(node.attrs))
        return ret

    def _set_attr(self, **kwargs):
        """Set string attributes of a single-node symbol (`name` renames the node)."""
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise ValueError("Set Attr only accepts string values")
            node = self._outputs[0].node
            if any(e.node is not node for e in self._outputs):
                raise MXNetError("Symbol.SetAttrs only works for non-grouped symbol")
            key = _compose.set_attr_key(key, value)
            if key == "name":
                node.name = value
                continue
            old = node.attrs.get(key)
            node.attrs[key] = value
            node._parsed = None
            if not node.is_variable:
                try:
                    node.parsed()
                except MXNetError:
                    if old is None:
                        del node.attrs[key]
                    else:
                        node.attrs[key] = old
                    node._parsed = None
                    raise

    # --- serialization ----------------------------------------------------------------
    def tojson(self, remove_amp_cast=True):
        """The symbol as MXNet 1.9.1 JSON text (byte-identical to MXNet's)."""
        return json_io.save_json(self._graph())

    def save(self, fname, remove_amp_cast=True):
        """Write `tojson()` to the file `fname`."""
        if not isinstance(fname, str):
            raise TypeError("fname need to be string")
        from ..fileio import atomic_write
        atomic_write(fname, self.tojson().encode("utf-8"), "symbol file")

    def __getstate__(self):
        return {"handle": self.tojson()}

    def __setstate__(self, state):
        self._outputs = list(json_io.load_json(state["handle"]).outputs)

    def __copy__(self):
        return self.__deepcopy__(None)

    def __deepcopy__(self, _):
        return Symbol(_compose.copy_graph(self._outputs))

    def debug_str(self):
        """NNVM's Symbol::Print text: outputs, variables and each op with inputs and attrs."""
        outs = self._outputs
        if len(outs) == 1 and not outs[0].node.inputs:
            node = outs[0].node
            if node.is_variable:
                return "Variable:%s\n" % node.name
            return "AtomicFunctor  Op:%s\n" % node.op.name
        lines = ["Symbol Outputs:\n"]
        lines += ["\toutput[%d]=%s(%d)\n" % (i, e.node.name, e.index) for i, e in enumerate(outs)]
        for node in self._nodes():
            if node.is_variable:
                lines.append("Variable:%s\n" % node.name)
                continue
            lines.append("--------------------\n")
            lines.append("Op:%s, Name=%s\nInputs:\n" % (node.op.name, node.name))
            for i, e in enumerate(node.inputs):
                ver = " version=%d\n" % e.version if e.node.is_variable else "\n"
                lines.append("\targ[%d]=%s(%d)%s" % (i, e.node.name, e.index, ver))
            if node.attrs:
                lines.append("Attrs:\n")
                lines += ["\t%s=%s\n" % (k, node.attrs[k]) for k in sorted(node.attrs)]
        return "".join(lines)

    # --- composition ------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """A copy of this symbol composed with `args`/`kwargs` (variable name=symbol)."""
        s = self.__copy__()
        s._compose(*args, **kwargs)
        return s

    def _compose(self, *args, **kwargs):
        name = kwargs.pop("name", None)
        if args and kwargs:
            raise TypeError("compose only accept input Symbols either as positional or keyword "
                            "arguments, not both")
        for arg in list(args) + list(kwargs.values()):
            if not isinstance(arg, Symbol):
                raise TypeError("Compose expect `Symbol` as arguments")
        for i, arg in enumerate(args):
            if len(arg._outputs) != 1:
                raise MXNetError("Argument %d is a tuple, single value is required" % i)
        for key, arg in kwargs.items():
            if len(arg._outputs) != 1:
                raise MXNetError("Keyword Argument %s is a tuple, single value is required" % key)
        _compose.compose(self._outputs, [a._outputs[0] for a in args],
                         {k: v._outputs[0] for k, v in kwargs.items()}, name)

    # --- inference --------------------------------------------------------------------
    def _known(self, args, kwargs, convert, what):
        if args and kwargs:
            raise ValueError("Can only specify known argument %s either by positional or "
                             "kwargs way." % what)
        if not args:
            return {k: convert(k, v) for k, v in kwargs.items()}
        names = self.list_arguments()
        if len(args) > len(names):
            raise MXNetError("infer_%s: %d positional values for %d arguments (%s)"
                             % (what[:-1] if what.endswith("s") else what, len(args), len(names),
                                ", ".join(names)))
        return {n: convert(n, v) for n, v in zip(names, args) if v is not None}

    def _shape_result(self, graph, partial):
        shapes = graph.attrs["shape"]
        if not partial and graph.attrs["shape_num_unknown"]:
            unknowns = ["%s: %s" % (n.name, "()") for n in graph.arguments()
                        if shapes[(id(n), 0)] is None][:11]
            warnings.warn("Cannot decide shape for the following arguments (0s in shape means "
                          "unknown dimensions). Consider providing them as input:\n\t"
                          + "\n\t".join(unknowns), stacklevel=3)
            return (None, None, None)

        def get(key):
            s = shapes[key]
            return () if s is None else tuple(s)
        return ([get((id(n), 0)) for n in graph.arguments()], [get(e.key()) for e in graph.outputs],
                [get((id(n), 0)) for n in graph.aux_variables()])

    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) from known argument shapes; (None, None, None)
        when they are not enough; MXNetError naming the node on a conflict."""
        return self._infer_shape_impl(False, *args, **kwargs)

    def infer_shape_partial(self, *args, **kwargs):
        """Like infer_shape, but unknown shapes come back as ()."""
        return self._infer_shape_impl(True, *args, **kwargs)

    def _infer_shape_impl(self, partial, *args, **kwargs):
        def convert(name, v):
            if not isinstance(v, tuple):
                raise TypeError("Arguments need to be shapes (tuple), but '%s' is %s."
                                % (name, type(v)))
            return v
        known = self._known(args, kwargs, convert, "shapes")
        graph = _infer_shape(self._graph(), known)
        return self._shape_result(graph, partial)

    def infer_type(self, *args, **kwargs):
        """(arg_types, out_types, aux_types) as NumPy types; (None, None, None) if unknown."""
        return self._infer_type_impl(False, *args, **kwargs)

    def infer_type_partial(self, *args, **kwargs):
        """Like infer_type, but unknown types come back as None."""
        return self._infer_type_impl(True, *args, **kwargs)

    def _infer_type_impl(self, partial, *args, **kwargs):
        known = self._known(args, kwargs, lambda n, v: np.dtype(v).name, "types")
        graph = _infer_type(self._graph(), known)
        dtypes = graph.attrs["dtype"]
        if not partial and graph.attrs["dtype_num_unknown"]:
            unknowns = ["%s: None" % n.name for n in graph.arguments()
                        if dtypes[(id(n), 0)] is None][:11]
            warnings.warn("Cannot decide type for the following arguments. Consider providing "
                          "them as input:\n\t" + "\n\t".join(unknowns), stacklevel=3)
            return (None, None, None)

        def get(key):
            t = dtypes[key]
            return None if t is None else np.dtype(t).type
        return ([get((id(n), 0)) for n in graph.arguments()], [get(e.key()) for e in graph.outputs],
                [get((id(n), 0)) for n in graph.aux_variables()])

    # --- evaluation -------------------------------------------------------------------
    def eval(self, ctx=None, **kwargs):
        """Evaluate with NDArray arguments (aux states may be given too); returns the list of
        output NDArrays.  Binds an executor (grad_req 'null') and runs forward (inference)."""
        from ..context import current_context
        from ..ndarray.ndarray import NDArray
        ctx = ctx or current_context()
        for k, v in kwargs.items():
            if not isinstance(v, NDArray):
                raise TypeError("eval: argument '%s' must be an NDArray, got %s"
                                % (k, type(v).__name__))
        aux_names = set(self.list_auxiliary_states())
        args = {k: v for k, v in kwargs.items() if k not in aux_names}
        aux = {k: v for k, v in kwargs.items() if k in aux_names}
        exe = self.bind(ctx, args, grad_req="null", aux_states=aux)
        return exe.forward(is_train=False)

    def bind(self, ctx, args, args_grad=None, grad_req="write", aux_states=None, group2ctx=None,
             shared_exec=None):
        """An Executor using the given arrays (list in list_arguments order, or dict)."""
        from .. import executor
        return executor.bind(self, ctx, args, args_grad, grad_req, aux_states, group2ctx,
                             shared_exec)

    def simple_bind(self, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                    shared_arg_names=None, shared_exec=None, shared_buffer=None, **kwargs):
        """An Executor with new zero arrays whose shapes are inferred from `kwargs`."""
        from .. import executor
        return executor.simple_bind(self, ctx, grad_req, type_dict, stype_dict, group2ctx,
                                    shared_arg_names, shared_exec, shared_buffer, **kwargs)

    def gradient(self, wrt):
        raise MXNetError("Symbol.gradient: not implemented (as in MXNet 1.9.1)")

    # --- NDArray-only operations --------------------------------------------------------
    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, "bool")

    __nonzero__ = __bool__

    def __iadd__(self, other):
        raise NotImplementedForSymbol(self.__iadd__, "+=", other, 1)

    def __isub__(self, other):
        raise NotImplementedForSymbol(self.__isub__, "-=", other)

    def __imul__(self, other):
        raise NotImplementedForSymbol(self.__imul__, "*=", other)

    def __idiv__(self, other):
        raise NotImplementedForSymbol(self.__idiv__, "/=", other)

    def __itruediv__(self, other):
        raise NotImplementedForSymbol(self.__itruediv__, "/=", other)

    __hash__ = None


def _with_plain_keys(attrs):
    """MXNet lists each hidden `__lr_mult__` also as `lr_mult`."""
    out = {}
    for key, value in attrs.items():
        out[key] = value
        if key in _compose.REPLACED_HIDDEN_KEYS:
            out[key[2:-2]] = value
    return out


def Group(symbols):
    """A symbol whose outputs are the outputs of `symbols`, in order."""
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a list of symbols as input")
    outs = []
    for s in symbols:
        outs.extend(s._outputs)
    return Symbol(outs)


def load_json(json_str):
    """A Symbol from MXNet JSON text (older formats upgraded as MXNet does)."""
    if not isinstance(json_str, str):
        raise TypeError("json_str needs to be string")
    return Symbol(json_io.load_json(json_str).outputs)


def load(fname):
    """A Symbol from an MXNet JSON file (`Symbol.save`, `*-symbol.json`)."""
    if not isinstance(fname, str):
        raise TypeError("fname need to be string")
    try:
        with open(fname, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise MXNetError("cannot open symbol file '%s': %s" % (fname, err)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MXNetError("symbol file '%s' is not a symbol JSON file (not UTF-8 text; a "
                         ".params file?)" % fname) from None
    try:
        return load_json(text)
    except MXNetError as err:
        err.args = ("symbol file '%s': %s" % (fname, err.args[0] if err.args else ""),) \
            + tuple(err.args[1:])
        raise

