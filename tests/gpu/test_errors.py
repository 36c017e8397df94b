"""Bad input raises MXNetError (naming the op, the argument, shapes and dtypes) before any
launch; the process never crashes.  Also the registry's CUDA dispatch."""
import numpy as np
import pytest
from numba import cuda

from compiler.errors import MXNetError, MXNetIndexError, MXNetTypeError, MXNetValueError
from compiler.ops import registry
from kernels.codegen.elementwise import ElementwiseSpec
from kernels.cuda import codegen, conv, dispatch, gemm, indexing, norm, philox, pool, softmax
from kernels.cuda.dispatch import coverage, lookup

D = cuda.to_device


def _z(*shape, dtype=np.float32):
    return cuda.device_array(shape, dtype)


def test_host_arrays_are_rejected():
    spec = ElementwiseSpec(("a",), ["a"], tag="test_err_copy")
    with pytest.raises(MXNetTypeError, match="must be a CUDA device array, got ndarray"):
        codegen.launch(spec, [_z(3)], [np.zeros(3, np.float32)], op="copy")


def test_shape_errors_name_op_and_shapes():
    add = ElementwiseSpec(("a", "b"), ["a + b"], tag="test_err_add")
    with pytest.raises(MXNetValueError, match=r"add: input 'b' of shape \(4,\) does not "
                                              r"broadcast to \(2, 3\)"):
        codegen.launch(add, [_z(2, 3)], [_z(2, 3), _z(4)], op="add")
    with pytest.raises(MXNetValueError, match="expects 2 inputs and 1 outputs, got 1 and 1"):
        codegen.launch(add, [_z(2, 3)], [_z(2, 3)])
    with pytest.raises(MXNetValueError, match="dot: lhs \\(2, 3\\) X rhs \\(4, 5\\)"):
        gemm.dot(_z(2, 3), _z(4, 5), _z(2, 5))
    with pytest.raises(MXNetValueError, match="num_group=2 do not match"):
        conv.forward(_z(1, 3, 4, 4), _z(2, 1, 2, 2), _z(1, 2, 3, 3),
                     (1, 2, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 3, 3), groups=2)
    with pytest.raises(MXNetValueError, match="mask shape \\(3,\\) does not broadcast"):
        philox.dropout(_z(2, 3), _z(2, 3), _z(3), 0.5, 1)
    with pytest.raises(MXNetValueError, match="argument 'gamma' has shape \\(4,\\), expected"):
        norm.batch_norm(_z(2, 3), _z(4), _z(3), _z(3), _z(3), _z(2, 3), _z(3), _z(3))


def test_dtype_errors():
    with pytest.raises(MXNetTypeError, match="argument 'rhs' has dtype float64 but 'lhs' has "
                                             "float32"):
        gemm.dot(_z(2, 3), _z(3, 4, dtype=np.float64), _z(2, 4))
    with pytest.raises(MXNetTypeError, match="Pooling: argument 'data' has dtype int32"):
        pool.forward(_z(1, 1, 4, 4, dtype=np.int32), _z(1, 1, 2, 2, dtype=np.int32),
                     (1, 2, 2, 1, 2, 2, 0, 0, 0), "max")
    with pytest.raises(MXNetTypeError, match="softmax: argument 'length' has dtype float32"):
        softmax.forward(_z(2, 3), _z(2, 3), 1, 1.0, lengths=_z(2))


def test_take_raise_mode_reads_back_one_flag():
    a = D(np.arange(8, dtype=np.float32).reshape(4, 2))
    with pytest.raises(MXNetIndexError, match="index 3.5 is out of bounds for axis 0 with size 4"):
        indexing.take(a, D(np.array([0, 3.5, -1], np.float32)), _z(3, 2), mode="raise")
    out = _z(2, 2)
    indexing.take(a, D(np.array([3, 0], np.float32)), out, mode="raise")
    np.testing.assert_array_equal(out.copy_to_host(), [[6, 7], [0, 1]])


def test_registry_dispatch_for_cuda():
    relu = registry.get("relu")
    assert relu.kernel("cuda").func is codegen.run_fusion_spec
    assert registry.get("softmax").kernel("cuda").func is softmax._forward_op
    assert relu.kernel("cpu") == relu.kernels["cpu"]            # the CPU path is unchanged
    cov = coverage()
    assert [n for n, how in cov.items() if how is None] == []      # every op has one

    class Unkernelled(registry.Op):       # an op with neither a table entry nor a spec
        name = "_test_op_without_kernels"

    assert lookup(Unkernelled()) is None
    with pytest.raises(MXNetError, match="_test_op_without_kernels: no cuda kernel is "
                                         "implemented yet"):
        Unkernelled().kernel("cuda")
    # "gpu" (the device name, as benchmarks/workload.py asks) finds the same CUDA kernels
    assert relu.kernel("gpu").func is codegen.run_fusion_spec
    with pytest.raises(MXNetError, match="no tpu kernel"):    # unchanged for other targets
        relu.kernel("tpu")
    assert set(dispatch.TABLE) <= set(cov)
