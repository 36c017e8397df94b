"""infer_type pass: golden dtypes, `__dtype__` type flags, backward sweep, conflicts."""
import pytest

import compiler.ops  # noqa: F401
from compiler.errors import MXNetError
from compiler.ir import json_io
from compiler.ir.graph import Entry, Graph, Node
from compiler.ops import registry
from compiler.passes import infer_type
from compiler.passes.infer_type import dtype_of
from tests.compat import golden_symbols as G

CASES = sorted(cid for cid, c in G.CASES.items() if "infer_type" in c)


def _results(graph):
    dt = graph.attrs["dtype"]
    return [[dt[(id(n), 0)] for n in graph.arguments()], [dt[e.key()] for e in graph.outputs],
            [dt[(id(n), 0)] for n in graph.aux_variables()]]


@pytest.mark.parametrize("cid", CASES)
def test_golden_types_match_mxnet(cid):
    case = G.CASES[cid]
    before = json_io.load_json(G.text(cid))
    after = infer_type(before, case["types"])
    assert "dtype" not in before.attrs
    assert after.attrs["dtype_num_unknown"] == 0
    assert _results(after) == case["infer_type"]


def test_dtype_attribute_of_variables():
    graph = json_io.load_json(G.text("var_in_op"))     # data: __dtype__ "2" (float16)
    assert _results(infer_type(graph)) == [["float16", "float16"], ["float16"], []]
    assert _results(infer_type(graph, {"data": "float64"})) == [["float64"] * 2, ["float64"], []]


def test_partial_and_backward():
    x, y = Node.variable("x"), Node.variable("y")
    r = Node(registry.get("relu"), "r", {}, [Entry(x)])
    add = Node(registry.get("elemwise_add"), "add", {}, [Entry(r), Entry(y)])
    graph = Graph([Entry(add)])
    after = infer_type(graph)
    assert after.attrs["dtype_num_unknown"] == 4
    after = infer_type(graph, {"y": "float16"})
    assert after.attrs["dtype"][(id(x), 0)] == "float16"


def test_conflicts_name_the_node():
    graph = json_io.load_json(G.text("arith"))
    with pytest.raises(MXNetError,
                       match=r"'.*': input '.*' has dtype float64 but expected float32"):
        infer_type(graph, {"x": "float32", "y": "float64"})


def test_type_flags_and_errors():
    assert dtype_of("0", "w") == "float32" and dtype_of(6, "w") == "int64"
    assert dtype_of("float16", "w") == "float16"
    with pytest.raises(MXNetError, match=r"unknown MXNet type flag 42"):
        dtype_of("42", "w")
    with pytest.raises(MXNetError, match=r"keyword argument name zz not found"):
        infer_type(json_io.load_json(G.text("mlp")), {"zz": "float32"})
