"""mx.mod: Module (symbolic training with data iterators)."""
from .base_module import BaseModule  # noqa: F401
from .module import Module  # noqa: F401
from .executor_group import DataParallelExecutorGroup  # noqa: F401
