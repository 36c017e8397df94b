"""Dump a model's graph after every compiler pass.

    python -m framework.tools.dump model-symbol.json --shape data=1,1,28,28 \\
        [--dtype data=float32] [--grad-req write] [--stage all|fuse,plan_memory] \\
        [--format text|json|dot[,...]] [--out DIR] [--no-fuse] [--no-plan-memory]

Loads an MXNet symbol JSON file, runs the compiler pipeline (compiler.pipeline: infer_shape,
infer_type, gradient, eliminate_common_expr, dce, fuse, plan_memory, lower) and prints the
graph after each selected stage (text: shapes, dtypes, fused groups and their members, memory
slots; json: MXNet JSON with the NNVM graph attributes; dot: Graphviz), or writes one file per
stage and format into DIR (`NN-<stage>.txt|json|dot`; the ExecPlan of `lower` as text).  With
--out and Graphviz's `dot` binary installed, every DOT file is also rendered (--render
svg,png; default svg).  `--grad-req write` compiles the training graph (gradients of every
argument except those named in --no-grad, by default the data and label inputs given shapes
or named *label).  Exit status 1 with a message on an MXNetError.
"""
import argparse
import os
import shutil
import subprocess
import sys

from compiler.errors import MXNetError
from compiler.ir import json_io, printer

STAGES = ("input", "infer_shape", "infer_type", "gradient", "eliminate_common_expr", "dce",
          "fold_batchnorm",
          "fuse", "plan_memory", "lower")
FORMATS = ("text", "json", "dot")
_EXT = {"text": "txt", "json": "json", "dot": "dot"}


