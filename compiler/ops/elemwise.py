"""Base declarations for elementwise ops: unary, binary (same shape / broadcast), scalar.

An elementwise op declares `scalar_expr`, a Python expression over its input names
(`data`, or `lhs`/`rhs`) and attributes (`scalar`), using helpers from
kernels/codegen/scalar.py.  Its CPU kernel is generated from that expression (and the
CUDA kernel and fused kernels later come from the same source).  `reference` is an
independent NumPy implementation: the oracle the generated kernel is tested against.
"""
import os
import re

import numpy as np

from kernels.codegen.elementwise import ElementwiseSpec, launch
from .registry import Op, Attr, fail, same_shape, FLOAT_TYPES


def _compute_dtype(arr):
    """float16 arithmetic runs in float32 (stored back after): Numba has no float16 math."""
    return np.float32 if arr.dtype.char == "e" else arr.dtype.type


# float32 kernels call SIMD-friendly approximations of these (kernels/codegen/scalar.py,
# < 2.1e-7 relative error) instead of libm, which does not vectorize: sigmoid and tanh on 4M
# float32 went from ~20-40 ms to ~1 ms.  MXNET_FUSED_FAST_MATH=0 turns this off everywhere.
_FAST_CALLS = ((re.compile(r"\bmath\.exp\("), "fast_exp_f32("),
               (re.compile(r"\bmath\.tanh\("), "fast_tanh_f32("),
               (re.compile(r"(?<![\w.])sigmoid\("), "fast_sigmoid_f32("))
_fast_specs = {}


def fast_math_enabled():
    return os.environ.get("MXNET_FUSED_FAST_MATH", "1").strip().lower() not in ("0", "false", "off")


def fast_f32_spec(spec):
    """`spec` with exp/tanh/sigmoid calls replaced by the float32 approximations."""
    fast = _fast_specs.get(spec.key())
    if fast is None:
        def rewrite(expr):
            for pattern, repl in _FAST_CALLS:
                expr = pattern.sub(repl, expr)
            return expr
        body = [(name, rewrite(expr)) for name, expr in spec.body]
        outputs = [rewrite(expr) for expr in spec.outputs]
        changed = body != list(spec.body) or outputs != list(spec.outputs)
        fast = ElementwiseSpec(spec.inputs, outputs, spec.params, body, spec.tag + "_f32") if changed else spec
        _fast_specs[spec.key()] = fast
    return fast


def launch_wide(spec, outputs, inputs, params=()):
    """`launch`, running float16 operands in float32 (converted before, stored back after);
    all-float32 kernels use the fast transcendental approximations."""
    if any(o.dtype.char == "e" for o in outputs) or any(a.dtype.char == "e" for a in inputs):
        inputs = [a.astype(np.float32) if a.dtype.char == "e" else a for a in inputs]
        wide_out = [np.empty(o.shape, _compute_dtype(o)) if o.dtype.char == "e" else o
                    for o in outputs]
    else:
        wide_out = outputs
    if all(a.dtype.char == "f" for a in inputs) and all(o.dtype.char == "f" for o in wide_out) \
            and fast_math_enabled():
        spec = fast_f32_spec(spec)
    launch(spec, wide_out, inputs, params)
    for o, w in zip(outputs, wide_out):
        if w is not o:
            o[...] = w


