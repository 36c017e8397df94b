"""mx.gluon: Blocks, Parameters, Trainer, losses, layers, data, model zoo."""
from .parameter import Parameter, Constant, ParameterDict, DeferredInitializationError  # noqa
from .block import Block, HybridBlock, SymbolBlock, HookHandle  # noqa: F401
from .containers import Sequential, HybridSequential, Lambda, HybridLambda  # noqa: F401
from .trainer import Trainer  # noqa: F401
from . import nn  # noqa: F401
from . import loss  # noqa: F401
from . import rnn  # noqa: F401
from . import contrib  # noqa: F401
from . import model_zoo  # noqa: F401
from . import utils  # noqa: F401
from . import data  # noqa: F401
