"""Convolution and Deconvolution (1-D, 2-D and 3-D, NCW/NCHW/NCDHW) and their backward ops.

Kernels: im2col + one GEMM per group (kernels/cpu/conv.py).  References: direct NumPy sums
over kernel offsets (one einsum per offset), independent of im2col.
"""
import numpy as np

from kernels.cpu import conv as K
from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES

_LAYOUTS = ("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC")
_DEFAULT_LAYOUT = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_TUNE = ("fastest", "limited_workspace", "off")


# --- shared helpers --------------------------------------------------------------------

def run_wide(fn, inputs, outputs):
    """Run fn(inputs, outputs) in float32 when any array is float16 (Numba has no f16 math)."""
    if not any(a.dtype == np.float16 for a in list(inputs) + list(outputs)):
        return fn(inputs, outputs)
    wide_in = [a.astype(np.float32) if a.dtype == np.float16 else a for a in inputs]
    wide_out = [np.empty(o.shape, np.float32) if o.dtype == np.float16 else o for o in outputs]
    fn(wide_in, wide_out)
    for o, w in zip(outputs, wide_out):
        if o is not w:
            o[...] = w


def check_float(names, in_types):
    for name, t in zip(names, in_types):
        check_dtype(name, t, FLOAT_TYPES)


class ConvParam:
    """Normalized convolution geometry of one attribute set."""

    __slots__ = ("nd", "kernel", "stride", "dilate", "pad", "adj", "target")

    def __init__(self, nd, kernel, stride, dilate, pad, adj=(), target=()):
        self.nd, self.kernel, self.stride, self.dilate, self.pad = nd, kernel, stride, dilate, pad
        self.adj, self.target = adj, target

    def dilated(self):
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilate))


_params = {}


def conv_param(attrs, deconv=False):
    """Validate kernel/stride/dilate/pad(/adj/target_shape)/layout; cached per attrs."""
    key = attrs.key()
    prm = _params.get(key)
    if prm is not None:
        return prm
    kernel = tuple(attrs.kernel)
    nd = len(kernel)
    if nd not in (1, 2, 3):
        fail("kernel %s: only 1-D, 2-D and 3-D kernels are supported", kernel)
    named = [("stride", 1), ("dilate", 1), ("pad", 0)] + ([("adj", 0)] if deconv else [])
    values = {}
    for name, default in named:
        v = tuple(attrs[name]) or (default,) * nd
        if len(v) != nd:
            fail("%s must have the same number of dimensions as kernel, but kernel is %s "
                 "while %s is %s", name, kernel, name, v)
        values[name] = v
    if min(kernel) <= 0:
        fail("incorrect kernel size: %s", kernel)
    for name in ("stride", "dilate"):
        if min(values[name]) <= 0:
            fail("incorrect %s size: %s", name, values[name])
    for name in ("pad", "adj"):
        if name in values and min(values[name]) < 0:
            fail("%s %s must not be negative", name, values[name])
    if attrs.num_filter < 1:
        fail("num_filter must be at least 1, got %d", attrs.num_filter)
    if attrs.num_group < 1:
        fail("num_group must be at least 1, got %d", attrs.num_group)
    layout = attrs.layout
    if layout is not None and layout != _DEFAULT_LAYOUT[nd]:
        if layout in ("NHWC", "NDHWC", "NWC"):
            fail("layout %s is not supported on CPU (only %s for a %d-D kernel)",
                 layout, _DEFAULT_LAYOUT[nd], nd)
        fail("layout %s does not match the %d-D kernel %s (expected %s)",
             layout, nd, kernel, _DEFAULT_LAYOUT[nd])
    target = ()
    if deconv:
        target = tuple(attrs.target_shape)
        if target and len(target) != nd:
            fail("target_shape %s must have %d dimensions like kernel %s", target, nd, kernel)
    prm = ConvParam(nd, kernel, values["stride"], values["dilate"], values["pad"],
                    values.get("adj", ()), target)
    if len(_params) < 4096:
        _params[key] = prm
    return prm


def _describe(prm, dshape):
    return "data shape %s, kernel %s, stride %s, dilate %s, pad %s" % (
        tuple(dshape), prm.kernel, prm.stride, prm.dilate, prm.pad)


