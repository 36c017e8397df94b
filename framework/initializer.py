"""mx.init / mx.initializer: weight initializers (MXNet 1.9.1).

An Initializer is called as `init(InitDesc(name, attrs), arr)` and fills `arr` in place.
The name decides what is filled (MXNet's rules): a `__init__` entry in desc.attrs (an
initializer's dumps() JSON or a registered name) wins; otherwise names ending in
'weight' -> _init_weight, 'bias' -> 0, 'gamma' -> 1, 'beta' -> 0, 'min' -> 0, 'max' -> 1,
anything else is an error.  Called with a plain str (the deprecated form) the legacy
rules also cover 'moving_mean' -> 0, 'moving_var' -> 1, 'moving_inv_var' -> 0,
'moving_avg' -> 0, 'upsampling*' -> bilinear.  Random initializers draw through the
framework's generator, so mx.random.seed(n) makes them reproducible (the random stream
itself is not MXNet's).
"""
import json
import logging
import re
import warnings
from math import sqrt

import numpy as np

from .base import MXNetError, MXNetValueError, MXNetTypeError, MXNetAssertionError
from .ndarray import NDArray, load
from . import random
from . import ndarray

__all__ = ["InitDesc", "Initializer", "register", "alias", "create", "Load", "Mixed", "Zero",
           "One", "Constant", "Uniform", "Normal", "Orthogonal", "Xavier", "MSRAPrelu",
           "Bilinear", "LSTMBias", "FusedRNN"]


class InitDesc(str):
    """A parameter name (a str) carrying the variable's attributes (`attrs`, e.g. from
    Symbol.attr_dict, possibly with '__init__') and the global initializer to fall back
    to (`global_init`)."""

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super().__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


