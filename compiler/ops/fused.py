"""The fused elementwise op: one generated kernel for a group of elementwise nodes.

The fusion pass (compiler/passes/fuse.py) replaces a group of elementwise, broadcast and
scalar nodes that share one output shape by a single node whose `op` is a
`FusedElementwise` made for that group (not registered by name).  Its kernel comes from ONE
`ElementwiseSpec`: every member's scalar expression, with its variables renamed, becomes a
temporary of the fused body:

    relu(x * a + b) * sigmoid(x)   ->   t0 = np.float32(a0 * a1)
                                        t1 = np.float32(t0 + a2)
                                        t2 = np.float32(relu(t1)) ...

Each temporary is converted to its member's output dtype, so the fused kernel rounds
exactly where the unfused nodes store (results agree up to fastmath contraction).  Runtime
scalars (`scalar`, `slope` ...) stay kernel arguments, and names are canonical (a<k> inputs,
c<k> parameters, t<k>/b<k> temporaries), so the kernel is keyed by the group's expression
structure, dtypes and ndim -- never by shapes or scalar values -- and cached on disk through
kernels/cache.py like every generated kernel.  Broadcast inputs are handled by
kernels/codegen/elementwise.launch.

`reference` runs the members' own references in order, so the reference interpreter can
evaluate fused graphs; `infer_shape`/`infer_type` compose the members' inference.
"""
import ast
import os
import re

import numpy as np

from kernels.codegen import scalar as _helpers
from kernels.codegen.elementwise import ElementwiseSpec
from ..errors import MXNetError
from .elemwise import launch_wide
from .registry import Op

# names a generated kernel module can see: `import math`, `import numpy as np` and
# `from kernels.codegen.scalar import *`, plus the builtins Numba compiles
_GLOBALS = (frozenset(n for n in vars(_helpers) if not n.startswith("_"))
            | {"math", "np", "abs", "min", "max", "float", "int", "bool", "round", "pow"})
_SPECS = {}                 # spec key -> interned ElementwiseSpec (keeps compiled kernels)
_NAMES_CACHE = {}


def _names(expr):
    names = _NAMES_CACHE.get(expr)
    if names is None:
        names = frozenset(n.id for n in ast.walk(ast.parse(expr, mode="eval"))
                          if isinstance(n, ast.Name))
        _NAMES_CACHE[expr] = names
    return names


def member_fusion(node, in_dtypes):
    """The FusionSpec of op node `node` given its input dtypes, or None if it cannot be fused
    (the op does not declare one, or its expression uses names no generated kernel has)."""
    fn = getattr(node.op, "fusion_spec", None)
    if fn is None:
        return None
    try:
        fs = fn(node.parsed(), list(in_dtypes))
    except MXNetError:
        return None
    if fs is None:
        return None
    spec = fs.spec
    if (len(spec.inputs) != len(node.inputs) or len(spec.outputs) != node.num_outputs()
            or len(fs.params) != len(spec.params)):
        return None
    local = set(spec.inputs) | set(spec.params) | {name for name, _ in spec.body}
    for expr in [e for _, e in spec.body] + list(spec.outputs):
        if not _names(expr) <= (local | _GLOBALS):
            return None
    return fs


def _broadcasts(shape, to):
    try:
        return np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


# float32 members call SIMD-friendly approximations (kernels/codegen/scalar.py, < 2e-7
# relative error) instead of libm, which does not vectorize
FAST_F32 = {"math.exp": "fast_exp_f32", "math.tanh": "fast_tanh_f32",
            "sigmoid": "fast_sigmoid_f32"}
_FAST_DTYPES = ("float32", "float16")


def fast_math():
    """Whether fused float32 kernels use the approximations (MXNET_FUSED_FAST_MATH, on)."""
    return os.environ.get("MXNET_FUSED_FAST_MATH", "1").strip().lower() not in ("0", "false",
                                                                                 "off")


def _fast_member(fs, in_dtypes, out_dtypes):
    """Whether a member computes in float32 (so it may call the approximations)."""
    computed = [c or t for c, t in zip(fs.convert or [None] * len(in_dtypes), in_dtypes)]
    return fast_math() and all(t in _FAST_DTYPES for t in computed + list(out_dtypes))


def _calls(expr):
    calls = _CALLS_CACHE.get(expr)
    if calls is None:
        calls = frozenset(ast.unparse(n.func) for n in ast.walk(ast.parse(expr, mode="eval"))
                          if isinstance(n, ast.Call))
        _CALLS_CACHE[expr] = calls
    return calls


_CALLS_CACHE = {}


