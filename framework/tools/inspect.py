"""Inspect a compiled graph: what every pass did, the fusion groups and the memory plan.

    python -m framework.tools.inspect model-symbol.json --shape data=1,3,224,224 \\
        [--dtype data=float32] [--grad-req write|null] [--no-grad NAME] [--out DIR] \\
        [--no-fuse] [--no-plan] [--chart auto|png|text] [--full]

Compiles the symbol (a JSON file, or a Gluon export prefix `net` for `net-symbol.json`)
through compiler.pipeline without running it and prints a readable report:

- per pass what changed: node counts, CSE merges, DCE removals, the gradient nodes added,
  each fusion group and the ops it was made from, the memory plan's summary;
- the fusion groups (name, shape, dtype, forward/backward, member ops);
- the memory plan as a table: slot, bytes, arena offset, lifetime (first/last execution
  step touching it) and the tensors sharing it, each with its own lifetime ("in place of
  X": it took its input's slot in place; "view, no step": a reshape no kernel touches);
  arena vs naive bytes and the in-place count;
- the arena bytes in use at every step: a PNG (matplotlib) written to DIR with --out when
  matplotlib is importable, else text bars with one row per step (--chart forces either).

With --out DIR the report is also written to DIR/report.txt, and the graph fuse saw to
DIR/graph.dot with every fusion group drawn as a coloured cluster; Graphviz's `dot` binary
(when installed) renders it to graph.svg and graph.png.  Exit status 1 with a message on
an MXNetError.
"""
import argparse
import os
import shutil
import subprocess
import sys

from compiler.errors import MXNetError
from compiler.ir import json_io
from compiler.ir.printer import _dot_escape
from .dump import _dtype, _grad_reqs, _shape, compile_stages
from .inspect_graph import analyze

PALETTE = ("#ffd8a8", "#b2f2bb", "#a5d8ff", "#eebefa", "#ffec99", "#c3fae8", "#ffc9c9",
           "#d0bfff", "#99e9f2", "#e9fac8", "#fcc2d7", "#bac8ff")
BAR_WIDTH = 40


def parser():
    p = argparse.ArgumentParser(prog="python -m framework.tools.inspect",
                                description="Report what the compiler did to a graph.")
    p.add_argument("symbol", help="MXNet symbol JSON file, or a Gluon export prefix")
    p.add_argument("--shape", type=_shape, action="append", default=[],
                   help="input shape NAME=d1,d2,... (repeatable)")
    p.add_argument("--dtype", type=_dtype, action="append", default=[],
                   help="input dtype NAME=float32 (repeatable; default float32)")
    p.add_argument("--grad-req", default="null", choices=("null", "write", "add"),
                   help="gradient request of the parameters (default null: inference)")
    p.add_argument("--no-grad", action="append", default=None,
                   help="arguments without gradient with --grad-req (default: the inputs "
                        "given --shape and *label arguments)")
    p.add_argument("--out", default=None, help="directory for report.txt, graph.dot/.svg/"
                                               ".png and arena_usage.png")
    p.add_argument("--no-fuse", action="store_true", help="switch the fuse pass off")
    p.add_argument("--no-plan", action="store_true", help="switch plan_memory off")
    p.add_argument("--chart", default="auto", choices=("auto", "png", "text"),
                   help="arena usage chart: png (needs matplotlib and --out), text bars, or "
                        "auto (png when possible)")
    p.add_argument("--full", action="store_true", help="list every node in pass details")
    return p


def _symbol_path(path):
    if not os.path.exists(path) and os.path.exists(path + "-symbol.json"):
        return path + "-symbol.json"
    return path


def _fmt_bytes(n):
    n = int(n)
    if n >= 1 << 20:
        return "%d B (%.2f MiB)" % (n, n / float(1 << 20))
    if n >= 1 << 10:
        return "%d B (%.1f KiB)" % (n, n / 1024.0)
    return "%d B" % n


