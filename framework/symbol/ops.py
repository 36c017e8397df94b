"""Symbol arithmetic, fluent methods and mx.sym's Python-level functions (var, zeros, ...).

Operators use MXNet 1.9.1's Symbol choices, which differ from NDArray's: `a + b` of two
symbols is `_Plus` (op elemwise_add, auto-named `_plus0`), NOT broadcast_add; `a + 2` is
`_PlusScalar` (op _plus_scalar, named `_plusscalar0`) with the scalar stored as `str(2)`;
`-a` is `a * -1.0`; comparisons use `_greater`/`_greater_scalar`..., `2 ** a` is
`_rpower_scalar`.  Node names come from the lowercased function name used.
"""
from numbers import Number

import numpy as np

from compiler.passes.infer_type import FLAG_OF
from .. import attribute as _attribute
from .register import op_namespace as _op
from .symbol import Symbol

_STORAGE_TYPES = {"undefined": -1, "default": 0, "row_sparse": 1, "csr": 2}


def _binary(sym_fn, scalar_fn, rscalar_fn=None):
    """Methods (forward, reflected) for a binary operator."""

    def method(self, other):
        if isinstance(other, Symbol):
            return getattr(_op, sym_fn)(self, other)
        if isinstance(other, Number):
            return getattr(_op, scalar_fn)(self, scalar=other)
        raise TypeError("type %s not supported" % str(type(other)))

    def reflected(self, other):
        if isinstance(other, Number):
            return getattr(_op, rscalar_fn)(self, scalar=other)
        raise TypeError("type %s not supported" % str(type(other)))

    return method, (reflected if rscalar_fn else None)


_OPERATORS = {
    "add": ("_Plus", "_PlusScalar", "_PlusScalar"),
    "sub": ("_Minus", "_MinusScalar", "_RMinusScalar"),
    "mul": ("_Mul", "_MulScalar", "_MulScalar"),
    "truediv": ("_Div", "_DivScalar", "_RDivScalar"),
    "mod": ("_Mod", "_ModScalar", "_RModScalar"),
    "pow": ("_Power", "_PowerScalar", "_rpower_scalar"),
    "eq": ("_equal", "_equal_scalar", None),
    "ne": ("_not_equal", "_not_equal_scalar", None),
    "gt": ("_greater", "_greater_scalar", None),
    "ge": ("_greater_equal", "_greater_equal_scalar", None),
    "lt": ("_lesser", "_lesser_scalar", None),
    "le": ("_lesser_equal", "_lesser_equal_scalar", None),
}

for _name, (_sym, _scalar, _rscalar) in _OPERATORS.items():
    _fwd, _rev = _binary(_sym, _scalar, _rscalar)
    _fwd.__name__ = "__%s__" % _name
    setattr(Symbol, "__%s__" % _name, _fwd)
    if _rev is not None:
        _rev.__name__ = "__r%s__" % _name
        setattr(Symbol, "__r%s__" % _name, _rev)
Symbol.__div__ = Symbol.__truediv__
Symbol.__rdiv__ = Symbol.__rtruediv__
Symbol.__hash__ = None            # __eq__ builds a symbol: symbols are unhashable, as in MXNet


def _neg(self):
    return self.__mul__(-1.0)


def _abs(self):
    return self.abs()


Symbol.__neg__ = _neg
Symbol.__abs__ = _abs

# Fluent methods: x.sum(axis=1) is mx.sym.sum(x, axis=1) (MXNet's list; `astype` is cast).
_FLUENT = (
    "reshape", "reshape_like", "zeros_like", "ones_like", "broadcast_axes", "repeat", "pad",
    "swapaxes", "split", "split_v2", "slice", "slice_axis", "slice_like", "take", "one_hot",
    "pick", "sort", "topk", "argsort", "argmax", "argmax_channel", "argmin", "clip", "abs",
    "sign", "shape_array", "size_array", "broadcast_to", "broadcast_like", "tile",
    "transpose", "flip", "depth_to_space", "space_to_depth", "sum", "nansum", "prod",
    "nanprod", "mean", "max", "min", "norm", "round", "rint", "fix", "floor", "ceil", "trunc",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "degrees", "radians", "sinh", "cosh",
    "tanh", "arcsinh", "arccosh", "arctanh", "exp", "expm1", "log", "log10", "log2", "log1p",
    "sqrt", "rsqrt", "cbrt", "rcbrt", "square", "reciprocal", "relu", "sigmoid", "softmax",
    "log_softmax", "softmin",
)


def _fluent(op_name):
    def method(self, *args, **kwargs):
        fn = getattr(_op, op_name, None)
        if fn is None:
            from ..base import MXNetError
            raise MXNetError("Symbol.%s: operator '%s' is not implemented yet" % (op_name, op_name))
        return fn(self, *args, **kwargs)
    method.__name__ = op_name
    method.__doc__ = "Same as mx.sym.%s(self, ...)." % op_name
    return method


for _name in _FLUENT:
    setattr(Symbol, _name, _fluent(_name))


def _astype(self, *args, **kwargs):
    return _op.cast(self, *args, **kwargs)


