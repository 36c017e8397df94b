"""Suite "ops", part 1: dense layers, GEMM, reductions, elementwise ops and dispatch overhead.

Every workload calls mx.nd imperatively with MXNet's op names (see _ops_nn.py for
Convolution, Pooling and BatchNorm).
"""
import numpy as np

from ..workload import Workload, mxnet_waited, ours_synced
from ._common import framework, mxnet, nd_fwd_bwd, randn, torch, torch_compiled, torch_fwd_bwd

SUITE = "ops"
F4 = 4  # bytes per float32


# --- FullyConnected ----------------------------------------------------------------------

def _fc_inputs(s, rng):
    b, i, o = s["batch"], s["in"], s["out"]
    return {"x": randn(rng, b, i), "w": randn(rng, o, i) * np.float32(1 / np.sqrt(i)),
            "b": randn(rng, o), "g": randn(rng, b, o)}


def _fc_flops(s):
    return 2 * s["batch"] * s["in"] * s["out"]


_FC_SIZES = dict(full={"batch": 128, "in": 784, "out": 512}, quick={"batch": 16, "in": 64, "out": 32})


def fc_fwd():
    def ours(d, s, dev):
        mx = framework()
        x, w, b = dev.ours(d["x"], d["w"], d["b"])
        return ours_synced(lambda: mx.nd.FullyConnected(x, w, b, num_hidden=s["out"]), dev)

    def numpy(d, s, dev):
        x, w, b = d["x"], d["w"], d["b"]
        return lambda: x @ w.T + b

    def torch_(d, s, dev):
        F = torch().nn.functional
        x, w, b = dev.torch(d["x"], d["w"], d["b"])
        return dev.torch_sync(lambda: F.linear(x, w, b))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x, w, b = dev.mxnet(d["x"], d["w"], d["b"])
        return mxnet_waited(lambda: mxn.nd.FullyConnected(x, w, b, num_hidden=s["out"]))

    return Workload("fc_fwd", SUITE, "FullyConnected forward, data (128,784), 512 hidden", inputs=_fc_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("FullyConnected",), flops=_fc_flops, **_FC_SIZES)


def fc_fwd_bwd():
    def ours(d, s, dev):
        mx = framework()
        x, w, b, g = dev.ours(d["x"], d["w"], d["b"], d["g"])
        fwd = lambda x, w, b: mx.nd.FullyConnected(x, w, b, num_hidden=s["out"])  # noqa: E731
        return ours_synced(nd_fwd_bwd(mx, [x, w, b], g, fwd), dev)

    def numpy(d, s, dev):
        x, w, b, g = d["x"], d["w"], d["b"], d["g"]
        return lambda: [x @ w.T + b, g @ w, g.T @ x, g.sum(0)]

    def torch_(d, s, dev):
        F = torch().nn.functional
        x, w, b = dev.torch(d["x"], d["w"], d["b"], requires_grad=True)
        return dev.torch_sync(torch_fwd_bwd([x, w, b], dev.torch(d["g"]), F.linear))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x, w, b, g = dev.mxnet(d["x"], d["w"], d["b"], d["g"])
        fwd = lambda x, w, b: mxn.nd.FullyConnected(x, w, b, num_hidden=s["out"])  # noqa: E731
        return mxnet_waited(nd_fwd_bwd(mxn, [x, w, b], g, fwd))

    return Workload("fc_fwd_bwd", SUITE, "FullyConnected forward+backward (autograd), (128,784)->512; "
                    "grads of data, weight, bias", inputs=_fc_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("FullyConnected",), flops=lambda s: 3 * _fc_flops(s), tol=2e-4, **_FC_SIZES)


# --- dot / GEMM --------------------------------------------------------------------------

