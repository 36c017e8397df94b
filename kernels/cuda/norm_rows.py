"""CUDA InstanceNorm, GroupNorm, L2Normalization and their backward ops: row statistics.

Every one sees its data as rows of an (outer, n, inner) view, one row per (o, i), the row's
elements at base + j * inner (as LayerNorm in norm.py): InstanceNorm one row per (sample,
channel) over the spatial positions, GroupNorm one per (sample, group), L2Normalization one
per sample (instance), per (sample, channel) (spatial) or per (sample, position) (channel:
n = C, inner = spatial size).  One block per row (block reductions, templates.py), the
accumulator float32 for float32 data and float64 for float64.  Instance/GroupNorm's gamma
and beta have one value per row class p = row % P (P = C or num_groups); their gradients
sum per-row partials over the rows of each class (one thread per class).
"""
import numpy as np

from compiler.errors import MXNetValueError
from compiler.ops.norm_local import _l2_axes
from . import templates
from .runtime import check_array, empty, grid_for, rows_grid, same_dtype, FLOATS

_BODY = '''
@cuda.jit(cache=True)
def norm_forward(x, gamma, beta, out, mean_out, stat_out, rows, n, P, eps, want_std):
    """out = (x - mean) / sqrt(var + eps) * gamma[p] + beta[p]; stat = std or var."""
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        base = row * n
        s = ACC(0)
        j = t
        while j < n:
            s += ACC(x[base + j])
            j += BLOCK
        mean = block_sum(sh, s) / ACC(n)
        s = ACC(0)
        j = t
        while j < n:
            d = ACC(x[base + j]) - mean
            s += d * d
            j += BLOCK
        var = block_sum(sh, s) / ACC(n)
        std = math.sqrt(var + eps)
        p = row % P
        g = ACC(gamma[p]) / std
        b = ACC(beta[p])
        j = t
        while j < n:
            out[base + j] = (ACC(x[base + j]) - mean) * g + b
            j += BLOCK
        if t == 0:
            mean_out[row] = mean
            stat_out[row] = std if want_std else var
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def norm_backward(og, x, gamma, mean, stat, dx, sum_og, sum_og_xhat, rows, n, P, eps,
                  is_std):
    """dx = gamma[p] / std * (og - mean(og) - xhat * mean(og * xhat)); row partials of
    sum(og) and sum(og * xhat) for the parameter gradients."""
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        base = row * n
        m = ACC(mean[row])
        if is_std:
            inv = ACC(1) / ACC(stat[row])
        else:
            inv = ACC(1) / math.sqrt(ACC(stat[row]) + eps)
        a1 = ACC(0)
        a2 = ACC(0)
        j = t
        while j < n:
            g = ACC(og[base + j])
            a1 += g
            a2 += g * (ACC(x[base + j]) - m) * inv
            j += BLOCK
        a1 = block_sum(sh, a1)
        a2 = block_sum(sh, a2)
        k = ACC(gamma[row % P]) * inv
        j = t
        while j < n:
            xhat = (ACC(x[base + j]) - m) * inv
            dx[base + j] = k * (ACC(og[base + j]) - a1 / ACC(n) - xhat * a2 / ACC(n))
            j += BLOCK
        if t == 0:
            sum_og[row] = a1
            sum_og_xhat[row] = a2
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def class_sums(sum_og, sum_og_xhat, dgamma, dbeta, rows, P):
    p = cuda.grid(1)
    while p < P:
        sg = ACC(0)
        sb = ACC(0)
        r = p
        while r < rows:
            sg += sum_og_xhat[r]
            sb += sum_og[r]
            r += P
        dgamma[p] = sg
        dbeta[p] = sb
        p += cuda.gridsize(1)


@cuda.jit(cache=True)
def l2_forward(x, out, norm, rows, n, inner, eps):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        s = ACC(0)
        j = t
        while j < n:
            v = ACC(x[base + j * inner])
            s += v * v
            j += BLOCK
        nrm = math.sqrt(block_sum(sh, s) + eps)
        j = t
        while j < n:
            out[base + j * inner] = ACC(x[base + j * inner]) / nrm
            j += BLOCK
        if t == 0:
            norm[row] = nrm
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def l2_backward(og, y, norm, dx, rows, n, inner):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        s = ACC(0)
        j = t
        while j < n:
            k = base + j * inner
            s += ACC(og[k]) * ACC(y[k])
            j += BLOCK
        dot = block_sum(sh, s)
        nrm = ACC(norm[row])
        j = t
        while j < n:
            k = base + j * inner
            dx[k] = (ACC(og[k]) - ACC(y[k]) * dot) / nrm
            j += BLOCK
        row += cuda.gridDim.x
'''


def _flat(*arrays):
    return [a.reshape(a.size) for a in arrays]


def _module(dtype):
    acc = templates.acc_type(dtype)
    return templates.load("norm_rows", _BODY, acc), np.dtype(acc).type


