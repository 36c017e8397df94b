"""MXNet 1.9.1 symbol JSON: golden files load and re-export byte for byte; legacy upgrades;
malformed input raises MXNetError naming the node."""
import json
import os

import pytest

import compiler.ops  # noqa: F401
from compiler.errors import MXNetError
from compiler.ir import json_io
from compiler.ir.graph import Entry, Graph, Node
from compiler.ops import registry
from tests.compat import golden_symbols as G

SAVED = sorted(cid for cid, c in G.CASES.items() if "input" not in c)
LEGACY = sorted(cid for cid, c in G.CASES.items() if "input" in c)


@pytest.mark.parametrize("cid", SAVED)
def test_golden_roundtrip_is_byte_identical(cid):
    text = G.text(cid)
    assert json_io.save_json(json_io.load_json(text)) == text


def test_checkpoint_symbol_from_model_save_checkpoint():
    path = os.path.join(os.path.dirname(G.DIR), "checkpoint-symbol.json")
    with open(path) as f:
        text = f.read()
    graph = json_io.load_json(text)
    assert json_io.save_json(graph) == text
    bn = [n for n in graph.nodes if n.name == "bn1"][0]
    assert [e.version for e in bn.inputs] == [0, 0, 0, 1, 1]


@pytest.mark.parametrize("cid", LEGACY)
def test_legacy_files_upgrade_like_mxnet(cid):
    """MXNet's re-export of an old file (upgrade passes applied) is what we write."""
    graph = json_io.load_json(G.text(cid, "input"))
    assert json_io.save_json(graph) == G.text(cid, "resaved")


def test_legacy_0800_details():
    graph = json_io.load_json(G.text("legacy_v0800", "input"))
    by_name = {n.name: n for n in graph.nodes}
    assert by_name["fc1_weight"].attrs == {"__lr_mult__": "0.5"}     # lr_mult on a variable
    assert by_name["fc1_bias"].attrs == {"__wd_mult__": "0"}          # bias_wd_mult on the op
    assert by_name["fc1"].attrs["__ctx_group__"] == "stage1"
    assert by_name["bn_moving_mean"].attrs["__init__"] == '["zero", {}]'  # added aux input
    bn = by_name["bn"]
    assert [e.version for e in bn.inputs] == [0, 0, 0, 0, 0]            # as MXNet: not bumped


def test_writer_layout_rules():
    """dmlc's JSONWriter: maps inline up to one key, arrays inline up to 10 items."""
    xs = [Node.variable("x%d" % i) for i in range(11)]
    cat = Node(registry.get("Concat"), "cat", {"num_args": "11", "dim": "0"},
               [Entry(x) for x in xs])
    text = json_io.save_json(Graph([Entry(cat)]))
    assert '"attrs": {\n        "dim": "0", \n        "num_args": "11"\n      }' in text
    assert '"inputs": [\n        [0, 0, 0], \n' in text
    assert '"arg_nodes": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' not in text   # 11 items: multi-line
    assert '"heads": [[11, 0, 0]]' in text
    one = Node.variable("v", {"__shape__": "(2, 3)"})
    text = json_io.save_json(Graph([Entry(one)]))
    assert text == ('{\n  "nodes": [\n    {\n      "op": "null", \n      "name": "v", \n'
                    '      "attrs": {"__shape__": "(2, 3)"}, \n      "inputs": []\n    }\n  ], \n'
                    '  "arg_nodes": [0], \n  "node_row_ptr": [0, 1], \n  "heads": [[0, 0, 0]], \n'
                    '  "attrs": {"mxnet_version": ["int", 10901]}\n}')


def test_string_escapes_roundtrip():
    node = Node.variable('we"ird\tname', {"__note__": 'a "b"\\c\nd\re', "u": "\u00e9\u4e2d"})
    text = json_io.save_json(Graph([Entry(node)]))
    assert '"name": "we\\"ird\\tname"' in text
    assert '"__note__": "a \\"b\\"\\\\c\\nd\\re"' in text
    back = json_io.load_json(text)
    assert back.outputs[0].node.name == 'we"ird\tname'
    assert back.outputs[0].node.attrs == node.attrs


