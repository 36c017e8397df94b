"""mx.optimizer: weight-update rules (MXNet 1.9.1), the optimizer registry and Updater.

    opt = mx.optimizer.create('sgd', learning_rate=0.1, momentum=0.9)
    updater = mx.optimizer.get_updater(opt)
    updater(0, grad, weight)            # weight updated in place

Updates run as fused kernels generated from kernels/codegen/optimizer.py through the registered
update ops (sgd_mom_update, adam_update, ...) or directly (see fused.py).
"""
from . import optimizer
from .optimizer import Optimizer, register, create, Test
from .sgd import SGD, ccSGD, NAG, Signum, DCASGD, SGLD
from .adaptive import Adam, AdaGrad, RMSProp, AdaDelta, Ftrl, Adamax, Nadam, FTML
from .large_batch import LARS, LAMB
from .updater import Updater, get_updater

__all__ = ["Optimizer", "register", "create", "Test", "SGD", "ccSGD", "NAG", "Signum",
           "DCASGD", "SGLD", "Adam", "AdaGrad", "RMSProp", "AdaDelta", "Ftrl", "Adamax",
           "Nadam", "FTML", "LARS", "LAMB", "Updater", "get_updater"]

for _name in __all__:            # mx.optimizer.optimizer.SGD works as in MXNet
    if not hasattr(optimizer, _name):
        setattr(optimizer, _name, globals()[_name])
del _name
