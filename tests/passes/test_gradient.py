"""gradient pass: before/expected graphs (head gradients, reverse traversal, fan-in sums,
zero gradients, BlockGrad, loss layers, grad_req, copies, aux wiring of _backward_BatchNorm)
and the gradients it builds against central finite differences of the reference interpreter."""
import numpy as np
import pytest

import framework as mx
from compiler import reference
from compiler.errors import MXNetError
from compiler.ir.graph import Graph
from compiler.ir.verify import verify
from compiler.passes import infer_shape, infer_type
from compiler.passes.gradient import gradient


def _prep(sym, shapes, dtype="float64"):
    g = Graph(sym._outputs)
    g = infer_shape(g, shapes)
    return infer_type(g, {k: dtype for k in shapes})


def _ops(graph):
    return sorted(n.op.name for n in graph.nodes if not n.is_variable)


def _grad_of(graph, name):
    n_fwd = graph.attrs["num_forward_outputs"]
    return graph.outputs[n_fwd + graph.attrs["grad_outputs"].index(name)]


def test_fan_in_sum_and_head_gradient():
    x = mx.sym.Variable("x")
    y = mx.sym.exp(x) * x + x
    before = _prep(y, {"x": (2, 3)})
    nodes_before = [(n, list(n.inputs)) for n in before.nodes]
    after = verify(gradient(before, "write"))
    assert after is not before and "grad_outputs" not in before.attrs
    assert [(n, list(n.inputs)) for n in before.nodes] == nodes_before   # untouched
    assert after.attrs["num_forward_outputs"] == 1
    assert after.attrs["grad_outputs"] == ["x"]
    assert after.attrs["head_grad_vars"] == [y.list_outputs()[0] + "_head_grad"]
    assert len(after.outputs) == 2 and after.outputs[0] == before.outputs[0]
    gx = _grad_of(after, "x").node
    assert gx.op.name == "add_n" and gx.attrs["num_args"] == "3"        # three uses of x
    assert gx.inputs[0].node.name == after.attrs["head_grad_vars"][0]
    assert _ops(after) == sorted(["exp", "elemwise_mul", "elemwise_add", "broadcast_mul",
                                  "broadcast_mul", "elemwise_mul", "add_n"])
    assert after.attrs["shape"][_grad_of(after, "x").key()] == (2, 3)
    assert after.attrs["dtype"][_grad_of(after, "x").key()] == "float64"
    fwd = {id(n) for n in before.nodes}
    assert after.attrs["backward_nodes"] == {id(n) for n in after.nodes if id(n) not in fwd}


def test_two_uses_are_summed_with_elemwise_add():
    x = mx.sym.Variable("x")
    after = gradient(_prep(mx.sym.sin(x) * mx.sym.cos(x), {"x": (3,)}))
    assert _grad_of(after, "x").node.op.name == "elemwise_add"


def test_blockgrad_and_unreachable_arguments_get_zeros():
    a, b, c = mx.sym.Variable("a"), mx.sym.Variable("b"), mx.sym.Variable("c")
    bc = b * c
    y = a * 2 + mx.sym.BlockGrad(bc)
    after = verify(gradient(_prep(y, {"a": (2,), "b": (2,), "c": (2,)})))
    for name in ("b", "c"):
        node = _grad_of(after, name).node
        assert node.op.name == "zeros_like" and node.inputs[0].node.name == name
    assert not any(n.name.startswith(bc.name + "_backward") for n in after.nodes)


def test_loss_layer_ignores_head_gradient():
    data, label = mx.sym.Variable("data"), mx.sym.Variable("label")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    out = mx.sym.SoftmaxOutput(fc, label, name="sm")
    after = verify(gradient(_prep(out, {"data": (4, 5), "label": (4,)}, "float32")))
    assert after.attrs["head_grad_vars"] == []          # nothing reads the head gradient
    assert "sm_output_head_grad" not in {n.name for n in after.nodes}
    assert "_backward_SoftmaxOutput" in _ops(after)
    assert _grad_of(after, "label").node.op.name == "zeros_like"


def test_grad_req_null_and_partial():
    x, w = mx.sym.Variable("x"), mx.sym.Variable("w")
    y = mx.sym.dot(x, w)
    g = _prep(y, {"x": (2, 3), "w": (3, 4)})
    none = gradient(g, "null")
    assert len(none.outputs) == 1 and none.attrs["grad_outputs"] == []
    assert none.attrs["backward_nodes"] == set()
    part = verify(gradient(g, {"w": "write"}))
    assert part.attrs["grad_outputs"] == ["w"]
    assert part.attrs["grad_req"] == {"x": "null", "w": "write"}
    assert len(part.outputs) == 2 and part.attrs["shape"][part.outputs[1].key()] == (3, 4)
    with pytest.raises(MXNetError, match=r"grad_req 'maybe' for argument 'x'"):
        gradient(g, {"x": "maybe"})


