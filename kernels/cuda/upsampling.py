"""CUDA UpSampling and _backward_UpSampling (MXNet 1.9.1, compiler/ops/nn_pool.py).

- nearest (1..N inputs (N, C_i, H_i, W_i), scale s_i = out H / H_i): one thread per output
  element of each input's channel block; 'concat' stacks the inputs' channels, 'sum' adds
  them (the first input writes, the others add: one launch per input, no races).
  Backward: one thread per input-gradient element sums its s x s block of ograd.
- bilinear (data, weight): MXNet's Deconvolution with num_group = C and the geometry of
  `_bilinear_param`, through conv.py's pieces as deconv.py does: forward = the data half
  of conv.backward, backward = conv.forward (data) + the weight half of conv.backward.
float32/float64.
"""
import numpy as np

from compiler.errors import MXNetValueError
from ..cpu.conv import geometry
from . import conv
from .runtime import check_array, grid_for, require, FLOATS

cuda = require()


@cuda.jit(cache=True)
def nearest_forward(x, out, C, H, W, Ctot, OH, OW, c_off, s, accumulate):
    i = cuda.grid(1)
    total = x.size // (H * W) * OH * OW
    while i < total:
        ow = i % OW
        r = i // OW
        oh = r % OH
        r = r // OH
        c = r % C
        n = r // C
        v = x[((n * C + c) * H + oh // s) * W + ow // s]
        o = ((n * Ctot + c_off + c) * OH + oh) * OW + ow
        if accumulate:
            out[o] += v
        else:
            out[o] = v
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def nearest_backward(og, dx, C, H, W, Ctot, OH, OW, c_off, s):
    i = cuda.grid(1)
    while i < dx.size:
        w = i % W
        r = i // W
        h = r % H
        r = r // H
        c = r % C
        n = r // C
        base = (n * Ctot + c_off + c) * OH * OW
        acc = og[0] * 0
        for dy in range(s):
            for dxx in range(s):
                acc += og[base + (h * s + dy) * OW + w * s + dxx]
        dx[i] = acc
        i += cuda.gridsize(1)


def _bilinear_geometry(attrs, x):
    from compiler.ops.nn_pool import _bilinear_param
    prm = _bilinear_param(attrs.scale)
    return geometry(prm.kernel, prm.stride, prm.pad, prm.dilate, tuple(x.shape[2:]))


def _check(op, arrays, dt):
    for name, a in arrays:
        check_array(op, name, a, ndim=4, dtypes=(dt,) if dt else FLOATS)
        dt = dt or np.dtype(a.dtype).name
    return dt


def _forward_op(op, attrs, inputs, outputs, octx):
    out = outputs[0]
    dt = _check(op.name, [("out", out)], None)
    if attrs.sample_type == "bilinear":
        x, w = inputs
        conv.backward(x, out, w, out, None, _bilinear_geometry(attrs, x), x.shape[1],
                      op=op.name)
        return
    _check(op.name, [("arg%d" % k, x) for k, x in enumerate(inputs)], dt)
    N, Ctot, OH, OW = out.shape
    c_off = 0
    for k, x in enumerate(inputs):
        C, H, W = x.shape[1:]
        s = OH // max(H, 1)
        if x.shape[0] != N or H * s != OH or W * s != OW or c_off + C > Ctot:
            raise MXNetValueError("%s: input %d of shape %s does not fit the output %s"
                                  % (op.name, k, tuple(x.shape), tuple(out.shape)))
        if out.size and x.size:
            nearest_forward[grid_for(N * C * OH * OW)](
                x.reshape(x.size), out.reshape(out.size), C, H, W, Ctot, OH, OW, c_off, s,
                attrs.multi_input_mode == "sum" and k > 0)
        if attrs.multi_input_mode != "sum":
            c_off += C


def _backward_op(op, attrs, inputs, outputs, octx):
    og, ins = inputs[0], inputs[1:]
    dt = _check(op.name, [("ograd", og)], None)
    if attrs.sample_type == "bilinear":
        x, w = ins
        g = _bilinear_geometry(attrs, x)
        conv.forward(og, w, outputs[0], g, x.shape[1], op=op.name)
        conv.backward(x, og, w, None, outputs[1], g, x.shape[1], op=op.name)
        return
    _check(op.name, [("%s_grad" % k, dx) for k, dx in enumerate(outputs)], dt)
    N, Ctot, OH, OW = og.shape
    c_off = 0
    for k, (x, dx) in enumerate(zip(ins, outputs)):
        C, H, W = x.shape[1:]
        s = OH // max(H, 1)
        if tuple(dx.shape) != tuple(x.shape) or H * s != OH or W * s != OW \
                or c_off + C > Ctot:
            raise MXNetValueError("%s: gradient %d of shape %s does not fit ograd %s"
                                  % (op.name, k, tuple(dx.shape), tuple(og.shape)))
        if dx.size:
            nearest_backward[grid_for(dx.size)](og.reshape(og.size), dx.reshape(dx.size), C, H,
                                                W, Ctot, OH, OW, c_off, s)
        if attrs.multi_input_mode != "sum":
            c_off += C


KERNELS = {"UpSampling": _forward_op, "_backward_UpSampling": _backward_op}
