"""DataParallelExecutorGroup: one Executor per context, each running a slice of the batch
(MXNet 1.9.1's module/executor_group.py, on the compiler's Executor)."""
from collections import OrderedDict

import numpy as np

from ..base import MXNetAssertionError, MXNetError, MXNetValueError
from ..ndarray.ndarray import NDArray
from ..ndarray import device as _device


def _split_input_slice(batch_size, work_load_list):
    """Slices of the batch per device, proportional to `work_load_list`."""
    total = sum(work_load_list)
    batch_num_list = [round(w * batch_size / total) for w in work_load_list]
    batch_num_sum = sum(batch_num_list)
    if batch_num_sum < batch_size:
        batch_num_list[-1] += batch_size - batch_num_sum
    slices, end = [], 0
    for batch_num in batch_num_list:
        begin = int(min(end, batch_size))
        end = int(min(begin + batch_num, batch_size))
        if begin >= end:
            raise MXNetValueError("Too many slices. Some splits are empty.")
        slices.append(slice(begin, end))
    return slices


def _batch_axis(desc):
    layout = getattr(desc, "layout", None)
    if layout is None or layout == "" or "N" not in layout:
        return 0
    return layout.find("N")


def _desc_name_shape(desc):
    if hasattr(desc, "name"):
        return desc.name, tuple(desc.shape)
    name, shape = desc
    return name, tuple(shape)


def _slice_axis(arr, axis, islice):
    index = [slice(None)] * arr.ndim
    index[axis] = islice
    if not isinstance(arr, np.ndarray):     # a device array: a batch slice is a view
        if axis != 0:
            raise MXNetError("Module: splitting a GPU batch along axis %d is not supported "
                             "(only the first axis)" % axis)
        return arr[islice]
    return np.ascontiguousarray(arr[tuple(index)])


def _merge(tensors):
    """One array from per-device parts, on the first device (a copy, as MXNet's)."""
    from .. import ndarray as nd
    if len(tensors) == 1:
        return tensors[0].copy()
    ctx = tensors[0].context
    return nd.concat(*[t.as_in_context(ctx) for t in tensors], dim=0)


