"""OnnxBuilder: turns a shape/dtype-inferred MXNet graph into an ONNX GraphProto.

Nodes are visited in the graph's post-order; each op node goes through its converter
(framework/onnx/_registry.py).  Variables are materialised on first use: a parameter becomes
an initializer named like the variable, a data input a graph input; so variables that only a
loss layer's label reads at training time never appear.  Tensor names follow MXNet's
exporter: an output is named after its node (`fc1`), `<node><i>` for the i-th of several
outputs (`slice0`), or `<node>_<output>` (`bn_mean`); helper tensors are `<node>__<op><k>`.
Every intermediate tensor gets a value_info with the inferred dtype and shape.
"""
import numpy as np

from ._registry import ExportError, NodeView, lookup


def _onnx():
    import onnx                                   # imported only when exporting
    from onnx import helper, numpy_helper
    return onnx, helper, numpy_helper


def tensor_type(dtype):
    """ONNX TensorProto element type of a NumPy dtype (name)."""
    _, helper, _ = _onnx()
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class OnnxBuilder:
    """Collects ONNX nodes, initializers, inputs and value_info for one export."""

    def __init__(self, graph, params, data_inputs, shapes, dtypes, opset, dynamic=False,
                 input_shapes=None, verbose=False, log=None):
        self.graph = graph
        self.params = params                  # name -> np.ndarray
        self.data_inputs = data_inputs        # names of the graph inputs, in order
        self.shapes = shapes                  # entry key -> shape
        self.dtypes = dtypes                  # entry key -> dtype name
        self.opset = opset
        self.dynamic = dynamic
        self.input_shapes = input_shapes or {}
        self.verbose = verbose
        self.log = log
        self.nodes, self.initializers, self.inputs, self.value_info = [], [], [], []
        self._used = set()
        self._entry = {}                      # entry key -> ONNX tensor name
        self._var = {}                        # variable name -> ONNX tensor name
        self._out_names = {}                  # (id(node), i) -> ONNX name
        self._counter = {}
        self._owner = None                    # node being converted (for helper names)

    # --- names ----------------------------------------------------------------------
    def unique(self, hint):
        name, k = hint, self._counter.get(hint, 0)
        while name in self._used:
            k += 1
            name = "%s_%d" % (hint, k)
        self._counter[hint] = k
        self._used.add(name)
        return name

    def _helper_name(self, kind):
        owner = self._owner.name if self._owner is not None else "graph"
        return self.unique("%s__%s" % (owner, kind))

    def output_name(self, node, i):
        key = (id(node), i)
        name = self._out_names.get(key)
        if name is None:
            oname = node.op.output_names(node.parsed())[i]
            if oname == "output":
                hint = node.name
            elif oname.startswith("output") and oname[6:].isdigit():
                hint = node.name + oname[6:]
            else:
                hint = "%s_%s" % (node.name, oname)
            name = self._out_names[key] = self.unique(hint)
        return name

    def entry_name(self, entry):
        name = self._entry.get(entry.key())
        if name is not None:
            return name
        node = entry.node
        if not node.is_variable:
            raise ExportError("ONNX export: output %d of %s '%s' is not available"
                              % (entry.index, node.op.name, node.name))
        name = self._var.get(node.name)
        if name is None:
            if node.name in self.params:
                name = node.name                      # reserved in convert()
                self._add_initializer(self.params[name], name)
            else:
                raise ExportError("ONNX export: variable '%s' is neither a graph input nor in "
                                  "params" % node.name)
            self._var[node.name] = name
        self._entry[entry.key()] = name
        return name

    # --- graph pieces -----------------------------------------------------------------
    def declare_inputs(self):
        _, helper, _ = _onnx()
        for var in self.graph.variables():
            if var.name not in self.data_inputs or var.name in self._var:
                continue
            name = var.name                           # reserved in convert()
            self._var[var.name] = name
            shape = self.input_shapes.get(var.name, self.shapes[(id(var), 0)])
            self.inputs.append(helper.make_tensor_value_info(
                name, tensor_type(self.dtypes[(id(var), 0)]), list(shape)))
        order = {n: i for i, n in enumerate(self.data_inputs)}
        self.inputs.sort(key=lambda vi: order.get(vi.name, len(order)))

    def _add_initializer(self, value, name):
        _, _, numpy_helper = _onnx()
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def initializer(self, value, hint):
        return self._add_initializer(value, self.unique(hint))

    def const(self, value, dtype, kind="const"):
        """A constant tensor (an initializer) of `dtype`."""
        return self.initializer(np.asarray(value, dtype=np.dtype(dtype)), self._helper_name(kind))

    def ints(self, values, kind="shape"):
        """A 1-D int64 constant (shapes, axes, pads, starts ...)."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1), np.int64, kind)

    def op(self, op_type, inputs, out=None, n_out=1, **attrs):
        """Add an ONNX node; returns its output name (or list of names when n_out > 1)."""
        _, helper, _ = _onnx()
        if out is None:
            outs = [self._helper_name(op_type.lower()) for _ in range(n_out)]
        else:
            outs = [out] if isinstance(out, str) else list(out)
        node_name = self.unique("%s/%s" % (self._owner.name if self._owner else "graph",
                                           op_type))
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=node_name, **attrs))
        return outs[0] if (out is None and n_out == 1) or isinstance(out, str) else outs

    # --- opset-aware helpers ------------------------------------------------------------
    def reduce(self, op_type, x, axes, keepdims, out=None):
        """Reduce* over `axes` (None = all); axes are an input from opset 18 (13 for Sum)."""
        keep = 1 if keepdims else 0
        axes_as_input = op_type == "ReduceSum" or self.opset >= 18
        if axes is None:
            return self.op(op_type, [x], out, keepdims=keep)
        if axes_as_input:
            return self.op(op_type, [x, self.ints(axes, "axes")], out, keepdims=keep)
        return self.op(op_type, [x], out, axes=list(axes), keepdims=keep)

    def unsqueeze(self, x, axes, out=None):
        return self.op("Unsqueeze", [x, self.ints(axes, "axes")], out)

    def squeeze(self, x, axes, out=None):
        return self.op("Squeeze", [x, self.ints(axes, "axes")], out)

    def reshape(self, x, shape, out=None):
        return self.op("Reshape", [x, self.ints(shape)], out)

    def cast(self, x, dtype, out=None):
        return self.op("Cast", [x], out, to=tensor_type(dtype))

    def constant_of_shape(self, shape, value, dtype, out=None):
        """A tensor of the runtime shape `shape` (an int64 tensor) filled with `value`."""
        _, helper, _ = _onnx()
        fill = helper.make_tensor("value", tensor_type(dtype), [1],
                                  np.asarray([value], dtype=dtype).tolist())
        return self.op("ConstantOfShape", [shape], out, value=fill)

    def split(self, x, axis, sizes, outs=None):
        names = self.op("Split", [x, self.ints(sizes, "split")], outs, n_out=len(sizes),
                        axis=axis)
        return [names] if isinstance(names, str) else names

    # --- conversion ---------------------------------------------------------------------
    def convert_node(self, node):
        conv = lookup(node.op)
        if conv is None:
            raise ExportError("ONNX export: operator %s (node '%s') has no ONNX mapping; "
                              "see mx.onnx.get_operator_support()" % (node.op.name, node.name))
        self._owner = node
        view = NodeView(node, self, self.shapes, self.dtypes)
        if self.verbose and self.log is not None:
            self.log("Converting op %s, name %s" % (node.op.name, node.name))
        outs = conv(self, view)
        n_vis = node.num_visible_outputs()
        if len(outs) != n_vis:
            raise ExportError("ONNX export: converter of %s '%s' gave %d outputs for %d"
                              % (node.op.name, node.name, len(outs), n_vis))
        for i, name in enumerate(outs):
            self._entry[(id(node), i)] = name
        self._owner = None

    def convert(self):
        self._used.update(v.name for v in self.graph.variables())    # variables keep names
        self.declare_inputs()
        for node in self.graph.nodes:
            if not node.is_variable:
                self.convert_node(node)

    def value_infos(self, skip):
        """value_info for every node output tensor (inferred dtype and shape)."""
        _, helper, _ = _onnx()
        out = []
        for node in self.graph.nodes:
            if node.is_variable:
                continue
            for i in range(node.num_visible_outputs()):
                name = self._entry.get((id(node), i))
                if name is None or name in skip:
                    continue
                skip.add(name)
                shape = self.shapes[(id(node), i)]
                dims = [None] * len(shape) if self.dynamic else list(shape)
                out.append(helper.make_tensor_value_info(
                    name, tensor_type(self.dtypes[(id(node), i)]), dims))
        return out

    def outputs(self, output_entries):
        """Graph outputs in the symbol's output order; Identity where a name is reused."""
        _, helper, _ = _onnx()
        result, seen = [], set()
        for entry in output_entries:
            name = self.entry_name(entry)
            if entry.node.is_variable or name in seen:     # an input, initializer or repeat
                node = entry.node
                hint = node.name if node.is_variable else self.output_name(node, entry.index)
                self._owner = None
                name = self.op("Identity", [name], self.unique(hint + "_out"))
            seen.add(name)
            shape = self.shapes[entry.key()]
            dims = [None] * len(shape) if self.dynamic else list(shape)
            result.append(helper.make_tensor_value_info(
                name, tensor_type(self.dtypes[entry.key()]), dims))
        return result
