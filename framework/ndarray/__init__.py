"""mx.nd: NDArray and one function per registered operator."""
import types as _types

import compiler.ops  # noqa: F401  (registers every operator)
from .ndarray import NDArray
from .creation import (array, empty, zeros, ones, full, arange, linspace, eye, add, subtract,  # noqa
                       multiply, divide, true_divide, modulo, power, maximum, minimum, equal,
                       not_equal, greater, greater_equal, lesser, lesser_equal, logical_and,
                       logical_or, logical_xor, concatenate, moveaxis, waitall, save, load,
                       load_frombuffer)
from . import register as _register

_internal = _types.ModuleType(__name__ + "._internal")
contrib = _types.ModuleType(__name__ + ".contrib")
random = _types.ModuleType(__name__ + ".random")
linalg = _types.ModuleType(__name__ + ".linalg")
sparse = _types.ModuleType(__name__ + ".sparse")
image = _types.ModuleType(__name__ + ".image")
_register.populate(globals_ns := _types.SimpleNamespace(), _internal,
                   {"contrib": contrib, "random": random, "linalg": linalg, "sparse": sparse,
                    "image": image})
for _k, _v in vars(globals_ns).items():
    if _k not in globals():
        globals()[_k] = _v
random.shuffle = _internal._shuffle
op = _register.op_namespace  # every op, `_`-prefixed included: the F of gradient code
del _k, _v, globals_ns
from ..cached_op import CachedOp  # noqa: E402,F401
