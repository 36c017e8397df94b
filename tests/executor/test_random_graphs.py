"""Property-based: random graphs of elementwise, broadcast, scalar and reduction ops (with fan-out,
repeated subexpressions and several outputs) compiled under random switches give the
reference interpreter's outputs and autograd's gradients."""
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import framework as mx
from compiler import pipeline
from framework import executor
from tests.executor import util as U

UNARY = ("tanh", "sigmoid", "relu", "sin", "square", "negative")
BINARY = ("elemwise_add", "elemwise_mul", "elemwise_sub", "broadcast_mul", "broadcast_add")


@st.composite
def graphs(draw):
    with mx.name.NameManager():
        vs = [mx.sym.Variable("v%d" % i) for i in range(3)]
        row = mx.sym.Variable("row")                    # (1, 3): broadcast operand
        pool = list(vs)
        for _ in range(draw(st.integers(2, 7))):
            kind = draw(st.sampled_from(("unary", "binary", "bcast", "scalar", "reduce")))
            a = draw(st.sampled_from(pool))
            if kind == "unary":
                node = getattr(mx.sym, draw(st.sampled_from(UNARY)))(a)
            elif kind == "binary":
                b = draw(st.sampled_from(pool))
                node = getattr(mx.sym, draw(st.sampled_from(BINARY[:3])))(a, b)
            elif kind == "bcast":
                node = getattr(mx.sym, draw(st.sampled_from(BINARY[3:])))(a, row)
            elif kind == "scalar":
                node = a * draw(st.sampled_from((0.5, 2.0, -1.5))) + 1
            else:
                red = mx.sym.sum(a, axis=1, keepdims=True)
                node = mx.sym.broadcast_add(a, red)
            pool.append(node)
        k = draw(st.integers(1, 2))
        outs = pool[-k:] if len(pool) > 3 else pool[-1:]
        return mx.sym.Group(outs) if len(outs) > 1 else outs[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sym=graphs(), fuse=st.booleans(), plan=st.booleans(),
       req=st.sampled_from(("write", "add")), seed=st.integers(0, 2 ** 16))
def test_random_graph_matches_oracles(sym, fuse, plan, req, seed):
    shapes = {"v0": (2, 3), "v1": (2, 3), "v2": (2, 3), "row": (1, 3)}
    shapes = {k: v for k, v in shapes.items() if k in sym.list_arguments()}
    rng = np.random.default_rng(seed)
    args = {k: rng.uniform(-1, 1, s).astype("float32") for k, s in shapes.items()}
    exe = executor.simple_bind(sym, mx.cpu(), grad_req=req,
                               options=pipeline.Options(fuse=fuse, plan_memory=plan), **shapes)
    start = {k: rng.standard_normal(s).astype("float32") for k, s in shapes.items()}
    if req == "add":
        for k, v in start.items():
            exe.grad_dict[k][:] = v
    outs = exe.forward(is_train=True, **args)
    want = U.reference_outputs(sym, args, {}, is_train=True)
    for o, w in zip(outs, want):
        U.assert_close(o.asnumpy(), w, "output", rtol=1e-5, atol=1e-5)
    heads = U.head_grads_for(want, seed + 1)
    exe.backward([mx.nd.array(h) for h in heads])
    _, grads, _ = U.autograd_run(sym, args, {}, heads)
    for k in shapes:
        expect = grads[k] + start[k] if req == "add" else grads[k]
        U.assert_close(exe.grad_dict[k].asnumpy(), expect, "gradient of " + k,
                       rtol=1e-4, atol=1e-5)
