"""Building graphs the way NNVM's Symbol does (nnvm/src/core/symbolic.cc): op nodes from
string attributes, composition (inputs by position, then by name; missing inputs become
variables `<node>_<input>` carrying the node's attributes), variable versions bumped by
the ops that mutate them (aux states), the attributes an op sets on its input variables,
deep copies and general composition (replacing variables by name).

The Symbol API (framework/symbol) and the JSON loader's upgrade passes share these.
"""
from ..errors import MXNetTypeError, MXNetValueError
from .graph import Entry, Node, dfs_post_order

# c_api_common.h kHiddenKeys of MXNet 1.9.1: user spellings of hidden `__key__` attributes.
HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage")
REPLACED_HIDDEN_KEYS = tuple("__%s__" % k for k in HIDDEN_KEYS)

# MXNet's FSetInputVarAttrOnCompose for ops that do not declare `input_var_attrs`: the
# initializers of aux states named like BatchNorm's moving statistics.
DEFAULT_AUX_VAR_ATTRS = {"moving_mean": {"__init__": '["zero", {}]'},
                         "moving_var": {"__init__": '["one", {}]'}}


def _deprecated_key(key, k, value, pos):
    return MXNetValueError(
        "setting variable attributes with %s is deprecated. please instead use\n"
        "w = Variable(%s=%s)\nsym = YourSymbolName(%s=w)" % (key, k, value, key[:pos - 1]))


def creation_key(key, value):
    """MXSymbolCreateAtomicSymbol's renaming: `ctx_group` -> `__ctx_group__`; keys ending in
    a hidden key (`weight_lr_mult`) are an error."""
    for k in HIDDEN_KEYS:
        pos = key.rfind(k)
        if pos == 0:
            return "__%s__" % key
        if pos != -1 and pos == len(key) - len(k):
            raise _deprecated_key(key, k, value, pos)
    return key


def set_attr_key(key, value):
    """MXSymbolSetAttr's renaming: only the exact hidden keys become `__key__`."""
    for k in HIDDEN_KEYS:
        pos = key.rfind(k)
        if pos == 0 and len(k) == len(key):
            return "__%s__" % key
        if pos != -1 and pos + len(k) == len(key):
            raise _deprecated_key(key, k, value, pos)
    return key


def make_op_node(op, name, attrs):
    """An op node with string `attrs` (hidden ones included), validated by the op's schema."""
    node = Node(op, name, attrs)
    node.parsed()          # MXNetError "<Op> '<name>': attribute ..." on a bad attribute
    return node


def default_var_name(node_name, arg_name):
    return "%s_%s" % (node_name, arg_name) if node_name else arg_name


def _mismatch(keys, candidates):
    listing = "".join("\t[%d]%s\n" % (i, c) for i, c in enumerate(candidates))
    for key in keys:
        if key not in candidates:
            return MXNetValueError("Symbol.Compose: keyword argument name %s not found.\n"
                                   "Candidate arguments:\n%s" % (key, listing))
    return None


def compose_atomic(node, args, kwargs, name=None):
    """Fill the inputs of a fresh op node: `args` (entries) by position, `kwargs` (input name
    -> entry) by name, the rest as new variables; then versions and input-variable attrs."""
    if name:
        node.name = name
    want = node.input_names()
    if len(args) > len(want):
        raise MXNetValueError("%s '%s': incorrect number of arguments, requires %d (%s), "
                              "provided %d" % (node.op.name, node.name, len(want),
                                               ", ".join(want), len(args)))
    inputs = list(args)
    matched = 0
    for arg_name in want[len(args):]:
        if arg_name in kwargs:
            inputs.append(kwargs[arg_name])
            matched += 1
        else:
            var = Node.variable(default_var_name(node.name, arg_name), node.attrs)
            inputs.append(Entry(var, 0, 0))
    if matched != len(kwargs):
        err = _mismatch(list(kwargs), want[len(args):])
        if err is None:       # a name given both by position and by keyword
            err = MXNetValueError("%s '%s': inputs %s given twice" % (
                node.op.name, node.name, ", ".join(k for k in kwargs if k in want[:len(args)])))
        raise err
    node.inputs = inputs
    update_versions(node)
    set_input_var_attrs(node)
    return node


def update_versions(node):
    """NNVM's UpdateNodeVersion: variable inputs read the variable's current version; each
    mutated (aux) input increments it."""
    inputs = list(node.inputs)
    for i, e in enumerate(inputs):
        if e.node.is_variable:
            inputs[i] = Entry(e.node, e.index, e.node.version)
    for i in node.aux_input_indices():
        var = inputs[i].node
        if not var.is_variable:
            raise MXNetValueError(
                "%s '%s': aux state input '%s' must be a variable (mutation target), got the "
                "output of '%s'" % (node.op.name, node.name, node.input_names()[i], var.name))
        var.version += 1
        inputs[i] = Entry(var, inputs[i].index, var.version)
    node.inputs = inputs


def set_input_var_attrs(node):
    """FSetInputVarAttrOnCompose: attributes an op puts on its variable inputs (not
    overriding ones already there): the op's `input_var_attrs`, else the defaults for aux
    states (BatchNorm's moving_mean/moving_var initializers)."""
    declared = getattr(node.op, "input_var_attrs", None)
    names = node.input_names()
    aux = set(node.aux_input_indices())
    for i, e in enumerate(node.inputs):
        if not e.node.is_variable or i >= len(names):
            continue
        if declared is not None:
            extra = declared.get(names[i])
        else:
            extra = DEFAULT_AUX_VAR_ATTRS.get(names[i]) if i in aux else None
        if extra and not any(k in e.node.attrs for k in extra):
            e.node.attrs.update(extra)


def copy_graph(outputs):
    """NNVM's Symbol::Copy: new nodes (attributes, names and variable versions copied)."""
    old_new = {}
    for node in dfs_post_order(outputs):
        new = Node(node.op, node.name, node.attrs)
        new.version = node.version
        new._parsed = node._parsed
        new.inputs = [Entry(old_new[id(e.node)], e.index, e.version) for e in node.inputs]
        old_new[id(node)] = new
    return [Entry(old_new[id(e.node)], e.index, e.version) for e in outputs]


def is_atomic(outputs):
    return not outputs[0].node.inputs


def compose(outputs, args, kwargs, name=None):
    """Symbol._compose on (a copy of) `outputs`: atomic op symbols take inputs like an op
    call; other graphs replace their variables named in `kwargs` (no positional args)."""
    head = outputs[0].node
    if head.is_variable:
        raise MXNetValueError("Variable '%s' cannot be composed" % head.name)
    if is_atomic(outputs):
        compose_atomic(head, list(args), dict(kwargs), name)
        return outputs
    if args:
        raise MXNetTypeError("General composition only supports keyword arguments (variable "
                             "name=symbol), got %d positional argument%s"
                             % (len(args), "" if len(args) == 1 else "s"))
    if name:
        head.name = name
    nodes = dfs_post_order(outputs)
    replace = {}
    for node in nodes:
        if node.is_variable and node.name in kwargs:
            replace[id(node)] = kwargs[node.name]
    matched = {n.name for n in nodes if id(n) in replace}
    if len(matched) != len(kwargs):
        raise _mismatch(list(kwargs), [n.name for n in nodes if n.is_variable])
    for node in nodes:
        if any(id(e.node) in replace for e in node.inputs):
            node.inputs = [replace.get(id(e.node), e) for e in node.inputs]
            update_versions(node)
    return outputs
