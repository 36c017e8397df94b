"""CUDA softmax / log_softmax / softmin and their backward passes: one block per row.

As on the CPU (kernels/cpu/softmax.py) the input is a C-contiguous (outer, n, inner) view
with `n` the softmax axis; row r = (o, i) reads elements base + j * inner (coalesced when
inner == 1).  Blocks stride over the rows, threads over a row; the row maximum and the sum
of exponentials are block reductions (templates.py).  `scale` multiplies the input
(1/temperature, negated for softmin); `lengths` (int64 per row, clipped to [0, n]) masks
positions >= length to 0, and a fully masked row is all zeros.  Float16 computes in float32.
"""
import numpy as np

from compiler.errors import MXNetValueError
from ..codegen.elementwise import ElementwiseSpec
from . import codegen, templates
from .runtime import check_array, rows_grid, require, FLOATS

_BODY = '''
@cuda.jit(cache=True)
def forward(x, out, scale, lengths, use_len, log, rows, n, inner):
    sh = cuda.shared.array(BLOCK, dtype=ACC)
    t = cuda.threadIdx.x
    row = cuda.blockIdx.x
    while row < rows:
        o = row // inner
        base = o * n * inner + (row - o * inner)
        m_len = lengths[row] if use_len else n
        m = NEG_INF
        j = t
        while j < m_len:
            v = ACC(x[base + j * inner]) * scale
            m = v if (v > m or v != v) else m
            j += BLOCK
        m = block_max(sh, m)
        if m == NEG_INF:
            m = ACC(0)
        s = ACC(0)
        j = t
        while j < m_len:
            s += math.exp(ACC(x[base + j * inner]) * scale - m)
            j += BLOCK
        s = block_sum(sh, s)
        ls = math.log(s)
        j = t
        while j < n:
            if j < m_len:
                z = ACC(x[base + j * inner]) * scale - m
                out[base + j * inner] = z - ls if log else math.exp(z) / s
            else:
                out[base + j * inner] = 0
            j += BLOCK
        row += cuda.gridDim.x


@cuda.jit(cache=True)
def backward(og, y, dx, scale, log, rows, n, inner):
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
            s += ACC(og[k]) if log else ACC(og[k]) * ACC(y[k])
            j += BLOCK
        s = block_sum(sh, s)
        j = t
        while j < n:
            k = base + j * inner
            g = ACC(og[k])
            yk = ACC(y[k])
            dx[k] = scale * (g - math.exp(yk) * s) if log else scale * yk * (g - s)
            j += BLOCK
        row += cuda.gridDim.x
'''


def split_axis(shape, axis):
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


def forward(x, out, axis, scale, log=False, lengths=None, op="softmax"):
    """out = (log_)softmax(x * scale) over `axis` of device arrays; `lengths` masks rows."""
    cuda = require()
    check_array(op, "data", x, dtypes=FLOATS + ("float16",))
    check_array(op, "out", out, dtypes=FLOATS + ("float16",), shape=x.shape)
    if not 0 <= axis < max(len(x.shape), 1):
        raise MXNetValueError("%s: axis %d out of range for shape %s" % (op, axis, tuple(x.shape)))
    if x.size == 0:
        return out
    outer, n, inner = split_axis(tuple(x.shape), axis)
    rows = outer * inner
    if lengths is None:
        lens, use_len = cuda.to_device(np.zeros(1, np.int64)), False
    else:
        check_array(op, "length", lengths, dtypes=("int64",))
        if lengths.size != rows:
            raise MXNetValueError("%s: length has %d entries, data %s has %d rows along axis %d"
                                  % (op, lengths.size, tuple(x.shape), rows, axis))
        lens, use_len = lengths.reshape(rows), True
    mod = templates.load("softmax", _BODY, templates.acc_type(x.dtype, out.dtype))
    acc = np.dtype(templates.acc_type(x.dtype, out.dtype)).type
    mod.forward[rows_grid(rows)](x.reshape(x.size), out.reshape(out.size), acc(scale), lens,
                                 use_len, bool(log), rows, n, inner)
    return out


def backward(og, y, dx, axis, scale, log=False, op="softmax_backward"):
    """dx = the (log_)softmax gradient applied to og, from the forward output y."""
    for name, a in (("ograd", og), ("output", y), ("out", dx)):
        check_array(op, name, a, dtypes=FLOATS + ("float16",), shape=y.shape)
    if y.size == 0:
        return dx
    outer, n, inner = split_axis(tuple(y.shape), axis)
    acc_name = templates.acc_type(og.dtype, y.dtype, dx.dtype)
    mod = templates.load("softmax", _BODY, acc_name)
    mod.backward[rows_grid(outer * inner)](og.reshape(og.size), y.reshape(y.size),
                                           dx.reshape(dx.size), np.dtype(acc_name).type(scale),
                                           bool(log), outer * inner, n, inner)
    return dx


# --- op adapters -----------------------------------------------------------------------------

def _scale(op, attrs):
    from compiler.ops.softmax import _scale as scale_of
    return scale_of(attrs, op.negate)


def _forward_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    axis = attrs.axis % len(x.shape) if len(x.shape) else 0
    lengths = None
    if attrs.use_length:
        lengths = _clipped_lengths(inputs[1], x.shape[axis])
    forward(x, outputs[0], axis, _scale(op, attrs), op.log, lengths, op=op.name)


_CLIP = ElementwiseSpec(("v",), ["min(max(np.int64(v), 0), n)"], params=("n",),
                        tag="cuda_clip_len")


def _clipped_lengths(length, n):
    """Integer lengths as int64, clipped to [0, n] (MXNet reads past the row for a length > n)."""
    out = require().device_array(tuple(length.shape), np.int64)
    codegen.launch(_CLIP, [out], [length], (np.int64(n),), op="softmax")
    return out


def _backward_op(op, attrs, inputs, outputs, octx):
    y = inputs[1]
    axis = attrs.axis % len(y.shape)
    backward(inputs[0], y, outputs[0], axis, _scale(op, attrs), op.log, op=op.name)


def _activation_op(op, attrs, inputs, outputs, octx):
    x = inputs[0]
    forward(x, outputs[0], op._axis(attrs, len(x.shape)), 1.0, op=op.name)


def _activation_backward_op(op, attrs, inputs, outputs, octx):
    y = inputs[1]
    backward(inputs[0], y, outputs[0], op._axis(len(y.shape)), 1.0, op=op.name)


KERNELS = {"softmax": _forward_op, "log_softmax": _forward_op, "softmin": _forward_op,
           "_backward_softmax": _backward_op, "_backward_log_softmax": _backward_op,
           "_backward_softmin": _backward_op, "SoftmaxActivation": _activation_op,
           "_backward_SoftmaxActivation": _activation_backward_op}
