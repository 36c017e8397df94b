"""Suite "models": ResNet-18 v1 from the Gluon model zoo (model_zoo.vision.resnet18_v1).

resnet18_infer: batch 8, 3x224x224, hybridized, inference (autograd off; BatchNorm uses
its running statistics).
resnet18_train: resnet18_v1(classes=10), batch 16, 3x32x32, hybridized training step
(SoftmaxCrossEntropyLoss, Trainer('sgd', momentum 0.9)).
torch eager runs a ResNet-18 written here (_torch_resnet.py; torchvision is not installed)
with the same weights, in inference_mode / train mode.  MXNet runs the same Gluon code.
The check compares the forward output (logits) with a float64 NumPy ResNet-18.
"""
import importlib

import numpy as np

from ..workload import Workload
from . import _np_nn as npn
from ._common import NotAvailable, framework, mxnet, torch
from ._gluon import mxnet_synced, set_params
from .gluon_models import gluon_classifier_step, torch_classifier_step

SUITE = "models"
STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))


def resnet18_specs(classes):
    """[(name suffix, shape)] of resnet18_v1's parameters in collect_params() order."""
    def conv_bn(out_c, in_c, k):
        return [("weight", (out_c, in_c, k, k)), ("gamma", (out_c,)), ("beta", (out_c,)),
                ("running_mean", (out_c,)), ("running_var", (out_c,))]

    specs = conv_bn(64, 3, 7)
    in_c = 64
    for channels, _ in STAGES:
        for block in range(2):
            specs += conv_bn(channels, in_c if block == 0 else channels, 3)
            specs += conv_bn(channels, channels, 3)
            if block == 0 and channels != in_c:
                specs += conv_bn(channels, in_c, 1)
        in_c = channels
    return specs + [("weight", (classes, 512)), ("bias", (classes,))]


def resnet18_flops(batch, size, classes):
    """Forward multiply-adds x 2 of the convolutions and the dense layer."""
    def out(h, k, s, p):
        return (h + 2 * p - k) // s + 1
    h = out(size, 7, 2, 3)
    total = 64 * 3 * 49 * h * h
    h = out(h, 3, 2, 1)
    in_c = 64
    for channels, stride in STAGES:
        for block in range(2):
            s = stride if block == 0 else 1
            h2 = out(h, 3, s, 1)
            total += channels * (in_c if block == 0 else channels) * 9 * h2 * h2
            total += channels * channels * 9 * h2 * h2
            if block == 0 and channels != in_c:
                total += channels * in_c * h2 * h2
            h = h2
        in_c = channels
    return 2 * batch * (total + 512 * classes)


def resnet_inputs(s, rng):
    specs = resnet18_specs(s["classes"])
    d = {"x": rng.standard_normal((s["batch"], 3, s["size"], s["size"]), dtype=np.float32),
         "y": rng.integers(0, s["classes"], s["batch"]).astype(np.float32)}
    for k, (kind, shape) in enumerate(specs):
        if kind == "weight":
            fan_in = int(np.prod(shape[1:]))
            w = rng.standard_normal(shape) * np.sqrt((2.0 if len(shape) == 4 else 1.0) / fan_in)
        elif kind == "gamma":
            w = 1 + 0.1 * rng.standard_normal(shape)
        elif kind in ("beta", "running_mean", "bias"):
            w = 0.1 * rng.standard_normal(shape)
        else:                                   # running_var
            w = rng.uniform(0.5, 1.5, shape)
        d["p%03d" % k] = np.asarray(w, np.float32)
    return d


def weights(d):
    return [d[k] for k in sorted(k for k in d if k.startswith("p"))]


def gluon_resnet18(mx, d, s):
    try:
        vision = importlib.import_module(mx.__name__ + ".gluon.model_zoo.vision")
    except Exception as err:
        raise NotAvailable("%s.gluon.model_zoo.vision is not importable: %s: %s"
                           % (mx.__name__, type(err).__name__, err))
    net = vision.resnet18_v1(classes=s["classes"])
    net.initialize()
    set_params(mx, net, weights(d), kinds=[k for k, _ in resnet18_specs(s["classes"])])
    net.hybridize(static_alloc=True, static_shape=True)
    return net


# --- inference -------------------------------------------------------------------------------

def _gluon_infer(mx, d, s):
    net = gluon_resnet18(mx, d, s)
    x = mx.nd.array(d["x"])

    def infer():
        return net(x)
    infer.net = net
    return infer


def resnet18_infer():
    def ours(d, s, dev):
        from ._gluon import hybridized_plans
        step = _gluon_infer(framework(), d, s)
        step.plans = lambda: hybridized_plans(step.net)
        return step

    def numpy(d, s, dev):
        return lambda: npn.resnet18_forward(d["x"], weights(d), training=False)

    def torch_(d, s, dev):
        th = torch()
        from ._torch_resnet import resnet18
        model = resnet18(weights(d), s["classes"]).eval()
        x = th.from_numpy(d["x"])

        def infer():
            with th.inference_mode():
                return model(x)
        return infer

    def mxnet_(d, s, dev):
        return mxnet_synced(_gluon_infer(mxnet(), d, s))

    return Workload("resnet18_infer", SUITE, "model_zoo resnet18_v1, batch 8, 3x224x224, hybridized, "
                    "inference (autograd off)", inputs=resnet_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("Convolution", "BatchNorm", "Pooling", "FullyConnected"),
                    flops=lambda s: resnet18_flops(s["batch"], s["size"], s["classes"]),
                    tol=2e-3, time_reference=False, full=dict(batch=8, size=224, classes=1000),
                    quick=dict(batch=1, size=32, classes=10))


# --- training ----------------------------------------------------------------------------------

def gluon_resnet_train(mx, d, s):
    return gluon_classifier_step(mx, gluon_resnet18(mx, d, s), d, s["batch"],
                                 optimizer_params={"learning_rate": 0.05, "momentum": 0.9})


def torch_resnet_train(d, s):
    from ._torch_resnet import resnet18
    return torch_classifier_step(resnet18(weights(d), s["classes"]).train(), d, momentum=0.9)


def resnet18_train():
    def ours(d, s, dev):
        return gluon_resnet_train(framework(), d, s)

    def numpy(d, s, dev):
        return lambda: npn.resnet18_forward(d["x"], weights(d), training=True)

    def mxnet_(d, s, dev):
        return mxnet_synced(gluon_resnet_train(mxnet(), d, s))

    return Workload("resnet18_train", SUITE, "model_zoo resnet18_v1(classes=10), batch 16, 3x32x32, "
                    "hybridized training step (SoftmaxCrossEntropyLoss, SGD momentum 0.9)",
                    inputs=resnet_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": lambda d, s, dev: torch_resnet_train(d, s),
                           "mxnet": mxnet_},
                    ops=("Convolution", "BatchNorm", "Pooling", "FullyConnected", "sgd_mom_update"),
                    flops=lambda s: 3 * resnet18_flops(s["batch"], s["size"], s["classes"]),
                    tol=2e-3, time_reference=False, full=dict(batch=16, size=32, classes=10),
                    quick=dict(batch=4, size=32, classes=10))


WORKLOADS = [resnet18_infer(), resnet18_train()]
