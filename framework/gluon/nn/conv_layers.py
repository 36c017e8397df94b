"""Convolution, pooling and padding layers (mx.gluon.nn), as in MXNet 1.9.1's
gluon/nn/conv_layers.py: Conv1D/2D/3D and their transposes call the Convolution /
Deconvolution ops, the pooling layers the Pooling op, ReflectionPad2D the pad op."""
import numpy as np

from ...base import MXNetAssertionError, MXNetValueError
from ..block import HybridBlock
from .activations import Activation

__all__ = ["Conv1D", "Conv2D", "Conv3D",
           "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "MaxPool1D", "MaxPool2D", "MaxPool3D",
           "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
           "ReflectionPad2D"]

_numeric = (int, float, np.integer, np.floating)


def _check(cond, msg):
    if not cond:
        raise MXNetAssertionError(msg)


def _tuple_of(value, ndim, what):
    """A number becomes an ndim-tuple; a sequence must have ndim entries."""
    if isinstance(value, _numeric):
        return (value,) * ndim
    _check(len(value) == ndim, "%s must be a number or a list of %d ints" % (what, ndim))
    return value


def _weight_shapes(op_name, kernel, channels, in_channels, groups, layout):
    """(weight shape, bias shape) as MXNet infers them from data shape with C=in_channels
    (0 = unknown until the first forward)."""
    if in_channels and in_channels % groups:
        raise MXNetValueError("%s: in_channels=%d must be divisible by groups=%d"
                              % (op_name, in_channels, groups))
    if op_name == "Convolution":
        outer, inner = channels, in_channels // groups
    else:
        if channels % groups:
            raise MXNetValueError("%s: channels=%d must be divisible by groups=%d"
                                  % (op_name, channels, groups))
        outer, inner = in_channels, channels // groups
    kernel = tuple(kernel)
    if layout.endswith("C"):
        return (outer,) + kernel + (inner,), (channels,)
    return (outer, inner) + kernel, (channels,)


class _Conv(HybridBlock):
    """Shared N-D convolution / transposed convolution; weight (and bias) are created with
    the in_channels dimension 0 when it is to be inferred."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", op_name="Convolution", adj=None, prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            if isinstance(strides, _numeric):
                strides = (strides,) * len(kernel_size)
            if isinstance(padding, _numeric):
                padding = (padding,) * len(kernel_size)
            if isinstance(dilation, _numeric):
                dilation = (dilation,) * len(kernel_size)
            self._op_name = op_name
            self._kwargs = {
                "kernel": kernel_size, "stride": strides, "dilate": dilation,
                "pad": padding, "num_filter": channels, "num_group": groups,
                "no_bias": not use_bias, "layout": layout}
            if adj is not None:
                self._kwargs["adj"] = adj
            wshape, bshape = _weight_shapes(op_name, kernel_size, channels, in_channels,
                                            groups, layout)
            self.weight = self.params.get("weight", shape=wshape, init=weight_initializer,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=bshape, init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            if activation is not None:
                self.act = Activation(activation, prefix=activation + "_")
            else:
                self.act = None

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        if bias is None:
            act = op(x, weight, name="fwd", **self._kwargs)
        else:
            act = op(x, weight, bias, name="fwd", **self._kwargs)
        if self.act is not None:
            act = self.act(act)
        return act

    def _alias(self):
        return "conv"

    def __repr__(self):
        s = "{name}({mapping}, kernel_size={kernel}, stride={stride}"
        len_kernel_size = len(self._kwargs["kernel"])
        if self._kwargs["pad"] != (0,) * len_kernel_size:
            s += ", padding={pad}"
        if self._kwargs["dilate"] != (1,) * len_kernel_size:
            s += ", dilation={dilate}"
        # MXNet 1.9.1 tests for `out_pad` but stores `outpad`: output_padding never prints
        if hasattr(self, "out_pad") and self.out_pad != (0,) * len_kernel_size:
            s += ", output_padding={out_pad}".format(out_pad=self.out_pad)
        if self._kwargs["num_group"] != 1:
            s += ", groups={num_group}"
        if self.bias is None:
            s += ", bias=False"
        if self.act:
            s += ", {}".format(self.act)
        s += ")"
        shape = self.weight.shape
        return s.format(name=self.__class__.__name__,
                        mapping="{0} -> {1}".format(shape[1] if shape[1] else None, shape[0]),
                        **self._kwargs)


def _conv_init(self, ndim, layouts, channels, kernel_size, strides, padding, dilation,
               groups, layout, activation, use_bias, weight_initializer, bias_initializer,
               in_channels, kwargs, op_name, output_padding=None):
    _check(layout in layouts, "Only supports %s layout for now"
           % " and ".join("'%s'" % s for s in layouts))
    kernel_size = _tuple_of(kernel_size, ndim, "kernel_size")
    if output_padding is not None:
        output_padding = _tuple_of(output_padding, ndim, "output_padding")
    op_name = kwargs.pop("op_name", op_name)
    _Conv.__init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                   in_channels, activation, use_bias, weight_initializer, bias_initializer,
                   op_name=op_name, adj=output_padding, **kwargs)
    if output_padding is not None:
        self.outpad = output_padding


class Conv1D(_Conv):
    """1-D convolution over (N, C, W) inputs."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1,
                 layout="NCW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 1, ("NCW",), channels, kernel_size, strides, padding, dilation,
                   groups, layout, activation, use_bias, weight_initializer, bias_initializer,
                   in_channels, kwargs, "Convolution")


