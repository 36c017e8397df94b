"""Every model-zoo architecture and the examples' networks export to ONNX: a hybridized
Gluon model is exported (HybridBlock.export), the files go through mx.onnx.export_model,
onnx.checker accepts the model and ONNX Runtime's outputs equal ours.  Architectures run
in small configurations (classes=10, narrow widths, small inputs) to keep CI fast; the
layer types, wiring and names are those of the full models."""
import os

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import framework as mx                                           # noqa: E402
from framework.gluon.model_zoo import vision                     # noqa: E402
from .util import export_and_check                               # noqa: E402

ZOO = {
    "resnet_v1": (lambda: vision.ResNetV1(vision.BasicBlockV1, [1, 1, 1, 1],
                                          [8, 8, 16, 24, 32], classes=10), (1, 3, 32, 32)),
    "resnet_v1_bottleneck": (lambda: vision.ResNetV1(vision.BottleneckV1, [1, 1, 1, 1],
                                                     [8, 16, 24, 32, 40], classes=10),
                             (1, 3, 32, 32)),
    "resnet_v2": (lambda: vision.ResNetV2(vision.BasicBlockV2, [1, 1, 1, 1],
                                          [8, 8, 16, 24, 32], classes=10), (1, 3, 32, 32)),
    "vgg_bn": (lambda: vision.VGG([1, 1], [4, 8], classes=10, batch_norm=True), (1, 3, 16, 16)),
    "alexnet": (lambda: vision.AlexNet(classes=10), (1, 3, 64, 64)),
    "squeezenet1.0": (lambda: vision.get_model("squeezenet1.0", classes=10), (1, 3, 224, 224)),
    "squeezenet1.1": (lambda: vision.get_model("squeezenet1.1", classes=10), (1, 3, 224, 224)),
    "densenet": (lambda: vision.DenseNet(8, 4, [2, 2], classes=10), (1, 3, 64, 64)),
    "mobilenet": (lambda: vision.get_model("mobilenet0.25", classes=10), (1, 3, 32, 32)),
    "mobilenetv2": (lambda: vision.get_model("mobilenetv2_0.25", classes=10), (1, 3, 32, 32)),
    "train_digits_lenet": (None, (2, 1, 8, 8)),
}


def _build(name):
    if name == "train_digits_lenet":
        import importlib.util
        path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "train_digits.py")
        spec = importlib.util.spec_from_file_location("train_digits", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.lenet()
    return ZOO[name][0]()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ZOO))
def test_model_zoo_architecture_exports(name, tmp_path):
    mx.random.seed(0)
    with mx.name.NameManager():
        net = _build(name)
    net.initialize(mx.init.Xavier(magnitude=2))
    shape = ZOO[name][1]
    x = mx.nd.array(np.random.RandomState(0).rand(*shape).astype(np.float32))
    net.hybridize()
    net(x)
    for p in net.collect_params().values():       # non-trivial BatchNorm statistics
        if p.name.endswith("running_var"):
            p.set_data(mx.nd.array(np.random.RandomState(1).rand(*p.shape) + 0.5))
        elif p.name.endswith("running_mean"):
            p.set_data(mx.nd.array(np.random.RandomState(2).randn(*p.shape) * 0.1))
    want = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / "zoo"))
    sym = mx.sym.load(sym_file)
    params = {k.split(":", 1)[1]: v for k, v in mx.nd.load(params_file).items()}
    export_and_check(sym, params, {"data": x.asnumpy()}, tmp_path, want=[want],
                     rtol=1e-4, atol=1e-5)
