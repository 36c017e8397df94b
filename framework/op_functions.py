"""What mx.nd and mx.sym share when generating one Python function per registered op:
MXNet's signature (inputs, then attributes by position), docs, and where each function goes
(the top-level module, `_internal` for `_`-prefixed names, prefixed submodules, and the
`op` namespace holding every name — the `F` that gradient declarations receive)."""
import inspect

from compiler.ops import registry
from .base import _Null

PREFIX_MODULES = (("_contrib_", "contrib"), ("_random_", "random"), ("_linalg_", "linalg"),
                  ("_sparse_", "sparse"), ("_image_", "image"))


def finish(function, op, fname, keyword_only, var_keyword=False, module=None, suffix=""):
    """Give `function` the name, docstring and MXNet-style signature of `op`."""
    P = inspect.Parameter
    params = []
    if op.variadic:
        params.append(P("data", P.VAR_POSITIONAL))
    else:
        params += [P(n, P.POSITIONAL_OR_KEYWORD, default=None) for n in op.arguments]
    kind = P.KEYWORD_ONLY if op.variadic else P.POSITIONAL_OR_KEYWORD
    params += [P(n, kind, default=_Null) for n in op.attrs if n != op.variadic]
    params += [P(n, P.KEYWORD_ONLY, default=None) for n in keyword_only]
    if var_keyword:
        params.append(P("kwargs", P.VAR_KEYWORD))
    function.__signature__ = inspect.Signature(params)
    function.__name__ = function.__qualname__ = fname
    if module:
        function.__module__ = module
    doc = (type(op).__doc__ or "").strip()
    tail = "MXNet operator `%s`%s." % (op.name, suffix)
    function.__doc__ = "%s\n\n%s" % (doc, tail) if doc else tail
    return function


def populate(make_function, op_namespace, namespace, internal, submodules):
    """Create every op's function and place it as mx.nd / mx.sym do."""
    for fname in registry.all_names():
        func = make_function(registry.get(fname), fname)
        setattr(op_namespace, fname, func)
        for prefix, modname in PREFIX_MODULES:
            if fname.startswith(prefix):
                setattr(submodules[modname], fname[len(prefix):], func)
                break
        if fname.startswith("_"):
            setattr(internal, fname, func)
        elif not hasattr(namespace, fname):
            setattr(namespace, fname, func)
