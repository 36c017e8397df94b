"""Elementwise fusion: Graph -> Graph replacing groups of elementwise nodes by one
`FusedElementwise` node each (compiler/ops/fused.py: one generated kernel per group).

Candidates are op nodes whose op declares a `fusion_spec` (elementwise, broadcast and scalar
ops, activations, add_n, their backward ops) with every output of one known shape, known
dtypes, and inputs that broadcast to that shape.  Groups grow greedily in execution order:
each candidate joins the group of each candidate producer with the same output shape (and
the same forward/backward side, so the executor can still run forward and backward apart),
when the merge is legal.  A merge is legal when the contracted graph stays acyclic, i.e. no
path leaves the two groups and re-enters them; this is checked on a networkx DiGraph of the
groups (a search from the producer group that may not take the direct edge).  Values of a
group used outside it (by other nodes or as graph outputs) become outputs of the fused
kernel; the others never reach memory.  A group of one node stays as it is, unless it
computes in float32 with exp, tanh or sigmoid: the fused kernel then uses the vectorizable
approximations of kernels/codegen/scalar.py (tanh after a convolution: ~40x faster).

What ends a group: a non-elementwise op (reductions, FullyConnected ...), a different output
shape (a broadcast from a smaller shape starts a new group; an input that does not broadcast
to the group's shape never joins), a merge that would create a cycle, the forward/backward
boundary, and MAX_MEMBERS.  Results equal the unfused graph's up to float rounding.

The pass is pure: nodes of the input graph are never modified; nodes whose inputs change are
copied, untouched nodes are shared.  Results in graph.attrs keyed by entries ("shape",
"dtype", ...) or holding node ids ("backward_nodes") are carried over to the new nodes, and
graph.attrs["fusion"] = {"groups": n, "fused_nodes": members} summarizes what was done.
"""
import heapq
import os

import networkx as nx
import numpy as np

from ..errors import MXNetError
from ..ir.graph import Entry, Graph, Node
from ..ops.fused import FusedElementwise, gains_alone, member_fusion, short_op_name

MAX_MEMBERS = 48          # bigger groups compile slowly and rarely run faster
NAME_LIMIT = 64


def enabled():
    """Whether fusion is on (env MXNET_USE_FUSION, default on)."""
    return os.environ.get("MXNET_USE_FUSION", "1").strip().lower() not in ("0", "false", "off")


def _broadcasts(shape, to):
    try:
        return np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


def candidate_shape(node, shapes, dtypes):
    """The output shape of `node` if it may join a fused group, else None."""
    if node.is_variable or node.op.mutates_aux or not hasattr(node.op, "fusion_spec"):
        return None
    n_out = node.num_outputs()
    outs = [shapes.get((id(node), i)) for i in range(n_out)]
    if any(s is None for s in outs) or len(set(outs)) != 1:
        return None
    if any(dtypes.get((id(node), i)) is None for i in range(n_out)):
        return None
    shape = outs[0]
    in_dtypes = []
    for e in node.inputs:
        s, t = shapes.get(e.key()), dtypes.get(e.key())
        if s is None or t is None or not _broadcasts(s, shape):
            return None
        in_dtypes.append(t)
    if member_fusion(node, in_dtypes) is None:
        return None
    return shape


