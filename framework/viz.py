"""mx.viz: MXNet 1.9.1's network visualization.

`print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.])` prints
MXNet's layer table (Layer (type), Output Shape, Param #, Previous Layer; total params), and
`plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None,
node_attrs={}, hide_weights=True)` returns a `graphviz.Digraph` of the network (the optional
`graphviz` package: `pip install graphviz`; rendering needs Graphviz's `dot` binary).

Both read the symbol's JSON exactly as MXNet does, so their output matches MXNet's line for
line (tests/framework/test_viz.py compares with golden output of real MXNet), including its
quirks: the table lists op nodes and only the FIRST variable (node 0, normally `data`, which
MXNet finds through the first head's [node, index, version] triple); parameter counts take the
input channels from the previous layers' inferred shapes (0 without `shape`), count
Convolution, FullyConnected, BatchNorm (gamma and beta) and Embedding only, and treat
`no_bias` as set only when its string is 'True'.
"""
import copy
import json
import re
import warnings

from .base import MXNetError
from .symbol import Symbol

__all__ = ["print_summary", "plot_network"]


class GraphvizNotInstalled(MXNetError, ImportError):
    """plot_network needs the optional `graphviz` Python package."""


def _str2tuple(string):
    """The integers of a shape string such as '(5, 5)', as strings (MXNet's helper)."""
    return re.findall(r"\d+", string)


def _shape_dict(symbol, shape):
    internals = symbol.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape)
    if out_shapes is None:
        raise ValueError("Input shape is incomplete")
    return dict(zip(internals.list_outputs(), out_shapes))


def _print_row(fields, positions):
    line = ""
    for i, field in enumerate(fields):
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    print(line)


def _layer_params(node, pre_filter, shape_dict, show_shape):
    """MXNet's parameter count of one layer (0 for every op it does not know)."""
    op, attrs = node["op"], node.get("attrs", {})
    if op in ("Convolution", "FullyConnected"):
        no_bias = attrs.get("no_bias") == "True"
        if op == "FullyConnected":
            return (pre_filter if no_bias else pre_filter + 1) * int(attrs["num_hidden"])
        num_group = int(attrs.get("num_group", "1"))
        params = pre_filter * int(attrs["num_filter"]) // num_group
        for k in _str2tuple(attrs["kernel"]):
            params *= int(k)
        return params if no_bias else params + int(attrs["num_filter"])
    if op == "BatchNorm":
        if show_shape:
            return int(shape_dict[node["name"] + "_output"][1]) * 2
        return 0
    if op == "Embedding":
        return int(attrs["input_dim"]) * int(attrs["output_dim"])
    return 0


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):  # noqa: B006
    """Print the layers of `symbol`: name (type), output shape without the batch axis (when
    `shape` gives the input shapes), parameter count and previous layers; then the total.

    `positions` are the right edges of the four columns, as fractions of `line_length` (when
    the last is <= 1) or in characters."""
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be Symbol")
    show_shape = shape is not None
    shape_dict = _shape_dict(symbol, shape) if show_shape else {}
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    heads = set(conf["heads"][0])       # MXNet's: the first head's (node, index, version)
    positions = list(positions)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    print("_" * line_length)
    _print_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"], positions)
    print("=" * line_length)

    def key_of(node):
        return node["name"] + "_output" if node["op"] != "null" else node["name"]

    total = 0
    for i, node in enumerate(nodes):
        if node["op"] == "null" and i > 0:
            continue
        out_shape = []
        if show_shape and (node["op"] != "null" or i in heads) and key_of(node) in shape_dict:
            out_shape = shape_dict[key_of(node)][1:]
        previous, pre_filter = [], 0
        if node["op"] != "null":
            for item in node["inputs"]:
                src = nodes[item[0]]
                if src["op"] != "null" or item[0] in heads:
                    previous.append(src["name"])
                    if show_shape and key_of(src) in shape_dict:
                        pre_filter += int(shape_dict[key_of(src)][1:][0])
        params = _layer_params(node, pre_filter, shape_dict, show_shape)
        total += params
        _print_row(["%s(%s)" % (node["name"], node["op"]), "x".join(str(d) for d in out_shape),
                    params, previous[0] if previous else ""], positions)
        for name in previous[1:]:
            _print_row(["", "", "", name], positions)
        print("=" * line_length if i == len(nodes) - 1 else "_" * line_length)
    print("Total params: {params}".format(params=total))
    print("_" * line_length)


_WEIGHT_LIKE = ("_weight", "_bias", "_beta", "_gamma", "_moving_var", "_moving_mean",
                "_running_var", "_running_mean")
