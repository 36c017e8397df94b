"""CUDA BatchNorm and LayerNorm, forward and backward (training and inference).

BatchNorm sees data as (outer, C, inner) with C the channel axis; one block per channel
(blocks stride over channels) computes the batch mean and the biased variance in two
passes (block reductions, templates.py), then writes (x - mean) * gamma * invstd + beta.
The `var` output holds 1/sqrt(var + eps) as MXNet's.  Backward, one block per channel:
sum(og) and sum(og * (x - mean)), then dx = og*k1 + (x - mean)*k2 + k3 (MXNet's batch
formula in training, og * gamma * invstd with the moving statistics otherwise), and in
training thread 0 updates the moving statistics in place (MXNet 1.9.1 updates them in the
BACKWARD pass: compiler/ops/norm.py).  fix_gamma treats gamma as 1 (zero gamma gradient).

LayerNorm sees data as (outer, n, inner) with n the normalized axis; one block per row
(o, i) reads base + j * inner, as the softmax kernels do (no transposed copies).  Its
gamma/beta gradients are column sums over the rows: one thread per column.
"""
import numpy as np

from compiler.errors import MXNetValueError
from . import templates
from .runtime import check_array, grid_for, rows_grid, same_dtype, FLOATS

_BODY = '''
@cuda.jit(cache=True)
def bn_forward(x, gamma, beta, mm, mv, out, mean_out, invstd_out, outer, C, inner, eps,
               training, fix_gamma):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    c = cuda.blockIdx.x
    cnt = outer * inner
    while c < C:
        if training:
            s = ACC(0)
            j = t
            while j < cnt:
                o = j // inner
                s += ACC(x[(o * C + c) * inner + j - o * inner])
                j += BLOCK
            mean = block_sum(sh, s) / ACC(cnt)
            s = ACC(0)
            j = t
            while j < cnt:
                o = j // inner
                d = ACC(x[(o * C + c) * inner + j - o * inner]) - mean
                s += d * d
                j += BLOCK
            var = block_sum(sh, s) / ACC(cnt)
        else:
            mean = ACC(mm[c])
            var = ACC(mv[c])
        invstd = ACC(1) / math.sqrt(var + eps)
        a = invstd if fix_gamma else ACC(gamma[c]) * invstd
        b = ACC(beta[c])
        j = t
        while j < cnt:
            o = j // inner
            k = (o * C + c) * inner + j - o * inner
            out[k] = (ACC(x[k]) - mean) * a + b
            j += BLOCK
        if t == 0:
            mean_out[c] = mean
            invstd_out[c] = invstd
        c += cuda.gridDim.x


@cuda.jit(cache=True)
def bn_backward(og, x, gamma, mean, invstd, mm, mv, dx, dgamma, dbeta, outer, C, inner, eps,
                momentum, training, fix_gamma):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    c = cuda.blockIdx.x
    cnt = outer * inner
    while c < C:
        if training:
            m = ACC(mean[c])
            s = ACC(invstd[c])
        else:
            m = ACC(mm[c])
            s = ACC(1) / math.sqrt(ACC(mv[c]) + eps)
        s1 = ACC(0)
        s2 = ACC(0)
        j = t
        while j < cnt:
            o = j // inner
            k = (o * C + c) * inner + j - o * inner
            g = ACC(og[k])
            s1 += g
            s2 += g * (ACC(x[k]) - m)
            j += BLOCK
        sum_og = block_sum(sh, s1)
        sum_og_xmu = block_sum(sh, s2)
        gm = ACC(1) if fix_gamma else ACC(gamma[c])
        k1 = gm * s
        k2 = ACC(0)
        k3 = ACC(0)
        if training:
            k2 = -gm * s * s * s * sum_og_xmu / ACC(cnt)
            k3 = -k1 * sum_og / ACC(cnt)
        j = t
        while j < cnt:
            o = j // inner
            k = (o * C + c) * inner + j - o * inner
            dx[k] = ACC(og[k]) * k1 + (ACC(x[k]) - m) * k2 + k3
            j += BLOCK
        if t == 0:
            dgamma[c] = ACC(0) if fix_gamma else sum_og_xmu * s
            dbeta[c] = sum_og
            if training:
                var = ACC(1) / (s * s) - eps
                mm[c] = ACC(mm[c]) * momentum + m * (ACC(1) - momentum)
                mv[c] = ACC(mv[c]) * momentum + var * (ACC(1) - momentum)
        c += cuda.gridDim.x


@cuda.jit(cache=True)
def ln_forward(x, gamma, beta, out, mean_out, std_out, rows, n, inner, eps):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        s = ACC(0)
        j = t
        while j < n:
            s += ACC(x[base + j * inner])
            j += BLOCK
        mean = block_sum(sh, s) / ACC(n)
        s = ACC(0)
        j = t
        while j < n:
            d = ACC(x[base + j * inner]) - mean
            s += d * d
            j += BLOCK
        std = math.sqrt(block_sum(sh, s) / ACC(n) + eps)
        j = t
        while j < n:
            k = base + j * inner
            out[k] = (ACC(x[k]) - mean) / std * ACC(gamma[j]) + ACC(beta[j])
            j += BLOCK
        if t == 0:
            mean_out[row] = mean
            std_out[row] = std
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def ln_backward(og, x, gamma, mean, std, dx, rows, n, inner):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        m = ACC(mean[row])
        s = ACC(std[row])
        a1 = ACC(0)
        a2 = ACC(0)
        j = t
        while j < n:
            k = base + j * inner
            d = ACC(og[k]) * ACC(gamma[j])
            a1 += d
            a2 += d * (ACC(x[k]) - m) / s
            j += BLOCK
        mean1 = block_sum(sh, a1) / ACC(n)
        mean2 = block_sum(sh, a2) / ACC(n)
        j = t
        while j < n:
            k = base + j * inner
            d = ACC(og[k]) * ACC(gamma[j])
            xhat = (ACC(x[k]) - m) / s
            dx[k] = (d - mean1 - xhat * mean2) / s
            j += BLOCK
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def ln_param_grads(og, x, mean, std, dgamma, dbeta, rows, n, inner):
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    while j < n:
        sg = ACC(0)
        sb = ACC(0)
        for row in range(rows):
            o = row // inner
            k = o * n * inner + (row - o * inner) + j * inner
            g = ACC(og[k])
            sb += g
            sg += g * (ACC(x[k]) - ACC(mean[row])) / ACC(std[row])
        dgamma[j] = sg
        dbeta[j] = sb
        j += step
'''


