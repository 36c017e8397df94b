"""The compiler pipeline: Graph + shapes/dtypes/grad_req/context -> ExecPlan.

    infer_shape -> infer_type -> gradient -> eliminate_common_expr -> dce
                -> fold_batchnorm (CPU, graphs without gradients) -> fuse -> plan_memory -> lower

The IR verifier runs after every pass.  `fuse` (compiler/passes/fuse.py) and `plan_memory`
(compiler/passes/plan_memory.py) plug in by name and are skipped while those modules do not
exist; each can be switched off with `Options(fuse=False, plan_memory=False)` or the
environment (MXNET_USE_FUSION=0, MXNET_MEM_PLAN=0; both default on).  Switching them off
changes results only by float rounding.

Dumps: `Options(dump_dir=...)` or the environment variable MXNET_DUMP_DIR makes every compile
write the graph after every stage as text, JSON and DOT (`<hash>-<NN>-<stage>.{txt,json,dot}`,
the ExecPlan as `<hash>-<NN>-lower.txt`); `stage_hook(name, graph)` sees every stage in
process (the dump CLI uses it).  Compiled plans are cached by (graph structure, shapes, dtypes,
grad_req, context, options); kernels themselves are cached by op, dtype and ndim, so a new
batch size re-plans but compiles no new kernel.
"""
import collections
import hashlib
import importlib
import os

from .errors import MXNetError
from .ir import printer
from .ir.verify import verify
from .passes.cse import eliminate_common_expr
from .passes.dce import dce
from .passes.fold_batchnorm import fold_batchnorm
from .passes.gradient import gradient, normalize_grad_req
from .passes.infer_shape import infer_shape
from .passes.infer_type import infer_type
from .passes.lower import lower
from .plan import describe

PASS_ORDER = ("infer_shape", "infer_type", "gradient", "eliminate_common_expr", "dce",
              "fold_batchnorm", "fuse",
              "plan_memory", "lower")
DUMP_FORMATS = ("text", "json", "dot")
_EXT = {"text": "txt", "json": "json", "dot": "dot"}


def _env_flag(name, default=True):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "off", "no")


class Options:
    """Pipeline switches; None means "from the environment" (MXNET_USE_FUSION,
    MXNET_MEM_PLAN, MXNET_DUMP_DIR)."""

    def __init__(self, fuse=None, plan_memory=None, dump_dir=None, dump_formats=DUMP_FORMATS,
                 verify=True):
        self.fuse = fuse
        self.plan_memory = plan_memory
        self.dump_dir = dump_dir
        self.dump_formats = tuple(dump_formats)
        self.verify = verify
        for f in self.dump_formats:
            if f not in DUMP_FORMATS:
                raise MXNetError("unknown dump format %r (%s)" % (f, ", ".join(DUMP_FORMATS)))

    def resolved(self):
        """A copy with the environment defaults filled in."""
        return Options(fuse=_env_flag("MXNET_USE_FUSION") if self.fuse is None else bool(self.fuse),
                       plan_memory=(_env_flag("MXNET_MEM_PLAN") if self.plan_memory is None
                                    else bool(self.plan_memory)),
                       dump_dir=self.dump_dir or os.environ.get("MXNET_DUMP_DIR") or None,
                       dump_formats=self.dump_formats, verify=self.verify)

    def key(self):
        return (self.fuse, self.plan_memory, self.verify)

    def __repr__(self):
        return "Options(fuse=%r, plan_memory=%r, dump_dir=%r)" % (self.fuse, self.plan_memory,
                                                                  self.dump_dir)


def optional_pass(module, name=None):
    """The pass function `name` of compiler/passes/<module>.py, or None while it does not exist."""
    try:
        mod = importlib.import_module("compiler.passes." + module)
    except ModuleNotFoundError as err:
        if err.name == "compiler.passes." + module:
            return None
        raise
    return getattr(mod, name or module)


def available_passes():
    """Which optional passes exist in this checkout."""
    return {"fuse": optional_pass("fuse") is not None,
            "plan_memory": optional_pass("plan_memory") is not None}


def structure_hash(graph):
    """A hash of the graph's structure: ops, names (monitor names and dumps come from the
    compiled graph), attributes, edges, outputs."""
    index = {}
    h = hashlib.sha1()
    for i, node in enumerate(graph.nodes):
        index[id(node)] = i
        attrs = sorted((k, str(v)) for k, v in node.attrs.items())
        ins = [(index[id(e.node)], e.index, e.version) for e in node.inputs]
        h.update(repr((node.op_name, node.name, attrs, ins)).encode())
    h.update(repr([(index[id(e.node)], e.index, e.version) for e in graph.outputs]).encode())
    return h.hexdigest()


def _target(ctx):
    if ctx is None:
        return "cpu"
    if isinstance(ctx, str):
        return ctx
    return getattr(ctx, "target", "cpu")


def _norm_shapes(shapes):
    return tuple(sorted((k, None if v is None else tuple(int(d) for d in v))
                        for k, v in (shapes or {}).items()))


def _norm_dtypes(dtypes):
    import numpy as np
    return tuple(sorted((k, None if v is None else np.dtype(v).name)
                        for k, v in (dtypes or {}).items()))


_CACHE = collections.OrderedDict()
_CACHE_SIZE = 128
_stats = {"compiles": 0, "hits": 0}
profile_hook = None     # framework.profiler's recorder while it runs: compile and pass events


def cache_stats():
    return dict(_stats, size=len(_CACHE))


def clear_cache():
    _CACHE.clear()