def _check_data(prm, dshape, attrs, what):
    if len(dshape) != prm.nd + 2:
        fail("data shape %s: a %d-D %s (kernel %s) needs %d-D data %s",
             tuple(dshape), prm.nd, what, prm.kernel, prm.nd + 2, _DEFAULT_LAYOUT[prm.nd])
    if dshape[1] % attrs.num_group:
        fail("data shape %s: %d channels are not divisible by num_group=%d",
             tuple(dshape), dshape[1], attrs.num_group)
    if attrs.num_filter % attrs.num_group:
        fail("num_filter=%d is not divisible by num_group=%d", attrs.num_filter, attrs.num_group)


def _assign(in_shapes, index, want, name, dshape):
    given = in_shapes[index]
    if given is not None and tuple(given) != tuple(want):
        fail("data shape %s does not match %s shape %s: %s must be %s",
             tuple(dshape), name, tuple(given), name, tuple(want))
    in_shapes[index] = tuple(want)


def conv_out_shape(prm, dshape, num_filter):
    out = []
    for x, k, s, p in zip(dshape[2:], prm.dilated(), prm.stride, prm.pad):
        if k > x + 2 * p:
            fail("%s: the dilated kernel %s does not fit in the padded input %s",
                 _describe(prm, dshape), prm.dilated(),
                 tuple(v + 2 * q for v, q in zip(dshape[2:], prm.pad)))
        out.append((x + 2 * p - k) // s + 1)
    return (dshape[0], num_filter) + tuple(out)


def deconv_pad_adj(prm, dshape):
    """MXNet's DeconvolutionParam::InferPad: (pad, adj) from target_shape when it is set."""
    if not any(prm.target):
        return prm.pad, prm.adj
    pad, adj = [], []
    for x, k, s, t in zip(dshape[2:], prm.dilated(), prm.stride, prm.target):
        total = s * (x - 1) + k
        if total < t:
            fail("data shape %s, kernel %s, stride %s: target_shape %s is too big (at most %d)",
                 tuple(dshape), prm.kernel, prm.stride, prm.target, total)
        total -= t
        adj.append(total % 2)
        pad.append((total + 1) // 2)
    return tuple(pad), tuple(adj)


def deconv_out_shape(prm, dshape, num_filter):
    pad, adj = deconv_pad_adj(prm, dshape)
    out = []
    for x, k, s, p, a in zip(dshape[2:], prm.dilated(), prm.stride, pad, adj):
        if a > s - 1:
            fail("adj %s must be smaller than stride %s (data shape %s, target_shape %s)",
                 adj, prm.stride, tuple(dshape), prm.target)
        out.append(s * (x - 1) + k - 2 * p + a)
    if min(out) <= 0:
        fail("data shape %s, kernel %s, stride %s, pad %s, adj %s: output size %s is not positive",
             tuple(dshape), prm.kernel, prm.stride, pad, adj, tuple(out))
    return (dshape[0], num_filter) + tuple(out)


def conv_forward_cpu(attrs, inputs, outputs, post=None, relu=False):
    """Convolution's CPU kernel; post/relu: an epilogue folded in (kernels/cpu/conv.py
    conv_forward; compiler/ops/conv_bn.py)."""
    prm = conv_param(attrs)

    def run(ins, outs):
        x, w, out = ins[0], ins[1], outs[0]
        K.conv_forward(K.as5d(x), w.reshape(attrs.num_filter, -1), _spatial(out),
                       _geometry(prm, prm.pad, out.shape[2:]), attrs.num_group,
                       bias=None if attrs.no_bias else ins[2], post=post, relu=relu)
    run_wide(run, inputs, outputs)


def _geometry(prm, pad, out_spatial):
    return K.geometry(prm.kernel, prm.stride, pad, prm.dilate, out_spatial)


def _spatial(a):
    return a.reshape(a.shape[0], a.shape[1], -1)


# --- NumPy references --------------------------------------------------------------------

def _offsets(prm, out_spatial):
    """(kernel offset, slices into the padded input) for every kernel position."""
    for koff in np.ndindex(*prm.kernel):
        yield koff, tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                          for k, d, s, o in zip(koff, prm.dilate, prm.stride, out_spatial))


def ref_conv(x, w, prm, groups):
    """Direct convolution (cross-correlation) in float64: (N, F, *out)."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    out_sp = conv_out_shape(prm, x.shape, w.shape[0])[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in prm.pad])
    N, F, cg = x.shape[0], w.shape[0], w.shape[1]
    fg = F // groups
    out = np.zeros((N, F, int(np.prod(out_sp))))
    for koff, sl in _offsets(prm, out_sp):
        patch = xp[(slice(None), slice(None)) + sl].reshape(N, x.shape[1], -1)
        for g in range(groups):
            fs, cs = slice(g * fg, (g + 1) * fg), slice(g * cg, (g + 1) * cg)
            out[:, fs] += np.einsum("ncp,fc->nfp", patch[:, cs], w[(fs, slice(None)) + koff])
    return out.reshape((N, F) + tuple(out_sp))


def ref_conv_grads(og, x, w, prm, groups):
    """(dx, dw) of ref_conv by scattering each kernel offset's contribution."""
    og, x, w = og.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    out_sp = og.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in prm.pad])
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    N, C, F, cg = x.shape[0], x.shape[1], w.shape[0], w.shape[1]
    fg = F // groups
    og3 = og.reshape(N, F, -1)
    for koff, sl in _offsets(prm, out_sp):
        idx = (slice(None), slice(None)) + sl
        patch = xp[idx].reshape(N, C, -1)
        dpatch = np.zeros_like(patch)
        for g in range(groups):
            fs, cs = slice(g * fg, (g + 1) * fg), slice(g * cg, (g + 1) * cg)
            dw[(fs, slice(None)) + koff] = np.einsum("nfp,ncp->fc", og3[:, fs], patch[:, cs])
            dpatch[:, cs] = np.einsum("nfp,fc->ncp", og3[:, fs], w[(fs, slice(None)) + koff])
        dxp[idx] += dpatch.reshape(dxp[idx].shape)
    crop = (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(prm.pad, x.shape[2:]))
    return dxp[crop], dw


