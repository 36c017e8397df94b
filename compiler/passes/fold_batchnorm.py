"""Fold each BatchNorm into the Convolution that feeds it: Graph -> Graph.

A pair (Convolution -> BatchNorm over the channel axis, the convolution's output used by
nothing else) becomes one `ConvBatchNorm` node (compiler/ops/conv_bn.py) whose CPU kernel
applies inference BatchNorm in the convolution's epilogue: one pass over the activations
instead of two (ResNet-18 inference, batch 8: ~8 ms of BatchNorm passes).  An
Activation(relu) that alone reads the BatchNorm's output (its statistics outputs unused)
joins the node too.  Only graphs
without gradients are folded (training graphs need the convolution's output for backward),
and only for the CPU target; in training mode the node runs the two kernels in turn.

Pure, like fuse.py (whose rebuilding helpers it shares): untouched nodes are shared, nodes
whose inputs change are copied, entry-keyed attributes follow the new nodes, and
graph.attrs["batchnorm_folds"] counts the pairs folded.
"""
from ..ir.graph import Graph, Node
from ..ops.conv_bn import ConvBatchNorm
from .fuse import _emit_node, _map_entry, _remap_attrs


def _consumers(graph):
    count = {}
    for n in graph.nodes:
        for e in n.inputs:
            count[e.key()] = count.get(e.key(), 0) + 1
    for e in graph.outputs:
        count[e.key()] = count.get(e.key(), 0) + 1
    return count


def _relu_after(bn, users, readers):
    """The Activation(relu) node that alone reads bn's output (and nothing reads bn's
    statistics), else None."""
    if users.get((id(bn), 0), 0) != 1 or any(users.get((id(bn), i), 0) for i in (1, 2)):
        return None
    act = readers.get((id(bn), 0))
    if act is None or act.op.name != "Activation" or act.parsed().act_type != "relu":
        return None
    return act


def find_pairs(graph):
    """[(conv node, bn node, relu node or None)] that can be folded."""
    if graph.attrs.get("grad_outputs"):
        return []
    shapes = graph.attrs.get("shape", {})
    users = _consumers(graph)
    readers = {e.key(): n for n in graph.nodes for e in n.inputs}
    pairs = []
    for bn in graph.nodes:
        if bn.is_variable or bn.op.name != "BatchNorm" or not bn.inputs:
            continue
        src = bn.inputs[0]
        conv = src.node
        if conv.is_variable or conv.op.name != "Convolution" or src.index != 0:
            continue
        if users.get(src.key(), 0) != 1 or conv.parsed().layout not in (None, "NCW", "NCHW", "NCDHW"):
            continue
        shape = shapes.get(src.key())
        axis = bn.parsed().axis
        if shape is None or (axis if axis >= 0 else axis + len(shape)) != 1:
            continue
        pairs.append((conv, bn, _relu_after(bn, users, readers)))
    return pairs


def fold_batchnorm(graph):
    """A copy of `graph` with every foldable Convolution -> BatchNorm pair as one node."""
    pairs = find_pairs(graph)
    out = graph.copy()
    out.attrs["batchnorm_folds"] = len(pairs)
    if not pairs:
        return out
    pair_of = {id(bn): (conv, act) for conv, bn, act in pairs}
    folded = {id(n) for conv, _, act in pairs for n in (conv, act) if n is not None}
    entry_map, node_map = {}, {}
    for node in graph.nodes:
        if id(node) in folded:
            continue
        if id(node) not in pair_of:
            _emit_node(node, entry_map, node_map)
            continue
        conv, act = pair_of[id(node)]
        inputs = [_map_entry(e, entry_map) for e in list(conv.inputs) + list(node.inputs[1:])]
        fused = Node(ConvBatchNorm(conv, node, act), node.name, {}, inputs)
        for member in (conv, node, act):
            if member is not None:
                node_map[id(member)] = id(fused)
        for i in range(node.num_outputs()):
            entry_map[(id(node), i)] = (fused, i)
        entry_map[(id(conv), 0)] = None                  # internal: no longer in the graph
        if act is not None:
            entry_map[(id(node), 0)] = None
            entry_map[(id(act), 0)] = (fused, 0)
    outputs = [_map_entry(e, entry_map) for e in graph.outputs]
    return Graph(outputs, _remap_attrs(out.attrs, entry_map, node_map))
