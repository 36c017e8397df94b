"""Suite "models": whole training steps and compiled graphs through the symbolic Executor.

mlp_step: MLP 784-512-512-10, batch 128 — forward, backward and an SGD update of every
weight (MXNet's SoftmaxOutput gradient is summed over the batch, so our learning rate is
divided by the batch size to match torch's mean cross-entropy).
lenet_step: LeNet (conv 20 5x5, tanh, maxpool, conv 50 5x5, tanh, maxpool, fc 500, tanh,
fc 10), batch 64, the same kind of step.
chain_symbol: relu(x*a+b)*sigmoid(x) - tanh(x)/2 on 4M float32 as a bound symbol (fused
into one kernel by the compiler) against torch.compile.
The check compares the forward output of the first call with NumPy's.
"""
import numpy as np

from ..workload import Workload, mxnet_waited
from ._common import framework, mxnet, randn, torch, torch_compiled

SUITE = "models"
LR = 0.05


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- MLP ---------------------------------------------------------------------------------

def _mlp_inputs(s, rng):
    dims = [784] + list(s["hidden"]) + [10]
    data = {"x": randn(rng, s["batch"], 784), "y": rng.integers(0, 10, s["batch"]).astype(np.float32)}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        data["w%d" % i] = (randn(rng, b, a) * np.float32(1 / np.sqrt(a))).astype(np.float32)
        data["b%d" % i] = np.zeros(b, np.float32)
    return data


def _mlp_symbol(mx, d, n):
    net = mx.sym.Variable("data")
    for i in range(n):
        net = mx.sym.FullyConnected(net, num_hidden=d["w%d" % i].shape[0], name="fc%d" % i)
        if i < n - 1:
            net = mx.sym.Activation(net, act_type="relu", name="relu%d" % i)
    return mx.sym.SoftmaxOutput(net, name="softmax")


def _mlp_params(d, n):
    params = {}
    for i in range(n):
        params["fc%d_weight" % i] = d["w%d" % i]
        params["fc%d_bias" % i] = d["b%d" % i]
    return params


def _symbolic_step(mx, sym, d, params, batch):
    shapes = {"data": d["x"].shape, "softmax_label": d["y"].shape}
    shapes.update({k: v.shape for k, v in params.items()})
    exe = sym.simple_bind(mx.cpu(), grad_req={k: "write" for k in params}, **shapes)
    for k, v in params.items():
        exe.arg_dict[k][:] = v
    exe.arg_dict["data"][:] = d["x"]
    exe.arg_dict["softmax_label"][:] = d["y"]
    step = _bound_step(exe, params, batch)

    def rebatch(b):
        """The same step on batch size b: Executor.reshape (shares the weights)."""
        rng = np.random.default_rng(1)
        new = exe.reshape(allow_up_sizing=True, data=(b,) + d["x"].shape[1:], softmax_label=(b,))
        new.arg_dict["data"][:] = rng.standard_normal((b,) + d["x"].shape[1:], dtype=np.float32)
        new.arg_dict["softmax_label"][:] = rng.integers(0, 10, b).astype(np.float32)
        return _bound_step(new, params, b)

    step.rebatch = rebatch
    return step


def _bound_step(exe, params, batch):
    lr = LR / batch
    weights = [(exe.arg_dict[k], exe.grad_dict[k]) for k in params]

    def step():
        out = exe.forward(is_train=True)[0]
        exe.backward()
        for w, g in weights:
            w -= lr * g
        return out
    step.exe = exe
    step.plans = lambda: [exe._plan] if hasattr(exe, "_plan") else []
    return step


