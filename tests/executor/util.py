"""Shared helpers of the executor tests: the test networks, random inputs, and two oracles
independent of the compiled path: the reference interpreter (compiler/reference.py) for
outputs, and autograd on mx.nd (every op's gradient is checked against finite differences
op by op) for gradients and BatchNorm's moving statistics."""
import numpy as np

import framework as mx
from compiler import reference
from compiler.ir.graph import Graph
from framework import autograd
from framework.ndarray.dispatch import invoke
from tests.compat import symbol_builders as B

MODELS = ("mlp", "lenet_bn", "resnet_block", "lstm_step")


def build(name):
    """(symbol, input shapes, label classes) of a test network."""
    with mx.name.NameManager():
        sym, opts = getattr(B, name)(mx)
    return sym, dict(opts["shapes"]), dict(opts.get("labels", {}))


def random_inputs(sym, shapes, labels, seed=0, dtype="float32"):
    """(args, aux) as NumPy arrays: labels are class indices, variances positive."""
    rng = np.random.default_rng(seed)
    arg_shapes, _, aux_shapes = sym.infer_shape(**shapes)
    args, aux = {}, {}
    for name, shape in zip(sym.list_arguments(), arg_shapes):
        if name in labels:
            args[name] = rng.integers(0, labels[name], shape).astype(dtype)
        else:
            args[name] = (rng.standard_normal(shape) * 0.5).astype(dtype)
    for name, shape in zip(sym.list_auxiliary_states(), aux_shapes):
        if name.endswith("var"):
            aux[name] = rng.uniform(0.5, 1.5, shape).astype(dtype)
        else:
            aux[name] = (rng.standard_normal(shape) * 0.1).astype(dtype)
    return args, aux


def reference_outputs(sym, args, aux, is_train):
    """The reference interpreter's outputs (aux copies: references update them)."""
    arrays = {k: v.copy() for k, v in args.items()}
    arrays.update({k: v.copy() for k, v in aux.items()})
    return reference.run(Graph(sym._outputs), arrays, is_train=is_train)


def autograd_run(sym, args, aux, head_grads=None, is_train=True):
    """Run the symbol's graph imperatively under autograd: (outputs, grads, aux after)."""
    ctx = mx.cpu()
    arrays = {k: mx.nd.array(v, ctx=ctx, dtype=v.dtype) for k, v in args.items()}
    aux_nd = {k: mx.nd.array(v, ctx=ctx, dtype=v.dtype) for k, v in aux.items()}
    for a in arrays.values():
        a.attach_grad()
    graph = Graph(sym._outputs)
    values = {}
    with autograd.record(train_mode=is_train):
        for node in graph.nodes:
            if node.is_variable:
                values[(id(node), 0)] = arrays.get(node.name, aux_nd.get(node.name))
                continue
            outs = invoke(node.op, [values[e.key()] for e in node.inputs], node.op_attrs())
            outs = outs if isinstance(outs, list) else [outs]
            for i, o in enumerate(outs):
                values[(id(node), i)] = o
        heads = [values[e.key()] for e in graph.outputs]
    hg = None if head_grads is None else [mx.nd.array(h, dtype=h.dtype) for h in head_grads]
    autograd.backward(heads, hg, train_mode=is_train)
    outs = [h.asnumpy() for h in heads]
    grads = {k: a.grad.asnumpy() for k, a in arrays.items()}
    return outs, grads, {k: v.asnumpy() for k, v in aux_nd.items()}


def needs_head_grads(name):
    return name in ("resnet_block", "lstm_step")


def head_grads_for(outs, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]


def assert_close(got, want, what, rtol=2e-4, atol=2e-5):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)
