"""Property: random graphs of elementwise, broadcast, scalar and reduction ops give the
reference interpreter's results after fuse (in the reference and with the generated kernels),
and their memory plan is sound.  Few tiny examples, derandomized, with a small op vocabulary,
so the fused kernels come from the on-disk cache after the first run."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import framework as mx  # noqa: E402
from compiler import reference  # noqa: E402
from compiler.ir.verify import verify  # noqa: E402
from compiler.passes.fuse import fuse  # noqa: E402
from compiler.passes.plan_memory import plan_memory  # noqa: E402
from tests.passes.fusion_util import check_plan, prep, run_kernels  # noqa: E402

UNARY = ("relu", "abs", "tanh", "sigmoid", "exp")
BROADCAST = ("broadcast_add", "broadcast_mul", "broadcast_sub")
SAME = ("elemwise_add", "elemwise_mul")
SCALAR = (("_plus_scalar", 0.5), ("_mul_scalar", -1.5))
SHAPES = {"x": (2, 3), "y": (2, 3), "r": (1, 3), "c": (2, 1)}


@st.composite
def graphs(draw):
    values = [(mx.sym.Variable(n), s) for n, s in SHAPES.items()]
    for _ in range(draw(st.integers(4, 10))):
        kind = draw(st.sampled_from(("unary", "broadcast", "same", "scalar", "reduce")))
        a, sa = draw(st.sampled_from(values))
        if kind == "unary":
            name = draw(st.sampled_from(UNARY))
            if name == "exp":
                a = mx.sym.tanh(a)                   # bounded: no overflow chains
            values.append((getattr(mx.sym, name)(a), sa))
        elif kind == "scalar":
            name, s = draw(st.sampled_from(SCALAR))
            values.append((getattr(mx.sym.op, name)(a, scalar=s), sa))
        elif kind == "reduce":
            axis = draw(st.sampled_from((0, 1)))
            shape = tuple(1 if i == axis else d for i, d in enumerate(sa))
            values.append((mx.sym.sum(a, axis=axis, keepdims=True), shape))
        else:
            same = [(v, s) for v, s in values if s == sa] if kind == "same" else values
            b, sb = draw(st.sampled_from(same))
            name = draw(st.sampled_from(SAME if kind == "same" else BROADCAST))
            out = tuple(max(p, q) for p, q in zip(sa, sb))
            values.append((getattr(mx.sym, name)(a, b), out))
    outs = [values[-1][0]]
    extra = draw(st.integers(len(SHAPES), len(values) - 1))
    if extra != len(values) - 1:
        outs.append(values[extra][0])
    return mx.sym.Group(outs)


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_fused_graphs_match_the_reference(sym):
    with mx.name.NameManager():
        before = prep(sym, {n: s for n, s in SHAPES.items() if n in sym.list_arguments()})
    after = verify(fuse(before))
    rng = np.random.default_rng(0)
    arrays = {v.name: rng.uniform(-2, 2, SHAPES[v.name]).astype(np.float32)
              for v in before.variables()}
    want = reference.run(before, dict(arrays))
    for got in (reference.run(after, dict(arrays)), run_kernels(after, arrays)):
        for w, g in zip(want, got):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)
    check_plan(plan_memory(after))
