"""CUDA softmax_cross_entropy and its backward (MXNet 1.9.1, compiler/ops/loss.py).

data (N, K), label (N,) class ids of any numeric dtype, truncated and checked on the
device by indexing.normalize (mode 'raise': an id outside [0, K) raises MXNetIndexError
after one flag is read back).  Forward: log_softmax over the classes (softmax.py's row
kernel) into a temporary, nll[r] = -logp[r, label[r]] (one thread per row), then a sum
reduction into the (1,) output.  Backward: softmax into the gradient, then one thread
per element subtracts the one-hot label and scales by ograd[0] (read on the device).
float32/float64.
"""
import numpy as np

from . import softmax
from .indexing import normalize
from .reduce import reduce_axes
from .runtime import check_array, empty, grid_for, require, same_dtype, FLOATS

cuda = require()


@cuda.jit(cache=True)
def nll_kernel(logp, idx, nll, K):
    r = cuda.grid(1)
    while r < nll.size:
        nll[r] = -logp[r * K + idx[r]]
        r += cuda.gridsize(1)


@cuda.jit(cache=True)
def onehot_grad_kernel(g, idx, og, K):
    i = cuda.grid(1)
    while i < g.size:
        v = g[i]
        if i % K == idx[i // K]:
            v -= 1
        g[i] = v * og[0]
        i += cuda.gridsize(1)


def _check(op, x, label, named):
    check_array(op, "data", x, ndim=2, dtypes=FLOATS)
    check_array(op, "label", label, shape=(x.shape[0],))
    for name, a, shape in named:
        check_array(op, name, a, dtypes=(np.dtype(x.dtype).name,), shape=shape)
    return normalize(label, int(x.shape[1]), mode="raise", axis=1, op=op)


def _forward_op(op, attrs, inputs, outputs, octx):
    x, label = inputs
    out = outputs[0]
    idx = _check(op.name, x, label, [("out", out, (1,))])
    N, K = x.shape
    if N == 0:
        from . import codegen
        codegen.fill(out, 0, op=op.name)
        return
    logp = empty(x.shape, x.dtype)
    softmax.forward(x, logp, 1, 1.0, log=True, op=op.name)
    nll = empty((1, N), x.dtype)
    nll_kernel[grid_for(N)](logp.reshape(logp.size), idx, nll.reshape(N), K)
    reduce_axes("sum", nll, (1,), out, op=op.name)


def _backward_op(op, attrs, inputs, outputs, octx):
    og, x, label = inputs
    dx = outputs[0]
    idx = _check(op.name, x, label, [("ograd", og, (1,)), ("data_grad", dx, x.shape)])
    same_dtype(op.name, [("data", x), ("ograd", og), ("data_grad", dx)])
    if x.size == 0:
        return
    softmax.forward(x, dx, 1, 1.0, op=op.name)
    onehot_grad_kernel[grid_for(x.size)](dx.reshape(dx.size), idx, og, int(x.shape[1]))


KERNELS = {"softmax_cross_entropy": _forward_op,
           "_backward_softmax_cross_entropy": _backward_op}
