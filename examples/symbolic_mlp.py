"""Train a symbolic MLP on the bundled digits with mx.sym + Module.fit (MXNet 1.x style),
save a checkpoint, reload it with Module.load and score it.

    python examples/symbolic_mlp.py
"""
import logging
import os
import tempfile

import numpy as np

import framework as mx
from framework.data import load_digits
from framework.gluon.data.vision.datasets import split_order


def mlp(hidden=64):
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=hidden, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def main(epochs=20, batch_size=50, out_dir=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mx.random.seed(0)
    images, labels = load_digits()
    x = (images.reshape(-1, 64) / 16.0).astype(np.float32)
    y = labels.astype(np.float32)
    order = split_order(len(y))            # the train/test split of gluon's Digits dataset
    train_idx, test_idx = order[:1500], order[1500:]
    train = mx.io.NDArrayIter(x[train_idx], y[train_idx], batch_size=batch_size, shuffle=True)
    test = mx.io.NDArrayIter(x[test_idx], y[test_idx], batch_size=batch_size)
    mod = mx.mod.Module(mlp(), context=mx.cpu())
    out_dir = out_dir or tempfile.mkdtemp(prefix="digits-mlp-")
    prefix = os.path.join(out_dir, "mlp")
    mod.fit(train, eval_data=test, eval_metric="acc", optimizer="sgd",
            optimizer_params={"learning_rate": 0.2, "momentum": 0.9},
            initializer=mx.init.Xavier(), num_epoch=epochs,
            batch_end_callback=mx.callback.Speedometer(batch_size, 10),
            epoch_end_callback=mx.callback.do_checkpoint(prefix, period=epochs))
    (_, acc), = mod.score(test, "acc")
    reloaded = mx.mod.Module.load(prefix, epochs)
    reloaded.bind(data_shapes=test.provide_data, label_shapes=test.provide_label,
                  for_training=False)
    (_, acc2), = reloaded.score(test, "acc")
    print("test accuracy %.4f; reloaded from %s-%04d.params: %.4f" % (acc, prefix, epochs, acc2))
    return acc, acc2


if __name__ == "__main__":
    main()
