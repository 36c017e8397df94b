"""Shape inference: Graph -> Graph with graph.attrs["shape"] = {entry key: shape or None}.

Known shapes come from the caller (`shapes`, by variable name) and from the variables'
`__shape__` attributes (the caller's win, as in MXNet); then forward and backward sweeps run
to a fixed point (NNVM's InferShape): each op's `infer_shape` fills output shapes and the
weight shapes MXNet derives from the data, and elementwise ops carry output shapes back to
their inputs.  Unknown shapes stay None (partial inference); graph.attrs["shape_num_unknown"]
counts them.  A conflict raises MXNetError naming the node, the input and both shapes.
Legacy MXNet shapes use 0 for an unknown dimension: a shape with a 0 counts as unknown.
"""
from ..errors import MXNetError
from ..ops.attrs import Attr
from ..ops.elemwise import BinaryOp, ScalarOp, UnaryOp
from ._infer import Sweep, entry_keys, match_names

_SHAPE_ATTR = Attr("shape")
_SAME_SHAPE = {UnaryOp.infer_shape, BinaryOp.infer_shape, ScalarOp.infer_shape}


def shape_preserving(op):
    """Whether every input and output of `op` has one shape (so outputs determine inputs)."""
    return type(op).infer_shape in _SAME_SHAPE


def _known(shape):
    return shape is not None and all(d > 0 for d in shape)


def parse_shape(value, where):
    try:
        return _SHAPE_ATTR.parse(value)
    except (ValueError, SyntaxError):
        raise MXNetError("%s: malformed shape %r" % (where, value)) from None


class _ShapeSweep(Sweep):
    def normalize(self, value):
        shape = tuple(int(d) for d in value)
        return shape if _known(shape) else None


def _infer(op, attrs, in_shapes):
    return op.infer_shape(attrs, in_shapes)


def _infer_back(op, attrs, in_shapes, out_shapes):
    """Input shapes from output shapes, for ops declaring infer_shape_backward."""
    hook = getattr(op, "infer_shape_backward", None)
    return hook(attrs, in_shapes, out_shapes) if hook is not None else None


def infer_shape(graph, shapes=None):
    """Return a copy of `graph` whose attrs["shape"] maps every entry key to its shape."""
    given = dict(shapes or {})
    variables = match_names(graph, given, "shape")
    values = {key: None for key in entry_keys(graph)}
    partial = {}
    for var in variables:
        if var.name in given and given[var.name] is not None:
            shape = parse_shape(given[var.name], "infer_shape: argument '%s'" % var.name)
        elif "__shape__" in var.attrs:
            shape = parse_shape(var.attrs["__shape__"], "variable '%s' __shape__" % var.name)
        else:
            continue
        values[(id(var), 0)] = shape if _known(shape) else None
        if not _known(shape) and shape:
            partial[(id(var), 0)] = shape
    sweep = _ShapeSweep(graph, "shape", values, _infer, shape_preserving,
                        infer_back=_infer_back)
    sweep.partial = partial
    unknown = sweep.run()
    out = graph.copy()
    out.attrs["shape"] = values
    out.attrs["shape_num_unknown"] = unknown
    return out