def mlp_step():
    def ours(d, s, dev):
        mx = framework()
        n = len(s["hidden"]) + 1
        return _symbolic_step(mx, _mlp_symbol(mx, d, n), d, _mlp_params(d, n), s["batch"])

    def numpy(d, s, dev):
        n = len(s["hidden"]) + 1

        def forward():
            h = d["x"]
            for i in range(n):
                h = h @ d["w%d" % i].T + d["b%d" % i]
                if i < n - 1:
                    h = np.maximum(h, 0)
            return _softmax(h)
        return forward

    def torch_(d, s, dev):
        th = torch()
        n = len(s["hidden"]) + 1
        layers = []
        for i in range(n):
            lin = th.nn.Linear(d["w%d" % i].shape[1], d["w%d" % i].shape[0])
            with th.no_grad():
                lin.weight.copy_(th.from_numpy(d["w%d" % i]))
                lin.bias.copy_(th.from_numpy(d["b%d" % i]))
            layers.append(lin)
            if i < n - 1:
                layers.append(th.nn.ReLU())
        model = th.nn.Sequential(*layers)
        opt = th.optim.SGD(model.parameters(), lr=LR)
        x, y = th.from_numpy(d["x"]), th.from_numpy(d["y"]).long()
        loss_fn = th.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=False)
            logits = model(x)
            loss_fn(logits, y).backward()
            opt.step()
            return th.softmax(logits.detach(), dim=1)
        return step

    def mxnet_(d, s, dev):
        mxn = mxnet()
        n = len(s["hidden"]) + 1
        return mxnet_waited(_symbolic_step(mxn, _mlp_symbol(mxn, d, n), d, _mlp_params(d, n),
                                           s["batch"]))

    return Workload("mlp_step", SUITE, "symbolic MLP 784-512-512-10 training step, batch 128 "
                    "(forward, backward, SGD update of all weights)", inputs=_mlp_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("FullyConnected", "Activation", "SoftmaxOutput"),
                    flops=lambda s: 6 * s["batch"] * sum(a * b for a, b in zip(
                        [784] + list(s["hidden"]), list(s["hidden"]) + [10])),
                    tol=1e-3, time_reference=False, full=dict(batch=128, hidden=(512, 512)),
                    quick=dict(batch=8, hidden=(16, 16)))


# --- LeNet -------------------------------------------------------------------------------

def _lenet_inputs(s, rng):
    b = s["batch"]
    shapes = {"conv1_weight": (20, 1, 5, 5), "conv1_bias": (20,), "conv2_weight": (50, 20, 5, 5),
              "conv2_bias": (50,), "fc1_weight": (500, 800), "fc1_bias": (500,),
              "fc2_weight": (10, 500), "fc2_bias": (10,)}
    data = {"x": randn(rng, b, 1, 28, 28), "y": rng.integers(0, 10, b).astype(np.float32)}
    for k, shape in shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        data[k] = (randn(rng, *shape) * np.float32(0.5 / np.sqrt(fan_in))).astype(np.float32)
    return data


def _lenet_symbol(mx):
    net = mx.sym.Variable("data")
    for i, filters in ((1, 20), (2, 50)):
        net = mx.sym.Convolution(net, kernel=(5, 5), num_filter=filters, name="conv%d" % i)
        net = mx.sym.Activation(net, act_type="tanh")
        net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="max")
    net = mx.sym.Flatten(net)
    net = mx.sym.Activation(mx.sym.FullyConnected(net, num_hidden=500, name="fc1"), act_type="tanh")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def _lenet_numpy_forward(d):
    def conv(x, w, b):
        n, c, h, wd = x.shape
        f, _, k, _ = w.shape
        oh, ow = h - k + 1, wd - k + 1
        cols = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
        out = np.einsum("nchwij,fcij->nfhw", cols[:, :, :oh, :ow], w, optimize=True)
        return out + b[None, :, None, None]

    def pool(x):
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    h = pool(np.tanh(conv(d["x"], d["conv1_weight"], d["conv1_bias"])))
    h = pool(np.tanh(conv(h, d["conv2_weight"], d["conv2_bias"])))
    h = np.tanh(h.reshape(h.shape[0], -1) @ d["fc1_weight"].T + d["fc1_bias"])
    return _softmax(h @ d["fc2_weight"].T + d["fc2_bias"])


