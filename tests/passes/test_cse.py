"""eliminate_common_expr: before/expected graphs.  Identical op + attributes + inputs become one
node (transitively), outputs and shape/dtype results follow; random ops, aux-mutating ops,
different attributes and different inputs are kept apart; the input graph is untouched."""
import framework as mx
from compiler.ir.graph import Entry, Graph, Node
from compiler.ir.verify import verify
from compiler.ops import registry
from compiler.passes import infer_shape, infer_type
from compiler.passes.cse import eliminate_common_expr
from compiler.passes.gradient import gradient


def _prep(sym, shapes):
    g = infer_shape(Graph(sym._outputs), shapes)
    return infer_type(g, {k: "float32" for k in shapes})


def _ops(graph):
    return [n.op.name for n in graph.nodes if not n.is_variable]


def test_identical_chains_merge_transitively():
    x = mx.sym.Variable("x")
    y = mx.sym.log(mx.sym.exp(x)) + mx.sym.log(mx.sym.exp(x))
    before = _prep(y, {"x": (2, 3)})
    snapshot = [(n, list(n.inputs)) for n in before.nodes]
    after = verify(eliminate_common_expr(before))
    assert _ops(before) == ["exp", "log", "exp", "log", "elemwise_add"]
    assert _ops(after) == ["exp", "log", "elemwise_add"]
    add = after.outputs[0].node
    assert add.inputs[0] == add.inputs[1] and add is not before.outputs[0].node
    assert [(n, list(n.inputs)) for n in before.nodes] == snapshot        # pure
    assert after.attrs["shape"][after.outputs[0].key()] == (2, 3)
    assert set(after.attrs["shape"]) == {(id(n), i) for n in after.nodes
                                         for i in range(n.num_outputs())}


def test_outputs_are_redirected_to_the_surviving_node():
    x = mx.sym.Variable("x")
    g = mx.sym.Group([mx.sym.sqrt(x), mx.sym.sqrt(x)])
    after = verify(eliminate_common_expr(_prep(g, {"x": (4,)})))
    assert after.outputs[0] == after.outputs[1] and _ops(after) == ["sqrt"]


def test_different_attrs_inputs_and_hidden_attrs_stay_apart():
    x, z = mx.sym.Variable("x"), mx.sym.Variable("z")
    y = (mx.sym.sum(x, axis=0) + mx.sym.sum(x, axis=1).reshape((3,))
         + mx.sym.sum(z, axis=0) + mx.sym.sum(x, axis=0, attr={"__lr_mult__": "2"}))
    after = eliminate_common_expr(_prep(y, {"x": (3, 3), "z": (3, 3)}))
    assert _ops(after).count("sum") == 4


def test_random_and_aux_mutating_ops_never_merge():
    x = mx.sym.Variable("x")
    y = mx.sym.Dropout(x, p=0.5) + mx.sym.Dropout(x, p=0.5)
    after = eliminate_common_expr(_prep(y, {"x": (2, 2)}))
    assert _ops(after).count("Dropout") == 2
    # two identical _backward_BatchNorm nodes (they update the moving stats) stay two
    data, gamma = Node.variable("data"), Node.variable("gamma")
    mm, mv = Node.variable("mm"), Node.variable("mv")
    op = registry.get("_backward_BatchNorm")
    bwd = [Node(op, "b%d" % i, {}, [Entry(data), Entry(data), Entry(gamma), Entry(gamma),
                                    Entry(gamma), Entry(mm, 0, 1), Entry(mv, 0, 1)])
           for i in range(2)]
    g = Graph([Entry(bwd[0]), Entry(bwd[1])])
    g = infer_type(infer_shape(g, {"data": (2, 3)}), {"data": "float32"})
    assert _ops(eliminate_common_expr(g)) == ["_backward_BatchNorm"] * 2


def test_gradient_graph_duplicates_merge_and_bookkeeping_follows():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    grad = gradient(_prep(a + b, {"a": (2,), "b": (2,)}))
    assert _ops(grad).count("_copy") == 2                 # one copy per argument ...
    after = verify(eliminate_common_expr(grad))
    assert _ops(after).count("_copy") == 1                # ... the same expression: merged
    assert after.outputs[1] == after.outputs[2]           # lower copies where needed
    assert after.attrs["grad_outputs"] == ["a", "b"]
    assert after.attrs["backward_nodes"] == {id(n) for n in after.nodes if n.op_name == "_copy"
                                             or n.name in after.attrs["head_grad_vars"]}
