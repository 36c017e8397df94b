"""Generated elementwise kernels from scalar expressions.

`ElementwiseSpec` describes one scalar computation: named inputs, named runtime
parameters (scalars passed as arguments, so a new value never recompiles) and one or more
output expressions evaluated after optional temporaries.  `launch` broadcasts the inputs to
the output shape, collapses dimensions that are contiguous for every operand, and calls a
kernel generated for (spec, ndim, dtypes, layouts, parallel) — never per shape.

An output may be declared IN PLACE (`inplace`): it is stored into one of the inputs at the
index it was read from, and the kernel takes no array for it (one buffer, one argument: a
separate output aliasing an input defeats LLVM's vectorization).  `exact` specs compile
without fastmath flags (MXNet's operation order and rounding bit for bit: the optimizer
updates of kernels/codegen/optimizer.py, run through `flat_kernel`).
"""
import ast

import numpy as np

from .. import cache

PARALLEL_MIN = 1 << 16            # below this, a parallel launch costs more than it saves
# Keeps NaN/Inf semantics and correctly rounded division and libm calls (no 'arcp', 'afn':
# MXNet's C++ is not built with fast-math, and 'afn' crashed LLVM on integer pow).
FASTMATH = "{'nsz', 'contract', 'reassoc'}"
_kernels = {}


class ElementwiseSpec:
    """inputs: names; params: scalar argument names; body: [(name, expr)]; outputs: exprs;
    inplace: per output, the input name it is stored into (None: a fresh output array);
    exact: no fastmath flags."""

    __slots__ = ("inputs", "params", "body", "outputs", "tag", "inplace", "exact", "_key",
                 "_compiled")

    def __init__(self, inputs, outputs, params=(), body=(), tag="ew", inplace=(), exact=False):
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.body = tuple(tuple(b) for b in body)
        self.outputs = tuple(outputs)
        self.tag = tag
        targets = tuple(inplace) + (None,) * (len(self.outputs) - len(inplace))
        named = [t for t in targets if t is not None]
        if len(targets) != len(self.outputs) or len(set(named)) != len(named) or \
                any(t not in self.inputs for t in named):
            raise ValueError("inplace %r: one distinct input name (or None) per output of %r"
                             % (inplace, self.outputs))
        self.inplace = tuple(None if t is None else self.inputs.index(t) for t in targets)
        self.exact = bool(exact)
        self._key = (self.inputs, self.params, self.body, self.outputs)
        if named or self.exact:
            self._key += (self.inplace, self.exact)
        self._compiled = {}

    def key(self):
        return self._key

    def fresh_outputs(self):
        """Indices of the outputs that get their own array (not in place)."""
        return [k for k, t in enumerate(self.inplace) if t is None]

    def targets(self, outs, ins):
        """The array each output is stored into: its own (`outs`, fresh outputs only) or the
        input it overwrites (`ins`)."""
        fresh = iter(outs)
        return [next(fresh) if t is None else ins[t] for t in self.inplace]


def _index(ndim):
    return ", ".join("i%d" % d for d in range(ndim))


def generate_source(spec, ndim, parallel, target="cpu", layout=None):
    """Python source of a Numba kernel `kernel(out0.., in0.., params..)` for `ndim` dims.

    target "cuda" gives a CUDA kernel instead (see `cuda_source`; `layout` is its CudaLayout)."""
    if target == "cuda":
        return cuda_source(spec, ndim, layout or CudaLayout.contiguous(spec))
    if target != "cpu":
        raise ValueError("unknown kernel target %r" % (target,))
    outs = ["out%d" % k for k in spec.fresh_outputs()]
    ins = ["in%d" % k for k in range(len(spec.inputs))]
    targets = spec.targets(outs, ins)
    args = outs + ins + ["p_" + p for p in spec.params]
    lines = [
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
        "from kernels.codegen.scalar import *  # noqa",
        "",
        "@njit(cache=True, nogil=True, error_model='numpy', fastmath=%s, parallel=%s)"
        % ("False" if spec.exact else FASTMATH, parallel),
        "def kernel(%s):" % ", ".join(args),
    ]
    for p in spec.params:
        lines.append("    %s = p_%s" % (p, p))
    idx = _index(ndim)
    for d in range(ndim):
        loop = "prange" if (parallel and d == 0) else "range"
        lines.append("    " * (d + 1) + "for i%d in %s(%s.shape[%d]):" % (d, loop, targets[0], d))
    pad = "    " * (ndim + 1)
    for name, arr in zip(spec.inputs, ins):
        lines.append("%s%s = %s[%s]" % (pad, name, arr, idx))
    for name, expr in spec.body:
        lines.append("%s%s = %s" % (pad, name, expr))
    for arr, expr in zip(targets, spec.outputs):
        lines.append("%s%s[%s] = %s" % (pad, arr, idx, expr))
    return "\n".join(lines) + "\n"


