"""Imperative automatic differentiation: a tape of registered-op calls.

Every op invoked while recording, with at least one input that needs a gradient, is
appended as a `TapeNode`.  `backward` walks the tape in reverse topological order and
calls each op's registered `gradient` with F = the NDArray op namespace, so gradients are
themselves registered ops (and can be recorded again for higher order).
"""
import threading

import numpy as np

from .base import MXNetError


class _State(threading.local):
    def __init__(self):
        self.recording = False
        self.training = False
        self.internal_views = False   # inside backward: reshape-type ops may alias inputs


_state = _State()


def is_recording():
    return _state.recording


def is_training():
    return _state.training


def set_recording(is_recording):  # noqa: F811  (MXNet's name)
    prev = _state.recording
    _state.recording = bool(is_recording)
    return prev


def set_training(train_mode):
    prev = _state.training
    _state.training = bool(train_mode)
    return prev


class _Scope:
    """Context manager setting recording and/or training mode, restoring on exit."""

    def __init__(self, is_record, train_mode):
        self._enter_record = is_record
        self._enter_train = train_mode
        self._prev = None

    def __enter__(self):
        self._prev = (_state.recording, _state.training)
        if self._enter_record is not None:
            _state.recording = self._enter_record
        if self._enter_train is not None:
            _state.training = self._enter_train
        return self

    def __exit__(self, *exc):
        _state.recording, _state.training = self._prev


def record(train_mode=True):
    """Record ops for gradient computation (training mode by default)."""
    return _Scope(True, train_mode)


def pause(train_mode=False):
    """Stop recording inside a record() block (prediction mode by default)."""
    return _Scope(False, train_mode)


def train_mode():
    return _Scope(None, True)


def predict_mode():
    return _Scope(None, False)


# --- the tape -----------------------------------------------------------------------

class VarNode:
    """A leaf marked with attach_grad / mark_variables."""

    __slots__ = ("array", "grad", "grad_req", "fresh", "__weakref__")

    def __init__(self, array, grad, grad_req):
        self.array = array
        self.grad = grad
        self.grad_req = grad_req
        self.fresh = False       # set when backward writes .grad (Trainer's stale check)


class TapeNode:
    """One recorded op call: entries of its inputs, and its input and output arrays."""

    __slots__ = ("op", "attrs", "entries", "inputs", "outputs", "freed")

    def __init__(self, op, attrs, entries, inputs, outputs):
        self.op = op
        self.attrs = attrs
        self.entries = entries
        self.inputs = inputs
        self.outputs = outputs
        self.freed = False


_NOT_IN_GRAPH = ("Cannot differentiate node because it is not in a computational graph. "
                 "You need to set is_recording to true or use autograd.record() to save "
                 "computational graphs for backward. If you want to differentiate the same "
                 "graph twice, you need to pass retain_graph=True to backward.")

_GRAD_REQS = ("write", "add", "null")


def check_grad_req(grad_req):
    if grad_req not in _GRAD_REQS:
        raise MXNetError("grad_req must be one of %s, got %r" % (", ".join(_GRAD_REQS), grad_req))


def record_op(op, attrs, inputs, outputs):
    """Append an op call to the tape if any input carries autograd history."""
    entries = [x._ag for x in inputs]
    if all(e is None for e in entries):
        return
    node = TapeNode(op, attrs, entries, list(inputs), list(outputs))
    for i, out in enumerate(outputs):
        out._ag = (node, i)


def mark_variables(variables, gradients, grad_reqs="write"):
    """Mark arrays as variables whose gradients are written into `gradients`."""
    from .ndarray.ndarray import NDArray
    if isinstance(variables, NDArray):
        variables, gradients = [variables], [gradients]
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    for var, grad, req in zip(variables, gradients, grad_reqs):
        check_grad_req(req)
        var._ag = (VarNode(var, grad, req), 0)


