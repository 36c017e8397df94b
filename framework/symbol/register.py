"""Generate mx.sym.<Op> functions from the operator registry (MXNet's symbol signatures).

As for mx.nd: positional arguments fill the op's inputs, then its attributes in declaration
order; variadic ops take `*data` and set their count attribute.  Keyword arguments that are
Symbols are inputs, the others attributes; `attr=` and the current AttrScope add attributes
(`ctx_group` -> `__ctx_group__`); `name=` or the current NameManager with the lowercased
function name as hint (`fullyconnected0`, `_plus0` for `_Plus`) names the node; inputs not
given become variables `<name>_<input>` carrying the node's attributes.
"""
import types

import numpy as np

from compiler.ir import compose as _compose
from ..base import MXNetError, MXNetTypeError, _Null
from .. import attribute as _attribute
from .. import name as _name
from ..op_functions import finish, populate as populate_namespaces


def _format(key, value):
    """The string MXNet's frontend stores: str(value); dtype attributes by NumPy name."""
    if key == "dtype":
        dt = np.dtype(value)
        return dt.names[0] if dt.names else dt.name
    return value if isinstance(value, str) else str(value)


def _attr_strings(op, attrs):
    out = {}
    for key, value in attrs.items():
        if value is None:
            spec = op.attrs.get(key)
            if spec is None or not spec.kind.endswith("_or_none"):
                continue
        out[_compose.creation_key(key, value)] = _format(key, value)
    return out


def _is_symbol(x):
    from .symbol import Symbol
    return isinstance(x, Symbol)


def _single(op, what, sym):
    if len(sym._outputs) != 1:
        raise MXNetError("%s: %s is a group of %d outputs; a single output is required"
                         % (op.name, what, len(sym._outputs)))
    return sym._outputs[0]


def create(op, hint, args, sym_kwargs, attrs, name=None):
    """A new Symbol for one call of `op`: node, inputs, automatic names and variables."""
    from .symbol import Symbol
    node = _compose.make_op_node(op, _name.current().get(name, hint), _attr_strings(op, attrs))
    inputs = [_single(op, "input %d" % i, s) for i, s in enumerate(args)]
    kw = {k: _single(op, "input '%s'" % k, s) for k, s in sym_kwargs.items()}
    _compose.compose_atomic(node, inputs, kw)
    n_vis = node.num_visible_outputs()
    from compiler.ir.graph import Entry
    return Symbol([Entry(node, i, 0) for i in range(n_vis)])


def _split(op, fname, args, kwargs):
    """(positional symbols, keyword symbols, attribute values) of one call."""
    sym_args, sym_kwargs, attrs = [], {}, {}
    if op.variadic:
        for i, x in enumerate(args):
            if not _is_symbol(x):
                raise MXNetTypeError("%s: positional arguments must be Symbol instances, but got "
                                     "%r (argument %d)" % (fname, x, i))
            sym_args.append(x)
    else:
        slots = list(op.arguments) + [k for k in op.attrs]
        if len(args) > len(slots):
            raise MXNetTypeError("%s() takes at most %d positional arguments (%s) but %d were given"
                                 % (fname, len(slots), ", ".join(slots), len(args)))
        for slot, x in zip(slots, args):
            if slot in kwargs:
                raise MXNetTypeError("%s() got multiple values for argument '%s'" % (fname, slot))
            if slot in op.arguments:
                if x is None:
                    continue
                if not _is_symbol(x):
                    raise MXNetTypeError("%s: argument %s must be a Symbol, but got %r"
                                         % (fname, slot, x))
                sym_kwargs[slot] = x
            elif x is not _Null:
                attrs[slot] = x
    for key, value in kwargs.items():
        if value is _Null:
            continue
        if _is_symbol(value):
            sym_kwargs[key] = value
        elif key in op.arguments and not op.variadic:
            if value is not None:
                raise MXNetTypeError("%s: argument %s must be a Symbol, but got %r"
                                     % (fname, key, value))
        else:
            attrs[key] = value
    if op.variadic:
        if sym_args and sym_kwargs:
            raise MXNetTypeError("Operators with variable length input can only accept input "
                                 "Symbols either as positional or keyword arguments, not both")
        if op.variadic not in attrs:
            attrs[op.variadic] = len(sym_args) + len(sym_kwargs)
    return sym_args, sym_kwargs, attrs


def make_function(op, fname):
    """The mx.sym function for `op` under the name `fname` (name hint: fname.lower())."""
    hint = fname.lower()

    def function(*args, **kwargs):
        name = kwargs.pop("name", None)
        attr = kwargs.pop("attr", None)
        kwargs.pop("out", None)
        kwargs.update(_attribute.current().get(attr))
        sym_args, sym_kwargs, attrs = _split(op, fname, args, kwargs)
        return create(op, hint, sym_args, sym_kwargs, attrs, name)

    return finish(function, op, fname, keyword_only=("name", "attr", "out"), var_keyword=True,
                  module="framework.symbol", suffix=" (symbolic)")


def populate(namespace, internal, submodules):
    """Fill mx.sym (`namespace`), `_internal`, the prefixed submodules and `op_namespace`."""
    populate_namespaces(make_function, op_namespace, namespace, internal, submodules)


# Every op under its registered name, `_`-prefixed ones included: the graph-building `F`
# that gradient declarations receive in the compiler (mx.sym.op, mirroring mx.nd.op).
op_namespace = types.SimpleNamespace()
