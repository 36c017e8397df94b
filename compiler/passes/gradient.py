"""The gradient pass (NNVM's Gradient as MXNet's executor uses it): Graph -> Graph whose
outputs are the forward outputs followed by one gradient per argument with grad_req != 'null'.

- Head gradients are new variables `<output name>_head_grad` (graph.attrs["head_grad_vars"]);
  loss layers (SoftmaxOutput, MakeLoss, BlockGrad ...) ignore them in their own gradient
  functions, so dce drops the variable and the executor needs no out_grads.
- Nodes are visited in reverse topological order; each op's `gradient(F, attrs, inputs,
  outputs, out_grads)` is called with F = `GraphBuilder`, which turns `F.<op>(...)` calls into
  new nodes (no NameManager involved: names are derived from the forward node's name).
  Outputs without a gradient get `zeros_like` when another output of the node has one.
- Fan-in: several gradients for one entry are summed (elemwise_add for two, add_n above).
- Only nodes on a path to an argument that needs a gradient are differentiated; ops with
  `differentiable = False` pass no gradient (as in autograd); arguments that receive none
  get `zeros_like(arg)`.
- A gradient entry that is a variable, a forward output or already another argument's gradient
  goes through `_copy`, so each gradient output is computed by its own node.
- Aux-mutating backward ops (`_backward_BatchNorm`) get the aux variables themselves as
  inputs (entries as the forward node reads them), so they update the user's aux arrays.
Shapes and dtypes are inferred again for the whole graph (head gradients take the shapes and
dtypes of their outputs); graph.attrs["backward_nodes"] holds id(node) of nodes that only the
gradients need.
"""
from ..errors import MXNetError
from ..ir.graph import Entry, Graph, Node
from ..ops import registry
from ..ops.attrs import format_attr
from .infer_shape import infer_shape
from .infer_type import infer_type

GRAD_REQS = ("write", "add", "null")


class GraphBuilder:
    """The graph-building `F` of gradient functions: `F.<op name>(*inputs, **attrs)` creates a
    node and returns its Entry (a list of Entries for ops with several visible outputs).
    Keyword arguments that are Entries are inputs by name; None inputs are left out."""

    def __init__(self):
        self.prefix = "grad"
        self.count = 0
        self.created = []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        op = registry.get(name)

        def build(*args, **kwargs):
            return self.make(op, list(args), kwargs)
        build.__name__ = name
        return build

    def _name(self):
        name = self.prefix if self.count == 0 else "%s%d" % (self.prefix, self.count)
        self.count += 1
        return name

    def make(self, op, args, kwargs):
        inputs_kw, attrs = {}, {}
        for key, value in kwargs.items():
            if isinstance(value, Entry):
                inputs_kw[key] = value
            elif value is None:
                spec = op.attrs.get(key)
                if spec is not None and spec.kind.endswith("_or_none"):
                    attrs[key] = "None"
            else:
                attrs[key] = format_attr(value)
        for i, a in enumerate(args):
            if not isinstance(a, Entry):
                raise MXNetError("%s (building a gradient): input %d must be a graph entry, got "
                                 "%r" % (op.name, i, a))
        if op.variadic and op.variadic not in attrs:
            attrs[op.variadic] = str(len(args))
        node = Node(op, self._name(), attrs)
        try:
            parsed = node.parsed()
        except MXNetError as err:
            raise MXNetError("building the gradient '%s': %s" % (node.name, err)) from None
        names = op.input_names(parsed)
        if len(args) > len(names):
            raise MXNetError("%s '%s': %d inputs given, the op takes %d (%s)"
                             % (op.name, node.name, len(args), len(names), ", ".join(names)))
        inputs = list(args)
        for n in names[len(args):]:
            if n not in inputs_kw:
                raise MXNetError("%s '%s': input '%s' is missing (building a gradient)"
                                 % (op.name, node.name, n))
            inputs.append(inputs_kw.pop(n))
        if inputs_kw:
            raise MXNetError("%s '%s': unknown inputs %s" % (op.name, node.name, sorted(inputs_kw)))
        node.inputs = inputs
        self.created.append(node)
        n_vis = node.num_visible_outputs()
        if n_vis == 1:
            return Entry(node, 0, 0)
        return [Entry(node, i, 0) for i in range(n_vis)]


