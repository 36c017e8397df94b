"""One helper for layer tests: run a layer imperatively and hybridized with the same
parameters and input, and check that outputs, input gradients, parameter gradients and
aux states after the step agree."""
import numpy as np

import framework as mx
from framework import autograd

RTOL, ATOL = 1e-5, 1e-5


def _relative_params(layer):
    return {name[len(layer.prefix):]: p for name, p in layer.collect_params().items()}


def run_layer(layer, x, params=None, train=True, head=None, grad_x=True, hybridize=False):
    """One recorded forward + backward of `layer` on `x` (numpy).  `params` (relative name
    -> numpy) are loaded first; without them the layer is initialized (Uniform, seed 7)
    and its values returned.  Returns a dict: out, head, grad:x, param:<n>, grad:<n>,
    after:<n> (parameters with grad_req 'null' after the step)."""
    xa = mx.nd.array(x)
    if params is None:
        mx.random.seed(7)
        layer.initialize(mx.init.Uniform(0.7))
        with autograd.pause():
            layer(xa)  # finishes deferred initialization
        params = {k: p.data().asnumpy().copy() for k, p in _relative_params(layer).items()}
    else:
        for rel, p in _relative_params(layer).items():
            p._load_init(mx.nd.array(params[rel]), mx.cpu())
    if hybridize:
        layer.hybridize()
    if grad_x:
        xa.attach_grad()
    with autograd.record(train_mode=train):
        out = layer(xa)
    if head is None:
        head = np.linspace(-1.0, 1.5, out.size).reshape(out.shape).astype(np.float32)
    out.backward(mx.nd.array(head))
    res = {"out": out.asnumpy(), "head": head}
    res.update({"param:" + k: v for k, v in params.items()})
    if grad_x:
        res["grad:x"] = xa.grad.asnumpy()
    for rel, p in _relative_params(layer).items():
        if p.grad_req != "null":
            res["grad:" + rel] = p.grad().asnumpy()
        else:
            res["after:" + rel] = p.data().asnumpy()
    return res


def check_layer(factory, x, params=None, train=True, head=None, grad_x=True,
                rtol=RTOL, atol=ATOL):
    """Run `factory()` imperatively and a second `factory()` hybridized with the same
    parameters; assert every output and gradient matches; return the imperative results."""
    imp = run_layer(factory(), x, params, train, head, grad_x, hybridize=False)
    params = {k[6:]: v for k, v in imp.items() if k.startswith("param:")}
    hyb = run_layer(factory(), x, params, train, imp["head"], grad_x, hybridize=True)
    assert sorted(imp) == sorted(hyb)
    for key in imp:
        np.testing.assert_allclose(hyb[key], imp[key], rtol=rtol, atol=atol,
                                   err_msg="hybridized != imperative for " + key)
    return imp
