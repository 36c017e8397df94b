"""gluon.nn naming against real MXNet 1.9.1: parameter names and prefixes, structural
keys, reprs and the exported symbol JSON of a model holding most layers
(tests/gluon/data/layers_model*, made by make_golden_layers.py); wrong input shapes name the
layer and both shapes; loading parameters with missing or extra names lists them."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.gluon import nn
from tests.gluon.layer_models import layers_model

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def fresh_model():
    with mx.name.NameManager():
        return layers_model(nn)


def test_export_matches_mxnet_bytes_names_and_repr(tmp_path):
    with open(os.path.join(DATA, "layers_model_names.json")) as f:
        want = json.load(f)
    net = fresh_model()
    assert list(net.collect_params().keys()) == want["params"]
    assert want["params"][:2] == ["hybridsequential0_hybridsequential0_conv0_weight",
                                  "hybridsequential0_hybridsequential0_conv0_bias"]
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(5).randn(2, 3, 4, 4).astype(np.float32))
    y_imp = net(x)
    assert repr(net) == want["repr"]
    net.hybridize()
    y = net(x)
    assert list(y.shape) == want["out_shape"]
    np.testing.assert_allclose(y.asnumpy(), y_imp.asnumpy(), rtol=1e-5, atol=1e-6)
    sym_file, params_file = net.export(str(tmp_path / "model"), epoch=3)
    with open(sym_file) as f, open(os.path.join(DATA, "layers_model-symbol.json")) as g:
        assert f.read() == g.read()
    net.save_parameters(str(tmp_path / "structural.params"))
    assert sorted(mx.nd.load(str(tmp_path / "structural.params"))) == want["structural"]
    # the export imports back and predicts the same
    back = mx.gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_allclose(back(x).asnumpy(), y.asnumpy(), rtol=1e-5, atol=1e-6)


def test_prefix_names_in_nested_scopes():
    with mx.name.NameManager():
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Conv2D(2, 3), nn.Conv2D(2, 3), nn.BatchNorm(), nn.Dense(2),
                    nn.Embedding(3, 2), nn.PReLU(), nn.LayerNorm())
        other = nn.Dense(1, prefix="head_")
    assert list(net.collect_params().keys()) == [
        "hybridsequential0_conv0_weight", "hybridsequential0_conv0_bias",
        "hybridsequential0_conv1_weight", "hybridsequential0_conv1_bias",
        "hybridsequential0_batchnorm0_gamma", "hybridsequential0_batchnorm0_beta",
        "hybridsequential0_batchnorm0_running_mean", "hybridsequential0_batchnorm0_running_var",
        "hybridsequential0_dense0_weight", "hybridsequential0_dense0_bias",
        "hybridsequential0_embedding0_weight", "hybridsequential0_prelu0_alpha",
        "hybridsequential0_layernorm0_gamma", "hybridsequential0_layernorm0_beta"]
    assert [net[i].name for i in (0, 1, 3)] == ["hybridsequential0_conv0",
                                               "hybridsequential0_conv1",
                                               "hybridsequential0_dense0"]
    assert list(other.collect_params().keys()) == ["head_weight", "head_bias"]
    assert nn.Activation("relu").name.startswith("relu")
    assert nn.MaxPool2D().name.startswith("pool")


# --- wrong input shapes ----------------------------------------------------------------------

@pytest.mark.parametrize("hybridize", [False, True])
def test_dense_wrong_in_units_names_layer_and_shapes(hybridize):
    layer = nn.Dense(3, in_units=5)
    layer.initialize()
    if hybridize:
        layer.hybridize()
    with pytest.raises(mx.MXNetError) as err:
        layer(mx.nd.ones((2, 7)))
    msg = str(err.value)
    assert layer.name in msg and "Dense" in msg
    assert "(2, 7)" in msg and "(3, 5)" in msg


@pytest.mark.parametrize("hybridize", [False, True])
def test_conv2d_wrong_channels_names_layer_and_shapes(hybridize):
    layer = nn.Conv2D(2, 3, in_channels=3)
    layer.initialize()
    if hybridize:
        layer.hybridize()
    with pytest.raises(mx.MXNetError) as err:
        layer(mx.nd.ones((1, 4, 5, 5)))
    msg = str(err.value)
    assert layer.name in msg and "Conv2D" in msg
    assert "(1, 4, 5, 5)" in msg and "(2, 3, 3, 3)" in msg


def test_error_inside_a_container_names_the_inner_layer():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4), nn.Dense(3, in_units=5))
    net.initialize()
    with pytest.raises(mx.MXNetError) as err:
        net(mx.nd.ones((2, 7)))
    assert net[1].name in str(err.value) and "(2, 4)" in str(err.value)
    net.hybridize()
    with pytest.raises(mx.MXNetError) as err:
        net(mx.nd.ones((2, 7)))
    assert net[1].name + "_fwd" in str(err.value) and "(3, 5)" in str(err.value)


# --- loading parameters ----------------------------------------------------------------------

def _net(extra=False):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.BatchNorm(in_channels=3))
        if extra:
            net.add(nn.Dense(2, in_units=3))
    net.initialize()
    return net


def test_load_parameters_missing_and_extra_are_listed(tmp_path):
    small, big = _net(), _net(extra=True)
    small.save_parameters(str(tmp_path / "small.params"))
    big.save_parameters(str(tmp_path / "big.params"))
    with pytest.raises(mx.MXNetError) as err:
        big.load_parameters(str(tmp_path / "small.params"))
    assert "2.weight" in str(err.value) and "2.bias" in str(err.value)
    assert "allow_missing" in str(err.value)
    with pytest.raises(mx.MXNetError) as err:
        small.load_parameters(str(tmp_path / "big.params"))
    assert "2.weight" in str(err.value) and "ignore_extra" in str(err.value)
    # the permissive flags load what matches
    big.load_parameters(str(tmp_path / "small.params"), allow_missing=True)
    np.testing.assert_allclose(big[0].weight.data().asnumpy(),
                               small[0].weight.data().asnumpy())
    saved = mx.nd.load(str(tmp_path / "big.params"))
    small.load_parameters(str(tmp_path / "big.params"), ignore_extra=True)
    np.testing.assert_allclose(small[0].weight.data().asnumpy(), saved["0.weight"].asnumpy())
    np.testing.assert_allclose(small[1].running_var.data().asnumpy(),
                               saved["1.running_var"].asnumpy())


def test_load_prefixed_parameters_missing_names_listed(tmp_path):
    small, big = _net(), _net(extra=True)
    small.collect_params().save(str(tmp_path / "p.params"), strip_prefix=small.prefix)
    with pytest.raises(mx.MXNetError) as err:
        big.collect_params().load(str(tmp_path / "p.params"), restore_prefix=big.prefix)
    assert "dense1_weight" in str(err.value)
