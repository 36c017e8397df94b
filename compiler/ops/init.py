"""Ops with no array inputs: constant fills, ranges, the identity matrix, random sampling."""
import numpy as np

from .registry import Op, Attr, register, fail

_CTX = Attr("str", "")
_DT = Attr("dtype", "float32")


class _Source(Op):
    """A nullary op: output shape and dtype come from attributes."""

    arguments = ()
    differentiable = False

    def out_shape(self, attrs):
        return tuple(attrs.shape)

    def infer_shape(self, attrs, in_shapes):
        shape = self.out_shape(attrs)
        if any(d < 0 for d in shape):
            fail("shape %s has a negative dimension", shape)
        return [], [shape]

    def infer_type(self, attrs, in_types):
        return [], [attrs.dtype]

    def reference(self, attrs, inputs, octx):
        out = np.empty(self.out_shape(attrs), attrs.dtype)
        self.fill(attrs, out, octx)
        return [out]

    def fill(self, attrs, out, octx):
        raise NotImplementedError("%s must define fill()" % type(self).__name__)

    def _cpu(self, attrs, inputs, outputs, octx):
        self.fill(attrs, outputs[0], octx)

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class Zeros(_Source):
    name = "_zeros"
    attrs = dict(shape=Attr("shape", ()), ctx=_CTX, dtype=_DT)

    def fill(self, attrs, out, octx):
        out.fill(0)


@register
class Ones(_Source):
    name = "_ones"
    attrs = dict(shape=Attr("shape", ()), ctx=_CTX, dtype=_DT)

    def fill(self, attrs, out, octx):
        out.fill(1)


@register
class Full(_Source):
    name = "_full"
    attrs = dict(shape=Attr("shape", ()), ctx=_CTX, dtype=_DT, value=Attr("float"))

    def fill(self, attrs, out, octx):
        out.fill(attrs.value)


@register
class Arange(_Source):
    """MXNet's `arange`: start, stop (None -> [0, start)), step, each value repeated."""

    name = "_arange"
    attrs = dict(start=Attr("float"), stop=Attr("float_or_none", None), step=Attr("float", 1.0),
                 repeat=Attr("int", 1), infer_range=Attr("bool", False), ctx=_CTX, dtype=_DT)

    def _bounds(self, attrs):
        _finite(attrs, "start", "stop", "step")
        start, stop = (0.0, attrs.start) if attrs.stop is None else (attrs.start, attrs.stop)
        if attrs.step == 0:
            fail("step must not be 0")
        if attrs.repeat < 1:
            fail("repeat must be >= 1, got %d", attrs.repeat)
        return start, stop

    def out_shape(self, attrs):
        start, stop = self._bounds(attrs)
        n = int(np.ceil((stop - start) / attrs.step))
        return (max(n, 0) * attrs.repeat,)

    def fill(self, attrs, out, octx):
        start, stop = self._bounds(attrs)
        n = out.shape[0] // attrs.repeat
        values = start + attrs.step * np.arange(n, dtype=np.float64)
        out[...] = np.repeat(values, attrs.repeat).astype(out.dtype)


@register
class Linspace(_Source):
    name = "_linspace"
    attrs = dict(start=Attr("float"), stop=Attr("float"), num=Attr("int"),
                 endpoint=Attr("bool", True), ctx=_CTX, dtype=_DT)

    def out_shape(self, attrs):
        _finite(attrs, "start", "stop")
        if attrs.num < 0:
            fail("num must be non-negative, got %d", attrs.num)
        return (attrs.num,)

    def fill(self, attrs, out, octx):
        out[...] = np.linspace(attrs.start, attrs.stop, attrs.num, endpoint=attrs.endpoint)


@register
class Eye(_Source):
    name = "_eye"
    attrs = dict(N=Attr("int"), M=Attr("int", 0), k=Attr("int", 0), ctx=_CTX, dtype=_DT)

    def out_shape(self, attrs):
        return (attrs.N, attrs.M if attrs.M > 0 else attrs.N)

    def fill(self, attrs, out, octx):
        out[...] = np.eye(out.shape[0], out.shape[1], attrs.k)


def _finite(attrs, *names):
    for name in names:
        value = attrs[name]
        if value is not None and not np.isfinite(value):
            fail("%s must be finite, got %s", name, value)


def _draw(out, sample):
    """Draw in float32/float64 (or int64) and cast: float16 cannot be sampled directly."""
    out[...] = sample


@register
class RandomUniform(_Source):
    name = "_random_uniform"
    random = True
    aliases = ("uniform", "random_uniform")
    attrs = dict(low=Attr("float", 0.0), high=Attr("float", 1.0), shape=Attr("shape", ()),
                 ctx=_CTX, dtype=_DT)

    def fill(self, attrs, out, octx):
        _finite(attrs, "low", "high")
        if attrs.high < attrs.low:
            fail("high (%g) must be >= low (%g)", attrs.high, attrs.low)
        _draw(out, octx.rng.uniform(attrs.low, attrs.high, out.shape))


@register
class RandomNormal(_Source):
    name = "_random_normal"
    random = True
    aliases = ("normal", "random_normal")
    attrs = dict(loc=Attr("float", 0.0), scale=Attr("float", 1.0), shape=Attr("shape", ()),
                 ctx=_CTX, dtype=_DT)

    def fill(self, attrs, out, octx):
        _finite(attrs, "loc", "scale")
        if attrs.scale < 0:
            fail("scale must be non-negative, got %g", attrs.scale)
        _draw(out, octx.rng.normal(attrs.loc, attrs.scale, out.shape))


@register
class RandomRandint(_Source):
    name = "_random_randint"
    random = True
    attrs = dict(low=Attr("int"), high=Attr("int"), shape=Attr("shape", ()), ctx=_CTX,
                 dtype=Attr("dtype", "int32", choices=("int32", "int64")))

    def fill(self, attrs, out, octx):
        if attrs.high <= attrs.low:
            fail("high (%d) must be > low (%d)", attrs.high, attrs.low)
        _draw(out, octx.rng.integers(attrs.low, attrs.high, out.shape))


@register
class Shuffle(Op):
    """Shuffle along the first axis (MXNet `_shuffle`, mx.nd.random.shuffle)."""

    name = "_shuffle"
    random = True
    aliases = ("shuffle",)
    differentiable = False

    def infer_shape(self, attrs, in_shapes):
        return list(in_shapes), [in_shapes[0]]

    def reference(self, attrs, inputs, octx):
        out = inputs[0].copy()
        if out.ndim:
            out[...] = out[octx.rng.permutation(out.shape[0])]
        return [out]

    def _cpu(self, attrs, inputs, outputs, octx):
        outputs[0][...] = self.reference(attrs, inputs, octx)[0]

    @property
    def kernels(self):
        return {"cpu": self._cpu}