def _view3(shape, axis):
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


def _flat(*arrays):
    return [a.reshape(a.size) for a in arrays]


def _check_channel(op, axis, x, named):
    check_array(op, "data", x, dtypes=FLOATS)
    if not 0 <= axis < len(x.shape):
        raise MXNetValueError("%s: axis %d out of range for data shape %s"
                              % (op, axis, tuple(x.shape)))
    C = x.shape[axis]
    for name, a in named:
        check_array(op, name, a, dtypes=FLOATS, shape=(C,))
    return _view3(tuple(x.shape), axis)


def batch_norm(x, gamma, beta, mm, mv, out, mean_out, invstd_out, axis=1, eps=1e-3,
               training=True, fix_gamma=True, op="BatchNorm"):
    """BatchNorm forward on device arrays (see the module doc)."""
    outer, C, inner = _check_channel(op, axis, x, [("gamma", gamma), ("beta", beta),
                                                   ("moving_mean", mm), ("moving_var", mv),
                                                   ("mean", mean_out), ("var", invstd_out)])
    check_array(op, "out", out, shape=x.shape, dtypes=(np.dtype(x.dtype).name,))
    if C == 0:
        return out
    acc = templates.acc_type(x.dtype)
    mod = templates.load("norm", _BODY, acc)
    ty = np.dtype(acc).type
    mod.bn_forward[rows_grid(C)](*_flat(x, gamma, beta, mm, mv, out, mean_out, invstd_out),
                                 outer, C, inner, ty(eps), bool(training), bool(fix_gamma))
    return out


def batch_norm_backward(og, x, gamma, mean, invstd, mm, mv, dx, dgamma, dbeta, axis=1,
                        eps=1e-3, momentum=0.9, training=True, fix_gamma=True,
                        op="_backward_BatchNorm"):
    """BatchNorm backward; in training also updates mm/mv in place."""
    outer, C, inner = _check_channel(op, axis, x, [
        ("gamma", gamma), ("mean", mean), ("invstd", invstd), ("moving_mean", mm),
        ("moving_var", mv), ("gamma_grad", dgamma), ("beta_grad", dbeta)])
    for name, a in (("ograd", og), ("data_grad", dx)):
        check_array(op, name, a, shape=x.shape, dtypes=(np.dtype(x.dtype).name,))
    if C == 0:
        return dx
    acc = templates.acc_type(x.dtype)
    mod = templates.load("norm", _BODY, acc)
    ty = np.dtype(acc).type
    mod.bn_backward[rows_grid(C)](*_flat(og, x, gamma, mean, invstd, mm, mv, dx, dgamma, dbeta),
                                  outer, C, inner, ty(eps), ty(momentum), bool(training),
                                  bool(fix_gamma))
    return dx


