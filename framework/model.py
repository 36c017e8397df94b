"""mx.model: checkpoints (`prefix-symbol.json` + `prefix-%04d.params`) and the kvstore
helpers Module uses, as in MXNet 1.9.1."""
import logging
import os
from collections import namedtuple

import numpy as np

from .base import MXNetError

BatchEndParam = namedtuple("BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"])


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """Write `prefix-symbol.json` (when symbol is given) and `prefix-%04d.params` with
    `arg:`/`aux:` keys; both files are written atomically."""
    from . import ndarray as nd
    from .context import cpu
    if symbol is not None:
        symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
    save_dict = {("arg:%s" % k): v.as_in_context(cpu()) for k, v in arg_params.items()}
    save_dict.update({("aux:%s" % k): v.as_in_context(cpu()) for k, v in aux_params.items()})
    param_name = "%s-%04d.params" % (prefix, epoch)
    nd.save(param_name, save_dict)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_params(prefix, epoch):
    """(arg_params, aux_params) from `prefix-%04d.params`."""
    from . import ndarray as nd
    fname = "%s-%04d.params" % (prefix, epoch)
    save_dict = nd.load(fname)
    arg_params, aux_params = {}, {}
    if not save_dict:
        logging.warning("Params file '%s' is empty", fname)
        return arg_params, aux_params
    if isinstance(save_dict, list):
        raise MXNetError("'%s' holds an unnamed list of arrays, not arg:/aux: entries" % fname)
    for k, v in save_dict.items():
        tp, sep, name = k.partition(":")
        if not sep:
            raise MXNetError("'%s': key '%s' is not of the form arg:<name> or aux:<name>"
                             % (fname, k))
        if tp == "arg":
            arg_params[name] = v
        elif tp == "aux":
            aux_params[name] = v
    return arg_params, aux_params


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) saved by save_checkpoint."""
    from . import symbol as sym
    symbol = sym.load("%s-symbol.json" % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params


def _create_kvstore(kvstore, num_device, arg_params):
    """(kvstore or None, update_on_kvstore), MXNet's rules: no store for one device
    unless distributed; 'local' with a huge parameter updates on the workers."""
    from . import kvstore as kvs
    update_on_kvstore = bool(int(os.getenv("MXNET_UPDATE_ON_KVSTORE", "1")))
    if kvstore is None:
        kv = None
    elif isinstance(kvstore, kvs.KVStoreBase):
        kv = kvstore
    elif isinstance(kvstore, str):
        if num_device == 1 and "dist" not in kvstore:
            kv = None
        else:
            kv = kvs.create(kvstore)
            if kvstore == "local":
                max_size = max(int(np.prod(p.shape)) for p in arg_params.values())
                if max_size > 1024 * 1024 * 16:
                    update_on_kvstore = False
    else:
        raise TypeError("kvstore must be KVStore, str or None")
    if kv is None:
        update_on_kvstore = False
    else:
        update_on_kvstore &= kv.is_capable(kvs.KVStoreBase.OPTIMIZER)
    return kv, update_on_kvstore


def _initialize_kvstore(kvstore, param_arrays, arg_params, param_names, update_on_kvstore):
    for idx, param_on_devs in enumerate(param_arrays):
        name = param_names[idx]
        if not update_on_kvstore or "dist" in kvstore.type:
            kvstore.broadcast(name, arg_params[name], out=param_on_devs)
        else:
            kvstore.init(name, arg_params[name])
            kvstore.pull(name, param_on_devs)


def _update_params_on_kvstore(param_arrays, grad_arrays, kvstore, param_names):
    """Push every gradient and pull the updated weights in one batched call (one bucketed
    allreduce on a distributed store instead of one per parameter)."""
    names, grads, outs = [], [], []
    for index, (arg_list, grad_list) in enumerate(zip(param_arrays, grad_arrays)):
        if grad_list[0] is None:
            continue
        names.append(param_names[index])
        grads.append(grad_list)
        outs.append(arg_list)
    if names:
        kvstore.pushpull(names, grads, out=outs)


def _update_params(param_arrays, grad_arrays, updater, num_device, kvstore=None,
                   param_names=None):
    updates = [[] for _ in range(num_device)]
    names, grads = [], []
    for index, (arg_list, grad_list) in enumerate(zip(param_arrays, grad_arrays)):
        if grad_list[0] is None:
            continue
        if kvstore:
            names.append(param_names[index])
            grads.append(grad_list)
        for k, (w, g) in enumerate(zip(arg_list, grad_list)):
            # one optimizer state per (parameter, device), as MXNet's faked index
            updates[k].append((index * num_device + k, g, w))
    if kvstore and names:
        kvstore.pushpull(names, grads, out=grads)
    for dev_updates in updates:
        if dev_updates:
            i, g, w = zip(*dev_updates)
            updater(list(i), list(g), list(w))
