"""tests/gpu: the CUDA kernel library (kernels/cuda/).

Runs in its own pytest process (`NUMBA_ENABLE_CUDASIM=1 python -m pytest -q tests/gpu`, a
separate command of .ci/run; tests/conftest.py keeps the default run from collecting this
directory).  Without a real GPU the simulator is switched on here, before numba is
imported; every test is marked `cudasim` when it runs in the simulator.  Tiny shapes: the
simulator runs each CUDA thread as a Python thread.
"""
import ctypes
import os
import sys
import warnings


def _has_gpu():
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


if "NUMBA_ENABLE_CUDASIM" not in os.environ and not _has_gpu():
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
NUMBA_PREIMPORTED = "numba" in sys.modules

import pytest  # noqa: E402

# the simulator computes with NumPy scalars: overflow / 0-division warnings are expected
warnings.filterwarnings("ignore", category=RuntimeWarning)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SIMULATOR:
            item.add_marker(pytest.mark.cudasim)
        if NUMBA_PREIMPORTED:
            item.add_marker(pytest.mark.skip(
                reason="numba was imported before tests/gpu/conftest.py could choose the CUDA "
                       "simulator: run tests/gpu in its own process"))


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning")
