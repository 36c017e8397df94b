"""Train a small MLP on the bundled handwritten digits with mx.nd and mx.autograd.

Runs with no download: the UCI digits (1797 8x8 images) ship inside the package.
    python examples/quickstart.py
"""
import time

import numpy as np

import framework as mx
from framework.data import load_digits
from kernels import cache


def main(epochs=30, batch_size=50, lr=0.5, hidden=64):
    images, labels = load_digits()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1500], order[1500:]
    x = mx.nd.array(images.reshape(-1, 64) / 16.0)
    y = mx.nd.array(labels)

    mx.random.seed(0)
    params = {
        "fc1_weight": mx.random.normal(0, 0.1, shape=(hidden, 64)),
        "fc1_bias": mx.nd.zeros((hidden,)),
        "fc2_weight": mx.random.normal(0, 0.1, shape=(10, hidden)),
        "fc2_bias": mx.nd.zeros((10,)),
    }
    for p in params.values():
        p.attach_grad()

    def net(data):
        h = mx.nd.relu(mx.nd.FullyConnected(data, params["fc1_weight"], params["fc1_bias"],
                                            num_hidden=hidden))
        return mx.nd.FullyConnected(h, params["fc2_weight"], params["fc2_bias"], num_hidden=10)

    def accuracy(idx):
        pred = mx.nd.argmax(net(x[idx]), axis=1)
        return float((pred == y[idx]).mean().asscalar())

    start = time.perf_counter()
    for epoch in range(epochs):
        perm = np.random.default_rng(epoch).permutation(train)
        total = 0.0
        for i in range(0, len(perm), batch_size):
            idx = perm[i:i + batch_size]
            with mx.autograd.record():
                loss = mx.nd.softmax_cross_entropy(net(x[idx]), y[idx]) / len(idx)
            loss.backward()
            for p in params.values():
                p -= lr * p.grad
            total += float(loss.asscalar()) * len(idx)
        if epoch % 5 == 4 or epoch == epochs - 1:
            print("epoch %2d  loss %.4f  train acc %.3f  test acc %.3f"
                  % (epoch + 1, total / len(train), accuracy(train), accuracy(test)))
    elapsed = time.perf_counter() - start
    test_acc = accuracy(test)
    stats = cache.stats()
    print("test accuracy %.3f after %d epochs in %.1f s" % (test_acc, epochs, elapsed))
    print("kernels: %d signatures, %d compiled in this process, %d loaded from the cache (%s)"
          % (stats["signatures"], stats["compiled"], stats["from_cache"], cache.GEN_DIR))
    return test_acc


if __name__ == "__main__":
    main()