def output_names(graph):
    """list_outputs() names of the graph outputs."""
    names = []
    for e in graph.outputs:
        node = e.node
        if node.is_variable:
            names.append(node.name)
        else:
            names.append("%s_%s" % (node.name, node.op.output_names(node.parsed())[e.index]))
    return names


def normalize_grad_req(grad_req, arg_names):
    """{argument name: req} from a str, list or dict (missing dict names are 'null', as in
    MXNet's simple_bind); MXNetError naming the argument for an unknown value."""
    if isinstance(grad_req, str):
        reqs = {n: grad_req for n in arg_names}
    elif isinstance(grad_req, (list, tuple)):
        if len(grad_req) != len(arg_names):
            raise MXNetError("grad_req list has %d entries for %d arguments (%s)"
                             % (len(grad_req), len(arg_names), ", ".join(arg_names)))
        reqs = dict(zip(arg_names, grad_req))
    elif isinstance(grad_req, dict):
        unknown = sorted(set(grad_req) - set(arg_names))
        if unknown:
            raise MXNetError("grad_req names %s that are not arguments (arguments: %s)"
                             % (", ".join("'%s'" % u for u in unknown), ", ".join(arg_names)))
        reqs = {n: grad_req.get(n, "null") for n in arg_names}
    else:
        raise MXNetError("grad_req must be a str, list or dict, got %s" % type(grad_req).__name__)
    for name, req in reqs.items():
        if req not in GRAD_REQS:
            raise MXNetError("grad_req %r for argument '%s' is not one of 'write', 'add', 'null'"
                             % (req, name))
    return reqs


def _needs_grad(nodes, wrt):
    """id(node) of every node that depends on a variable in `wrt` (ids)."""
    needs = set(wrt)
    for node in nodes:
        if not node.is_variable and any(id(e.node) in needs for e in node.inputs):
            needs.add(id(node))
    return needs


def _aggregate(F, grads, name):
    if len(grads) == 1:
        return grads[0]
    F.prefix, F.count = name + "_grad_sum", 0
    if len(grads) == 2:
        return F.elemwise_add(grads[0], grads[1])
    return F.add_n(*grads)


def forward_node_ids(graph, num_forward=None):
    """id(node) of every node the forward outputs need."""
    n = graph.attrs.get("num_forward_outputs", len(graph.outputs)) if num_forward is None \
        else num_forward
    return {id(node) for node in Graph(graph.outputs[:n]).nodes}


def mark_backward(graph):
    """Set graph.attrs["backward_nodes"] (ids of nodes that only the gradients need)."""
    fwd = forward_node_ids(graph)
    graph.attrs["backward_nodes"] = {id(n) for n in graph.nodes if id(n) not in fwd}
    return graph


