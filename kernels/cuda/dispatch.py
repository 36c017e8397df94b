"""The CUDA dispatch table: registry op -> CUDA kernel `fn(attrs, inputs, outputs, octx)`.

Same signature and the same keys (registry op names) as the CPU kernels: `inputs`/`outputs`
are numba device arrays instead of NumPy arrays.  How an op gets its CUDA kernel, in order:
1. an op declaring `kernels = {"cpu": ..., "cuda": ...}` itself (Op.kernel finds it first);
2. the hand-written families below, by op name (TABLE);
3. FusedElementwise group nodes: their one generated spec (codegen.run_fused);
4. every op with a `fusion_spec` (elementwise, broadcast, scalar ops): the generic generated
   kernel of the FusionSpec it declares for the input dtypes (codegen.run_fusion_spec), i.e.
   the same scalar expression its CPU kernel and the fusion pass use.
compiler/ops/registry.Op.kernel("cuda") falls back to `lookup` (2-4), so op declarations
need no change; anything else raises MXNetError naming the op.
"""
import functools

from compiler.errors import MXNetError
from . import (activation, codegen, conv, gemm, indexing, join, loss, norm, optimizer, philox,
               pool, reduce, sampling, slicing, softmax, tensor)
from . import (deconv, diag, gather_nd, loss_sce, lrn, norm_rows, remap,
               rnn, sequence, shape, sorting, upsampling)

TABLE = {}
for _module in (reduce, softmax, gemm, conv, pool, norm, philox, indexing, optimizer, tensor,
                activation, join, loss, sampling, slicing,
                remap, norm_rows, deconv, sorting, lrn, upsampling, sequence,
                shape, gather_nd, loss_sce, diag, rnn):
    for _name, _fn in _module.KERNELS.items():
        if _name in TABLE:
            raise RuntimeError("CUDA kernel for %s declared twice" % _name)
        TABLE[_name] = _fn

_bound = {}


def _is_fused(op):
    from compiler.ops.fused import FusedElementwise
    return isinstance(op, FusedElementwise)


def lookup(op):
    """The CUDA kernel of registry op `op`, or None when there is none."""
    fn = _bound.get(id(op))
    if fn is not None:
        return fn
    if _is_fused(op):             # made per compile: not cached by id
        return functools.partial(codegen.run_fused, op)
    base = TABLE.get(op.name)
    if base is not None:
        fn = functools.partial(base, op)
    elif callable(getattr(op, "fusion_spec", None)):
        fn = functools.partial(codegen.run_fusion_spec, op)
    else:
        return None
    _bound[id(op)] = fn
    return fn


def kernel(op):
    """The CUDA kernel of `op`; MXNetError when none is implemented."""
    fn = lookup(op)
    if fn is None:
        raise MXNetError("%s: no cuda kernel is implemented yet" % op.name)
    return fn


def coverage():
    """{op name: 'table' | 'elementwise' | None} over every registered op (for docs/tests)."""
    from compiler.ops import registry
    out = {}
    for op in registry.all_ops():
        if op.name in TABLE:
            out[op.name] = "table"
        elif callable(getattr(op, "fusion_spec", None)):
            out[op.name] = "elementwise"
        else:
            out[op.name] = None
    return out
