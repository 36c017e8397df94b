"""Shared by the MPI worker (_dist_worker.py) and the tests that check its results: the
tensors of the allreduce case and a tiny MLP (raw NDArrays + autograd + a kvstore)."""
import numpy as np

# --- allreduce case -------------------------------------------------------------------
N_SMALL = 120
_DTYPES = ("float32", "float64", "float16")


def small_tensors(rank):
    """Many small tensors (several dtypes) and one big one: rank r's values are (r + 1) x
    the base values, so the sum over n ranks is n(n+1)/2 x base."""
    out = []
    for i in range(N_SMALL):
        rng = np.random.RandomState(i)
        shape = (i % 7 + 1, 3)
        base = rng.randint(-8, 8, size=shape).astype(_DTYPES[i % 3])
        out.append(("t%d" % i, base * (rank + 1)))
    big = np.random.RandomState(999).randint(-8, 8, size=(64, 64)).astype("float32")
    out.append(("big", big * (rank + 1)))
    return out


# --- the MLP --------------------------------------------------------------------------
N_IN, N_HIDDEN, N_OUT = 6, 10, 4
BATCH_PER_RANK = 4
LR, MOMENTUM = 0.1, 0.9
STEPS = 3


def init_params(seed):
    rng = np.random.RandomState(seed)
    return [rng.normal(0, 0.5, (N_HIDDEN, N_IN)).astype(np.float32),
            rng.normal(0, 0.1, (N_HIDDEN,)).astype(np.float32),
            rng.normal(0, 0.5, (N_OUT, N_HIDDEN)).astype(np.float32),
            rng.normal(0, 0.1, (N_OUT,)).astype(np.float32)]


def batch(step, num_ranks):
    """The global batch of `step` (num_ranks x BATCH_PER_RANK rows; rank r takes rows
    r*BATCH_PER_RANK ...)."""
    rng = np.random.RandomState(100 + step)
    n = num_ranks * BATCH_PER_RANK
    x = rng.normal(0, 1, (n, N_IN)).astype(np.float32)
    y = rng.randint(0, N_OUT, size=(n,)).astype(np.float32)
    return x, y


class MomentumSGD:
    """A tiny updater (MXNet's SGD with momentum formula, rescale_grad applied)."""

    def __init__(self, rescale_grad):
        self.rescale = rescale_grad
        self.states = {}

    def __call__(self, key, grad, weight):
        mom = self.states.get(key)
        if mom is None:
            mom = self.states[key] = weight.zeros_like()
        mom[:] = MOMENTUM * mom - LR * (grad * self.rescale)
        weight[:] = weight + mom


def grads_of(mx, params, x, y):
    """Gradients of the summed softmax cross-entropy of a 2-layer MLP."""
    for p in params:
        p.attach_grad()
    with mx.autograd.record():
        h = mx.nd.relu(mx.nd.FullyConnected(x, params[0], params[1], num_hidden=N_HIDDEN))
        out = mx.nd.FullyConnected(h, params[2], params[3], num_hidden=N_OUT)
        loss = -mx.nd.sum(mx.nd.pick(mx.nd.log_softmax(out), y))
    loss.backward()
    return [p.grad for p in params]


def train(mx, kv, rank, num_ranks, use_optimizer=False):
    """STEPS steps of data-parallel training through `kv`: rank r starts from its own
    random parameters (init must hand everyone rank 0's) and uses its part of each batch."""
    params = [mx.nd.array(p) for p in init_params(seed=rank)]
    keys = list(range(len(params)))
    kv.init(keys, params)
    kv.pull(keys, out=params)
    rescale = 1.0 / (num_ranks * BATCH_PER_RANK)
    if use_optimizer:
        kv.set_optimizer(mx.optimizer.SGD(learning_rate=LR, momentum=MOMENTUM,
                                          rescale_grad=rescale))
    else:
        kv._set_updater(MomentumSGD(rescale))
    lo, hi = rank * BATCH_PER_RANK, (rank + 1) * BATCH_PER_RANK
    for step in range(STEPS):
        x, y = batch(step, num_ranks)
        grads = grads_of(mx, params, mx.nd.array(x[lo:hi]), mx.nd.array(y[lo:hi]))
        kv.pushpull(keys, grads, out=params)
    return [p.asnumpy() for p in params]


def train_single_process(mx, num_ranks, use_optimizer=False):
    """The same training in one process on the concatenated batches (a 'local' store)."""
    kv = mx.kv.create('local')
    params = [mx.nd.array(p) for p in init_params(seed=0)]
    keys = list(range(len(params)))
    kv.init(keys, params)
    rescale = 1.0 / (num_ranks * BATCH_PER_RANK)
    if use_optimizer:
        kv.set_optimizer(mx.optimizer.SGD(learning_rate=LR, momentum=MOMENTUM,
                                          rescale_grad=rescale))
    else:
        kv._set_updater(MomentumSGD(rescale))
    for step in range(STEPS):
        x, y = batch(step, num_ranks)
        grads = grads_of(mx, params, mx.nd.array(x), mx.nd.array(y))
        kv.pushpull(keys, grads, out=params)
    return [p.asnumpy() for p in params]


# --- the same MLP as a Gluon net under a Trainer ------------------------------------------
def gluon_net(mx, seed):
    """Dense(10, relu) -> Dense(4) with the parameters of init_params(seed)."""
    net = mx.gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(N_HIDDEN, activation='relu', in_units=N_IN))
        net.add(mx.gluon.nn.Dense(N_OUT, in_units=N_HIDDEN))
    net.initialize(mx.init.Zero())
    params = list(net.collect_params().values())
    for param, value in zip(params, init_params(seed)):
        param.set_data(mx.nd.array(value))
    return net, params


def train_gluon(mx, rank, num_ranks, kvstore):
    """STEPS Trainer steps (SGD with momentum) on rank's part of each global batch; the
    batch size given to step() is the global one, so the result equals one process.
    Every rank starts from the same parameters: as in MXNet, the Trainer broadcasts rank 0's
    parameters at its first step, after that step's gradients were computed."""
    net, params = gluon_net(mx, seed=0)
    trainer = mx.gluon.Trainer(net.collect_params(), 'sgd',
                               {'learning_rate': LR, 'momentum': MOMENTUM}, kvstore=kvstore)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    lo, hi = rank * BATCH_PER_RANK, (rank + 1) * BATCH_PER_RANK
    if num_ranks == 1:
        lo, hi = 0, None
    for step in range(STEPS):
        x, y = batch(step, 2)
        with mx.autograd.record():
            loss = loss_fn(net(mx.nd.array(x[lo:hi])), mx.nd.array(y[lo:hi]))
        loss.backward()
        trainer.step(2 * BATCH_PER_RANK)
    return [p.data().asnumpy() for p in params]