def compile(graph, shapes=None, dtypes=None, grad_req="null", ctx=None, options=None,
            stage_hook=None):
    """Run the pipeline on `graph`; returns the ExecPlan (plan.graph is the compiled graph).

    shapes/dtypes: by variable name; grad_req: str, list or dict over the arguments."""
    opts = (options or Options()).resolved()
    arg_names = [n.name for n in graph.arguments()]
    reqs = normalize_grad_req(grad_req, arg_names)
    key = (structure_hash(graph), _norm_shapes(shapes), _norm_dtypes(dtypes),
           tuple(sorted(reqs.items())), str(ctx) if ctx is not None else "cpu(0)", opts.key())
    if stage_hook is None and not opts.dump_dir:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            _stats["hits"] += 1
            if profile_hook is not None:
                profile_hook.compiled(graph, key, hit, None)
            return hit
    start = profile_hook.clock() if profile_hook is not None else None
    plan = _run(graph, shapes, dtypes, reqs, _target(ctx), opts, stage_hook, key[0][:12])
    _stats["compiles"] += 1
    if profile_hook is not None:
        profile_hook.compiled(graph, key, plan, start)
    _CACHE[key] = plan
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return plan


def stages(graph, shapes=None, dtypes=None, grad_req="null", ctx=None, options=None):
    """[(stage name, Graph)] after every pass, then ("lower", ExecPlan)."""
    out = []
    compile(graph, shapes, dtypes, grad_req, ctx, options,
            stage_hook=lambda name, g: out.append((name, g)))
    return out


class _Dumper:
    def __init__(self, opts, tag):
        self.dir = opts.dump_dir
        self.formats = opts.dump_formats
        self.tag = tag
        self.count = 0
        if self.dir:
            os.makedirs(self.dir, exist_ok=True)

    def __call__(self, name, graph):
        if not self.dir:
            return
        base = os.path.join(self.dir, "%s-%02d-%s" % (self.tag, self.count, name))
        self.count += 1
        if name == "lower":
            with open(base + ".txt", "w", encoding="utf-8") as f:
                f.write(describe(graph))
            return
        for fmt in self.formats:
            if fmt == "text":
                text = printer.to_text(graph, title=name)
            elif fmt == "json":
                text = printer.to_json(graph)
            else:
                text = printer.to_dot(graph, title=name)
            with open("%s.%s" % (base, _EXT[fmt]), "w", encoding="utf-8") as f:
                f.write(text)


def _unknown_error(graph):
    shapes = graph.attrs["shape"]
    args = [n for n in graph.variables() if shapes[(id(n), 0)] is None]
    if args:
        return MXNetError("InferShape pass cannot decide shapes for the following arguments. "
                          "Please consider providing them as inputs: %s"
                          % ", ".join("%s: None" % n.name for n in args))
    for node in graph.nodes:
        for i in range(node.num_outputs()):
            if shapes[(id(node), i)] is None:
                return MXNetError("InferShape pass cannot decide the shape of output %d of %s "
                                  "'%s'" % (i, node.op_name, node.name))
    dts = graph.attrs["dtype"]
    args = [n for n in graph.variables() if dts[(id(n), 0)] is None]
    if args:
        return MXNetError("InferType pass cannot decide dtypes for the following arguments. "
                          "Please consider providing them as inputs: %s"
                          % ", ".join("%s: None" % n.name for n in args))
    return MXNetError("InferType pass cannot decide every dtype of the graph")


def _reinfer(graph):
    """Infer again when a pass added entries without shapes/dtypes (fused nodes)."""
    shapes, dtypes = graph.attrs.get("shape", {}), graph.attrs.get("dtype", {})
    keys = [(id(n), i) for n in graph.nodes for i in range(n.num_outputs())]
    if all(shapes.get(k) is not None and dtypes.get(k) is not None for k in keys):
        return graph
    var_shapes = {v.name: shapes.get((id(v), 0)) for v in graph.variables()}
    var_types = {v.name: dtypes.get((id(v), 0)) for v in graph.variables()}
    g = infer_shape(graph, {k: v for k, v in var_shapes.items() if v is not None})
    g = infer_type(g, {k: v for k, v in var_types.items() if v is not None})
    if g.attrs["shape_num_unknown"] or g.attrs["dtype_num_unknown"]:
        raise _unknown_error(g)
    return g


def _run(graph, shapes, dtypes, reqs, target, opts, stage_hook, tag):
    dump = _Dumper(opts, tag)

    def stage(name, g):
        if opts.verify:
            try:
                verify(g)
            except MXNetError as err:
                raise type(err)("after %s: %s" % (name, err)) from None
        dump(name, g)
        if stage_hook is not None:
            stage_hook(name, g)
        if profile_hook is not None:
            profile_hook.stage(name, g)
        return g

    g = stage("input", graph)
    g = stage("infer_shape", infer_shape(g, shapes))
    g = stage("infer_type", infer_type(g, dtypes))
    if g.attrs["shape_num_unknown"] or g.attrs["dtype_num_unknown"]:
        raise _unknown_error(g)
    g = stage("gradient", gradient(g, reqs))
    g = stage("eliminate_common_expr", eliminate_common_expr(g))
    g = stage("dce", dce(g))
    if opts.fuse and target == "cpu":
        g = stage("fold_batchnorm", _reinfer(fold_batchnorm(g)))
    if opts.fuse:
        fuse = optional_pass("fuse")
        if fuse is not None:
            g = stage("fuse", _reinfer(fuse(g)))
    if opts.plan_memory:
        plan_memory = optional_pass("plan_memory")
        if plan_memory is not None:
            g = stage("plan_memory", plan_memory(g))
    plan = lower(g, target)
    plan.options = opts
    dump("lower", plan)
    if stage_hook is not None:
        stage_hook("lower", plan)
    if profile_hook is not None:
        profile_hook.stage("lower", plan)
    return plan
