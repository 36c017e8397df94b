"""Suite "models", Gluon: hybridized training steps as a user writes them.

mlp_hybrid_step: HybridSequential of nn.Dense 784-512-512-10 (relu), batch 128.
lenet_hybrid_step: Conv2D(20, 5x5, tanh), MaxPool 2x2, Conv2D(50, 5x5, tanh), MaxPool 2x2,
Dense(500, tanh), Dense(10); batch 64.
One step: forward + SoftmaxCrossEntropyLoss under autograd.record(), backward,
Trainer('sgd').step(batch).  Ours and MXNet run the same Gluon code (hybridize with
static_alloc/static_shape, MXNet's fastest setting); torch eager runs the same model with
the same initial weights and data (CrossEntropyLoss mean, optim.SGD: the same update).
The check compares the first step's forward output (logits) with NumPy's.
"""
import numpy as np

from ..workload import Workload
from . import _np_nn as npn
from ._common import framework, mxnet, torch
from ._gluon import gluon_module, hybridized_plans, mxnet_synced, set_params, train_step
from .models import _LENET_PARAMS, _lenet_inputs, _mlp_inputs

SUITE = "models"
LR = 0.05


def gluon_classifier_step(mx, net, d, batch, optimizer="sgd", optimizer_params=None):
    """The Gluon training step of `net` on d["x"], d["y"]; the returned step callable also
    carries `net`, `plans()` (compiled plans, ours) and `rebatch(b)` (the same step on a new
    batch size, for the compile suite)."""
    gluon = gluon_module(mx)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), optimizer,
                            optimizer_params or {"learning_rate": LR})

    def make(xn, yn, b):
        x = mx.nd.array(xn, dtype=xn.dtype)
        y = mx.nd.array(yn, dtype=yn.dtype)
        return train_step(mx, net, loss_fn, trainer, x, y, b)

    step = make(d["x"], d["y"], batch)

    def rebatch(b):
        rng = np.random.default_rng(1)
        xn = rng.standard_normal((b,) + d["x"].shape[1:], dtype=np.float32)
        yn = rng.integers(0, 10, b).astype(np.float32)
        return make(xn, yn, b)

    step.net = net
    step.plans = lambda: hybridized_plans(net)
    step.rebatch = rebatch
    return step


def _hybridize(net):
    net.hybridize(static_alloc=True, static_shape=True)
    return net


# --- MLP -----------------------------------------------------------------------------------

def gluon_mlp(mx, d, s):
    nn = gluon_module(mx).nn
    n = len(s["hidden"]) + 1
    net = nn.HybridSequential()
    with net.name_scope():
        in_units = 784
        for i in range(n):
            units = d["w%d" % i].shape[0]
            net.add(nn.Dense(units, activation="relu" if i < n - 1 else None, in_units=in_units))
            in_units = units
    net.initialize()
    set_params(mx, net, [d[k % i] for i in range(n) for k in ("w%d", "b%d")],
               kinds=["weight", "bias"] * n)
    return _hybridize(net)


def torch_mlp_step(d, s):
    th = torch()
    n = len(s["hidden"]) + 1
    layers = []
    for i in range(n):
        w = d["w%d" % i]
        lin = th.nn.Linear(w.shape[1], w.shape[0])
        with th.no_grad():
            lin.weight.copy_(th.from_numpy(w))
            lin.bias.copy_(th.from_numpy(d["b%d" % i]))
        layers += [lin, th.nn.ReLU()] if i < n - 1 else [lin]
    return torch_classifier_step(th.nn.Sequential(*layers), d)


def torch_classifier_step(model, d, momentum=0.0, flat=None):
    """torch eager: zero_grad, forward, cross-entropy (mean), backward, SGD step."""
    th = torch()
    opt = th.optim.SGD(model.parameters(), lr=LR, momentum=momentum)
    loss_fn = th.nn.CrossEntropyLoss()
    x, y = th.from_numpy(d["x"]), th.from_numpy(d["y"]).long()

    def step():
        opt.zero_grad(set_to_none=False)
        out = model(x)
        loss_fn(out if flat is None else out.reshape(-1, flat), y).backward()
        opt.step()
        return out.detach()
    step.model = model
    return step