def _deconv_full(prm, dshape, pad, out_sp):
    full = [s * (x - 1) + k for x, s, k in zip(dshape[2:], prm.stride, prm.dilated())]
    return tuple(max(f, p + o) for f, p, o in zip(full, pad, out_sp))


def ref_deconv(x, w, prm, groups, num_filter):
    """Transposed convolution in float64 by scattering into an uncropped output."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    pad, _ = deconv_pad_adj(prm, x.shape)
    out_sp = deconv_out_shape(prm, x.shape, num_filter)[2:]
    N, C = x.shape[:2]
    cg, fg = C // groups, num_filter // groups
    full = np.zeros((N, num_filter) + _deconv_full(prm, x.shape, pad, out_sp))
    x3 = x.reshape(N, C, -1)
    for koff, sl in _offsets(prm, x.shape[2:]):
        idx = (slice(None), slice(None)) + sl
        for g in range(groups):
            cs, fs = slice(g * cg, (g + 1) * cg), slice(g * fg, (g + 1) * fg)
            contrib = np.einsum("ncp,cf->nfp", x3[:, cs], w[(cs, slice(None)) + koff])
            view = full[idx][:, fs]
            full[(slice(None), fs) + sl] += contrib.reshape(view.shape)
    crop = (slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(pad, out_sp))
    return full[crop]


def ref_deconv_grads(og, x, w, prm, groups):
    og, x, w = og.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    pad, _ = deconv_pad_adj(prm, x.shape)
    out_sp = og.shape[2:]
    N, C, F = x.shape[0], x.shape[1], og.shape[1]
    cg, fg = C // groups, F // groups
    full = np.zeros((N, F) + _deconv_full(prm, x.shape, pad, out_sp))
    full[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(pad, out_sp))] = og
    x3 = x.reshape(N, C, -1)
    dx = np.zeros_like(x3)
    dw = np.zeros_like(w)
    for koff, sl in _offsets(prm, x.shape[2:]):
        patch = full[(slice(None), slice(None)) + sl].reshape(N, F, -1)
        for g in range(groups):
            cs, fs = slice(g * cg, (g + 1) * cg), slice(g * fg, (g + 1) * fg)
            dx[:, cs] += np.einsum("nfp,cf->ncp", patch[:, fs], w[(cs, slice(None)) + koff])
            dw[(cs, slice(None)) + koff] = np.einsum("nfp,ncp->cf", patch[:, fs], x3[:, cs])
    return dx.reshape(x.shape), dw


def _ref_bias_grad(og):
    return og.astype(np.float64).reshape(og.shape[0], og.shape[1], -1).sum(axis=(0, 2))


# --- Convolution ---------------------------------------------------------------------------

class _ConvBase(Op):
    deconv = False
    what = "convolution"

    def input_names(self, attrs):
        if attrs is not None and attrs.no_bias:
            return ["data", "weight"]
        return ["data", "weight", "bias"]

    def weight_shape(self, attrs, prm, dshape):
        raise NotImplementedError("%s must define weight_shape()" % type(self).__name__)

    def out_shape(self, prm, dshape, attrs):
        raise NotImplementedError("%s must define out_shape()" % type(self).__name__)

    def infer_forward(self, attrs, in_shapes):
        prm = conv_param(attrs, self.deconv)
        in_shapes = list(in_shapes)
        dshape = in_shapes[0]
        if dshape is None:
            return in_shapes, None
        _check_data(prm, dshape, attrs, self.what)
        _assign(in_shapes, 1, self.weight_shape(attrs, prm, dshape), "weight", dshape)
        if not attrs.no_bias:
            _assign(in_shapes, 2, (attrs.num_filter,), "bias", dshape)
        return in_shapes, self.out_shape(prm, dshape, attrs)

    def infer_type(self, attrs, in_types):
        check_float(["data"], in_types[:1])
        return Op.infer_type(self, attrs, in_types)


@register
class Convolution(_ConvBase):
    """N-D convolution (cross-correlation) of NCW / NCHW / NCDHW data, optional bias."""

    name = "Convolution"
    arguments = ("data", "weight", "bias")
    attrs = dict(
        kernel=Attr("shape"), stride=Attr("shape", ()), dilate=Attr("shape", ()),
        pad=Attr("shape", ()), num_filter=Attr("int"), num_group=Attr("int", 1),
        workspace=Attr("int", 1024), no_bias=Attr("bool", False),
        cudnn_tune=Attr("str_or_none", None, _TUNE), cudnn_off=Attr("bool", False),
        layout=Attr("str_or_none", None, _LAYOUTS))

    def weight_shape(self, attrs, prm, dshape):
        return (attrs.num_filter, dshape[1] // attrs.num_group) + prm.kernel

    def out_shape(self, prm, dshape, attrs):
        return conv_out_shape(prm, dshape, attrs.num_filter)

    def infer_shape(self, attrs, in_shapes):
        in_shapes, out = self.infer_forward(attrs, in_shapes)
        return in_shapes, [out]

    def reference(self, attrs, inputs, octx):
        prm = conv_param(attrs)
        out = ref_conv(inputs[0], inputs[1], prm, attrs.num_group)
        if not attrs.no_bias:
            out += inputs[2].astype(np.float64).reshape((1, -1) + (1,) * prm.nd)
        return [out.astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        conv_forward_cpu(attrs, inputs, outputs)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Convolution(out_grads[0], inputs[0], inputs[1], **dict(attrs))
        return list(grads)[:len(inputs)]


@register
class BackwardConvolution(Convolution):
    """Gradients of Convolution: (out_grad, data, weight) -> data, weight (and bias) grads."""

    name = "_backward_Convolution"
    arguments = ("ograd", "data", "weight")
    differentiable = False

    def input_names(self, attrs):
        return list(self.arguments)

    def output_names(self, attrs):
        names = ["data_grad", "weight_grad"]
        return names if attrs is not None and attrs.no_bias else names + ["bias_grad"]

    def infer_shape(self, attrs, in_shapes):
        og, dshape, wshape = in_shapes
        fwd_in = [dshape, wshape] + ([] if attrs.no_bias else [None])
        fwd_in, out = self.infer_forward(attrs, fwd_in)
        if og is not None and out is not None and tuple(og) != tuple(out):
            fail("ograd shape %s does not match the output shape %s of data shape %s",
                 tuple(og), tuple(out), tuple(dshape))
        outs = [fwd_in[0], fwd_in[1]] + ([] if attrs.no_bias else [(attrs.num_filter,)])
        return [out if og is None else og, fwd_in[0], fwd_in[1]], outs

    def infer_type(self, attrs, in_types):
        in_types, _ = Op.infer_type(self, attrs, in_types)
        check_float(["ograd"], in_types[:1])
        return in_types, [in_types[0]] * self.num_outputs(attrs)

    def reference(self, attrs, inputs, octx):
        og, x, w = inputs
        prm = conv_param(attrs)
        dx, dw = ref_conv_grads(og, x, w, prm, attrs.num_group)
        outs = [dx, dw]
        if not attrs.no_bias:
            outs.append(_ref_bias_grad(og))
        return [o.astype(x.dtype) for o in outs]

    def _cpu(self, attrs, inputs, outputs, octx):
        prm = conv_param(attrs)

        def run(ins, outs):
            og, x, w = ins
            F = attrs.num_filter
            K.conv_backward(_spatial(og), K.as5d(x), w.reshape(F, -1), K.as5d(outs[0]),
                            outs[1].reshape(F, -1), _geometry(prm, prm.pad, og.shape[2:]),
                            attrs.num_group)
            if not attrs.no_bias:
                K.bias_grad(_spatial(og), outs[2])
        run_wide(run, inputs, outputs)


# --- Deconvolution -------------------------------------------------------------------------

@register
class Deconvolution(_ConvBase):
    """Transposed convolution: the gradient of Convolution with respect to its data."""

    name = "Deconvolution"
    deconv = True
    what = "deconvolution"
    arguments = ("data", "weight", "bias")
    attrs = dict(
        kernel=Attr("shape"), stride=Attr("shape", ()), dilate=Attr("shape", ()),
        pad=Attr("shape", ()), adj=Attr("shape", ()), target_shape=Attr("shape", ()),
        num_filter=Attr("int"), num_group=Attr("int", 1), workspace=Attr("int", 512),
        no_bias=Attr("bool", True), cudnn_tune=Attr("str_or_none", None, _TUNE),
        cudnn_off=Attr("bool", False), layout=Attr("str_or_none", None, _LAYOUTS))

    def weight_shape(self, attrs, prm, dshape):
        return (dshape[1], attrs.num_filter // attrs.num_group) + prm.kernel

    def out_shape(self, prm, dshape, attrs):
        return deconv_out_shape(prm, dshape, attrs.num_filter)

    def infer_shape(self, attrs, in_shapes):
        in_shapes, out = self.infer_forward(attrs, in_shapes)
        return in_shapes, [out]

    def reference(self, attrs, inputs, octx):
        prm = conv_param(attrs, True)
        out = ref_deconv(inputs[0], inputs[1], prm, attrs.num_group, attrs.num_filter)
        if not attrs.no_bias:
            out += inputs[2].astype(np.float64).reshape((1, -1) + (1,) * prm.nd)
        return [out.astype(inputs[0].dtype)]

    def _cpu(self, attrs, inputs, outputs, octx):
        prm = conv_param(attrs, True)

        def run(ins, outs):
            x, w, out = ins[0], ins[1], outs[0]
            pad, _ = deconv_pad_adj(prm, x.shape)
            K.conv_backward_data(_spatial(x), w.reshape(x.shape[1], -1), K.as5d(out),
                                 _geometry(prm, pad, x.shape[2:]), attrs.num_group)
            if not attrs.no_bias:
                K.bias_add(_spatial(out), ins[2])
        run_wide(run, inputs, outputs)

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Deconvolution(out_grads[0], inputs[0], inputs[1], **dict(attrs))
        return list(grads)[:len(inputs)]


@register
class BackwardDeconvolution(Deconvolution):
    """Gradients of Deconvolution: (out_grad, data, weight) -> data, weight (and bias) grads."""

    name = "_backward_Deconvolution"
    arguments = ("ograd", "data", "weight")
    differentiable = False

    input_names = BackwardConvolution.input_names
    output_names = BackwardConvolution.output_names
    infer_shape = BackwardConvolution.infer_shape
    infer_type = BackwardConvolution.infer_type

    def reference(self, attrs, inputs, octx):
        og, x, w = inputs
        dx, dw = ref_deconv_grads(og, x, w, conv_param(attrs, True), attrs.num_group)
        outs = [dx, dw]
        if not attrs.no_bias:
            outs.append(_ref_bias_grad(og))
        return [o.astype(x.dtype) for o in outs]

    def _cpu(self, attrs, inputs, outputs, octx):
        prm = conv_param(attrs, True)

        def run(ins, outs):
            og, x, w = ins
            pad, _ = deconv_pad_adj(prm, x.shape)
            g = _geometry(prm, pad, x.shape[2:])
            C = x.shape[1]
            K.conv_forward(K.as5d(og), w.reshape(C, -1), _spatial(outs[0]), g, attrs.num_group)
            K.conv_backward_weight(_spatial(x), K.as5d(og), outs[1].reshape(C, -1), g,
                                   attrs.num_group)
            if not attrs.no_bias:
                K.bias_grad(_spatial(og), outs[2])
        run_wide(run, inputs, outputs)
