"""What `python -m framework.tools.inspect` reports, computed from the pipeline's stages.

`analyze(stages)` takes compiler.pipeline.stages(...) ([(stage, Graph)] then ("lower",
ExecPlan)) and returns an `Inspection`: per pass what changed (nodes added / removed, CSE
merges, DCE removals, fusion groups, the memory plan), the fusion groups with their member
ops, the memory-plan slots (bytes, arena offset, lifetime in execution steps, the tensors
sharing each slot) and the arena bytes in use at every step.
"""
from compiler.ops.conv_bn import ConvBatchNorm
from compiler.ops.fused import FusedElementwise
from compiler.passes.lower import _entry_name, _slot_offsets


def _is_group(node):
    """An elementwise fusion group (folded Convolution+BatchNorm nodes are ordinary steps)."""
    return isinstance(getattr(node, "op", None), FusedElementwise)


class PassChange:
    """What one stage did: node counts and the lines describing the change."""

    def __init__(self, name, nodes_before, nodes_after, summary, details=()):
        self.name = name
        self.nodes_before = nodes_before
        self.nodes_after = nodes_after
        self.summary = summary
        self.details = list(details)


class FusionGroup:
    def __init__(self, index, name, shape, dtype, members, n_inputs, n_outputs, side):
        self.index = index
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.members = members          # [(op name, node name)] in execution order
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.side = side                # "forward" or "backward"


class Tensor:
    def __init__(self, name, nbytes, shape, dtype, inplace_of=None):
        self.name = name
        self.nbytes = nbytes
        self.shape = shape
        self.dtype = dtype
        self.inplace_of = inplace_of    # the entry whose slot it took in place
        self.first = None               # first / last execution step touching it
        self.last = None


class Slot:
    def __init__(self, index, nbytes, offset):
        self.index = index
        self.nbytes = nbytes
        self.offset = offset
        self.tensors = []

    @property
    def first(self):
        firsts = [t.first for t in self.tensors if t.first is not None]
        return min(firsts) if firsts else None

    @property
    def last(self):
        lasts = [t.last for t in self.tensors if t.last is not None]
        return max(lasts) if lasts else None


class Inspection:
    def __init__(self):
        self.passes = []
        self.groups = []
        self.slots = []
        self.steps = []                 # [(phase, step name, op label)]
        self.usage = []                 # arena bytes of live slots at each step
        self.plan = None
        self.fused_graph = None         # the graph fuse saw (dce's), for the DOT output
        self.group_of = {}              # id(member node) -> group index
        self.mem_stats = {}
        self.planned = False

    @property
    def arena_bytes(self):
        return int(self.mem_stats.get("arena_bytes", 0))

    @property
    def naive_bytes(self):
        return int(self.mem_stats.get("naive_bytes", 0))


def _op_count(graph):
    return sum(1 for n in graph.nodes if not n.is_variable)


def _names(graph):
    return {n.name: n for n in graph.nodes}


def _label(node):
    return "%s(%s)" % (node.op_name, node.name)