def mlp_hybrid_step():
    def ours(d, s, dev):
        mx = framework()
        return gluon_classifier_step(mx, gluon_mlp(mx, d, s), d, s["batch"])

    def numpy(d, s, dev):
        n = len(s["hidden"]) + 1

        def forward():
            h = npn.f64(d["x"])
            for i in range(n):
                h = npn.dense(h, npn.f64(d["w%d" % i]), npn.f64(d["b%d" % i]))
                h = npn.relu(h) if i < n - 1 else h
            return h
        return forward

    def mxnet_(d, s, dev):
        mxn = mxnet()
        return mxnet_synced(gluon_classifier_step(mxn, gluon_mlp(mxn, d, s), d, s["batch"]))

    return Workload("mlp_hybrid_step", SUITE, "Gluon HybridSequential MLP 784-512-512-10 (Dense, "
                    "relu), hybridized, batch 128: record forward + SoftmaxCrossEntropyLoss, "
                    "backward, Trainer('sgd').step", inputs=_mlp_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": lambda d, s, dev: torch_mlp_step(d, s),
                           "mxnet": mxnet_},
                    ops=("FullyConnected", "Activation", "log_softmax", "pick", "sgd_update"),
                    flops=lambda s: 6 * s["batch"] * sum(a * b for a, b in zip(
                        [784] + list(s["hidden"]), list(s["hidden"]) + [10])),
                    tol=1e-3, time_reference=False, full=dict(batch=128, hidden=(512, 512)),
                    quick=dict(batch=8, hidden=(16, 16)))


# --- LeNet ---------------------------------------------------------------------------------

def gluon_lenet(mx, d):
    nn = gluon_module(mx).nn
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, kernel_size=5, activation="tanh", in_channels=1),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(50, kernel_size=5, activation="tanh", in_channels=20),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Dense(500, activation="tanh", in_units=800),
                nn.Dense(10, in_units=500))
    net.initialize()
    set_params(mx, net, [d[k] for k in _LENET_PARAMS], kinds=["weight", "bias"] * 4)
    return _hybridize(net)


def torch_lenet_step(d):
    th = torch()
    nn = th.nn
    model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.Tanh(), nn.MaxPool2d(2, 2),
                          nn.Conv2d(20, 50, 5), nn.Tanh(), nn.MaxPool2d(2, 2), nn.Flatten(),
                          nn.Linear(800, 500), nn.Tanh(), nn.Linear(500, 10))
    with th.no_grad():
        for p, k in zip(model.parameters(), _LENET_PARAMS):
            p.copy_(th.from_numpy(d[k]))
    return torch_classifier_step(model, d)


def lenet_hybrid_step():
    def ours(d, s, dev):
        mx = framework()
        return gluon_classifier_step(mx, gluon_lenet(mx, d), d, s["batch"])

    def numpy(d, s, dev):
        return lambda: npn.lenet_forward(d["x"], {k: d[k] for k in _LENET_PARAMS})

    def mxnet_(d, s, dev):
        mxn = mxnet()
        return mxnet_synced(gluon_classifier_step(mxn, gluon_lenet(mxn, d), d, s["batch"]))

    return Workload("lenet_hybrid_step", SUITE, "Gluon LeNet (Conv2D 20 5x5 tanh, MaxPool, Conv2D "
                    "50 5x5 tanh, MaxPool, Dense 500 tanh, Dense 10), hybridized, batch 64: "
                    "training step (SoftmaxCrossEntropyLoss, Trainer('sgd'))", inputs=_lenet_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": lambda d, s, dev: torch_lenet_step(d),
                           "mxnet": mxnet_},
                    ops=("Convolution", "Pooling", "FullyConnected", "Activation", "log_softmax",
                         "sgd_update"),
                    tol=1e-3, time_reference=False, full=dict(batch=64), quick=dict(batch=4))


WORKLOADS = [mlp_hybrid_step(), lenet_hybrid_step()]
