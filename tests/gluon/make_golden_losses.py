"""Golden values for gluon.loss from real MXNet 1.9.1 (run only in /work/mxnet-venv):

    /work/mxnet-venv/bin/python tests/gluon/make_golden_losses.py

Writes tests/gluon/data/losses.json (one entry per case: loss class, constructor kwargs,
number of inputs) and tests/gluon/data/losses.npz (`<case>:in<i>` inputs, `<case>:head`
the head gradient, `<case>:out` the loss, `<case>:grad<i>` the gradient of
sum(head * loss) with respect to every input).  Each case is also run hybridized here and
must match the imperative result.
"""
import json
import os

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
RNG = np.random.RandomState(42)


def normal(*shape):
    return RNG.randn(*shape).astype(np.float32)


def uniform(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


def signs(*shape):
    return np.where(RNG.rand(*shape) > 0.5, 1.0, -1.0).astype(np.float32)


def log_softmax(x, axis=-1):
    x = x - x.max(axis=axis, keepdims=True)
    return (x - np.log(np.exp(x).sum(axis=axis, keepdims=True))).astype(np.float32)


def softmax(x, axis=-1):
    return np.exp(log_softmax(x, axis)).astype(np.float32)


def cases():
    """(name, class name, kwargs, inputs, hybridizable: True, False, or "value" when MXNet
    can only compute the value) for every case."""
    sw = uniform(0.5, 1.5, 3, 1)
    c = []
    add = c.append
    add(("l2", "L2Loss", {}, [normal(3, 4), normal(3, 4)], True))
    add(("l2_weight_sw", "L2Loss", {"weight": 2.0}, [normal(3, 4), normal(3, 4), sw], True))
    add(("l2_label_reshape", "L2Loss", {}, [normal(3, 1), normal(3)], True))
    add(("l2_batch_axis1", "L2Loss", {"batch_axis": 1}, [normal(2, 3, 2), normal(2, 3, 2)],
         True))
    add(("l1", "L1Loss", {}, [normal(3, 4), normal(3, 4)], True))
    add(("l1_weight_sw", "L1Loss", {"weight": 0.5}, [normal(3, 2, 2), normal(3, 2, 2),
                                                     uniform(0.5, 1.5, 3, 1, 1)], True))
    add(("sbce", "SigmoidBinaryCrossEntropyLoss", {},
         [normal(3, 4) * 3, (RNG.rand(3, 4) > 0.5).astype(np.float32)], True))
    add(("sbce_sw", "SigmoidBinaryCrossEntropyLoss", {"weight": 1.5},
         [normal(3, 4), (RNG.rand(3, 4) > 0.5).astype(np.float32), sw], True))
    add(("sbce_from_sigmoid", "SigmoidBinaryCrossEntropyLoss", {"from_sigmoid": True},
         [uniform(0.05, 0.95, 3, 4), (RNG.rand(3, 4) > 0.5).astype(np.float32)], True))
    add(("sbce_pos_weight", "SigmoidBinaryCrossEntropyLoss", {},
         [normal(3, 4), (RNG.rand(3, 4) > 0.5).astype(np.float32), None,
          uniform(0.5, 3.0, 1, 4)], True))
    add(("sbce_from_sigmoid_pos_weight", "SigmoidBinaryCrossEntropyLoss",
         {"from_sigmoid": True},
         [uniform(0.05, 0.95, 3, 4), (RNG.rand(3, 4) > 0.5).astype(np.float32), None,
          uniform(0.5, 3.0, 1, 4)], True))
    add(("sce", "SoftmaxCrossEntropyLoss", {},
         [normal(4, 5), np.array([0, 3, 4, 1], np.float32)], True))
    add(("sce_axis1", "SoftmaxCrossEntropyLoss", {"axis": 1},
         [normal(2, 4, 3), RNG.randint(0, 4, (2, 3)).astype(np.float32)], True))
    add(("sce_dense", "SoftmaxCrossEntropyLoss", {"sparse_label": False},
         [normal(3, 5), softmax(normal(3, 5))], True))
    add(("sce_from_logits", "SoftmaxCrossEntropyLoss", {"from_logits": True},
         [log_softmax(normal(4, 5)), np.array([1, 0, 2, 4], np.float32)], True))
    add(("sce_weight_sw", "SoftmaxCrossEntropyLoss", {"weight": 0.7},
         [normal(3, 5), np.array([2, 0, 1], np.float32), sw], True))
    add(("kl", "KLDivLoss", {}, [log_softmax(normal(3, 5)), softmax(normal(3, 5))], True))
    add(("kl_not_from_logits", "KLDivLoss", {"from_logits": False},
         [normal(3, 5), softmax(normal(3, 5))], True))
    add(("kl_axis1_sw", "KLDivLoss", {"from_logits": False, "axis": 1, "weight": 2.0},
         [normal(2, 4, 3), softmax(normal(2, 4, 3), 1), uniform(0.5, 1.5, 2, 1, 1)], True))
    add(("huber", "HuberLoss", {}, [normal(3, 4) * 2, normal(3, 4)], True))
    add(("huber_rho", "HuberLoss", {"rho": 0.5, "weight": 3.0},
         [normal(3, 4), normal(3, 4), sw], True))
    add(("hinge", "HingeLoss", {}, [normal(3, 4), signs(3, 4)], True))
    add(("hinge_margin", "HingeLoss", {"margin": 2, "weight": 0.5},
         [normal(3, 4), signs(3, 4), sw], True))
    add(("sq_hinge", "SquaredHingeLoss", {}, [normal(3, 4), signs(3, 4)], True))
    add(("sq_hinge_margin", "SquaredHingeLoss", {"margin": 0.5},
         [normal(3, 4), signs(3, 4), sw], True))
    add(("logistic", "LogisticLoss", {}, [normal(3, 4) * 2, signs(3, 4)], True))
    add(("logistic_binary", "LogisticLoss", {"label_format": "binary"},
         [normal(3, 4), (RNG.rand(3, 4) > 0.5).astype(np.float32), sw], True))
    add(("triplet", "TripletLoss", {}, [normal(3, 4), normal(3, 4), normal(3, 4)], True))
    add(("triplet_margin", "TripletLoss", {"margin": 3, "weight": 2.0},
         [normal(3, 2, 2), normal(3, 2, 2), normal(3, 2, 2)], True))
    add(("poisson", "PoissonNLLLoss", {}, [normal(3, 4), uniform(0, 4, 3, 4)], True))
    add(("poisson_not_logits", "PoissonNLLLoss", {"from_logits": False, "weight": 2.0},
         [uniform(0.1, 3, 3, 4), uniform(0, 4, 3, 4), sw], True))
    # MXNet's compute_full updates in place (`*=`): autograd refuses it while recording and
    # Symbol has no `*=`, so MXNet gives only the imperative value, no gradient
    add(("poisson_full", "PoissonNLLLoss", {"compute_full": True},
         [normal(3, 4), uniform(0.5, 4, 3, 4)], "value"))
    add(("cosine", "CosineEmbeddingLoss", {},
         [normal(4, 3), normal(4, 3), np.array([1, -1, -1, 1], np.float32)], True))
    add(("cosine_margin_sw", "CosineEmbeddingLoss", {"margin": 0.2, "weight": 2.0},
         [normal(4, 3), normal(4, 3), np.array([-1, 1, -1, -1], np.float32),
          uniform(0.5, 1.5, 4, 1)], True))
    add(("sdml", "SDMLLoss", {}, [normal(4, 3), normal(4, 3)], False))
    return c


def run(cls, kwargs, inputs, hybridize, record=True):
    loss_fn = getattr(gluon.loss, cls)(**kwargs)
    if hybridize:
        loss_fn.hybridize()
    arrays = [None if a is None else mx.nd.array(a) for a in inputs]
    if not record:
        return loss_fn(*arrays).asnumpy()
    for a in arrays:
        if a is not None:
            a.attach_grad()
    with autograd.record():
        out = loss_fn(*arrays)
    head = np.linspace(0.5, 1.5, out.size).reshape(out.shape).astype(np.float32)
    out.backward(mx.nd.array(head))
    grads = [None if a is None else a.grad.asnumpy() for a in arrays]
    return out.asnumpy(), head, grads


def main():
    os.makedirs(HERE, exist_ok=True)
    spec, arrays = {}, {}
    for name, cls, kwargs, inputs, hybridizable in cases():
        if hybridizable == "value":
            out, head, grads = run(cls, kwargs, inputs, False, record=False), None, None
            hybridizable = False
        else:
            out, head, grads = run(cls, kwargs, inputs, False)
        if hybridizable:
            out_h, _, grads_h = run(cls, kwargs, inputs, True)
            np.testing.assert_allclose(out_h, out, rtol=1e-5, atol=1e-6)
            for g, gh in zip(grads, grads_h):
                if g is not None:
                    np.testing.assert_allclose(gh, g, rtol=1e-5, atol=1e-6)
        spec[name] = {"cls": cls, "kwargs": kwargs, "n_inputs": len(inputs),
                      "none_inputs": [i for i, a in enumerate(inputs) if a is None],
                      "hybridizable": hybridizable}
        spec[name]["has_grads"] = grads is not None
        arrays[name + ":out"] = out
        if grads is not None:
            arrays[name + ":head"] = head
        for i, a in enumerate(inputs):
            if a is not None:
                arrays["%s:in%d" % (name, i)] = a
                if grads is not None:
                    arrays["%s:grad%d" % (name, i)] = grads[i]
    with open(os.path.join(HERE, "losses.json"), "w") as f:
        json.dump(spec, f, indent=1, sort_keys=True)
    np.savez(os.path.join(HERE, "losses.npz"), **arrays)
    print("wrote %d loss cases" % len(spec))


if __name__ == "__main__":
    main()