def _count(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _short(items, limit):
    items = list(items)
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return "%s ... (%d more)" % (", ".join(items[:limit]), len(items) - limit)


def _cse_merges(before, after_names):
    """[(removed node, node it was merged into)]: nodes with the same op, attributes and
    (merged) inputs as an earlier node that survived."""
    seen, merged, out = {}, {}, []
    for node in before.nodes:
        if node.is_variable:
            continue
        ins = tuple((merged.get(e.node.name, e.node.name), e.index) for e in node.inputs)
        sig = (node.op_name, tuple(sorted((k, str(v)) for k, v in node.attrs.items())), ins)
        keep = seen.get(sig)
        if keep is not None and node.name not in after_names:
            merged[node.name] = keep
            out.append((node, keep))
        else:
            seen.setdefault(sig, node.name)
    return out


def _by_op(nodes):
    counts = {}
    for n in nodes:
        counts[n.op_name] = counts.get(n.op_name, 0) + 1
    return ", ".join("%s x%d" % (op, k) if k > 1 else op for op, k in sorted(counts.items()))


def _known(graph, attr):
    values = graph.attrs.get(attr) or {}
    keys = [(id(n), i) for n in graph.nodes for i in range(n.num_outputs())]
    return sum(1 for k in keys if values.get(k) is not None), len(keys)


def pass_changes(stages, limit=12):
    """One PassChange per stage after the input."""
    out = []
    prev = None
    for name, result in stages:
        if name == "input":
            prev = result
            continue
        if name == "lower":
            out.append(PassChange(name, _op_count(prev), len(result.forward) + len(result.backward),
                                  "%d forward steps, %d backward steps (kernel calls)"
                                  % (len(result.forward), len(result.backward))))
            continue
        change = _describe_pass(name, prev, result, limit)
        out.append(change)
        prev = result
    return out


def _describe_pass(name, before, after, limit):
    nb, na = _op_count(before), _op_count(after)
    old, new = _names(before), _names(after)
    added = [n for k, n in new.items() if k not in old]
    removed = [n for k, n in old.items() if k not in new]
    details = []
    if name in ("infer_shape", "infer_type"):
        known, total = _known(after, "shape" if name == "infer_shape" else "dtype")
        what = "shapes" if name == "infer_shape" else "dtypes"
        return PassChange(name, nb, na, "%s known for %d of %d entries" % (what, known, total))
    if name == "gradient":
        ops = [n for n in added if not n.is_variable]
        heads = [n.name for n in added if n.is_variable]
        summary = ("added %s" % _count(len(ops), "backward node") if ops
                   else "no gradient requested")
        if ops:
            details.append("ops: %s" % _by_op(ops))
            details.append("nodes: %s" % _short([n.name for n in ops], limit))
        if heads:
            details.append("head gradients: %s" % _short(heads, limit))
        return PassChange(name, nb, na, summary, details)
    if name == "eliminate_common_expr":
        merges = _cse_merges(before, new)
        summary = ("merged %s" % _count(len(merges), "node") if merges
                   else "no common subexpressions")
        details = ["merged %s into %s" % (_label(a), b) for a, b in merges[:limit or None]]
        if limit and len(merges) > limit:
            details.append("... (%d more)" % (len(merges) - limit))
        return PassChange(name, nb, na, summary, details)
    if name == "dce":
        dead = [n for n in removed if not n.is_variable]
        summary = "removed %s" % _count(len(dead), "dead node") if dead else "no dead nodes"
        if dead:
            details.append("removed: %s" % _short([_label(n) for n in dead], limit))
        return PassChange(name, nb, na, summary, details)
    if name == "fold_batchnorm":
        folded = [n for n in after.nodes if isinstance(getattr(n, "op", None), ConvBatchNorm)]
        relus = sum(1 for n in folded if n.op.act is not None)
        summary = ("folded %s%s into %s" % (_count(len(folded), "BatchNorm"),
                                             " (%s)" % _count(relus, "relu") if relus else "",
                                             "its Convolution" if len(folded) == 1
                                             else "their Convolutions")
                   if folded else "nothing to fold")
        if folded:
            details.append("nodes: %s" % _short([n.name for n in folded], limit))
        return PassChange(name, nb, na, summary, details)
    if name == "fuse":
        fused = [n for n in after.nodes if _is_group(n)]
        members = sum(len(n.op.members) for n in fused)
        summary = ("%s made from %s" % (_count(len(fused), "group"), _count(members, "node"))
                   if fused else "no fusable groups")
        for k, n in enumerate(fused):
            details.append("group %d: %s from ops [%s]" % (
                k, n.name, ", ".join(_label(m) for m in n.op.members)))
        if limit and len(details) > limit:
            details = details[:limit] + ["... (%d more groups)" % (len(fused) - limit)]
        return PassChange(name, nb, na, summary, details)
    if name == "plan_memory":
        st = after.attrs.get("mem_stats") or {}
        naive, arena = st.get("naive_bytes", 0), st.get("arena_bytes", 0)
        summary = ("%d entries in %d slots: arena %d B vs naive %d B (%.1f%%), in-place %d"
                   % (sum(1 for v in (after.attrs.get("storage") or {}).values() if v >= 0),
                      st.get("num_slots", 0), arena, naive,
                      100.0 * arena / naive if naive else 0.0, st.get("inplace_count", 0)))
        return PassChange(name, nb, na, summary)
    summary = "+%d / -%d nodes" % (len(added), len(removed))
    if added:
        details.append("added: %s" % _short([_label(n) for n in added], limit))
    if removed:
        details.append("removed: %s" % _short([_label(n) for n in removed], limit))
    return PassChange(name, nb, na, summary, details)


def fusion_groups(stages):
    """The FusionGroups of the fuse stage (none when fuse did not run) and the graph they
    were made from, with id(member) -> group index."""
    graphs = dict(stages)
    fused = graphs.get("fuse")
    if fused is None:
        return [], None, {}
    names = [name for name, _ in stages]
    source = stages[names.index("fuse") - 1][1]
    shapes, dtypes = fused.attrs.get("shape", {}), fused.attrs.get("dtype", {})
    backward = fused.attrs.get("backward_nodes") or frozenset()
    groups, group_of = [], {}
    for node in fused.nodes:
        if not _is_group(node):
            continue
        members = node.op.members
        k = len(groups)
        key = (id(node), 0)
        groups.append(FusionGroup(k, node.name, shapes.get(key), dtypes.get(key),
                                  [(m.op_name, m.name) for m in members], len(node.inputs),
                                  node.num_outputs(),
                                  "backward" if id(node) in backward else "forward"))
        for m in members:
            group_of[id(m)] = k
    return groups, source, group_of


def memory_slots(plan):
    """Slots of the memory plan (none without plan_memory) with each tensor's lifetime in
    execution steps (forward steps, then backward steps)."""
    graph = plan.graph
    storage = graph.attrs.get("storage") if graph is not None else None
    if not storage:
        return []
    slot_bytes = [int(b) for b in graph.attrs.get("slot_bytes", [])]
    offsets, _ = _slot_offsets(slot_bytes)
    slots = [Slot(i, b, offsets[i]) for i, b in enumerate(slot_bytes)]
    inplace = graph.attrs.get("inplace") or {}
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    names = {}
    for node in graph.nodes:
        for i in range(node.num_outputs()):
            names[(id(node), i)] = node.name if node.is_variable else _entry_name(node, i)
    arena = {b.entry: b for b in plan.buffers if b.kind == "arena"}
    by_name = {}
    for node in graph.nodes:
        if node.is_variable:
            continue
        for i in range(node.num_outputs()):
            key = (id(node), i)
            sid = storage.get(key, -1)
            if sid is None or sid < 0:
                continue
            src = inplace.get(key)
            buf = arena.get(names[key])
            nbytes = buf.nbytes if buf is not None else 0
            t = Tensor(names[key], nbytes, shapes.get(key), dtypes.get(key),
                       names.get(src) if src is not None else None)
            slots[sid].tensors.append(t)
            by_name[t.name] = t
    for k, step in enumerate(list(plan.forward) + list(plan.backward)):
        for b in list(step.inputs) + list(step.outputs):
            buf = plan.buffers[b]
            t = by_name.get(buf.entry) if buf.kind == "arena" else None
            if t is None:
                continue
            t.first = k if t.first is None else min(t.first, k)
            t.last = k if t.last is None else max(t.last, k)
    return slots


def arena_usage(slots, n_steps):
    """Bytes of the slots holding a live tensor at each step."""
    usage = [0] * n_steps
    for slot in slots:
        live = set()
        for t in slot.tensors:
            if t.first is not None:
                live.update(range(t.first, t.last + 1))
        for k in live:
            if k < n_steps:
                usage[k] += slot.nbytes
    return usage


def analyze(stages, limit=12):
    """The Inspection of one compile (compiler.pipeline.stages output)."""
    ins = Inspection()
    ins.passes = pass_changes(stages, limit)
    ins.groups, ins.fused_graph, ins.group_of = fusion_groups(stages)
    plan = stages[-1][1]
    ins.plan = plan
    ins.mem_stats = dict(plan.mem_stats or {})
    ins.planned = bool(ins.mem_stats.get("planned"))
    for phase, steps in (("forward", plan.forward), ("backward", plan.backward)):
        for s in steps:
            ins.steps.append((phase, s.name, s.op.name))
    ins.slots = memory_slots(plan)
    ins.usage = arena_usage(ins.slots, len(ins.steps))
    if ins.fused_graph is None:
        names = [name for name, _ in stages]
        ins.fused_graph = stages[names.index("lower") - 1][1]
    return ins