def layer_norm(x, gamma, beta, out, mean_out, std_out, axis=-1, eps=1e-5, op="LayerNorm"):
    axis = axis % max(len(x.shape), 1)
    outer, n, inner = _check_channel(op, axis, x, [("gamma", gamma), ("beta", beta)])
    check_array(op, "out", out, shape=x.shape, dtypes=(np.dtype(x.dtype).name,))
    rows = outer * inner
    for name, a in (("mean", mean_out), ("std", std_out)):
        check_array(op, name, a)
        if a.size != rows:
            raise MXNetValueError("%s: %s has %d elements, expected %d" % (op, name, a.size, rows))
    if rows == 0 or n == 0:
        return out
    acc = templates.acc_type(x.dtype)
    mod = templates.load("norm", _BODY, acc)
    mod.ln_forward[rows_grid(rows)](*_flat(x, gamma, beta, out, mean_out, std_out), rows, n,
                                    inner, np.dtype(acc).type(eps))
    return out


def layer_norm_backward(og, x, gamma, mean, std, dx, dgamma, dbeta, axis=-1,
                        op="_backward_LayerNorm"):
    axis = axis % max(len(x.shape), 1)
    outer, n, inner = _check_channel(op, axis, x, [("gamma", gamma), ("gamma_grad", dgamma),
                                                   ("beta_grad", dbeta)])
    for name, a in (("ograd", og), ("data_grad", dx)):
        check_array(op, name, a, shape=x.shape, dtypes=(np.dtype(x.dtype).name,))
    same_dtype(op, [("data", x), ("ograd", og), ("data_grad", dx)])
    rows = outer * inner
    if rows == 0 or n == 0:
        return dx
    acc = templates.acc_type(x.dtype)
    mod = templates.load("norm", _BODY, acc)
    fl = _flat(og, x, gamma, mean, std, dx)
    mod.ln_backward[rows_grid(rows)](*fl, rows, n, inner)
    mod.ln_param_grads[grid_for(n)](fl[0], fl[1], fl[3], fl[4], *_flat(dgamma, dbeta),
                                    rows, n, inner)
    return dx


# --- op adapters -----------------------------------------------------------------------------

def _axis(attrs, x):
    return attrs.axis % max(len(x.shape), 1)


def _training(attrs, octx):
    return bool(octx is not None and octx.is_train and not attrs.use_global_stats)


def _bn_op(op, attrs, inputs, outputs, octx):
    x, gamma, beta, mm, mv = inputs
    batch_norm(x, gamma, beta, mm, mv, outputs[0], outputs[1], outputs[2], _axis(attrs, x),
               attrs.eps, _training(attrs, octx), attrs.fix_gamma, op=op.name)


def _bn_backward_op(op, attrs, inputs, outputs, octx):
    og, x, gamma, mean, invstd, mm, mv = inputs
    batch_norm_backward(og, x, gamma, mean, invstd, mm, mv, outputs[0], outputs[1], outputs[2],
                        _axis(attrs, x), attrs.eps, attrs.momentum, _training(attrs, octx),
                        attrs.fix_gamma, op=op.name)


def _ln_op(op, attrs, inputs, outputs, octx):
    x, gamma, beta = inputs
    layer_norm(x, gamma, beta, outputs[0], outputs[1], outputs[2], attrs.axis, attrs.eps,
               op=op.name)


def _ln_backward_op(op, attrs, inputs, outputs, octx):
    og, x, gamma, mean, std = inputs
    layer_norm_backward(og, x, gamma, mean, std, outputs[0], outputs[1], outputs[2], attrs.axis,
                        op=op.name)


KERNELS = {"BatchNorm": _bn_op, "_backward_BatchNorm": _bn_backward_op, "LayerNorm": _ln_op,
           "_backward_LayerNorm": _ln_backward_op}
