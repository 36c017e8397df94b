"""mx.gluon.model_zoo: model definitions (weights are loaded from local files)."""
from . import vision  # noqa: F401
from .model_store import get_model_file  # noqa: F401
