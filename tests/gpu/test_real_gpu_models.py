"""Real GPU only (skipped in the simulator): MLP and LeNet training steps (hybridized Gluon,
Trainer sgd with momentum) on mx.gpu(0) against the same steps on the CPU, and the step time
against PyTorch CUDA when torch has CUDA.  Timings are printed (`pytest -s`), never asserted."""
import time

import numpy as np
import pytest

import framework as mx
from framework import autograd, gluon
from kernels.cuda.runtime import SIMULATOR

pytestmark = pytest.mark.skipif(SIMULATOR or mx.context.num_gpus() == 0,
                                reason="needs a real GPU (realistic shapes, timings)")
BATCH = 64


def mlp():
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(256, activation="relu"), gluon.nn.Dense(128, activation="relu"),
                gluon.nn.Dense(10))
    return net, (BATCH, 784)


def lenet():
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Conv2D(20, kernel_size=5, activation="tanh"),
                gluon.nn.MaxPool2D(pool_size=2, strides=2),
                gluon.nn.Conv2D(50, kernel_size=5, activation="tanh"),
                gluon.nn.MaxPool2D(pool_size=2, strides=2),
                gluon.nn.Flatten(), gluon.nn.Dense(500, activation="tanh"), gluon.nn.Dense(10))
    return net, (BATCH, 1, 28, 28)


def _setup(make, ctx):
    mx.random.seed(0)
    net, shape = make()
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05,
                                                          "momentum": 0.9})
    rng = np.random.default_rng(1)
    x = mx.nd.array(rng.standard_normal(shape) * 0.5, ctx=ctx)
    y = mx.nd.array(rng.integers(0, 10, BATCH), ctx=ctx)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def step():
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(BATCH)
        return loss

    return net, step


def _time(step, repeat=20):
    step().wait_to_read()
    mx.nd.waitall()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        mx.nd.waitall()
        best = min(best, time.perf_counter() - t)
    return best


def _torch_step(name):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        return None
    nn = torch.nn
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                              nn.Linear(128, 10))
        shape = (BATCH, 784)
    else:
        model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.Tanh(), nn.MaxPool2d(2, 2),
                              nn.Conv2d(20, 50, 5), nn.Tanh(), nn.MaxPool2d(2, 2), nn.Flatten(),
                              nn.Linear(800, 500), nn.Tanh(), nn.Linear(500, 10))
        shape = (BATCH, 1, 28, 28)
    model = model.cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = torch.randn(shape, device="cuda")
    y = torch.randint(0, 10, (BATCH,), device="cuda")
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    step()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(20):
        t = time.perf_counter()
        step()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("name,make", [("mlp", mlp), ("lenet", lenet)])
def test_training_steps_equal_cpu_and_timing(name, make):
    results = []
    for ctx in (mx.cpu(), mx.gpu(0)):
        net, step = _setup(make, ctx)
        losses = [step().asnumpy() for _ in range(2)]
        params = [p.data(ctx).asnumpy() for p in net.collect_params().values()]
        results.append((losses, params))
    (loss_c, par_c), (loss_g, par_g) = results
    for a, b in zip(loss_c, loss_g):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4)
    for a, b in zip(par_c, par_g):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4)
    _, step = _setup(make, mx.gpu(0))
    ours = _time(step)
    theirs = _torch_step(name)
    line = "\n%s training step (batch %d): ours %.3f ms" % (name, BATCH, ours * 1e3)
    if theirs is not None:
        line += ", torch CUDA %.3f ms: %.2fx" % (theirs * 1e3, ours / theirs)
    print(line)
