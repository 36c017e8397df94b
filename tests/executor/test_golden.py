"""Golden symbol files written by MXNet 1.9.1 (tests/compat/data/symbols): they load, bind and
give MXNet's recorded executor outputs (forward with is_train False and True) and leave the
aux states as MXNet did after a training forward (BatchNorm updates them in backward)."""
import numpy as np
import pytest

import framework as mx
from tests.compat import golden_symbols as G

CASES = sorted(c for c in G.CASES if "npz" in G.CASES[c])


def _bind(sym, inputs, grad_req="null"):
    args = {k: mx.nd.array(v, dtype=v.dtype) for k, v in inputs.items()
            if k in sym.list_arguments()}
    aux = {k: mx.nd.array(v, dtype=v.dtype) for k, v in inputs.items()
           if k in sym.list_auxiliary_states()}
    grads = None
    if grad_req != "null":
        grads = {k: mx.nd.zeros(v.shape, dtype=v.dtype) for k, v in args.items()}
    return sym.bind(mx.cpu(), args, args_grad=grads, grad_req=grad_req, aux_states=aux)


@pytest.mark.parametrize("cid", CASES)
def test_bind_forward_matches_mxnet(cid):
    sym = mx.sym.load(G.path(cid))
    inputs, outs, train_outs, train_aux = G.arrays(cid)
    exe = _bind(sym, inputs)
    got = exe.forward(is_train=False)
    assert len(got) == len(outs)
    for g, w in zip(got, outs):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g.asnumpy(), w, rtol=1e-4, atol=1e-5)
    got = exe.forward(is_train=True)
    for g, w in zip(got, train_outs):
        np.testing.assert_allclose(g.asnumpy(), w, rtol=1e-4, atol=1e-5)
    for name, w in train_aux.items():
        np.testing.assert_allclose(exe.aux_dict[name].asnumpy(), w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cid", CASES)
def test_simple_bind_with_gradients_gives_the_same_forward(cid):
    sym = mx.sym.load(G.path(cid))
    inputs, _, train_outs, _ = G.arrays(cid)
    shapes = {k: v.shape for k, v in inputs.items() if k in sym.list_arguments()}
    types = {k: v.dtype for k, v in inputs.items() if k in sym.list_arguments()}
    exe = sym.simple_bind(mx.cpu(), grad_req="write", type_dict=types, **shapes)
    exe.copy_params_from({k: mx.nd.array(v, dtype=v.dtype) for k, v in inputs.items()
                          if k in exe.arg_dict},
                         {k: mx.nd.array(v, dtype=v.dtype) for k, v in inputs.items()
                          if k in exe.aux_dict})
    got = exe.forward(is_train=True)
    for g, w in zip(got, train_outs):
        np.testing.assert_allclose(g.asnumpy(), w, rtol=1e-4, atol=1e-5)


def test_eval_runs_through_the_executor():
    sym = mx.sym.load(G.path("mlp"))
    inputs, outs, _, _ = G.arrays("mlp")
    got = sym.eval(mx.cpu(), **{k: mx.nd.array(v) for k, v in inputs.items()})
    np.testing.assert_allclose(got[0].asnumpy(), outs[0], rtol=1e-4, atol=1e-5)
