"""Golden values for gluon.nn layers from real MXNet 1.9.1 (run only in /work/mxnet-venv):

    /work/mxnet-venv/bin/python tests/gluon/make_golden_layers.py

Writes to tests/gluon/data/:
- layers.json: per case the layer class, args, kwargs (lists stand for tuples), input
  shape, input kind, train mode, the repr before and after the first forward and the
  parameter names (relative to the layer prefix), shapes and grad_req;
- layers.npz: `<case>:x` input, `<case>:param:<name>` the parameter values used,
  `<case>:head` head gradient, `<case>:out` output, `<case>:grad:x` and
  `<case>:grad:<name>` gradients, `<case>:after:<name>` aux states after the step;
- layers_model-symbol.json / layers_model_names.json: a HybridSequential holding most
  layers, created in a fresh NameManager, exported after one forward; its parameter
  names, structural keys and repr.
"""
import json
import os

import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import nn

from layer_models import layers_model  # tests/gluon/layer_models.py (no mxnet import)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# name: (class, args, kwargs, input shape, input kind, train mode)
CASES = {
    "dense": ("Dense", [4], {}, [2, 3], "normal", True),
    "dense_act_noflatten": ("Dense", [4], {"activation": "tanh", "flatten": False},
                            [2, 3, 5], "normal", True),
    "dense_nobias_in_units": ("Dense", [3], {"use_bias": False, "in_units": 6},
                              [2, 2, 3], "normal", True),
    "conv1d": ("Conv1D", [3, 3], {"padding": 1}, [2, 2, 5], "normal", True),
    "conv2d": ("Conv2D", [4, 3], {"strides": 2, "padding": 1, "activation": "relu"},
               [2, 3, 6, 6], "normal", True),
    "conv2d_groups_dilate": ("Conv2D", [4, [3, 2]], {"dilation": [2, 1], "groups": 2,
                                                      "use_bias": False},
                             [1, 4, 7, 6], "normal", True),
    "conv3d": ("Conv3D", [2, 2], {}, [1, 2, 3, 4, 4], "normal", True),
    "conv1d_transpose": ("Conv1DTranspose", [3, 3], {"strides": 2, "output_padding": 1},
                         [2, 2, 4], "normal", True),
    "conv2d_transpose": ("Conv2DTranspose", [3, 3], {"strides": 2, "padding": 1,
                                                     "output_padding": 1},
                         [1, 2, 3, 3], "normal", True),
    "conv2d_transpose_groups": ("Conv2DTranspose", [4, 2], {"groups": 2, "in_channels": 2},
                                [1, 2, 3, 3], "normal", True),
    "conv3d_transpose": ("Conv3DTranspose", [2, 2], {"strides": 2, "use_bias": False,
                                                     "activation": "sigmoid"},
                         [1, 2, 2, 2, 2], "normal", True),
    "maxpool1d": ("MaxPool1D", [3, 2, 1], {"ceil_mode": True}, [1, 2, 8], "normal", True),
    "maxpool2d": ("MaxPool2D", [], {}, [1, 2, 4, 6], "normal", True),
    "maxpool2d_pad": ("MaxPool2D", [3, 2, 1], {}, [1, 2, 5, 5], "normal", True),
    "maxpool3d": ("MaxPool3D", [], {}, [1, 1, 4, 4, 4], "normal", True),
    "avgpool1d": ("AvgPool1D", [], {}, [1, 2, 6], "normal", True),
    "avgpool2d_nopad_count": ("AvgPool2D", [3, 2, 1], {"count_include_pad": False},
                              [1, 2, 5, 5], "normal", True),
    "avgpool2d_ceil": ("AvgPool2D", [3, 2, 1], {"ceil_mode": True}, [1, 2, 6, 6],
                       "normal", True),
    "avgpool3d": ("AvgPool3D", [], {}, [1, 1, 4, 4, 4], "normal", True),
    "globalmaxpool1d": ("GlobalMaxPool1D", [], {}, [2, 3, 5], "normal", True),
    "globalmaxpool2d": ("GlobalMaxPool2D", [], {}, [2, 3, 3, 4], "normal", True),
    "globalmaxpool3d": ("GlobalMaxPool3D", [], {}, [1, 2, 2, 3, 2], "normal", True),
    "globalavgpool3d": ("GlobalAvgPool3D", [], {}, [1, 2, 2, 3, 2], "normal", True),
    "globalavgpool1d": ("GlobalAvgPool1D", [], {}, [2, 3, 5], "normal", True),
    "globalavgpool2d": ("GlobalAvgPool2D", [], {}, [2, 3, 3, 4], "normal", True),
    "reflectionpad2d": ("ReflectionPad2D", [1], {}, [1, 2, 3, 4], "normal", True),
    "batchnorm_train": ("BatchNorm", [], {}, [4, 3, 2, 2], "normal", True),
    "batchnorm_eval": ("BatchNorm", [], {}, [4, 3, 2, 2], "normal", False),
    "batchnorm_axis_last_fixed": ("BatchNorm", [], {"axis": -1, "center": False,
                                                    "scale": False, "momentum": 0.8,
                                                    "epsilon": 1e-3},
                                  [3, 2, 4], "normal", True),
    "batchnorm_global_stats": ("BatchNorm", [], {"use_global_stats": True}, [3, 2, 3],
                               "normal", True),
    "layernorm": ("LayerNorm", [], {}, [2, 3, 4], "normal", True),
    "layernorm_axis1": ("LayerNorm", [], {"axis": 1, "epsilon": 1e-3}, [2, 3, 4],
                        "normal", True),
    "instancenorm": ("InstanceNorm", [], {}, [2, 3, 4], "normal", True),
    "instancenorm_scale_axis2": ("InstanceNorm", [], {"scale": True, "axis": 2},
                                 [2, 3, 4, 2], "normal", True),
    "groupnorm": ("GroupNorm", [2], {}, [2, 4, 3], "normal", True),
    "embedding": ("Embedding", [6, 3], {}, [2, 3], "indices6", True),
    "flatten": ("Flatten", [], {}, [2, 3, 2], "normal", True),
    "relu": ("Activation", ["relu"], {}, [2, 5], "normal", True),
    "sigmoid": ("Activation", ["sigmoid"], {}, [2, 5], "normal", True),
    "tanh": ("Activation", ["tanh"], {}, [2, 5], "normal", True),
    "softrelu": ("Activation", ["softrelu"], {}, [2, 5], "normal", True),
    "softsign": ("Activation", ["softsign"], {}, [2, 5], "normal", True),
    "leakyrelu": ("LeakyReLU", [0.1], {}, [2, 5], "normal", True),
    "prelu": ("PReLU", [], {}, [2, 5], "normal", True),
    "prelu_channels": ("PReLU", [], {"in_channels": 3}, [2, 3, 4], "normal", True),
    "elu": ("ELU", [0.5], {}, [2, 5], "normal", True),
    "selu": ("SELU", [], {}, [2, 5], "normal", True),
    "gelu": ("GELU", [], {}, [2, 5], "normal", True),
    "swish": ("Swish", [1.5], {}, [2, 5], "normal", True),
    "dropout_zero": ("Dropout", [0.0], {}, [2, 5], "normal", True),
    "dropout_eval": ("Dropout", [0.5], {"axes": [1]}, [2, 5], "normal", False),
}


