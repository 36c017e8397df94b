"""Activation and LeakyReLU (with their backward ops).

Both are elementwise with an expression chosen by `act_type`: `SwitchedElementwise`
generates one kernel per act_type from `scalar_exprs` (runtime parameters such as
`slope` never recompile).  MXNet 1.9.1 details kept here:
- Activation(act_type required: relu, sigmoid, tanh, softrelu, softsign); relu(NaN) = 0;
  softrelu(x) = x above 20, else log1p(exp(x)); the backward uses the output (and the
  input for softsign): relu' = (y > 0), sigmoid' = y(1-y), tanh' = 1-y^2,
  softrelu' = 1-exp(-y), softsign' = 1/(1+|x|)^2.
- LeakyReLU(data, gamma, act_type='leaky', slope=0.25, lower_bound=0.125,
  upper_bound=0.334): leaky x>0 ? x : slope*x; elu slope*(exp(x)-1); selu with
  alpha=1.6732632423543772, lambda=1.0507009873554805; gelu with erf; the derivative at 0
  takes the negative branch (leaky'(0) = slope).  MXNet's selu GRADIENT is
  lambda * (y + alpha) for x <= 0 (y = selu(x)) instead of the true lambda*alpha*exp(x):
  reproduced, so it does not match finite differences (its test case checks MXNet's
  formula instead).  prelu takes `gamma` of shape (C,) for
  the channel axis 1 (axis 0 for 1-d data) or (1,).  rrelu has TWO visible outputs
  (output, mask): in training the negative slope of each element is drawn from
  U(lower_bound, upper_bound) and stored in mask; in inference the slope is
  (lower_bound + upper_bound) / 2.  MXNet 1.9.1 leaves the inference mask uninitialised
  and its inference-mode backward is og * (x > 0 ? 1 : y) with y the OUTPUT (checked);
  here the inference mask holds y, so the same backward (og * (x > 0 ? 1 : mask))
  reproduces that.  (Training-mode rrelu segfaults in MXNet 1.9.1 on CPU; here it works
  with the drawn slopes.)
"""
import numpy as np

from kernels.codegen.elementwise import ElementwiseSpec
from .elemwise import ElementwiseOp, FusionSpec, _compute_dtype, compute_type, launch_wide
from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


class SwitchedElementwise(ElementwiseOp):
    """An elementwise op whose scalar expression depends on one attribute (`switch`)."""

    switch = "act_type"
    scalar_exprs = {}          # attribute value -> scalar expression over input names
    param_names = ()

    def scalar_expr_for(self, attrs):
        return self.scalar_exprs[attrs[self.switch]]

    def spec_for(self, attrs):
        specs = self.__dict__.setdefault("_specs", {})
        key = attrs[self.switch]
        spec = specs.get(key)
        if spec is None:
            spec = ElementwiseSpec(self.input_names(attrs), [self.scalar_expr_for(attrs)],
                                   params=self.param_names,
                                   tag=("%s_%s" % (self.name.strip("_"), key)).lower()[:24])
            specs[key] = spec
        return spec

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        params = self.kernel_params(attrs, _compute_dtype(inputs[0]))
        launch_wide(self.spec_for(attrs), outputs, inputs, params)

    def fusion_spec(self, attrs, in_dtypes):
        if type(self).cpu_kernel is not SwitchedElementwise.cpu_kernel:
            return None
        return self._fusion_spec(attrs, in_dtypes)

    def _fusion_spec(self, attrs, in_dtypes):
        return FusionSpec(self.spec_for(attrs), self.kernel_params(attrs, compute_type(in_dtypes[0])))

    def infer_type(self, attrs, in_types):
        for name, t in zip(self.input_names(attrs), in_types):
            check_dtype(name, t, FLOAT_TYPES)
        return Op.infer_type(self, attrs, in_types)


def _same_shapes(names, in_shapes):
    known = next((s for s in in_shapes if s is not None), None)
    if known is None:
        return list(in_shapes), [None]
    for name, s in zip(names, in_shapes):
        if s is not None and tuple(s) != tuple(known):
            fail("%s shape %s does not match %s shape %s", name, tuple(s), names[0], tuple(known))
    return [tuple(known)] * len(in_shapes), [tuple(known)]


# --- Activation ---------------------------------------------------------------------------

def _np_sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                        np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def _np_softrelu(x):
    with np.errstate(over="ignore"):
        return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


_ACT_TYPES = ("relu", "sigmoid", "softrelu", "softsign", "tanh")


