"""eliminate_common_expr (MXNet's CSE pass): Graph -> Graph in which op nodes with the same op,
the same attributes and the same inputs are one node.

Nodes are visited in topological order; a node whose inputs were redirected is copied (the
input graph is never mutated).  Never merged: variables, random ops (`op.random`: Dropout,
samplers ...), ops that mutate aux states (`op.mutates_aux`), and nodes with hidden
attributes that differ (`__lr_mult__` ...: the key covers all attributes).  Shape and dtype
results are carried over to the surviving entries; graph outputs are redirected, so two outputs
may end up the same entry (lower copies where the executor needs distinct arrays).
"""
from ..ir.graph import Entry, Graph, Node
from .gradient import mark_backward


def _mergeable(node):
    return not node.is_variable and not node.op.random and not node.op.mutates_aux


def _attr_key(node):
    parsed = node.parsed()
    hidden = tuple(sorted((k, str(v)) for k, v in node.attrs.items() if k not in parsed))
    return parsed.key(), hidden


def eliminate_common_expr(graph):
    """Return a new Graph with common subexpressions merged."""
    replace = {}                     # id(old node) -> new node
    seen = {}                        # key -> node
    for node in graph.nodes:
        if node.is_variable:
            continue
        inputs = [Entry(replace.get(id(e.node), e.node), e.index, e.version) for e in node.inputs]
        changed = any(a.node is not b.node for a, b in zip(inputs, node.inputs))
        if _mergeable(node):
            key = (node.op.name, _attr_key(node),
                   tuple((id(e.node), e.index, e.version) for e in inputs))
            hit = seen.get(key)
            if hit is not None:
                replace[id(node)] = hit
                continue
        if changed:
            new = Node(node.op, node.name, node.attrs, inputs)
            new.version = node.version
            new._parsed = node._parsed
            replace[id(node)] = new
        if _mergeable(node):
            seen[key] = replace.get(id(node), node)
    outputs = [Entry(replace.get(id(e.node), e.node), e.index, e.version) for e in graph.outputs]
    out = Graph(outputs, dict(graph.attrs))
    _remap_results(graph, out, replace)
    if "num_forward_outputs" in out.attrs:
        mark_backward(out)
    return out


def _remap_results(before, after, replace):
    """Carry per-entry results (shape, dtype) over to the surviving nodes of `after`."""
    present = {id(n): n for n in after.nodes}
    for name in ("shape", "dtype"):
        values = before.attrs.get(name)
        if values is None:
            continue
        new = {}
        for node in before.nodes:
            target = replace.get(id(node), node)
            if id(target) not in present:
                continue
            for i in range(node.num_outputs()):
                key = (id(node), i)
                if key in values:
                    new.setdefault((id(target), i), values[key])
        after.attrs[name] = new
