"""Dead-code elimination: Graph -> Graph keeping only the nodes that reach an output.

A Graph's nodes are those reachable from its outputs, so the pass rebuilds the graph from the
outputs and prunes every per-entry result (shape, dtype, storage ...) and per-node list
(head gradient variables no gradient uses any more, backward nodes) to the nodes that remain.
Aux-mutating nodes that reach no output go too: MXNet's executor never runs them either.
"""
from ..ir.graph import Graph
from .gradient import mark_backward

ENTRY_RESULTS = ("shape", "dtype", "storage", "inplace")


def dce(graph):
    """Return a new Graph without the nodes that reach no output."""
    out = Graph(graph.outputs, dict(graph.attrs))
    present = {id(n) for n in out.nodes}
    for name in ENTRY_RESULTS:
        values = out.attrs.get(name)
        if isinstance(values, dict):
            out.attrs[name] = {k: v for k, v in values.items() if k[0] in present}
    if "shape_num_unknown" in out.attrs and "shape" in out.attrs:
        out.attrs["shape_num_unknown"] = sum(v is None for v in out.attrs["shape"].values())
    if "dtype_num_unknown" in out.attrs and "dtype" in out.attrs:
        out.attrs["dtype_num_unknown"] = sum(v is None for v in out.attrs["dtype"].values())
    if "head_grad_vars" in out.attrs:
        names = {n.name for n in out.nodes if n.is_variable}
        out.attrs["head_grad_vars"] = [v for v in out.attrs["head_grad_vars"] if v in names]
    if "num_forward_outputs" in out.attrs:
        mark_backward(out)
    return out