@register
class Activation(SwitchedElementwise):
    """Elementwise activation: relu, sigmoid, tanh, softrelu or softsign."""

    name = "Activation"
    arguments = ("data",)
    attrs = dict(act_type=Attr("str", choices=_ACT_TYPES))
    inplace = ((0, 0),)
    scalar_exprs = {
        "relu": "data if data > 0 else 0",
        "sigmoid": "sigmoid(data)",
        "tanh": "math.tanh(data)",
        "softrelu": "softrelu(data)",
        "softsign": "data / (1.0 + abs(data))",
    }

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def reference(self, attrs, inputs, octx):
        x = inputs[0].astype(np.float64)
        fn = {"relu": lambda v: np.where(v > 0, v, 0.0), "sigmoid": _np_sigmoid,
              "tanh": np.tanh, "softrelu": _np_softrelu,
              "softsign": lambda v: v / (1.0 + np.abs(v))}[attrs.act_type]
        return [fn(x).astype(inputs[0].dtype)]

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        # only softsign's derivative reads the input (as MXNet's non-oneDNN build): the others
        # pass the output in its place, so the input need not stay alive until backward
        data = inputs[0] if attrs.act_type == "softsign" else outputs[0]
        return [F._backward_Activation(out_grads[0], data, outputs[0], act_type=attrs.act_type)]


@register
class BackwardActivation(SwitchedElementwise):
    """ograd * act'(x), from the input `data` and the forward `output`."""

    name = "_backward_Activation"
    arguments = ("ograd", "data", "output")
    attrs = dict(act_type=Attr("str", choices=_ACT_TYPES))
    differentiable = False
    inplace = ((0, 0),)
    scalar_exprs = {
        "relu": "ograd if output > 0 else 0",
        "sigmoid": "ograd * (output * (1.0 - output))",
        "tanh": "ograd * (1.0 - output * output)",
        "softrelu": "ograd * -math.expm1(-output)",
        "softsign": "ograd / ((1.0 + abs(data)) * (1.0 + abs(data)))",
    }

    def infer_shape(self, attrs, in_shapes):
        return _same_shapes(("ograd", "data", "output"), in_shapes)

    def reference(self, attrs, inputs, octx):
        og, x, y = (a.astype(np.float64) for a in inputs)
        d = {"relu": lambda: (y > 0).astype(np.float64), "sigmoid": lambda: y * (1 - y),
             "tanh": lambda: 1 - y ** 2, "softrelu": lambda: 1 - np.exp(-y),
             "softsign": lambda: 1.0 / (1.0 + np.abs(x)) ** 2}[attrs.act_type]()
        return [(og * d).astype(inputs[0].dtype)]


# --- LeakyReLU ------------------------------------------------------------------------------

_LEAKY_TYPES = ("elu", "gelu", "leaky", "prelu", "rrelu", "selu")
_LEAKY_ATTRS = dict(act_type=Attr("str", "leaky", choices=_LEAKY_TYPES),
                    slope=Attr("float", 0.25), lower_bound=Attr("float", 0.125),
                    upper_bound=Attr("float", 0.334))
_GELU_GRAD = ("(0.5 * (1.0 + math.erf(data * 0.7071067811865476))"
              " + data * math.exp(-0.5 * data * data) * 0.3989422804014327)")


# rrelu in training: the slopes drawn into `mask` are an input of the kernel
_RRELU_TRAIN = ElementwiseSpec(("data", "mask"), ["data if data > 0 else mask * data"],
                               tag="leakyrelu_rrelu_train")


def _channel_axis(ndim):
    return 1 if ndim >= 2 else 0


def _gamma_view(gamma, ndim):
    """gamma (C,) or (1,) reshaped to broadcast against data along the channel axis."""
    if gamma.size == 1:
        return gamma.reshape((1,) * ndim)
    shape = [1] * ndim
    shape[_channel_axis(ndim)] = gamma.shape[0]
    return gamma.reshape(shape)


def _check_prelu_gamma(data, gamma):
    if data is None:
        return None
    if len(data) == 0:
        fail("prelu needs data with at least 1 dimension")
    channels = data[_channel_axis(len(data))]
    if gamma is not None and tuple(gamma) not in ((channels,), (1,)):
        fail("prelu gamma shape %s does not match data shape %s: expected (%d,) (channel axis "
             "%d) or (1,)", tuple(gamma), tuple(data), channels, _channel_axis(len(data)))
    return tuple(gamma) if gamma is not None else (channels,)


def _np_leaky(attrs, x, gamma=None, mask=None):
    x = x.astype(np.float64)
    t = attrs.act_type
    if t == "leaky":
        return np.where(x > 0, x, attrs.slope * x)
    if t == "elu":
        return np.where(x > 0, x, attrs.slope * np.expm1(np.minimum(x, 0)))
    if t == "selu":
        return SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    if t == "gelu":
        from math import erf
        return 0.5 * x * (1.0 + np.vectorize(erf, otypes=[np.float64])(x / np.sqrt(2.0)))
    if t == "prelu":
        return np.where(x > 0, x, _gamma_view(gamma.astype(np.float64), x.ndim) * x)
    return np.where(x > 0, x, mask * x)             # rrelu


