"""MXNet 1.9.1 symbol JSON: load (with MXNet's upgrades of older files) and save, byte for byte.

Format (NNVM's SaveJSON): ``nodes`` in DFS post-order, each ``{"op", "name", "attrs"?,
"inputs"}`` (variables have op ``"null"``; attrs are strings, written sorted, omitted when
empty), ``arg_nodes`` (indices of the variables), ``node_row_ptr`` (prefix sums of output
counts), ``heads`` and ``attrs: {"mxnet_version": ["int", 10901]}``.  Entries are
``[node, index, version]``; aux-state inputs carry the variable's version (1 after the first
mutating op).  The layout follows dmlc's JSONWriter: objects are multi-line unless they hold
at most one key, arrays of numbers or entries are multi-line only above 10 items.

Loading accepts legacy spellings (``attr``/``param`` keys, 2-element entries, no version) and
applies MXNet's upgrade passes for files written before 1.9.1 (hidden keys such as
``lr_mult`` -> ``__lr_mult__``, missing aux inputs of 0.8 files, BatchNorm initializers).
Every problem raises MXNetError naming the node.
"""
import json

from ..errors import MXNetError
from ..ops import registry
from .compose import HIDDEN_KEYS, set_input_var_attrs
from .graph import Entry, Graph, Node, dfs_post_order

MXNET_VERSION = 10901