def test_two_element_entries_and_missing_row_ptr_are_accepted():
    doc = {"nodes": [{"op": "null", "name": "x", "inputs": []},
                     {"op": "relu", "name": "r", "inputs": [[0, 0]]}],
           "arg_nodes": [0], "heads": [[1, 0]], "attrs": {"mxnet_version": ["int", 10901]}}
    graph = json_io.load_json(json.dumps(doc))
    assert graph.outputs[0].node.op.name == "relu"
    assert graph.outputs[0].node.inputs[0].version == 0


def _mlp_doc():
    return json.loads(G.text("mlp"))


def _load(doc):
    return json_io.load_json(doc if isinstance(doc, str) else json.dumps(doc))


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d["nodes"][3].update(op="FooBar"), r"node 3 \('fc1'\): unknown operator 'FooBar'"),
    (lambda d: d["nodes"][3]["attrs"].update(num_hidden="abc"),
     r"FullyConnected 'fc1': attribute 'num_hidden' has invalid value 'abc'"),
    (lambda d: d["nodes"][3]["attrs"].update(bogus="1"),
     r"FullyConnected 'fc1': unknown attribute 'bogus'"),
    (lambda d: d["nodes"][3]["attrs"].pop("num_hidden"),
     r"FullyConnected 'fc1': required attribute 'num_hidden' is missing"),
    (lambda d: d["nodes"][3]["inputs"].__setitem__(0, [7, 0, 0]), r"cycle through node 'fc1'"),
    (lambda d: d["nodes"][3]["inputs"].__setitem__(0, [70, 0, 0]),
     r"node 3 \('fc1'\): entry \[70, 0, 0\] refers to node 70 but the graph has 10 nodes"),
    (lambda d: d["nodes"][4]["inputs"].__setitem__(0, [3, 2, 0]),
     r"node 'relu1': entry refers to output 2 of 'fc1', which has 1 output"),
    (lambda d: d["nodes"][4]["inputs"].__setitem__(0, [3, "a", 0]),
     r"node 4 \('relu1'\): malformed entry"),
    (lambda d: d["nodes"][4].update(inputs=[]), r"Activation 'relu1': expects 1 inputs"),
    (lambda d: d.update(heads=[[99, 0, 0]]), r"heads: entry \[99, 0, 0\] refers to node 99"),
    (lambda d: d["nodes"][3].update(bogus=1), r"node 3 \('fc1'\): unknown field 'bogus'"),
    (lambda d: d["nodes"][3]["attrs"].update(num_hidden=16),
     r"node 3 \('fc1'\): 'attrs' must map names to strings"),
    (lambda d: d.pop("arg_nodes"), r"missing field 'arg_nodes'"),
    (lambda d: d["attrs"].update(mxnet_version=10901), r"malformed mxnet_version"),
    (lambda d: d.update(arg_nodes=[3]), r"arg_nodes entry 3 is not a variable"),
    (lambda d: d["nodes"][0].update(inputs=[[1, 0, 0]]), r"variable 'data' has inputs"),
])
def test_malformed_json_names_the_node(mutate, match):
    doc = _mlp_doc()
    mutate(doc)
    with pytest.raises(MXNetError, match=match):
        _load(doc)


@pytest.mark.parametrize("text, match", [
    ('{"nodes": [', "symbol JSON is malformed"),
    ("[1, 2]", "must be an object"),
    ('{"nodes": {}, "arg_nodes": [], "heads": []}', "'nodes' must be a list"),
])
def test_malformed_documents(text, match):
    with pytest.raises(MXNetError, match=match):
        _load(text)


def test_older_versions_accepted_and_saved_as_current():
    doc = _mlp_doc()
    doc["attrs"]["mxnet_version"] = ["int", 10600]
    assert json_io.save_json(_load(doc)) == G.text("mlp")
