"""CUDA tile, repeat, Pad (constant / edge / reflect) and _backward_Pad: index remaps.

One thread per output element (grid-stride): the output's multi-index is mapped axis by
axis to the input's, with one rule per axis (`MODES`): the same axis with an offset (Pad's
`before`; outside the input -> constant_value), modulo (tile), integer division (repeat),
clamp (edge) or mirror (reflect, pad < size is checked by the op).  Shapes and rules are
tuples (the kernel is compiled per ndim, never per shape).  _backward_Pad: constant mode
gathers the interior of ograd; edge/reflect (float32/float64) zero the gradient and add
every ograd element into the input element its forward copy read (atomics).  The forward
ops copy any numeric dtype (Pad: floating, float16 included).
"""
import numpy as np

from compiler.errors import MXNetValueError
from compiler.ops.tensor_more import pad_pairs
from . import codegen
from .runtime import check_array, grid_for, require, same_dtype, FLOATS, NUMERIC

cuda = require()

OFFSET, MODULO, DIVIDE, CLAMP, MIRROR = 0, 1, 2, 3, 4
_PAD_MODE = {"constant": OFFSET, "edge": CLAMP, "reflect": MIRROR}


@cuda.jit(device=True, inline=True)
def _source(i, ishape, oshape, modes, params):
    """(flat input index, inside) of flat output index i."""
    rem = i
    src = 0
    stride = 1
    inside = True
    for k in range(len(oshape) - 1, -1, -1):
        o = rem % oshape[k]
        rem = rem // oshape[k]
        n = ishape[k]
        m = modes[k]
        if m == 1:
            j = o % n
        elif m == 2:
            j = o // params[k]
        else:
            j = o - params[k]
            if j < 0 or j >= n:
                if m == 0:
                    inside = False
                    j = 0
                elif m == 3:
                    j = 0 if j < 0 else n - 1
                elif j < 0:
                    j = -j
                else:
                    j = 2 * (n - 1) - j
        src += j * stride
        stride *= n
    return src, inside


@cuda.jit(cache=True)
def remap_kernel(x, out, ishape, oshape, modes, params, cval):
    i = cuda.grid(1)
    while i < out.size:
        src, inside = _source(i, ishape, oshape, modes, params)
        if inside:
            out[i] = x[src]
        else:
            out[i] = cval
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def scatter_add_kernel(og, dx, ishape, oshape, modes, params):
    """dx[source(i)] += og[i] (dx zeroed by the caller)."""
    i = cuda.grid(1)
    while i < og.size:
        src, inside = _source(i, ishape, oshape, modes, params)
        if inside:
            cuda.atomic.add(dx, src, og[i])
        i += cuda.gridsize(1)


def _tuple(values):
    return tuple(np.int64(v) for v in values)


def remap(x, out, ishape, modes, params, cval=0, op="remap"):
    """out[multi-index] = x[rule per axis] (see the module docstring); x is read flat."""
    oshape = tuple(out.shape) or (1,)
    ishape = tuple(ishape) or (1,)
    if len(ishape) != len(oshape) or len(modes) != len(oshape) or len(params) != len(oshape):
        raise MXNetValueError("%s: %d-d input layout %s for the %d-d output %s"
                              % (op, len(ishape), ishape, len(oshape), oshape))
    if int(np.prod(ishape, dtype=np.int64)) != x.size:
        raise MXNetValueError("%s: input layout %s does not hold the input's %d elements"
                              % (op, ishape, x.size))
    if out.size:
        value = np.dtype(out.dtype).type(cval)
        remap_kernel[grid_for(out.size)](x.reshape(x.size), out.reshape(out.size),
                                         _tuple(ishape), _tuple(oshape), _tuple(modes),
                                         _tuple(params), value)
    return out


def _tile_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    check_array(op.name, "data", x, dtypes=NUMERIC + ("float16",))
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,))
    nd = len(out.shape)
    ishape = (1,) * (nd - len(x.shape)) + tuple(x.shape)
    remap(x, out, ishape, (MODULO,) * nd, (1,) * nd, op=op.name)


def _repeat_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    check_array(op.name, "data", x, dtypes=NUMERIC + ("float16",))
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,))
    if not out.size:
        return
    if attrs.axis is None:
        remap(x, out, (x.size,), (DIVIDE,), (attrs.repeats,), op=op.name)
        return
    axis = attrs.axis % len(x.shape)
    modes = [OFFSET] * len(x.shape)
    params = [0] * len(x.shape)
    modes[axis], params[axis] = DIVIDE, attrs.repeats
    remap(x, out, x.shape, modes, params, op=op.name)


def _pad_rules(attrs, shape):
    pairs = pad_pairs(attrs, shape)
    return (_PAD_MODE[attrs.mode],) * len(shape), tuple(b for b, _ in pairs), pairs


def _pad_op(op, attrs, inputs, outputs, octx):
    x, out = inputs[0], outputs[0]
    check_array(op.name, "data", x, dtypes=FLOATS + ("float16",))
    check_array(op.name, "out", out, dtypes=(np.dtype(x.dtype).name,))
    modes, before, _ = _pad_rules(attrs, x.shape)
    remap(x, out, x.shape, modes, before, attrs.constant_value, op=op.name)


def _backward_pad_op(op, attrs, inputs, outputs, octx):
    og, x = inputs
    dx = outputs[0]
    modes, before, pairs = _pad_rules(attrs, x.shape)
    want = tuple(n + b + a for n, (b, a) in zip(x.shape, pairs))
    check_array(op.name, "ograd", og, dtypes=FLOATS, shape=want)
    check_array(op.name, "out", dx, dtypes=FLOATS, shape=x.shape)
    same_dtype(op.name, [("ograd", og), ("out", dx)])
    if not dx.size:
        return
    if attrs.mode == "constant":          # dx = ograd's interior: og read at i + before
        remap(og, dx, og.shape, (OFFSET,) * len(want), tuple(-b for b in before), op=op.name)
        return
    codegen.fill(dx, 0, op=op.name)
    if og.size:
        scatter_add_kernel[grid_for(og.size)](og.reshape(og.size), dx.reshape(dx.size),
                                              _tuple(x.shape), _tuple(want), _tuple(modes),
                                              _tuple(before))


KERNELS = {"tile": _tile_op, "repeat": _repeat_op, "Pad": _pad_op, "_backward_Pad":
           _backward_pad_op}
