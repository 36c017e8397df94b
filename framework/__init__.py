"""MXNet 1.x's Python API on a compiler-style graph framework with Numba kernels.

    import framework as mx
"""
import kernels  # noqa: F401  (fixes the kernel cache location before Numba is imported)

from . import base
from .base import MXNetError
from . import context
from .context import Context, cpu, gpu, cpu_pinned, current_context, num_gpus
from . import autograd
from . import random
from . import ndarray
from . import ndarray as nd
from . import name
from . import attribute
from .attribute import AttrScope
from . import symbol
from . import symbol as sym
from . import executor
from . import viz

__version__ = "1.9.1"
