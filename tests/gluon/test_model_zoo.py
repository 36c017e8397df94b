"""Model zoo: parameter names equal MXNet 1.9.1's for every architecture; small
configurations load MXNet-saved parameters and predict MXNet's numbers; hybridized runs
equal imperative ones; pretrained=True without a local file is a clear error."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.gluon.model_zoo import vision

DATA = os.path.join(os.path.dirname(__file__), "data")
NAMES = json.load(open(os.path.join(DATA, "model_zoo_names.json")))
IO = np.load(os.path.join(DATA, "model_zoo_io.npz"))

SMALL = {
    "resnet_v1_small": lambda: vision.ResNetV1(vision.BasicBlockV1, [1, 1, 1, 1],
                                               [8, 8, 16, 24, 32], classes=10),
    "resnet_v2_small": lambda: vision.ResNetV2(vision.BottleneckV2, [1, 1, 1, 1],
                                               [8, 16, 24, 32, 40], classes=10,
                                               thumbnail=True),
    "densenet_small": lambda: vision.DenseNet(8, 4, [2, 2], classes=10),
    "mobilenet0.25": lambda: vision.get_model("mobilenet0.25", classes=10),
    "mobilenetv2_0.25": lambda: vision.get_model("mobilenetv2_0.25", classes=10),
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_parameter_names_match_mxnet(name):
    with mx.name.NameManager():
        net = vision.get_model(name)
    assert list(net.collect_params().keys()) == NAMES[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_mxnet_parameters_predict_identically(name):
    with mx.name.NameManager():
        net = SMALL[name]()
    net.load_parameters(os.path.join(DATA, "zoo_%s.params" % name))
    x = mx.nd.array(IO["x:" + name])
    want = IO["y:" + name]
    np.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-4, atol=1e-5)
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-4, atol=1e-5)


def test_unknown_model_and_pretrained_without_file(tmp_path):
    with pytest.raises(ValueError, match="resnet18_v1"):
        vision.get_model("resnet7")
    with pytest.raises(MXNetError, match="load_parameters"):
        vision.get_model("alexnet", pretrained=True, root=str(tmp_path))
