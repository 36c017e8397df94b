"""The IR verifier, run between passes: a Graph that passes it is safe for every pass.

Checks: every entry points at an existing output of its node; op attributes parse against
the op's schema; input counts match the op's input names; aux-state inputs are variables;
no cycles and `graph.nodes` is a topological order (networkx); variable names are unique
(optional: MXNet allows duplicates in a Symbol but not at bind); shape/dtype results in
`graph.attrs` are keyed by existing entries and well formed.  Errors name the node.
"""
import networkx as nx

from ..errors import MXNetError


def _reachable(graph):
    """Every node reachable from the outputs, found without assuming acyclicity."""
    seen, order, stack = set(), [], [e.node for e in graph.outputs]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(e.node for e in node.inputs)
    return order


def to_networkx(graph, nodes=None):
    """A networkx DiGraph over id(node) with an edge producer -> consumer per input entry."""
    g = nx.MultiDiGraph()
    for node in nodes if nodes is not None else _reachable(graph):
        g.add_node(id(node), node=node)
        for i, e in enumerate(node.inputs):
            g.add_edge(id(e.node), id(node), index=e.index, slot=i)
    return g


def check_acyclic(graph, nodes=None):
    g = to_networkx(graph, nodes)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return g
    names = [g.nodes[edge[0]]["node"].name for edge in cycle]
    raise MXNetError("graph has a cycle through node '%s': %s"
                     % (names[0], " -> ".join("'%s'" % n for n in names + names[:1])))


def _check_entry(e, where):
    node = e.node
    try:
        n_out = node.num_outputs()
    except MXNetError as err:
        raise MXNetError("%s: %s" % (where, err)) from None
    if not isinstance(e.index, int) or not 0 <= e.index < n_out:
        raise MXNetError("%s: entry refers to output %r of '%s', which has %d output%s"
                         % (where, e.index, node.name, n_out, "" if n_out == 1 else "s"))


def _check_shape_attr(graph, keys, name, check_value):
    results = graph.attrs.get(name)
    if results is None:
        return
    for key, value in results.items():
        if key not in keys:
            raise MXNetError("graph.attrs['%s'] has a result for an entry %r that is not in "
                             "the graph" % (name, key))
        if value is not None and not check_value(value):
            raise MXNetError("graph.attrs['%s'] holds a malformed value %r for output %d of '%s'"
                             % (name, value, key[1], keys[key].name))


def _is_shape(value):
    return isinstance(value, tuple) and all(isinstance(d, int) and d >= 0 for d in value)


def verify(graph, unique_names=True):
    """Raise MXNetError naming the node if `graph` is malformed; return it otherwise."""
    if not graph.outputs:
        raise MXNetError("graph has no outputs")
    nodes = _reachable(graph)
    check_acyclic(graph, nodes)
    for node in nodes:
        if node.is_variable:
            if node.inputs:
                raise MXNetError("variable '%s' has inputs" % node.name)
            continue
        label = "%s '%s'" % (node.op.name, node.name)
        node.parsed()                              # names the op and node on bad attributes
        want = node.input_names()
        if len(node.inputs) != len(want):
            raise MXNetError("%s: expects %d inputs (%s), has %d"
                             % (label, len(want), ", ".join(want), len(node.inputs)))
        for i, e in enumerate(node.inputs):
            _check_entry(e, "%s input '%s'" % (label, want[i]))
        for i in node.aux_input_indices():
            if not node.inputs[i].node.is_variable:
                raise MXNetError("%s: aux state '%s' must be a variable, got the output of '%s'"
                                 % (label, want[i], node.inputs[i].node.name))
    for e in graph.outputs:
        _check_entry(e, "graph output")
    position = {id(n): i for i, n in enumerate(graph.nodes)}
    if len(position) != len(nodes):
        raise MXNetError("graph.nodes lists %d nodes but %d are reachable from the outputs"
                         % (len(position), len(nodes)))
    for node in graph.nodes:
        for e in node.inputs:
            if position[id(e.node)] >= position[id(node)]:
                raise MXNetError("node '%s' comes before its input '%s' in graph.nodes"
                                 % (node.name, e.node.name))
    if unique_names:
        seen = {}
        for node in graph.nodes:
            if node.is_variable:
                if node.name in seen:
                    raise MXNetError("two different variables are named '%s'" % node.name)
                seen[node.name] = node
    keys = {(id(n), i): n for n in graph.nodes for i in range(n.num_outputs())}
    _check_shape_attr(graph, keys, "shape", _is_shape)
    _check_shape_attr(graph, keys, "dtype", lambda v: isinstance(v, str))
    return graph
