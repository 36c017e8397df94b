"""Every registered operator: kernel vs NumPy reference, and gradient vs finite differences."""
import importlib
import pkgutil

import numpy as np
import pytest

from compiler.ops import registry
from tests.ops import cases as cases_pkg
from tests.ops.harness import (run_op, run_reference, tolerance, numeric_gradient,
                               analytic_gradient)

CASES, EXEMPT = [], {}
for _mod in pkgutil.iter_modules(cases_pkg.__path__):
    _m = importlib.import_module("tests.ops.cases." + _mod.name)
    CASES += getattr(_m, "CASES", [])
    EXEMPT.update(getattr(_m, "EXEMPT", {}))

FORWARD = [(c, dt) for c in CASES for dt in c.dtypes]
GRADIENT = [c for c in CASES if c.grad and registry.get(c.op).differentiable]


def test_every_op_has_a_case():
    covered = {registry.get(c.op).name for c in CASES} | set(EXEMPT)
    missing = sorted(op.name for op in registry.all_ops() if op.name not in covered)
    assert not missing, "registered ops without a test case: %s" % missing


@pytest.mark.parametrize("case,dtype", FORWARD, ids=[c.id(dt) for c, dt in FORWARD])
def test_forward_matches_reference(case, dtype):
    arrays = case.make_inputs(dtype)
    ours, ours_in = run_op(case, arrays)
    ref, ref_in = run_reference(case, arrays)
    rtol, atol = tolerance(case, dtype)
    assert len(ours) == len(ref)
    for k, (a, b) in enumerate(zip(ours, ref)):
        b = np.asarray(b)
        assert a.shape == b.shape, "output %d: shape %s vs reference %s" % (k, a.shape, b.shape)
        assert a.dtype == b.dtype, "output %d: dtype %s vs reference %s" % (k, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg="output %d" % k)
    for k, (a, b) in enumerate(zip(ours_in, ref_in)):  # aux states updated in place
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg="input %d after call" % k)


@pytest.mark.parametrize("case", GRADIENT, ids=[c.id() for c in GRADIENT])
def test_gradient_matches_finite_differences(case):
    arrays = case.make_inputs("float64")
    indices = case.grad_inputs
    if indices is None:
        indices = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    ref, _ = run_reference(case, arrays)
    rng = np.random.default_rng(7)
    head_grads = [rng.uniform(-1, 1, np.shape(o)).astype(np.float64) for o in ref]
    analytic = analytic_gradient(case, arrays, head_grads, indices)
    for i, g in zip(indices, analytic):
        numeric = numeric_gradient(case, arrays, head_grads, i)
        np.testing.assert_allclose(g, numeric, rtol=case.grad_rtol, atol=case.grad_atol,
                                   err_msg="gradient of input %d" % i)
