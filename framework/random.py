"""mx.random: seeding and sampling.  One random state per context, reseeded by seed(): a
NumPy Generator on CPU contexts, a Philox counter stream on GPU contexts.

Sampling ops are registered operators (`_random_uniform`, ...) that draw from the
generator of their context, so seeded runs are reproducible (MXNet's own random stream
cannot be reproduced bit for bit; seeded results here are reproducible run to run)."""
import numpy as np

from .context import Context, current_context

_generators = {}
_base_seed = [None]


class PhiloxStream:
    """The random state of a GPU context: the Philox4x32-10 key `seed` and the counter
    `offset` of the next random kernel launch (kernels/cuda/philox.py).  A launch takes
    (seed, offset) and advances offset by one, so no two launches of a seed share a counter
    and a seeded run is reproducible on any grid.  Host draws (`integers`, `uniform`, ...:
    the NumPy Generator API) come from a generator seeded with the same key."""

    __slots__ = ("seed", "offset", "_host")

    def __init__(self, seed):
        self.seed = int(seed) & ((1 << 64) - 1)
        self.offset = 0
        self._host = None

    def philox_next(self):
        pair = (self.seed, self.offset)
        self.offset += 1
        return pair

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._host is None:
            self._host = np.random.Generator(np.random.PCG64(self.seed))
        return getattr(self._host, name)


def _new_generator(seed, ctx):
    """A context's random state for `seed` (an int tuple, or None: from entropy)."""
    sequence = np.random.SeedSequence(seed)
    if ctx.device_typeid == 2:
        return PhiloxStream(int(sequence.generate_state(1, np.uint64)[0]))
    return np.random.Generator(np.random.PCG64(sequence))


def generator(ctx=None):
    """The random state kernels of `ctx` draw from: a NumPy Generator on the CPU, a
    PhiloxStream on a GPU."""
    ctx = ctx or current_context()
    gen = _generators.get(ctx)
    if gen is None:
        seed = None if _base_seed[0] is None else (_base_seed[0], ctx.device_typeid, ctx.device_id)
        gen = _new_generator(seed, ctx)
        _generators[ctx] = gen
    return gen


def seed(seed_state, ctx="all"):
    """Seed the generators of every context (ctx='all') or of one context."""
    if not isinstance(seed_state, (int, np.integer)):
        from .base import MXNetError
        raise MXNetError("seed_state must be an int, got %r" % (seed_state,))
    if ctx == "all":
        _base_seed[0] = int(seed_state)
        _generators.clear()
    else:
        ctx = Context(ctx)
        _generators[ctx] = _new_generator((int(seed_state), ctx.device_typeid, ctx.device_id),
                                          ctx)


def uniform(low=0, high=1, shape=(1,), dtype="float32", ctx=None, out=None, **kwargs):
    from . import ndarray as nd
    return nd.random.uniform(low, high, shape=shape, dtype=dtype, ctx=ctx, out=out, **kwargs)


def normal(loc=0, scale=1, shape=(1,), dtype="float32", ctx=None, out=None, **kwargs):
    from . import ndarray as nd
    return nd.random.normal(loc, scale, shape=shape, dtype=dtype, ctx=ctx, out=out, **kwargs)


def randint(low, high, shape=(1,), dtype="int32", ctx=None, out=None, **kwargs):
    from . import ndarray as nd
    return nd.random.randint(low, high, shape=shape, dtype=dtype, ctx=ctx, out=out, **kwargs)


def shuffle(data, **kwargs):
    from . import ndarray as nd
    return nd.random.shuffle(data, **kwargs)
