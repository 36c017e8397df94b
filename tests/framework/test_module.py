"""mx.mod.Module: bind/init/forward/backward/update against hand-computed SGD on the
Executor, fit/score/predict, checkpoints (atomic, MXNet's file names), multi-context
data parallelism, and bad input."""
import logging
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError


def _mlp():
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def _data(n=24, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 5).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32) + (x[:, 1] > 0.5)
    return x, y.astype(np.float32)


def _init_params(seed=1):
    rng = np.random.RandomState(seed)
    shapes = {"fc1_weight": (8, 5), "fc1_bias": (8,), "fc2_weight": (3, 8), "fc2_bias": (3,)}
    return {k: mx.nd.array(rng.randn(*s) * 0.3) for k, s in shapes.items()}


def _bound(batch=6, contexts=None):
    mod = mx.mod.Module(_mlp(), context=contexts or mx.cpu())
    mod.bind(data_shapes=[("data", (batch, 5))], label_shapes=[("softmax_label", (batch,))])
    mod.init_params(arg_params=_init_params(), aux_params={})
    return mod


def test_names_and_shapes():
    mod = _bound()
    assert mod.data_names == ["data"] and mod.label_names == ["softmax_label"]
    assert mod.output_names == ["softmax_output"]
    assert mod.output_shapes == [("softmax_output", (6, 3))]
    assert [d.name for d in mod.data_shapes] == ["data"]


def test_steps_match_executor_with_hand_sgd():
    x, y = _data(12)
    lr, batch = 0.5, 6
    mod = _bound(batch)
    mod.init_optimizer(optimizer="sgd", optimizer_params=(("learning_rate", lr),))
    exe = _mlp().simple_bind(mx.cpu(), data=(batch, 5), softmax_label=(batch,))
    params = {k: v.asnumpy() for k, v in _init_params().items()}
    for i in range(2):
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        mod.forward(mx.io.DataBatch([mx.nd.array(xb)], [mx.nd.array(yb)]), is_train=True)
        mod.backward()
        mod.update()
        for k, v in params.items():
            exe.arg_dict[k][:] = v
        exe.forward(is_train=True, data=xb, softmax_label=yb)
        exe.backward()
        for k in params:        # rescale_grad = 1/batch_size, as Module sets it
            params[k] = params[k] - lr * exe.grad_dict[k].asnumpy() / batch
    arg_params, _ = mod.get_params()
    for k, v in params.items():
        np.testing.assert_allclose(arg_params[k].asnumpy(), v, rtol=1e-5, atol=1e-6)


def test_two_contexts_equal_one():
    x, y = _data(12)
    results = []
    for contexts in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        mod = _bound(12, contexts)
        mod.init_optimizer(kvstore="local", optimizer="sgd",
                           optimizer_params=(("learning_rate", 0.3), ("momentum", 0.9)))
        for _ in range(3):
            mod.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
            mod.update()
        out = mod.get_outputs()[0].asnumpy()
        results.append((out, {k: v.asnumpy() for k, v in mod.get_params()[0].items()}))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5, atol=1e-6)
    for k in results[0][1]:
        np.testing.assert_allclose(results[1][1][k], results[0][1][k], rtol=1e-5, atol=1e-6)


def test_forward_with_new_batch_size_reshapes():
    mod = _bound(6)
    x, _ = _data(4)
    mod.forward(mx.io.DataBatch([mx.nd.array(x)], []), is_train=False)
    out = mod.get_outputs()[0]
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out.asnumpy().sum(axis=1), np.ones(4), rtol=1e-5)


def test_checkpoint_round_trip(tmp_path):
    prefix = str(tmp_path / "mlp")
    mod = _bound()
    mod.init_optimizer(optimizer="sgd", optimizer_params=(("learning_rate", 0.1),
                                                          ("momentum", 0.9)))
    x, y = _data(6)
    mod.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
    mod.update()
    mod.save_checkpoint(prefix, 3, save_optimizer_states=True)
    assert sorted(os.listdir(tmp_path)) == ["mlp-0003.params", "mlp-0003.states",
                                            "mlp-symbol.json"]
    keys = set(mx.nd.load(prefix + "-0003.params"))
    assert keys == {"arg:fc1_weight", "arg:fc1_bias", "arg:fc2_weight", "arg:fc2_bias"}
    loaded = mx.mod.Module.load(prefix, 3, load_optimizer_states=True)
    loaded.bind(data_shapes=[("data", (6, 5))], label_shapes=[("softmax_label", (6,))])
    loaded.init_optimizer(optimizer="sgd", optimizer_params=(("learning_rate", 0.1),
                                                             ("momentum", 0.9)))
    for m in (mod, loaded):
        m.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
        m.update()
    a, b = mod.get_params()[0], loaded.get_params()[0]
    for k in a:          # same weights and the same momentum state -> the same next step
        np.testing.assert_allclose(b[k].asnumpy(), a[k].asnumpy(), rtol=1e-6)
    sym, args, auxs = mx.model.load_checkpoint(prefix, 3)
    assert sym.list_outputs() == ["softmax_output"] and auxs == {}


def test_fit_score_predict(caplog):
    x, y = _data(60, seed=3)
    train = mx.io.NDArrayIter(x, y, batch_size=10, shuffle=False)
    mod = mx.mod.Module(_mlp())
    with caplog.at_level(logging.INFO):
        mod.fit(train, eval_data=train, optimizer="sgd",
                optimizer_params={"learning_rate": 0.5}, num_epoch=8,
                initializer=mx.init.Xavier(),
                batch_end_callback=mx.callback.Speedometer(10, 2))
    text = caplog.text
    assert "Epoch[7] Train-accuracy=" in text and "Epoch[7] Validation-accuracy=" in text
    assert "Speed:" in text and "samples/sec" in text
    (name, acc), = mod.score(train, "acc")
    assert name == "accuracy" and acc > 0.8
    preds = mod.predict(train)
    assert preds.shape == (60, 3)
    np.testing.assert_allclose((preds.asnumpy().argmax(1) == y).mean(), acc)


def test_bad_input():
    with pytest.raises(ValueError, match="not found in symbol.list_arguments"):
        mx.mod.Module(_mlp(), data_names=["images"])
    mod = mx.mod.Module(_mlp())
    with pytest.raises(ValueError, match="don't match names"):
        mod.bind(data_shapes=[("images", (2, 5))], label_shapes=[("softmax_label", (2,))])
    mod = _bound(6)
    with pytest.raises(MXNetError, match="init_optimizer"):
        mod.update()
    with pytest.raises(MXNetError, match="fc1_weight changed"):
        mod.forward(mx.io.DataBatch([mx.nd.ones((6, 7))], [mx.nd.ones((6,))]))


def test_a_variables_own_init_wins_in_init_params():
    data = mx.sym.var("data")
    weight = mx.sym.var("fc_weight", init=mx.init.Constant(3.0))
    net = mx.sym.FullyConnected(data, weight=weight, num_hidden=2, name="fc")
    mod = mx.mod.Module(net, label_names=None)
    mod.bind(data_shapes=[("data", (1, 4))])
    mod.init_params(initializer=mx.init.Uniform(0.01))
    args, _ = mod.get_params()
    np.testing.assert_array_equal(args["fc_weight"].asnumpy(), np.full((2, 4), 3.0))
    assert np.all(args["fc_bias"].asnumpy() == 0)              # bias rule: zeros
