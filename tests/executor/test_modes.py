"""Every executor mode (fusion on/off x memory planning on/off x grad_req write/add/null) on an
MLP with SoftmaxOutput, LeNet with BatchNorm, a ResNet basic block and an LSTM step:
forward outputs against the reference interpreter, gradients and BatchNorm's moving
statistics against autograd on mx.nd with the same parameters."""
import numpy as np
import pytest

import framework as mx
from compiler import pipeline
from tests.executor import util as U

AVAILABLE = pipeline.available_passes()
SWITCHES = [(f, p) for f in (True, False) for p in (True, False)
            if (AVAILABLE["fuse"] or not f) and (AVAILABLE["plan_memory"] or not p)]


@pytest.fixture
def switches(request, monkeypatch):
    fuse, plan = request.param
    monkeypatch.setenv("MXNET_USE_FUSION", "1" if fuse else "0")
    monkeypatch.setenv("MXNET_MEM_PLAN", "1" if plan else "0")
    return fuse, plan


@pytest.mark.parametrize("switches", SWITCHES, indirect=True,
                         ids=["fuse%d-plan%d" % s for s in SWITCHES])
@pytest.mark.parametrize("req", ["write", "add", "null"])
@pytest.mark.parametrize("model", U.MODELS)
def test_mode_against_oracles(model, req, switches):
    fuse, plan = switches
    sym, shapes, labels = U.build(model)
    args, aux = U.random_inputs(sym, shapes, labels)
    exe = sym.simple_bind(mx.cpu(), grad_req=req, **shapes)
    assert exe._plan.options.fuse == fuse and exe._plan.options.plan_memory == plan
    assert exe._plan.mem_stats["planned"] == plan
    for k, v in args.items():
        exe.arg_dict[k][:] = v
    for k, v in aux.items():
        exe.aux_dict[k][:] = v
    before = {}
    if req == "add":
        rng = np.random.default_rng(7)
        for k, g in exe.grad_dict.items():
            g[:] = rng.standard_normal(g.shape).astype("float32")
            before[k] = g.asnumpy()
    # inference forward: the reference interpreter, aux untouched
    outs = exe.forward(is_train=False)
    want = U.reference_outputs(sym, args, aux, is_train=False)
    for i, (o, w) in enumerate(zip(outs, want)):
        U.assert_close(o.asnumpy(), w, "%s inference output %d" % (model, i))
    # training forward
    outs = exe.forward(is_train=True)
    want = U.reference_outputs(sym, args, aux, is_train=True)
    for i, (o, w) in enumerate(zip(outs, want)):
        U.assert_close(o.asnumpy(), w, "%s training output %d" % (model, i))
    for k, v in aux.items():            # MXNet: moving stats change in backward, not forward
        np.testing.assert_array_equal(exe.aux_dict[k].asnumpy(), v)
    heads = U.head_grads_for(want) if U.needs_head_grads(model) else None
    _, grads, aux_after = U.autograd_run(sym, args, aux, heads)
    exe.backward(None if heads is None else [mx.nd.array(h) for h in heads])
    for k in sym.list_arguments():
        g = exe.grad_dict[k]
        if req == "null":
            assert g is None
            continue
        expect = grads[k] + before[k] if req == "add" else grads[k]
        U.assert_close(g.asnumpy(), expect, "%s gradient of %s (%s)" % (model, k, req),
                       rtol=1e-3, atol=1e-4)
    for k in aux:
        expect = aux[k] if req == "null" else aux_after[k]
        U.assert_close(exe.aux_dict[k].asnumpy(), expect, "%s aux %s" % (model, k))


@pytest.mark.parametrize("model", U.MODELS)
def test_switches_agree_up_to_rounding(model, monkeypatch):
    """The same executor step under every switch combination gives the same numbers."""
    sym, shapes, labels = U.build(model)
    args, aux = U.random_inputs(sym, shapes, labels, seed=3)
    results = []
    for fuse, plan in [(f, p) for f in (True, False) for p in (True, False)]:
        monkeypatch.setenv("MXNET_USE_FUSION", "1" if fuse else "0")
        monkeypatch.setenv("MXNET_MEM_PLAN", "1" if plan else "0")
        exe = sym.simple_bind(mx.cpu(), **shapes)
        exe.copy_params_from({k: mx.nd.array(v) for k, v in args.items()},
                             {k: mx.nd.array(v) for k, v in aux.items()})
        outs = [o.asnumpy() for o in exe.forward(is_train=True)]
        exe.backward([mx.nd.ones(o.shape) for o in outs] if U.needs_head_grads(model) else None)
        results.append((outs, {k: g.asnumpy() for k, g in exe.grad_dict.items()},
                        {k: a.asnumpy() for k, a in exe.aux_dict.items()}))
    base = results[0]
    for other in results[1:]:
        for a, b in zip(base[0], other[0]):
            U.assert_close(a, b, "outputs", rtol=1e-5, atol=1e-6)
        for k in base[1]:
            U.assert_close(base[1][k], other[1][k], "gradient " + k, rtol=1e-4, atol=1e-5)
        for k in base[2]:
            U.assert_close(base[2][k], other[2][k], "aux " + k, rtol=1e-5, atol=1e-6)
