"""Golden model-zoo data made by real MXNet 1.9.1 (run only in /work/mxnet-venv):

    /work/mxnet-venv/bin/python tests/gluon/make_golden_model_zoo.py

Writes tests/gluon/data/model_zoo_names.json (every model's parameter names in order) and,
for a few small configurations, <model>.params (save_parameters) + model_zoo_io.npz
(input and inference output) so the definitions here can be checked number for number.
"""
import json
import os

os.environ["MXNET_MKLDNN_ENABLED"] = "0"
os.environ["MXNET_STORAGE_FALLBACK_LOG_VERBOSE"] = "0"

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet.gluon.model_zoo import vision  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
NAMES = ["resnet18_v1", "resnet34_v1", "resnet50_v1", "resnet18_v2", "resnet50_v2", "vgg11",
         "vgg11_bn", "vgg16", "vgg16_bn", "alexnet", "densenet121", "squeezenet1.0",
         "squeezenet1.1", "mobilenet1.0", "mobilenetv2_1.0", "mobilenet0.25",
         "mobilenetv2_0.25"]
# (model, constructor, input shape) checked number for number; custom widths keep the
# committed parameter files small while running the same definitions
RUNS = [("resnet_v1_small", lambda: vision.ResNetV1(vision.BasicBlockV1, [1, 1, 1, 1],
                                                    [8, 8, 16, 24, 32], classes=10),
         (2, 3, 32, 32)),
        ("resnet_v2_small", lambda: vision.ResNetV2(vision.BottleneckV2, [1, 1, 1, 1],
                                                    [8, 16, 24, 32, 40], classes=10,
                                                    thumbnail=True), (2, 3, 16, 16)),
        ("densenet_small", lambda: vision.DenseNet(8, 4, [2, 2], classes=10), (1, 3, 64, 64)),
        ("mobilenet0.25", lambda: vision.get_model("mobilenet0.25", classes=10),
         (2, 3, 32, 32)),
        ("mobilenetv2_0.25", lambda: vision.get_model("mobilenetv2_0.25", classes=10),
         (2, 3, 32, 32))]

def main():
    names = {}
    for name in NAMES:
        with mx.name.NameManager():
            net = vision.get_model(name)
        names[name] = list(net.collect_params().keys())
    with open(os.path.join(HERE, "model_zoo_names.json"), "w") as f:
        json.dump(names, f, indent=0)
    io = {}
    for name, make, shape in RUNS:
        mx.random.seed(0)
        with mx.name.NameManager():
            net = make()
        net.initialize(mx.init.Xavier(magnitude=2))
        x = mx.nd.array(np.random.RandomState(0).rand(*shape).astype(np.float32))
        net(x)
        for p in net.collect_params().values():     # non-trivial BN statistics
            if p.name.endswith("running_var"):
                p.set_data(mx.nd.array(np.random.RandomState(1).rand(*p.shape) + 0.5))
            elif p.name.endswith("running_mean"):
                p.set_data(mx.nd.array(np.random.RandomState(2).randn(*p.shape) * 0.1))
        io["x:" + name] = x.asnumpy()
        io["y:" + name] = net(x).asnumpy()
        net.save_parameters(os.path.join(HERE, "zoo_%s.params" % name))
    np.savez_compressed(os.path.join(HERE, "model_zoo_io.npz"), **io)
    print("ok")


if __name__ == "__main__":
    main()
