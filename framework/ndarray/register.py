"""Generate mx.nd.<Op> functions from the operator registry (MXNet's signatures).

Positional arguments fill the op's inputs in order, then its attributes in declaration
order (so `mx.nd.sum(x, 1)` is axis=1 and `mx.nd.clip(x, 0, 1)` sets a_min, a_max, as in
MXNet).  Variadic ops take `*data` and set their count attribute themselves.
"""
import types

from ..base import MXNetError, MXNetTypeError, _Null
from ..op_functions import finish, populate as populate_namespaces
from .dispatch import invoke, parse_cached


def _split_args(op, args, kwargs):
    from .ndarray import NDArray
    inputs = {}
    attrs = {}
    if op.variadic:
        data = list(args)
        if "data" in kwargs:
            extra = kwargs.pop("data")
            data += list(extra) if isinstance(extra, (list, tuple)) else [extra]
        if not data:
            raise MXNetError("%s: at least one input array is required" % op.name)
        for i, x in enumerate(data):
            if not isinstance(x, NDArray):
                raise MXNetError("%s: input %d must be an NDArray, got %s" % (op.name, i, type(x).__name__))
        kwargs.pop(op.variadic, None)
        attrs[op.variadic] = len(data)
        for k, v in kwargs.items():
            if v is not _Null and v is not None:
                attrs[k] = v
        return data, attrs
    names = list(op.arguments)
    slots = names + list(op.attrs)
    if len(args) > len(slots):
        raise MXNetError("%s: too many positional arguments (%d); the signature is (%s)"
                         % (op.name, len(args), ", ".join(slots)))
    for slot, x in zip(slots, args):
        if slot in names:
            if x is None:
                continue
            if not isinstance(x, NDArray):
                raise MXNetError("%s: input '%s' must be an NDArray, got %s"
                                 % (op.name, slot, type(x).__name__))
            inputs[slot] = x
        else:
            attrs[slot] = x
    for k, v in kwargs.items():
        if v is _Null:
            continue
        if k in inputs or k in attrs:          # Python's rule, as MXNet's generated functions
            raise MXNetTypeError("%s() got multiple values for argument '%s' (given by "
                                 "position and by keyword)" % (op.name, k))
        if k in names:
            if v is not None:
                if not isinstance(v, NDArray):
                    raise MXNetError("%s: input '%s' must be an NDArray, got %s"
                                     % (op.name, k, type(v).__name__))
                inputs[k] = v
        elif v is None and k in op.attrs and not op.attrs[k].kind.endswith("_or_none"):
            continue
        else:
            attrs[k] = v
    return inputs, attrs


def make_function(op, fname):
    """The mx.nd function for `op` under the name `fname`."""

    def function(*args, out=None, name=None, ctx=None, **kwargs):
        inputs, attrs = _split_args(op, args, kwargs)
        if isinstance(inputs, dict):
            parsed = parse_cached(op, attrs)
            wanted = op.input_names(parsed)
            missing = [n for n in wanted if n not in inputs]
            if missing and len(inputs) == len(wanted) and all(n in op.arguments for n in inputs):
                # MXNet hands the op its NDArray arguments in signature order whatever their
                # names: RNN(x, w, h, seq_len, mode='gru', use_sequence_length=True)
                given = [n for n in op.arguments if n in inputs]
                inputs = {w: inputs[n] for w, n in zip(wanted, given)}
                missing = []
            if missing:
                raise MXNetError("%s: missing input%s %s" % (op.name, "s" if len(missing) > 1 else "",
                                                           ", ".join("'%s'" % m for m in missing)))
            extra = [n for n in inputs if n not in wanted]
            if extra:
                raise MXNetError("%s: unexpected input%s %s with these attributes"
                                 % (op.name, "s" if len(extra) > 1 else "", ", ".join(extra)))
            inputs = [inputs[n] for n in wanted]
        if ctx is not None:
            from ..context import Context
            if not isinstance(ctx, Context):
                raise MXNetError("%s: ctx must be a Context such as mx.cpu(), got %r" % (op.name, ctx))
        return invoke(op, inputs, attrs, out=out, ctx=ctx)

    return finish(function, op, fname, keyword_only=("out", "name"))


def populate(namespace, internal, submodules):
    """Fill the mx.nd module (`namespace`), `_internal` and prefixed submodules."""
    populate_namespaces(make_function, op_namespace, namespace, internal, submodules)


# Every op under its registered name, `_`-prefixed ones included: the `F` that gradient
# declarations receive in imperative mode.
op_namespace = types.SimpleNamespace()
