"""mx.sym / mx.symbol: symbolic graphs built from the operator registry.

Every registered op is a function here (`_`-prefixed ones in `_internal`, `_contrib_x` in
`contrib` ...), and `op` holds every op under its registered name: the graph-building `F`
that gradient declarations receive in the compiler (mirrors mx.nd.op).
"""
import types as _types

import compiler.ops  # noqa: F401  (registers every operator)
from .symbol import Symbol, Group, load, load_json  # noqa: F401
from . import register as _register
from .ops import (var, Variable, pow, power, maximum, minimum, hypot, zeros, ones, full,  # noqa
                  eye, arange, linspace)

fromjson = load_json

_internal = _types.ModuleType(__name__ + "._internal")
contrib = _types.ModuleType(__name__ + ".contrib")
random = _types.ModuleType(__name__ + ".random")
linalg = _types.ModuleType(__name__ + ".linalg")
sparse = _types.ModuleType(__name__ + ".sparse")
image = _types.ModuleType(__name__ + ".image")
_ns = _types.SimpleNamespace()
_register.populate(_ns, _internal, {"contrib": contrib, "random": random, "linalg": linalg,
                                    "sparse": sparse, "image": image})
for _k, _v in vars(_ns).items():
    if _k not in globals():
        globals()[_k] = _v
op = _register.op_namespace   # every op, `_`-prefixed included: the F of gradient code
del _k, _v, _ns
