"""gluon.loss: values and gradients (every input, with a non-uniform head gradient) against
real MXNet 1.9.1 (tests/gluon/data/losses.*, made by make_golden_losses.py), imperative and
hybridized; MXNet's reductions, weights and reprs."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework import autograd
from framework.gluon import loss as gloss

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
with open(os.path.join(DATA, "losses.json")) as _f:
    SPECS = json.load(_f)
GOLDEN = np.load(os.path.join(DATA, "losses.npz"))


def run_loss(spec, inputs, head, hybridize):
    fn = getattr(gloss, spec["cls"])(**spec["kwargs"])
    if hybridize:
        fn.hybridize()
    arrays = [None if a is None else mx.nd.array(a) for a in inputs]
    if head is None:
        return fn(*arrays).asnumpy(), None
    for a in arrays:
        if a is not None:
            a.attach_grad()
    with autograd.record():
        out = fn(*arrays)
    out.backward(mx.nd.array(head))
    return out.asnumpy(), [None if a is None else a.grad.asnumpy() for a in arrays]


def case_inputs(name, spec):
    return [None if i in spec["none_inputs"] else GOLDEN["%s:in%d" % (name, i)]
            for i in range(spec["n_inputs"])]


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_loss_matches_mxnet(name, hybridize):
    spec = SPECS[name]
    if hybridize and not spec["hybridizable"]:
        pytest.skip("MXNet 1.9.1 cannot hybridize %s either" % spec["cls"])
    inputs = case_inputs(name, spec)
    head = GOLDEN[name + ":head"] if spec["has_grads"] else None
    out, grads = run_loss(spec, inputs, head, hybridize)
    np.testing.assert_allclose(out, GOLDEN[name + ":out"], rtol=1e-5, atol=1e-6)
    assert out.shape == GOLDEN[name + ":out"].shape
    if grads is None:
        return
    for i, g in enumerate(grads):
        if g is not None:
            np.testing.assert_allclose(g, GOLDEN["%s:grad%d" % (name, i)], rtol=1e-4,
                                       atol=1e-6, err_msg="gradient of input %d" % i)


def test_poisson_full_gradient_by_finite_differences():
    # MXNet 1.9.1 cannot record this loss (in-place `*=`): check ours numerically
    spec = SPECS["poisson_full"]
    pred, target = case_inputs("poisson_full", spec)
    head = np.array(1.7, np.float32).reshape(GOLDEN["poisson_full:out"].shape)
    for hybridize in (False, True):
        _, grads = run_loss(spec, [pred, target], head, hybridize)
        fn = gloss.PoissonNLLLoss(compute_full=True)

        def f(p, t):
            return float(fn(mx.nd.array(p, dtype="float64"),
                            mx.nd.array(t, dtype="float64")).asnumpy().sum()) * 1.7

        p64, t64 = pred.astype(np.float64), target.astype(np.float64)
        for idx in [(0, 0), (1, 2), (2, 3)]:
            for which, base in ((0, p64), (1, t64)):
                plus, minus = base.copy(), base.copy()
                plus[idx] += 1e-6
                minus[idx] -= 1e-6
                args_p = (plus, t64) if which == 0 else (p64, plus)
                args_m = (minus, t64) if which == 0 else (p64, minus)
                fd = (f(*args_p) - f(*args_m)) / 2e-6
                np.testing.assert_allclose(grads[which][idx], fd, rtol=1e-3, atol=1e-5)


def test_l2_loss_half_factor_and_mean_over_non_batch_axes():
    pred = mx.nd.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    label = mx.nd.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(gloss.L2Loss()(pred, label).asnumpy(),
                               [14 / 6.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(gloss.L2Loss(weight=4.0)(pred, label).asnumpy(),
                               [4 * 14 / 6.0, 8.0], rtol=1e-6)


def test_batch_axis_keeps_that_axis():
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    out = gloss.L1Loss(batch_axis=1)(mx.nd.array(x), mx.nd.zeros((2, 3, 2))).asnumpy()
    np.testing.assert_allclose(out, np.abs(x).mean(axis=(0, 2)))


def test_kl_div_sums_over_classes():
    logp = np.log(np.array([[0.25, 0.75]], np.float32))
    q = np.array([[0.5, 0.5]], np.float32)
    out = gloss.KLDivLoss()(mx.nd.array(logp), mx.nd.array(q)).asnumpy()
    np.testing.assert_allclose(out, [(q * (np.log(q + 1e-12) - logp)).sum()], rtol=1e-5)


def test_reprs_and_aliases():
    assert repr(gloss.L2Loss()) == "L2Loss(batch_axis=0, w=1.0)"
    assert repr(gloss.SoftmaxCELoss(batch_axis=1)) == \
        "SoftmaxCrossEntropyLoss(batch_axis=1, w=None)"
    assert gloss.SigmoidBCELoss is gloss.SigmoidBinaryCrossEntropyLoss
    assert mx.gluon.loss.HuberLoss().name.startswith("huberloss")


def test_bad_arguments():
    with pytest.raises(ValueError, match="label_format"):
        gloss.LogisticLoss(label_format="other")
    with pytest.raises(AssertionError, match="weight must be a number"):
        gloss.L1Loss(weight=mx.nd.ones((1,)))(mx.nd.ones((2, 2)), mx.nd.ones((2, 2)))
    with pytest.raises(mx.MXNetError, match="CTCLoss"):
        gloss.CTCLoss()
    with pytest.raises(mx.MXNetError, match="softmaxcrossentropyloss"):
        gloss.SoftmaxCrossEntropyLoss(sparse_label=False)(mx.nd.ones((2, 3)),
                                                           mx.nd.ones((2, 4)))
