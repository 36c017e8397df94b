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
from . import io
from . import metric
from . import lr_scheduler
from . import optimizer
from . import initializer
from . import initializer as init
from . import onnx
from . import profiler
from . import gluon
from . import model
from . import callback
from . import module
from . import module as mod
from . import kvstore
from . import kvstore as kv

__version__ = "1.9.1"
