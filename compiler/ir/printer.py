"""Dumps of a Graph: readable text (with shapes and dtypes when inferred), MXNet JSON (plus
the inferred shapes/dtypes as NNVM graph attributes), and Graphviz DOT text.

Text format, one line per node in execution order::

    #3 fc1 = FullyConnected(data=#0, weight=#1, bias=#2) {num_hidden=16} -> (4, 16) float32

`#k` is node k's first output, `#k.i` its output i, `^v` a variable version (aux states);
variables print as `#0 data = Variable {attrs}`; hidden outputs are listed after `|`.
After plan_memory, arena entries show `@slot<k>` (` in-place` when sharing their input's
slot) and a last line sums the plan up; fused nodes list their members on `    | ` lines
(JSON: graph attributes "storage_id" and "fused_members"; DOT: in the node's label).
"""
from .json_io import save_json


def _fmt_value(shape, dtype):
    parts = []
    if shape is not None:
        parts.append(str(tuple(shape)))
    if dtype is not None:
        parts.append(dtype)
    return " ".join(parts) if parts else "?"


def _ref(index, e):
    s = "#%d" % index[id(e.node)]
    if e.index:
        s += ".%d" % e.index
    if e.version:
        s += "^%d" % e.version
    return s


def _results(graph):
    return graph.attrs.get("shape"), graph.attrs.get("dtype")


def _slot_text(graph, key):
    """` @slot3` (or ` @slot3 in-place`) when the memory plan gives the entry an arena slot."""
    storage = graph.attrs.get("storage") if graph is not None else None
    if not storage or storage.get(key, -1) < 0:
        return ""
    inplace = key in (graph.attrs.get("inplace") or {})
    return " @slot%d%s" % (storage[key], " in-place" if inplace else "")


def _out_desc(node, shapes, dtypes, graph=None):
    if shapes is None and dtypes is None:
        return ""
    n_out = node.num_outputs()
    n_vis = node.num_visible_outputs()
    names = ["output"] if node.is_variable else node.op.output_names(node.parsed())
    descs = []
    for i in range(n_out):
        key = (id(node), i)
        value = _fmt_value(shapes.get(key) if shapes else None, dtypes.get(key) if dtypes else None)
        value += _slot_text(graph, key)
        descs.append(value if n_out == 1 else "%s %s" % (names[i], value))
    text = " -> " + ", ".join(descs[:n_vis])
    if n_out > n_vis:
        text += " | hidden: " + ", ".join(descs[n_vis:])
    return text


def _attr_text(attrs):
    if not attrs:
        return ""
    return " {" + ", ".join("%s=%s" % (k, attrs[k]) for k in sorted(attrs)) + "}"


def to_text(graph, title=None):
    """A readable listing of `graph` (shapes/dtypes from graph.attrs when present)."""
    nodes = graph.nodes
    index = {id(n): i for i, n in enumerate(nodes)}
    shapes, dtypes = _results(graph)
    lines = ["%s: %d nodes, %d outputs" % (title or "graph", len(nodes), len(graph.outputs))]
    for i, node in enumerate(nodes):
        if node.is_variable:
            head = "#%d %s = Variable%s" % (i, node.name, _attr_text(node.attrs))
        else:
            names = node.input_names()
            args = ", ".join("%s=%s" % (names[j] if j < len(names) else j, _ref(index, e))
                             for j, e in enumerate(node.inputs))
            head = "#%d %s = %s(%s)%s" % (i, node.name, node.op.name, args, _attr_text(node.attrs))
        lines.append(head + _out_desc(node, shapes, dtypes, graph))
        lines.extend("    | " + line for line in _members(node))
    outs = []
    for e in graph.outputs:
        desc = ""
        if shapes is not None or dtypes is not None:
            key = e.key()
            desc = " " + _fmt_value(shapes.get(key) if shapes else None,
                                    dtypes.get(key) if dtypes else None)
        outs.append("%s%s" % (_ref(index, e), desc))
    lines.append("outputs: " + ", ".join(outs))
    unknown = graph.attrs.get("shape_num_unknown")
    if unknown:
        lines.append("unknown shapes: %d" % unknown)
    stats = graph.attrs.get("mem_stats")
    if stats:
        lines.append("memory: arena %d bytes in %d slots, naive %d bytes, in-place %d"
                     % (stats["arena_bytes"], len(graph.attrs.get("slot_bytes", ())),
                        stats["naive_bytes"], stats["inplace_count"]))
    return "\n".join(lines) + "\n"


