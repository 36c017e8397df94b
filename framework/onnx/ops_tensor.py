"""Converters of shape ops: Reshape (MXNet's codes resolved with the inferred shapes),
Flatten, transpose, SwapAxis, expand_dims, squeeze, Concat, stack, slice, slice_axis,
slice_like, SliceChannel, broadcast_to / broadcast_axis / broadcast_like, tile, repeat,
reverse, Pad, reshape_like, shape_array, size_array."""
import numpy as np

from compiler.ops.registry import normalize_axis
from compiler.ops.tensor_slice import slice_axis_range, slice_key
from ._registry import converter

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def _reshape_codes(spec, in_shape, out_shape):
    """ONNX Reshape codes for a dynamic export: 0 where MXNet copies the input dim at the same
    position, -1 for the inferred dim, the inferred size elsewhere."""
    codes, src, i = [], 0, 0
    while i < len(spec):
        code = spec[i]
        if code == 0 or code == -2:
            count = 1 if code == 0 else len(in_shape) - src
            for _ in range(count):
                codes.append(0 if src == len(codes) else out_shape[len(codes)])
                src += 1
        elif code == -1:
            codes.append(-1)
            src += 1
        elif code == -3:
            codes.append(out_shape[len(codes)])
            src += 2
        elif code == -4:
            for part in spec[i + 1:i + 3]:
                codes.append(-1 if part == -1 else out_shape[len(codes)])
            src += 1
            i += 2
        else:
            codes.append(code)
            src += 1
        i += 1
    if len(codes) != len(out_shape) or codes.count(-1) > 1:
        return list(out_shape)
    return codes


@converter("Reshape")
def reshape(g, n):
    """The output shape comes from MXNet's shape inference (codes 0, -1, -2, -3, -4, reverse);
    a dynamic export keeps copied dims (0) and the inferred dim (-1) free."""
    a = n.attrs
    out_shape = list(n.out_shape())
    shape = out_shape
    if g.dynamic and a.shape and not a.reverse:
        shape = _reshape_codes(list(a.shape), n.in_shape(0), out_shape)
    return [g.reshape(n.input(0), shape, n.out())]


@converter("reshape_like")
def reshape_like(g, n):
    return [g.reshape(n.input(0), list(n.out_shape()), n.out())]


@converter("Flatten")
def flatten(g, n):
    return [g.op("Flatten", [n.input(0)], n.out(), axis=1)]


@converter("transpose")
def transpose(g, n):
    ndim = len(n.in_shape(0))
    axes = list(n.attrs.axes) or list(range(ndim))[::-1]
    return [g.op("Transpose", [n.input(0)], n.out(), perm=[a % ndim for a in axes])]


@converter("SwapAxis")
def swap_axis(g, n):
    ndim = len(n.in_shape(0))
    perm = list(range(ndim))
    d1, d2 = n.attrs.dim1 % ndim, n.attrs.dim2 % ndim
    perm[d1], perm[d2] = perm[d2], perm[d1]
    return [g.op("Transpose", [n.input(0)], n.out(), perm=perm)]


@converter("expand_dims")
def expand_dims(g, n):
    axis = n.attrs.axis
    ndim = len(n.in_shape(0))
    return [g.unsqueeze(n.input(0), [axis if axis >= 0 else axis + ndim + 1], n.out())]


@converter("squeeze")
def squeeze(g, n):
    shape = n.in_shape(0)
    ndim = len(shape)
    if n.attrs.axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = sorted(a % ndim for a in n.attrs.axis)
    if len(axes) == ndim:                     # MXNet keeps a (1,) instead of a 0-d result
        return [g.reshape(n.input(0), list(n.out_shape()), n.out())]
    if not axes:
        return [g.op("Identity", [n.input(0)], n.out())]
    return [g.squeeze(n.input(0), axes, n.out())]


@converter("Concat")
def concat(g, n):
    axis = normalize_axis(n.attrs.dim, len(n.in_shape(0)))
    return [g.op("Concat", n.inputs(), n.out(), axis=axis)]


@converter("stack")
def stack(g, n):
    axis = normalize_axis(n.attrs.axis, len(n.in_shape(0)) + 1)
    parts = [g.unsqueeze(x, [axis]) for x in n.inputs()]
    return [g.op("Concat", parts, n.out(), axis=axis)]


@converter("slice")
def slice_(g, n):
    """begin/end/step with None entries: Python's slice semantics, as ONNX Slice clamps."""
    key = slice_key(n.attrs, n.in_shape(0))
    starts, ends, steps = [], [], []
    for k in key:
        step = k.step
        starts.append(k.start if k.start is not None else (0 if step > 0 else INT64_MAX))
        ends.append(k.stop if k.stop is not None else (INT64_MAX if step > 0 else INT64_MIN))
        steps.append(step)
    axes = list(range(len(key)))
    return [g.op("Slice", [n.input(0), g.ints(starts, "starts"), g.ints(ends, "ends"),
                           g.ints(axes, "axes"), g.ints(steps, "steps")], n.out())]


