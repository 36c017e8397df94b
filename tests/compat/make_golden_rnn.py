"""Generate ``data/golden_rnn.npz`` + ``data/golden_rnn.json`` with REAL MXNet 1.9.1.

Runs ONLY in the side venv that has real MXNet (the project never imports mxnet)::

    /work/mxnet-venv/bin/python tests/compat/make_golden_rnn.py

Two parts.

1. The fused ``RNN`` operator (mx.nd.RNN) for every mode, 1 layer and 2 bidirectional
   layers, T=3, N=2, C=3, H=4, float32, state_outputs=True, plus an LSTM with
   projection_size=2 (forward only: oneDNN computes it, its backward is not implemented on
   CPU).  Keys ``<id>/in<i>``, ``<id>/out<j>``, ``<id>/headgrad<j>``, ``<id>/grad<i>``
   (gradients of sum(out_j * headgrad_j) w.r.t. every input).
2. Gluon layers (gluon.rnn.RNN/LSTM/GRU, NTC and TNC, bidirectional, 2 layers) with weights
   from a ``.params`` file written by MXNet (``data/golden_rnn_<id>.params``,
   save_parameters), their input/begin state, outputs, final states and the input gradient
   of sum(out * headgrad): keys ``<id>/x``, ``<id>/state<k>``... in golden_rnn.npz.  Cases
   marked "export" are also hybridized, run on (x, states) and exported
   (``data/golden_rnn_<id>-symbol.json`` and ``-0000.params``; inputs data0, data1...).

Manifest ``golden_rnn.json`` = {"mxnet_version", "ops": [{"id", "attrs", "n_inputs",
"n_outputs", "grad"}], "layers": [{"id", "cls", "kwargs", "n_states", "params"}]}.
"""
import json
import os

import numpy as np
import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
T, N, C, H = 3, 2, 3, 4


def op_cases():
    cases = []
    for mode in ("rnn_relu", "rnn_tanh", "lstm", "gru"):
        cases.append(("%s_l1" % mode, dict(mode=mode, num_layers=1, bidirectional=False), True))
        cases.append(("%s_l2_bi" % mode, dict(mode=mode, num_layers=2, bidirectional=True), True))
    cases.append(("lstm_proj", dict(mode="lstm", num_layers=1, bidirectional=False,
                                    projection_size=2), False))
    return cases


def run_op(cid, attrs, grad, rng, arrays, manifest):
    attrs = dict(attrs, state_size=H, state_outputs=True)
    sym = mx.sym.RNN(mx.sym.var("data"), name="r", **attrs)
    shapes, _, _ = sym.infer_shape(data=(T, N, C))
    ins = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
    ins[1] *= 0.8
    nds = [mx.nd.array(a) for a in ins]
    if grad:
        for a in nds:
            a.attach_grad()
    if grad:
        with mx.autograd.record():
            outs = mx.nd.RNN(*nds, **attrs)
    else:                           # inference: MXNet's CPU build has no LSTMP training
        outs = mx.nd.RNN(*nds, **attrs)
    heads = [rng.uniform(-1, 1, o.shape).astype(np.float32) for o in outs]
    if grad:
        mx.autograd.backward(outs, [mx.nd.array(h) for h in heads])
    for i, a in enumerate(ins):
        arrays["%s/in%d" % (cid, i)] = a
        if grad:
            arrays["%s/grad%d" % (cid, i)] = nds[i].grad.asnumpy()
    for j, (o, h) in enumerate(zip(outs, heads)):
        arrays["%s/out%d" % (cid, j)] = o.asnumpy()
        arrays["%s/headgrad%d" % (cid, j)] = h
    manifest.append({"id": cid, "attrs": {k: str(v) for k, v in attrs.items()},
                     "n_inputs": len(ins), "n_outputs": len(outs), "grad": grad})


def layer_cases():
    return [
        ("rnn_tanh_tnc", "RNN", dict(hidden_size=H, num_layers=2, activation="tanh")),
        ("rnn_relu_ntc_bi", "RNN", dict(hidden_size=H, num_layers=1, activation="relu",
                                        layout="NTC", bidirectional=True)),
        ("lstm_tnc_bi", "LSTM", dict(hidden_size=H, num_layers=2, bidirectional=True)),
        ("lstm_ntc", "LSTM", dict(hidden_size=H, num_layers=1, layout="NTC")),
        ("gru_tnc_bi", "GRU", dict(hidden_size=H, num_layers=2, bidirectional=True)),
        ("gru_ntc", "GRU", dict(hidden_size=H, num_layers=1, layout="NTC")),
    ]


EXPORTED = ("lstm_tnc_bi", "gru_ntc")


def run_layer(cid, cls, kwargs, rng, arrays, manifest):
    layer = getattr(mx.gluon.rnn, cls)(prefix=cid + "_", **kwargs)
    layer.initialize(mx.init.Uniform(0.5))
    layout = kwargs.get("layout", "TNC")
    xshape = (T, N, C) if layout == "TNC" else (N, T, C)
    x = rng.uniform(-1, 1, xshape).astype(np.float32)
    layer(mx.nd.array(x))                              # finish deferred initialization
    for p in layer.collect_params().values():          # less regular than Uniform(0.5)
        p.set_data(mx.nd.array(rng.uniform(-0.6, 0.6, p.shape).astype(np.float32)))
    states = [mx.nd.array(rng.uniform(-1, 1, info["shape"][:1] + (N,) + info["shape"][2:])
                          .astype(np.float32)) for info in layer.state_info(N)]
    xin = mx.nd.array(x)
    xin.attach_grad()
    with mx.autograd.record():
        out, new_states = layer(xin, states)
    head = rng.uniform(-1, 1, out.shape).astype(np.float32)
    out.backward(mx.nd.array(head))
    layer.save_parameters(os.path.join(DATA, "golden_rnn_%s.params" % cid))
    arrays["%s/x" % cid] = x
    for k, s in enumerate(states):
        arrays["%s/state%d" % (cid, k)] = s.asnumpy()
        arrays["%s/new_state%d" % (cid, k)] = new_states[k].asnumpy()
    arrays["%s/out" % cid] = out.asnumpy()
    arrays["%s/head" % cid] = head
    arrays["%s/xgrad" % cid] = xin.grad.asnumpy()
    for name, p in layer.collect_params().items():
        arrays["%s/param/%s" % (cid, name)] = p.data().asnumpy()
        arrays["%s/pgrad/%s" % (cid, name)] = p.grad().asnumpy()
    export = cid in EXPORTED
    if export:
        layer.hybridize()
        layer(mx.nd.array(x), states)
        layer.export(os.path.join(DATA, "golden_rnn_%s" % cid))
    manifest.append({"id": cid, "cls": cls, "kwargs": kwargs, "n_states": len(states),
                     "params": sorted(layer.collect_params().keys()), "export": export})


def main():
    rng = np.random.default_rng(2024)
    arrays, ops, layers = {}, [], []
    for cid, attrs, grad in op_cases():
        run_op(cid, attrs, grad, rng, arrays, ops)
    for cid, cls, kwargs in layer_cases():
        run_layer(cid, cls, kwargs, rng, arrays, layers)
    np.savez(os.path.join(DATA, "golden_rnn.npz"), **arrays)
    with open(os.path.join(DATA, "golden_rnn.json"), "w") as f:
        json.dump({"mxnet_version": mx.__version__,
                   "generated_by": "tests/compat/make_golden_rnn.py",
                   "ops": ops, "layers": layers}, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %d arrays, %d op cases, %d layer cases" % (len(arrays), len(ops), len(layers)))


if __name__ == "__main__":
    main()