_COLORS = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69",
           "#fccde5")


def _label_and_color(node):
    """MXNet's label and fill color of an op node."""
    op, name, attrs = node["op"], node["name"], node.get("attrs", {})
    if op == "Convolution":
        return "Convolution\n{kernel}/{stride}, {filter}".format(
            kernel="x".join(_str2tuple(attrs["kernel"])),
            stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1",
            filter=attrs["num_filter"]), _COLORS[1]
    if op == "FullyConnected":
        return "FullyConnected\n{hidden}".format(hidden=attrs["num_hidden"]), _COLORS[1]
    if op == "BatchNorm":
        return name, _COLORS[3]
    if op == "Activation":
        return "Activation\n{activation}".format(activation=attrs["act_type"]), _COLORS[2]
    if op == "LeakyReLU":
        act = attrs.get("act_type", "Leaky") if attrs else "Leaky"
        return "LeakyReLU\n{activation}".format(activation=act), _COLORS[2]
    if op == "Pooling":
        return "Pooling\n{pooltype}, {kernel}/{stride}".format(
            pooltype=attrs["pool_type"],
            kernel="x".join(_str2tuple(attrs["kernel"])) if "kernel" in attrs else "[]",
            stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"
        ), _COLORS[4]
    if op in ("Concat", "Flatten", "Reshape"):
        return name, _COLORS[5]
    if op == "Softmax":
        return name, _COLORS[6]
    return (attrs["op_type"] if op == "Custom" else name), _COLORS[7]


def _edge_key(src):
    """The get_internals() output name MXNet looks up for an edge from `src`."""
    if src["op"] == "null":
        return src["name"]
    key = src["name"] + "_output"
    if "num_outputs" in src.get("attrs", {}):
        key += str(int(src["attrs"]["num_outputs"]) - 1)
    return key


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None,
                 node_attrs={}, hide_weights=True):  # noqa: B006  (MXNet's signature; not mutated)
    """A graphviz.Digraph of `symbol`: ops as boxes colored by kind, inputs as ovals, edges
    labelled with the output shape (without the batch axis, given `shape`) and dtype (given
    `dtype`); weights and biases hidden unless `hide_weights=False`.  `node_attrs` updates
    the Graphviz node attributes.  `digraph.render()` / `.view()` need Graphviz's `dot`."""
    try:
        from graphviz import Digraph
    except ImportError:
        raise GraphvizNotInstalled("Draw network requires graphviz library: install the "
                                   "optional Python package with `pip install graphviz` "
                                   "(and Graphviz's dot binary to render)") from None
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be a Symbol")
    draw_shape, draw_type = shape is not None, dtype is not None
    shape_dict = _shape_dict(symbol, shape) if draw_shape else {}
    type_dict = {}
    if draw_type:
        internals = symbol.get_internals()
        _, out_types, _ = internals.infer_type(**dtype)
        if out_types is None:
            raise ValueError("Input type is incomplete")
        type_dict = dict(zip(internals.list_outputs(), out_types))
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    names = [n["name"] for n in nodes]
    if len(names) != len(set(names)):
        seen = set()
        repeated = set(n for n in names if n in seen or seen.add(n))
        warnings.warn("There are multiple variables with the same name in your graph, this may "
                      "result in cyclic graph. Repeated names: " + ",".join(repeated),
                      RuntimeWarning)
    node_attr = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034",
                 "style": "filled"}
    node_attr.update(node_attrs or {})
    dot = Digraph(name=title, format=save_format)
    hidden = set()
    for node in nodes:
        attr = copy.deepcopy(node_attr)
        if node["op"] == "null":
            if node["name"].endswith(_WEIGHT_LIKE):
                if hide_weights:
                    hidden.add(node["name"])
                continue                      # not drawn either way (an empty oval if shown)
            attr["shape"] = "oval"
            label, attr["fillcolor"] = node["name"], _COLORS[0]
        else:
            label, attr["fillcolor"] = _label_and_color(node)
        dot.node(name=node["name"], label=label, **attr)
    for node in nodes:
        if node["op"] == "null":
            continue
        inputs = node["inputs"]
        if node["op"] == "_contrib_BilinearResize2D":
            inputs = [inputs[0]]
        for item in inputs:
            src = nodes[item[0]]
            if src["name"] in hidden:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            key = _edge_key(src)
            if draw_shape:
                attr["label"] = "x".join(str(d) for d in shape_dict[key][1:])
            if draw_type:
                attr["label"] += "(" + type_dict[key].__name__ + ")"
            dot.edge(tail_name=node["name"], head_name=src["name"], **attr)
    return dot