# --- the CUDA target ----------------------------------------------------------------------
# CPU spellings that CUDA device code lacks (NumPy ufuncs on scalars) or does better (the
# float32 approximations: a GPU's exp/tanh are fast and exact) -> the CUDA spelling, which
# kernels/codegen/scalar_cuda.py provides (also in the simulator)
CUDA_CALLS = {"np.floor": "math.floor", "np.ceil": "math.ceil", "np.trunc": "math.trunc",
              "np.fmod": "math.fmod", "np.cbrt": "cbrt", "np.abs": "abs", "np.sqrt": "math.sqrt",
              "np.exp": "math.exp", "np.log": "math.log", "np.tanh": "math.tanh",
              "fast_exp_f32": "math.exp", "fast_tanh_f32": "math.tanh",
              "fast_sigmoid_f32": "sigmoid"}
_respelled = {}


class _Respell(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        name = CUDA_CALLS.get(ast.unparse(node.func))
        if name is not None:
            node.func = ast.parse(name, mode="eval").body
        return node


def cuda_expr(expr):
    """`expr` with its calls spelled for the CUDA target (CUDA_CALLS)."""
    out = _respelled.get(expr)
    if out is None:
        out = _respelled[expr] = ast.unparse(_Respell().visit(ast.parse(expr, mode="eval")))
    return out


class CudaLayout:
    """How a CUDA kernel reads and writes: per input "c" (contiguous with the output: index i)
    or "s" (element strides passed as arguments, 0 where broadcast), and the NumPy type each
    input is converted to on load / each output value before its store (None: as is)."""

    __slots__ = ("modes", "loads", "stores")

    def __init__(self, modes, loads=None, stores=None):
        self.modes = tuple(modes)
        self.loads = tuple(loads or (None,) * len(self.modes))
        self.stores = tuple(stores or ())

    @classmethod
    def contiguous(cls, spec):
        return cls(("c",) * len(spec.inputs))

    def key(self):
        return (self.modes, self.loads, self.stores)


def cuda_source(spec, ndim, layout):
    """Source of a grid-stride CUDA kernel `kernel(out.., in.., params.., n, dims, strides)`:
    thread i computes flat output elements i, i + gridsize, ...; outputs are C-contiguous 1-D
    views, strided inputs are indexed from the output coordinates (dims d1.. of the
    collapsed shape, strides s<input>_<dim> in elements).  In-place outputs take no `out`
    argument (their input is written at index i: "c" layout only)."""
    outs = ["out%d" % k for k in spec.fresh_outputs()]
    ins = ["in%d" % k for k in range(len(spec.inputs))]
    targets = spec.targets(outs, ins)
    strided = [k for k, m in enumerate(layout.modes) if m == "s"]
    if any(t is not None and layout.modes[t] != "c" for t in spec.inplace):
        raise ValueError("an in-place output's input must be contiguous (layout 'c')")
    dims = ["_d%d" % d for d in range(1, ndim)] if strided else []
    strides = ["_s%d_%d" % (k, d) for k in strided for d in range(ndim)]
    args = outs + ins + ["p_" + p for p in spec.params] + ["_n"] + dims + strides
    lines = [
        "import numpy as np",
        "from numba import cuda",
        "from kernels.codegen.scalar_cuda import *  # noqa",
        "",
        "",
        "@cuda.jit(cache=True)",
        "def kernel(%s):" % ", ".join(args),
    ]
    for p in spec.params:
        lines.append("    %s = p_%s" % (p, p))
    lines += ["    _i = cuda.grid(1)", "    _step = cuda.gridsize(1)", "    while _i < _n:"]
    pad = "        "
    if strided:
        lines.append(pad + "_r = _i")
        for d in range(ndim - 1, 0, -1):
            lines.append(pad + "_i%d = _r %% _d%d" % (d, d))
            lines.append(pad + "_r = _r // _d%d" % d)
        lines.append(pad + "_i0 = _r")
    for k, (name, arr) in enumerate(zip(spec.inputs, ins)):
        if layout.modes[k] == "s":
            index = " + ".join("_i%d * _s%d_%d" % (d, k, d) for d in range(ndim))
        else:
            index = "_i"
        load = "%s[%s]" % (arr, index)
        if layout.loads[k]:
            load = "np.%s(%s)" % (layout.loads[k], load)
        lines.append("%s%s = %s" % (pad, name, load))
    for name, expr in spec.body:
        lines.append("%s%s = %s" % (pad, name, cuda_expr(expr)))
    for k, (arr, expr) in enumerate(zip(targets, spec.outputs)):
        value = cuda_expr(expr)
        if k < len(layout.stores) and layout.stores[k]:
            value = "np.%s(%s)" % (layout.stores[k], value)
        lines.append("%s%s[_i] = %s" % (pad, arr, value))
    lines.append(pad + "_i += _step")
    return "\n".join(lines) + "\n"


def _collapse(shape, arrays):
    """Merge adjacent dims that are contiguous in every array; returns (shape, strides list)."""
    strides = [list(a.strides) for a in arrays]
    shape = list(shape)
    d = len(shape) - 1
    while d > 0:
        if all(st[d - 1] == st[d] * shape[d] for st in strides) or shape[d] == 1 or shape[d - 1] == 1:
            if shape[d] == 1:
                for st in strides:
                    del st[d]
                del shape[d]
            elif shape[d - 1] == 1:
                for st in strides:
                    del st[d - 1]
                del shape[d - 1]
            else:
                for st in strides:
                    st[d - 1] = st[d]
                    del st[d]
                shape[d - 1] *= shape[d]
                del shape[d]
        d -= 1
    if not shape:
        shape, strides = [1], [[a.itemsize] for a in arrays]
    return tuple(shape), strides


def _get_kernel(spec, ndim, sig, parallel):
    local = (ndim, sig, parallel)
    kern = spec._compiled.get(local)
    if kern is None and not parallel:
        # a smaller batch reuses the parallel variant already built for a bigger one (a few
        # microseconds more per launch) instead of compiling a serial one
        kern = spec._compiled.get((ndim, sig, True))
    if kern is None:
        key = (spec.key(),) + local
        kern = _kernels.get(key)
        if kern is None:
            source = generate_source(spec, ndim, parallel)
            kern = cache.kernel_from_source(source, spec.tag, "kernel", key)
            _kernels[key] = kern
        spec._compiled[local] = kern
    return kern


def flat_kernel(spec, sig, parallel=False):
    """The 1-d kernel of `spec` for arrays of dtype chars `sig`, called as
    kernel(fresh outputs.., inputs.., params..) on arrays of one size (in-place outputs are
    written into their inputs).  No broadcasting and no checks: the caller validates sizes
    (Numba does not check bounds)."""
    return spec._compiled.get((1, sig, parallel)) or _get_kernel(spec, 1, sig, parallel)


def launch(spec, outputs, inputs, params=()):
    """Run `spec` writing `outputs` (same shape, C-contiguous) from broadcastable `inputs`."""
    shape = outputs[0].shape
    size = outputs[0].size
    if all(a.shape == shape and a.flags.c_contiguous for a in inputs) and size:
        flat = [a.reshape(size) for a in outputs] + [a.reshape(size) for a in inputs]
        sig = tuple(a.dtype.char for a in flat)
        kern = _get_kernel(spec, 1, sig, size >= PARALLEL_MIN)
        kern(*flat, *params)
        return
    views = [np.broadcast_to(a, shape) if a.shape != shape else a for a in inputs]
    arrays = list(outputs) + views
    if outputs[0].size == 0:
        return
    cshape, strides = _collapse(shape, arrays)
    flat = [np.lib.stride_tricks.as_strided(a, cshape, st) for a, st in zip(arrays, strides)]
    sig = tuple((a.dtype.char, a.flags.c_contiguous) for a in flat)
    parallel = outputs[0].size >= PARALLEL_MIN
    kern = _get_kernel(spec, len(cshape), sig, parallel)
    kern(*flat, *params)
