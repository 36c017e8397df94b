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
    node_of = {id(n): n for n in graph.nodes}
    for slot, keys in by_slot.items():
        # values linked by in-place form one group living in the slot; an ordinary in-place
        # output starts exactly where its input's life ends, an identity view (a reshape) may
        # be read alongside its input (same bytes); distinct groups must never overlap
        root = {}
        for k in keys:
            r = k
            while inplace.get(r) in root or inplace.get(r) in keys:
                src = inplace[r]
                if not node_of[r[0]].op.identity_view:
                    assert ranges[src][1] == ranges[r][0], \
                        "in-place input %r still read after %r" % (src, r)
                r = src
            root[k] = r
        groups = {}
        for k in keys:
            lo, hi = groups.get(root[k], (ranges[k][0], ranges[k][1]))
            groups[root[k]] = (min(lo, ranges[k][0]), max(hi, ranges[k][1]))
        spans = sorted(groups.values())
        for (s_a, e_a), (s_b, e_b) in zip(spans, spans[1:]):
            assert e_a < s_b, "slot %d: a value live until %d overlaps one from %d" % (slot, e_a, s_b)
    assert graph.attrs["mem_stats"]["arena_bytes"] == sum(slot_bytes)
    assert graph.attrs["mem_stats"]["arena_bytes"] <= graph.attrs["mem_stats"]["naive_bytes"]