class Initializer:
    """The base class of initializers; subclasses implement _init_weight."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log each initialized array with print_func(arr) (default: its RMS value)."""
        self._verbose = verbose
        if print_func is None:
            def asum_stat(x):
                return str((ndarray.norm(x) / sqrt(x.size)).asscalar())
            print_func = asum_stat
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr):
        if self._verbose and self._print_func:
            logging.info('Initialized %s as %s: %s', desc, init, self._print_func(arr))

    def dumps(self):
        """The JSON string '["<lower-cased class name>", {kwargs}]'."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        """Fill `arr` (an NDArray) in place according to desc (see the module doc)."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if not isinstance(arr, NDArray):
            raise MXNetTypeError('arr must be NDArray, got %s' % type(arr).__name__)
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get('__init__', "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
        elif desc.endswith('weight'):
            self._init_weight(desc, arr)
            self._verbose_print(desc, 'weight', arr)
        elif desc.endswith('bias'):
            self._init_bias(desc, arr)
            self._verbose_print(desc, 'bias', arr)
        elif desc.endswith('gamma'):
            self._init_gamma(desc, arr)
            self._verbose_print(desc, 'gamma', arr)
        elif desc.endswith('beta'):
            self._init_beta(desc, arr)
            self._verbose_print(desc, 'beta', arr)
        elif desc.endswith('min'):
            self._init_zero(desc, arr)
            self._verbose_print(desc, 'min', arr)
        elif desc.endswith('max'):
            self._init_one(desc, arr)
            self._verbose_print(desc, 'max', arr)
        elif desc.endswith('weight_quantize'):
            self._init_quantized_weight(desc, arr)
            self._verbose_print(desc, 'weight_quantize', arr)
        elif desc.endswith('bias_quantize'):
            self._init_quantized_bias(desc, arr)
            self._verbose_print(desc, 'bias_quantize', arr)
        else:
            self._init_default(desc, arr)

    def _legacy_init(self, name, arr):
        """init(str, NDArray): deprecated, with the old name rules."""
        warnings.warn(
            "\033[91mCalling initializer with init(str, NDArray) has been deprecated."
            "please use init(mx.init.InitDesc(...), NDArray) instead.\033[0m",
            DeprecationWarning, stacklevel=3)
        if not isinstance(name, str):
            raise MXNetTypeError('name must be string')
        if not isinstance(arr, NDArray):
            raise MXNetTypeError('arr must be NDArray')
        if name.startswith('upsampling'):
            self._init_bilinear(name, arr)
        elif name.startswith('stn_loc') and name.endswith('weight'):
            self._init_zero(name, arr)
        elif name.startswith('stn_loc') and name.endswith('bias'):
            self._init_loc_bias(name, arr)
        elif name.endswith('bias'):
            self._init_bias(name, arr)
        elif name.endswith('gamma'):
            self._init_gamma(name, arr)
        elif name.endswith('beta'):
            self._init_beta(name, arr)
        elif name.endswith('weight'):
            self._init_weight(name, arr)
        elif name.endswith("moving_mean"):
            self._init_zero(name, arr)
        elif name.endswith("moving_var"):
            self._init_one(name, arr)
        elif name.endswith("moving_inv_var"):
            self._init_zero(name, arr)
        elif name.endswith("moving_avg"):
            self._init_zero(name, arr)
        elif name.endswith('min'):
            self._init_zero(name, arr)
        elif name.endswith('max'):
            self._init_one(name, arr)
        else:
            self._init_default(name, arr)

    def _init_bilinear(self, _, arr):
        arr[:] = _bilinear(arr.shape)

    def _init_loc_bias(self, _, arr):
        if arr.shape[0] != 6:
            raise MXNetAssertionError("stn_loc bias must have 6 elements, got shape %s"
                                      % (arr.shape,))
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr):
        arr[:] = 0.0

    def _init_one(self, _, arr):
        arr[:] = 1.0

    def _init_bias(self, _, arr):
        arr[:] = 0.0

    def _init_quantized_bias(self, _, arr):
        arr[:] = 0

    def _init_gamma(self, _, arr):
        arr[:] = 1.0

    def _init_beta(self, _, arr):
        arr[:] = 0.0

    def _init_weight(self, name, arr):
        """Fill a weight; every concrete initializer overrides this."""
        raise NotImplementedError("Must override it")

    def _init_quantized_weight(self, _, arr):
        _arr = random.randint(-127, 127, dtype='int32').asnumpy()
        arr[:] = np.int8(_arr)

    def _init_default(self, name, _):
        raise MXNetValueError(
            'Unknown initialization pattern for %s. '
            'Default initialization is now limited to '
            '"weight", "bias", "gamma" (1.0), and "beta" (0.0).'
            'Please use mx.sym.Variable(init=mx.init.*) to set initialization pattern' % name)

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % kv for kv in sorted(self._kwargs.items())))