def find_groups(graph, shapes, dtypes, backward=frozenset()):
    """Lists of member nodes (in execution order), one per group of two or more."""
    nodes = graph.nodes
    index = {id(n): i for i, n in enumerate(nodes)}
    cand = {}
    for n in nodes:
        s = candidate_shape(n, shapes, dtypes)
        if s is not None:
            cand[id(n)] = s
    group = {id(n): id(n) for n in nodes}          # node -> group representative
    members = {id(n): [n] for n in nodes}
    last = {id(n): index[id(n)] for n in nodes}    # group -> last member position
    dag = nx.DiGraph()
    dag.add_nodes_from(group)
    for n in nodes:
        for e in n.inputs:
            dag.add_edge(id(e.node), id(n))
    for n in nodes:
        if id(n) not in cand:
            continue
        side = id(n) in backward
        for e in n.inputs:
            p = e.node
            if id(p) not in cand or cand[id(p)] != cand[id(n)] or (id(p) in backward) != side:
                continue
            ga, gb = group[id(p)], group[id(n)]
            if ga == gb or len(members[ga]) + len(members[gb]) > MAX_MEMBERS:
                continue
            if _other_path(dag, ga, gb, last, index[id(n)]):
                continue
            for pred in list(dag.predecessors(gb)):
                if pred != ga:
                    dag.add_edge(pred, ga)
            for succ in list(dag.successors(gb)):
                dag.add_edge(ga, succ)
            dag.remove_node(gb)
            for m in members[gb]:
                group[id(m)] = ga
            members[ga] = members[ga] + members.pop(gb)
            last[ga] = max(last[ga], last.pop(gb))
    groups = [sorted(ms, key=lambda m: index[id(m)]) for ms in members.values()
              if len(ms) > 1 or (id(ms[0]) in cand and _gains_alone(ms[0], dtypes))]
    groups.sort(key=lambda ms: index[id(ms[0])])
    return groups


def _gains_alone(node, dtypes):
    return gains_alone(node, [dtypes[e.key()] for e in node.inputs],
                       [dtypes[(id(node), i)] for i in range(node.num_outputs())])


def _other_path(dag, ga, gb, last, horizon):
    """Whether the contracted graph has a path ga -> X -> ... -> gb besides the edge ga -> gb
    (merging would then create a cycle).  Groups are built in execution order, so a group
    whose last member comes after `horizon` is a single unvisited node and cannot reach gb."""
    stack = [s for s in dag.successors(ga) if s != gb and last[s] <= horizon]
    seen = set(stack)
    while stack:
        g = stack.pop()
        for s in dag.successors(g):
            if s == gb:
                return True
            if s not in seen and last[s] <= horizon:
                seen.add(s)
                stack.append(s)
    return False


def _fused_name(members, taken):
    """fused_<op>_<op>... (each op once; `_etc` when too long); one node: fused_<its name>."""
    if len(members) == 1:
        ops = [members[0].name]
    else:
        ops = []
        for m in members:
            s = short_op_name(m.op)
            if s not in ops:
                ops.append(s)
    base = "fused"
    for k, s in enumerate(ops):
        if len(base) + len(s) + 1 > NAME_LIMIT - (4 if k < len(ops) - 1 else 0):
            base += "_etc"
            break
        base += "_" + s
    name, k = base, 1
    while name in taken:
        name = "%s_%d" % (base, k)
        k += 1
    taken.add(name)
    return name


def fuse(graph):
    """Return a copy of `graph` with its fusable elementwise groups replaced by fused nodes."""
    shapes, dtypes = graph.attrs.get("shape"), graph.attrs.get("dtype")
    if shapes is None or dtypes is None:
        raise MXNetError("fuse: the graph needs inferred shapes and dtypes "
                         "(run infer_shape and infer_type first)")
    backward = graph.attrs.get("backward_nodes") or frozenset()
    groups = find_groups(graph, shapes, dtypes, backward)
    out = graph.copy()
    out.attrs["fusion"] = {"groups": len(groups), "fused_nodes": sum(map(len, groups))}
    if not groups:
        return out
    return _rebuild(graph, groups, shapes, dtypes, out.attrs)