def _topo_nodes(heads):
    """Tape nodes reachable from the heads, inputs before users."""
    order, seen = [], set()
    stack = [(h._ag[0], False) for h in heads if isinstance(h._ag[0], TapeNode)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.freed:
            raise MXNetError(_NOT_IN_GRAPH)
        stack.append((node, True))
        for entry in node.entries:
            if entry is not None and isinstance(entry[0], TapeNode) and id(entry[0]) not in seen:
                stack.append((entry[0], False))
    return order


def _accumulate(grads, key, value):
    prev = grads.get(key)
    grads[key] = value if prev is None else prev + value


def _run_backward(heads, head_grads, retain_graph, train_mode, create_graph):
    """Return {id(VarNode): (VarNode, gradient)} for every variable reached."""
    for h in heads:
        if h._ag is None:
            raise MXNetError(_NOT_IN_GRAPH)
    if head_grads is None:
        head_grads = [None] * len(heads)
    if len(head_grads) != len(heads):
        raise MXNetError("backward: %d head gradients given for %d heads"
                         % (len(head_grads), len(heads)))
    grads = {}
    prev_views, _state.internal_views = _state.internal_views, True
    try:
        return _backward_pass(heads, head_grads, retain_graph, train_mode, create_graph, grads)
    finally:
        _state.internal_views = prev_views


def _backward_pass(heads, head_grads, retain_graph, train_mode, create_graph, grads):
    from . import ndarray as nd
    with _Scope(create_graph, train_mode):
        for h, g in zip(heads, head_grads):
            if g is None:
                g = nd.ones(h.shape, h.context, h.dtype)
            elif g.shape != h.shape:
                raise MXNetError("backward: head gradient shape %s does not match head shape %s"
                                 % (g.shape, h.shape))
            node, idx = h._ag
            _accumulate(grads, (id(node), idx), g)
        order = _topo_nodes(heads)
        for node in reversed(order):
            out_grads = [grads.pop((id(node), i), None) for i in range(len(node.outputs))]
            if all(g is None for g in out_grads):
                continue
            out_grads = [g if g is not None else nd.zeros(o.shape, o.context, o.dtype)
                         for g, o in zip(out_grads, node.outputs)]
            in_grads = node.op.gradient(nd.op, node.attrs, node.inputs, node.outputs, out_grads)
            if len(in_grads) != len(node.inputs):
                raise MXNetError("%s: gradient returned %d values for %d inputs"
                                 % (node.op.name, len(in_grads), len(node.inputs)))
            for entry, g in zip(node.entries, in_grads):
                if entry is not None and g is not None:
                    _accumulate(grads, (id(entry[0]), entry[1]), g)
        if not retain_graph:
            for node in order:
                node.freed = True
                node.inputs = node.outputs = None
                release = getattr(node.op, "release", None)   # a CachedOp's executor lease
                if release is not None:
                    release()
    result = {}
    var_nodes = {}
    for h in heads:
        if isinstance(h._ag[0], VarNode):
            var_nodes[id(h._ag[0])] = h._ag[0]
    for node in order:
        for entry in node.entries:
            if entry is not None and isinstance(entry[0], VarNode):
                var_nodes[id(entry[0])] = entry[0]
    for key, var in var_nodes.items():
        result[key] = (var, grads.get((key, 0)))
    return result


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute gradients of heads w.r.t. marked variables, into their .grad arrays."""
    from .ndarray.ndarray import NDArray
    from .ndarray import device as _device
    if isinstance(heads, NDArray):
        heads = [heads]
        head_grads = [head_grads] if head_grads is not None else None
    reached = _run_backward(list(heads), head_grads, retain_graph, train_mode, False)
    for var, g in reached.values():
        if var.grad_req == "null" or var.grad is None:
            continue
        var.fresh = True
        if g is None:
            if var.grad_req == "write":
                var.grad[:] = 0
            continue
        dst, src = var.grad._data, g._data
        if isinstance(dst, np.ndarray) and isinstance(src, np.ndarray):
            if var.grad_req == "write":
                dst[...] = src
            else:
                dst[...] += src
        elif var.grad_req == "write":            # on a GPU
            _device.assign(dst, src)
        else:
            _device.add_into(dst, src)


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """Return the gradients of heads w.r.t. variables (new arrays; .grad untouched)."""
    from .ndarray.ndarray import NDArray
    from . import ndarray as nd
    if isinstance(heads, NDArray):
        heads = [heads]
        head_grads = [head_grads] if head_grads is not None else None
    single = isinstance(variables, NDArray)
    if single:
        variables = [variables]
    if retain_graph is None:
        retain_graph = create_graph
    for v in variables:
        if v._ag is None or not isinstance(v._ag[0], VarNode):
            raise MXNetError("autograd.grad: every variable must have attach_grad() called "
                             "(or be marked with mark_variables) before recording")
    reached = _run_backward(list(heads), head_grads, retain_graph, train_mode, create_graph)
    out = []
    for v in variables:
        _, g = reached.get(id(v._ag[0]), (None, None))
        if g is not None and not isinstance(g._data, np.ndarray):
            g = g.copy()            # on a GPU views are not tracked: always an own copy
        elif g is not None and g._data.base is not None:   # an internal view: an own copy
            g = NDArray(g._data.copy(), g.context)
        out.append(g if g is not None else nd.zeros(v.shape, v.context, v.dtype))
    return out[0] if single else out


def get_symbol(x):
    """The recorded computation of `x` as a Symbol (needs the Symbol API)."""
    raise MXNetError("autograd.get_symbol is not implemented yet: it needs the Symbol API")
