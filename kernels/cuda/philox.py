"""Counter-based random numbers on the GPU: Philox4x32-10, and Dropout built on it.

Philox4x32-10 (Salmon et al., SC'11; Random123) maps a 128-bit counter and a 64-bit key to
four 32-bit random words with no state: the random numbers of a launch are a pure function
of (seed, offset, element index), so a mask is reproducible from (seed, offset) alone, on
any grid, and parallel threads never share a generator.  Element group j (elements 4j ..
4j+3) uses counter (j_lo, j_hi, offset_lo, offset_hi) and key (seed_lo, seed_hi); a word w
gives the uniform u = w * 2^-32 in [0, 1).  `philox_host` is the same function in NumPy
(checked against Random123's known-answer vectors in tests/gpu): the oracle of the device
code, and how a host can recompute any mask.

Seeding: a GPU context keeps (seed, offset) (framework/random.py's PhiloxStream); each
random launch takes the current pair (`next_key`) and advances offset by one: the offset
is the counter's upper 64 bits, the element group the lower, so a sequence of launches
never reuses a counter and mx.random.seed(s) resets the pair.
"""
import numpy as np

from compiler.errors import MXNetError, MXNetValueError
from ..codegen.elementwise import ElementwiseSpec
from . import codegen
from .runtime import check_array, grid_for, require, FLOATS

cuda = require()

M0 = np.uint64(0xD2511F53)
M1 = np.uint64(0xCD9E8D57)
W0 = np.uint64(0x9E3779B9)
W1 = np.uint64(0xBB67AE85)
U32 = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)
TO_UNIT = 2.0 ** -32


@cuda.jit(device=True, inline=True)
def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """Philox4x32 with 10 rounds; every argument and result is a uint64 holding 32 bits."""
    for _ in range(10):
        p0 = M0 * c0
        p1 = M1 * c2
        n0 = (p1 >> S32) ^ c1 ^ k0
        n2 = (p0 >> S32) ^ c3 ^ k1
        c1 = p1 & U32
        c3 = p0 & U32
        c0 = n0
        c2 = n2
        k0 = (k0 + W0) & U32
        k1 = (k1 + W1) & U32
    return c0, c1, c2, c3


def philox_host(counters, key):
    """NumPy Philox4x32-10: counters (n, 4) uint32-valued, key (2,) -> (n, 4) uint64."""
    c = np.asarray(counters, np.uint64).reshape(-1, 4).copy()
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for _ in range(10):
        p0 = M0 * c[:, 0]
        p1 = M1 * c[:, 2]
        n0 = (p1 >> S32) ^ c[:, 1] ^ k0
        n2 = (p0 >> S32) ^ c[:, 3] ^ k1
        c[:, 1] = p1 & U32
        c[:, 3] = p0 & U32
        c[:, 0] = n0
        c[:, 2] = n2
        k0 = (k0 + W0) & U32
        k1 = (k1 + W1) & U32
    return c


def _split(v):
    v = int(v) & ((1 << 64) - 1)
    return np.uint64(v & 0xFFFFFFFF), np.uint64(v >> 32)


def uniform_host(n, seed, offset=0):
    """The n uniforms in [0, 1) the device draws for (seed, offset), in element order."""
    groups = (n + 3) // 4
    j = np.arange(groups, dtype=np.uint64)
    olo, ohi = _split(offset)
    ctr = np.stack([j & U32, j >> S32, np.full(groups, olo), np.full(groups, ohi)], axis=1)
    words = philox_host(ctr, _split(seed))
    return (words.reshape(-1)[:n].astype(np.float64) * TO_UNIT)


@cuda.jit(cache=True)
def uniform_kernel(out, n, k0, k1, olo, ohi):
    """out[i] = uniform i of (key, offset) in [0, 1), as float64 then stored."""
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    groups = (n + 3) // 4
    while j < groups:
        ju = np.uint64(j)
        r0, r1, r2, r3 = philox4x32_10(ju & U32, ju >> S32, olo, ohi, k0, k1)
        b = j * 4
        out[b] = float(r0) * TO_UNIT
        if b + 1 < n:
            out[b + 1] = float(r1) * TO_UNIT
        if b + 2 < n:
            out[b + 2] = float(r2) * TO_UNIT
        if b + 3 < n:
            out[b + 3] = float(r3) * TO_UNIT
        j += step