def _rebuild(graph, groups, shapes, dtypes, attrs):
    nodes = graph.nodes
    index = {id(n): i for i, n in enumerate(nodes)}
    group_of = {id(m): g for g, ms in enumerate(groups) for m in ms}
    # values of a group used outside it become kernel outputs
    used_outside = set()
    for n in nodes:
        for e in n.inputs:
            g = group_of.get(id(e.node))
            if g is not None and group_of.get(id(n)) != g:
                used_outside.add(e.key())
    for e in graph.outputs:
        if id(e.node) in group_of:
            used_outside.add(e.key())
    ext_inputs, ext_outputs = [], []
    for ms in groups:
        inside = {id(m) for m in ms}
        ins, seen = [], set()
        for m in ms:
            for e in m.inputs:
                if id(e.node) not in inside and e.key() not in seen:
                    seen.add(e.key())
                    ins.append(e)
        ext_inputs.append(ins)
        ext_outputs.append([Entry(m, i) for m in ms for i in range(m.num_outputs())
                            if (id(m), i) in used_outside])
    # units (a group or a single node) in a topological order of the contracted graph
    unit_of = {id(n): ("g", group_of[id(n)]) if id(n) in group_of else ("n", id(n))
               for n in nodes}
    units = {}
    for n in nodes:
        units.setdefault(unit_of[id(n)], []).append(n)
    deps = {u: set() for u in units}
    users = {u: set() for u in units}
    for u, ms in units.items():
        for m in ms:
            for e in m.inputs:
                v = unit_of[id(e.node)]
                if v != u:
                    deps[u].add(v)
                    users[v].add(u)
    ready = [(index[id(ms[0])], u) for u, ms in units.items() if not deps[u]]
    heapq.heapify(ready)
    entry_map = {}                 # old entry key -> new (node, index)
    node_map = {}                  # old node id -> new node id (members -> the fused node)
    taken = {n.name for n in nodes}
    done = 0
    while ready:
        _, u = heapq.heappop(ready)
        done += 1
        if u[0] == "g":
            g = u[1]
            _emit_group(groups[g], ext_inputs[g], ext_outputs[g], shapes, dtypes, taken,
                        entry_map, node_map)
        else:
            _emit_node(units[u][0], entry_map, node_map)
        for v in users[u]:
            deps[v].discard(u)
            if not deps[v]:
                heapq.heappush(ready, (index[id(units[v][0])], v))
    if done != len(units):
        raise MXNetError("fuse: internal error: the fused graph has a cycle")
    outputs = [_map_entry(e, entry_map) for e in graph.outputs]
    new = Graph(outputs, _remap_attrs(attrs, entry_map, node_map))
    return new


def _map_entry(e, entry_map):
    target = entry_map.get(e.key())
    if target is None:
        return e
    node, index = target
    return Entry(node, index, e.version if node is e.node else 0)


def _emit_node(node, entry_map, node_map):
    if node.is_variable:
        return
    inputs = [_map_entry(e, entry_map) for e in node.inputs]
    if all(a.node is b.node and a.index == b.index for a, b in zip(inputs, node.inputs)):
        return                                   # unchanged: shared with the input graph
    copy = Node(node.op, node.name, node.attrs, inputs)
    copy.version = node.version
    copy._parsed = node._parsed
    node_map[id(node)] = id(copy)
    for i in range(node.num_outputs()):
        entry_map[(id(node), i)] = (copy, i)


def _emit_group(members, inputs, outputs, shapes, dtypes, taken, entry_map, node_map):
    shp = {e.key(): shapes.get(e.key()) for e in list(inputs) + list(outputs)}
    op = FusedElementwise(members, inputs, outputs, dtypes, shp)
    node = Node(op, _fused_name(members, taken), {}, [_map_entry(e, entry_map) for e in inputs])
    for k, e in enumerate(outputs):
        entry_map[e.key()] = (node, k)
    for m in members:
        node_map[id(m)] = id(node)
        for i in range(m.num_outputs()):
            entry_map.setdefault((id(m), i), None)   # internal: no longer in the graph


def _is_entry_key(k):
    return isinstance(k, tuple) and len(k) == 2 and all(isinstance(x, int) for x in k)


def _remap_attrs(attrs, entry_map, node_map):
    out = {}
    for name, value in attrs.items():
        if isinstance(value, dict) and value and all(_is_entry_key(k) for k in value):
            new = {}
            for k, v in value.items():
                if k in entry_map:
                    target = entry_map[k]
                    if target is not None:
                        new[(id(target[0]), target[1])] = v
                else:
                    new[k] = v
            out[name] = new
        elif isinstance(value, (set, frozenset)) and value and all(isinstance(x, int)
                                                                   for x in value):
            out[name] = type(value)(node_map.get(x, x) for x in value)
        else:
            out[name] = value
    return out
