"""Every op case of tests/ops whose op has a CUDA kernel: the kernel (in Numba's CUDA
simulator, or on a GPU) against the op's NumPy reference, at the cases' tiny shapes.

In the simulator every case runs in one dtype (float32 where it has it: tests/gpu/test_*.py
cover float64 per family); on a GPU the families run every dtype of the case.  Cases above
MAX_ELEMENTS are left to real GPUs.
Unsupported combinations must raise MXNetError (see UNSUPPORTED)."""
import importlib
import pkgutil

import numpy as np
import pytest

from compiler.errors import MXNetError
from compiler.ops import registry
from kernels.cuda import dispatch
from kernels.cuda.runtime import SIMULATOR
from tests.gpu.harness import assert_matches
from tests.ops import cases as cases_pkg
from tests.ops.harness import tolerance

MAX_ELEMENTS = 600 if SIMULATOR else 10 ** 6
# random draws differ from the CPU generator's by design (Philox): tests/gpu/test_philox.py,
# test_ndarray_gpu.py and test_ops_contexts.py check them against the host Philox oracle
RANDOM = {"Dropout", "LeakyReLU-rrelu_train", "_random_uniform", "_random_normal",
          "_random_randint", "_shuffle", "RNN-lstm-dropout", "RNN-gru-dropout-l3"}
# a GEMM launch per time step costs the simulator ~1 s per RNN case: there
# tests/gpu/test_rnn_gpu.py checks every mode and feature against the CPU kernel
SIM_SLOW = {"RNN", "_backward_RNN"}
# float -> integer conversions out of range (C leaves them undefined; the simulator's NumPy
# scalars raise instead of wrapping)
SIM_INT_OVERFLOW = {"_hypot_scalar-int_neg-uint8", "_power_scalar-int-uint8",
                    "_power_scalar-int_neg-int32", "_power_scalar-int_neg-uint8",
                    "log2-int32"}
# hand-written families run float32/float64 only (GEMM, conv, pool, norms, optimizers)
FLOAT16_FAMILIES = {"dot", "_backward_dot", "batch_dot", "FullyConnected", "Convolution",
                    "_backward_Convolution", "Pooling", "_backward_Pooling", "BatchNorm",
                    "_backward_BatchNorm", "LayerNorm", "_backward_LayerNorm", "sgd_update",
                    "sgd_mom_update", "adam_update", "nag_mom_update", "rmsprop_update",
                    "rmspropalex_update", "signsgd_update", "InstanceNorm",
                    "_backward_InstanceNorm", "GroupNorm", "_backward_GroupNorm",
                    "L2Normalization", "_backward_L2Normalization", "Deconvolution",
                    "_backward_Deconvolution", "LRN", "_backward_LRN", "UpSampling",
                    "_backward_UpSampling", "softmax_cross_entropy",
                    "_backward_softmax_cross_entropy", "LeakyReLU-rrelu_train",
                    "_backward_SoftmaxOutput"}
INT_GEMM = {"dot", "batch_dot", "FullyConnected"}


def _cases():
    out = []
    for mod in pkgutil.iter_modules(cases_pkg.__path__):
        out += getattr(importlib.import_module("tests.ops.cases." + mod.name), "CASES", [])
    return out


COVERAGE = dispatch.coverage()
RUNS, UNSUPPORTED = [], []
for _case in _cases():
    _name = registry.get(_case.op).name
    if not COVERAGE.get(_name) or _name in RANDOM or _case.id() in RANDOM \
            or (SIMULATOR and _name in SIM_SLOW):
        continue
    if sum(int(np.prod(s)) for s in _case.shapes) > MAX_ELEMENTS:
        continue
    _dtypes = _case.dtypes
    if len(_dtypes) > 1 and (SIMULATOR or COVERAGE[_name] == "elementwise"):
        _dtypes = ("float32",) if "float32" in _dtypes else _dtypes[:1]
    for _dt in _case.dtypes:
        if _dt not in _dtypes and not (_dt == "float16" and _name in FLOAT16_FAMILIES):
            continue
        _id = _case.id(_dt)
        if (_dt == "float16" and (_name in FLOAT16_FAMILIES or _case.id() in FLOAT16_FAMILIES)) \
                or (_dt == "int32" and _name in INT_GEMM):
            UNSUPPORTED.append((_case, _dt))
        elif not (SIMULATOR and _id in SIM_INT_OVERFLOW):
            RUNS.append((_case, _dt))


@pytest.mark.parametrize("case,dtype", RUNS, ids=[c.id(dt) for c, dt in RUNS])
def test_cuda_kernel_matches_reference(case, dtype):
    arrays = case.make_inputs(dtype)
    if sum(a.size for a in arrays) > MAX_ELEMENTS:
        pytest.skip("inputs larger than the simulator budget")
    rtol, atol = tolerance(case, dtype)
    assert_matches(case.op, case.attrs, arrays, case.is_train, rtol, atol)


@pytest.mark.parametrize("case,dtype", UNSUPPORTED[:6], ids=[c.id(dt) for c, dt in UNSUPPORTED[:6]])
def test_unsupported_dtype_raises(case, dtype):
    with pytest.raises(MXNetError, match="dtype"):
        assert_matches(case.op, case.attrs, case.make_inputs(dtype), case.is_train)


def test_most_registered_ops_have_a_cuda_kernel():
    covered = [n for n, how in COVERAGE.items() if how]
    assert len(covered) >= 290, len(covered)
    for name in ("sum", "softmax", "dot", "Convolution", "Pooling", "BatchNorm", "LayerNorm",
                 "Dropout", "Embedding", "take", "one_hot", "sgd_update", "adam_update",
                 "relu", "broadcast_add", "transpose", "rmsprop_update", "mp_nag_mom_update",
                 "tile", "Pad", "InstanceNorm", "GroupNorm", "L2Normalization", "Deconvolution",
                 "topk", "sort", "argsort", "UpSampling", "LRN", "gather_nd",
                 "softmax_cross_entropy", "SequenceMask", "RNN", "_backward_RNN"):
        assert COVERAGE[name], name
