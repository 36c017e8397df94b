"""lower: a compiled Graph -> ExecPlan (compiler/plan.py), the ordered kernel calls an
executor runs.

Every entry gets one home buffer: variables their user arrays (arguments, aux states) or the
head-gradient arrays; forward outputs their output arrays; a gradient with grad_req 'write'
the user's gradient array (the kernel writes there directly); everything else an arena view
at its slot's offset when graph.attrs["storage"] exists (plan_memory ran) or a private array.
When one entry must reach several places (the same entry twice among the outputs, a variable
as an output, a gradient shared by two arguments, grad_req 'add'), copies or accumulations
after the forward / backward steps do it.  Steps run in graph order: the nodes the forward
outputs need (forward steps) come first in a graph whose outputs start with the forward
outputs, the others (backward steps) after them.  Shapes and dtypes come from inference;
they must all be known here.
"""
import numpy as np

from ..errors import MXNetError
from ..plan import ALIGN, Buffer, ExecPlan, Step
from .gradient import forward_node_ids, output_names


def _entry_name(node, i):
    if node.is_variable:
        return node.name
    return "%s_%s" % (node.name, node.op.output_names(node.parsed())[i])


def _slot_offsets(slot_bytes):
    offsets, total = [], 0
    for nbytes in slot_bytes:
        offsets.append(total)
        total += -(-int(nbytes) // ALIGN) * ALIGN
    return offsets, total


def lower(graph, target="cpu"):
    """Return the ExecPlan of `graph` (after inference, gradient and the optional passes)."""
    shapes, dtypes = graph.attrs.get("shape"), graph.attrs.get("dtype")
    if shapes is None or dtypes is None:
        raise MXNetError("lower: run infer_shape and infer_type first")
    nodes = graph.nodes
    for node in nodes:
        for i in range(node.num_outputs()):
            key = (id(node), i)
            if shapes.get(key) is None or dtypes.get(key) is None:
                raise MXNetError("lower: the %s of output %d of %s '%s' is unknown"
                                 % ("shape" if shapes.get(key) is None else "dtype", i,
                                    node.op_name, node.name))
    n_fwd = graph.attrs.get("num_forward_outputs", len(graph.outputs))
    grad_names = graph.attrs.get("grad_outputs", [])
    reqs = graph.attrs.get("grad_req", {})
    head_vars = set(graph.attrs.get("head_grad_vars", []))
    storage = graph.attrs.get("storage")
    plan = ExecPlan()
    plan.graph = graph
    plan.target = target
    home = {}

    def new(kind, key, name=None, offset=None, entry=None):
        return plan.add(Buffer(kind, shapes[key], dtypes[key], name, offset, entry))

    aux_ids = {id(n) for n in graph.aux_variables()}
    for node in graph.variables():
        key = (id(node), 0)
        kind = ("head_grad" if node.name in head_vars else "aux" if id(node) in aux_ids
                else "arg")
        home[key] = new(kind, key, node.name)
        if kind == "arg":
            plan.arg_names.append(node.name)
        elif kind == "aux":
            plan.aux_names.append(node.name)
    out_names = output_names(graph)[:n_fwd]
    plan.output_names = out_names
    for i, e in enumerate(graph.outputs[:n_fwd]):
        b = new("output", e.key(), out_names[i])
        plan.outputs.append(b)
        if e.key() in home:
            plan.output_copies.append((e.key(), b))
        else:
            home[e.key()] = b
    pending = []
    for name, e in zip(grad_names, graph.outputs[n_fwd:]):
        req = reqs.get(name, "write")
        if req == "write" and e.key() not in home:
            b = new("grad", e.key(), name)
            home[e.key()] = b
            plan.grads.append((name, req, b, "direct"))
        else:
            pending.append((name, req, e.key()))
    if len(grad_names) != len(graph.outputs) - n_fwd:
        raise MXNetError("lower: %d gradient outputs for %d names in graph.attrs['grad_outputs']"
                         % (len(graph.outputs) - n_fwd, len(grad_names)))

    offsets = None
    if storage is not None:
        offsets, plan.arena_bytes = _slot_offsets(graph.attrs.get("slot_bytes", []))
    naive = 0
    for node in nodes:
        if node.is_variable:
            continue
        for i in range(node.num_outputs()):
            key = (id(node), i)
            if key in home:
                continue
            buf_name = _entry_name(node, i)
            slot = storage.get(key) if storage is not None else None
            if slot is not None and slot >= 0:
                b = new("arena", key, None, offsets[slot], buf_name)
                need = plan.buffers[b].nbytes
                if need > int(graph.attrs["slot_bytes"][slot]):
                    raise MXNetError("lower: %s needs %d bytes but its storage slot %d has %d"
                                     % (buf_name, need, slot, graph.attrs["slot_bytes"][slot]))
            else:
                b = new("private", key, None, None, buf_name)
            naive += plan.buffers[b].nbytes
            home[key] = b
    plan.output_copies = [(home[k], b) for k, b in plan.output_copies]
    for name, req, key in pending:
        plan.grads.append((name, req, home[key], "add" if req == "add" else "copy"))
    head_index = graph.attrs.get("head_grad_index", {})
    for var in graph.variables():
        if var.name in head_vars:
            plan.head_grads.append((var.name, home[(id(var), 0)], head_index.get(var.name)))

    fwd = forward_node_ids(graph, n_fwd)
    inplace = graph.attrs.get("inplace", {})
    seen_backward = None
    for node in nodes:
        if node.is_variable:
            continue
        if node.op.identity_view and inplace.get((id(node), 0)) == node.inputs[0].key():
            continue        # a reshape planned onto its input's slot: the bytes are already there
        attrs = node.parsed()
        try:
            kernel = node.op.kernel(target)
        except MXNetError as err:
            raise type(err)("%s '%s': %s" % (node.op.name, node.name, err)) from None
        step = Step(node.name, node.op, attrs, kernel,
                    [home[e.key()] for e in node.inputs],
                    [home[(id(node), i)] for i in range(node.num_outputs())],
                    node.input_names(), node.op.output_names(attrs),
                    getattr(node.op, "members", None))
        if id(node) in fwd:
            if seen_backward is not None:
                raise MXNetError("lower: forward node '%s' comes after backward node '%s' in "
                                 "graph order" % (node.name, seen_backward))
            plan.forward.append(step)
        else:
            seen_backward = seen_backward or node.name
            plan.backward.append(step)
    stats = dict(graph.attrs.get("mem_stats") or {})
    stats.setdefault("naive_bytes", naive)
    stats.setdefault("arena_bytes", plan.arena_bytes)
    stats.setdefault("inplace_count", len(graph.attrs.get("inplace") or {}))
    stats["private_bytes"] = sum(b.nbytes for b in plan.buffers if b.kind == "private")
    stats["planned"] = storage is not None
    plan.mem_stats = stats
    return plan


def buffer_bytes(plan, kinds):
    return int(np.sum([b.nbytes for b in plan.buffers if b.kind in kinds], dtype=np.int64))