def dot():
    def inputs(s, rng):
        return {"a": randn(rng, s["n"], s["n"]), "b": randn(rng, s["n"], s["n"])}

    def ours(d, s, dev):
        mx = framework()
        a, b = dev.ours(d["a"], d["b"])
        return ours_synced(lambda: mx.nd.dot(a, b), dev)

    def numpy(d, s, dev):
        a, b = d["a"], d["b"]
        return lambda: np.matmul(a, b)

    def torch_(d, s, dev):
        th = torch()
        a, b = dev.torch(d["a"], d["b"])
        return dev.torch_sync(lambda: th.mm(a, b))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        a, b = dev.mxnet(d["a"], d["b"])
        return mxnet_waited(lambda: mxn.nd.dot(a, b))

    return Workload("dot", SUITE, "dot (GEMM) 1024x1024 @ 1024x1024 float32 (numpy: matmul)",
                    full={"n": 1024}, quick={"n": 128}, inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("dot",), flops=lambda s: 2 * s["n"] ** 3, tol=2e-4)


# --- reductions over the last axis -------------------------------------------------------

_ROWS = dict(full={"rows": 4096, "cols": 1024}, quick={"rows": 256, "cols": 512})


def _rows_inputs(s, rng):
    return {"x": randn(rng, s["rows"], s["cols"])}


def softmax():
    def ours(d, s, dev):
        mx = framework()
        x = dev.ours(d["x"])
        return ours_synced(lambda: mx.nd.softmax(x, axis=-1), dev)

    def numpy(d, s, dev):
        x = d["x"]

        def fn():
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            e /= e.sum(axis=-1, keepdims=True)
            return e
        return fn

    def torch_(d, s, dev):
        th = torch()
        x = dev.torch(d["x"])
        return dev.torch_sync(lambda: th.softmax(x, -1))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x = dev.mxnet(d["x"])
        return mxnet_waited(lambda: mxn.nd.softmax(x, axis=-1))

    return Workload("softmax", SUITE, "softmax over the last axis of (4096,1024)", inputs=_rows_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("softmax",), nbytes=lambda s: 2 * F4 * s["rows"] * s["cols"], **_ROWS)


def sum_last():
    def ours(d, s, dev):
        mx = framework()
        x = dev.ours(d["x"])
        return ours_synced(lambda: mx.nd.sum(x, axis=-1), dev)

    def numpy(d, s, dev):
        x = d["x"]
        return lambda: x.sum(axis=-1)

    def torch_(d, s, dev):
        x = dev.torch(d["x"])
        return dev.torch_sync(lambda: x.sum(-1))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x = dev.mxnet(d["x"])
        return mxnet_waited(lambda: mxn.nd.sum(x, axis=-1))

    return Workload("sum", SUITE, "sum over the last axis of (4096,1024)", inputs=_rows_inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("sum",), nbytes=lambda s: F4 * s["rows"] * (s["cols"] + 1), **_ROWS)


# --- elementwise -------------------------------------------------------------------------

_FLAT = dict(full={"n": 4 << 20}, quick={"n": 1 << 17})  # quick stays above the parallel threshold


def relu():
    def inputs(s, rng):
        return {"x": randn(rng, s["n"])}

    def ours(d, s, dev):
        mx = framework()
        x = dev.ours(d["x"])
        return ours_synced(lambda: mx.nd.relu(x), dev)

    def numpy(d, s, dev):
        x = d["x"]
        return lambda: np.maximum(x, np.float32(0))

    def torch_(d, s, dev):
        th = torch()
        x = dev.torch(d["x"])
        return dev.torch_sync(lambda: th.relu(x))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x = dev.mxnet(d["x"])
        return mxnet_waited(lambda: mxn.nd.relu(x))

    return Workload("relu", SUITE, "relu on 4M float32", inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("relu",), nbytes=lambda s: 2 * F4 * s["n"], tol=0.0, **_FLAT)


