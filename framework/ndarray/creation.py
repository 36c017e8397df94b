"""Array creation and the Python-level helpers of mx.nd (array, zeros, maximum, save ...)."""
import numpy as np

from compiler.ops import registry
from ..base import MXNetError, numeric_types
from ..context import Context, current_context
from .dispatch import invoke
from .ndarray import NDArray, _check_ctx
from . import device as _device

mx_real_t = np.float32


def _ctx(ctx):
    return _check_ctx(ctx if ctx is not None else current_context())


def _dtype(dtype, default="float32"):
    return np.dtype(default if dtype is None else dtype).name


def array(source_array, ctx=None, dtype=None):
    """A new NDArray copied from `source_array`; non-NDArray input defaults to float32."""
    if isinstance(source_array, NDArray):
        dtype = source_array.dtype if dtype is None else dtype
        source = source_array._data
        if not isinstance(source, np.ndarray):      # on a GPU: through the host
            source = source_array.asnumpy()
    else:
        dtype = mx_real_t if dtype is None else dtype
        try:
            source = np.asarray(source_array, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise MXNetError("array: cannot convert %s to an NDArray: %s"
                             % (type(source_array).__name__, err)) from None
    ctx = _ctx(ctx)
    if ctx.device_typeid == _device.GPU_TYPEID:
        return NDArray(_device.from_host(source, ctx, np.dtype(dtype)), ctx)
    data = np.array(source, dtype=np.dtype(dtype), order="C", copy=True)
    return NDArray(data, ctx)


def empty(shape, ctx=None, dtype=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return NDArray._alloc(shape, _dtype(dtype), _ctx(ctx))


def zeros(shape, ctx=None, dtype=None, **kwargs):
    kwargs.pop("name", None)          # accepted and ignored, as MXNet's NDArray functions do
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return invoke(registry.get("_zeros"), [], dict(shape=shape, dtype=_dtype(dtype), **kwargs),
                  ctx=_ctx(ctx))


def ones(shape, ctx=None, dtype=None, **kwargs):
    kwargs.pop("name", None)          # accepted and ignored, as MXNet's NDArray functions do
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return invoke(registry.get("_ones"), [], dict(shape=shape, dtype=_dtype(dtype), **kwargs),
                  ctx=_ctx(ctx))


def full(shape, val, ctx=None, dtype=mx_real_t, out=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return invoke(registry.get("_full"), [], dict(shape=shape, dtype=_dtype(dtype), value=val),
                  out=out, ctx=_ctx(ctx))


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=mx_real_t):
    return invoke(registry.get("_arange"), [],
                  dict(start=start, stop=stop, step=step, repeat=repeat, dtype=_dtype(dtype)),
                  ctx=_ctx(ctx))


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=mx_real_t):
    return invoke(registry.get("_linspace"), [],
                  dict(start=start, stop=stop, num=num, endpoint=endpoint, dtype=_dtype(dtype)),
                  ctx=_ctx(ctx))


def eye(N, M=0, k=0, ctx=None, dtype=mx_real_t, **kwargs):
    return invoke(registry.get("_eye"), [], dict(N=N, M=M, k=k, dtype=_dtype(dtype)),
                  ctx=_ctx(ctx))


def _ufunc(lhs, rhs, array_op, scalar_op, rscalar_op, py_fn):
    """MXNet's _ufunc_helper: arrays use the broadcast op, scalars the scalar ops."""
    if isinstance(lhs, numeric_types) and isinstance(rhs, numeric_types):
        return py_fn(lhs, rhs)
    if isinstance(rhs, numeric_types):
        return invoke(registry.get(scalar_op), [lhs], {"scalar": float(rhs)})
    if isinstance(lhs, numeric_types):
        return invoke(registry.get(rscalar_op), [rhs], {"scalar": float(lhs)})
    if isinstance(lhs, NDArray) and isinstance(rhs, NDArray):
        return invoke(registry.get(array_op), [lhs, rhs], {})
    raise MXNetError("%s: unsupported operand types %s and %s"
                     % (array_op, type(lhs).__name__, type(rhs).__name__))


def add(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_add", "_plus_scalar", "_plus_scalar", lambda a, b: a + b)


def subtract(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_sub", "_minus_scalar", "_rminus_scalar", lambda a, b: a - b)


def multiply(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_mul", "_mul_scalar", "_mul_scalar", lambda a, b: a * b)


def divide(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_div", "_div_scalar", "_rdiv_scalar", lambda a, b: a / b)


true_divide = divide


def modulo(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_mod", "_mod_scalar", "_rmod_scalar", lambda a, b: a % b)


def power(base, exp):
    return _ufunc(base, exp, "broadcast_power", "_power_scalar", "_rpower_scalar", lambda a, b: a ** b)


def maximum(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_maximum", "_maximum_scalar", "_maximum_scalar", max)


def minimum(lhs, rhs):
    return _ufunc(lhs, rhs, "broadcast_minimum", "_minimum_scalar", "_minimum_scalar", min)


def _cmp(name, py_fn, rname=None):
    def fn(lhs, rhs):
        return _ufunc(lhs, rhs, "broadcast_" + name, "_%s_scalar" % name,
                      "_%s_scalar" % (rname or name), lambda a, b: float(py_fn(a, b)))
    fn.__name__ = name
    return fn


equal = _cmp("equal", lambda a, b: a == b)
not_equal = _cmp("not_equal", lambda a, b: a != b)
greater = _cmp("greater", lambda a, b: a > b, "lesser")
greater_equal = _cmp("greater_equal", lambda a, b: a >= b, "lesser_equal")
lesser = _cmp("lesser", lambda a, b: a < b, "greater")
lesser_equal = _cmp("lesser_equal", lambda a, b: a <= b, "greater_equal")
logical_and = _cmp("logical_and", lambda a, b: a and b)
logical_or = _cmp("logical_or", lambda a, b: a or b)
logical_xor = _cmp("logical_xor", lambda a, b: bool(a) != bool(b))


def concatenate(arrays, axis=0, always_copy=True):
    return invoke(registry.get("Concat"), list(arrays), {"dim": axis, "num_args": len(arrays)})


def moveaxis(tensor, source, destination):
    axes = list(range(tensor.ndim))
    source %= tensor.ndim
    destination %= tensor.ndim
    axes.pop(source)
    axes.insert(destination, source)
    return tensor.transpose(axes)


def waitall():
    """Wait for every pending GPU kernel (CPU operations run synchronously)."""
    _device.synchronize()


def save(fname, data):
    """Save an NDArray, a list or a str->NDArray dict in MXNet's binary format."""
    from .serialization import save_arrays
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        for k, v in data.items():
            if not isinstance(k, str) or not isinstance(v, NDArray):
                raise MXNetError("save: a dict must map str to NDArray")
        save_arrays(fname, {k: v.asnumpy() for k, v in data.items()})
    elif isinstance(data, (list, tuple)):
        if not all(isinstance(v, NDArray) for v in data):
            raise MXNetError("save: a list must hold only NDArrays")
        save_arrays(fname, [v.asnumpy() for v in data])
    else:
        raise MXNetError("save: data must be an NDArray, a list or a dict, got %s" % type(data))


def _wrap_loaded(loaded, ctx=None):
    ctx = ctx or Context("cpu", 0)
    if isinstance(loaded, dict):
        return {k: NDArray(np.ascontiguousarray(v), ctx) for k, v in loaded.items()}
    return [NDArray(np.ascontiguousarray(v), ctx) for v in loaded]


def load(fname):
    """Load what mx.nd.save (or MXNet 1.9) wrote: a list or a dict of NDArrays."""
    from .serialization import load_arrays
    return _wrap_loaded(load_arrays(fname))


def load_frombuffer(buf):
    from .serialization import loads_arrays
    return _wrap_loaded(loads_arrays(buf))