class DataParallelExecutorGroup:
    """Executors over `contexts`, bound with the batch split by `workload`."""

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, logger=None,
                 fixed_param_names=None, grad_req="write", state_names=None):
        self.symbol = symbol
        self.contexts = contexts
        self.workload = workload
        self.param_names = param_names
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.fixed_param_names = set(fixed_param_names or ())
        self.state_names = list(state_names or ())
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.output_names = symbol.list_outputs()
        self.grad_req = grad_req
        self.execs = []
        self.bind_exec(data_shapes, label_shapes, shared_group)

    def _grad_req_dict(self, data_names):
        reqs = {}
        for name in self.arg_names:
            if name in self.param_names:
                if not self.for_training or name in self.fixed_param_names:
                    reqs[name] = "null"
                elif isinstance(self.grad_req, dict):
                    reqs[name] = self.grad_req.get(name, "write")
                else:
                    reqs[name] = self.grad_req
            elif name in data_names:
                reqs[name] = "write" if self.inputs_need_grad else "null"
            else:
                reqs[name] = "null"
        return reqs

    def bind_exec(self, data_shapes, label_shapes, shared_group=None, reshape=False):
        """Bind (or, with reshape, re-bind sharing parameters) one executor per context."""
        self.data_shapes = list(data_shapes)
        self.label_shapes = list(label_shapes) if label_shapes else None
        descs = self.data_shapes + (self.label_shapes or [])
        named = [_desc_name_shape(d) for d in descs]
        self.data_names = [_desc_name_shape(d)[0] for d in self.data_shapes]
        self.label_names = [_desc_name_shape(d)[0] for d in (self.label_shapes or [])]
        self.batch_size = named[0][1][_batch_axis(descs[0])]
        for (name, shape), desc in zip(named, descs):
            layout = getattr(desc, "layout", None)
            if layout and "N" not in layout:       # no batch axis (MXNet skips these)
                continue
            axis = _batch_axis(desc)
            if len(shape) <= axis or shape[axis] != self.batch_size:
                raise MXNetAssertionError("all data must have the same batch size: batch_size "
                                          "= %d, but %s has shape %s"
                                          % (self.batch_size, name, shape))
        self.slices = _split_input_slice(self.batch_size, self.workload)
        self._axes = {n: _batch_axis(d) for (n, _), d in zip(named, descs)}
        dtypes = {n: getattr(d, "dtype", np.float32) for (n, _), d in zip(named, descs)}
        reqs = self._grad_req_dict(self.data_names)
        old = self.execs
        self.execs = []
        for i, ctx in enumerate(self.contexts):
            shapes = {}
            for name, shape in named:
                axis = self._axes[name]
                s = list(shape)
                s[axis] = self.slices[i].stop - self.slices[i].start
                shapes[name] = tuple(s)
            if reshape and old:
                exe = old[i].reshape(allow_up_sizing=True, **shapes)
            else:
                shared = shared_group.execs[i] if shared_group is not None else None
                type_dict = {n: np.dtype(t).name for n, t in dtypes.items()}
                exe = self.symbol.simple_bind(ctx, grad_req=reqs, type_dict=type_dict,
                                              shared_exec=shared, **shapes)
            self.execs.append(exe)
        self._collect_arrays()

    def _collect_arrays(self):
        self.data_arrays = [[(self.slices[i], e.arg_dict[name]) for i, e in enumerate(self.execs)]
                            for name in self.data_names]
        self.label_arrays = [[(self.slices[i], e.arg_dict[name])
                              for i, e in enumerate(self.execs)]
                             for name in self.label_names if name in self.arg_names]
        self.param_arrays = [[e.arg_arrays[i] for e in self.execs]
                             for i, name in enumerate(self.arg_names) if name in self.param_names]
        if self.for_training:
            self.grad_arrays = [[e.grad_arrays[i] for e in self.execs]
                                for i, name in enumerate(self.arg_names)
                                if name in self.param_names]
        else:
            self.grad_arrays = None
        self.aux_arrays = [[e.aux_arrays[i] for e in self.execs]
                           for i in range(len(self.aux_names))]
        self.input_grad_arrays = [[e.grad_dict[name] for e in self.execs]
                                  for name in self.data_names] if self.inputs_need_grad else None

    def reshape(self, data_shapes, label_shapes):
        if data_shapes == self.data_shapes and label_shapes == self.label_shapes:
            return
        self.bind_exec(data_shapes, label_shapes, reshape=True)

    def set_params(self, arg_params, aux_params, allow_extra=False):
        for exe in self.execs:
            exe.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Average each parameter over the devices into the given CPU arrays."""
        for name, block in zip(self.param_names, self.param_arrays):
            total = sum(_device.to_host(w._data).astype(np.float64) for w in block) / len(block)
            _device.assign(arg_params[name]._data, total.astype(arg_params[name]._data.dtype))
        for name, block in zip(self.aux_names, self.aux_arrays):
            total = sum(_device.to_host(w._data).astype(np.float64) for w in block) / len(block)
            _device.assign(aux_params[name]._data, total.astype(aux_params[name]._data.dtype))

    def _load(self, batch_arrays, targets, what):
        for src, dst_list in zip(batch_arrays, targets):
            src = src._data if isinstance(src, NDArray) else np.asarray(src)
            if not isinstance(src, np.ndarray) and len(dst_list) > 1:
                src = _device.to_host(src)      # split on the host between devices
            for islice, dst in dst_list:
                part = src if len(dst_list) == 1 else _slice_axis(src, 0, islice)
                if part.shape != dst.shape:
                    raise MXNetValueError("Module: %s batch has shape %s, the module was bound "
                                          "for %s" % (what, part.shape, dst.shape))
                if isinstance(dst._data, np.ndarray) and isinstance(part, np.ndarray):
                    dst._data[...] = part
                else:                           # to or from a GPU
                    _device.assign(dst._data, part)

    def forward(self, data_batch, is_train=None):
        self._load(data_batch.data, self.data_arrays, "data")
        if is_train is None:
            is_train = self.for_training
        if self.label_arrays and data_batch.label:
            self._load(data_batch.label, self.label_arrays, "label")
        for exe in self.execs:
            exe.forward(is_train=is_train)

    def get_outputs(self, merge_multi_context=True, begin=0, end=None):
        if end is None:
            end = len(self.output_names)
        outputs = [[exe.outputs[i] for exe in self.execs] for i in range(begin, end)]
        if merge_multi_context:
            return [_merge(o) for o in outputs]
        return outputs

    def get_input_grads(self, merge_multi_context=True):
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True")
        if merge_multi_context:
            return [_merge(g) for g in self.input_grad_arrays]
        return self.input_grad_arrays

    def backward(self, out_grads=None):
        if not self.for_training:
            raise MXNetError("re-bind with for_training=True to run backward")
        for i, exe in enumerate(self.execs):
            grads = None
            if out_grads is not None:
                grads = [NDArray(_slice_axis(g._data, 0, self.slices[i]), g.context)
                         if len(self.execs) > 1 else g for g in out_grads]
            exe.backward(out_grads=grads)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        for i, exe in enumerate(self.execs):
            if pre_sliced:
                labels_slice = labels[i]
            elif len(self.execs) == 1:
                labels_slice = labels
            else:
                labels_slice = [NDArray(_slice_axis(l._data, 0, self.slices[i]), l.context)
                                for l in labels]
            labels_ = OrderedDict(zip(self.label_names, labels_slice))
            preds = OrderedDict(zip(self.output_names, exe.outputs))
            eval_metric.update_dict(labels_, preds)

    def install_monitor(self, mon):
        for exe in self.execs:
            mon.install(exe)