@cuda.jit(cache=True)
def dropout_mask_kernel(mask, n, keep, scale, k0, k1, olo, ohi):
    """mask[i] = scale if uniform i < keep else 0 (MXNet's scaled keep mask)."""
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    groups = (n + 3) // 4
    while j < groups:
        ju = np.uint64(j)
        r0, r1, r2, r3 = philox4x32_10(ju & U32, ju >> S32, olo, ohi, k0, k1)
        b = j * 4
        mask[b] = scale if float(r0) * TO_UNIT < keep else 0.0
        if b + 1 < n:
            mask[b + 1] = scale if float(r1) * TO_UNIT < keep else 0.0
        if b + 2 < n:
            mask[b + 2] = scale if float(r2) * TO_UNIT < keep else 0.0
        if b + 3 < n:
            mask[b + 3] = scale if float(r3) * TO_UNIT < keep else 0.0
        j += step


def uniform(out, seed, offset=0, op="uniform"):
    """Fill device array `out` with the (seed, offset) uniforms in [0, 1)."""
    check_array(op, "out", out, dtypes=FLOATS)
    if out.size:
        k0, k1 = _split(seed)
        olo, ohi = _split(offset)
        uniform_kernel[grid_for((out.size + 3) // 4)](out.reshape(out.size), out.size, k0, k1,
                                                      olo, ohi)
    return out


_MUL = ElementwiseSpec(("x", "m"), ["x * m"], tag="cuda_dropout")
_COPY = ElementwiseSpec(("x",), ["x"], tag="cuda_copy")


def dropout(x, out, mask, p, seed, offset=0, active=True, op="Dropout"):
    """out = x * mask with mask = (u < 1-p) / (1-p) from Philox(seed, offset); `mask` may have
    size 1 along broadcast axes (variational dropout).  Inactive (or p == 0): the identity."""
    check_array(op, "data", x, dtypes=FLOATS)
    check_array(op, "out", out, shape=x.shape, dtypes=(np.dtype(x.dtype).name,))
    check_array(op, "mask", mask, dtypes=(np.dtype(x.dtype).name,))
    if len(mask.shape) != len(x.shape) or any(m not in (1, d) for m, d in zip(mask.shape,
                                                                               x.shape)):
        raise MXNetValueError("%s: mask shape %s does not broadcast to data shape %s"
                              % (op, tuple(mask.shape), tuple(x.shape)))
    if not 0.0 <= p <= 1.0:
        raise MXNetValueError("%s: p must be in [0, 1], got %g" % (op, p))
    if not active or p == 0:
        codegen.fill(mask, 1, op=op)
        codegen.launch(_COPY, [out], [x], op=op)
        return out
    keep = 1.0 - p
    if mask.size:
        k0, k1 = _split(seed)
        olo, ohi = _split(offset)
        dropout_mask_kernel[grid_for((mask.size + 3) // 4)](
            mask.reshape(mask.size), mask.size, keep, 1.0 / keep if keep > 0 else 0.0, k0, k1,
            olo, ohi)
    codegen.launch(_MUL, [out], [x, mask], op=op)
    return out


def draw_seed(octx, op):
    """A 64-bit seed from the context's generator (so mx.random.seed reproduces masks)."""
    rng = getattr(octx, "rng", None)
    if rng is None:
        raise MXNetError("%s: no random generator in the op context" % op)
    return int(rng.integers(0, 2 ** 63 - 1))


def next_key(octx, op):
    """(seed, offset) of a random launch: from the GPU context's Philox stream when the op
    context carries one (framework.random.PhiloxStream.philox_next: the offset advances by
    one per launch, so launches never share a counter), else a seed drawn from a NumPy
    generator and offset 0."""
    take = getattr(getattr(octx, "rng", None), "philox_next", None)
    if take is not None:
        return take()
    return draw_seed(octx, op), 0


def _dropout_op(op, attrs, inputs, outputs, octx):
    active = attrs.mode == "always" or bool(octx is not None and octx.is_train)
    seed, offset = next_key(octx, op.name) if active and attrs.p > 0 else (0, 0)
    dropout(inputs[0], outputs[0], outputs[1], attrs.p, seed, offset, active, op=op.name)


KERNELS = {"Dropout": _dropout_op}
