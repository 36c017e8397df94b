"""The reference interpreter: runs a Graph with every op's NumPy `reference` (the oracle).

    outputs = run(graph, {"data": x, "fc1_weight": w, ...}, is_train=False)

Arguments and aux states are given by variable name.  Shapes and dtypes are inferred first
(every shape problem is an MXNetError naming the node before anything runs), nodes run in
graph order, and each result is checked against the inferred shape and dtype.  Aux-state
arrays are passed to the references as given, so ops that update them (in place) update the
caller's arrays.  Every executor mode, kernel and pass combination is tested against this.
"""
import numpy as np

from .errors import MXNetError
from .ops.registry import OpContext, dtype_name
from .passes.infer_shape import infer_shape
from .passes.infer_type import infer_type


def _check_inputs(graph, arrays):
    variables = graph.variables()
    names = {v.name for v in variables}
    missing = [v.name for v in variables if v.name not in arrays]
    if missing:
        raise MXNetError("reference: missing value%s for %s" % (
            "s" if len(missing) > 1 else "", ", ".join("'%s'" % m for m in missing)))
    extra = sorted(set(arrays) - names)
    if extra:
        raise MXNetError("reference: %s %s not in the graph (inputs: %s)"
                         % (", ".join("'%s'" % e for e in extra),
                            "is" if len(extra) == 1 else "are", ", ".join(sorted(names))))
    out = {}
    for name, value in arrays.items():
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype == np.float64 and not isinstance(value, np.ndarray):
            arr = arr.astype(np.float32)      # Python numbers: MXNet's default dtype
        out[name] = arr
    return out


def infer(graph, arrays):
    """Shape and dtype inference from concrete arrays; MXNetError when anything is unknown."""
    g = infer_shape(graph, {k: a.shape for k, a in arrays.items()})
    g = infer_type(g, {k: dtype_name(a.dtype) for k, a in arrays.items()})
    shapes, dtypes = g.attrs["shape"], g.attrs["dtype"]
    for node in g.nodes:
        for i in range(node.num_outputs()):
            key = (id(node), i)
            if shapes[key] is None or dtypes[key] is None:
                raise MXNetError("reference: cannot infer the %s of output %d of '%s' from the "
                                 "given arrays" % ("shape" if shapes[key] is None else "dtype",
                                                   i, node.name))
    return g


def run(graph, arrays, is_train=False, rng=None, ctx=None, return_all=False):
    """Evaluate `graph`; returns the list of output arrays (and, with `return_all`, the dict
    entry key -> array of every value computed)."""
    arrays = _check_inputs(graph, arrays)
    g = infer(graph, arrays)
    shapes, dtypes = g.attrs["shape"], g.attrs["dtype"]
    octx = OpContext(is_train=is_train, rng=rng if rng is not None else np.random.default_rng(),
                     ctx=ctx)
    values = {}
    for node in g.nodes:
        if node.is_variable:
            values[(id(node), 0)] = arrays[node.name]
            continue
        attrs = node.parsed()
        inputs = [values[e.key()] for e in node.inputs]
        try:
            outs = node.op.reference(attrs, inputs, octx)
        except MXNetError as err:
            raise type(err)("%s '%s': %s" % (node.op.name, node.name, err)) from None
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        if len(outs) != node.num_outputs():
            raise MXNetError("%s '%s': reference returned %d outputs, the op declares %d"
                             % (node.op.name, node.name, len(outs), node.num_outputs()))
        for i, out in enumerate(outs):
            key = (id(node), i)
            out = np.asarray(out)
            if out.shape != shapes[key] or dtype_name(out.dtype) != dtypes[key]:
                raise MXNetError("%s '%s': reference output %d is %s %s but inference says %s %s"
                                 % (node.op.name, node.name, i, out.shape, out.dtype,
                                    shapes[key], dtypes[key]))
            values[key] = out
    results = [values[e.key()] for e in g.outputs]
    return (results, values) if return_all else results
