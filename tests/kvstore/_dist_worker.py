"""One MPI rank of the dist kvstore tests: `mpiexec -n 2 python _dist_worker.py MODE OUTDIR`.

Modes: allreduce, mlp, mlp_optimizer, trainer, mismatch, raise, exit.  Results go to
OUTDIR/rank<r>.npz (arrays) or OUTDIR/rank<r>.json; the tests check them.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))     # the repository root
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import framework as mx  # noqa: E402
from framework.base import MXNetError  # noqa: E402
import dist_common  # noqa: E402


def allreduce(kv, out):
    r = kv.rank
    res = {}
    # init hands every rank rank 0's value
    kv.init('a', mx.nd.ones((3,)) * (r + 1))
    a = mx.nd.zeros((3,))
    kv.pull('a', out=a)
    res['init'] = a.asnumpy()
    # many tensors in one pushpull: bucketed
    tensors = dist_common.small_tensors(r)
    keys = [k for k, _ in tensors]
    kv.init(keys, [mx.nd.zeros(v.shape, dtype=v.dtype) for _, v in tensors])
    outs = [mx.nd.zeros(v.shape, dtype=v.dtype) for _, v in tensors]
    calls = kv._coll.calls
    kv.pushpull(keys, [mx.nd.array(v, dtype=v.dtype) for _, v in tensors], out=outs)
    res['calls'] = np.array(kv._coll.calls - calls)
    for k, o in zip(keys, outs):
        res['sum_' + k] = o.asnumpy()
    # a list of devices per worker (dist_device_sync): devices, then workers
    kv.init('dev', mx.nd.zeros((2, 2)))
    devs = [mx.nd.ones((2, 2), ctx=mx.cpu(i)) * (i + 1) * (r + 1) for i in range(2)]
    kv.push('dev', devs)
    kv.pull('dev', out=devs)
    res['devices'] = np.stack([d.asnumpy() for d in devs])
    # broadcast: rank 0's value
    b = mx.nd.zeros((2,))
    kv.broadcast('bc', mx.nd.ones((2,)) * (r + 5), out=b)
    res['broadcast'] = b.asnumpy()
    # an updater applied on every replica after the sum
    kv.init('u', mx.nd.ones((4,)))

    def half_step(key, grad, weight):
        weight[:] = weight - 0.5 * grad

    kv._set_updater(half_step)
    kv.push('u', mx.nd.ones((4,)) * (r + 1))
    u = mx.nd.zeros((4,))
    kv.pull('u', out=u)
    res['updated'] = u.asnumpy()
    kv._barrier()
    np.savez(os.path.join(out, "rank%d.npz" % r), **res)


def mlp(kv, out, use_optimizer=False):
    params = dist_common.train(mx, kv, kv.rank, kv.num_workers, use_optimizer)
    if use_optimizer:   # every rank calls it; rank 0 writes the file
        kv.save_optimizer_states(os.path.join(out, "opt.states"))
        kv.barrier()
    np.savez(os.path.join(out, "rank%d.npz" % kv.rank),
             **{"p%d" % i: p for i, p in enumerate(params)})


def mismatch(kv, out):
    r = kv.rank
    messages = {}
    try:
        kv.init('w', mx.nd.ones((2, 3) if r == 0 else (3, 3)))
    except MXNetError as err:
        messages['init'] = str(err)
    kv.init(['x', 'y'], [mx.nd.ones((2,)), mx.nd.ones((2,))])
    try:
        kv.push('x' if r == 0 else 'y', mx.nd.ones((2,)))
    except MXNetError as err:
        messages['push'] = str(err)
    # the store is still usable after both errors
    kv.pushpull('x', mx.nd.ones((2,)))
    got = mx.nd.zeros((2,))
    kv.pull('x', out=got)
    messages['after'] = got.asnumpy().tolist()
    with open(os.path.join(out, "rank%d.json" % r), "w") as f:
        json.dump(messages, f)


def trainer(out):
    """A Gluon Trainer(kvstore='dist_sync') makes the store itself."""
    rank = int(os.environ.get("PMI_RANK", "0"))
    params = dist_common.train_gluon(mx, rank, 2, kvstore='dist_sync')
    np.savez(os.path.join(out, "rank%d.npz" % rank),
             **{"p%d" % i: p for i, p in enumerate(params)})


def main():
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "trainer":
        return trainer(out)
    kv = mx.kv.create(os.environ.get("KV_TYPE", "dist_sync"))
    if mode == "allreduce":
        allreduce(kv, out)
    elif mode == "mlp":
        mlp(kv, out)
    elif mode == "mlp_optimizer":
        mlp(kv, out, use_optimizer=True)
    elif mode == "mismatch":
        mismatch(kv, out)
    elif mode in ("raise", "exit"):
        kv.init(0, mx.nd.ones((4,)))
        if kv.rank == 1:
            if mode == "raise":
                raise RuntimeError("rank 1 fails on purpose")
            sys.exit(3)
        kv.pushpull(0, mx.nd.ones((4,)))    # rank 0 would wait here forever
        time.sleep(300)
    else:
        raise SystemExit("unknown mode %r" % mode)


if __name__ == "__main__":
    main()