def tuplify(v):
    """JSON lists back to the tuples the spec means."""
    if isinstance(v, list):
        return tuple(tuplify(i) for i in v)
    if isinstance(v, dict):
        return {k: tuplify(i) for k, i in v.items()}
    return v


def make_input(shape, kind, rng):
    if kind == "indices6":
        return rng.randint(0, 6, shape).astype(np.float32)
    return rng.randn(*shape).astype(np.float32)


def param_value(name, shape, rng):
    if name == "running_var":
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    return rng.uniform(-0.8, 0.8, shape).astype(np.float32)


def run_case(name, spec, hybridize):
    cls, args, kwargs, shape, kind, train = spec
    rng = np.random.RandomState(sum(map(ord, name)))
    layer = getattr(nn, cls)(*tuplify(args), **tuplify(kwargs))
    repr_before = repr(layer)
    layer.initialize()
    x = mx.nd.array(make_input(tuple(shape), kind, rng))
    with autograd.pause(train_mode=False):
        layer(x)  # finish deferred initialization
    prefix = layer.prefix
    params = {}
    for full, p in layer.collect_params().items():
        rel = full[len(prefix):]
        value = param_value(rel, p.shape, rng)
        p.set_data(mx.nd.array(value))
        params[rel] = value
    if hybridize:
        layer.hybridize()
    if kind == "normal":
        x.attach_grad()
    with autograd.record(train_mode=train):
        out = layer(x)
    head = np.linspace(-1.0, 1.5, out.size).reshape(out.shape).astype(np.float32)
    out.backward(mx.nd.array(head))
    res = {"x": x.asnumpy(), "head": head, "out": out.asnumpy()}
    res.update({"param:" + k: v for k, v in params.items()})
    if kind == "normal":
        res["grad:x"] = x.grad.asnumpy()
    info = {"repr_before": repr_before, "repr_after": repr(layer), "params": []}
    for full, p in layer.collect_params().items():
        rel = full[len(prefix):]
        info["params"].append([rel, list(p.shape), p.grad_req])
        if p.grad_req != "null":
            res["grad:" + rel] = p.grad().asnumpy()
        else:
            res["after:" + rel] = p.data().asnumpy()
    return res, info


def export_model():
    with mx.name.NameManager():
        net = layers_model(nn)
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(5).randn(2, 3, 4, 4).astype(np.float32))
    net(x)
    net.hybridize()
    y = net(x)
    net.export(os.path.join(HERE, "layers_model"), epoch=0)
    os.remove(os.path.join(HERE, "layers_model-0000.params"))
    net.save_parameters("/tmp/_layers_model_structural.params")
    names = {"params": list(net.collect_params().keys()),
             "structural": sorted(mx.nd.load("/tmp/_layers_model_structural.params").keys()),
             "repr": repr(net), "out_shape": list(y.shape)}
    with open(os.path.join(HERE, "layers_model_names.json"), "w") as f:
        json.dump(names, f, indent=1)


def main():
    os.makedirs(HERE, exist_ok=True)
    spec_out, arrays = {}, {}
    for name, spec in CASES.items():
        res, info = run_case(name, spec, False)
        res_h, _ = run_case(name, spec, True)
        for k, v in res.items():
            np.testing.assert_allclose(res_h[k], v, rtol=1e-4, atol=1e-5, err_msg=name + k)
        cls, args, kwargs, shape, kind, train = spec
        spec_out[name] = dict(cls=cls, args=args, kwargs=kwargs, shape=shape, kind=kind,
                              train=train, **info)
        arrays.update({"%s:%s" % (name, k): v for k, v in res.items()})
    with open(os.path.join(HERE, "layers.json"), "w") as f:
        json.dump(spec_out, f, indent=1, sort_keys=True)
    np.savez(os.path.join(HERE, "layers.npz"), **arrays)
    export_model()
    print("wrote %d layer cases and the model export" % len(spec_out))


if __name__ == "__main__":
    main()
