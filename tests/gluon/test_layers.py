"""gluon.nn layers: outputs and gradients against real MXNet 1.9.1 (tests/gluon/data/layers.*,
made by make_golden_layers.py) and NumPy, hybridized == imperative for every layer, reprs,
parameter names, deferred initialization and Dropout."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework import autograd
from framework.gluon import nn
from tests.gluon.layer_check import check_layer, run_layer

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
with open(os.path.join(DATA, "layers.json")) as _f:
    SPECS = json.load(_f)
GOLDEN = np.load(os.path.join(DATA, "layers.npz"))


def tuplify(v):
    if isinstance(v, list):
        return tuple(tuplify(i) for i in v)
    if isinstance(v, dict):
        return {k: tuplify(i) for k, i in v.items()}
    return v


def factory(spec):
    return lambda: getattr(nn, spec["cls"])(*tuplify(spec["args"]), **tuplify(spec["kwargs"]))


def golden(name):
    prefix = name + ":"
    return {k[len(prefix):]: GOLDEN[k] for k in GOLDEN.files if k.startswith(prefix)}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_layer_matches_mxnet_both_modes(name):
    spec, gold = SPECS[name], golden(name)
    params = {k[6:]: v for k, v in gold.items() if k.startswith("param:")}
    res = check_layer(factory(spec), gold["x"], params, train=spec["train"],
                      head=gold["head"], grad_x=spec["kind"] == "normal")
    gold.pop("x")
    if spec["kwargs"].get("scale") is False and spec["cls"] == "BatchNorm":
        # MXNet 1.9.1's oneDNN BatchNorm writes 1 into gamma in a fix_gamma forward; here
        # gamma keeps its stored value (the output treats it as 1 in both)
        np.testing.assert_allclose(gold.pop("after:gamma"), 1.0)
        res.pop("after:gamma")
    assert sorted(res) == sorted(gold)
    for key, want in gold.items():
        np.testing.assert_allclose(res[key], want, rtol=1e-4, atol=2e-5,
                                   err_msg="%s: %s differs from MXNet" % (name, key))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_repr_and_param_names_match_mxnet(name):
    spec = SPECS[name]
    layer = factory(spec)()
    assert repr(layer) == spec["repr_before"]
    x = GOLDEN[name + ":x"]
    run_layer(layer, x, grad_x=spec["kind"] == "normal", train=spec["train"])
    assert repr(layer) == spec["repr_after"]
    got = [[n[len(layer.prefix):], list(p.shape), p.grad_req]
           for n, p in layer.collect_params().items()]
    assert got == spec["params"]


# --- NumPy formulas ------------------------------------------------------------------------

def test_dense_numpy():
    x = np.random.RandomState(0).randn(2, 3, 2).astype(np.float32)
    res = check_layer(lambda: nn.Dense(4, activation="relu"), x)
    w, b = res["param:weight"], res["param:bias"]
    pre = x.reshape(2, 6) @ w.T + b
    np.testing.assert_allclose(res["out"], np.maximum(pre, 0), rtol=1e-5, atol=1e-6)
    g = res["head"] * (pre > 0)
    np.testing.assert_allclose(res["grad:weight"], g.T @ x.reshape(2, 6), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(res["grad:bias"], g.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res["grad:x"], (g @ w).reshape(x.shape), rtol=1e-5, atol=1e-6)


def test_conv2d_numpy():
    rng = np.random.RandomState(1)
    x = rng.randn(1, 2, 5, 4).astype(np.float32)
    res = check_layer(lambda: nn.Conv2D(3, (3, 2), strides=(2, 1), padding=(1, 0)), x)
    w, b = res["param:weight"], res["param:bias"]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    out = np.zeros((1, 3, 3, 3), np.float32)
    for i in range(3):
        for j in range(3):
            patch = xp[0, :, 2 * i:2 * i + 3, j:j + 2]
            out[0, :, i, j] = (w * patch).sum(axis=(1, 2, 3)) + b
    np.testing.assert_allclose(res["out"], out, rtol=1e-5, atol=1e-5)


def test_batchnorm_train_numpy():
    x = np.random.RandomState(2).randn(4, 3, 2).astype(np.float32)
    res = check_layer(lambda: nn.BatchNorm(momentum=0.7), x)
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    xhat = (x - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    want = xhat * res["param:gamma"][None, :, None] + res["param:beta"][None, :, None]
    np.testing.assert_allclose(res["out"], want, rtol=1e-4, atol=1e-5)
    # running statistics: momentum * old + (1 - momentum) * batch (biased batch variance)
    np.testing.assert_allclose(res["after:running_mean"],
                               0.7 * res["param:running_mean"] + 0.3 * mean, rtol=1e-5)
    np.testing.assert_allclose(res["after:running_var"],
                               0.7 * res["param:running_var"] + 0.3 * var, rtol=1e-4)


def test_embedding_numpy():
    idx = np.array([[0, 4, 4], [2, 1, 0]], np.float32)
    res = check_layer(lambda: nn.Embedding(5, 2), idx, grad_x=False)
    w = res["param:weight"]
    np.testing.assert_allclose(res["out"], w[idx.astype(int)])
    want = np.zeros_like(w)
    np.add.at(want, idx.astype(int).ravel(), res["head"].reshape(-1, 2))
    np.testing.assert_allclose(res["grad:weight"], want, rtol=1e-6)


def test_swish_and_activation_numpy():
    x = np.linspace(-3, 3, 10).astype(np.float32).reshape(2, 5)
    res = check_layer(lambda: nn.Swish(2.0), x)
    sig = 1 / (1 + np.exp(-2.0 * x))
    np.testing.assert_allclose(res["out"], x * sig, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res["grad:x"], res["head"] * (sig + 2.0 * x * sig * (1 - sig)),
                               rtol=1e-4, atol=1e-6)
    res = check_layer(lambda: nn.LeakyReLU(0.2), x)
    np.testing.assert_allclose(res["out"], np.where(x > 0, x, 0.2 * x), rtol=1e-6)


# --- Dropout ----------------------------------------------------------------------------------

@pytest.mark.parametrize("hybridize", [False, True])
def test_dropout_training_scales_kept_units(hybridize):
    layer = nn.Dropout(0.5, axes=(1,))
    if hybridize:
        layer.hybridize()
    x = mx.nd.array(np.random.RandomState(3).uniform(1, 2, (6, 40, 2)))
    x.attach_grad()
    with autograd.record():
        y = layer(x)
    y.backward(mx.nd.ones(y.shape) * 3)
    out, xv = y.asnumpy(), x.asnumpy()
    mask = out != 0
    np.testing.assert_allclose(out[mask], 2 * xv[mask], rtol=1e-6)
    assert (mask == mask[:, :1, :]).all(), "axes=(1,) shares one mask along axis 1"
    assert 0 < mask.mean() < 1
    np.testing.assert_allclose(x.grad.asnumpy(), 6.0 * mask, rtol=1e-6)
    # inference: identity
    np.testing.assert_allclose(layer(x).asnumpy(), xv)


# --- deferred initialization ---------------------------------------------------------------------

@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_init_infers_input_dims(hybridize):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, 3), nn.BatchNorm(), nn.Conv2DTranspose(2, 2), nn.Flatten(),
                nn.Dense(4), nn.LayerNorm(), nn.Dense(2))
    net.initialize()
    if hybridize:
        net.hybridize()
    assert net[0].weight.shape == (3, 0, 3, 3)
    with pytest.raises(mx.gluon.DeferredInitializationError):
        net[0].weight.data()
    out = net(mx.nd.ones((2, 5, 4, 4)))
    assert out.shape == (2, 2)
    shapes = {n[len(net.prefix):]: p.shape for n, p in net.collect_params().items()}
    assert shapes == {"conv0_weight": (3, 5, 3, 3), "conv0_bias": (3,),
                      "batchnorm0_gamma": (3,), "batchnorm0_beta": (3,),
                      "batchnorm0_running_mean": (3,), "batchnorm0_running_var": (3,),
                      "conv1_weight": (3, 2, 2, 2), "conv1_bias": (2,),
                      "dense0_weight": (4, 18), "dense0_bias": (4,),
                      "layernorm0_gamma": (4,), "layernorm0_beta": (4,),
                      "dense1_weight": (2, 4), "dense1_bias": (2,)}
    assert repr(net[4]) == "Dense(18 -> 4, linear)"
    assert repr(net[2]).startswith("Conv2DTranspose(2 -> 3, kernel_size=(2, 2)")


def test_given_in_units_initializes_immediately():
    layer = nn.Dense(3, in_units=4, weight_initializer=mx.init.Constant(0.5),
                     bias_initializer=mx.init.Constant(0.25))
    layer.initialize()
    np.testing.assert_allclose(layer.weight.data().asnumpy(), np.full((3, 4), 0.5))
    np.testing.assert_allclose(layer(mx.nd.ones((1, 4))).asnumpy(), [[2.25] * 3])


def test_prelu_default_alpha_and_dense_dtype():
    layer = nn.PReLU()
    layer.initialize()
    np.testing.assert_allclose(layer.alpha.data().asnumpy(), [0.25])
    np.testing.assert_allclose(layer(mx.nd.array([[-2.0, 2.0]])).asnumpy(), [[-0.5, 2.0]])
    dense = nn.Dense(2, dtype="float64", in_units=3)
    dense.initialize()
    assert dense(mx.nd.ones((1, 3), dtype="float64")).dtype == np.float64


def test_batchnorm_cast_float16_keeps_float32():
    bn = nn.BatchNorm(in_channels=2)
    bn.initialize()
    bn.cast("float16")
    assert bn.gamma.data().dtype == np.float32


def test_embedding_sparse_grad_is_a_clear_error():
    with pytest.raises(mx.MXNetError, match="sparse_grad"):
        nn.Embedding(4, 2, sparse_grad=True)


def test_conv_group_mismatch_and_layout_assertions():
    with pytest.raises(mx.MXNetError, match="divisible by groups"):
        nn.Conv2D(4, 3, in_channels=3, groups=2)
    with pytest.raises(AssertionError):
        nn.Conv1D(2, 3, layout="NCHW")
    with pytest.raises(AssertionError):
        nn.MaxPool2D(layout="NCW")
    with pytest.raises(AssertionError):
        nn.LeakyReLU(-0.1)


# --- whole models: hybridized == imperative ---------------------------------------------------

def test_layers_model_inference_both_modes():
    from tests.gluon.layer_models import layers_model
    x = np.random.RandomState(4).randn(2, 3, 4, 4).astype(np.float32)
    res = check_layer(lambda: layers_model(nn), x, train=False)
    assert res["out"].shape == (2, 3)
    assert np.abs(res["grad:x"]).sum() > 0


def test_conv_bn_net_training_both_modes():
    def factory():
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Conv2D(3, 3, padding=1), nn.BatchNorm(), nn.Activation("relu"),
                    nn.MaxPool2D(), nn.Conv2D(4, 2), nn.GlobalAvgPool2D(), nn.Flatten(),
                    nn.Dense(5), nn.HybridLambda(
                        lambda F, x: F.log_softmax(x, axis=-1)))
        return net
    x = np.random.RandomState(5).randn(3, 2, 6, 6).astype(np.float32)
    res = check_layer(factory, x, train=True)
    # after one training step BN's running mean moved towards the batch mean
    assert not np.allclose(res["after:batchnorm0_running_mean"],
                           res["param:batchnorm0_running_mean"])
    np.testing.assert_allclose(np.exp(res["out"]).sum(axis=1), 1.0, rtol=1e-5)