@register
class LeakyReLU(SwitchedElementwise):
    """Leaky ReLU family: leaky, prelu (learned gamma), rrelu (random slope), elu, selu, gelu."""

    name = "LeakyReLU"
    random = True                # act_type="rrelu" draws its slopes
    arguments = ("data", "gamma")
    attrs = _LEAKY_ATTRS
    param_names = ("slope",)
    scalar_exprs = {
        "leaky": "data if data > 0 else slope * data",
        "elu": "data if data > 0 else slope * math.expm1(data)",
        "selu": "%r * (data if data > 0 else %r * math.expm1(data))" % (SELU_LAMBDA, SELU_ALPHA),
        "gelu": "gelu_erf(data)",
        "rrelu": "data if data > 0 else slope * data",
        "prelu": "data if data > 0 else gamma * data",
    }

    def input_names(self, attrs):
        if attrs is not None and attrs.act_type == "prelu":
            return ["data", "gamma"]
        return ["data"]

    def output_names(self, attrs):
        return ["output", "mask"] if attrs.act_type == "rrelu" else ["output"]

    def num_visible_outputs(self, attrs):
        return self.num_outputs(attrs)      # MXNet shows rrelu's mask

    def kernel_params(self, attrs, dtype):
        if attrs.act_type == "rrelu":
            return (dtype((attrs.lower_bound + attrs.upper_bound) / 2.0),)
        return (dtype(attrs.slope),)

    def infer_shape(self, attrs, in_shapes):
        data = None if in_shapes[0] is None else tuple(in_shapes[0])
        if attrs.act_type == "prelu":
            gamma = _check_prelu_gamma(data, in_shapes[1])
            return [data, gamma], [data]
        if attrs.act_type == "rrelu":
            if attrs.lower_bound > attrs.upper_bound:
                fail("rrelu lower_bound (%g) must not exceed upper_bound (%g)",
                     attrs.lower_bound, attrs.upper_bound)
            return [data], [data, data]
        return [data], [data]

    def infer_type(self, attrs, in_types):
        check_dtype("data", in_types[0], FLOAT_TYPES)
        _, outs = Op.infer_type(self, attrs, in_types)
        return [in_types[0]] * len(in_types), outs

    def _rrelu_mask(self, attrs, x, octx):
        return octx.rng.uniform(attrs.lower_bound, attrs.upper_bound, x.shape)

    def reference(self, attrs, inputs, octx):
        x = inputs[0]
        if attrs.act_type == "rrelu":
            if octx.is_train:
                mask = self._rrelu_mask(attrs, x, octx)
                return [_np_leaky(attrs, x, mask=mask).astype(x.dtype), mask.astype(x.dtype)]
            mid = (attrs.lower_bound + attrs.upper_bound) / 2.0
            y = _np_leaky(attrs, x, mask=np.full(x.shape, mid)).astype(x.dtype)
            return [y, y.copy()]                  # mask = output (see the module doc)
        gamma = inputs[1] if attrs.act_type == "prelu" else None
        return [_np_leaky(attrs, x, gamma).astype(x.dtype)]

    def fusion_spec(self, attrs, in_dtypes):
        if attrs.act_type in ("prelu", "rrelu"):
            return None
        return self._fusion_spec(attrs, in_dtypes)

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        x = inputs[0]
        if attrs.act_type == "prelu":
            g = _gamma_view(inputs[1], x.ndim)
            SwitchedElementwise.cpu_kernel(self, attrs, [x, g], outputs, octx)
        elif attrs.act_type == "rrelu" and octx.is_train:
            mask = outputs[1]
            mask[...] = self._rrelu_mask(attrs, x, octx)
            launch_wide(_RRELU_TRAIN, outputs[:1], [x, mask])
        else:
            SwitchedElementwise.cpu_kernel(self, attrs, inputs, outputs[:1], octx)
            if attrs.act_type == "rrelu":
                outputs[1][...] = outputs[0]      # inference: mask = output, as MXNet reads it

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        kw = dict(act_type=attrs.act_type, slope=attrs.slope, lower_bound=attrs.lower_bound,
                  upper_bound=attrs.upper_bound)
        if attrs.act_type == "prelu":
            dx, dg = F._backward_LeakyReLU(og, inputs[0], inputs[1], **kw)
            return [dx, dg]
        if attrs.act_type == "rrelu":
            return [F._backward_LeakyReLU(og, inputs[0], outputs[1], **kw)]
        return [F._backward_LeakyReLU(og, inputs[0], **kw)]