def scalar_param(value, dtype):
    """A scalar attribute as a value of `dtype`, the way MXNet's C++ `DType(value)` casts it:
    truncated toward zero and wrapped modulo 2**bits for integer dtypes."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return dtype.type(value)
    if dtype.kind == "b":
        return np.bool_(value != 0)
    if not np.isfinite(value):
        fail("scalar %s cannot be used with %s data", value, dtype.name)
    bits = 8 * dtype.itemsize
    v = int(value) & ((1 << bits) - 1)
    if dtype.kind == "i" and v >= 1 << (bits - 1):
        v -= 1 << bits
    return dtype.type(v)


class ElementwiseOp(Op):
    """An op whose outputs are computed per element by `scalar_expr`.

    `scalar_expr` is one expression, or a tuple of expressions for an op with several
    outputs (the backward of a binary op); `scalar_body` holds (name, expr) temporaries
    computed before the outputs."""

    param_names = ()     # attributes passed to the kernel as runtime scalars
    scalar_body = ()
    _spec = None

    def output_exprs(self):
        expr = self.scalar_expr
        return list(expr) if isinstance(expr, (tuple, list)) else [expr]

    def spec(self):
        spec = type(self).__dict__.get("_spec")   # per class: never a parent's spec
        if spec is None:
            names = self.input_names(None) if not self.variadic else []
            spec = ElementwiseSpec(names, self.output_exprs(), params=self.param_names,
                                   body=self.scalar_body, tag=self.name.strip("_").lower()[:24])
            type(self)._spec = spec
        return spec

    def kernel_params(self, attrs, dtype):
        return tuple(scalar_param(attrs[p], dtype) for p in self.param_names)

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        params = self.kernel_params(attrs, _compute_dtype(inputs[0]))
        launch_wide(self.spec(), outputs, inputs, params)

    def fusion_spec(self, attrs, in_dtypes):
        """How a fused kernel (compiler/ops/fused.py) evaluates this node: a FusionSpec, or
        None when the op's kernel does more than evaluate one spec on broadcast inputs.
        Subclasses with their own `cpu_kernel` must override this to be fusable."""
        if type(self).cpu_kernel is not ElementwiseOp.cpu_kernel or self.variadic:
            return None
        return FusionSpec(self.spec(), self.kernel_params(attrs, compute_type(in_dtypes[0])))

    @property
    def kernels(self):
        return {"cpu": self.cpu_kernel}


class FusionSpec:
    """What the fusion pass needs of an elementwise node: its `spec`, the runtime `params`
    (values in the kernel's compute dtype) and, per input, the dtype name the kernel converts
    that input to before evaluating the spec (None: used as stored)."""

    __slots__ = ("spec", "params", "convert")

    def __init__(self, spec, params=(), convert=None):
        self.spec = spec
        self.params = tuple(params)
        self.convert = convert


def compute_type(dtype_name):
    """The NumPy scalar type a kernel computes in for data of `dtype_name` (float16 -> float32)."""
    return np.float32 if dtype_name == "float16" else np.dtype(dtype_name).type


class UnaryOp(ElementwiseOp):
    arguments = ("data",)
    inplace = ((0, 0),)

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]


class BinaryOp(ElementwiseOp):
    """Same-shape binary op (elemwise_add ...): shapes must match exactly."""

    arguments = ("lhs", "rhs")
    inplace = ((0, 0), (1, 0))

    def infer_shape(self, attrs, in_shapes):
        return same_shape(attrs, in_shapes, names=("lhs", "rhs"))


def broadcast_shape(lshape, rshape):
    """NumPy/MXNet broadcast of two shapes; OpError naming both when incompatible."""
    ndim = max(len(lshape), len(rshape))
    left = (1,) * (ndim - len(lshape)) + tuple(lshape)
    right = (1,) * (ndim - len(rshape)) + tuple(rshape)
    out = []
    for a, b in zip(left, right):
        if a != b and a != 1 and b != 1:
            fail("operands could not be broadcast together with shapes %s %s",
                 tuple(lshape), tuple(rshape))
        out.append(b if a == 1 else a)
    return tuple(out)


class BroadcastOp(ElementwiseOp):
    arguments = ("lhs", "rhs")

    def infer_shape(self, attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return list(in_shapes), [None]
        return list(in_shapes), [broadcast_shape(lhs, rhs)]


class ScalarOp(ElementwiseOp):
    """`data (op) scalar`: MXNet's `_plus_scalar` family; the scalar is a runtime argument.

    As in MXNet 1.9.1 (NumpyBinaryScalarParam): the result has the input's dtype and the
    scalar is cast to it (`DType(scalar)`: truncated for integer data), except that integer
    data with `is_int=False` gives float64 and bool data gives int64 (float64 if not is_int);
    the Python frontend never sets is_int, so it stays True."""

    arguments = ("data",)
    attrs = dict(scalar=Attr("float", 1.0), is_int=Attr("bool", True))
    param_names = ("scalar",)
    inplace = ((0, 0),)

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def infer_type(self, attrs, in_types):
        return list(in_types), [scalar_result_type(in_types[0], attrs.is_int)]

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        x, out = inputs[0], outputs[0]
        if x.dtype != out.dtype:   # int data with a float scalar, bool data: compute in out's dtype
            x = x.astype(out.dtype)
        params = self.kernel_params(attrs, _compute_dtype(out))
        launch_wide(self.spec(), outputs, [x] + list(inputs[1:]), params)

    def fusion_spec(self, attrs, in_dtypes):
        if type(self).cpu_kernel is not ScalarOp.cpu_kernel:
            return None
        out = scalar_result_type(in_dtypes[0], attrs.is_int)
        convert = [out if out != in_dtypes[0] else None] + [None] * (len(in_dtypes) - 1)
        return FusionSpec(self.spec(), self.kernel_params(attrs, compute_type(out)), convert)


def scalar_result_type(dtype, is_int):
    """Output dtype of a scalar op (MXNet's NumpyBinaryScalarType)."""
    if dtype is None:
        return None
    if dtype == "bool":
        return "int64" if is_int else "float64"
    if dtype not in FLOAT_TYPES and not is_int:
        return "float64"
    return dtype