class Conv2D(_Conv):
    """2-D convolution over (N, C, H, W) inputs; weight (channels, in_channels/groups, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, layout="NCHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 2, ("NCHW", "NHWC"), channels, kernel_size, strides, padding,
                   dilation, groups, layout, activation, use_bias, weight_initializer,
                   bias_initializer, in_channels, kwargs, "Convolution")


class Conv3D(_Conv):
    """3-D convolution over (N, C, D, H, W) inputs."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 dilation=(1, 1, 1), groups=1, layout="NCDHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 3, ("NCDHW", "NDHWC"), channels, kernel_size, strides, padding,
                   dilation, groups, layout, activation, use_bias, weight_initializer,
                   bias_initializer, in_channels, kwargs, "Convolution")


class Conv1DTranspose(_Conv):
    """1-D transposed convolution (Deconvolution; output_padding is MXNet's adj)."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, output_padding=0,
                 dilation=1, groups=1, layout="NCW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 1, ("NCW",), channels, kernel_size, strides, padding, dilation,
                   groups, layout, activation, use_bias, weight_initializer, bias_initializer,
                   in_channels, kwargs, "Deconvolution", output_padding)


class Conv2DTranspose(_Conv):
    """2-D transposed convolution; weight (in_channels, channels/groups, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0),
                 output_padding=(0, 0), dilation=(1, 1), groups=1, layout="NCHW",
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 2, ("NCHW", "NHWC"), channels, kernel_size, strides, padding,
                   dilation, groups, layout, activation, use_bias, weight_initializer,
                   bias_initializer, in_channels, kwargs, "Deconvolution", output_padding)