_LENET_PARAMS = ("conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias", "fc1_weight",
                 "fc1_bias", "fc2_weight", "fc2_bias")


def lenet_step():
    def ours(d, s, dev):
        mx = framework()
        return _symbolic_step(mx, _lenet_symbol(mx), d, {k: d[k] for k in _LENET_PARAMS}, s["batch"])

    def numpy(d, s, dev):
        return lambda: _lenet_numpy_forward(d)

    def torch_(d, s, dev):
        th = torch()
        F = th.nn.functional
        p = {k: th.tensor(d[k], requires_grad=True) for k in _LENET_PARAMS}
        opt = th.optim.SGD(p.values(), lr=LR)
        x, y = th.from_numpy(d["x"]), th.from_numpy(d["y"]).long()

        def step():
            opt.zero_grad(set_to_none=False)
            h = F.max_pool2d(th.tanh(F.conv2d(x, p["conv1_weight"], p["conv1_bias"])), 2)
            h = F.max_pool2d(th.tanh(F.conv2d(h, p["conv2_weight"], p["conv2_bias"])), 2)
            h = th.tanh(F.linear(h.flatten(1), p["fc1_weight"], p["fc1_bias"]))
            logits = F.linear(h, p["fc2_weight"], p["fc2_bias"])
            F.cross_entropy(logits, y).backward()
            opt.step()
            return th.softmax(logits.detach(), dim=1)
        return step

    def mxnet_(d, s, dev):
        mxn = mxnet()
        return mxnet_waited(_symbolic_step(mxn, _lenet_symbol(mxn), d,
                                           {k: d[k] for k in _LENET_PARAMS}, s["batch"]))

    return Workload("lenet_step", SUITE, "symbolic LeNet training step, batch 64 (forward, "
                    "backward, SGD update)", inputs=_lenet_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("Convolution", "Pooling", "FullyConnected", "SoftmaxOutput"),
                    tol=1e-3, time_reference=False, full=dict(batch=64), quick=dict(batch=4))


# --- the elementwise chain as a bound symbol ---------------------------------------------

A, B = 1.5, 0.25


def chain_symbol():
    def inputs(s, rng):
        return {"x": randn(rng, s["n"])}

    def ours(d, s, dev):
        mx = framework()
        x = mx.sym.Variable("x")
        y = mx.sym.relu(x * A + B) * mx.sym.sigmoid(x) - mx.sym.tanh(x) / 2
        exe = y.simple_bind(mx.cpu(), grad_req="null", x=d["x"].shape)
        exe.arg_dict["x"][:] = d["x"]
        return lambda: exe.forward(is_train=False)[0]

    def numpy(d, s, dev):
        x = d["x"]
        return lambda: (np.maximum(x * np.float32(A) + np.float32(B), 0) / (1 + np.exp(-x))
                        - np.tanh(x) / 2)

    def chain(x):
        import torch as th
        return th.relu(x * A + B) * th.sigmoid(x) - th.tanh(x) / 2

    def torch_(d, s, dev):
        x = torch().from_numpy(d["x"])
        return lambda: chain(x)

    def torch_compile(d, s, dev):
        x = torch().from_numpy(d["x"])
        fn = torch_compiled(chain)
        return lambda: fn(x)

    return Workload("chain_symbol", SUITE, "relu(x*a+b)*sigmoid(x) - tanh(x)/2 on 4M float32 "
                    "through a bound symbol (one fused kernel)", inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_,
                           "torch.compile": torch_compile},
                    ops=("relu", "sigmoid", "tanh"), nbytes=lambda s: 8 * s["n"], tol=1e-5,
                    full=dict(n=1 << 22), quick=dict(n=1000))


WORKLOADS = [mlp_step(), lenet_step(), chain_symbol()]