def gains_alone(node, in_dtypes, out_dtypes):
    """Whether `node` alone runs faster as a fused kernel: it computes in float32 and calls a
    function that has a vectorizable approximation (exp, tanh, sigmoid)."""
    fs = member_fusion(node, in_dtypes)
    if fs is None or not _fast_member(fs, in_dtypes, out_dtypes):
        return False
    exprs = [e for _, e in fs.spec.body] + list(fs.spec.outputs)
    return any(_calls(e) & FAST_F32.keys() for e in exprs)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping, fast):
        self.mapping = mapping
        self.fast = fast

    def visit_Name(self, node):
        return self.mapping.get(node.id, node)

    def visit_Call(self, node):
        func = node.func
        if self.fast:
            name = ast.unparse(func)
            if name in FAST_F32:
                func = _var(FAST_F32[name])
        node = ast.Call(func=func, args=[self.visit(a) for a in node.args],
                        keywords=[self.visit(k) for k in node.keywords])
        return node


def _rename(expr, mapping, fast=False):
    tree = _Rename(mapping, fast).visit(ast.parse(expr, mode="eval"))
    return tree.body


def _cast(expr, dtype):
    """`expr` converted to `dtype` as a store would (float16 values live as float32)."""
    if dtype == "bool":
        return ast.Compare(left=expr, ops=[ast.NotEq()], comparators=[ast.Constant(0)])
    name = "float32" if dtype == "float16" else dtype
    return ast.Call(func=ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=name,
                                       ctx=ast.Load()), args=[expr], keywords=[])


def _var(name):
    return ast.Name(id=name, ctx=ast.Load())


def short_op_name(op):
    return op.name.strip("_").lower()


def _ident(text):
    return re.sub(r"[^0-9a-zA-Z_]", "_", text)


def _entry_name(e):
    node = e.node
    if node.is_variable or node.num_outputs() == 1:
        return _ident(node.name)
    return _ident("%s_%s" % (node.name, node.op.output_names(node.parsed())[e.index]))