class Conv3DTranspose(_Conv):
    """3-D transposed convolution."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 output_padding=(0, 0, 0), dilation=(1, 1, 1), groups=1, layout="NCDHW",
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _conv_init(self, 3, ("NCDHW", "NDHWC"), channels, kernel_size, strides, padding,
                   dilation, groups, layout, activation, use_bias, weight_initializer,
                   bias_initializer, in_channels, kwargs, "Deconvolution", output_padding)


class _Pooling(HybridBlock):
    """Shared pooling: ceil_mode maps to pooling_convention 'full', else 'valid'."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type,
                 layout, count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        if isinstance(strides, _numeric):
            strides = (strides,) * len(pool_size)
        if isinstance(padding, _numeric):
            padding = (padding,) * len(pool_size)
        self._kwargs = {
            "kernel": pool_size, "stride": strides, "pad": padding,
            "global_pool": global_pool, "pool_type": pool_type, "layout": layout,
            "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        s = "{name}(size={kernel}, stride={stride}, padding={pad}, ceil_mode={ceil_mode}"
        s += ", global_pool={global_pool}, pool_type={pool_type}, layout={layout})"
        return s.format(name=self.__class__.__name__,
                        ceil_mode=self._kwargs["pooling_convention"] == "full",
                        **self._kwargs)


_LAYOUTS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}


def _pool_init(self, ndim, pool_size, strides, padding, layout, ceil_mode, pool_type,
               count_include_pad, kwargs):
    _check(layout in _LAYOUTS[ndim], "Only %s and %s layouts are valid for %dD Pooling"
           % (_LAYOUTS[ndim] + (ndim,)))
    pool_size = _tuple_of(pool_size, ndim, "pool_size")
    _Pooling.__init__(self, pool_size, strides, padding, ceil_mode, False, pool_type, layout,
                      count_include_pad, **kwargs)


class MaxPool1D(_Pooling):
    """Max pooling over (N, C, W)."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False,
                 **kwargs):
        _pool_init(self, 1, pool_size, strides, padding, layout, ceil_mode, "max", None, kwargs)


class MaxPool2D(_Pooling):
    """Max pooling over (N, C, H, W); strides default to pool_size."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW",
                 ceil_mode=False, **kwargs):
        _pool_init(self, 2, pool_size, strides, padding, layout, ceil_mode, "max", None, kwargs)


class MaxPool3D(_Pooling):
    """Max pooling over (N, C, D, H, W)."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCDHW", **kwargs):
        _pool_init(self, 3, pool_size, strides, padding, layout, ceil_mode, "max", None, kwargs)


class AvgPool1D(_Pooling):
    """Average pooling over (N, C, W); count_include_pad counts padded zeros."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False,
                 count_include_pad=True, **kwargs):
        _pool_init(self, 1, pool_size, strides, padding, layout, ceil_mode, "avg",
                   count_include_pad, kwargs)


class AvgPool2D(_Pooling):
    """Average pooling over (N, C, H, W)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCHW", count_include_pad=True, **kwargs):
        _pool_init(self, 2, pool_size, strides, padding, layout, ceil_mode, "avg",
                   count_include_pad, kwargs)


class AvgPool3D(_Pooling):
    """Average pooling over (N, C, D, H, W)."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCDHW", count_include_pad=True, **kwargs):
        _pool_init(self, 3, pool_size, strides, padding, layout, ceil_mode, "avg",
                   count_include_pad, kwargs)


def _global_init(self, ndim, layout, pool_type, kwargs):
    _check(layout in _LAYOUTS[ndim], "Only %s and %s layouts are valid for %dD Pooling"
           % (_LAYOUTS[ndim] + (ndim,)))
    _Pooling.__init__(self, (1,) * ndim, None, 0, True, True, pool_type, layout, **kwargs)


class GlobalMaxPool1D(_Pooling):
    """Max over the whole W axis: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout="NCW", **kwargs):
        _global_init(self, 1, layout, "max", kwargs)


class GlobalMaxPool2D(_Pooling):
    """Max over H and W: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        _global_init(self, 2, layout, "max", kwargs)


class GlobalMaxPool3D(_Pooling):
    """Max over D, H and W."""

    def __init__(self, layout="NCDHW", **kwargs):
        _global_init(self, 3, layout, "max", kwargs)


class GlobalAvgPool1D(_Pooling):
    """Mean over the whole W axis: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout="NCW", **kwargs):
        _global_init(self, 1, layout, "avg", kwargs)


class GlobalAvgPool2D(_Pooling):
    """Mean over H and W: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        _global_init(self, 2, layout, "avg", kwargs)


class GlobalAvgPool3D(_Pooling):
    """Mean over D, H and W."""

    def __init__(self, layout="NCDHW", **kwargs):
        _global_init(self, 3, layout, "avg", kwargs)


class ReflectionPad2D(HybridBlock):
    """Pads H and W of (N, C, H, W) by reflection; `padding` is a number or MXNet's
    8-tuple pad_width."""

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, _numeric):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        _check(len(padding) == 8, "ReflectionPad2D: padding must be a number or 8 ints")
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)
