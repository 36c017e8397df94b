"""Golden Gluon files made by real MXNet 1.9.1 (run only in /work/mxnet-venv):

    /work/mxnet-venv/bin/python tests/gluon/make_golden_gluon.py

Writes tests/gluon/data/: lenet_bn-symbol.json / lenet_bn-0000.params (an exported
hybridized model), lenet_bn_io.npz (input, output in inference mode, and training-mode
output + gradients after one forward/backward), lenet_bn_structural.params
(save_parameters), and gluon_names.json (parameter names and structural keys).
"""
import json
import os

os.environ["MXNET_MKLDNN_ENABLED"] = "0"   # MKLDNN's BatchNorm differs (MXNET_NOTES.md)
os.environ["MXNET_STORAGE_FALLBACK_LOG_VERBOSE"] = "0"

import mxnet as mx
import numpy as np
from mxnet import gluon, autograd
from mxnet.gluon import nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def lenet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(6, kernel_size=3, padding=1, activation="relu"),
                nn.BatchNorm(),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(8, kernel_size=3),
                nn.Activation("tanh"),
                nn.AvgPool2D(pool_size=2),
                nn.Flatten(),
                nn.Dense(16, activation="relu"),
                nn.Dropout(0.5),
                nn.Dense(10))
    return net


def main():
    os.makedirs(HERE, exist_ok=True)
    mx.random.seed(1)
    np.random.seed(1)
    net = lenet()
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(0).rand(2, 1, 8, 8).astype(np.float32))
    net(x)
    # make BN's running stats non-trivial
    for p in net.collect_params().values():
        if "running" in p.name:
            p.set_data(mx.nd.array(np.random.RandomState(3).rand(*p.shape) + 0.5))
    net.hybridize()
    y = net(x)
    net.export(os.path.join(HERE, "lenet_bn"), epoch=0)
    net.save_parameters(os.path.join(HERE, "lenet_bn_structural.params"))
    params = net.collect_params()
    for p in params.values():
        if p.grad_req != "null":
            p.grad_req = "write"
    label = mx.nd.array([3, 7])
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    # inference-mode forward and backward (dropout off, BN on the running statistics)
    with autograd.record(train_mode=False):
        out_eval = net(x)
        loss = loss_fn(out_eval, label)
    loss.backward(train_mode=False)
    grads = {k: v.grad().asnumpy() for k, v in params.items() if v.grad_req != "null"}
    # training-mode forward and backward with dropout disabled by rate 0: BN uses batch
    # statistics and updates its running statistics in backward
    net[8]._rate = 0.0
    net.hybridize()
    with autograd.record():
        loss_train = loss_fn(net(x), label)
    loss_train.backward()
    train = {"train_grad:" + k: v.grad().asnumpy() for k, v in params.items()
             if v.grad_req != "null"}
    train.update({"train_aux:" + k: v.data().asnumpy() for k, v in params.items()
                  if v.grad_req == "null"})
    np.savez(os.path.join(HERE, "lenet_bn_io.npz"), x=x.asnumpy(), y=y.asnumpy(),
             loss=loss.asnumpy(), loss_train=loss_train.asnumpy(),
             **{"grad:" + k: v for k, v in grads.items()}, **train)
    nested = nn.HybridSequential()
    with nested.name_scope():
        inner = nn.HybridSequential()
        with inner.name_scope():
            inner.add(nn.Dense(3), nn.Dense(4))
        nested.add(inner, nn.Dense(2), nn.BatchNorm())
    names = {"lenet": list(params.keys()),
             "lenet_structural": sorted(mx.nd.load(
                 os.path.join(HERE, "lenet_bn_structural.params")).keys()),
             "nested": list(nested.collect_params().keys()),
             "nested_select": list(nested.collect_params(".*weight|.*bias").keys())}
    with open(os.path.join(HERE, "gluon_names.json"), "w") as f:
        json.dump(names, f, indent=1)
    print("wrote", sorted(os.listdir(HERE)))


if __name__ == "__main__":
    main()
