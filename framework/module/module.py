"""mx.mod.Module: a Symbol trained with data/label iterators (MXNet 1.9.1 semantics)."""
import logging
import warnings

from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ..context import Context, cpu
from ..fileio import atomic_write
from ..model import (load_checkpoint, _create_kvstore, _initialize_kvstore,
                     _update_params, _update_params_on_kvstore)
from .base_module import BaseModule, _check_input_names
from .executor_group import DataParallelExecutorGroup


def _parse_data_desc(data_names, label_names, data_shapes, label_shapes):
    """DataDesc lists from (name, shape) tuples or DataDescs, checked against the names."""
    from ..io import DataDesc

    def desc(items, names, what):
        out = [d if isinstance(d, DataDesc) else DataDesc(*d) for d in items]
        given = [d.name for d in out]
        if sorted(given) != sorted(names):
            raise MXNetValueError("Data provided by %s_shapes don't match names specified by "
                                  "%s_names (%s vs. %s)" % (what, what, given, list(names)))
        return out

    data = desc(data_shapes, data_names, "data")
    if label_shapes is not None:
        label = desc(label_shapes, label_names, "label")
    else:
        label = None
    return data, label


class Module(BaseModule):
    """A module over one symbol on one or more contexts."""

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=None, work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None):
        super().__init__(logger=logger)
        if context is None:
            context = cpu()
        if isinstance(context, Context):
            context = [context]
        self._context = context
        if work_load_list is None:
            work_load_list = [1] * len(self._context)
        if len(work_load_list) != len(self._context):
            raise MXNetValueError("work_load_list has %d entries for %d contexts"
                                  % (len(work_load_list), len(self._context)))
        if group2ctxs is not None:
            raise MXNetError("Module: group2ctxs (model parallelism) is not supported")
        self._work_load_list = work_load_list
        self._symbol = symbol
        data_names = list(data_names) if data_names is not None else []
        label_names = list(label_names) if label_names is not None else []
        state_names = list(state_names) if state_names is not None else []
        fixed_param_names = list(fixed_param_names) if fixed_param_names is not None else []
        _check_input_names(symbol, data_names, "data", True)
        _check_input_names(symbol, label_names, "label", False)
        _check_input_names(symbol, state_names, "state", True)
        _check_input_names(symbol, fixed_param_names, "fixed_param", True)
        arg_names = symbol.list_arguments()
        input_names = data_names + label_names + state_names
        self._param_names = [x for x in arg_names if x not in input_names]
        self._fixed_param_names = fixed_param_names
        self._aux_names = symbol.list_auxiliary_states()
        self._data_names = data_names
        self._label_names = label_names
        self._state_names = state_names
        self._output_names = symbol.list_outputs()
        self._arg_params = None
        self._aux_params = None
        self._params_dirty = False
        self._compression_params = compression_params
        self._optimizer = None
        self._kvstore = None
        self._update_on_kvstore = None
        self._updater = None
        self._preload_opt_states = None
        self._grad_req = None
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module from `prefix-symbol.json` and `prefix-%04d.params` (and `.states`)."""
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = "%s-%04d.states" % (prefix, epoch)
        return mod

    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False,
                        remove_amp_cast=True):
        """Write the symbol, the parameters (and optimizer states), atomically."""
        from ..model import save_checkpoint
        self._symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
        arg_params, aux_params = self.get_params()
        save_checkpoint(prefix, epoch, None, arg_params, aux_params)
        if save_optimizer_states:
            state_name = "%s-%04d.states" % (prefix, epoch)
            self.save_optimizer_states(state_name)
            logging.info('Saved optimizer state to "%s"', state_name)

    def _reset_bind(self):
        self.binded = False
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    # --- properties ---------------------------------------------------------------------
    @property
    def data_names(self):
        return self._data_names

    @property
    def label_names(self):
        return self._label_names

    @property
    def output_names(self):
        return self._output_names

    @property
    def data_shapes(self):
        self._require(self.binded, "bind")
        return self._data_shapes

    @property
    def label_shapes(self):
        self._require(self.binded, "bind")
        return self._label_shapes

    @property
    def output_shapes(self):
        self._require(self.binded, "bind")
        return [(n, o.shape) for n, o in zip(self._output_names, self._exec_group.execs[0].outputs)]

    @staticmethod
    def _require(cond, what):
        if not cond:
            raise MXNetError("Module: call %s first" % what)

    # --- parameters ---------------------------------------------------------------------
    def get_params(self):
        """(arg_params, aux_params) on the CPU, averaged over the devices."""
        self._require(self.binded and self.params_initialized, "bind and init_params")
        if self._params_dirty:
            self._sync_params_from_devices()
        return self._arg_params, self._aux_params

    def init_params(self, initializer=None, arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initialize parameters (sorted by name) with `initializer` or copy the given ones;
        a variable's own `__init__` attribute wins."""
        from .. import initializer as init_mod
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. init_params "
                          "call ignored.", stacklevel=2)
            return
        self._require(self.binded, "bind")
        if initializer is None:
            initializer = init_mod.Uniform(0.01)

        def _impl(name, arr, cache):
            if cache is not None:
                if name in cache:
                    cache_arr = cache[name]
                    if cache_arr is not arr:
                        if tuple(cache_arr.shape) != tuple(arr.shape):
                            raise MXNetValueError(
                                "Module.init_params: parameter '%s' has shape %s but the "
                                "module was bound with %s" % (name, tuple(cache_arr.shape),
                                                              tuple(arr.shape)))
                        arr._data[...] = cache_arr.asnumpy().astype(arr._data.dtype)
                    return
                if not allow_missing:
                    raise MXNetError("%s is not presented" % name)
                if initializer is not None:
                    initializer(name, arr)
            else:
                initializer(name, arr)

        attrs = self._symbol.attr_dict()
        for name, arr in sorted(self._arg_params.items()):
            _impl(init_mod.InitDesc(name, attrs.get(name, None)), arr, arg_params)
        for name, arr in sorted(self._aux_params.items()):
            _impl(init_mod.InitDesc(name, attrs.get(name, None)), arr, aux_params)
        self.params_initialized = True
        self._params_dirty = False
        self._exec_group.set_params(self._arg_params, self._aux_params, allow_extra=allow_extra)

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Assign parameter and aux state values."""
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init,
                             allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. set_params "
                          "call ignored.", stacklevel=2)
            return
        self._exec_group.set_params(arg_params, aux_params, allow_extra=allow_extra)
        self._params_dirty = True
        self.params_initialized = True

    def _sync_params_from_devices(self):
        self._exec_group.get_params(self._arg_params, self._aux_params)
        self._params_dirty = False

    # --- binding ------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Bind executors for these data (and label) shapes."""
        from .. import ndarray as nd
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        if not for_training and inputs_need_grad:
            raise MXNetValueError("inputs_need_grad needs for_training=True")
        self._data_shapes, self._label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes)
        shared_group = None
        if shared_module is not None:
            if not (shared_module.binded and shared_module.params_initialized):
                raise MXNetError("shared_module must be bound and initialized")
            shared_group = shared_module._exec_group
        self._exec_group = DataParallelExecutorGroup(
            self._symbol, self._context, self._work_load_list, self._data_shapes,
            self._label_shapes, self._param_names, for_training, inputs_need_grad,
            shared_group, logger=self.logger, fixed_param_names=self._fixed_param_names,
            grad_req=grad_req, state_names=self._state_names)
        self._total_exec_bytes = 0
        self.binded = True
        if shared_module is not None:
            self.params_initialized = True
            self._arg_params = shared_module._arg_params
            self._aux_params = shared_module._aux_params
        elif self.params_initialized:
            self._exec_group.set_params(self._arg_params, self._aux_params)
        else:
            exe = self._exec_group.execs[0]
            self._arg_params = {name: nd.zeros(exe.arg_dict[name].shape,
                                               dtype=exe.arg_dict[name].dtype)
                                for name in self._param_names}
            self._aux_params = {name: nd.zeros(a.shape, dtype=a.dtype)
                                for name, a in exe.aux_dict.items()}
        if shared_module is not None and shared_module.optimizer_initialized:
            self.borrow_optimizer(shared_module)

    def reshape(self, data_shapes, label_shapes=None):
        """Re-bind for new input shapes (parameters are shared; no kernel recompiles)."""
        self._require(self.binded, "bind")
        self._data_shapes, self._label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes)
        self._exec_group.reshape(self._data_shapes, self._label_shapes)

    # --- optimizer ----------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Create the optimizer (rescale_grad = 1/batch_size by default) and kvstore."""
        from .. import optimizer as opt
        self._require(self.binded and self.params_initialized, "bind and init_params")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        if self._params_dirty:
            self._sync_params_from_devices()
        kvstore, update_on_kvstore = _create_kvstore(kvstore, len(self._context),
                                                     self._arg_params)
        batch_size = self._exec_group.batch_size
        if kvstore and "dist" in kvstore.type and "_sync" in kvstore.type:
            batch_size *= kvstore.num_workers
        rescale_grad = 1.0 / batch_size
        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(self._exec_group.param_names))
        else:
            for k in range(len(self._context)):
                idx2name.update({i * len(self._context) + k: n
                                 for i, n in enumerate(self._exec_group.param_names)})
        if isinstance(optimizer, str):
            optimizer_params = dict(optimizer_params)
            if "rescale_grad" not in optimizer_params:
                optimizer_params["rescale_grad"] = rescale_grad
            optimizer = opt.create(optimizer, sym=self.symbol, param_idx2name=idx2name,
                                   **optimizer_params)
        else:
            if not isinstance(optimizer, opt.Optimizer):
                raise MXNetValueError("optimizer must be a name or an Optimizer")
            if optimizer.rescale_grad != rescale_grad:
                warnings.warn("Optimizer created manually outside Module but rescale_grad is "
                              "not normalized to 1.0/batch_size/num_workers (%s vs. %s). Is "
                              "this intended?" % (optimizer.rescale_grad, rescale_grad),
                              stacklevel=2)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kvstore
        self._update_on_kvstore = update_on_kvstore
        self._updater = None
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            _initialize_kvstore(kvstore=kvstore, param_arrays=self._exec_group.param_arrays,
                                arg_params=self._arg_params, param_names=self._param_names,
                                update_on_kvstore=update_on_kvstore)
        if not update_on_kvstore:
            self._updater = opt.get_updater(optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module):
        if not shared_module.optimizer_initialized:
            raise MXNetError("shared_module has no optimizer yet")
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._updater = shared_module._updater
        self.optimizer_initialized = True

    # --- computation --------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward one batch (re-binding first when its shapes differ from the bound ones)."""
        from ..io import DataDesc
        self._require(self.binded and self.params_initialized, "bind and init_params")
        if not isinstance(getattr(data_batch, "data", None), (list, tuple)):
            raise MXNetTypeError("Module.forward expects a DataBatch (with a list of arrays in "
                                 ".data), got %s" % type(data_batch).__name__)
        if len(data_batch.data) < len(self._data_shapes):
            raise MXNetValueError("Module.forward: the batch has %d data array(s) but the module "
                                  "needs %d (%s)" % (len(data_batch.data), len(self._data_shapes),
                                                     ", ".join(self.data_names)))
        curr = tuple(tuple(d.shape) for d in self._data_shapes)
        new = tuple(tuple(d.shape) for d in data_batch.data)
        if curr != new:
            if getattr(data_batch, "provide_data", None):
                new_dshape = data_batch.provide_data
            else:
                new_dshape = [DataDesc(d.name, s, d.dtype, d.layout)
                              for d, s in zip(self._data_shapes, new)]
            if getattr(data_batch, "provide_label", None):
                new_lshape = data_batch.provide_label
            elif getattr(data_batch, "label", None) and self._label_shapes:
                new_lshape = [DataDesc(d.name, j.shape, d.dtype, d.layout)
                              for d, j in zip(self._label_shapes, data_batch.label)]
            elif self._label_shapes:       # no labels given: keep them in step with the batch
                batch = new[0][0]
                new_lshape = [DataDesc(d.name, (batch,) + tuple(d.shape[1:]), d.dtype, d.layout)
                              for d in self._label_shapes]
            else:
                new_lshape = None
            try:
                self.reshape(new_dshape, new_lshape)
            except MXNetError as err:
                err.args = ("Module.forward: data shapes %s differ from the bound %s and "
                            "re-binding failed: %s" % (list(new), list(curr),
                                                       err.args[0] if err.args else ""),) \
                    + tuple(err.args[1:])
                raise
        self._exec_group.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        self._require(self.binded and self.params_initialized, "bind and init_params")
        self._exec_group.backward(out_grads=out_grads)

    def update(self):
        """Apply the optimizer to every parameter (through the kvstore when there is one)."""
        self._require(self.binded and self.params_initialized and self.optimizer_initialized,
                      "bind, init_params and init_optimizer")
        self._params_dirty = True
        if self._update_on_kvstore:
            _update_params_on_kvstore(self._exec_group.param_arrays,
                                      self._exec_group.grad_arrays, self._kvstore,
                                      self._exec_group.param_names)
        else:
            _update_params(self._exec_group.param_arrays, self._exec_group.grad_arrays,
                           updater=self._updater, num_device=len(self._context),
                           kvstore=self._kvstore, param_names=self._exec_group.param_names)

    def get_outputs(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized, "bind and init_params")
        return self._exec_group.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized and self.inputs_need_grad,
                      "bind(inputs_need_grad=True) and init_params")
        return self._exec_group.get_input_grads(merge_multi_context=merge_multi_context)

    def get_states(self, merge_multi_context=True):
        raise MXNetError("Module.get_states: state_names (stateful RNN modules) are not "
                         "supported")

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        self._exec_group.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        self._require(self.binded, "bind")
        self._exec_group.install_monitor(mon)

    # --- optimizer states ---------------------------------------------------------------
    def save_optimizer_states(self, fname):
        self._require(self.optimizer_initialized, "init_optimizer")
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname)
        else:
            atomic_write(fname, self._updater.get_states(), "optimizer states")

    def load_optimizer_states(self, fname):
        self._require(self.optimizer_initialized, "init_optimizer")
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
        else:
            with open(fname, "rb") as f:
                self._updater.set_states(f.read())