def _bilinear(shape):
    """The bilinear upsampling kernel over the last two axes (MXNet's formula, vectorized)."""
    if len(shape) != 4:
        raise MXNetValueError("Bilinear initializer needs a 4-d weight, got shape %s" % (shape,))
    f = np.ceil(shape[3] / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    i = np.arange(int(np.prod(shape)))
    x = i % shape[3]
    y = (i // shape[3]) % shape[2]
    weight = ((1 - abs(x / f - c)) * (1 - abs(y / f - c))).astype('float32')
    return weight.reshape(shape)


# --- registry ----------------------------------------------------------------------------------

_REGISTRY = {}


def register(klass, name=None):
    """Register an Initializer subclass under its lower-cased name (or `name`)."""
    if not (isinstance(klass, type) and issubclass(klass, Initializer)):
        raise MXNetAssertionError("Can only register subclass of Initializer, got %r" % (klass,))
    name = (klass.__name__ if name is None else name).lower()
    if name in _REGISTRY:
        warnings.warn("\033[91mNew initializer %s.%s registered with name %s is"
                      "overriding existing initializer %s.%s\033[0m" % (
                          klass.__module__, klass.__name__, name,
                          _REGISTRY[name].__module__, _REGISTRY[name].__name__),
                      UserWarning, stacklevel=2)
    _REGISTRY[name] = klass
    return klass


def alias(*aliases):
    """Class decorator registering extra names."""
    def reg(klass):
        for name in aliases:
            register(klass, name)
        return klass
    return reg


def create(*args, **kwargs):
    """An Initializer from an instance (returned as is), a registered name plus keyword
    arguments, a dumps() JSON string '["name", {...}]', '{"initializer": ...}' or a dict."""
    if args:
        name, args = args[0], args[1:]
    elif 'initializer' in kwargs:
        name = kwargs.pop('initializer')
    else:
        raise MXNetValueError("create: give an initializer name or instance")
    if isinstance(name, Initializer):
        if args or kwargs:
            raise MXNetAssertionError("initializer is already an instance. Additional "
                                      "arguments are invalid")
        return name
    if isinstance(name, dict):
        return create(**name)
    if not isinstance(name, str):
        raise MXNetAssertionError("initializer must be of string type, got %r" % (name,))
    if name.startswith('[') or name.startswith('{'):
        if args or kwargs:
            raise MXNetAssertionError("a JSON initializer takes no extra arguments")
        try:
            spec = json.loads(name)
        except ValueError as err:
            raise MXNetValueError("malformed initializer JSON %r: %s" % (name, err)) from None
        if isinstance(spec, list) and len(spec) == 2 and isinstance(spec[1], dict):
            return create(spec[0], **spec[1])
        if isinstance(spec, dict):
            return create(**spec)
        raise MXNetValueError("malformed initializer JSON %r" % (name,))
    key = name.lower()
    if key not in _REGISTRY:
        raise MXNetValueError("%s is not registered. Please register with initializer.register "
                              "first (registered: %s)" % (name, ", ".join(sorted(_REGISTRY))))
    return _REGISTRY[key](*args, **kwargs)


# --- loaders and combinators ---------------------------------------------------------------

class Load:
    """Initialize from a .params file or a dict name -> NDArray ('arg:'/'aux:' prefixes are
    dropped); names not found go to default_init."""

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            param = load(param)
        if not isinstance(param, dict):
            raise MXNetAssertionError("Load needs a file of named arrays or a dict, got %s"
                                      % type(param).__name__)
        self.param = {}
        for name, arr in param.items():
            if name.startswith('arg:') or name.startswith('aux:'):
                self.param[name[4:]] = arr
            else:
                self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            if arr.shape != self.param[name].shape:
                raise MXNetAssertionError(
                    'Parameter %s cannot be initialized from loading. ' % name +
                    'Shape mismatch, target %s vs loaded %s' % (str(arr.shape),
                                                                self.param[name].shape))
            arr[:] = self.param[name]
            if self.verbose:
                logging.info('Initialized %s by loading', name)
        else:
            if self.default_init is None:
                raise MXNetAssertionError(
                    "Cannot Initialize %s. Not found in loaded param " % name +
                    "and no default Initializer is provided.")
            self.default_init(name, arr)
            if self.verbose:
                logging.info('Initialized %s by default', name)


class Mixed:
    """The first initializer whose regular expression matches the name (re.match)."""

    def __init__(self, patterns, initializers):
        if len(patterns) != len(initializers):
            raise MXNetAssertionError("Mixed: %d patterns but %d initializers"
                                      % (len(patterns), len(initializers)))
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def __call__(self, name, arr):
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise MXNetValueError('Parameter name %s did not match any pattern. Consider '
                              'add a ".*" pattern at the and with default Initializer.' % name)


# --- initializers ------------------------------------------------------------------------------

@register
@alias("zeros")
class Zero(Initializer):
    """Weights = 0."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Weights = 1."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 1


@register
class Constant(Initializer):
    """Weights = value (a scalar or an array of the weight's shape)."""

    def __init__(self, value):
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        arr[:] = self.value

    def dumps(self):
        val = self._kwargs['value']
        if not np.isscalar(val):
            self._kwargs['value'] = (val.tolist() if isinstance(val, np.ndarray)
                                     else val.asnumpy().tolist())
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])


def _fill(kind, a, b, arr):
    sampler = random.uniform if kind == "uniform" else random.normal
    sampler(a, b, arr.shape, dtype=arr._data.dtype.name, ctx=arr.context, out=arr)


@register
class Uniform(Initializer):
    """Weights ~ U(-scale, scale), scale 0.07 by default."""

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _fill("uniform", -self.scale, self.scale, arr)


@register
class Normal(Initializer):
    """Weights ~ N(0, sigma^2), sigma 0.01 by default."""

    def __init__(self, sigma=0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _fill("normal", 0, self.sigma, arr)


@register
class Orthogonal(Initializer):
    """scale * an orthogonal matrix (Saxe et al.) of shape (shape[0], prod(shape[1:])),
    from the SVD of a uniform(-1, 1) or normal(0, 1) draw (rand_type)."""

    def __init__(self, scale=1.414, rand_type="uniform"):
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        nout = arr.shape[0]
        nin = int(np.prod(arr.shape[1:]))
        if self.rand_type == "uniform":
            tmp = random.uniform(-1.0, 1.0, shape=(nout, nin)).asnumpy()
        elif self.rand_type == "normal":
            tmp = random.normal(0.0, 1.0, shape=(nout, nin)).asnumpy()
        else:
            raise MXNetValueError("Orthogonal: unknown rand_type %r (uniform or normal)"
                                  % (self.rand_type,))
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """Glorot initialization: scale = sqrt(magnitude / factor) with factor = fan_in,
    fan_out or their mean (factor_type 'in', 'out', 'avg'), fan_in = shape[1] * hw and
    fan_out = shape[0] * hw where hw = prod(shape[2:]); rnd_type 'uniform' draws
    U(-scale, scale), 'gaussian' draws N(0, scale^2)."""

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def scale(self, name, shape):
        """The bound (uniform) or standard deviation (gaussian) used for `shape`."""
        hw_scale = 1.
        if len(shape) < 2:
            raise MXNetValueError('Xavier initializer cannot be applied to vector {0}. It '
                                  'requires at least 2D.'.format(name))
        if len(shape) > 2:
            hw_scale = np.prod(shape[2:])
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == "avg":
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == "in":
            factor = fan_in
        elif self.factor_type == "out":
            factor = fan_out
        else:
            raise MXNetValueError("Incorrect factor type")
        return np.sqrt(self.magnitude / factor)

    def _init_weight(self, name, arr):
        scale = self.scale(name, arr.shape)
        if self.rnd_type == "uniform":
            _fill("uniform", -scale, scale, arr)
        elif self.rnd_type == "gaussian":
            _fill("normal", 0, scale, arr)
        else:
            raise MXNetValueError("Unknown random type")


@register
class MSRAPrelu(Xavier):
    """He et al. (2015): Xavier 'gaussian' with magnitude 2 / (1 + slope^2)."""

    def __init__(self, factor_type="avg", slope=0.25):
        magnitude = 2. / (1 + slope ** 2)
        super().__init__("gaussian", factor_type, magnitude)
        self._kwargs = {'factor_type': factor_type, 'slope': slope}


@register
class Bilinear(Initializer):
    """Bilinear upsampling weights for Deconvolution (4-d)."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = _bilinear(arr.shape)


@register
class LSTMBias(Initializer):
    """LSTM biases: 0 except the forget gate (the 2nd of 4 gates) = forget_bias."""

    def __init__(self, forget_bias=1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden:2 * num_hidden] = self.forget_bias


@register
class FusedRNN(Initializer):
    """Initializer for the packed parameters of mx.rnn.FusedRNNCell (not available)."""

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False,
                 forget_bias=1.0):
        if isinstance(init, str):
            init = create(init)
        super().__init__(init=init.dumps() if init is not None else None,
                         num_hidden=num_hidden, num_layers=num_layers, mode=mode,
                         bidirectional=bidirectional, forget_bias=forget_bias)
        self._init = init

    def _init_weight(self, desc, arr):
        raise MXNetError("FusedRNN initializer: unpacking fused RNN parameters needs "
                         "mx.rnn.FusedRNNCell (the legacy mx.rnn API), which is not "
                         "implemented; initialize gluon.rnn layers with their own "
                         "i2h/h2h initializers instead")
