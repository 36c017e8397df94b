"""gluon.Trainer: MXNet's update formulas through step(), lr_mult/wd_mult, stale gradients,
states round trip, learning-rate changes."""
import numpy as np
import pytest

import framework as mx
from framework import autograd, gluon


def _param(name, value, **kwargs):
    p = gluon.Parameter(name, shape=np.shape(value), **kwargs)
    p.initialize(mx.init.Constant(0), ctx=mx.cpu())
    p.set_data(mx.nd.array(value))
    return p


def _backward(params, coeffs):
    """loss = sum_i sum(coeff_i * p_i^2): gradient 2 * coeff_i * p_i."""
    with autograd.record():
        loss = None
        for p, c in zip(params, coeffs):
            term = (p.data() * p.data() * c).sum()
            loss = term if loss is None else loss + term
    loss.backward()


def test_sgd_momentum_matches_mxnet_formula():
    rng = np.random.RandomState(0)
    w0, b0 = rng.randn(3, 2), rng.randn(3)
    w, b = _param("w", w0), _param("b", b0, lr_mult=0.5, wd_mult=0.0)
    lr, mom, wd, batch = 0.1, 0.9, 0.01, 4
    trainer = gluon.Trainer([w, b], "sgd", {"learning_rate": lr, "momentum": mom, "wd": wd})
    ref = {"w": (w0.copy(), np.zeros_like(w0), 1.0, 1.0),
           "b": (b0.copy(), np.zeros_like(b0), 0.5, 0.0)}
    coeffs = [1.0, 3.0]
    for _ in range(3):
        _backward([w, b], coeffs)
        trainer.step(batch)
        for (name, (weight, state, lr_mult, wd_mult)), c in zip(list(ref.items()), coeffs):
            grad = 2 * c * weight / batch                      # rescale_grad = 1/batch
            state = mom * state - lr * lr_mult * (grad + wd * wd_mult * weight)
            ref[name] = (weight + state, state, lr_mult, wd_mult)
    np.testing.assert_allclose(w.data().asnumpy(), ref["w"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.data().asnumpy(), ref["b"][0], rtol=1e-5, atol=1e-6)


def test_adam_through_trainer_matches_formula():
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]])
    w = _param("w", w0)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    trainer = gluon.Trainer([w], "adam", {"learning_rate": lr})
    weight, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, 4):
        _backward([w], [1.0])
        trainer.step(2)
        grad = 2 * weight / 2
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        weight = weight - lr_t * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(w.data().asnumpy(), weight, rtol=1e-5, atol=1e-7)


def test_stale_gradient_raises_and_can_be_ignored():
    w, unused = _param("w", np.ones(2)), _param("unused", np.ones(2))
    trainer = gluon.Trainer([w, unused], "sgd", {"learning_rate": 1.0})
    _backward([w], [1.0])
    with pytest.raises(UserWarning, match="`unused`.*has not been updated"):
        trainer.step(1)
    _backward([w], [1.0])
    trainer.step(1, ignore_stale_grad=True)
    np.testing.assert_allclose(unused.data().asnumpy(), [1, 1])
    assert not np.allclose(w.data().asnumpy(), [1, 1])


def test_params_dict_is_sorted_by_name_and_lr_changes():
    params = gluon.ParameterDict()
    params.get("b", shape=(1,))
    params.get("a", shape=(1,))
    params.initialize(mx.init.One())
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.5})
    assert [p.name for p in trainer._params] == ["a", "b"]
    assert trainer.learning_rate == 0.5
    trainer.set_learning_rate(0.25)
    assert trainer.learning_rate == 0.25


def test_save_and_load_states_round_trip(tmp_path):
    w0 = np.array([1.0, -2.0, 3.0])

    def run(save_at=None, load_from=None):
        w = _param("w", w0)
        trainer = gluon.Trainer([w], "sgd", {"learning_rate": 0.1, "momentum": 0.9})
        if load_from:
            w.set_data(mx.nd.array(load_from[0]))
            trainer.load_states(load_from[1])
        for i in range(2):
            _backward([w], [1.0])
            trainer.step(1)
            if save_at is not None and i == 0:
                trainer.save_states(save_at)
                snapshot = w.data().asnumpy().copy()
        return w.data().asnumpy(), (snapshot if save_at else None)

    f = str(tmp_path / "t.states")
    full, snap = run(save_at=f)
    data = open(f, "rb").read()
    assert b"\x80" not in data[:2]                 # not a pickle stream
    resumed, _ = run(load_from=(snap, f))
    # resumed run: one step from the snapshot with the saved momentum + one more step
    w = _param("w", snap)
    trainer = gluon.Trainer([w], "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    trainer.load_states(f)
    _backward([w], [1.0])
    trainer.step(1)
    np.testing.assert_allclose(w.data().asnumpy(), full, rtol=1e-6)


def test_trainer_rejects_bad_params():
    with pytest.raises(ValueError, match="list or dict of Parameters"):
        gluon.Trainer("w", "sgd")
    with pytest.raises(ValueError, match="list of"):
        gluon.Trainer([1, 2], "sgd")


@pytest.mark.parametrize("hybrid", [False, True])
def test_two_contexts_equal_one(hybrid):
    """Data parallel over cpu(0), cpu(1): one parameter copy per context, gradients summed
    through the kvstore, the same result as one context on the whole batch."""
    from framework.gluon import nn
    rng = np.random.RandomState(5)
    x, y = rng.randn(8, 6).astype(np.float32), rng.randint(0, 3, 8).astype(np.float32)
    results = []
    for ctxs in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        mx.random.seed(7)
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Dense(5, activation="tanh", in_units=6), nn.Dense(3, in_units=5))
        net.initialize(mx.init.Xavier(), ctx=ctxs)
        if hybrid:
            net.hybridize()
        trainer = gluon.Trainer(net.collect_params(), "sgd",
                                {"learning_rate": 0.5, "momentum": 0.9})
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        for _ in range(3):
            xs = gluon.utils.split_and_load(mx.nd.array(x), ctxs)
            ys = gluon.utils.split_and_load(mx.nd.array(y), ctxs)
            with autograd.record():
                losses = [loss_fn(net(a), b) for a, b in zip(xs, ys)]
            for loss in losses:
                loss.backward()
            trainer.step(8)
        params = [p.list_data() for p in net.collect_params().values()]
        for copies in params:          # every context holds the same values
            for c in copies[1:]:
                np.testing.assert_allclose(c.asnumpy(), copies[0].asnumpy(), rtol=1e-6)
        results.append([c[0].asnumpy() for c in params])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
