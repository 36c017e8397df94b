"""Graph dumps: text with shapes/dtypes, JSON with NNVM graph attributes, Graphviz DOT."""
import json

import compiler.ops  # noqa: F401
from compiler.ir import json_io, printer
from compiler.ir.graph import Entry, Graph, Node
from compiler.ops import registry
from compiler.passes import infer_shape, infer_type
from tests.compat import golden_symbols as G


def _mlp(inferred=True):
    graph = json_io.load_json(G.text("mlp"))
    if inferred:
        graph = infer_type(infer_shape(graph, {"data": (4, 20)}), {"data": "float32"})
    return graph


def test_text_without_inference():
    text = printer.to_text(_mlp(False))
    lines = text.splitlines()
    assert lines[0] == "graph: 10 nodes, 1 outputs"
    assert lines[1] == "#0 data = Variable"
    assert lines[4] == "#3 fc1 = FullyConnected(data=#0, weight=#1, bias=#2) {num_hidden=16}"
    assert lines[-1] == "outputs: #9"


def test_text_with_shapes_and_dtypes():
    text = printer.to_text(_mlp(), title="after infer_type")
    assert text.startswith("after infer_type: 10 nodes, 1 outputs\n")
    assert "#1 fc1_weight = Variable {num_hidden=16} -> (16, 20) float32\n" in text
    assert ("#3 fc1 = FullyConnected(data=#0, weight=#1, bias=#2) {num_hidden=16} "
            "-> (4, 16) float32\n") in text
    assert "#9 softmax = SoftmaxOutput(data=#7, label=#8) -> (4, 10) float32\n" in text
    assert text.endswith("outputs: #9 (4, 10) float32\n")


def test_text_hidden_outputs_versions_and_partial():
    graph = infer_shape(json_io.load_json(G.text("group")), {})
    text = printer.to_text(graph)
    assert "moving_mean=#7^1, moving_var=#8^1" in text          # aux inputs at version 1
    assert "data=#4.2" in text                                   # output 2 of the slice
    assert "-> output ?, mean ?, var ?" in text
    assert "unknown shapes: 13" in text
    sp = [line for line in text.splitlines() if " = SliceChannel(" in line][0]
    assert sp.endswith("-> output0 ?, output1 ?, output2 ?")
    x = Node.variable("x")
    drop = Node(registry.get("Dropout"), "drop", {"p": "0.5"}, [Entry(x)])
    text = printer.to_text(infer_shape(Graph([Entry(drop)]), {"x": (2, 3)}))
    assert "#1 drop = Dropout(data=#0) {p=0.5} -> output (2, 3) | hidden: mask (2, 3)" in text


def test_json_dump_carries_shapes_like_nnvm():
    doc = json.loads(printer.to_json(_mlp()))
    assert doc["attrs"]["mxnet_version"] == ["int", 10901]
    kind, shapes = doc["attrs"]["shape"]
    assert kind == "list_shape" and shapes[0] == [4, 20] and shapes[-1] == [4, 10]
    assert doc["attrs"]["dtype"] == ["list_str", ["float32"] * 10]
    plain = json.loads(G.text("mlp"))
    del doc["attrs"]["shape"], doc["attrs"]["dtype"]
    assert doc == plain


def test_dot():
    dot = printer.to_dot(_mlp(), title="mlp")
    assert dot.startswith('digraph "mlp" {\n')
    assert 'n0 [label="data\\n(4, 20) float32", shape=ellipse];' in dot
    assert 'n3 [label="FullyConnected\\nfc1\\nnum_hidden=16", shape=box, style=rounded];' in dot
    assert 'n0 -> n3 [label="(4, 20) float32"];' in dot
    assert "n9 -> out0;" in dot
    assert dot.rstrip().endswith("}")
    graph = json_io.load_json(G.text("lstm_step"))
    dot = printer.to_dot(graph)
    assert 'taillabel="3"' in dot          # slice output 3 feeds the output gate