def _shape(text):
    name, _, dims = text.partition("=")
    if not name or not dims:
        raise argparse.ArgumentTypeError("expected NAME=d1,d2,... got %r" % text)
    try:
        return name.strip(), tuple(int(d) for d in dims.replace("(", "").replace(")", "")
                                   .split(",") if d.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("bad shape in %r" % text) from None


def _dtype(text):
    name, _, dtype = text.partition("=")
    if not name or not dtype:
        raise argparse.ArgumentTypeError("expected NAME=dtype, got %r" % text)
    return name.strip(), dtype.strip()


def parser():
    p = argparse.ArgumentParser(prog="python -m framework.tools.dump",
                                description="Print or write the graph after every compiler pass.")
    p.add_argument("symbol", help="MXNet symbol JSON file (model-symbol.json)")
    p.add_argument("--shape", type=_shape, action="append", default=[],
                   help="input shape NAME=d1,d2,... (repeatable)")
    p.add_argument("--dtype", type=_dtype, action="append", default=[],
                   help="input dtype NAME=float32 (repeatable; default float32 for inputs "
                        "with a --shape)")
    p.add_argument("--grad-req", default="null", choices=("null", "write", "add"),
                   help="gradient request of the parameters (default null: inference graph)")
    p.add_argument("--no-grad", action="append", default=None,
                   help="arguments without gradient with --grad-req (default: the inputs "
                        "given --shape and *label arguments)")
    p.add_argument("--stage", default="all",
                   help="all, or stages separated by commas: " + ", ".join(STAGES))
    p.add_argument("--format", default="text",
                   help="text, json or dot, or several separated by commas")
    p.add_argument("--out", default=None, help="directory to write one file per stage into")
    p.add_argument("--render", default="svg",
                   help="with --out: formats the dot binary renders DOT files to (svg,png; "
                        "none)")
    p.add_argument("--no-fuse", action="store_true", help="switch the fuse pass off")
    p.add_argument("--no-plan-memory", action="store_true", help="switch plan_memory off")
    return p


def _select(text, allowed, what):
    if text == "all":
        return list(allowed)
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad:
        raise MXNetError("unknown %s %s (choose from %s)" % (what, ", ".join(bad),
                                                            ", ".join(allowed)))
    return items


def compile_stages(graph, shapes, dtypes, grad_req, fuse=True, plan_memory=True):
    """[(stage, Graph or ExecPlan)] after every pass: compiler.pipeline.stages when it exists,
    else inference, fuse and plan_memory run directly."""
    try:
        from compiler import pipeline
    except ImportError:
        pipeline = None
    if pipeline is not None:
        opts = pipeline.Options(fuse=fuse, plan_memory=plan_memory)
        return pipeline.stages(graph, shapes, dtypes, grad_req=grad_req, options=opts)
    from compiler.passes import infer_shape, infer_type
    out = [("input", graph)]
    g = infer_shape(graph, shapes)
    out.append(("infer_shape", g))
    g = infer_type(g, dtypes)
    out.append(("infer_type", g))
    if fuse:
        from compiler.passes.fuse import fuse as fuse_pass
        g = fuse_pass(g)
        out.append(("fuse", g))
    if plan_memory:
        from compiler.passes.plan_memory import plan_memory as plan_pass
        g = plan_pass(g)
        out.append(("plan_memory", g))
    return out


def render(stage, result, fmt):
    """The text of one stage in one format (None: nothing to show, e.g. json of `lower`)."""
    if stage == "lower":
        if fmt != "text":
            return None
        from compiler.plan import describe
        return describe(result)
    if fmt == "text":
        return printer.to_text(result, title=stage)
    if fmt == "json":
        return printer.to_json(result) + "\n"
    return printer.to_dot(result, title=stage)


def _grad_reqs(graph, args, shapes):
    if args.grad_req == "null":
        return "null"
    skip = set(args.no_grad) if args.no_grad is not None else \
        {n for n in shapes} | {v.name for v in graph.arguments() if v.name.endswith("label")}
    return {v.name: ("null" if v.name in skip else args.grad_req) for v in graph.arguments()}


def run(argv=None, out=None):
    """The CLI; returns the exit status.  `out` is the stream stages are printed to."""
    out = out or sys.stdout
    args = parser().parse_args(argv)
    try:
        stages = _select(args.stage, STAGES, "stage")
        formats = _select(args.format, FORMATS, "format")
        renders = [] if args.render == "none" else _select(args.render, ("svg", "png"),
                                                           "render format")
        with open(args.symbol, encoding="utf-8") as f:
            graph = json_io.load_json(f.read())
        shapes = dict(args.shape)
        dtypes = {name: "float32" for name in shapes}
        dtypes.update(dict(args.dtype))
        results = compile_stages(graph, shapes, dtypes, _grad_reqs(graph, args, shapes),
                                 fuse=not args.no_fuse, plan_memory=not args.no_plan_memory)
    except (MXNetError, OSError) as err:
        print("dump: %s" % err, file=sys.stderr)
        return 1
    dot_bin = shutil.which("dot") if args.out and renders else None
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    for k, (stage, result) in enumerate(results):
        if stage not in stages:
            continue
        for fmt in formats:
            text = render(stage, result, fmt)
            if text is None:
                continue
            if not args.out:
                out.write("=== %s (%s) ===\n%s\n" % (stage, fmt, text))
                continue
            path = os.path.join(args.out, "%02d-%s.%s" % (k, stage, _EXT[fmt]))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            out.write("wrote %s\n" % path)
            if fmt == "dot" and dot_bin:
                for kind in renders:
                    target = path[:-4] + "." + kind
                    done = subprocess.run([dot_bin, "-T" + kind, path, "-o", target],
                                          capture_output=True, text=True)
                    if done.returncode == 0:
                        out.write("wrote %s\n" % target)
                    else:
                        print("dump: dot failed on %s: %s" % (path, done.stderr.strip()),
                              file=sys.stderr)
    if args.out and renders and "dot" in formats and not dot_bin:
        print("dump: Graphviz's dot binary is not installed: DOT files were not rendered",
              file=sys.stderr)
    return 0


def main(argv=None):
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
