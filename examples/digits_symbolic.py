"""Train a symbolic MLP on the bundled handwritten digits and print the compiled graph.

The network is an mx.sym graph; simple_bind compiles it (shape/dtype inference, the gradient
pass, fusion, memory planning, lowering to Numba kernels) into one Executor that runs the
forward and backward passes.  Runs with no download (UCI digits ship inside the package).
    python examples/digits_symbolic.py
"""
import time

import numpy as np

import framework as mx
from framework.data import load_digits


def build(hidden=64):
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=hidden, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def main(epochs=30, batch_size=50, lr=0.5):
    images, labels = load_digits()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1500], order[1500:]
    x = (images.reshape(-1, 64) / 16.0).astype(np.float32)
    y = labels.astype(np.float32)

    net = build()
    exe = net.simple_bind(mx.cpu(), data=(batch_size, 64), grad_req={
        "fc1_weight": "write", "fc1_bias": "write", "fc2_weight": "write", "fc2_bias": "write"})
    mx.random.seed(0)
    for name, arr in exe.arg_dict.items():
        if name.endswith("weight"):
            arr[:] = mx.random.normal(0, 0.1, shape=arr.shape)
        elif name.endswith("bias"):
            arr[:] = 0
    params = [n for n in exe.arg_dict if n.endswith(("weight", "bias"))]

    def accuracy(idx):
        correct = 0
        for i in range(0, len(idx) - batch_size + 1, batch_size):
            batch = idx[i:i + batch_size]
            out = exe.forward(is_train=False, data=x[batch])[0].asnumpy()
            correct += int((out.argmax(axis=1) == labels[batch]).sum())
        return correct / (len(idx) // batch_size * batch_size)

    start = time.perf_counter()
    for epoch in range(epochs):
        perm = np.random.default_rng(epoch).permutation(train)
        for i in range(0, len(perm) - batch_size + 1, batch_size):
            batch = perm[i:i + batch_size]
            exe.forward(is_train=True, data=x[batch], softmax_label=y[batch])
            exe.backward()          # SoftmaxOutput: gradient (p - onehot) summed over the batch
            for name in params:
                exe.arg_dict[name][:] -= (lr / batch_size) * exe.grad_dict[name]
        if epoch % 10 == 9:
            print("epoch %2d  train acc %.3f  test acc %.3f"
                  % (epoch + 1, accuracy(train), accuracy(test)))
    elapsed = time.perf_counter() - start
    acc = accuracy(test)
    print("test accuracy %.3f after %d epochs in %.1f s (%.2f ms per training step)"
          % (acc, epochs, elapsed, 1e3 * elapsed / (epochs * (len(train) // batch_size))))
    print()
    print("The compiled graph (forward and backward, with the memory plan):")
    print(exe.debug_str())
    return acc


if __name__ == "__main__":
    main()
