"""Suite "models": an LSTM language-model training step.

lstm_lm_step: Embedding(10000, 256) -> gluon.rnn.LSTM(256, num_layers=2, layout TNC) ->
Dense(10000, flatten=False); sequence 35, batch 32, zero begin state; the logits are
flattened to (35*32, 10000) for SoftmaxCrossEntropyLoss, backward, Trainer('sgd').step(35*32)
(the mean over tokens, as torch's CrossEntropyLoss).  torch eager: nn.Embedding, nn.LSTM,
nn.Linear with the same weights (MXNet's and torch's gate order is the same: i, f, g, o).
The check compares the first step's logits with a float64 NumPy LSTM.
"""
import importlib

import numpy as np

from ..workload import Workload
from . import _np_nn as npn
from ._common import framework, mxnet, torch
from ._gluon import gluon_module, hybridized_plans, mxnet_synced, set_params, train_step

SUITE = "models"
LR = 0.5


def lm_inputs(s, rng):
    t, n, v, e, h = s["seq"], s["batch"], s["vocab"], s["embed"], s["hidden"]
    d = {"x": rng.integers(0, v, (t, n)).astype(np.float32),
         "y": rng.integers(0, v, t * n).astype(np.float32)}

    def uniform(*shape):
        return rng.uniform(-0.1, 0.1, shape).astype(np.float32)
    d["embed"] = uniform(v, e)
    for layer in range(s["layers"]):
        in_size = e if layer == 0 else h
        d["l%d_i2h_weight" % layer] = uniform(4 * h, in_size)
        d["l%d_h2h_weight" % layer] = uniform(4 * h, h)
        d["l%d_i2h_bias" % layer] = uniform(4 * h)
        d["l%d_h2h_bias" % layer] = uniform(4 * h)
    d["dec_weight"] = uniform(v, h)
    d["dec_bias"] = uniform(v)
    return d


def _ordered(d, s):
    """(weights, name suffixes) in the Gluon model's collect_params() order."""
    names = ["embed"]
    for layer in range(s["layers"]):
        names += ["l%d_%s" % (layer, k) for k in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]
    names += ["dec_weight", "dec_bias"]
    kinds = ["weight"] + names[1:-2] + ["weight", "bias"]
    return [d[k] for k in names], kinds


def gluon_lm_step(mx, d, s):
    gluon = gluon_module(mx)
    try:
        rnn = importlib.import_module(mx.__name__ + ".gluon.rnn")
    except Exception as err:
        from ._common import NotAvailable
        raise NotAvailable("%s.gluon.rnn is not importable: %s" % (mx.__name__, err))
    nn = gluon.nn

    class LanguageModel(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.embedding = nn.Embedding(s["vocab"], s["embed"])
                self.lstm = rnn.LSTM(s["hidden"], num_layers=s["layers"], layout="TNC",
                                     input_size=s["embed"])
                self.decoder = nn.Dense(s["vocab"], flatten=False, in_units=s["hidden"])

        def hybrid_forward(self, F, x):
            return self.decoder(self.lstm(self.embedding(x)))

    net = LanguageModel()
    net.initialize()
    arrays, kinds = _ordered(d, s)
    set_params(mx, net, arrays, kinds)
    net.hybridize(static_alloc=True, static_shape=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LR})
    x, y = mx.nd.array(d["x"]), mx.nd.array(d["y"])
    vocab = s["vocab"]
    step = train_step(mx, net, loss_fn, trainer, x, y, s["seq"] * s["batch"],
                      head=lambda out: out.reshape((-1, vocab)))
    step.net = net
    step.plans = lambda: hybridized_plans(net)
    return step


def torch_lm_step(d, s):
    th = torch()
    nn = th.nn
    emb = nn.Embedding(s["vocab"], s["embed"])
    lstm = nn.LSTM(s["embed"], s["hidden"], num_layers=s["layers"])
    dec = nn.Linear(s["hidden"], s["vocab"])
    with th.no_grad():
        emb.weight.copy_(th.from_numpy(d["embed"]))
        for layer in range(s["layers"]):
            for ours, theirs in (("i2h_weight", "weight_ih"), ("h2h_weight", "weight_hh"),
                                 ("i2h_bias", "bias_ih"), ("h2h_bias", "bias_hh")):
                getattr(lstm, "%s_l%d" % (theirs, layer)).copy_(th.from_numpy(d["l%d_%s" % (layer, ours)]))
        dec.weight.copy_(th.from_numpy(d["dec_weight"]))
        dec.bias.copy_(th.from_numpy(d["dec_bias"]))
    params = list(emb.parameters()) + list(lstm.parameters()) + list(dec.parameters())
    opt = th.optim.SGD(params, lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x = th.from_numpy(d["x"]).long()
    y = th.from_numpy(d["y"]).long()

    def step():
        opt.zero_grad(set_to_none=False)
        out = dec(lstm(emb(x))[0])
        loss_fn(out.reshape(-1, s["vocab"]), y).backward()
        opt.step()
        return out.detach()
    return step


def numpy_lm_forward(d, s):
    h = npn.f64(d["embed"])[d["x"].astype(np.int64)]
    for layer in range(s["layers"]):
        h = npn.lstm_layer(h, *(npn.f64(d["l%d_%s" % (layer, k)])
                                for k in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")))
    return h @ npn.f64(d["dec_weight"]).T + npn.f64(d["dec_bias"])


def lm_flops(s):
    t, n, e, h, v = s["seq"], s["batch"], s["embed"], s["hidden"], s["vocab"]
    fwd = sum(2 * 4 * h * ((e if k == 0 else h) + h) for k in range(s["layers"])) + 2 * h * v
    return 3 * t * n * fwd


def lstm_lm_step():
    def ours(d, s, dev):
        return gluon_lm_step(framework(), d, s)

    def mxnet_(d, s, dev):
        return mxnet_synced(gluon_lm_step(mxnet(), d, s))

    return Workload("lstm_lm_step", SUITE, "LSTM language model: Embedding 10000x256, gluon.rnn.LSTM "
                    "2 layers x 256 (TNC), Dense 10000; seq 35, batch 32; training step (SGD)",
                    inputs=lm_inputs,
                    impls={"ours": ours, "numpy": lambda d, s, dev: (lambda: numpy_lm_forward(d, s)),
                           "torch": lambda d, s, dev: torch_lm_step(d, s), "mxnet": mxnet_},
                    ops=("Embedding", "RNN", "FullyConnected", "log_softmax", "sgd_update"),
                    flops=lm_flops, tol=1e-3, time_reference=False,
                    full=dict(seq=35, batch=32, vocab=10000, embed=256, hidden=256, layers=2),
                    quick=dict(seq=5, batch=2, vocab=50, embed=16, hidden=16, layers=2))


WORKLOADS = [lstm_lm_step()]
