"""Train a hybridized Gluon LeNet on the bundled handwritten digits, print the compiled graph,
export the model and check that the reloaded model predicts the same.

    python examples/train_digits.py

hybridize() traces the network once into a Symbol; every call then runs one compiled graph
(shape/dtype inference, the gradient pass, fusion, memory planning, Numba kernels), and
under autograd.record() the whole network is one tape node whose backward is the compiled
backward graph.  The UCI digits ship inside the package, so this needs no download.
"""
import os
import tempfile
import time

import numpy as np

import framework as mx
from framework import autograd, gluon
from framework.gluon import nn
from framework.gluon.data.vision import Digits, transforms


def lenet():
    """LeNet for 8x8 images: two conv/pool stages and two dense layers."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(16, kernel_size=3, padding=1, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(32, kernel_size=3, padding=1, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Flatten(),
                nn.Dense(64, activation="relu"),
                nn.Dense(10))
    return net


def evaluate(net, loader):
    metric = mx.metric.Accuracy()
    for data, label in loader:
        metric.update([label], [net(data)])
    return metric.get()[1]


def main(epochs=12, batch_size=32, lr=0.05, out_dir=None):
    mx.random.seed(42)
    np.random.seed(42)
    to_tensor = transforms.ToTensor()
    train_data = gluon.data.DataLoader(Digits(train=True).transform_first(to_tensor),
                                       batch_size=batch_size, shuffle=True)
    test_data = gluon.data.DataLoader(Digits(train=False).transform_first(to_tensor),
                                      batch_size=100)
    net = lenet()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    steps_per_epoch = len(train_data)
    schedule = mx.lr_scheduler.CosineScheduler(max_update=epochs * steps_per_epoch, base_lr=lr,
                                               final_lr=lr / 100)
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": lr, "momentum": 0.9, "lr_scheduler": schedule})
    train_acc = mx.metric.Accuracy()
    start = time.perf_counter()
    steps = 0
    for epoch in range(epochs):
        train_acc.reset()
        total = 0.0
        for data, label in train_data:
            with autograd.record():
                output = net(data)
                loss = loss_fn(output, label)
            loss.backward()
            trainer.step(data.shape[0])
            train_acc.update([label], [output])
            total += float(loss.sum().asscalar())
            steps += 1
        print("Epoch[%d] loss=%.4f train-accuracy=%.4f test-accuracy=%.4f"
              % (epoch, total / 1500, train_acc.get()[1], evaluate(net, test_data)))
    elapsed = time.perf_counter() - start
    acc = evaluate(net, test_data)
    print("test accuracy %.4f after %d epochs in %.1f s (%.2f ms per training step)"
          % (acc, epochs, elapsed, 1e3 * elapsed / steps))
    print()
    print("The compiled graph of the hybridized network (training step):")
    print(net.debug_str())

    out_dir = out_dir or tempfile.mkdtemp(prefix="digits-")
    prefix = os.path.join(out_dir, "lenet")
    sym_file, params_file = net.export(prefix, epoch=epochs)
    reloaded = gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    batch = next(iter(test_data))[0]
    same = np.array_equal(net(batch).asnumpy(), reloaded(batch).asnumpy())
    print("exported %s and %s; reloaded with SymbolBlock.imports: predictions %s"
          % (os.path.basename(sym_file), os.path.basename(params_file),
             "identical" if same else "DIFFER"))
    return acc, same


if __name__ == "__main__":
    main()