def _members(node):
    """The member lines of a fused node (ops exposing `describe()`), else none."""
    describe = getattr(node.op, "describe", None) if node.op is not None else None
    return describe() if callable(describe) else []


def to_json(graph):
    """MXNet symbol JSON of `graph`; inferred shapes/dtypes are added the way NNVM stores graph
    attributes: ``"shape": ["list_shape", [...]]`` indexed like node_row_ptr entries."""
    shapes, dtypes = _results(graph)
    extra = {}
    keys = [(id(n), i) for n in graph.nodes for i in range(n.num_outputs())]
    if shapes is not None:
        extra["shape"] = ("list_shape", [None if shapes.get(k) is None else list(shapes[k])
                                         for k in keys])
    if dtypes is not None:
        extra["dtype"] = ("list_str", [dtypes.get(k) for k in keys])
    storage = graph.attrs.get("storage")
    if storage is not None:
        extra["storage_id"] = ("list_int", [storage.get(k, -1) for k in keys])
    members = [_members(n) for n in graph.nodes]
    if any(members):
        extra["fused_members"] = ("list_str", ["; ".join(m) for m in members])
    return save_json(graph, extra_attrs=extra)


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(graph, title="graph"):
    """Graphviz DOT text: ops as boxes, variables as ellipses, edges labelled with shapes."""
    nodes = graph.nodes
    shapes, dtypes = _results(graph)
    lines = ['digraph "%s" {' % _dot_escape(title), "  rankdir=BT;",
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontsize=9];']
    for i, node in enumerate(nodes):
        if node.is_variable:
            label = node.name
            value = _fmt_value(shapes.get((id(node), 0)) if shapes else None,
                               dtypes.get((id(node), 0)) if dtypes else None)
            if value != "?":
                label += "\n" + value
            lines.append('  n%d [label="%s", shape=ellipse];' % (i, _dot_escape(label)))
        else:
            attrs = {k: v for k, v in node.attrs.items() if not k.startswith("__")}
            label = "%s\n%s" % (node.op.name, node.name)
            if attrs:
                label += "\n" + "\n".join("%s=%s" % (k, attrs[k]) for k in sorted(attrs))
            members = _members(node)
            if members:
                label += "\n" + "\n".join(members)
                lines.append('  n%d [label="%s", shape=box, style="rounded,filled", '
                             'fillcolor="#ffe8b0"];' % (i, _dot_escape(label)))
                continue
            lines.append('  n%d [label="%s", shape=box, style=rounded];' % (i, _dot_escape(label)))
    index = {id(n): i for i, n in enumerate(nodes)}
    for i, node in enumerate(nodes):
        for e in node.inputs:
            key = e.key()
            value = _fmt_value(shapes.get(key) if shapes else None,
                               dtypes.get(key) if dtypes else None)
            if value != "?":
                value += _slot_text(graph, key)
            attrs = [] if value == "?" else ['label="%s"' % _dot_escape(value)]
            if e.index:
                attrs.append('taillabel="%d"' % e.index)
            suffix = " [%s]" % ", ".join(attrs) if attrs else ""
            lines.append("  n%d -> n%d%s;" % (index[id(e.node)], i, suffix))
    for j, e in enumerate(graph.outputs):
        lines.append('  out%d [label="output %d", shape=plaintext];' % (j, j))
        lines.append("  n%d -> out%d;" % (index[id(e.node)], j))
    lines.append("}")
    return "\n".join(lines) + "\n"
