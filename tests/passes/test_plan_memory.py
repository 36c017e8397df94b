"""plan_memory: before/expected plans.  In-place only where the op declares it, the input dies
at the node and size and dtype match (never for aux-mutating nodes); freed slots are reused
best-fit within MXNet's 16x window; variables, graph outputs and gradients stay external;
the arena never exceeds one buffer per value; every plan is checked for overlapping lives."""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError
from compiler.ir.graph import Entry, Graph, Node
from compiler.ops.registry import Op
from compiler.passes.fuse import fuse
from compiler.passes.gradient import gradient
from compiler.passes.plan_memory import Allocator, plan_memory
from tests.passes.fusion_util import check_plan, fused_nodes, prep


@pytest.fixture(autouse=True)
def _fresh_names():
    with mx.name.NameManager():
        yield


def _node(graph, name):
    return next(n for n in graph.nodes if n.name == name)


def _slot(graph, name, index=0):
    return graph.attrs["storage"][(id(_node(graph, name)), index)]


def test_unary_chain_runs_in_place():
    x = mx.sym.Variable("x")
    a = mx.sym.exp(x, name="a")
    b = mx.sym.relu(a, name="b")
    c = mx.sym.sqrt(b, name="c")
    y = mx.sym.negative(c, name="y")
    before = prep(y, {"x": (4, 8)})
    after = plan_memory(before)
    check_plan(after)
    assert "storage" not in before.attrs                  # pure
    assert _slot(after, "x") == -1 and _slot(after, "y") == -1      # variable, output
    assert _slot(after, "a") == _slot(after, "b") == _slot(after, "c") == 0
    key = lambda n: (id(_node(after, n)), 0)               # noqa: E731
    assert after.attrs["inplace"] == {key("b"): key("a"), key("c"): key("b")}
    assert after.attrs["slot_bytes"] == [128]
    assert after.attrs["mem_stats"] == {"arena_bytes": 128, "naive_bytes": 384,
                                        "inplace_count": 2, "num_slots": 1}


def test_no_in_place_while_the_input_is_still_needed():
    x = mx.sym.Variable("x")
    a = mx.sym.exp(x, name="a")
    b = mx.sym.relu(a, name="b")
    y = mx.sym.elemwise_add(a, b, name="y")               # a is read after b
    after = plan_memory(prep(y, {"x": (3,)}))
    check_plan(after)
    assert _slot(after, "a") != _slot(after, "b")
    assert after.attrs["inplace"] == {}


def test_no_in_place_from_an_external_input_or_to_a_graph_output():
    x = mx.sym.Variable("x")
    after = plan_memory(prep(mx.sym.relu(mx.sym.exp(x, name="a"), name="b"), {"x": (3,)}))
    assert _slot(after, "a") == 0 and _slot(after, "b") == -1
    assert after.attrs["inplace"] == {}                   # exp reads a variable
    assert after.attrs["slot_bytes"] == [12]


def test_no_in_place_across_dtypes():
    x = mx.sym.Variable("x")
    a = mx.sym.abs(x, name="a")                          # int32
    b = mx.sym.op._plus_scalar(a, scalar=0.5, is_int=False, name="b")   # -> float64
    y = mx.sym.sqrt(b, name="y")
    after = plan_memory(prep(y, {"x": (4,)}, "int32"))
    check_plan(after)
    assert _slot(after, "a") != _slot(after, "b")
    assert after.attrs["slot_bytes"] == [16, 32]
    assert after.attrs["inplace"] == {}


def test_freed_slots_are_reused():
    x = mx.sym.Variable("x")
    h = x
    for i in range(4):                                   # FullyConnected: no in-place
        h = mx.sym.FullyConnected(h, num_hidden=8, name="fc%d" % i)
    after = plan_memory(prep(mx.sym.sum(h, name="s"), {"x": (2, 8)}))
    check_plan(after)
    assert [_slot(after, "fc%d" % i) for i in range(4)] == [0, 1, 0, 1]
    assert after.attrs["mem_stats"]["arena_bytes"] == 128
    assert after.attrs["mem_stats"]["naive_bytes"] == 256


def test_allocator_best_fit_within_the_match_range():
    a = Allocator(16)
    s0, s1, s2 = a.request(100), a.request(400), a.request(2000)
    for s in (s0, s1, s2):
        a.release(s)
    assert a.request(300) == s1                    # smallest free slot >= 300
    assert a.request(3000) == s2 and a.slot_bytes[s2] == 3000   # largest smaller one grows
    assert a.request(5000) == 3                    # 100 < 5000 / 16: a new slot
    assert a.request(6) == 4                       # 100 > 16 * 6: out of range
    assert a.request(7) == s0 and a.slot_bytes[s0] == 100   # 100 <= 16 * 7
    exact = Allocator(0)                           # match_range 0: never reuse
    exact.release(exact.request(8))
    assert exact.request(8) == 1


def test_allocator_ties_take_the_first_released():
    a = Allocator()
    s = [a.request(64) for _ in range(3)]
    a.release(s[2])
    a.release(s[0])
    assert a.request(64) == s[2]
    assert a.request(64) == s[0]


