"""Helpers shared by workload modules: library handles and forward+backward wrappers."""
import importlib

from ..workload import NotAvailable, framework, mxnet_waited  # noqa: F401  (re-exported)

F32 = "float32"


def torch():
    try:
        return importlib.import_module("torch")
    except Exception as err:
        raise NotAvailable("torch is not importable: %s" % err)


def mxnet():
    try:
        return importlib.import_module("mxnet")
    except Exception as err:
        raise NotAvailable("mxnet is not importable: %s" % err)


def randn(rng, *shape):
    import numpy as np
    return rng.standard_normal(shape, dtype=np.float32)


def nd_fwd_bwd(mod, arrays, head_grad, forward):
    """framework or MXNet: record `forward(*arrays)`, backprop `head_grad`; returns
    [output, grad of each array]."""
    for a in arrays:
        a.attach_grad()

    def fn():
        with mod.autograd.record():
            y = forward(*arrays)
        y.backward(head_grad)
        return [y] + [a.grad for a in arrays]
    return fn


def torch_fwd_bwd(tensors, head_grad, forward):
    """torch: `forward(*tensors)` and the gradients of every tensor (no accumulation)."""
    th = torch()

    def fn():
        y = forward(*tensors)
        return [y] + list(th.autograd.grad(y, tensors, head_grad))
    return fn


_compiled = {}


def torch_compiled(fn):
    """torch.compile(fn), one compiled object per function (so a second setup reuses it)."""
    th = torch()
    if not hasattr(th, "compile"):
        raise NotAvailable("this torch has no torch.compile")
    if fn not in _compiled:
        _compiled[fn] = th.compile(fn)
    return _compiled[fn]