@converter("slice_axis")
def slice_axis(g, n):
    axis, b, e = slice_axis_range(n.attrs, n.in_shape(0))
    return [g.op("Slice", [n.input(0), g.ints([b], "starts"), g.ints([e], "ends"),
                           g.ints([axis], "axes")], n.out())]


@converter("slice_like")
def slice_like(g, n):
    out = list(n.out_shape())
    axes = list(range(len(out)))
    return [g.op("Slice", [n.input(0), g.ints([0] * len(out), "starts"), g.ints(out, "ends"),
                           g.ints(axes, "axes")], n.out())]


@converter("SliceChannel")
def slice_channel(g, n):
    """Equal parts along `axis`; squeeze_axis drops the axis (parts of size 1)."""
    a = n.attrs
    shape = n.in_shape(0)
    axis = normalize_axis(a.axis, len(shape))
    k = a.num_outputs
    outs = [n.out(i) for i in range(k)]
    if k == 1:
        x = n.input(0)
        return [g.squeeze(x, [axis], outs[0]) if a.squeeze_axis
                else g.op("Identity", [x], outs[0])]
    sizes = [shape[axis] // k] * k
    if not a.squeeze_axis:
        return g.split(n.input(0), axis, sizes, outs)
    parts = g.split(n.input(0), axis, sizes)
    return [g.squeeze(p, [axis], o) for p, o in zip(parts, outs)]


def _expand(g, n):
    return [g.op("Expand", [n.input(0), g.ints(n.out_shape())], n.out())]


converter("broadcast_to", "broadcast_axis", "broadcast_like")(_expand)


@converter("tile")
def tile(g, n):
    """numpy.tile: reps shorter than the rank are padded with 1s, longer ones add axes."""
    shape = list(n.in_shape(0))
    reps = list(n.attrs.reps)
    x = n.input(0)
    if len(reps) > len(shape):
        shape = [1] * (len(reps) - len(shape)) + shape
        x = g.reshape(x, shape)
    reps = [1] * (len(shape) - len(reps)) + reps
    return [g.op("Tile", [x, g.ints(reps, "repeats")], n.out())]


@converter("repeat")
def repeat(g, n):
    """Each element `repeats` times along `axis` (the flattened data when axis is None)."""
    a = n.attrs
    x, shape = n.input(0), list(n.in_shape(0))
    if a.axis is None:
        x, shape, axis = g.reshape(x, [-1]), [int(np.prod(shape))], 0
    else:
        axis = normalize_axis(a.axis, len(shape))
    expanded = g.unsqueeze(x, [axis + 1])
    reps = [1] * (len(shape) + 1)
    reps[axis + 1] = a.repeats
    tiled = g.op("Tile", [expanded, g.ints(reps, "repeats")])
    return [g.reshape(tiled, list(n.out_shape()), n.out())]


@converter("reverse")
def reverse(g, n):
    ndim = len(n.in_shape(0))
    axes = sorted({a % ndim for a in n.attrs.axis})
    k = len(axes)
    return [g.op("Slice", [n.input(0), g.ints([-1] * k, "starts"), g.ints([INT64_MIN] * k, "ends"),
                           g.ints(axes, "axes"), g.ints([-1] * k, "steps")], n.out())]


@converter("Pad")
def pad(g, n):
    a = n.attrs
    ndim = len(n.in_shape(0))
    width = list(a.pad_width)
    if len(width) != 2 * ndim:
        n.fail("pad_width %s needs %d entries" % (tuple(width), 2 * ndim))
    pads = width[0::2] + width[1::2]
    mode = {"constant": "constant", "edge": "edge", "reflect": "reflect"}.get(a.mode)
    if mode is None:
        n.fail("mode %s" % a.mode)
    ins = [n.input(0), g.ints(pads, "pads")]
    if mode == "constant":
        ins.append(g.const(a.constant_value, n.in_dtype(0), "value"))
    return [g.op("Pad", ins, n.out(), mode=mode)]


@converter("shape_array")
def shape_array(g, n):
    return [g.cast(g.op("Shape", [n.input(0)]), n.out_dtype(), n.out())]


@converter("size_array")
def size_array(g, n):
    size = g.reshape(g.op("Size", [n.input(0)]), [1])
    return [g.cast(size, n.out_dtype(), n.out())]


@converter("_zeros", "_ones", "_full", "_arange", "_linspace", "_eye")
def constant_source(g, n):
    """Deterministic ops without inputs: their value, computed by the op's own reference,
    becomes an initializer."""
    from compiler.ops.registry import OpContext
    value = n.node.op.reference(n.attrs, [], OpContext(is_train=False))[0]
    return [g.op("Identity", [g.const(value, n.out_dtype(), "value")], n.out())]