@register
class BackwardLeakyReLU(SwitchedElementwise):
    """Input gradients of LeakyReLU.

    Inputs by act_type: prelu (ograd, data, gamma) -> (data grad, gamma grad); rrelu
    (ograd, data, gamma = the forward's mask of slopes); the others (ograd, data).  The
    negative branch includes x == 0."""

    name = "_backward_LeakyReLU"
    arguments = ("ograd", "data", "gamma")
    attrs = _LEAKY_ATTRS
    param_names = ("slope",)
    differentiable = False
    scalar_exprs = {
        "leaky": "ograd if data > 0 else slope * ograd",
        "elu": "ograd if data > 0 else ograd * slope * math.exp(data)",
        # MXNet 1.9.1's selu gradient is lambda * (y + alpha) on the negative side (y = the
        # selu output, which already includes lambda): NOT the true derivative
        # lambda*alpha*exp(x).  Kept for bit-compatible training; see the module doc.
        "selu": "ograd * %r if data > 0 else ograd * %r * (%r * math.expm1(data) + 1.0)"
                % (SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA, SELU_LAMBDA),
        "gelu": "ograd * " + _GELU_GRAD,
        "rrelu": "ograd if data > 0 else ograd * gamma",
        "prelu": "ograd if data > 0 else ograd * gamma",
    }
    def input_names(self, attrs):
        if attrs is not None and attrs.act_type == "prelu":
            return ["ograd", "data", "gamma"]
        if attrs is not None and attrs.act_type == "rrelu":
            return ["ograd", "data", "gamma"]      # gamma = the per-element slopes (mask)
        return ["ograd", "data"]

    def output_names(self, attrs):
        return ["data_grad", "gamma_grad"] if attrs.act_type == "prelu" else ["data_grad"]

    def infer_shape(self, attrs, in_shapes):
        if attrs.act_type == "prelu":
            (og, x), _ = _same_shapes(("ograd", "data"), in_shapes[:2])
            gamma = _check_prelu_gamma(x, in_shapes[2])
            return [og, x, gamma], [x, gamma]
        return _same_shapes(self.input_names(attrs), in_shapes)

    def infer_type(self, attrs, in_types):
        for name, t in zip(self.input_names(attrs), in_types):
            check_dtype(name, t, FLOAT_TYPES)
        _, outs = Op.infer_type(self, attrs, in_types)
        return list(in_types), outs

    def reference(self, attrs, inputs, octx):
        og, x = inputs[0].astype(np.float64), inputs[1].astype(np.float64)
        t = attrs.act_type
        neg = x <= 0
        if t == "prelu":
            g = _gamma_view(inputs[2].astype(np.float64), x.ndim)
            dx = np.where(neg, g * og, og)
            axes = tuple(i for i in range(x.ndim) if g.shape[i] == 1)
            dg = (np.where(neg, x * og, 0.0)).sum(axis=axes).reshape(inputs[2].shape)
            return [dx.astype(inputs[1].dtype), dg.astype(inputs[2].dtype)]
        if t == "leaky":
            d = np.where(neg, attrs.slope, 1.0)
        elif t == "elu":
            d = np.where(neg, attrs.slope * np.exp(np.minimum(x, 0)), 1.0)
        elif t == "selu":
            y = SELU_LAMBDA * SELU_ALPHA * np.expm1(np.minimum(x, 0))
            d = np.where(neg, SELU_LAMBDA * (y + SELU_ALPHA), SELU_LAMBDA)   # MXNet's formula
        elif t == "gelu":
            from math import erf
            d = (0.5 * (1.0 + np.vectorize(erf, otypes=[np.float64])(x / np.sqrt(2.0)))
                 + x * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi))
        else:
            d = np.where(neg, inputs[2].astype(np.float64), 1.0)
        return [(og * d).astype(inputs[1].dtype)]

    def fusion_spec(self, attrs, in_dtypes):
        return None if attrs.act_type == "prelu" else self._fusion_spec(attrs, in_dtypes)

    def cpu_kernel(self, attrs, inputs, outputs, octx):
        if attrs.act_type != "prelu":
            SwitchedElementwise.cpu_kernel(self, attrs, inputs, outputs, octx)
            return
        og, x, gamma = inputs
        g = _gamma_view(gamma, x.ndim)
        SwitchedElementwise.cpu_kernel(self, attrs, [og, x, g], outputs[:1], octx)
        ctype = np.float64 if x.dtype == np.float64 else np.float32
        contrib = np.where(x <= 0, x.astype(ctype) * og.astype(ctype), 0)
        axes = tuple(i for i in range(x.ndim) if g.shape[i] == 1)
        outputs[1][...] = contrib.sum(axis=axes).reshape(gamma.shape)