def broadcast_add():
    def inputs(s, rng):
        return {"a": randn(rng, s["n"]), "b": randn(rng, s["n"])}

    def ours(d, s, dev):
        mx = framework()
        a, b = dev.ours(d["a"], d["b"])
        return ours_synced(lambda: mx.nd.broadcast_add(a, b), dev)

    def numpy(d, s, dev):
        a, b = d["a"], d["b"]
        return lambda: np.add(a, b)

    def torch_(d, s, dev):
        th = torch()
        a, b = dev.torch(d["a"], d["b"])
        return dev.torch_sync(lambda: th.add(a, b))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        a, b = dev.mxnet(d["a"], d["b"])
        return mxnet_waited(lambda: mxn.nd.broadcast_add(a, b))

    return Workload("broadcast_add", SUITE, "broadcast_add of two 4M float32 arrays (same shape)",
                    inputs=inputs, impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("broadcast_add",), nbytes=lambda s: 3 * F4 * s["n"], tol=0.0, **_FLAT)


A, B = 1.5, 0.25  # the chain's scalars


def _chain_nd(nd, x):
    return nd.relu(x * A + B) * nd.sigmoid(x) - nd.tanh(x) / 2


def _chain_torch(x):
    import torch as th
    return th.relu(x * A + B) * th.sigmoid(x) - th.tanh(x) / 2


def elemwise_chain():
    def inputs(s, rng):
        return {"x": randn(rng, s["n"])}

    def ours(d, s, dev):
        mx = framework()
        x = dev.ours(d["x"])
        return ours_synced(lambda: _chain_nd(mx.nd, x), dev)

    def numpy(d, s, dev):
        x = d["x"]
        return lambda: (np.maximum(x * np.float32(A) + np.float32(B), np.float32(0))
                        * (np.float32(1) / (np.float32(1) + np.exp(-x))) - np.tanh(x) / np.float32(2))

    def torch_(d, s, dev):
        x = dev.torch(d["x"])
        return dev.torch_sync(lambda: _chain_torch(x))

    def torch_compile(d, s, dev):
        x = dev.torch(d["x"])
        fn = torch_compiled(_chain_torch)
        return dev.torch_sync(lambda: fn(x))

    def mxnet_(d, s, dev):
        mxn = mxnet()
        x = dev.mxnet(d["x"])
        return mxnet_waited(lambda: _chain_nd(mxn.nd, x))

    return Workload("elemwise_chain", SUITE, "relu(x*a+b)*sigmoid(x) - tanh(x)/2 on 4M float32 "
                    "(8 mx.nd ops)", inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "torch.compile": torch_compile,
                           "mxnet": mxnet_},
                    ops=("_mul_scalar", "_plus_scalar", "relu", "sigmoid", "broadcast_mul", "tanh",
                         "_div_scalar", "broadcast_sub"),
                    nbytes=lambda s: 2 * F4 * s["n"], tol=1e-5, **_FLAT)


# --- imperative dispatch overhead --------------------------------------------------------

def dispatch_add():
    def inputs(s, rng):
        return {"a": randn(rng, s["n"]), "b": randn(rng, s["n"])}

    def ours(d, s, dev):
        framework()
        a, b = dev.ours(d["a"], d["b"])
        return ours_synced(lambda: a + b, dev)

    def numpy(d, s, dev):
        a, b = d["a"], d["b"]
        return lambda: a + b

    def torch_(d, s, dev):
        a, b = dev.torch(d["a"], d["b"])
        return dev.torch_sync(lambda: a + b)

    def mxnet_(d, s, dev):
        a, b = dev.mxnet(d["a"], d["b"])
        return mxnet_waited(lambda: a + b)

    return Workload("dispatch_add", SUITE, "imperative dispatch: a + b on 10 float32 (time per call)",
                    full={"n": 10}, quick={"n": 10}, inputs=inputs,
                    impls={"ours": ours, "numpy": numpy, "torch": torch_, "mxnet": mxnet_},
                    ops=("broadcast_add",), tol=0.0)


WORKLOADS = [fc_fwd(), fc_fwd_bwd(), dot(), softmax(), sum_last(), relu(), broadcast_add(),
             elemwise_chain(), dispatch_add()]

from ._ops_nn import WORKLOADS as _NN  # noqa: E402  (Convolution, Pooling, BatchNorm)

WORKLOADS[3:3] = _NN
