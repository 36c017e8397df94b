"""The CUDA target of the elementwise code generator: one ElementwiseSpec, two sources; the
CUDA spelling of NumPy-only calls; broadcasting by strides with dimension collapsing;
float16 loads/stores; the on-disk cache keyed by source + target salt."""
import numpy as np
import pytest
from numba import cuda

from kernels import cache
from kernels.codegen.elementwise import CudaLayout, ElementwiseSpec, cuda_expr, generate_source
from kernels.cuda import codegen

SPEC = ElementwiseSpec(("x", "y"), ["maximum(np.floor(x), y) * s", "fast_exp_f32(x) - y"],
                       params=("s",), tag="test_two_out")


def test_one_spec_two_sources():
    cpu = generate_source(SPEC, 2, False)
    assert cpu == generate_source(SPEC, 2, False, target="cpu")
    assert "@njit(" in cpu and "cuda" not in cpu and "np.floor(x)" in cpu
    src = generate_source(SPEC, 2, False, target="cuda",
                          layout=CudaLayout(("c", "s"), (None, None), (None, "float16")))
    assert "@cuda.jit(cache=True)" in src and "from kernels.codegen.scalar_cuda import *" in src
    assert "def kernel(out0, out1, in0, in1, p_s, _n, _d1, _s1_0, _s1_1):" in src
    assert "x = in0[_i]" in src and "y = in1[_i0 * _s1_0 + _i1 * _s1_1]" in src
    assert "out0[_i] = maximum(math.floor(x), y) * s" in src
    assert "out1[_i] = np.float16(math.exp(x) - y)" in src
    assert "_i += _step" in src
    with pytest.raises(ValueError):
        generate_source(SPEC, 1, False, target="opencl")


def test_cuda_spelling_of_cpu_only_calls():
    assert cuda_expr("np.trunc(a) + np.cbrt(b) + fast_tanh_f32(c)") == \
        "math.trunc(a) + cbrt(b) + math.tanh(c)"
    assert cuda_expr("fast_sigmoid_f32(np.abs(a))") == "sigmoid(abs(a))"


def test_two_outputs_broadcast_and_float16():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (2, 3, 4)).astype(np.float32)
    y = rng.uniform(-3, 3, (3, 1)).astype(np.float32)
    o0 = cuda.device_array(x.shape, np.float32)
    o1 = cuda.device_array(x.shape, np.float16)
    codegen.launch(SPEC, [o0, o1], [cuda.to_device(x), cuda.to_device(y)], (np.float32(2),))
    np.testing.assert_allclose(o0.copy_to_host(), np.maximum(np.floor(x), y) * 2, rtol=1e-6)
    np.testing.assert_allclose(o1.copy_to_host(), (np.exp(x) - y).astype(np.float16),
                               rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("xs,ys", [((2, 3, 4), (4,)), ((2, 3, 4), (2, 1, 4)), ((5,), (1,)),
                                   ((2, 1, 3), (1, 4, 1)), ((), ())])
def test_broadcast_shapes(xs, ys):
    spec = ElementwiseSpec(("a", "b"), ["a - b"], tag="test_sub")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(xs), rng.standard_normal(ys)
    out = np.broadcast_shapes(xs, ys)
    o = cuda.device_array(out, np.float64)
    codegen.launch(spec, [o], [cuda.to_device(np.broadcast_to(a, out).copy()), cuda.to_device(b)])
    np.testing.assert_array_equal(o.copy_to_host(), a - b)


def test_collapse_gives_one_dimension_for_row_broadcast():
    spec = ElementwiseSpec(("a", "b"), ["a * b"], tag="test_rowmul")
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    b = np.arange(12, dtype=np.float32).reshape(1, 3, 4)     # (1, 12) after collapsing
    o = cuda.device_array(a.shape, np.float32)
    codegen.launch(spec, [o], [cuda.to_device(a), cuda.to_device(b)])
    np.testing.assert_array_equal(o.copy_to_host(), a * b)
    assert {k[1] for k in codegen._kernels if k[0] == spec.key()} == {2}


def test_generated_modules_are_cached_by_source_and_target():
    before = dict(codegen._kernels)
    k1 = codegen.get_kernel(SPEC, 1, CudaLayout(("c", "c")))
    assert codegen.get_kernel(SPEC, 1, CudaLayout(("c", "c"))) is k1
    src = generate_source(SPEC, 1, False, target="cuda", layout=CudaLayout(("c", "c")))
    mod = cache.load_source(src, "cuda_" + SPEC.tag, salt=codegen.target_salt())
    assert mod.kernel is k1 and mod.__file__.startswith(cache.GEN_DIR)
    other = cache.load_source(src, "cuda_" + SPEC.tag, salt="another target")
    assert other.__name__ != mod.__name__
    assert set(before) <= set(codegen._kernels)


def test_fill_and_integer_dtypes():
    o = cuda.device_array((3, 2), np.int32)
    codegen.fill(o, 7)
    np.testing.assert_array_equal(o.copy_to_host(), np.full((3, 2), 7, np.int32))
    spec = ElementwiseSpec(("a", "b"), ["div(a, b)", "mod(a, b)"], tag="test_intdiv")
    a = np.array([7, -7, 7, -7, 5], np.int32)
    b = np.array([2, 2, -2, -2, 0], np.int32)
    q, r = cuda.device_array(5, np.int32), cuda.device_array(5, np.int32)
    codegen.launch(spec, [q, r], [cuda.to_device(a), cuda.to_device(b)])
    np.testing.assert_array_equal(q.copy_to_host(), [3, -3, -3, 3, 0])     # C division, x/0 = 0
    np.testing.assert_array_equal(r.copy_to_host(), [1, 1, -1, -1, 0])     # divisor's sign