def _flatten(self, inplace=False, **kwargs):
    return _op.flatten(self, **kwargs)


def _expand_dims(self, axis, inplace=False, **kwargs):
    return _op.expand_dims(self, axis=axis, **kwargs)


def _squeeze(self, axis=None, inplace=False, **kwargs):
    return _op.squeeze(self, axis=axis, **kwargs)


def _diag(self, k=0, **kwargs):
    return _op.diag(self, k, **kwargs)


Symbol.astype = _astype
Symbol.flatten = _flatten
Symbol.expand_dims = _expand_dims
Symbol.squeeze = _squeeze
Symbol.diag = _diag


# --- mx.sym functions ----------------------------------------------------------------------
def var(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None,
        stype=None, **kwargs):
    """A variable (an input of the graph) with optional hidden attributes: `__shape__`,
    `__lr_mult__`, `__wd_mult__`, `__dtype__` (MXNet's type flag), `__init__`,
    `__storage_type__`; extra keyword attributes must look like `__name__`."""
    from compiler.ir.graph import Entry, Node
    if not isinstance(name, str):
        raise TypeError("Expect a string for variable `name`")
    ret = Symbol([Entry(Node.variable(name), 0, 0)])
    attr = _attribute.current().get(attr)
    attr = {} if attr is None else attr
    if shape is not None:
        attr["__shape__"] = str(shape)
    if lr_mult is not None:
        attr["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attr["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        name_ = np.dtype(dtype).name
        if name_ not in FLAG_OF:
            raise TypeError("dtype %s is not supported" % name_)
        attr["__dtype__"] = str(FLAG_OF[name_])
    if init is not None:
        attr["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:
        attr["__storage_type__"] = str(_STORAGE_TYPES[stype])
    for k, v in kwargs.items():
        if k.startswith("__") and k.endswith("__"):
            attr[k] = str(v)
        else:
            raise ValueError("Attribute name=%s is not supported. Additional attributes must "
                             "start and end with double underscores, e.g, __yourattr__" % k)
    ret._set_attr(**attr)
    return ret


Variable = var


def _binary_fn(left, right, sym_fn, scalar_fn, rscalar_fn, py_fn, what):
    if isinstance(left, Symbol) and isinstance(right, Symbol):
        return getattr(_op, sym_fn)(left, right)
    if isinstance(left, Symbol) and isinstance(right, Number):
        return getattr(_op, scalar_fn)(left, scalar=right)
    if isinstance(left, Number) and isinstance(right, Symbol):
        return getattr(_op, rscalar_fn)(right, scalar=left)
    if isinstance(left, Number) and isinstance(right, Number):
        return py_fn(left, right)
    raise TypeError("types (%s, %s) not supported" % (str(type(left)), str(type(right))))


def pow(base, exp):  # noqa: A001  (MXNet's name)
    """base ** exp for symbols and scalars (no broadcasting: use broadcast_power)."""
    return _binary_fn(base, exp, "_Power", "_PowerScalar", "_RPowerScalar",
                      lambda a, b: a ** b, "pow")


power = pow


def maximum(left, right):
    """Elementwise maximum of symbols/scalars (no broadcasting)."""
    return _binary_fn(left, right, "_Maximum", "_MaximumScalar", "_MaximumScalar",
                      lambda a, b: a if a > b else b, "maximum")


def minimum(left, right):
    """Elementwise minimum of symbols/scalars (no broadcasting)."""
    return _binary_fn(left, right, "_Minimum", "_MinimumScalar", "_MinimumScalar",
                      lambda a, b: a if a < b else b, "minimum")


def hypot(left, right):
    """sqrt(left**2 + right**2) of symbols/scalars (no broadcasting)."""
    return _binary_fn(left, right, "_Hypot", "_HypotScalar", "_HypotScalar", np.hypot, "hypot")


def zeros(shape, dtype=None, **kwargs):
    """A symbol of zeros (float32 unless `dtype`)."""
    return _op._zeros(shape=shape, dtype=np.float32 if dtype is None else dtype, **kwargs)


def ones(shape, dtype=None, **kwargs):
    """A symbol of ones (float32 unless `dtype`)."""
    return _op._ones(shape=shape, dtype=np.float32 if dtype is None else dtype, **kwargs)


def full(shape, val, dtype=None, **kwargs):
    """A symbol filled with `val` (float32 unless `dtype`)."""
    return _op._full(shape=shape, dtype=np.float32 if dtype is None else dtype,
                     value=float(val), **kwargs)


def eye(N, M=0, k=0, dtype=None, **kwargs):
    """A 2-D symbol with ones on the k-th diagonal."""
    return _op._eye(N, M, k, dtype=np.float32 if dtype is None else dtype, **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    """Evenly spaced values in [start, stop)."""
    return _op._arange(start=start, stop=stop, step=step, repeat=repeat, infer_range=infer_range,
                       name=name, dtype=np.float32 if dtype is None else dtype)


def linspace(start, stop, num, endpoint=True, name=None, dtype=None):
    """`num` evenly spaced values from start to stop."""
    return _op._linspace(start=start, stop=stop, num=num, endpoint=endpoint, name=name,
                         dtype=np.float32 if dtype is None else dtype)
