"""The graph IR shared by the Symbol API, every compiler pass and the executor.

A `Node` is either a variable (op is None: an argument or aux state) or a call of a
registered op with MXNet string attributes.  An `Entry` names one output of a node
(MXNet's NodeEntry: node, output index, version).  A `Graph` is a list of output entries;
its nodes are ordered exactly as MXNet/NNVM's DFS post-order from the heads (inputs in
order), which is also the order of `nodes` in MXNet's symbol JSON and of list_arguments.
Graph-level results of passes (shapes, dtypes, the memory plan ...) live in `graph.attrs`.
"""
from typing import NamedTuple

from ..errors import MXNetError
from ..ops.attrs import is_hidden


class Entry(NamedTuple):
    node: "Node"
    index: int = 0
    version: int = 0

    def key(self):
        return (id(self.node), self.index)


class Node:
    """A variable (op None) or an op call; `attrs` holds MXNet's string attributes.

    `version` is NNVM's VariableParam counter of a variable: every op that mutates it (an
    aux-state input) increments it, and entries reading the variable carry the count."""

    __slots__ = ("op", "name", "attrs", "inputs", "version", "_parsed", "__weakref__")

    def __init__(self, op, name, attrs=None, inputs=()):
        self.op = op
        self.name = name
        self.attrs = dict(attrs or {})
        self.inputs = list(inputs)
        self.version = 0
        self._parsed = None

    @classmethod
    def variable(cls, name, attrs=None):
        return cls(None, name, attrs)

    @property
    def is_variable(self):
        return self.op is None

    @property
    def op_name(self):
        return "null" if self.op is None else self.op.name

    def parsed(self):
        """The op's typed attributes (hidden `__x__` attributes skipped); cached."""
        if self._parsed is None:
            if self.op is None:
                raise MXNetError("variable '%s' has no op attributes" % self.name)
            try:
                self._parsed = self.op.parse(self.attrs)
            except MXNetError as err:
                msg = str(err)
                if msg.startswith(self.op.name + ": "):
                    msg = msg[len(self.op.name) + 2:]
                raise type(err)("%s '%s': %s" % (self.op.name, self.name, msg)) from None
        return self._parsed

    def op_attrs(self):
        """Non-hidden attributes as given (strings or values)."""
        return {k: v for k, v in self.attrs.items() if not is_hidden(k)}

    def num_outputs(self):
        return 1 if self.op is None else self.op.num_outputs(self.parsed())

    def num_visible_outputs(self):
        return 1 if self.op is None else self.op.num_visible_outputs(self.parsed())

    def input_names(self):
        return [] if self.op is None else self.op.input_names(self.parsed())

    def aux_input_indices(self):
        """Positions of this op's inputs that are auxiliary states."""
        if self.op is None or not self.op.aux:
            return []
        names = self.input_names()
        return [i for i, n in enumerate(names) if n in self.op.aux]

    def __repr__(self):
        return "<Node %s %s>" % (self.op_name, self.name)


def dfs_post_order(heads):
    """NNVM's DFSVisit: post-order over inputs in order, each node once (iterative)."""
    order, visited = [], set()
    for head in heads:
        if id(head.node) in visited:
            continue
        stack = [(head.node, 0)]
        visited.add(id(head.node))
        while stack:
            node, i = stack[-1]
            if i < len(node.inputs):
                stack[-1] = (node, i + 1)
                child = node.inputs[i].node
                if id(child) not in visited:
                    visited.add(id(child))
                    stack.append((child, 0))
            else:
                stack.pop()
                order.append(node)
    return order


class Graph:
    """Output entries plus pass results in `attrs` (e.g. attrs["shape"][entry.key()])."""

    def __init__(self, outputs, attrs=None):
        self.outputs = list(outputs)
        self.attrs = dict(attrs or {})
        self._nodes = None

    @property
    def nodes(self):
        if self._nodes is None:
            self._nodes = dfs_post_order(self.outputs)
        return self._nodes

    def variables(self):
        return [n for n in self.nodes if n.is_variable]

    def aux_variables(self):
        """Variables used as an aux-state input of some op, in node order."""
        aux = {}
        for node in self.nodes:
            for i in node.aux_input_indices():
                var = node.inputs[i].node
                if var.is_variable:
                    aux[id(var)] = var
        return [n for n in self.nodes if id(n) in aux]

    def arguments(self):
        aux = {id(n) for n in self.aux_variables()}
        return [n for n in self.variables() if id(n) not in aux]

    def copy(self):
        """A shallow copy sharing nodes, with its own attrs dict."""
        return Graph(self.outputs, dict(self.attrs))

    def __repr__(self):
        return "<Graph %d nodes, %d outputs>" % (len(self.nodes), len(self.outputs))
