"""mx.random: seeding and sampling.  One NumPy Generator per context, reseeded by seed().

Sampling ops are registered operators (`_random_uniform`, ...) that draw from the
generator of their context, so seeded runs are reproducible (MXNet's own random stream
cannot be reproduced bit for bit; seeded results here are reproducible run to run)."""
import numpy as np

from .context import Context, current_context

_generators = {}
_base_seed = [None]


def generator(ctx=None):
    """The numpy Generator used by kernels of `ctx`."""
    ctx = ctx or current_context()
    gen = _generators.get(ctx)
    if gen is None:
        seed = None if _base_seed[0] is None else (_base_seed[0], ctx.device_typeid, ctx.device_id)
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
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
        _generators[ctx] = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence((int(seed_state), ctx.device_typeid, ctx.device_id))))


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
