"""Gluon helpers shared by the model workloads.  Every function takes the library module
(`framework` or real `mxnet`): the Gluon code is the same for both, as a user's script is."""
import importlib

from ._common import NotAvailable


def gluon_module(mx):
    """mx.gluon, or NotAvailable saying what is missing (layers being built by others)."""
    try:
        return importlib.import_module(mx.__name__ + ".gluon")
    except Exception as err:
        raise NotAvailable("%s.gluon is not importable: %s: %s" % (mx.__name__, type(err).__name__, err))


def set_params(mx, net, arrays, kinds=None):
    """Write the benchmark's weights (NumPy arrays, in `net.collect_params()` order) into
    the network, so that every library starts from the same numbers.  `kinds` are name
    suffixes ("weight", "gamma", "running_var" ...) checked against each parameter's name.
    Works before deferred initialization has finished (MXNet's set_data keeps the data)."""
    params = list(net.collect_params().values())
    if len(params) != len(arrays):
        raise ValueError("%s has %d parameters, the benchmark has %d weights"
                         % (net.name, len(params), len(arrays)))
    for k, (p, a) in enumerate(zip(params, arrays)):
        if kinds is not None and not p.name.endswith(kinds[k]):
            raise ValueError("parameter %d is %s, the benchmark expected a %s"
                             % (k, p.name, kinds[k]))
        shape = tuple(p.shape) if p.shape is not None else None
        if shape is not None and (len(shape) != a.ndim
                                  or any(d not in (0, e) for d, e in zip(shape, a.shape))):
            raise ValueError("parameter %s has shape %s, the benchmark's weight %s"
                             % (p.name, shape, a.shape))
        p.set_data(mx.nd.array(a, dtype=a.dtype))


def train_step(mx, net, loss_fn, trainer, x, y, batch, head=None):
    """One training step: record forward + loss, backward, trainer.step(batch).
    Returns the network's output (for the check).  `head` reshapes the output for the
    loss (the language model flattens (T, N, V) to (T*N, V))."""
    autograd = mx.autograd

    def step():
        with autograd.record():
            out = net(x)
            loss = loss_fn(out if head is None else head(out), y)
        loss.backward()
        trainer.step(batch)
        return out
    return step


def mxnet_synced(fn):
    """Real MXNet is asynchronous: wait for everything a step queued (the update too)."""
    mxnet = importlib.import_module("mxnet")

    def synced():
        r = fn()
        mxnet.nd.waitall()
        return r
    return synced


def hybridized_plans(*blocks):
    """The compiled plans (compiler.plan.ExecPlan) of every signature of every hybridized
    block given (framework only): for memory statistics."""
    plans = []
    for block in blocks:
        op = getattr(block, "_cached_op", None)
        for slots in (getattr(op, "_slots", None) or {}).values():
            plans.extend(slot.exe._plan for slot in slots)
    return plans
