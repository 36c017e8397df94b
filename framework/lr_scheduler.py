"""mx.lr_scheduler: learning-rate schedules as functions of the update count (MXNet 1.9.1).

`scheduler(num_update)` returns the learning rate; `num_update` is the largest number of
updates applied to any weight (Optimizer.num_update).  As in MXNet, FactorScheduler and
MultiFactorScheduler change `base_lr` in place as the count passes their steps (so they
expect non-decreasing counts), and Poly/Cosine write the current rate into `base_lr`.
Errors MXNet raises as ValueError / assert are MXNetValueError / MXNetAssertionError.
"""
import logging
from math import cos, pi

from .base import MXNetValueError, MXNetAssertionError

__all__ = ["LRScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler",
           "CosineScheduler"]

_CLASSES = {}


class LRScheduler:
    """Base class: `base_lr` and an optional warmup of `warmup_steps` updates that starts
    from `warmup_begin_lr` ('linear': equal increments up to base_lr; 'constant')."""

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        self.base_lr = base_lr
        if not isinstance(warmup_steps, int):
            raise MXNetAssertionError("warmup_steps must be an int, got %r" % (warmup_steps,))
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if self.warmup_begin_lr > self.warmup_final_lr:
            raise MXNetValueError("Base lr has to be higher than warmup_begin_lr")
        if self.warmup_steps < 0:
            raise MXNetValueError("Warmup steps has to be positive or 0")
        if warmup_mode not in ['linear', 'constant']:
            raise MXNetValueError("Supports only linear and constant modes of warmup")
        self.warmup_mode = warmup_mode

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _CLASSES["%s:%s" % (cls.__module__, cls.__qualname__)] = cls

    def get_warmup_lr(self, num_update):
        if not num_update < self.warmup_steps:
            raise MXNetAssertionError("get_warmup_lr: num_update %d is not below warmup_steps %d"
                                      % (num_update, self.warmup_steps))
        if self.warmup_mode == 'linear':
            increase = ((self.warmup_final_lr - self.warmup_begin_lr)
                        * float(num_update) / float(self.warmup_steps))
            return self.warmup_begin_lr + increase
        if self.warmup_mode == 'constant':
            return self.warmup_begin_lr
        raise MXNetValueError("Invalid warmup mode %s" % self.warmup_mode)

    def __call__(self, num_update):
        """The learning rate after `num_update` updates."""
        raise NotImplementedError("must override this")


_CLASSES["%s:%s" % (LRScheduler.__module__, LRScheduler.__qualname__)] = LRScheduler


def scheduler_class(key):
    """The LRScheduler subclass recorded under 'module:qualname' (for state loading)."""
    return _CLASSES.get(key)


def class_key(cls):
    return "%s:%s" % (cls.__module__, cls.__qualname__)


class FactorScheduler(LRScheduler):
    """base_lr * factor ** floor((num_update - 1) / step), floored at stop_factor_lr."""

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise MXNetValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise MXNetValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        # a while loop, not an if: training may resume at a later count
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info("Update[%d]: now learning rate arrived at %0.5e, will not "
                             "change in the future", num_update, self.base_lr)
            else:
                logging.info("Update[%d]: Change learning rate to %0.5e",
                             num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """base_lr * factor ** (number of steps s with s < num_update); `step` is an increasing
    list of ints >= 1."""

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not (isinstance(step, list) and len(step) >= 1):
            raise MXNetAssertionError("step must be a non-empty list of ints, got %r" % (step,))
        for i, _step in enumerate(step):
            if i != 0 and step[i] <= step[i - 1]:
                raise MXNetValueError("Schedule step must be an increasing integer list")
            if _step < 1:
                raise MXNetValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise MXNetValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.count = self.step[self.cur_step_ind]
                self.cur_step_ind += 1
                self.base_lr *= self.factor
                logging.info("Update[%d]: Change learning rate to %0.5e",
                             num_update, self.base_lr)
            else:
                return self.base_lr
        return self.base_lr


def _check_max_update(max_update):
    if not isinstance(max_update, int):
        raise MXNetAssertionError("max_update must be an int, got %r" % (max_update,))
    if max_update < 1:
        raise MXNetValueError("maximum number of updates must be strictly positive")


class PolyScheduler(LRScheduler):
    """final_lr + (base_lr - final_lr) * (1 - n/max_steps) ** pwr after warmup, where
    n = num_update - warmup_steps and max_steps = max_update - warmup_steps; the rate
    stays at its last value after max_update."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update(max_update)
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * \
                pow(1 - float(num_update - self.warmup_steps) / float(self.max_steps),
                    self.power)
        return self.base_lr


class CosineScheduler(LRScheduler):
    """final_lr + (base_lr - final_lr) * (1 + cos(pi * n / max_steps)) / 2 after warmup
    (n and max_steps as in PolyScheduler); constant after max_update."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update(max_update)
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * \
                (1 + cos(pi * (num_update - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr
