"""The fixed-point sweep shared by infer_shape and infer_type (NNVM's InferAttr).

Forward sweeps run every op's inference on the known values of its inputs (ops fill
weight shapes from data shapes); backward sweeps carry known outputs back to the inputs
of ops whose inputs and outputs share one value (elementwise ops); sweeps alternate until
nothing changes.  Conflicts raise MXNetError naming the node, the input and both values.
"""
from ..errors import MXNetError


class Sweep:
    """One inference problem: `what` is "shape" or "dtype"."""

    def __init__(self, graph, what, values, infer, same_value, fmt=str, infer_back=None):
        self.graph = graph
        self.what = what
        self.values = values            # entry key -> value or None
        self.infer = infer              # (op, attrs, in_values) -> (in_values, out_values)
        self.same_value = same_value    # op -> True when all inputs/outputs share the value
        self.fmt = fmt
        self.infer_back = infer_back    # optional (op, attrs, in_values, out_values) ->
                                        # in_values or None (MXNet's backward inference)
        self.partial = {}               # entry key -> partial value (shape with 0 dims)

    def run(self):
        nodes = self.graph.nodes
        while True:
            before = self.num_unknown()
            for node in nodes:
                if not node.is_variable:
                    self.forward(node)
            for node in reversed(nodes):
                if not node.is_variable and self.same_value(node.op):
                    self.backward(node)
                elif not node.is_variable and self.infer_back is not None:
                    self.backward_op(node)
            after = self.num_unknown()
            if after == 0 or after >= before:
                return after

    def num_unknown(self):
        return sum(1 for v in self.values.values() if v is None)

    def label(self, node):
        return "%s '%s'" % (node.op.name, node.name)

    def describe(self, node, in_values):
        names = node.input_names()
        return ", ".join("%s=%s" % (n, "?" if v is None else self.fmt(v))
                         for n, v in zip(names, in_values))

    def forward(self, node):
        attrs = node.parsed()
        in_values = [self.values[e.key()] for e in node.inputs]
        try:
            new_in, new_out = self.infer(node.op, attrs, list(in_values))
        except MXNetError as err:
            raise type(err)("%s: %s (inputs: %s)"
                            % (self.label(node), err, self.describe(node, in_values))) from None
        except Exception as err:             # an op's inference that cannot take unknowns yet
            if any(v is None for v in in_values):
                return
            raise MXNetError("%s: %s inference failed with %s: %s (inputs: %s)"
                             % (self.label(node), self.what, type(err).__name__, err,
                                self.describe(node, in_values))) from err
        n_out = node.num_outputs()
        if len(new_in) != len(node.inputs) or len(new_out) != n_out:
            raise MXNetError("%s: %s inference returned %d inputs and %d outputs, expected %d "
                             "and %d" % (self.label(node), self.what, len(new_in), len(new_out),
                                         len(node.inputs), n_out))
        names = node.input_names()
        for i, (e, value) in enumerate(zip(node.inputs, new_in)):
            self.assign(node, e.key(), value, "input '%s'%s" % (names[i], self._src(e)))
        out_names = node.op.output_names(attrs)
        for i, value in enumerate(new_out):
            self.assign(node, (id(node), i), value, "output '%s'" % out_names[i])

    def backward(self, node):
        known = [self.values[(id(node), i)] for i in range(node.num_outputs())]
        known = next((v for v in known if v is not None), None)
        if known is None:
            return
        names = node.input_names()
        for i, e in enumerate(node.inputs):
            self.assign(node, e.key(), known, "input '%s'%s" % (names[i], self._src(e)))

    def backward_op(self, node):
        """Inputs an op infers from its known outputs (FullyConnected: data from output).
        Unknown inputs are passed as their partial value where one is known (a variable
        declared (16, 0))."""
        in_values = [self.values[e.key()] for e in node.inputs]
        if all(v is not None for v in in_values):
            return
        in_values = [self.partial.get(e.key()) if v is None else v
                     for e, v in zip(node.inputs, in_values)]
        out_values = [self.values[(id(node), i)] for i in range(node.num_outputs())]
        new_in = self.infer_back(node.op, node.parsed(), in_values, out_values)
        if new_in is None:
            return
        names = node.input_names()
        for i, (e, value) in enumerate(zip(node.inputs, new_in)):
            self.assign(node, e.key(), value, "input '%s'%s" % (names[i], self._src(e)))

    @staticmethod
    def _src(e):
        src = e.node.name
        return " ('%s')" % src if e.node.is_variable else " (output %d of '%s')" % (e.index, src)

    def assign(self, node, key, value, where):
        if value is None:
            return
        value = self.normalize(value)
        if value is None:
            return
        current = self.values[key]
        if current is None:
            self.values[key] = value
        elif current != value:
            raise MXNetError("%s: %s has %s %s but the operator infers %s"
                             % (self.label(node), where, self.what, self.fmt(current),
                                self.fmt(value)))

    def normalize(self, value):
        return value


def entry_keys(graph):
    return {(id(n), i): n for n in graph.nodes for i in range(n.num_outputs())}


def match_names(graph, given, what):
    """Map names given by the caller onto variable nodes; unknown names are an error
    (MXNet's MatchArguments)."""
    variables = graph.variables()
    names = {v.name for v in variables}
    for name in given:
        if name not in names:
            listing = "".join("\t[%d]%s\n" % (i, v.name) for i, v in enumerate(variables))
            raise MXNetError("infer_%s: keyword argument name %s not found.\n"
                             "Candidate arguments:\n%s" % (what, name, listing))
    return variables
