"""Numba CUDA access for the kernel library: the import guard, simulator detection, launch
sizes and the argument checks every kernel runs in Python before its launch.

`numba-cuda` (the optional extra `cuda`) provides `from numba import cuda`.  With
NUMBA_ENABLE_CUDASIM=1 (set before numba is imported) the same kernels run in Numba's CUDA
simulator: every CUDA thread is a Python thread, so launch sizes shrink there (BLOCK,
TILE) and the warp-shuffle paths, which the simulator lacks, are switched off (SHUFFLE).
"""
import os

import numpy as np

from compiler.errors import MXNetError, MXNetTypeError, MXNetValueError

try:
    import numba
    from numba import cuda
    _IMPORT_ERROR = None
except Exception as err:          # numba-cuda (or its CUDA bindings) missing
    cuda = None
    _IMPORT_ERROR = err

SIMULATOR = bool(cuda is not None and numba.config.ENABLE_CUDASIM)
if cuda is not None and "NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS" not in os.environ:
    # tiny arrays launch small grids by design: no warning per launch (set the variable to
    # get Numba's warnings back)
    numba.config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

# Threads per block of the block-per-row kernels (reductions, softmax, norms), a power of 2;
# the simulator pays ~5 ms per thread and syncthreads, so it runs tiny blocks.
BLOCK = 8 if SIMULATOR else 256
# Threads per block of grid-stride elementwise kernels, and the cap on their blocks.
EW_THREADS = 32 if SIMULATOR else 256
EW_MAX_BLOCKS = 4 if SIMULATOR else 65535
# GEMM tile edge (a TILE x TILE thread block computes a TILE x TILE output tile).
TILE = 4 if SIMULATOR else 16
WARP = 32
SHUFFLE = not SIMULATOR           # warp shuffles: real GPUs only (the simulator lacks them)


def require():
    """The numba.cuda module; MXNetError when numba-cuda is not installed or unusable."""
    if cuda is None:
        raise MXNetError("CUDA kernels need numba-cuda (pip install "
                         "'mxnet-numba-framework[cuda]'); importing it failed: %s" % _IMPORT_ERROR)
    return cuda


def grid_for(n, threads=None, max_blocks=None):
    """(blocks, threads) for a grid-stride loop over `n` items."""
    threads = threads or EW_THREADS
    blocks = max(1, min(max_blocks or EW_MAX_BLOCKS, (int(n) + threads - 1) // threads))
    return blocks, threads


def rows_grid(rows):
    """(blocks, threads) for block-per-row kernels that stride over the rows."""
    limit = 8 if SIMULATOR else 65535
    return max(1, min(int(rows), limit)), BLOCK


def is_device_array(a):
    """A numba device array (DeviceNDArray, or the simulator's FakeCUDAArray)."""
    return (cuda is not None and not isinstance(a, np.ndarray) and hasattr(a, "copy_to_host")
            and hasattr(a, "is_c_contiguous"))


def check_array(op, name, a, ndim=None, dtypes=None, shape=None, contiguous=True):
    """Validate one argument of a CUDA kernel; MXNetError naming op, argument, shape, dtype."""
    if not is_device_array(a):
        raise MXNetTypeError("%s: argument '%s' must be a CUDA device array, got %s"
                             % (op, name, type(a).__name__))
    if ndim is not None and len(a.shape) not in (ndim if isinstance(ndim, tuple) else (ndim,)):
        raise MXNetValueError("%s: argument '%s' must be %s-d, got shape %s"
                              % (op, name, ndim, tuple(a.shape)))
    if dtypes is not None and np.dtype(a.dtype).name not in dtypes:
        raise MXNetTypeError("%s: argument '%s' has dtype %s; supported: %s"
                             % (op, name, np.dtype(a.dtype).name, ", ".join(dtypes)))
    if shape is not None and tuple(a.shape) != tuple(shape):
        raise MXNetValueError("%s: argument '%s' has shape %s, expected %s"
                              % (op, name, tuple(a.shape), tuple(shape)))
    if contiguous and a.size and not a.is_c_contiguous():
        raise MXNetValueError("%s: argument '%s' (shape %s) must be C-contiguous"
                              % (op, name, tuple(a.shape)))
    return a


def same_dtype(op, arrays):
    """Every (name, array) pair shares the first one's dtype."""
    name0, a0 = arrays[0]
    for name, a in arrays[1:]:
        if a.dtype != a0.dtype:
            raise MXNetTypeError("%s: argument '%s' has dtype %s but '%s' has %s"
                                 % (op, name, np.dtype(a.dtype).name, name0,
                                    np.dtype(a0.dtype).name))


def flat(a):
    """A C-contiguous device array as a 1-D view (no copy)."""
    return a.reshape(a.size) if len(a.shape) != 1 else a


def empty(shape, dtype):
    return require().device_array(tuple(shape), dtype=np.dtype(dtype))


def to_device(x):
    return require().to_device(np.ascontiguousarray(x))


FLOATS = ("float32", "float64")
NUMERIC = ("float32", "float64", "int8", "uint8", "int32", "int64")