def test_shared_and_variable_gradients_go_through_copies():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    after = verify(gradient(_prep(a + b, {"a": (2,), "b": (2,)})))
    ga, gb = _grad_of(after, "a"), _grad_of(after, "b")
    assert ga.node.op.name == gb.node.op.name == "_copy"
    assert ga.node is not gb.node
    assert ga.node.inputs[0].node.name == after.attrs["head_grad_vars"][0]
    assert after.attrs["head_grad_vars"][0].endswith("_output_head_grad")


def test_batchnorm_backward_reads_the_aux_variables():
    x = mx.sym.Variable("x")
    bn = mx.sym.BatchNorm(x, name="bn")
    before = _prep(bn, {"x": (2, 3)}, "float32")
    versions = {n.name: n.version for n in before.nodes if n.is_variable}
    after = verify(gradient(before, {"x": "write", "bn_gamma": "null", "bn_beta": "write"}))
    node = next(n for n in after.nodes if n.op is not None and n.op.name == "_backward_BatchNorm")
    assert node.op.mutates_aux
    mm, mv = node.inputs[5], node.inputs[6]
    fwd = next(n for n in after.nodes if n.op is not None and n.op.name == "BatchNorm")
    assert mm.node is fwd.inputs[3].node and mv.node is fwd.inputs[4].node
    assert (mm.version, mv.version) == (1, 1)
    assert node.inputs[3] == (fwd, 1, 0) and node.inputs[4] == (fwd, 2, 0)
    assert {n.name: n.version for n in before.nodes if n.is_variable} == versions
    assert [n.name for n in after.aux_variables()] == ["bn_moving_mean", "bn_moving_var"]


def _fd_check(sym, shapes, seed=0, eps=1e-6):
    """Gradients of sum(out_i * head_i) from the gradient graph (reference interpreter)
    against central finite differences."""
    rng = np.random.default_rng(seed)
    g = _prep(sym, shapes)
    after = gradient(g)
    args = {k: rng.uniform(-1, 1, s) for k, s in shapes.items()}
    n_fwd = after.attrs["num_forward_outputs"]
    outs = reference.run(Graph(g.outputs), args)
    heads = [rng.uniform(-1, 1, o.shape) for o in outs]
    feed = dict(args)
    index = after.attrs["head_grad_index"]
    for name in after.attrs["head_grad_vars"]:
        feed[name] = heads[index[name]]
    got = reference.run(after, feed)[n_fwd:]

    def objective(values):
        return sum(float((o * h).sum()) for o, h in zip(reference.run(Graph(g.outputs), values),
                                                         heads))
    for name, grad in zip(after.attrs["grad_outputs"], got):
        num = np.zeros_like(args[name])
        for i in np.ndindex(*args[name].shape):
            plus, minus = dict(args), dict(args)
            plus[name] = args[name].copy()
            minus[name] = args[name].copy()
            plus[name][i] += eps
            minus[name][i] -= eps
            num[i] = (objective(plus) - objective(minus)) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7, err_msg=name)


def test_gradients_match_finite_differences():
    x, w, b = mx.sym.Variable("x"), mx.sym.Variable("w"), mx.sym.Variable("b")
    h = mx.sym.FullyConnected(x, w, b, num_hidden=4, name="fc")
    parts = mx.sym.SliceChannel(mx.sym.tanh(h), num_outputs=2, axis=1, name="sp")
    y = mx.sym.broadcast_mul(parts[0], mx.sym.sum(parts[1], axis=1, keepdims=True)) + \
        parts[1] * mx.sym.sigmoid(h).slice_axis(axis=1, begin=0, end=2)
    _fd_check(mx.sym.Group([y, mx.sym.exp(parts[1])]), {"x": (3, 5), "w": (4, 5), "b": (4,)})


def test_non_differentiable_path_gives_zero_gradient():
    x = mx.sym.Variable("x")
    y = mx.sym.argmax(x, axis=1) + mx.sym.sum(x, axis=1)
    after = verify(gradient(_prep(y, {"x": (2, 3)})))
    args = {"x": np.arange(6.0).reshape(2, 3)}
    feed = dict(args, **{after.attrs["head_grad_vars"][0]: np.ones(2)})
    np.testing.assert_allclose(reference.run(after, feed)[1], np.ones((2, 3)))