def version_string(version):
    return "%d.%d.%d" % (version // 10000, (version // 100) % 100, version % 100)


# ---------------------------------------------------------------------------------------------
# writer: dmlc::JSONWriter's exact layout
# ---------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self):
        self.out = []
        self.multi = []
        self.count = []

    def _sep(self):
        if not self.multi or self.multi[-1]:
            self.out.append("\n" + " " * (2 * len(self.multi)))

    def begin(self, bracket, multi_line):
        self.out.append(bracket)
        self.multi.append(multi_line)
        self.count.append(0)

    def end(self, bracket):
        multi, n = self.multi.pop(), self.count.pop()
        if multi and n:
            self._sep()
        self.out.append(bracket)

    def key(self, key):
        if self.count[-1]:
            self.out.append(", ")
        self._sep()
        self.out.append('"%s": ' % key)          # dmlc writes keys unescaped
        self.count[-1] += 1

    def item(self):
        if self.count[-1]:
            self.out.append(", ")
        self.count[-1] += 1
        self._sep()

    def string(self, s):
        self.out.append('"' + s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
                        .replace("\t", "\\t").replace('"', '\\"') + '"')

    def ints(self, values):
        self.begin("[", len(values) > 10)
        for v in values:
            self.item()
            self.out.append(str(int(v)))
        self.end("]")

    def entries(self, entries):
        self.begin("[", len(entries) > 10)
        for e in entries:
            self.item()
            self.out.append("[%d, %d, %d]" % tuple(e))
        self.end("]")

    def str_map(self, mapping):
        self.begin("{", len(mapping) > 1)
        for k in sorted(mapping):
            self.key(k)
            self.string(mapping[k])
        self.end("}")


def graph_to_dict(graph):
    """The JSON structure of `graph` as Python objects (node list in DFS post-order)."""
    nodes = graph.nodes
    index = {id(n): i for i, n in enumerate(nodes)}
    out_nodes, row_ptr = [], [0]
    for node in nodes:
        item = {"op": node.op_name, "name": node.name}
        if node.attrs:
            item["attrs"] = {k: _attr_string(node, k, v) for k, v in node.attrs.items()}
        item["inputs"] = [[index[id(e.node)], e.index, e.version] for e in node.inputs]
        out_nodes.append(item)
        row_ptr.append(row_ptr[-1] + (1 if node.is_variable
                                      else node.op.json_num_outputs(node.parsed())))
    return {
        "nodes": out_nodes,
        "arg_nodes": [i for i, n in enumerate(nodes) if n.is_variable],
        "node_row_ptr": row_ptr,
        "heads": [[index[id(e.node)], e.index, e.version] for e in graph.outputs],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }


def _attr_string(node, key, value):
    if not isinstance(value, str):
        raise MXNetError("node '%s': attribute '%s' must be a string to be saved, got %r"
                         % (node.name, key, value))
    return value


def save_json(graph, extra_attrs=None):
    """MXNet's `Symbol.tojson()` text of `graph`, byte-identical to MXNet 1.9.1.

    `extra_attrs` (name -> (type name, list)) adds graph attributes the way NNVM writes
    them after its passes (``"shape": ["list_shape", [...]]``); MXNet's own files have none."""
    d = graph_to_dict(graph)
    w = _Writer()
    w.begin("{", True)
    w.key("nodes")
    w.begin("[", True)
    for node in d["nodes"]:
        w.item()
        w.begin("{", True)
        w.key("op")
        w.string(node["op"])
        w.key("name")
        w.string(node["name"])
        if "attrs" in node:
            w.key("attrs")
            w.str_map(node["attrs"])
        w.key("inputs")
        w.entries(node["inputs"])
        w.end("}")
    w.end("]")
    w.key("arg_nodes")
    w.ints(d["arg_nodes"])
    w.key("node_row_ptr")
    w.ints(d["node_row_ptr"])
    w.key("heads")
    w.entries(d["heads"])
    attrs = {"mxnet_version": ("int", MXNET_VERSION)}
    attrs.update(extra_attrs or {})
    w.key("attrs")
    w.begin("{", len(attrs) > 1)
    for k in sorted(attrs):
        kind, value = attrs[k]
        w.key(k)
        w.begin("[", False)
        w.item()
        w.string(kind)
        w.item()
        w.out.append(json.dumps(value, separators=(", ", ": ")))
        w.end("]")
    w.end("}")
    w.end("}")
    return "".join(w.out)


# ---------------------------------------------------------------------------------------------
# reader
# ---------------------------------------------------------------------------------------------
_NODE_FIELDS = {"op", "name", "inputs", "attrs", "attr", "param", "control_deps", "subgraphs",
                "backward_source_id"}
_GRAPH_FIELDS = {"nodes", "arg_nodes", "node_row_ptr", "heads", "attrs"}


def _where(i, item):
    name = item.get("name") if isinstance(item, dict) else None
    return "node %d ('%s')" % (i, name) if isinstance(name, str) else "node %d" % i


def _check_entry(raw, n_nodes, where):
    if (not isinstance(raw, list) or len(raw) not in (2, 3)
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in raw)):
        raise MXNetError("symbol JSON: %s: malformed entry %r (expected [node, index, version])"
                         % (where, raw))
    if raw[0] >= n_nodes:
        raise MXNetError("symbol JSON: %s: entry %r refers to node %d but the graph has %d nodes"
                         % (where, raw, raw[0], n_nodes))
    return (raw[0], raw[1], raw[2] if len(raw) == 3 else 0)


def _read_attrs(item, where):
    merged = {}
    for key in ("attr", "attrs"):          # the later key replaces the map, as dmlc's reader
        if key in item:
            merged = _str_map(item[key], where, key)
    if "param" in item:                    # `param` wins over `attr`(s), as in NNVM's loader
        merged = dict(merged, **_str_map(item["param"], where, "param"))
    return merged


def _str_map(value, where, key):
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MXNetError("symbol JSON: %s: '%s' must map names to strings, got %r"
                         % (where, key, value))
    return dict(value)


