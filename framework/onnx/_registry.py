"""The converter registry: one function per MXNet operator, keyed by the op's name.

A converter is `fn(g, n) -> [onnx tensor name per visible output]`, where `g` is the
`OnnxBuilder` (framework/onnx/_builder.py: adds ONNX nodes, constants, opset-aware helpers)
and `n` a `NodeView` of the MXNet node (parsed attributes, input tensor names, inferred
shapes and dtypes).  Converter modules never import onnx, so the framework imports without
it.  Aliases (`flatten`, `split` ...) resolve through the op registry: a converter keyed by
the canonical name also converts every alias.
"""
from compiler.ops import registry as op_registry

from ..base import MXNetError

CONVERTERS = {}
MIN_OPSET = 13


def converter(*op_names):
    """Register `fn` as the converter of the MXNet operators `op_names`."""
    def wrap(fn):
        for name in op_names:
            if name in CONVERTERS:
                raise RuntimeError("ONNX converter for %s registered twice" % name)
            CONVERTERS[name] = fn
        return fn
    return wrap


def lookup(op):
    """The converter of a registered Op (by its canonical name), or None."""
    return CONVERTERS.get(op.name)


def supported_ops():
    """Every MXNet operator name (aliases included) that has an ONNX converter."""
    names = set()
    for name in op_registry.all_names():
        op = op_registry.get(name)
        if op.name in CONVERTERS:
            names.add(name)
    return sorted(names)


class ExportError(MXNetError):
    """A node that cannot be exported; the message names the operator and the node."""


class NodeView:
    """What a converter sees of one MXNet node."""

    __slots__ = ("node", "attrs", "_builder", "_shapes", "_dtypes")

    def __init__(self, node, builder, shapes, dtypes):
        self.node = node
        self.attrs = node.parsed()
        self._builder = builder
        self._shapes = shapes
        self._dtypes = dtypes

    @property
    def name(self):
        return self.node.name

    @property
    def op_name(self):
        return self.node.op.name

    @property
    def num_inputs(self):
        return len(self.node.inputs)

    def input(self, i):
        """ONNX tensor name of input `i` (a parameter becomes an initializer on first use)."""
        return self._builder.entry_name(self.node.inputs[i])

    def inputs(self):
        return [self.input(i) for i in range(self.num_inputs)]

    def param(self, i):
        """The NumPy value of input `i` when it is a parameter variable, else None."""
        entry = self.node.inputs[i]
        if not entry.node.is_variable:
            return None
        return self._builder.params.get(entry.node.name)

    def in_shape(self, i):
        return self._shapes[self.node.inputs[i].key()]

    def in_dtype(self, i):
        return self._dtypes[self.node.inputs[i].key()]

    def out_shape(self, i=0):
        return self._shapes[(id(self.node), i)]

    def out_dtype(self, i=0):
        return self._dtypes[(id(self.node), i)]

    def out(self, i=0):
        """The ONNX name for output `i` (MXNet's naming: the node name, name<i>, name_<out>)."""
        return self._builder.output_name(self.node, i)

    def fail(self, what):
        """ExportError naming the operator and node: `what` cannot be exported."""
        raise ExportError("ONNX export: %s '%s': %s" % (self.op_name, self.name, what))
