"""The IR verifier: good graphs pass; every malformation raises MXNetError naming the node."""
import pytest

import compiler.ops  # noqa: F401
from compiler.errors import MXNetError
from compiler.ir import json_io
from compiler.ir.graph import Entry, Graph, Node
from compiler.ir.verify import to_networkx, verify
from compiler.ops import registry
from tests.compat import golden_symbols as G


def _var(name):
    return Node.variable(name)


def _op(name, node_name, inputs, **attrs):
    return Node(registry.get(name), node_name, {k: str(v) for k, v in attrs.items()},
                [Entry(x) if isinstance(x, Node) else x for x in inputs])


@pytest.mark.parametrize("cid", ["mlp", "lenet_bn", "resnet_block", "lstm_step", "group"])
def test_golden_graphs_verify(cid):
    graph = json_io.load_json(G.text(cid))
    assert verify(graph) is graph
    g = to_networkx(graph)
    assert g.number_of_nodes() == len(graph.nodes)


def test_cycle_is_reported_with_node_names():
    x = _var("x")
    a = _op("relu", "a", [x])
    b = _op("sigmoid", "b", [a])
    a.inputs = [Entry(b)]              # a <- b <- a
    with pytest.raises(MXNetError, match=r"cycle through node '(a|b)'"):
        verify(Graph([Entry(b)]))


def test_entry_index_out_of_range():
    x = _var("x")
    r = _op("relu", "r", [Entry(x, 1)])
    with pytest.raises(MXNetError, match=r"relu 'r' input 'data': entry refers to output 1 of 'x'"):
        verify(Graph([Entry(r)]))
    with pytest.raises(MXNetError, match=r"graph output: entry refers to output 3 of 'r'"):
        verify(Graph([Entry(_op("relu", "r", [x]), 3)]))


def test_malformed_attribute_and_input_count():
    x = _var("x")
    fc = Node(registry.get("FullyConnected"), "fc1", {"num_hidden": "ten"}, [Entry(x)])
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': attribute 'num_hidden'"):
        verify(Graph([Entry(fc)]))
    fc = _op("FullyConnected", "fc1", [x], num_hidden=3)
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': expects 3 inputs \(data, weight, "
                                         r"bias\), has 1"):
        verify(Graph([Entry(fc)]))


def test_duplicate_variable_names():
    g = Graph([Entry(_op("elemwise_add", "add", [_var("a"), _var("a")]))])
    with pytest.raises(MXNetError, match=r"two different variables are named 'a'"):
        verify(g)
    assert verify(g, unique_names=False) is g


def test_aux_state_must_be_a_variable():
    x = _var("x")
    ins = [x, _var("g"), _var("b"), _op("relu", "notvar", [x]), _var("mv")]
    bn = _op("BatchNorm", "bn", ins)
    with pytest.raises(MXNetError, match=r"BatchNorm 'bn': aux state 'moving_mean' must be a "
                                         r"variable, got the output of 'notvar'"):
        verify(Graph([Entry(bn)]))


def test_variable_with_inputs_and_stale_results():
    x = _var("x")
    v = Node.variable("v")
    v.inputs = [Entry(x)]
    with pytest.raises(MXNetError, match=r"variable 'v' has inputs"):
        verify(Graph([Entry(v)]))
    g = Graph([Entry(_op("relu", "r", [x]))], attrs={"shape": {(12345, 0): (2,)}})
    with pytest.raises(MXNetError, match=r"not in the graph"):
        verify(g)
    r = _op("relu", "r", [x])
    g = Graph([Entry(r)], attrs={"shape": {(id(r), 0): [2, 3]}})
    with pytest.raises(MXNetError, match=r"malformed value \[2, 3\] for output 0 of 'r'"):
        verify(g)
