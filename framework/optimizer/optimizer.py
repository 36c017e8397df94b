"""mx.optimizer.Optimizer: the base class, the registry (register / create) and the Test
optimizer, with MXNet 1.9.1's bookkeeping exactly: learning rate or lr_scheduler, lr_mult /
wd_mult by index, by name (param_idx2name, sym attributes) or through gluon Parameters
(param_dict), the per-index update counts behind num_update, multi-precision master
copies.  The optimizers themselves live in sgd.py and adaptive.py.
"""
import warnings

import numpy

from ..base import MXNetError, MXNetValueError, MXNetAssertionError
from .. import ndarray as nd
from ..ndarray import NDArray, zeros

__all__ = ["Optimizer", "register", "create", "Test"]

_CLASSES = {}


def class_key(cls):
    return "%s:%s" % (cls.__module__, cls.__qualname__)


def optimizer_class(key):
    """The Optimizer subclass recorded under 'module:qualname' (for state loading)."""
    return _CLASSES.get(key)


class Optimizer:
    """The base class inherited by all optimizers.

    rescale_grad multiplies the gradient (often 1/batch_size); clip_gradient clips it to
    [-clip_gradient, clip_gradient] (None/0: no clipping); learning_rate (default 0.01 when
    there is no lr_scheduler; when both are given it overwrites the scheduler's base_lr);
    wd is the weight decay; param_idx2name maps indices to names, which makes wd_mult 0
    for names not ending in _weight or _gamma; sym supplies __lr_mult__/__wd_mult__
    attributes; begin_num_update starts the update count; multi_precision keeps float32
    master copies of float16 weights; param_dict maps indices to gluon Parameters whose
    lr_mult / wd_mult take precedence.
    """

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0.,
                 clip_gradient=None, learning_rate=None,
                 lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if self.lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if self.lr_scheduler is not None and learning_rate is not None:
            if self.lr_scheduler.base_lr != learning_rate:
                print(UserWarning("learning rate from ``lr_scheduler`` has been "
                                  "overwritten by ``learning_rate`` in optimizer."))
                self.lr_scheduler.base_lr = learning_rate

        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0

        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise MXNetAssertionError(
                'param_idx2name should be a dict of param indexes to names.')
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.allow_np_array = False

        self.set_lr_mult({})
        self.set_wd_mult({})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _CLASSES[class_key(cls)] = cls

    opt_registry = {}

    @staticmethod
    def register(klass):
        """Register an optimizer class under its lower-cased class name."""
        if not isinstance(klass, type):
            raise MXNetAssertionError("register expects a class, got %r" % (klass,))
        name = klass.__name__.lower()
        if name in Optimizer.opt_registry:
            warnings.warn('WARNING: New optimizer %s.%s is overriding '
                          'existing optimizer %s.%s' %
                          (klass.__module__, klass.__name__,
                           Optimizer.opt_registry[name].__module__,
                           Optimizer.opt_registry[name].__name__))
        Optimizer.opt_registry[name] = klass
        return klass

    @staticmethod
    def create_optimizer(name, **kwargs):
        """Instantiate the optimizer registered as `name` (case insensitive)."""
        if not isinstance(name, str):
            raise MXNetValueError("optimizer name must be a str, got %r" % (name,))
        if name.lower() in Optimizer.opt_registry:
            return Optimizer.opt_registry[name.lower()](**kwargs)
        raise MXNetValueError('Cannot find optimizer %s (registered optimizers: %s)'
                              % (name, ", ".join(sorted(Optimizer.opt_registry))))

    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def create_state(self, index, weight):
        """The auxiliary state (None, an NDArray or a tuple of them) of a weight."""

    def create_state_multi_precision(self, index, weight):
        """Like create_state; with multi_precision and a float16 weight the state is
        (float32 master copy of the weight, create_state(index, master copy))."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            return (weight_master_copy,) + (self.create_state(index, weight_master_copy),)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            warnings.warn("Accumulating with float16 in optimizer can lead to "
                          "poor accuracy or slow convergence. "
                          "Consider using multi_precision=True option of the "
                          "optimizer")
        return self.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Update `weight` in place from `grad` and `state` (from create_state)."""
        raise NotImplementedError()

    def update_multi_precision(self, index, weight, grad, state):
        """update(); for float16 weights with multi_precision the update runs on the
        float32 master copy, which is then cast into the weight."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = state[0]
            original_state = state[1]
            grad32 = grad.astype(numpy.float32)
            self.update(index, weight_master_copy, grad32, original_state)
            nd.Cast(weight_master_copy, dtype=weight._data.dtype.name, out=weight)
        else:
            self.update(index, weight, grad, state)

    def set_learning_rate(self, lr):
        """Set the learning rate (only when there is no lr_scheduler)."""
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been "
                              "defined. Note that set_learning_rate can mutate "
                              "the value of the learning rate of the optimizer "
                              "only when the LRScheduler of the optimizer is "
                              "undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):  # pylint: disable=unused-argument
        """[DEPRECATED] Use set_lr_mult."""
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Learning-rate multipliers by parameter name or index (replaces the previous
        ones); the sym's __lr_mult__ attributes come first."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and '__lr_mult__' in attr[name]:
                    self.lr_mult[name] = float(attr[name]['__lr_mult__'])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Weight-decay multipliers by name or index.  Every name in param_idx2name that
        does not end in '_weight' or '_gamma' gets 0, then the sym's __wd_mult__
        attributes, then `args_wd_mult`."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not (n.endswith('_weight') or n.endswith('_gamma')):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and '__wd_mult__' in attr[name]:
                    self.wd_mult[name] = float(attr[name]['__wd_mult__'])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id):
        """Switch the per-index update counts to those of device `device_id`."""
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index):
        """Count one more update of each index; num_update is the largest count."""
        if not isinstance(index, (list, tuple)):
            index = [index]
        for idx in index:
            if idx not in self._index_update_count:
                self._index_update_count[idx] = self.begin_num_update
            self._index_update_count[idx] += 1
            self.num_update = max(self._index_update_count[idx], self.num_update)

    def _get_lrs(self, indices):
        if self.lr_scheduler is not None:
            lr = self.lr_scheduler(self.num_update)
        else:
            lr = self.lr
        lrs = [lr for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                lrs[i] *= self.param_dict[index].lr_mult
            elif index in self.lr_mult:
                lrs[i] *= self.lr_mult[index]
            elif index in self.idx2name:
                lrs[i] *= self.lr_mult.get(self.idx2name[index], 1.0)
        return lrs

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        wds = [self.wd for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                wds[i] *= self.param_dict[index].wd_mult
            elif index in self.wd_mult:
                wds[i] *= self.wd_mult[index]
            elif index in self.idx2name:
                wds[i] *= self.wd_mult.get(self.idx2name[index], 1.0)
        return wds

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    def __getstate__(self):
        ret = self.__dict__.copy()
        del ret['param_dict']          # the trainer sets it again
        return ret

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}

    def __repr__(self):
        return "<%s lr=%s wd=%s>" % (type(self).__name__, self.learning_rate, self.wd)


_CLASSES[class_key(Optimizer)] = Optimizer

register = Optimizer.register   # pylint: disable=invalid-name
create = Optimizer.create_optimizer  # pylint: disable=invalid-name


def check_arrays(who, weight, grad):
    """MXNet's `assert isinstance(weight, NDArray)` checks, as MXNetError."""
    if not isinstance(weight, NDArray):
        raise MXNetError("%s.update: weight must be an NDArray, got %s"
                         % (who, type(weight).__name__))
    if not isinstance(grad, NDArray):
        raise MXNetError("%s.update: grad must be an NDArray, got %s"
                         % (who, type(grad).__name__))


@register
class Test(Optimizer):
    """The Test optimizer: weight += rescale_grad * grad; its state copies the weight."""

    def create_state(self, index, weight):
        return zeros(weight.shape, weight.context)

    def update(self, index, weight, grad, state):
        weight[:] += grad * self.rescale_grad
        state[:] = weight