def test_hidden_outputs_are_released_at_once_and_aux_stays_external():
    x = mx.sym.Variable("x")
    bn = mx.sym.BatchNorm(x, name="bn")                  # outputs: out, mean, var (hidden)
    y = mx.sym.relu(bn, name="y")
    g = gradient(prep(y, {"x": (4, 3)}), {"x": "write", "bn_gamma": "write",
                                          "bn_beta": "write"})
    after = plan_memory(g)
    check_plan(after)
    storage = after.attrs["storage"]
    for var in after.variables():
        assert storage[(id(var), 0)] == -1
    assert {v.name for v in after.aux_variables()} == {"bn_moving_mean", "bn_moving_var"}
    for e in after.outputs:                              # forward output and gradients
        assert storage[e.key()] == -1
    back = next(n for n in after.nodes if n.op_name == "_backward_BatchNorm")
    assert back.op.mutates_aux
    assert all((id(back), i) not in after.attrs["inplace"] for i in range(back.num_outputs()))


class _MutatingScale(Op):
    """A test op: out = data * 2, declared in-place, that also updates its aux state."""

    name = "_test_mutating_scale"
    arguments = ("data", "state")
    aux = ("state",)
    mutates_aux = True
    inplace = ((0, 0),)

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]


class _Scale(_MutatingScale):
    name = "_test_scale"
    mutates_aux = False


def _aux_graph(op):
    x, state = Node.variable("x"), Node.variable("state")
    a = Node(mx.sym.op.exp(mx.sym.Variable("t"))._outputs[0].node.op, "a", {}, [Entry(x)])
    b = Node(op, "b", {}, [Entry(a), Entry(state)])
    c = Node(a.op, "c", {}, [Entry(b)])
    g = Graph([Entry(c)])
    shapes = {(id(n), 0): (5,) for n in g.nodes}
    dtypes = {(id(n), 0): "float32" for n in g.nodes}
    return Graph(g.outputs, {"shape": shapes, "dtype": dtypes})


def test_aux_mutating_nodes_never_run_in_place():
    plain = plan_memory(_aux_graph(_Scale()))
    assert len(plain.attrs["inplace"]) == 1 and plain.attrs["slot_bytes"] == [20]
    mutating = plan_memory(_aux_graph(_MutatingScale()))
    assert mutating.attrs["inplace"] == {}
    assert mutating.attrs["slot_bytes"] == [20, 20]
    assert mutating.attrs["storage"][(id(_node(mutating, "state")), 0)] == -1


def test_fused_nodes_run_in_place_on_an_unbroadcast_input():
    x, r = mx.sym.Variable("x"), mx.sym.Variable("r")
    h = mx.sym.FullyConnected(x, num_hidden=6, name="fc")
    y = mx.sym.sum(mx.sym.relu(mx.sym.broadcast_mul(h, r)) + 1, name="s")
    after = plan_memory(fuse(prep(y, {"x": (2, 4), "r": (1, 6)})))
    check_plan(after)
    (node,) = fused_nodes(after)
    assert node.op.inplace == ((0, 0),)                 # fc's output, not r (broadcast)
    assert after.attrs["inplace"] == {(id(node), 0): node.inputs[0].key()}


def test_training_graph_plan_is_sound_and_smaller_than_naive():
    data = mx.sym.Variable("data")
    c1 = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, name="conv1")
    a1 = mx.sym.Activation(c1, act_type="tanh", name="tanh1")
    p1 = mx.sym.Pooling(a1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    f1 = mx.sym.FullyConnected(mx.sym.Flatten(p1), num_hidden=8, name="fc1")
    a2 = mx.sym.Activation(f1, act_type="relu", name="relu1")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(a2, num_hidden=3, name="fc2"),
                               name="softmax")
    g = prep(net, {"data": (2, 1, 8, 8)})
    reqs = {n.name: "null" if n.name in ("data", "softmax_label") else "write"
            for n in g.arguments()}
    for graph in (gradient(g, reqs), fuse(gradient(g, reqs))):
        after = plan_memory(graph)
        check_plan(after)
        stats = after.attrs["mem_stats"]
        assert stats["arena_bytes"] < stats["naive_bytes"]
        assert stats["inplace_count"] >= 1
        n_fwd = after.attrs["num_forward_outputs"]
        assert len(after.outputs) == n_fwd + len(after.attrs["grad_outputs"])
        assert all(after.attrs["storage"][e.key()] == -1 for e in after.outputs)


def test_needs_every_shape():
    x = mx.sym.Variable("x")
    with pytest.raises(MXNetError, match="infer_shape and infer_type"):
        plan_memory(Graph(mx.sym.exp(x)._outputs))
    g = prep(mx.sym.relu(mx.sym.FullyConnected(x, num_hidden=2, name="fc")), {})
    with pytest.raises(MXNetError, match="output 0 of 'fc' has an unknown shape"):
        plan_memory(g)
