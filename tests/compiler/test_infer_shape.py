"""infer_shape pass: before/expected on golden graphs (MXNet's own results), partial results,
forward/backward sweeps, `__shape__`, and conflicts naming node, input and both shapes."""
import pytest

import compiler.ops  # noqa: F401
from compiler.errors import MXNetError
from compiler.ir import json_io
from compiler.ir.graph import Entry, Graph, Node
from compiler.ops import registry
from compiler.passes import infer_shape
from tests.compat import golden_symbols as G

CASES = sorted(cid for cid, c in G.CASES.items() if "infer_shape" in c)


def _results(graph):
    sh = graph.attrs["shape"]
    return ([sh[(id(n), 0)] for n in graph.arguments()], [sh[e.key()] for e in graph.outputs],
            [sh[(id(n), 0)] for n in graph.aux_variables()])


@pytest.mark.parametrize("cid", CASES)
def test_golden_shapes_match_mxnet(cid):
    case = G.CASES[cid]
    before = json_io.load_json(G.text(cid))
    after = infer_shape(before, {k: tuple(v) for k, v in case["shapes"].items()})
    assert after is not before and "shape" not in before.attrs      # pure: input untouched
    assert after.attrs["shape_num_unknown"] == 0
    assert list(_results(after)) == [G.shapes(x) for x in case["infer_shape"]]


def test_partial_results_keep_unknowns_as_none():
    graph = json_io.load_json(G.text("lstm_step"))
    after = infer_shape(graph, {"data": (3, 7)})
    args, outs, _ = _results(after)
    names = [n.name for n in graph.arguments()]
    known = dict(zip(names, args))
    assert known["data"] == (3, 7) and known["i2h_weight"] == (20, 7)
    assert known["prev_h"] is None and known["h2h_weight"] is None
    assert known["prev_c"] == (3, 5)          # from forget_gate * prev_c, like MXNet
    assert outs == [(3, 5), (3, 5)]
    assert after.attrs["shape_num_unknown"] > 0


def test_backward_sweep_through_elementwise_ops():
    """relu(x) + w with only w known: the add fixes relu's output, relu carries it to x."""
    x, w = Node.variable("x"), Node.variable("w", {"__shape__": "(2, 5)"})
    r = Node(registry.get("relu"), "r", {}, [Entry(x)])
    add = Node(registry.get("elemwise_add"), "add", {}, [Entry(r), Entry(w)])
    after = infer_shape(Graph([Entry(add)]))
    assert after.attrs["shape"][(id(x), 0)] == (2, 5)
    assert after.attrs["shape_num_unknown"] == 0


def test_weights_follow_from_data():
    graph = json_io.load_json(G.text("lenet_bn"))
    sh = infer_shape(graph, {"data": (2, 1, 28, 28)}).attrs["shape"]
    by_name = {n.name: sh[(id(n), 0)] for n in graph.variables()}
    assert by_name["conv1_weight"] == (6, 1, 5, 5)
    assert by_name["bn2_moving_var"] == (8,)
    assert by_name["fc1_weight"] == (32, 128)


def test_variable_shape_attribute_and_caller_precedence():
    graph = json_io.load_json(G.text("var_in_op"))     # w2 has __shape__ (3, 4)
    after = infer_shape(graph, {"data": (2, 4)})
    assert _results(after)[1] == [(2, 3)]
    after = infer_shape(graph, {})
    args, outs, _ = _results(after)
    assert args == [None, (3, 4)] and outs == [None]
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc'"):
        infer_shape(graph, {"data": (2, 4), "w2": (3, 5)})   # the caller's w2 wins, then clashes


def test_zero_dims_mean_unknown():
    x = Node.variable("x", {"__shape__": "(0, 3)"})
    r = Node(registry.get("relu"), "r", {}, [Entry(x)])
    after = infer_shape(Graph([Entry(r)]))
    assert after.attrs["shape"][(id(x), 0)] is None


def test_conflict_raised_by_the_op_names_node_and_shapes():
    graph = json_io.load_json(G.text("mlp"))
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': .*\(4, 20\).*\(16, 30\)"):
        infer_shape(graph, {"data": (4, 20), "fc1_weight": (16, 30)})
    with pytest.raises(MXNetError, match=r"SoftmaxOutput 'softmax': label shape \(5,\)"):
        infer_shape(graph, {"data": (4, 20), "softmax_label": (5,)})


def test_conflict_found_by_the_sweep_names_node_input_and_both_shapes():
    y = Node.variable("y")
    r0 = Node(registry.get("relu"), "relu0", {}, [Entry(y)])
    r2 = Node(registry.get("relu"), "r2", {}, [Entry(y)])
    a = Node(registry.get("elemwise_add"), "a", {},
             [Entry(r0), Entry(Node.variable("x", {"__shape__": "(2, 3)"}))])
    b = Node(registry.get("elemwise_add"), "b", {},
             [Entry(r2), Entry(Node.variable("w", {"__shape__": "(2, 4)"}))])
    with pytest.raises(MXNetError, match=r"relu '(relu0|r2)': input 'data' \('y'\) has shape "
                                         r"\(2, \d\) but the operator infers \(2, \d\)"):
        infer_shape(Graph([Entry(a), Entry(b)]))


def test_unknown_argument_name_and_malformed_shape():
    graph = json_io.load_json(G.text("mlp"))
    with pytest.raises(MXNetError, match=r"keyword argument name nope not found"):
        infer_shape(graph, {"nope": (1,)})
    with pytest.raises(MXNetError, match=r"argument 'data': malformed shape 'abc'"):
        infer_shape(graph, {"data": "abc"})
    bad = Node.variable("v", {"__shape__": "(2, x)"})
    with pytest.raises(MXNetError, match=r"variable 'v' __shape__: malformed shape"):
        infer_shape(Graph([Entry(bad)]))
