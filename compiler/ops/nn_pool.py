"""Pooling (max/avg/sum/lp, 1-D to 3-D) and UpSampling (nearest, bilinear) with backward ops."""
import numpy as np

from kernels.cpu import conv as KC
from kernels.cpu import pool as KP
from .registry import Op, Attr, register, fail, REQUIRED
from .nn import (run_wide, check_float, ConvParam, ref_deconv, ref_deconv_grads, _spatial)

_POOL_LAYOUTS = ("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC", "NWC")
_DEFAULT_LAYOUT = {3: "NCW", 4: "NCHW", 5: "NCDHW"}


# --- Pooling ---------------------------------------------------------------------------

class PoolParam:
    __slots__ = ("kernel", "stride", "pad", "out", "include_pad", "p")

    def __init__(self, kernel, stride, pad, out, include_pad, p):
        self.kernel, self.stride, self.pad, self.out = kernel, stride, pad, out
        self.include_pad, self.p = include_pad, p

    def geometry(self):
        return KP.pool_geometry(self.kernel, self.stride, self.pad)


def pool_param(attrs, dshape):
    """Effective kernel/stride/pad and output spatial shape for data shape `dshape`."""
    dshape = tuple(dshape)
    kernel = tuple(attrs.kernel)
    if attrs.pool_type == "lp":
        if attrs.p_value is None:
            fail("p_value is required for lp pooling")
        if attrs.p_value not in (1, 2, 3):
            fail("p_value %d is not supported for lp pooling (1, 2 or 3)", attrs.p_value)
    if attrs.pooling_convention == "same":
        fail("pooling_convention 'same' is not supported: MXNet 1.9.1 rejects it for every input "
             "(data shape %s)", dshape)
    if not attrs.global_pool:
        if len(kernel) not in (1, 2, 3):
            fail("kernel %s: only 1-D, 2-D and 3-D pooling are supported (or set global_pool)",
                 kernel)
        if len(dshape) != len(kernel) + 2:
            fail("data shape %s: %d-D pooling (kernel %s) needs %d-D data %s", dshape,
                 len(kernel), kernel, len(kernel) + 2, _DEFAULT_LAYOUT[len(kernel) + 2])
    elif len(dshape) not in (3, 4, 5):
        fail("data shape %s: pooling needs 3-D, 4-D or 5-D data (NCW, NCHW or NCDHW)", dshape)
    nd = len(dshape) - 2
    layout = attrs.layout
    if layout is not None and layout != _DEFAULT_LAYOUT[nd + 2]:
        if layout in ("NWC", "NHWC", "NDHWC"):
            fail("layout %s is not supported on CPU (only %s for %d-D data)", layout,
                 _DEFAULT_LAYOUT[nd + 2], nd + 2)
        fail("layout %s does not match data shape %s (expected %s)", layout, dshape,
             _DEFAULT_LAYOUT[nd + 2])
    include_pad = attrs.count_include_pad is not False
    p = attrs.p_value or 1
    if attrs.global_pool:
        spatial = dshape[2:]
        return PoolParam(spatial, (1,) * nd, (0,) * nd, (1,) * nd, include_pad, p)
    stride = tuple(attrs.stride) or (1,) * nd
    pad = tuple(attrs.pad) or (0,) * nd
    for name, v in (("stride", stride), ("pad", pad)):
        if len(v) != nd:
            fail("%s %s must have the same number of dimensions as kernel %s", name, v, kernel)
    if min(kernel) <= 0 or min(stride) <= 0 or min(pad) < 0:
        fail("invalid pooling geometry: kernel %s, stride %s, pad %s", kernel, stride, pad)
    out = []
    for x, k, s, q in zip(dshape[2:], kernel, stride, pad):
        if k > x + 2 * q:
            fail("data shape %s, kernel %s, stride %s, pad %s: the kernel is larger than the "
                 "padded input %s", dshape, kernel, stride, pad,
                 tuple(v + 2 * r for v, r in zip(dshape[2:], pad)))
        span = x + 2 * q - k
        out.append(1 + (span // s if attrs.pooling_convention == "valid" else -(-span // s)))
    return PoolParam(kernel, stride, pad, tuple(out), include_pad, p)


def _windows(prm, spatial):
    """(output index, input slices, length clipped at size + pad, clipped length) per output."""
    for o in np.ndindex(*prm.out):
        sl, full, clipped = [], 1, 1
        for oi, k, s, q, size in zip(o, prm.kernel, prm.stride, prm.pad, spatial):
            start = oi * s - q
            end = min(start + k, size + q)
            lo, hi = max(start, 0), min(end, size)
            full *= end - start
            clipped *= max(hi - lo, 0)
            sl.append(slice(lo, max(hi, lo)))
        yield o, tuple(sl), full, clipped


def ref_pool(x, prm, pool_type):
    N, C = x.shape[:2]
    x64 = x.astype(np.float64)
    y = np.empty((N, C) + prm.out)
    for o, sl, full, clipped in _windows(prm, x.shape[2:]):
        idx = (slice(None), slice(None)) + o
        if clipped == 0:
            y[idx] = np.finfo(x.dtype).min if pool_type == "max" else 0
            continue
        win = x64[(slice(None), slice(None)) + sl].reshape(N, C, -1)
        if pool_type == "max":
            y[idx] = win.max(axis=-1)
        elif pool_type == "sum":
            y[idx] = win.sum(axis=-1)
        elif pool_type == "avg":
            y[idx] = win.sum(axis=-1) / (full if prm.include_pad else clipped)
        else:
            acc = (win ** prm.p).sum(axis=-1)
            y[idx] = acc if prm.p == 1 else (np.sqrt(acc) if prm.p == 2 else np.cbrt(acc))
    return y.astype(x.dtype)


def ref_pool_grad(og, x, y, prm, pool_type):
    N, C = x.shape[:2]
    og, x64, y = og.astype(np.float64), x.astype(np.float64), y.astype(np.float64)
    dx = np.zeros(x.shape)
    for o, sl, full, clipped in _windows(prm, x.shape[2:]):
        if clipped == 0:
            continue
        idx = (slice(None), slice(None)) + o
        xs = (slice(None), slice(None)) + sl
        win = x64[xs]
        g = og[idx].reshape((N, C) + (1,) * len(sl))
        if pool_type == "max":
            flat = win.reshape(N, C, -1)
            hit = flat == y[idx][..., None]
            first = np.zeros(flat.shape)
            np.put_along_axis(first, hit.argmax(axis=-1)[..., None],
                              hit.any(axis=-1)[..., None].astype(np.float64), axis=-1)
            dx[xs] += first.reshape(win.shape) * g
        elif pool_type == "sum" or (pool_type == "lp" and prm.p == 1):
            dx[xs] += g
        elif pool_type == "avg":
            dx[xs] += g / (full if prm.include_pad else clipped)
        else:
            yv = y[idx].reshape(g.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = (win / yv) ** (prm.p - 1)
            dx[xs] += np.where(g == 0, 0.0, g * ratio)
    return dx.astype(x.dtype)


_POOL_ATTRS = dict(
    kernel=Attr("shape", ()), pool_type=Attr("str", "max", ("avg", "lp", "max", "sum")),
    global_pool=Attr("bool", False), cudnn_off=Attr("bool", False),
    pooling_convention=Attr("str", "valid", ("full", "same", "valid")),
    stride=Attr("shape", ()), pad=Attr("shape", ()), p_value=Attr("int_or_none", None),
    count_include_pad=Attr("bool_or_none", None), layout=Attr("str_or_none", None, _POOL_LAYOUTS))


@register
class Pooling(Op):
    """Max / average / sum / Lp pooling over 1-D, 2-D or 3-D windows (NCW, NCHW, NCDHW)."""

    name = "Pooling"
    arguments = ("data",)
    attrs = _POOL_ATTRS
    num_visible = 1

    def output_names(self, attrs):
        """MXNet 1.9.1's pip build (oneDNN) gives max pooling over 1-3-D NC* data a hidden
        workspace output (GetNumOutputs), so symbol JSON it writes counts two outputs
        (node_row_ptr); declaring it too keeps tojson() identical.  It holds zeros here."""
        if (attrs is not None and attrs.pool_type == "max" and len(attrs.kernel) in (1, 2, 3)
                and attrs.layout in (None, "NCW", "NCHW", "NCDHW")):
            return ["output", "workspace"]
        return ["output"]

    def infer_shape(self, attrs, in_shapes):
        n_out = len(self.output_names(attrs))
        dshape = in_shapes[0]
        if dshape is None:
            return list(in_shapes), [None] * n_out
        prm = pool_param(attrs, dshape)
        return list(in_shapes), [tuple(dshape[:2]) + prm.out] * n_out

    def infer_type(self, attrs, in_types):
        check_float(["data"], in_types)
        return list(in_types), [in_types[0]] * len(self.output_names(attrs))

    def reference(self, attrs, inputs, octx):
        out = ref_pool(inputs[0], pool_param(attrs, inputs[0].shape), attrs.pool_type)
        return [out] + [np.zeros_like(out)] * (len(self.output_names(attrs)) - 1)

    def _cpu(self, attrs, inputs, outputs, octx):
        for workspace in outputs[1:]:
            workspace.fill(0)
        outputs = outputs[:1]
        prm = pool_param(attrs, inputs[0].shape)
        lowest = np.finfo(inputs[0].dtype).min

        def run(ins, outs):
            KP.pooling(ins[0], outs[0], prm.geometry(), attrs.pool_type, prm.p, prm.include_pad,
                       lowest)
        run_wide(run, inputs, outputs)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        return [F._backward_Pooling(out_grads[0], inputs[0], outputs[0], **dict(attrs))]


@register
class BackwardPooling(Pooling):
    """Gradient of Pooling: (out_grad, data, output) -> data grad."""

    name = "_backward_Pooling"
    arguments = ("ograd", "data", "output")
    differentiable = False
    num_visible = None

    def output_names(self, attrs):
        return ["output"]

    def infer_shape(self, attrs, in_shapes):
        og, dshape, yshape = in_shapes
        if dshape is None:
            return list(in_shapes), [None]
        out = tuple(dshape[:2]) + pool_param(attrs, dshape).out
        for name, s in (("ograd", og), ("output", yshape)):
            if s is not None and tuple(s) != out:
                fail("%s shape %s does not match the pooled shape %s of data shape %s",
                     name, tuple(s), out, tuple(dshape))
        return [out, tuple(dshape), out], [tuple(dshape)]

    def infer_type(self, attrs, in_types):
        in_types, _ = Op.infer_type(self, attrs, in_types)
        check_float(["ograd"], in_types[:1])
        return in_types, [in_types[0]]

    def reference(self, attrs, inputs, octx):
        og, x, y = inputs
        return [ref_pool_grad(og, x, y, pool_param(attrs, x.shape), attrs.pool_type)]

    def _cpu(self, attrs, inputs, outputs, octx):
        prm = pool_param(attrs, inputs[1].shape)

        def run(ins, outs):
            KP.pooling_grad(ins[0], ins[1], ins[2], outs[0], prm.geometry(), attrs.pool_type,
                            prm.p, prm.include_pad)
        run_wide(run, inputs, outputs)


# --- UpSampling ----------------------------------------------------------------------------

def _bilinear_param(scale):
    """MXNet's UpSampling -> Deconvolution mapping (upsampling.cc GetDeconvolutionParam)."""
    k = int(2 * scale - scale % 2)
    p = int(np.ceil((scale - 1) / 2.0))
    return ConvParam(2, (k, k), (scale, scale), (1, 1), (p, p), (0, 0), ())


def upsampling_shapes(attrs, shapes):
    """(input shapes with the bilinear weight filled in, output shape) for forward inputs."""
    shapes = list(shapes)
    if attrs.scale < 1:
        fail("scale must be at least 1, got %d", attrs.scale)
    d0 = shapes[0]
    if d0 is None:
        return shapes, None
    if attrs.sample_type == "bilinear":
        if len(shapes) != 2:
            fail("bilinear upsampling takes 2 inputs (data, weight), got %d", len(shapes))
        if len(d0) != 4:
            fail("data shape %s: bilinear upsampling needs 4-D data (N, C, H, W)", tuple(d0))
        if attrs.num_filter != d0[1]:
            fail("data shape %s: num_filter (%d) must equal the number of channels (%d) for "
                 "bilinear upsampling", tuple(d0), attrs.num_filter, d0[1])
        k = _bilinear_param(attrs.scale).kernel[0]
        want = (d0[1], 1, k, k)
        if shapes[1] is not None and tuple(shapes[1]) != want:
            fail("data shape %s does not match weight shape %s: weight must be %s",
                 tuple(d0), tuple(shapes[1]), want)
        shapes[1] = want
        return shapes, (d0[0], d0[1], d0[2] * attrs.scale, d0[3] * attrs.scale)
    if any(s is None for s in shapes):
        return shapes, None
    for i, s in enumerate(shapes):
        if len(s) != 4:
            fail("input %d shape %s: nearest upsampling needs 4-D inputs (N, C, H, W)", i, tuple(s))
    oh, ow = d0[2] * attrs.scale, d0[3] * attrs.scale
    channels = 0
    for i, s in enumerate(shapes):
        if s[0] != d0[0]:
            fail("input %d shape %s: batch size differs from input 0 shape %s", i, tuple(s),
                 tuple(d0))
        if min(s[2:]) <= 0 or oh % s[2] or ow % s[3] or oh // s[2] != ow // s[3]:
            fail("input %d shape %s cannot be upsampled by an integer factor to %dx%d "
                 "(input 0 shape %s x scale %d)", i, tuple(s), oh, ow, tuple(d0), attrs.scale)
        if attrs.multi_input_mode == "sum":
            if channels and channels != s[1]:
                fail("input %d shape %s: every input needs %d channels when "
                     "multi_input_mode='sum'", i, tuple(s), channels)
            channels = s[1]
        else:
            channels += s[1]
    return shapes, (d0[0], channels, oh, ow)


def ref_upsampling(attrs, inputs):
    if attrs.sample_type == "bilinear":
        x, w = inputs
        return ref_deconv(x, w, _bilinear_param(attrs.scale), x.shape[1], x.shape[1])
    oh = inputs[0].shape[2] * attrs.scale
    ups = []
    for x in inputs:
        s = oh // x.shape[2]
        ups.append(np.repeat(np.repeat(x.astype(np.float64), s, axis=2), s, axis=3))
    if attrs.multi_input_mode == "sum":
        return sum(ups[1:], ups[0])
    return np.concatenate(ups, axis=1)


def upsampling_forward(attrs, ins, out):
    if attrs.sample_type == "bilinear":
        x, w = ins
        prm = _bilinear_param(attrs.scale)
        g = KC.geometry(prm.kernel, prm.stride, prm.pad, prm.dilate, x.shape[2:])
        KC.conv_backward_data(_spatial(x), w.reshape(x.shape[1], -1), KC.as5d(out), g,
                              x.shape[1])
        return
    c_off = 0
    for i, x in enumerate(ins):
        s = out.shape[2] // x.shape[2]
        accumulate = attrs.multi_input_mode == "sum" and i > 0
        KP.upsample_nearest(x, out, c_off, s, accumulate)
        if attrs.multi_input_mode != "sum":
            c_off += x.shape[1]


def upsampling_backward(attrs, og, ins, grads):
    if attrs.sample_type == "bilinear":
        x, w = ins
        prm = _bilinear_param(attrs.scale)
        g = KC.geometry(prm.kernel, prm.stride, prm.pad, prm.dilate, x.shape[2:])
        C = x.shape[1]
        KC.conv_forward(KC.as5d(og), w.reshape(C, -1), _spatial(grads[0]), g, C)
        KC.conv_backward_weight(_spatial(x), KC.as5d(og), grads[1].reshape(C, -1), g, C)
        return
    c_off = 0
    for x, dx in zip(ins, grads):
        KP.upsample_nearest_grad(og, dx, c_off, og.shape[2] // x.shape[2])
        if attrs.multi_input_mode != "sum":
            c_off += x.shape[1]


def _upsampling_names(attrs, n):
    if attrs is not None and attrs.sample_type == "bilinear":
        return ["data", "weight"]
    return ["arg%d" % i for i in range(n)]


@register
class UpSampling(Op):
    """Nearest-neighbour (1..N inputs, concat or sum) or bilinear (data, weight) upsampling."""

    name = "UpSampling"
    variadic = "num_args"
    attrs = dict(
        scale=Attr("int"), num_filter=Attr("int", 0),
        sample_type=Attr("str", REQUIRED, ("bilinear", "nearest")),
        multi_input_mode=Attr("str", "concat", ("concat", "sum")),
        num_args=Attr("int"), workspace=Attr("int", 512))

    def input_names(self, attrs):
        return _upsampling_names(attrs, attrs.num_args if attrs is not None else 1)

    def infer_shape(self, attrs, in_shapes):
        shapes, out = upsampling_shapes(attrs, in_shapes)
        return shapes, [out]

    def infer_type(self, attrs, in_types):
        check_float(self.input_names(attrs)[:1], in_types[:1])
        return Op.infer_type(self, attrs, in_types)

    def reference(self, attrs, inputs, octx):
        return [ref_upsampling(attrs, inputs).astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        run_wide(lambda ins, outs: upsampling_forward(attrs, ins, outs[0]), inputs, outputs)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        kwargs = {k: v for k, v in attrs.items() if k != "num_args"}
        grads = F._backward_UpSampling(out_grads[0], *inputs, **kwargs)
        return list(grads) if isinstance(grads, (list, tuple)) else [grads]


@register
class BackwardUpSampling(UpSampling):
    """Gradient of UpSampling: (out_grad, *inputs) -> one grad per input.

    num_args counts every input of this op (out_grad included)."""

    name = "_backward_UpSampling"
    differentiable = False

    def input_names(self, attrs):
        n = attrs.num_args if attrs is not None else 2
        return ["ograd"] + _upsampling_names(attrs, n - 1)

    def output_names(self, attrs):
        return ["%s_grad" % n for n in self.input_names(attrs)[1:]]

    def infer_shape(self, attrs, in_shapes):
        if len(in_shapes) < 2:
            fail("expects the output gradient and at least one forward input")
        shapes, out = upsampling_shapes(attrs, in_shapes[1:])
        og = in_shapes[0]
        if og is not None and out is not None and tuple(og) != tuple(out):
            fail("ograd shape %s does not match the upsampled shape %s", tuple(og), tuple(out))
        return [out if og is None else og] + shapes, list(shapes)

    def infer_type(self, attrs, in_types):
        in_types, _ = Op.infer_type(self, attrs, in_types)
        check_float(["ograd"], in_types[:1])
        return in_types, [in_types[0]] * (len(in_types) - 1)

    def reference(self, attrs, inputs, octx):
        og, ins = inputs[0], inputs[1:]
        if attrs.sample_type == "bilinear":
            x, w = ins
            dx, dw = ref_deconv_grads(og, x, w, _bilinear_param(attrs.scale), x.shape[1])
            return [dx.astype(x.dtype), dw.astype(x.dtype)]
        grads, c_off = [], 0
        og64 = og.astype(np.float64)
        for x in ins:
            s = og.shape[2] // x.shape[2]
            C = x.shape[1]
            block = og64[:, c_off:c_off + C]
            N, _, H, W = x.shape
            grads.append(block.reshape(N, C, H, s, W, s).sum(axis=(3, 5)).astype(x.dtype))
            if attrs.multi_input_mode != "sum":
                c_off += C
        return grads

    def _cpu(self, attrs, inputs, outputs, octx):
        run_wide(lambda ins, outs: upsampling_backward(attrs, ins[0], ins[1:], outs),
                 inputs, outputs)
