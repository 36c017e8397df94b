"""mx.gluon.rnn: recurrent cells (unrolled step by step) and fused recurrent layers."""
from .rnn_cell import *  # noqa: F401,F403
from .rnn_cell_containers import *  # noqa: F401,F403
from .rnn_layer import *  # noqa: F401,F403
from .rnn_cell import __all__ as _cells
from .rnn_cell_containers import __all__ as _containers
from .rnn_layer import __all__ as _layers

__all__ = _cells + _containers + _layers
