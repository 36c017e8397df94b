"""dce: before/expected graphs.  Only nodes reaching an output remain, and every per-entry
result (shape, dtype, storage, inplace) and per-node list (head gradients, backward nodes)
is pruned to them; the input graph is untouched."""
import framework as mx
from compiler.ir.graph import Graph
from compiler.ir.verify import verify
from compiler.passes import infer_shape, infer_type
from compiler.passes.dce import dce
from compiler.passes.gradient import gradient


def _prep(sym, shapes):
    g = infer_shape(Graph(sym._outputs), shapes)
    return infer_type(g, {k: "float32" for k in shapes})


def test_dropping_an_output_removes_its_nodes_and_results():
    x = mx.sym.Variable("x")
    keep, drop = mx.sym.exp(x), mx.sym.log(mx.sym.sqrt(x))
    before = _prep(mx.sym.Group([keep, drop]), {"x": (3,)})
    cut = Graph(before.outputs[:1], dict(before.attrs))
    with_stale = dict(cut.attrs)
    after = verify(dce(cut))
    assert [n.op_name for n in after.nodes] == ["null", "exp"]
    assert set(after.attrs["shape"]) == {(id(n), 0) for n in after.nodes}
    assert set(after.attrs["dtype"]) == set(after.attrs["shape"])
    assert cut.attrs == with_stale                     # pure
    assert len(before.nodes) == 4


def test_gradient_graph_bookkeeping_is_pruned():
    x, w = mx.sym.Variable("x"), mx.sym.Variable("w")
    y = mx.sym.Group([mx.sym.dot(x, w), mx.sym.exp(w)])
    grad = gradient(_prep(y, {"x": (2, 3), "w": (3, 2)}), {"w": "write"})
    assert len(grad.attrs["head_grad_vars"]) == 2
    only_fwd = Graph(grad.outputs[:1], dict(grad.attrs))   # drop exp and w's gradient
    only_fwd.attrs["num_forward_outputs"] = 1
    only_fwd.attrs["storage"] = {k: 0 for k in grad.attrs["shape"]}
    after = verify(dce(only_fwd))
    assert after.attrs["head_grad_vars"] == []
    assert after.attrs["backward_nodes"] == set()
    assert set(after.attrs["storage"]) == {(id(n), 0) for n in after.nodes}
    assert [n.op_name for n in after.nodes] == ["null", "null", "dot"]