def _fmt_shape(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def format_passes(ins):
    lines = ["Passes", "------"]
    for ch in ins.passes:
        count = ("%d -> %d nodes" % (ch.nodes_before, ch.nodes_after) if ch.name != "lower"
                 else "%d steps" % ch.nodes_after)
        lines.append("%-22s %-18s %s" % (ch.name, count, ch.summary))
        for d in ch.details:
            lines.append("    " + d)
    return lines


def format_groups(ins):
    lines = ["Fusion groups (%d)" % len(ins.groups), "-------------"]
    if not ins.groups:
        lines.append("(none: fuse was off or found nothing to fuse)")
    for g in ins.groups:
        lines.append("[%d] %s  %s %s  %s, %d inputs, %d outputs" % (
            g.index, g.name, _fmt_shape(g.shape), g.dtype, g.side, g.n_inputs, g.n_outputs))
        lines.append("    %d ops: %s" % (len(g.members), ", ".join(
            "%s(%s)" % (op, name) for op, name in g.members)))
    return lines


def format_memory(ins):
    st = ins.mem_stats
    lines = ["Memory plan", "-----------"]
    if not ins.planned:
        lines.append("none (plan_memory off): %s of intermediates in private buffers"
                     % _fmt_bytes(st.get("naive_bytes", 0)))
        return lines
    arena, naive = ins.arena_bytes, ins.naive_bytes
    lines.append("arena %s vs naive %s (%.1f%%), %d slots, in-place %d, aligned arena %s" % (
        _fmt_bytes(arena), _fmt_bytes(naive), 100.0 * arena / naive if naive else 0.0,
        len(ins.slots), st.get("inplace_count", 0), _fmt_bytes(ins.plan.arena_bytes)))
    lines.append("%5s %10s %10s %9s  %s" % ("slot", "bytes", "offset", "lifetime",
                                            "tensors sharing it [first-last step]"))
    pad = " " * 39
    for s in ins.slots:
        life = "-" if s.first is None else "%d-%d" % (s.first, s.last)
        tensors = sorted(s.tensors, key=lambda t: (t.first is None, t.first or 0)) or [None]
        for k, t in enumerate(tensors):
            text = "" if t is None else "%s %s [%s]%s" % (
                t.name, _fmt_shape(t.shape),
                "view, no step" if t.first is None else "%d-%d" % (t.first, t.last),
                (" in place of %s" % t.inplace_of) if t.inplace_of else "")
            if k == 0:
                lines.append("%5d %10d %10d %9s  %s" % (s.index, s.nbytes, s.offset, life, text))
            else:
                lines.append(pad + text)
    lines.append("%5s %10d  (the arena: every slot at its own 64-byte aligned offset)"
                 % ("total", sum(s.nbytes for s in ins.slots)))
    return lines


def text_chart(ins, width=BAR_WIDTH):
    """One row per execution step: the arena bytes in use as a bar."""
    peak = max(ins.usage) if ins.usage else 0
    scale = max(ins.arena_bytes, peak, 1)
    lines = ["Arena usage per step (full bar = arena %s, peak %s)"
             % (_fmt_bytes(ins.arena_bytes), _fmt_bytes(peak))]
    label = max([len(name) for _, name, _ in ins.steps] + [4])
    for k, ((phase, name, _), used) in enumerate(zip(ins.steps, ins.usage)):
        bar = "#" * int(round(width * used / scale))
        lines.append("%4d %s %-*s |%-*s| %d" % (k, "F" if phase == "forward" else "B", label,
                                               name, width, bar, used))
    return lines


def png_chart(ins, path):
    """Write the arena usage chart with matplotlib; False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(max(6.0, min(24.0, len(ins.usage) * 0.12)), 3.6))
    steps = list(range(len(ins.usage)))
    ax.step(steps, [u / 1024.0 for u in ins.usage], where="mid", label="live slots")
    ax.axhline(ins.arena_bytes / 1024.0, color="tab:red", linestyle="--", label="arena")
    n_fwd = sum(1 for phase, _, _ in ins.steps if phase == "forward")
    if 0 < n_fwd < len(ins.steps):
        ax.axvline(n_fwd - 0.5, color="gray", linestyle=":", label="backward starts")
    ax.set_xlabel("execution step")
    ax.set_ylabel("KiB")
    ax.set_title("Arena usage: arena %s, naive %s" % (_fmt_bytes(ins.arena_bytes),
                                                     _fmt_bytes(ins.naive_bytes)), fontsize=9)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def to_dot(ins, title="graph"):
    """DOT of the graph fuse saw; each fusion group is a cluster in its own colour."""
    graph = ins.fused_graph
    shapes = graph.attrs.get("shape") or {}
    nodes = graph.nodes
    index = {id(n): i for i, n in enumerate(nodes)}
    lines = ['digraph "%s" {' % _dot_escape(title), "  rankdir=BT;",
             '  graph [fontname="Helvetica", fontsize=11];',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontsize=8];']
    clusters = {}
    for i, node in enumerate(nodes):
        if node.is_variable:
            line = '  n%d [label="%s", shape=ellipse, color=gray];' % (i, _dot_escape(node.name))
            lines.append(line)
            continue
        g = ins.group_of.get(id(node))
        label = _dot_escape("%s\n%s" % (node.op_name, node.name))
        if g is None:
            lines.append('  n%d [label="%s", shape=box, style=rounded];' % (i, label))
        else:
            clusters.setdefault(g, []).append(
                '    n%d [label="%s", shape=box, style="rounded,filled", fillcolor="%s"];'
                % (i, label, PALETTE[g % len(PALETTE)]))
    for g, body in sorted(clusters.items()):
        grp = ins.groups[g]
        lines.append('  subgraph cluster_%d {' % g)
        lines.append('    label="group %d: %s"; style="rounded,filled"; color="%s"; '
                     'fillcolor="%s40";' % (g, _dot_escape(grp.name), PALETTE[g % len(PALETTE)],
                                            PALETTE[g % len(PALETTE)]))
        lines.extend(body)
        lines.append("  }")
    for i, node in enumerate(nodes):
        for e in node.inputs:
            shape = shapes.get(e.key())
            attr = ' [label="%s"]' % _fmt_shape(shape) if shape is not None else ""
            lines.append("  n%d -> n%d%s;" % (index[id(e.node)], i, attr))
    lines.append("}")
    return "\n".join(lines) + "\n"


def format_report(ins, title, chart_lines=None, chart_path=None):
    lines = ["Inspection of %s" % title, ""]
    lines += format_passes(ins) + [""] + format_groups(ins) + [""] + format_memory(ins) + [""]
    if chart_path:
        lines.append("Arena usage chart: %s" % chart_path)
    elif chart_lines:
        lines += chart_lines
    return "\n".join(lines) + "\n"


def _render(dot_path, out, err):
    dot_bin = shutil.which("dot")
    if dot_bin is None:
        print("inspect: Graphviz's dot binary is not installed: %s was not rendered" % dot_path,
              file=err)
        return
    for kind in ("svg", "png"):
        target = dot_path[:-4] + "." + kind
        done = subprocess.run([dot_bin, "-T" + kind, dot_path, "-o", target],
                              capture_output=True, text=True)
        if done.returncode == 0:
            out.write("wrote %s\n" % target)
        else:
            print("inspect: dot failed on %s: %s" % (dot_path, done.stderr.strip()), file=err)


def inspect_file(path, shapes, dtypes=None, grad_req="null", fuse=True, plan_memory=True,
                 limit=12, no_grad=None):
    """(Inspection, title) of a symbol file compiled with these inputs."""
    path = _symbol_path(path)
    with open(path, encoding="utf-8") as f:
        graph = json_io.load_json(f.read())
    dts = {name: "float32" for name in shapes}
    dts.update(dtypes or {})
    args = argparse.Namespace(grad_req=grad_req, no_grad=no_grad)
    stages = compile_stages(graph, dict(shapes), dts, _grad_reqs(graph, args, shapes),
                            fuse=fuse, plan_memory=plan_memory)
    title = "%s (%s; grad_req=%s%s%s)" % (
        os.path.basename(path), ", ".join("%s=%s" % (k, _fmt_shape(v)) for k, v in shapes.items()),
        grad_req, "" if fuse else ", no fuse", "" if plan_memory else ", no memory plan")
    return analyze(stages, limit), title


def run(argv=None, out=None, err=None):
    """The CLI; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        ins, title = inspect_file(args.symbol, dict(args.shape), dict(args.dtype), args.grad_req,
                                  fuse=not args.no_fuse, plan_memory=not args.no_plan,
                                  limit=None if args.full else 12, no_grad=args.no_grad)
    except (MXNetError, OSError, ValueError) as e:
        print("inspect: %s" % e, file=err)
        return 1
    chart_path = None
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    if args.chart in ("auto", "png") and args.out and ins.planned:
        target = os.path.join(args.out, "arena_usage.png")
        if png_chart(ins, target):
            chart_path = target
        elif args.chart == "png":
            print("inspect: matplotlib is not installed: text chart instead", file=err)
    elif args.chart == "png":
        print("inspect: a PNG chart needs --out DIR%s: text chart instead"
              % ("" if ins.planned else " and a memory plan"), file=err)
    chart = text_chart(ins) if chart_path is None and ins.planned else None
    report = format_report(ins, title, chart, chart_path)
    out.write(report)
    if args.out:
        with open(os.path.join(args.out, "report.txt"), "w", encoding="utf-8") as f:
            f.write(report)
        dot_path = os.path.join(args.out, "graph.dot")
        with open(dot_path, "w", encoding="utf-8") as f:
            f.write(to_dot(ins, os.path.basename(args.symbol)))
        out.write("wrote %s\n" % dot_path)
        _render(dot_path, out, err)
    return 0


def main(argv=None):
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
