"""Helpers of the fusion and memory-planning tests: inference on a Symbol's graph, a minimal
kernel interpreter (every node's cpu kernel, fused ones included, into fresh arrays), and a
checker that a memory plan never lets two live values share a slot."""
import numpy as np

from compiler.ir.graph import Graph
from compiler.ops.registry import OpContext
from compiler.passes import infer_shape, infer_type


def prep(sym, shapes, dtype="float32"):
    """The symbol's graph with shapes and dtypes inferred (`dtype`: one name or a dict)."""
    g = infer_shape(Graph(sym._outputs), shapes)
    dtypes = dtype if isinstance(dtype, dict) else {k: dtype for k in shapes}
    return infer_type(g, dtypes)


def ops(graph):
    return [n.op.name for n in graph.nodes if not n.is_variable]


def fused_nodes(graph):
    return [n for n in graph.nodes if n.op is not None and n.op.name == "_FusedElementwise"]


def run_kernels(graph, arrays, is_train=False):
    """Evaluate `graph` with every node's cpu kernel (outputs preallocated from the inferred
    shapes/dtypes); returns the output arrays."""
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    octx = OpContext(is_train=is_train, rng=np.random.default_rng(0))
    values = {}
    for node in graph.nodes:
        if node.is_variable:
            values[(id(node), 0)] = np.ascontiguousarray(arrays[node.name])
            continue
        ins = [values[e.key()] for e in node.inputs]
        outs = [np.empty(shapes[(id(node), i)], dtypes[(id(node), i)])
                for i in range(node.num_outputs())]
        node.op.kernel("cpu")(node.parsed(), ins, outs, octx)
        for i, out in enumerate(outs):
            values[(id(node), i)] = out
    return [values[e.key()] for e in graph.outputs]


def live_ranges(graph):
    """entry key -> (position written, last position read) in execution order; graph outputs
    are read at the end."""
    pos = {}
    end = len(graph.nodes)
    for i, node in enumerate(graph.nodes):
        for k in range(node.num_outputs()):
            pos[(id(node), k)] = [i, i]
        for e in node.inputs:
            pos[e.key()][1] = max(pos[e.key()][1], i)
    for e in graph.outputs:
        pos[e.key()][1] = end
    return pos


def check_plan(graph):
    """Assert the memory plan of `graph` is sound: externals are exactly the variables and
    graph outputs, every other entry has a slot big enough, two entries sharing a slot are
    never live at once (an in-place output may start where its input's life ends)."""
    storage, slot_bytes = graph.attrs["storage"], graph.attrs["slot_bytes"]
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    inplace = graph.attrs["inplace"]
    outputs = {e.key() for e in graph.outputs}
    ranges = live_ranges(graph)
    by_slot = {}
    for node in graph.nodes:
        for k in range(node.num_outputs()):
            key = (id(node), k)
            if node.is_variable or key in outputs:
                assert storage[key] == -1, (node.name, k)
                continue
            slot = storage[key]
            assert slot >= 0, (node.name, k)
            nbytes = int(np.prod(shapes[key])) * np.dtype(dtypes[key]).itemsize
            assert slot_bytes[slot] >= nbytes, (node.name, slot)
            by_slot.setdefault(slot, []).append(key)
    for slot, keys in by_slot.items():
        keys.sort(key=lambda k: ranges[k][0])
        for a, b in zip(keys, keys[1:]):
            end_a, start_b = ranges[a][1], ranges[b][0]
            if inplace.get(b) == a:
                assert end_a == start_b, "in-place input %r still read after %r" % (a, b)
            else:
                assert end_a < start_b, \
                    "slot %d: %r (live until %d) overlaps %r (from %d)" % (
                        slot, a, end_a, b, start_b)
    assert graph.attrs["mem_stats"]["arena_bytes"] == sum(slot_bytes)
    assert graph.attrs["mem_stats"]["arena_bytes"] <= graph.attrs["mem_stats"]["naive_bytes"]
