"""The float32 approximations fused kernels use (kernels/codegen/scalar.py: fast_exp_f32,
fast_sigmoid_f32, fast_tanh_f32): accuracy in ulps against float64 over the whole range,
special values (NaN, +-inf, overflow, underflow, subnormal results), and the exact
functions for float64 arguments.  Evaluated inside a generated kernel, under the kernels'
fastmath flags, as the fusion pass uses them."""
import numpy as np
import pytest

from kernels.codegen.elementwise import ElementwiseSpec, launch

SPEC = ElementwiseSpec(["x"], ["fast_exp_f32(x)", "fast_sigmoid_f32(x)", "fast_tanh_f32(x)"],
                       tag="test_fast_f32")
FUNCS = {"exp": np.exp, "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)), "tanh": np.tanh}
MAX_ULP = {"exp": 1.5, "sigmoid": 3.0, "tanh": 1.5}


def _run(x):
    outs = [np.empty_like(x) for _ in range(3)]
    launch(SPEC, outs, [x])
    return dict(zip(FUNCS, outs))


def _inputs():
    rng = np.random.default_rng(3)
    return np.concatenate([rng.uniform(-104, 89, 1 << 16), rng.standard_normal(1 << 16) * 3,
                           rng.uniform(-1e-3, 1e-3, 1 << 12), np.linspace(-12, 12, 1 << 15),
                           [0.625, -0.625, 0.6249999, 88.72, -87.3, 1e-30, -1e-30]]
                          ).astype(np.float32)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_accuracy_in_ulps(name):
    x = _inputs()
    got = _run(x)[name].astype(np.float64)
    with np.errstate(over="ignore"):
        exact = FUNCS[name](x.astype(np.float64))
        rounded = exact.astype(np.float32)
    normal = np.isfinite(rounded) & (np.abs(rounded) >= np.finfo(np.float32).tiny)
    ulps = np.abs(got[normal] - exact[normal]) / np.spacing(np.abs(rounded[normal]))
    assert ulps.max() <= MAX_ULP[name], (name, x[normal][np.argmax(ulps)], ulps.max())
    rel = np.abs(got[normal] - exact[normal]) / np.abs(exact[normal])
    assert rel.max() < 3e-7
    # results that round to subnormals or to zero are within one subnormal step
    tiny = np.isfinite(rounded) & ~normal
    assert np.all(np.abs(got[tiny] - exact[tiny]) <= 2 * 2.0 ** -149)


def test_special_values():
    x = np.array([np.nan, np.inf, -np.inf, 88.8, -104.5, -200.0, 0.0, -0.0, 1e-30, -1e-30,
                  30.0, -30.0], np.float32)
    r = _run(x)
    np.testing.assert_array_equal(r["exp"][:10], [np.nan, np.inf, 0, np.inf, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(r["sigmoid"][:8], [np.nan, 1, 0, 1, 0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(r["tanh"], np.array([np.nan, 1, -1, 1, -1, -1, 0, 0, 1e-30,
                                                       -1e-30, 1, -1], np.float32))
    np.testing.assert_allclose(r["exp"][10:], np.exp(x[10:].astype(np.float64)), rtol=2e-7)
    np.testing.assert_allclose(r["sigmoid"][11], 1 / (1 + np.exp(30.0)), rtol=3e-7)


def test_float64_arguments_use_the_exact_functions():
    x = np.linspace(-20, 20, 1001)
    r = _run(x)
    np.testing.assert_allclose(r["exp"], np.exp(x), rtol=1e-15)
    np.testing.assert_allclose(r["tanh"], np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(r["sigmoid"], 1 / (1 + np.exp(-x)), rtol=1e-14)
