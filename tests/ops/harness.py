"""One test format for every registered operator.

Each family file in tests/ops/cases/ defines `CASES` (a list of `Case`) and may define
`EXEMPT` ({op name: reason it is tested elsewhere}).  tests/ops/test_ops.py runs, for
every case: the op through mx.nd (the Numba kernel) against the op's NumPy reference, in
each listed dtype; and, for differentiable ops, the autograd gradient against central
finite differences of the reference in float64.
"""
import numpy as np

import framework as mx
from compiler.ops import registry
from compiler.ops.registry import OpContext

TOLERANCE = {"float16": (2e-2, 2e-2), "float32": (1e-4, 1e-5), "float64": (1e-10, 1e-12)}


class Case:
    """One operator test.

    op: registered name; shapes: input shapes; attrs: attribute values as MXNet takes them;
    dtypes: dtypes to run the forward check in; inputs: optional fn(rng, dtype) -> list of
    NumPy arrays (overrides shapes/low/high, e.g. for index inputs or special domains);
    grad: run the finite-difference check (float64); grad_inputs: input indices to check
    (default: every floating input); is_train: autograd training mode; rtol/atol: override
    the per-dtype tolerance; eps: finite-difference step; name: readable id suffix.
    """

    def __init__(self, op, shapes=(), attrs=None, dtypes=("float32", "float64"), inputs=None,
                 low=-2.0, high=2.0, grad=True, grad_inputs=None, is_train=False, rtol=None,
                 atol=None, grad_rtol=1e-4, grad_atol=1e-6, eps=1e-6, name=""):
        self.op = op
        self.shapes = [tuple(s) for s in shapes]
        self.attrs = dict(attrs or {})
        self.dtypes = tuple(dtypes)
        self.inputs = inputs
        self.low, self.high = low, high
        self.grad = grad
        self.grad_inputs = grad_inputs
        self.is_train = is_train
        self.rtol, self.atol = rtol, atol
        self.grad_rtol, self.grad_atol = grad_rtol, grad_atol
        self.eps = eps
        self.name = name

    def make_inputs(self, dtype, seed=0):
        rng = np.random.default_rng(seed)
        if self.inputs is not None:
            arrays = self.inputs(rng, dtype)
        else:
            arrays = []
            for shape in self.shapes:
                if np.dtype(dtype).kind == "f":
                    arrays.append(rng.uniform(self.low, self.high, shape).astype(dtype))
                else:
                    arrays.append(rng.integers(int(self.low), int(self.high) + 1, shape).astype(dtype))
        return [np.ascontiguousarray(a) for a in arrays]

    def id(self, dtype=None):
        parts = [self.op] + ([self.name] if self.name else []) + ([dtype] if dtype else [])
        return "-".join(parts)


def run_op(case, arrays, ctx=None):
    """Run the op through mx.nd on copies of `arrays`; returns (outputs, inputs after)."""
    ctx = ctx or mx.cpu()
    inputs = [mx.nd.array(a, ctx=ctx, dtype=a.dtype) for a in arrays]
    mx.random.seed(1234)
    fn = getattr(mx.nd.op, case.op)
    with mx.autograd.train_mode() if case.is_train else mx.autograd.predict_mode():
        out = fn(*inputs, **case.attrs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [o.asnumpy() for o in outs], [x.asnumpy() for x in inputs]


def run_reference(case, arrays, ctx=None):
    """The op's NumPy reference on copies of `arrays` (aux inputs may be updated)."""
    op = registry.get(case.op)
    attrs = op.parse(case.attrs)
    copies = [a.copy() for a in arrays]
    mx.random.seed(1234)
    octx = OpContext(case.is_train, mx.random.generator(ctx or mx.cpu()), ctx or mx.cpu())
    outs = op.reference(attrs, copies, octx)
    return list(outs)[: op.num_visible_outputs(attrs)], copies


def tolerance(case, dtype):
    rtol, atol = TOLERANCE.get(dtype, (0, 0))
    return (case.rtol if case.rtol is not None else rtol,
            case.atol if case.atol is not None else atol)


def numeric_gradient(case, arrays, head_grads, index):
    """d(sum_k <ref_k(x), head_k>)/d arrays[index] by central differences."""
    base = [a.copy() for a in arrays]
    x = base[index]
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        step = case.eps * max(1.0, abs(orig))
        flat[i] = orig + step
        plus = sum(float((o * h).sum()) for o, h in zip(run_reference(case, base)[0], head_grads))
        flat[i] = orig - step
        minus = sum(float((o * h).sum()) for o, h in zip(run_reference(case, base)[0], head_grads))
        flat[i] = orig
        gflat[i] = (plus - minus) / (2 * step)
    return grad


def analytic_gradient(case, arrays, head_grads, indices):
    inputs = [mx.nd.array(a, dtype=a.dtype) for a in arrays]
    for i in indices:
        inputs[i].attach_grad()
    fn = getattr(mx.nd.op, case.op)
    mx.random.seed(1234)
    with mx.autograd.record(train_mode=case.is_train):
        out = fn(*inputs, **case.attrs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    mx.autograd.backward(outs, [mx.nd.array(h, dtype=h.dtype) for h in head_grads])
    return [inputs[i].grad.asnumpy() for i in indices]
