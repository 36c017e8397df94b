"""Kernels: Numba CPU kernels (cpu/), CUDA kernels (cuda/), generated kernels (codegen/).

Importing this package fixes where compiled kernels are cached on disk, before Numba is
imported: $MXNET_KERNEL_CACHE_DIR, else $XDG_CACHE_HOME/framework-kernels, else
~/.cache/framework-kernels.  Numba's own cache (NUMBA_CACHE_DIR) is placed under it unless
the user set NUMBA_CACHE_DIR already.  OpenMP threads wait passively (see below).
"""
import os
import sys

_default = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                        "framework-kernels")
CACHE_DIR = os.path.abspath(os.environ.get("MXNET_KERNEL_CACHE_DIR") or _default)

if "numba" not in sys.modules:
    os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(CACHE_DIR, "numba"))

# Numba's OpenMP workers spin after a parallel kernel and starve the BLAS threads that run
# next (measured: matmul + a parallel sum 28-31 ms spinning vs 2.5-7 ms passive on 2 cores).
# libgomp reads this when Numba first loads its threading layer; users may override it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