class FusedElementwise(Op):
    """One node computing a group of elementwise nodes with one generated kernel.

    members: the original op nodes in execution order; inputs: the external entries the group
    reads (each once); outputs: the member entries used outside the group; dtypes: entry key
    -> dtype name for every input and member output; shape: the group's output shape."""

    name = "_FusedElementwise"
    attrs = {}
    differentiable = False

    def __init__(self, members, inputs, outputs, dtypes, shapes=None):
        self.members = list(members)
        self.input_entries = list(inputs)
        self.output_entries = list(outputs)
        self._dtypes = {e.key(): dtypes[e.key()] for e in self.input_entries}
        for m in self.members:
            for i in range(m.num_outputs()):
                self._dtypes[(id(m), i)] = dtypes[(id(m), i)]
        self._in_names = self._unique([_entry_name(e) for e in self.input_entries])
        self._out_names = self._unique([_entry_name(e) for e in self.output_entries])
        self.spec, self.params = self._build()
        self.inplace = self._inplace_pairs(shapes or {})

    @staticmethod
    def _unique(names):
        seen, out = {}, []
        for n in names:
            k = seen.get(n, 0)
            seen[n] = k + 1
            out.append(n if k == 0 else "%s_%d" % (n, k))
        return out

    def _build(self):
        env = {e.key(): "a%d" % j for j, e in enumerate(self.input_entries)}
        body, params, values = [], [], []
        n_tmp = 0
        for m in self.members:
            in_dtypes = [self._dtypes[e.key()] for e in m.inputs]
            fs = member_fusion(m, in_dtypes)
            if fs is None:
                raise MXNetError("%s '%s' cannot be fused" % (m.op.name, m.name))
            spec = fs.spec
            fast = _fast_member(fs, in_dtypes,
                                [self._dtypes[(id(m), i)] for i in range(m.num_outputs())])
            mapping = {}
            for k, (name, e) in enumerate(zip(spec.inputs, m.inputs)):
                src = _var(env[e.key()])
                conv = fs.convert[k] if fs.convert else None
                if conv is not None and conv != in_dtypes[k]:
                    src = _cast(src, conv)
                mapping[name] = src
            for pname, value in zip(spec.params, fs.params):
                mapping[pname] = _var("c%d" % len(params))
                params.append("c%d" % len(params))
                values.append(value)
            for bname, bexpr in spec.body:
                tmp = "b%d" % n_tmp
                n_tmp += 1
                body.append((tmp, ast.unparse(_rename(bexpr, mapping, fast))))
                mapping[bname] = _var(tmp)
            for i, oexpr in enumerate(spec.outputs):
                tmp = "t%d" % n_tmp
                n_tmp += 1
                expr = _cast(_rename(oexpr, mapping, fast), self._dtypes[(id(m), i)])
                body.append((tmp, ast.unparse(expr)))
                env[(id(m), i)] = tmp
        inputs = ["a%d" % j for j in range(len(self.input_entries))]
        outputs = [env[e.key()] for e in self.output_entries]
        key = (tuple(inputs), tuple(params), tuple(body), tuple(outputs))
        spec = _SPECS.get(key)
        if spec is None:
            ops = []
            for m in self.members:
                s = short_op_name(m.op)
                if s not in ops:
                    ops.append(s)
            tag = _ident("fused_" + "_".join(ops))[:24].rstrip("_")
            spec = _SPECS[key] = ElementwiseSpec(inputs, outputs, params=params, body=body,
                                                 tag=tag)
        return spec, tuple(values)

    def _inplace_pairs(self, shapes):
        """(input, output) pairs that may share memory: an input that is not broadcast, with
        the output's dtype (the kernel reads every input of an element before writing it)."""
        pairs = []
        for k, out in enumerate(self.output_entries):
            oshape = shapes.get(out.key())
            for j, e in enumerate(self.input_entries):
                if (oshape is not None and shapes.get(e.key()) == oshape
                        and self._dtypes[e.key()] == self._dtypes[out.key()]):
                    pairs.append((j, k))
        return tuple(pairs)

    # --- signature ------------------------------------------------------------------------
    def input_names(self, attrs):
        return list(self._in_names)

    def output_names(self, attrs):
        return list(self._out_names)

    def source(self, ndim=1, parallel=False):
        """The generated kernel source (for dumps and debugging)."""
        from kernels.codegen.elementwise import generate_source
        return generate_source(self.spec, ndim, parallel)

    def describe(self):
        """One line per member: `name = op(inputs)`, for dumps."""
        lines = []
        for m in self.members:
            attrs = m.op_attrs()
            lines.append("%s = %s(%s)%s" % (
                m.name, m.op.name, ", ".join(_entry_name(e) for e in m.inputs),
                " {%s}" % ", ".join("%s=%s" % (k, attrs[k]) for k in sorted(attrs))
                if attrs else ""))
        return lines

    # --- inference: the members' own, composed -------------------------------------------
    def _compose(self, what, in_values):
        values = {e.key(): v for e, v in zip(self.input_entries, in_values)}
        ext = set(values)
        for m in self.members:
            ins = [values.get(e.key()) for e in m.inputs]
            fn = m.op.infer_shape if what == "shape" else m.op.infer_type
            try:
                new_in, outs = fn(m.parsed(), list(ins))
            except MXNetError as err:
                raise type(err)("member %s '%s': %s" % (m.op.name, m.name, err)) from None
            except Exception:
                if any(v is None for v in ins):
                    new_in, outs = ins, [None] * m.num_outputs()
                else:
                    raise
            for e, v in zip(m.inputs, new_in):
                if e.key() in ext and values[e.key()] is None and v is not None:
                    values[e.key()] = tuple(v) if what == "shape" else v
            for i, v in enumerate(outs):
                values[(id(m), i)] = None if v is None else (tuple(v) if what == "shape" else v)
        return ([values[e.key()] for e in self.input_entries],
                [values.get(e.key()) for e in self.output_entries])

    def infer_shape(self, attrs, in_shapes):
        return self._compose("shape", in_shapes)

    def infer_type(self, attrs, in_types):
        return self._compose("dtype", in_types)

    # --- semantics ------------------------------------------------------------------------
    def reference(self, attrs, inputs, octx):
        values = {e.key(): a for e, a in zip(self.input_entries, inputs)}
        for m in self.members:
            outs = m.op.reference(m.parsed(), [values[e.key()] for e in m.inputs], octx)
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
            for i, out in enumerate(outs):
                values[(id(m), i)] = np.asarray(out)
        return [values[e.key()] for e in self.output_entries]

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        if len(inputs) != len(self.input_entries) or len(outputs) != len(self.output_entries):
            raise MXNetError("%s: expects %d inputs and %d outputs, got %d and %d"
                             % (self.name, len(self.input_entries), len(self.output_entries),
                                len(inputs), len(outputs)))
        shape = outputs[0].shape
        for k, out in enumerate(outputs):
            if out.shape != shape:
                raise MXNetError("%s: output %d has shape %s, output 0 has %s"
                                 % (self.name, k, out.shape, shape))
        for j, x in enumerate(inputs):
            if x.shape != shape and not _broadcasts(x.shape, shape):
                raise MXNetError("%s: input '%s' of shape %s does not broadcast to %s"
                                 % (self.name, self._in_names[j], x.shape, shape))
        launch_wide(self.spec, outputs, inputs, self.params)

    @property
    def kernels(self):
        return {"cpu": self.cpu_kernel}

    def __repr__(self):
        return "<FusedElementwise %s>" % ", ".join(m.op.name for m in self.members)
