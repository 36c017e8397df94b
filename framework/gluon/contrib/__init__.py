"""mx.gluon.contrib: extra blocks MXNet 1.9 keeps outside gluon.nn."""
from . import nn  # noqa: F401