def load_json(text):
    """Parse MXNet symbol JSON `text` into a Graph (heads as outputs); MXNetError on problems."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        doc = json.loads(text)
    except (TypeError, ValueError, RecursionError) as err:   # UnicodeDecodeError: ValueError
        raise MXNetError("symbol JSON is malformed: %s" % err) from None
    if not isinstance(doc, dict):
        raise MXNetError("symbol JSON must be an object with 'nodes' and 'heads'")
    unknown = sorted(set(doc) - _GRAPH_FIELDS)
    if unknown:
        raise MXNetError("symbol JSON: unknown field '%s' (valid: %s)"
                         % (unknown[0], ", ".join(sorted(_GRAPH_FIELDS))))
    for key in ("nodes", "arg_nodes", "heads"):
        if key not in doc:
            raise MXNetError("symbol JSON: missing field '%s'" % key)
    items = doc["nodes"]
    if not isinstance(items, list):
        raise MXNetError("symbol JSON: 'nodes' must be a list")
    version = _read_version(doc.get("attrs", {}))
    n = len(items)
    nodes, raw_inputs = [], []
    for i, item in enumerate(items):
        where = _where(i, item)
        if not isinstance(item, dict):
            raise MXNetError("symbol JSON: %s must be an object" % where)
        bad = sorted(set(item) - _NODE_FIELDS)
        if bad:
            raise MXNetError("symbol JSON: %s: unknown field '%s'" % (where, bad[0]))
        for key in ("op", "name"):
            if not isinstance(item.get(key), str):
                raise MXNetError("symbol JSON: %s: missing or non-string '%s'" % (where, key))
        if item.get("control_deps") or item.get("subgraphs"):
            raise MXNetError("symbol JSON: %s: control_deps and subgraphs are not supported"
                             % where)
        inputs = item.get("inputs", [])
        if not isinstance(inputs, list):
            raise MXNetError("symbol JSON: %s: 'inputs' must be a list" % where)
        attrs = _read_attrs(item, where)
        if item["op"] == "null":
            node = Node.variable(item["name"], attrs)
        else:
            try:
                op = registry.get(item["op"])
            except MXNetError:
                raise MXNetError("symbol JSON: %s: unknown operator '%s'"
                                 % (where, item["op"])) from None
            node = Node(op, item["name"], attrs)
        nodes.append(node)
        raw_inputs.append([_check_entry(e, n, where) for e in inputs])
    for node, raw in zip(nodes, raw_inputs):
        node.inputs = [Entry(nodes[a], b, c) for a, b, c in raw]
    for nid in _int_list(doc["arg_nodes"], "arg_nodes"):
        if nid >= n or not nodes[nid].is_variable:
            raise MXNetError("symbol JSON: arg_nodes entry %d is not a variable node" % nid)
    heads_raw = doc["heads"]
    if not isinstance(heads_raw, list) or not heads_raw:
        raise MXNetError("symbol JSON: 'heads' must be a non-empty list of entries")
    heads = [Entry(nodes[a], b, c) for a, b, c in
             (_check_entry(h, n, "heads") for h in heads_raw)]
    _check_acyclic(nodes)
    if version < MXNET_VERSION:
        _upgrade_hidden_keys(heads, nodes)
    if version < 900:
        _upgrade_add_missing_inputs(heads)
    if version < 904:
        _upgrade_input_var_attrs(heads)
    graph = Graph(heads)
    _check_nodes(graph)
    if "node_row_ptr" in doc:             # MXNet ignores it on load (its counts can differ by
        _int_list(doc["node_row_ptr"], "node_row_ptr")    # build: MKLDNN's hidden outputs)
    return graph


def _read_version(attrs):
    if not isinstance(attrs, dict):
        raise MXNetError("symbol JSON: 'attrs' must be an object")
    if "mxnet_version" not in attrs:
        return 800                                       # 0.8.0: files before versioning
    v = attrs["mxnet_version"]
    if (not isinstance(v, list) or len(v) != 2 or v[0] != "int" or not isinstance(v[1], int)):
        raise MXNetError("symbol JSON: malformed mxnet_version %r (expected [\"int\", N])" % (v,))
    return v[1]


def _int_list(value, what):
    if not isinstance(value, list) or not all(isinstance(v, int) and v >= 0 for v in value):
        raise MXNetError("symbol JSON: '%s' must be a list of node indices" % what)
    return value


def _check_acyclic(nodes):
    """Entries may point anywhere in the node list: reject cycles before any traversal."""
    import networkx as nx
    g = nx.DiGraph()
    g.add_nodes_from(range(len(nodes)))
    index = {id(n): i for i, n in enumerate(nodes)}
    for i, node in enumerate(nodes):
        for e in node.inputs:
            g.add_edge(index[id(e.node)], i)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    names = " -> ".join("'%s'" % nodes[a].name for a, _ in cycle)
    raise MXNetError("symbol JSON: the graph has a cycle through node '%s' (%s -> '%s')"
                     % (nodes[cycle[0][0]].name, names, nodes[cycle[0][0]].name))


def _check_nodes(graph):
    """Attributes parse and every entry names an existing output (errors name the node)."""
    for node in graph.nodes:
        if node.is_variable:
            if node.inputs:
                raise MXNetError("symbol JSON: variable '%s' has inputs" % node.name)
            continue
        node.parsed()                       # MXNetError "<Op> '<name>': ..." on bad attributes
        want = node.input_names()
        if len(node.inputs) != len(want):
            raise MXNetError("%s '%s': expects %d inputs (%s), the JSON gives %d"
                             % (node.op.name, node.name, len(want), ", ".join(want),
                                len(node.inputs)))
    for node in graph.nodes:
        for e in node.inputs:
            _check_index(e, "node '%s'" % node.name)
    for e in graph.outputs:
        _check_index(e, "heads")


def _check_index(e, where):
    n_out = e.node.num_outputs()
    if e.index >= n_out:
        raise MXNetError("symbol JSON: %s: entry refers to output %d of '%s', which has %d output%s"
                         % (where, e.index, e.node.name, n_out, "" if n_out == 1 else "s"))


# ---------------------------------------------------------------------------------------------
# MXNet's upgrade passes (src/nnvm/legacy_json_util.cc), applied to files older than 1.9.1
# ---------------------------------------------------------------------------------------------
def _dfs(heads):
    return dfs_post_order(heads)


def _upgrade_hidden_keys(heads, nodes):
    """UpgradeJSON_FixParsing: `lr_mult` -> `__lr_mult__`; `weight_lr_mult` on an op moves
    to its `weight` variable as `__lr_mult__`."""
    for node in _dfs(heads):
        moved = []
        for key in list(node.attrs):
            for k in HIDDEN_KEYS:
                pos = key.rfind(k)
                if pos == 0 or (pos != -1 and pos == len(key) - len(k)):
                    moved.append((key, node.attrs.pop(key)))
                    break
        names = None
        if moved and not node.is_variable:
            node._parsed = None
            names = node.input_names()
        for key, value in moved:
            done = False
            for k in HIDDEN_KEYS:
                pos = key.rfind(k)
                if pos == 0 and len(k) == len(key):
                    node.attrs["__%s__" % k] = value
                    done = True
                    break
                if pos > 1 and pos == len(key) - len(k):
                    if not node.is_variable:
                        arg = key[:pos - 1]
                        if arg in names and names.index(arg) < len(node.inputs):
                            var = node.inputs[names.index(arg)].node
                            if var.is_variable:
                                var.attrs["__%s__" % k] = value
                                done = True
                    break
            if not done:
                node.attrs[key] = value
        node._parsed = None


def _upgrade_add_missing_inputs(heads):
    """UpgradeJSON_000800_000900: aux states were not stored before 0.9: add them as
    variables `<node>_<input>` carrying the node's attributes (entries at version 0)."""
    for node in _dfs(heads):
        if node.is_variable:
            continue
        names = node.input_names()
        for i in range(len(node.inputs), len(names)):
            var = Node.variable("%s_%s" % (node.name, names[i]) if node.name else names[i],
                                node.attrs)
            node.inputs.append(Entry(var, 0, 0))


def _upgrade_input_var_attrs(heads):
    """UpgradeJSON_000903_000904: the op's input-variable attributes (BatchNorm's __init__)."""
    for node in _dfs(heads):
        if not node.is_variable:
            set_input_var_attrs(node)
