"""The generated CPU optimizer kernels (kernels/codegen/optimizer.py -> kernels/cpu/optimizer.py):
in-place outputs keep the update loop vectorized, exact specs compile without fastmath, and
bad launches raise before a kernel runs.  Values are checked bit for bit against MXNet 1.9.1
by test_optimizer.py and tests/ops/test_optimizer_semantics.py."""
import re

import numpy as np
import pytest

from compiler.errors import MXNetError
from kernels.codegen import optimizer as F
from kernels.codegen.elementwise import ElementwiseSpec, generate_source
from kernels.cpu.optimizer import run


def _llvm_ir(spec, arrays, params):
    """The LLVM IR of the spec's generated kernel (compiled here uncached: Numba cannot
    inspect code loaded from its cache)."""
    scope = {}
    source = generate_source(spec, 1, False).replace("cache=True", "cache=False")
    exec(compile(source, "<%s>" % spec.tag, "exec"), scope)
    fn = scope["kernel"]
    fn(*arrays, *params)
    return fn.inspect_llvm(fn.signatures[0])


@pytest.mark.parametrize("spec", [F.SGD_MOM, F.ADAM], ids=lambda s: s.tag)
def test_in_place_update_loop_is_vectorized(spec):
    arrays = [np.ones(64, np.float32) for _ in spec.inputs]
    ir = _llvm_ir(spec, arrays, F.example_params(spec, np.float32))
    assert re.search(r"fmul <\d+ x float>", ir), "the update loop was not vectorized"
    assert "fast" not in re.findall(r"fmul[^%]*", ir)[0]      # no fastmath flags


def test_run_updates_in_place_and_keeps_float32():
    w = np.array([1.0, -2.0, 3.0], np.float32)
    g = np.array([0.5, 0.5, -10.0], np.float32)
    mom = np.zeros(3, np.float32)
    f = np.float32
    run(F.SGD_MOM, [w, g, mom], (f(0.9), f(0.0), f(0.1), f(1.0), f(0.1), f(1.0), f(0)))
    np.testing.assert_array_equal(mom, np.array([-0.05, -0.05, 0.1], np.float32))
    np.testing.assert_array_equal(w, np.array([1, -2, 3], np.float32) + mom)
    assert w.dtype == mom.dtype == np.float32


def test_bad_launches_raise():
    f = np.float32(0.5)
    with pytest.raises(MXNetError, match="arrays must be 1-d of one size"):
        run(F.AXPY, [np.ones(4, np.float32), np.ones(3, np.float32)], (f,))
    with pytest.raises(MXNetError, match="expects 2 arrays and 1 scalars"):
        run(F.AXPY, [np.ones(4, np.float32)], (f,))
    with pytest.raises(MXNetError, match="arrays must be 1-d"):
        run(F.AXPY, [np.ones((2, 2), np.float32), np.ones(4, np.float32)], (f,))
    with pytest.raises(ValueError, match="inplace"):
        ElementwiseSpec(("a", "b"), ["a", "b"], inplace=("a", "a"))
    with pytest.raises(ValueError, match="inplace"):
        ElementwiseSpec(("a",), ["a"], inplace=("c",))
