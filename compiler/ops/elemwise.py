"""Base declarations for elementwise ops: unary, binary (same shape / broadcast), scalar.

An elementwise op declares `scalar_expr`, a Python expression over its input names
(`data`, or `lhs`/`rhs`) and attributes (`scalar`), using helpers from
kernels/codegen/scalar.py.  Its CPU kernel is generated from that expression (and the
CUDA kernel and fused kernels later come from the same source).  `reference` is an
independent NumPy implementation: the oracle the generated kernel is tested against.
"""
import numpy as np

from kernels.codegen.elementwise import ElementwiseSpec, launch
from .registry import Op, Attr, fail, same_shape

def _compute_dtype(arr):
    """float16 arithmetic runs in float32 (stored back after): Numba has no float16 math."""
    return np.float32 if arr.dtype.char == "e" else arr.dtype.type


class ElementwiseOp(Op):
    """An op whose outputs are computed per element by `scalar_expr`."""

    param_names = ()     # attributes passed to the kernel as runtime scalars
    _spec = None

    def spec(self):
        if self._spec is None:
            names = self.input_names(None) if not self.variadic else []
            type(self)._spec = ElementwiseSpec(names, [self.scalar_expr], params=self.param_names,
                                               tag=self.name.strip("_").lower()[:24])
        return self._spec

    def kernel_params(self, attrs, dtype):
        return tuple(dtype(attrs[p]) for p in self.param_names)

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        out = outputs[0]
        ctype = _compute_dtype(inputs[0])
        params = self.kernel_params(attrs, ctype)
        if out.dtype.char == "e" or any(a.dtype.char == "e" for a in inputs):
            wide_in = [a.astype(np.float32) if a.dtype.char == "e" else a for a in inputs]
            wide_out = np.empty(out.shape, _compute_dtype(out))
            launch(self.spec(), [wide_out], wide_in, params)
            out[...] = wide_out
        else:
            launch(self.spec(), [out], inputs, params)

    @property
    def kernels(self):
        return {"cpu": self.cpu_kernel}


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
    """`data (op) scalar`: MXNet's `_plus_scalar` family; the scalar is a runtime argument."""

    arguments = ("data",)
    attrs = dict(scalar=Attr("float", 1.0), is_int=Attr("bool", True))
    param_names = ("scalar",)
    inplace = ((0, 0),)

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]
