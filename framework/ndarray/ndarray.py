"""NDArray: an n-dimensional array on a Context.

CPU data is a C-contiguous NumPy array (every kernel may rely on that); on mx.gpu(i) it is
a C-contiguous numba CUDA device array (device.py).  A basic slice whose result is
contiguous in memory is a view that writes through, as in MXNet; other slices are copies.
Arithmetic and methods go through registered ops (see dispatch.py).
"""
import numpy as np

from compiler.ops import registry
from ..base import MXNetError, numeric_types
from ..context import Context, current_context
from .. import autograd
from .dispatch import invoke
from . import device as _device

_GPU = _device.GPU_TYPEID

_DTYPES = {"float32", "float64", "float16", "uint8", "int8", "int32", "int64", "bool"}


def _check_ctx(ctx):
    if ctx.device_typeid == _GPU:
        _device.check(ctx)          # MXNetError when gpu(i) does not exist
    return ctx


def _op(name):
    return registry.get(name)


class NDArray:
    """An array with MXNet 1.x semantics (see module docstring)."""

    __slots__ = ("_data", "_ctx", "_ag", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, data, ctx=None):
        self._data = data
        self._ctx = ctx if ctx is not None else current_context()
        self._ag = None

    @classmethod
    def _alloc(cls, shape, dtype, ctx):
        if ctx.device_typeid == _GPU:
            return cls(_device.empty(shape, dtype, ctx), ctx)
        return cls(np.empty(shape, dtype=dtype), ctx)

    # --- properties -------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype.type)
    size = property(lambda self: self._data.size)
    ndim = property(lambda self: self._data.ndim)
    context = property(lambda self: self._ctx)
    ctx = context
    stype = property(lambda self: "default")
    handle = property(lambda self: id(self._data))

    @property
    def T(self):
        if self.ndim < 2:
            return self
        return self.transpose()

    @property
    def grad(self):
        if self._ag is None or not isinstance(self._ag[0], autograd.VarNode):
            return None
        return self._ag[0].grad

    # --- conversion -------------------------------------------------------------------
    def asnumpy(self):
        data = self._data
        if isinstance(data, np.ndarray):
            return data.copy()
        return data.copy_to_host()          # a device array: copied to the host

    def asscalar(self):
        if self.size != 1:
            raise MXNetError("The current array is not a scalar (shape %s)" % (self.shape,))
        data = self._data if isinstance(self._data, np.ndarray) else self.asnumpy()
        return data.reshape(-1)[0]

    def astype(self, dtype, copy=True):
        name = np.dtype(dtype).name
        if not copy and name == self._data.dtype.name:
            return self
        return invoke(_op("Cast"), [self], {"dtype": name})

    def copy(self):
        return invoke(_op("_copy"), [self], {})

    def copyto(self, other):
        if isinstance(other, Context):
            if other == self._ctx:
                return self.copy()
            if other.device_typeid == _GPU:     # to a GPU: device memory
                _check_ctx(other)
                data = self._data
                return NDArray(_device.from_host(data, other) if isinstance(data, np.ndarray)
                               else _device.copy(data), other)
            return NDArray(self.asnumpy(), other)
        if not isinstance(other, NDArray):
            raise MXNetError("copyto does not support type %s" % type(other))
        if other is self:
            return other
        if other.shape != self.shape:
            raise MXNetError("copyto: shape mismatch, source %s vs destination %s"
                             % (self.shape, other.shape))
        if other._ctx != self._ctx:             # a copy between two devices
            if isinstance(other._data, np.ndarray) and isinstance(self._data, np.ndarray):
                other._data[...] = self._data
            else:
                _device.assign(other._data, self._data)
            return other
        return invoke(_op("_copy"), [self.astype(other.dtype, copy=False)], {}, out=other)

    def as_in_context(self, context):
        if context == self._ctx:
            return self
        return self.copyto(context)

    def detach(self):
        return NDArray(self._data, self._ctx)

    def wait_to_read(self):
        """Wait until the array's value is computed (GPU kernels run asynchronously)."""
        if not isinstance(self._data, np.ndarray):
            _device.synchronize()

    wait_to_write = wait_to_read

    def tostype(self, stype):
        if stype != "default":
            raise MXNetError("sparse storage type %r is not supported" % stype)
        return self

    # --- autograd ---------------------------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        autograd.check_grad_req(grad_req)
        if stype not in (None, "default"):
            raise MXNetError("attach_grad: sparse gradients are not supported")
        grad = NDArray(_device.alloc_zeros(self.shape, self._data.dtype, self._ctx), self._ctx)
        autograd.mark_variables([self], [grad], grad_req)

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        autograd.backward([self], None if out_grad is None else [out_grad],
                          retain_graph=retain_graph, train_mode=train_mode)

    @property
    def _fresh_grad(self):
        """Whether backward wrote this variable's gradient since the flag was last cleared."""
        node = self._ag[0] if self._ag is not None else None
        return isinstance(node, autograd.VarNode) and node.fresh

    @_fresh_grad.setter
    def _fresh_grad(self, value):
        node = self._ag[0] if self._ag is not None else None
        if isinstance(node, autograd.VarNode):
            node.fresh = bool(value)

    # --- shape manipulation -------------------------------------------------------------
    def reshape(self, *shape, **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        if "shape" in kwargs:
            shape = tuple(kwargs.pop("shape"))
        reverse = kwargs.pop("reverse", False)
        if kwargs:
            raise MXNetError("reshape: unknown arguments %s" % sorted(kwargs))
        attrs = {"shape": shape, "reverse": reverse}
        if autograd.is_recording():
            return invoke(_op("Reshape"), [self], attrs)
        op = _op("Reshape")
        parsed = op.parse(attrs)
        try:
            _, (out_shape,) = op.infer_shape(parsed, [self.shape])
        except MXNetError as err:
            raise type(err)("Reshape: %s (input shape %s)" % (err, self.shape)) from None
        return NDArray(self._data.reshape(out_shape), self._ctx)

    def reshape_like(self, other):
        return self.reshape(other.shape)

    def broadcast_to(self, shape):
        return invoke(_op("broadcast_to"), [self], {"shape": shape})

    def broadcast_like(self, other):
        return invoke(_op("broadcast_like"), [self, other], {})

    def transpose(self, axes=None, *more):
        if more or isinstance(axes, int):
            axes = (axes,) + more
        return invoke(_op("transpose"), [self], {} if axes is None else {"axes": tuple(axes)})

    def swapaxes(self, dim1=0, dim2=0):
        return invoke(_op("SwapAxis"), [self], {"dim1": dim1, "dim2": dim2})

    def flatten(self, inplace=False):
        return invoke(_op("Flatten"), [self], {})

    def expand_dims(self, axis, inplace=False):
        return invoke(_op("expand_dims"), [self], {"axis": axis})

    def squeeze(self, axis=None, inplace=False):
        return invoke(_op("squeeze"), [self], {} if axis is None else {"axis": axis})

    # --- python protocol --------------------------------------------------------------
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        if self.size == 0:
            return False
        if self.size == 1:
            return bool(self.asscalar())
        raise ValueError("The truth value of an NDArray with multiple elements is ambiguous.")

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    def __hash__(self):
        return id(self) // 16

    def __repr__(self):
        shape_info = "x".join(str(d) for d in self.shape)
        data = self._data if isinstance(self._data, np.ndarray) else self.asnumpy()
        return "\n%s\n<%s %s @%s>" % (str(data), type(self).__name__, shape_info, self._ctx)

    def __getstate__(self):
        raise MXNetError("NDArray does not support pickle; use mx.nd.save / mx.nd.load")

    # --- indexing ---------------------------------------------------------------------
    def __getitem__(self, key):
        from .indexing import get_item
        return get_item(self, key)

    def __setitem__(self, key, value):
        from .indexing import set_item
        set_item(self, key, value)

    # --- arithmetic -------------------------------------------------------------------
    def _binary(self, other, array_op, scalar_op, out=None):
        if isinstance(other, NDArray):
            return invoke(_op(array_op), [self, other], {}, out=out)
        if isinstance(other, (numeric_types, np.number, np.bool_)):
            return invoke(_op(scalar_op), [self], {"scalar": float(other)}, out=out)
        return NotImplemented

    def __add__(self, o): return self._binary(o, "broadcast_add", "_plus_scalar")
    def __radd__(self, o): return self._binary(o, "broadcast_add", "_plus_scalar")
    def __sub__(self, o): return self._binary(o, "broadcast_sub", "_minus_scalar")
    def __rsub__(self, o): return self._binary(o, "broadcast_sub", "_rminus_scalar")
    def __mul__(self, o): return self._binary(o, "broadcast_mul", "_mul_scalar")
    def __rmul__(self, o): return self._binary(o, "broadcast_mul", "_mul_scalar")
    def __truediv__(self, o): return self._binary(o, "broadcast_div", "_div_scalar")
    def __rtruediv__(self, o): return self._binary(o, "broadcast_div", "_rdiv_scalar")
    __div__, __rdiv__ = __truediv__, __rtruediv__
    def __mod__(self, o): return self._binary(o, "broadcast_mod", "_mod_scalar")
    def __rmod__(self, o): return self._binary(o, "broadcast_mod", "_rmod_scalar")
    def __pow__(self, o): return self._binary(o, "broadcast_power", "_power_scalar")
    def __rpow__(self, o): return self._binary(o, "broadcast_power", "_rpower_scalar")
    def __eq__(self, o): return self._binary(o, "broadcast_equal", "_equal_scalar")
    def __ne__(self, o): return self._binary(o, "broadcast_not_equal", "_not_equal_scalar")
    def __gt__(self, o): return self._binary(o, "broadcast_greater", "_greater_scalar")
    def __ge__(self, o): return self._binary(o, "broadcast_greater_equal", "_greater_equal_scalar")
    def __lt__(self, o): return self._binary(o, "broadcast_lesser", "_lesser_scalar")
    def __le__(self, o): return self._binary(o, "broadcast_lesser_equal", "_lesser_equal_scalar")

    def __neg__(self):
        return invoke(_op("_mul_scalar"), [self], {"scalar": -1.0})

    def __abs__(self):
        return invoke(_op("abs"), [self], {})

    def _inplace(self, other, array_op, scalar_op):
        result = self._binary(other, array_op, scalar_op, out=self)
        if result is NotImplemented:
            raise TypeError("unsupported operand type %s" % type(other))
        return self

    def __iadd__(self, o): return self._inplace(o, "broadcast_add", "_plus_scalar")
    def __isub__(self, o): return self._inplace(o, "broadcast_sub", "_minus_scalar")
    def __imul__(self, o): return self._inplace(o, "broadcast_mul", "_mul_scalar")
    def __itruediv__(self, o): return self._inplace(o, "broadcast_div", "_div_scalar")
    __idiv__ = __itruediv__
    def __imod__(self, o): return self._inplace(o, "broadcast_mod", "_mod_scalar")


# Fluent methods (x.sum(axis=1), x.exp() ...) call the registered op of the same name.
_FLUENT = (
    "sum", "mean", "prod", "max", "min", "norm", "nansum", "nanprod", "argmax", "argmin",
    "argmax_channel", "exp", "expm1", "log", "log10", "log2", "log1p", "sqrt", "rsqrt", "cbrt",
    "square", "abs", "sign", "round", "rint", "fix", "floor", "ceil", "trunc", "sin", "cos",
    "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "relu", "sigmoid", "softmax", "log_softmax", "clip", "tile", "repeat", "pad",
    "split", "slice", "slice_axis", "slice_like", "take", "pick", "one_hot", "topk", "sort",
    "argsort", "flip", "reciprocal", "zeros_like", "ones_like", "shape_array", "size_array",
    "gamma", "gammaln", "erf",
)


def _make_fluent(name):
    def method(self, *args, **kwargs):
        from . import op as _ns
        return getattr(_ns, name)(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = "Same as mx.nd.%s(self, ...)." % name
    return method


for _name in _FLUENT:
    if not hasattr(NDArray, _name):
        setattr(NDArray, _name, _make_fluent(_name))
