"""Random samplers on the GPU: _random_uniform, _random_normal, _random_randint from the
Philox4x32-10 stream (philox.py).  Element group j (elements 4j .. 4j+3) takes the four words
of counter (j, offset) under key seed, so a sample is a pure function of (seed, offset,
element index); `uniform_host` / `normal_host` / `randint_host` recompute it in NumPy (the
tests' oracle).

uniform: low + (high - low) * u, u = word * 2^-32 in [0, 1).
normal: Box-Muller on word pairs (0, 1) and (2, 3): u1 = (word + 1) * 2^-32 in (0, 1],
        r = sqrt(-2 log u1), z = r cos(2 pi u2), r sin(2 pi u2); loc + scale * z.
randint: low + floor(u * (high - low)) (32 random bits per element).
The attribute checks are the CPU kernels' (compiler/ops/init.py).
"""
import math

import numpy as np

from compiler.errors import MXNetTypeError
from compiler.ops.init import _finite
from compiler.ops.registry import fail
from .philox import S32, TO_UNIT, U32, _split, next_key, philox4x32_10, philox_host
from .runtime import check_array, grid_for, require, FLOATS

cuda = require()
TWO_PI = 2.0 * math.pi


@cuda.jit(cache=True)
def uniform_range_kernel(out, n, low, span, k0, k1, olo, ohi):
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    groups = (n + 3) // 4
    while j < groups:
        ju = np.uint64(j)
        r0, r1, r2, r3 = philox4x32_10(ju & U32, ju >> S32, olo, ohi, k0, k1)
        b = j * 4
        out[b] = low + span * (float(r0) * TO_UNIT)
        if b + 1 < n:
            out[b + 1] = low + span * (float(r1) * TO_UNIT)
        if b + 2 < n:
            out[b + 2] = low + span * (float(r2) * TO_UNIT)
        if b + 3 < n:
            out[b + 3] = low + span * (float(r3) * TO_UNIT)
        j += step


@cuda.jit(device=True, inline=True)
def _box_muller(wa, wb):
    u1 = (float(wa) + 1.0) * TO_UNIT
    u2 = float(wb) * TO_UNIT
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(TWO_PI * u2), r * math.sin(TWO_PI * u2)


@cuda.jit(cache=True)
def normal_kernel(out, n, loc, scale, k0, k1, olo, ohi):
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    groups = (n + 3) // 4
    while j < groups:
        ju = np.uint64(j)
        r0, r1, r2, r3 = philox4x32_10(ju & U32, ju >> S32, olo, ohi, k0, k1)
        z0, z1 = _box_muller(r0, r1)
        z2, z3 = _box_muller(r2, r3)
        b = j * 4
        out[b] = loc + scale * z0
        if b + 1 < n:
            out[b + 1] = loc + scale * z1
        if b + 2 < n:
            out[b + 2] = loc + scale * z2
        if b + 3 < n:
            out[b + 3] = loc + scale * z3
        j += step


@cuda.jit(cache=True)
def randint_kernel(out, n, low, span, k0, k1, olo, ohi):
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    groups = (n + 3) // 4
    while j < groups:
        ju = np.uint64(j)
        r0, r1, r2, r3 = philox4x32_10(ju & U32, ju >> S32, olo, ohi, k0, k1)
        b = j * 4
        out[b] = low + np.int64(math.floor(float(r0) * TO_UNIT * span))
        if b + 1 < n:
            out[b + 1] = low + np.int64(math.floor(float(r1) * TO_UNIT * span))
        if b + 2 < n:
            out[b + 2] = low + np.int64(math.floor(float(r2) * TO_UNIT * span))
        if b + 3 < n:
            out[b + 3] = low + np.int64(math.floor(float(r3) * TO_UNIT * span))
        j += step


# --- host oracles ------------------------------------------------------------------------

def _words(n, seed, offset):
    groups = (n + 3) // 4
    j = np.arange(groups, dtype=np.uint64)
    olo, ohi = _split(offset)
    ctr = np.stack([j & U32, j >> S32, np.full(groups, olo), np.full(groups, ohi)], axis=1)
    return philox_host(ctr, _split(seed)).astype(np.float64)


def uniform_host(n, seed, offset, low=0.0, high=1.0):
    return low + (high - low) * (_words(n, seed, offset).reshape(-1)[:n] * TO_UNIT)


def normal_host(n, seed, offset, loc=0.0, scale=1.0):
    w = _words(n, seed, offset)
    u1 = (w[:, 0::2] + 1.0) * TO_UNIT
    u2 = w[:, 1::2] * TO_UNIT
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.stack([r * np.cos(TWO_PI * u2), r * np.sin(TWO_PI * u2)], axis=2)  # (g, 2, 2)
    return loc + scale * z.reshape(-1)[:n]


def randint_host(n, seed, offset, low, high):
    u = _words(n, seed, offset).reshape(-1)[:n] * TO_UNIT
    return low + np.floor(u * float(high - low)).astype(np.int64)


# --- op adapters --------------------------------------------------------------------------

def _launch(kernel, out, params, octx, op):
    if out.size:
        seed, offset = next_key(octx, op)
        k0, k1 = _split(seed)
        olo, ohi = _split(offset)
        kernel[grid_for((out.size + 3) // 4)](out.reshape(out.size), out.size, *params,
                                              k0, k1, olo, ohi)


def _float_out(op, out):
    if np.dtype(out.dtype).name not in FLOATS:
        raise MXNetTypeError("%s: dtype %s is not supported on the GPU (float32, float64)"
                             % (op, np.dtype(out.dtype).name))
    check_array(op, "out", out)


def _uniform_op(op, attrs, inputs, outputs, octx):
    _finite(attrs, "low", "high")
    if attrs.high < attrs.low:
        fail("high (%g) must be >= low (%g)", attrs.high, attrs.low)
    _float_out(op.name, outputs[0])
    _launch(uniform_range_kernel, outputs[0], (float(attrs.low), float(attrs.high - attrs.low)),
            octx, op.name)


def _normal_op(op, attrs, inputs, outputs, octx):
    _finite(attrs, "loc", "scale")
    if attrs.scale < 0:
        fail("scale must be non-negative, got %g", attrs.scale)
    _float_out(op.name, outputs[0])
    _launch(normal_kernel, outputs[0], (float(attrs.loc), float(attrs.scale)), octx, op.name)


def _randint_op(op, attrs, inputs, outputs, octx):
    if attrs.high <= attrs.low:
        fail("high (%d) must be > low (%d)", attrs.high, attrs.low)
    check_array(op.name, "out", outputs[0], dtypes=("int32", "int64"))
    _launch(randint_kernel, outputs[0], (np.int64(attrs.low), float(attrs.high - attrs.low)),
            octx, op.name)


KERNELS = {"_random_uniform": _uniform_op, "_random_normal": _normal_op,
           "_random_randint": _randint_op}
