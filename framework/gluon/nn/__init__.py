"""mx.gluon.nn: neural network layers, and the Block classes and containers MXNet 1.9.1
re-exports here."""
from ..block import Block, HybridBlock, SymbolBlock  # noqa: F401
from ..containers import Sequential, HybridSequential, Lambda, HybridLambda  # noqa: F401
from .basic_layers import *  # noqa: F401,F403
from .conv_layers import *  # noqa: F401,F403
from .activations import *  # noqa: F401,F403