def gradient(graph, grad_req="write"):
    """Return a new Graph: forward outputs + gradients of the arguments that need them."""
    shapes, dtypes = graph.attrs.get("shape"), graph.attrs.get("dtype")
    if shapes is None or dtypes is None:
        raise MXNetError("gradient: run infer_shape and infer_type first")
    nodes = graph.nodes
    args = graph.arguments()
    reqs = normalize_grad_req(grad_req, [a.name for a in args])
    wrt = [a for a in args if reqs[a.name] != "null"]
    n_fwd = len(graph.outputs)
    out = Graph(graph.outputs, {k: v for k, v in graph.attrs.items() if k not in ("shape", "dtype")})
    out.attrs["num_forward_outputs"] = n_fwd
    out.attrs["grad_outputs"] = [a.name for a in wrt]
    out.attrs["grad_req"] = dict(reqs)
    out.attrs["head_grad_vars"] = []
    if not wrt:
        out.attrs["shape"], out.attrs["dtype"] = dict(shapes), dict(dtypes)
        out.attrs["backward_nodes"] = set()
        return out

    F = GraphBuilder()
    grads = {}                       # entry key -> list of gradient entries
    head_vars = []
    taken = {v.name for v in graph.variables()}
    for name, e in zip(output_names(graph), graph.outputs):
        vname, k = name + "_head_grad", 1
        while vname in taken:
            vname, k = "%s_head_grad%d" % (name, k), k + 1
        taken.add(vname)
        var = Node.variable(vname)
        head_vars.append(var)
        grads.setdefault(e.key(), []).append(Entry(var, 0, 0))
    needs = _needs_grad(nodes, {id(a) for a in wrt})
    for node in reversed(nodes):
        if node.is_variable or id(node) not in needs:
            continue
        n_out = node.num_outputs()
        got = [grads.pop((id(node), i), None) for i in range(n_out)]
        if all(g is None for g in got):
            continue
        if not node.op.differentiable:
            continue
        og = []
        for i, g in enumerate(got):
            if g is None:
                F.prefix, F.count = "%s_zero_ograd%d" % (node.name, i), 0
                og.append(F.zeros_like(Entry(node, i, 0)))
            else:
                og.append(_aggregate(F, g, "%s_out%d" % (node.name, i)))
        F.prefix, F.count = node.name + "_backward", 0
        attrs = node.parsed()
        outputs = [Entry(node, i, 0) for i in range(n_out)]
        try:
            in_grads = node.op.gradient(F, attrs, list(node.inputs), outputs, og)
        except MXNetError as err:
            raise type(err)("gradient of %s '%s': %s" % (node.op.name, node.name, err)) from None
        if len(in_grads) != len(node.inputs):
            raise MXNetError("%s '%s': gradient returned %d values for %d inputs"
                             % (node.op.name, node.name, len(in_grads), len(node.inputs)))
        aux = set(node.aux_input_indices())
        for i, (e, g) in enumerate(zip(node.inputs, in_grads)):
            if g is None or i in aux or id(e.node) not in needs:
                continue
            if not isinstance(g, Entry):
                raise MXNetError("%s '%s': gradient %d is %r, not a graph entry"
                                 % (node.op.name, node.name, i, g))
            grads.setdefault(e.key(), []).append(g)

    forward_keys = {e.key() for e in graph.outputs}
    used = set()
    grad_entries = []
    for var in wrt:
        g = grads.get((id(var), 0))
        if g is None:
            F.prefix, F.count = var.name + "_zero_grad", 0
            entry = F.zeros_like(Entry(var, 0, var.version))
        else:
            entry = _aggregate(F, g, var.name)
        if entry.node.is_variable or entry.key() in used or entry.key() in forward_keys:
            F.prefix, F.count = var.name + "_grad_copy", 0
            entry = F._copy(entry)
        used.add(entry.key())
        grad_entries.append(entry)
    out = Graph(list(graph.outputs) + grad_entries, out.attrs)
    present = {id(n) for n in out.nodes}
    out.attrs["head_grad_vars"] = [v.name for v in head_vars if id(v) in present]
    out.attrs["head_grad_index"] = {v.name: i for i, v in enumerate(head_vars)}
    known_shapes = {v.name: shapes[(id(v), 0)] for v in graph.variables()}
    known_types = {v.name: dtypes[(id(v), 0)] for v in graph.variables()}
    for var, e in zip(head_vars, graph.outputs):
        if id(var) in present:
            known_shapes[var.name] = shapes[e.key()]
            known_types[var.name] = dtypes[e.key()]
    out = _infer(out, known_shapes, known_types)
    return mark_backward(out)


def _infer(graph, shapes, dtypes):
    names = {v.name for v in graph.variables()}
    g = infer_shape(graph, {k: v for k, v in shapes.items() if k in names and v is not None})
    g = infer_type(g, {k: v for k, v in dtypes.items() if k in names and v is not None})
    for node in g.nodes:
        for i in range(node.num_outputs()):
            key = (id(node), i)
            if g.attrs["shape"][key] is None or g.attrs["dtype"][key] is None:
                what = "shape" if g.attrs["shape"][key] is None else "dtype"
                raise MXNetError("gradient: cannot infer the %s of output %d of %s '%s'"
                                 % (what, i, node.op_name, node.name))
    return g
