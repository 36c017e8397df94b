"""Dtype inference: Graph -> Graph with graph.attrs["dtype"] = {entry key: dtype name or None}.

Known dtypes come from the caller (`dtypes`, by variable name: names or NumPy dtypes) and the
variables' `__dtype__` attributes (MXNet's type flags: "0" float32, "1" float64, "2" float16,
...); forward and backward sweeps run to a fixed point with each op's `infer_type`; ops with
the default rule (every input and output shares one dtype) carry output dtypes back to their
inputs.  Unknown dtypes stay None; a conflict raises MXNetError naming node, input, dtypes.
"""
import numpy as np

from ..errors import MXNetError
from ..ops.registry import Op
from ._infer import Sweep, entry_keys, match_names

# mshadow type flags, as MXNet writes them in `__dtype__`
TYPE_FLAGS = {0: "float32", 1: "float64", 2: "float16", 3: "uint8", 4: "int32", 5: "int8",
              6: "int64", 7: "bool", 12: "bfloat16"}
FLAG_OF = {v: k for k, v in TYPE_FLAGS.items()}


def dtype_of(value, where):
    """A dtype name from a name, NumPy dtype/type, or an MXNet type flag ("0", 0)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value not in TYPE_FLAGS:
            raise MXNetError("%s: unknown MXNet type flag %d" % (where, value))
        return TYPE_FLAGS[value]
    try:
        name = np.dtype(value).name
    except TypeError:
        raise MXNetError("%s: %r is not a dtype" % (where, value)) from None
    if name not in FLAG_OF:
        raise MXNetError("%s: dtype %s is not supported (%s)"
                         % (where, name, ", ".join(sorted(FLAG_OF))))
    return name


def same_dtype(op):
    """Whether `op` uses the default rule: every input and output shares one dtype."""
    return type(op).infer_type is Op.infer_type


def _infer(op, attrs, in_types):
    return op.infer_type(attrs, in_types)


def infer_type(graph, dtypes=None):
    """Return a copy of `graph` whose attrs["dtype"] maps every entry key to its dtype name."""
    given = dict(dtypes or {})
    variables = match_names(graph, given, "type")
    values = {key: None for key in entry_keys(graph)}
    for var in variables:
        if var.name in given and given[var.name] is not None:
            values[(id(var), 0)] = dtype_of(given[var.name], "infer_type: argument '%s'" % var.name)
        elif "__dtype__" in var.attrs:
            values[(id(var), 0)] = dtype_of(var.attrs["__dtype__"],
                                            "variable '%s' __dtype__" % var.name)
    sweep = Sweep(graph, "dtype", values, _infer, same_dtype)
    unknown = sweep.run()
    out = graph.copy()
    out.attrs["dtype"] = values
    out.attrs["dtype_num_unknown"] = unknown
    return out