def _check(op, x, named, stats, P, rows):
    check_array(op, "data", x, dtypes=FLOATS)
    dt = (np.dtype(x.dtype).name,)
    for name, a, shape in named:
        check_array(op, name, a, dtypes=dt, shape=shape)
    for name, a in stats:
        check_array(op, name, a, dtypes=dt)
        if a.size != rows:
            raise MXNetValueError("%s: %s has %d elements, expected %d"
                                  % (op, name, a.size, rows))


def _layout(op, attrs, x):
    """(rows, n, P) of Instance/GroupNorm."""
    if op.name.endswith("GroupNorm"):
        P = attrs.num_groups
        if len(x.shape) < 2 or P < 1 or x.shape[1] % P:
            raise MXNetValueError("%s: %d channels (data shape %s) not divisible by "
                                  "num_groups=%d" % (op.name, x.shape[1] if len(x.shape) > 1
                                                     else 0, tuple(x.shape), P))
    else:
        if len(x.shape) < 3:
            raise MXNetValueError("%s: data must have rank >= 3, got shape %s"
                                  % (op.name, tuple(x.shape)))
        P = x.shape[1]
    rows = x.shape[0] * P
    return rows, (x.size // rows if rows else 0), P


def _norm_op(op, attrs, inputs, outputs, octx):
    x, gamma, beta = inputs
    out, mean, stat = outputs
    rows, n, P = _layout(op, attrs, x)
    _check(op.name, x, [("gamma", gamma, (P,)), ("beta", beta, (P,)), ("out", out, x.shape)],
           [("mean", mean), ("var", stat)], P, rows)
    if rows == 0 or n == 0:
        return
    mod, acc = _module(x.dtype)
    mod.norm_forward[rows_grid(rows)](*_flat(x, gamma, beta, out, mean, stat), rows, n, P,
                                      acc(attrs.eps), op.name == "GroupNorm")


def _norm_backward_op(op, attrs, inputs, outputs, octx):
    og, x, gamma, mean, stat = inputs
    dx, dgamma, dbeta = outputs
    rows, n, P = _layout(op, attrs, x)
    _check(op.name, x, [("ograd", og, x.shape), ("gamma", gamma, (P,)),
                        ("data_grad", dx, x.shape), ("gamma_grad", dgamma, (P,)),
                        ("beta_grad", dbeta, (P,))], [("mean", mean), ("var", stat)], P, rows)
    mod, acc = _module(x.dtype)
    if rows == 0 or n == 0:
        from . import codegen
        for a in (dx, dgamma, dbeta):
            if a.size:
                codegen.fill(a, 0, op=op.name)
        return
    sum_og, sum_og_xhat = empty((rows,), acc), empty((rows,), acc)
    mod.norm_backward[rows_grid(rows)](*_flat(og, x, gamma, mean, stat, dx), sum_og,
                                       sum_og_xhat, rows, n, P, acc(attrs.eps),
                                       op.name == "_backward_GroupNorm")
    mod.class_sums[grid_for(P)](sum_og, sum_og_xhat, *_flat(dgamma, dbeta), rows, P)


def _l2_layout(op, attrs, x):
    """(rows, n, inner) of L2Normalization's mode."""
    shape = tuple(x.shape)
    try:
        axes = _l2_axes(attrs.mode, len(shape))
    except Exception as err:
        raise MXNetValueError("%s: %s (data shape %s)" % (op, err, shape))
    first, last = (axes[0], axes[-1]) if axes else (len(shape), len(shape) - 1)
    outer = int(np.prod(shape[:first], dtype=np.int64))
    n = int(np.prod(shape[first:last + 1], dtype=np.int64))
    inner = int(np.prod(shape[last + 1:], dtype=np.int64))
    return outer * inner, n, inner


def _l2_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    out, norm = outputs
    rows, n, inner = _l2_layout(op.name, attrs, x)
    _check(op.name, x, [("out", out, x.shape)], [("norm", norm)], 1, rows)
    if rows == 0:
        return
    mod, acc = _module(x.dtype)
    mod.l2_forward[rows_grid(rows)](*_flat(x, out, norm), rows, n, inner, acc(attrs.eps))


def _l2_backward_op(op, attrs, inputs, outputs, octx):
    og, y, norm = inputs
    dx = outputs[0]
    rows, n, inner = _l2_layout(op.name, attrs, y)
    _check(op.name, y, [("ograd", og, y.shape), ("data_grad", dx, y.shape)], [("norm", norm)],
           1, rows)
    same_dtype(op.name, [("output", y), ("ograd", og)])
    if rows == 0:
        return
    mod, _ = _module(y.dtype)
    mod.l2_backward[rows_grid(rows)](*_flat(og, y, norm, dx), rows, n, inner)


KERNELS = {"InstanceNorm": _norm_op, "_backward_InstanceNorm": _norm_backward_op,
           "GroupNorm": _norm_op, "_backward_GroupNorm": _norm_backward_op,
           "L2Normalization": _l2_op, "_backward_L2Normalization": _l2_backward_op}
