"""Optimizer update formulas: ONE declaration each, compiled for both targets.

Every update is an exact `ElementwiseSpec` (kernels/codegen/elementwise.py) of scalar
statements: the arrays (weight `w`, gradient `g`, states) are read at index i, the body
computes temporaries, and `writes` stores new values IN PLACE into the weight and states at
the same index (one fused pass; an in-place output takes no array argument of its own, which
keeps the CPU loop vectorized).  kernels/cpu/optimizer.run generates the serial Numba loop
from a spec, kernels/cuda/optimizer.run the grid-stride CUDA kernel.

MXNet 1.9.1 semantics (src/operator/optimizer_op-inl.h and python/mxnet/optimizer): the
operation order is MXNet's and the specs compile without fastmath, so float32 and float64
updates match MXNet bit for bit.  Scalars are arguments (the callers convert them to the
arrays' dtype: no literal may appear in a formula, a Python float would widen float32
code); `one`/`zero` are the dtype's 1 and 0.  Clipping is mshadow_op::clip (`_clip`: NaN
passes) under `clip >= 0` (a negative clip means none) or a `has_clip` flag; `_sign` is
mshadow_op::sign; both expand to plain expressions (selects), the same on both targets.
Arguments of kernels: in-place arrays in `arrays` order, then params; `fresh` outputs
(LAMB's gradient) come first.
"""
import numpy as np

from .elementwise import ElementwiseSpec

SPECS = {}


def update(tag, arrays, params, body, writes, fresh=()):
    """Declare an update: `arrays` read at index i; `body` [(name, expr)] temporaries;
    `writes` [(array, expr)] stored in place; `fresh` [(name, expr)] into new arrays."""
    outputs = [e for _, e in fresh] + [e for _, e in writes]
    inplace = [None] * len(fresh) + [a for a, _ in writes]
    spec = ElementwiseSpec(arrays, outputs, params=params, body=body, tag="opt_" + tag,
                           inplace=inplace, exact=True)
    SPECS[tag] = spec
    return spec


def _clip(x, c="clip"):
    """mshadow_op::clip of temporary `x` to [-c, c] as an expression: NaN passes."""
    return "(%s if %s > %s else (-%s if %s < -%s else %s))" % (c, x, c, c, x, c, x)


def _sign(x):
    """mshadow_op::sign of temporary `x` as an expression, typed like `one`/`zero`."""
    return "(one if %s > zero else (-one if %s < zero else zero))" % (x, x)


def _clipped(x, when="clip >= 0"):
    """(name, expr) that clips temporary `x` when `when` holds."""
    return (x, "%s if %s else %s" % (_clip(x), when, x))


# --- SGD family (sgd_update, sgd_mom_update, mp_*; the SGD optimizer) -----------------------

SGD = update(
    "sgd", ("w", "g"), ("decay", "lr", "rescale", "lr_rescale", "clip"),
    [("gs", "rescale * g")],
    [("w", "decay * w - lr * %s if clip >= 0 else decay * w - lr_rescale * g" % _clip("gs"))])


def _sgd_mom(tag, has_mom):
    """mom = momentum*mom - lr*wd*w - lr*clip(rescale*g); w += mom.  Without the state it is
    MXNet's multi_sgd_update (what the SGD optimizer runs without momentum): mom = 0."""
    m0 = "momentum * mom" if has_mom else "zero"
    body = [("gs", "rescale * g"),
            ("m", "%s - lrwd * w - lr * %s if clip >= 0 else %s - lrwd * w - lr_rescale * g"
                  % (m0, _clip("gs"), m0))]
    writes = [("mom", "m")] if has_mom else []
    return update(tag, ("w", "g", "mom") if has_mom else ("w", "g"),
                  ("momentum", "lrwd", "lr", "rescale", "lr_rescale", "clip", "zero"), body,
                  writes + [("w", "w + m")])


SGD_MOM = _sgd_mom("sgd_mom", True)
SGD_NO_MOM = _sgd_mom("sgd_no_mom", False)

# NAG: the momentum's weight decay reads the weight buffer after the new weight is written
# in MXNet: the new weight when out aliases weight (`aliased`), the old one otherwise
NAG_MOM = update(
    "nag_mom", ("w", "g", "mom"), ("aliased", "momentum", "mom1", "lr", "wd", "rescale", "clip"),
    [("m", "momentum * mom"), ("gr", "rescale * g"), _clipped("gr"),
     ("wn", "w - m + mom1 * (m - lr * (gr + wd * w))")],
    [("w", "wn"), ("mom", "m - lr * (gr + wd * (wn if aliased else w))")])

SIGNSGD = update(
    "signsgd", ("w", "g"), ("decay", "lr", "one", "zero"), [],
    [("w", "decay * w - lr * %s" % _sign("g"))])

SIGNUM = update(
    "signum", ("w", "g", "mom"),
    ("momentum", "omm_wd", "omm", "omm_rescale", "rescale", "clip", "decay_lh", "lr", "one",
     "zero"),
    [("gs", "rescale * g"),
     ("m", "momentum * mom - omm_wd * w - omm * %s if clip >= 0 "
           "else momentum * mom - omm_wd * w - omm_rescale * g" % _clip("gs"))],
    [("mom", "m"), ("w", "decay_lh * w + lr * %s" % _sign("m"))])


# --- adaptive (adam_update, rmsprop[alex]_update, ftrl_update, ftml_update) ------------------

ADAM = update(
    "adam", ("w", "g", "mean", "var"),
    ("b1", "b2", "omb1", "omb2", "lr", "wd", "rescale", "eps", "clip"),
    [("gr", "g * rescale + w * wd"), _clipped("gr"),
     ("m", "b1 * mean + omb1 * gr"), ("v", "b2 * var + omb2 * gr * gr")],
    [("mean", "m"), ("var", "v"), ("w", "w - lr * m / (np.sqrt(v) + eps)")])

RMSPROP = update(
    "rmsprop", ("w", "g", "n"), ("omg1", "gamma1", "lr", "wd", "rescale", "eps", "clip", "clip_w"),
    [("gr", "rescale * g + wd * w"), _clipped("gr"),
     ("ni", "omg1 * (gr * gr) + gamma1 * n"), ("nw", "w - lr * (gr / np.sqrt(ni + eps))")],
    [("n", "ni"), ("w", "%s if clip_w >= 0 else nw" % _clip("nw", "clip_w"))])

RMSPROPALEX = update(
    "rmspropalex", ("w", "g", "n", "gs", "delta"),
    ("omg1", "gamma1", "gamma2", "lr", "wd", "rescale", "eps", "clip", "clip_w"),
    [("gr", "rescale * g + wd * w"), _clipped("gr"),
     ("ni", "omg1 * gr * gr + gamma1 * n"), ("gi", "omg1 * gr + gamma1 * gs"),
     ("di", "gamma2 * delta - (lr * gr / (np.sqrt(ni - gi * gi + eps)))"), ("wn", "w + di")],
    [("n", "ni"), ("gs", "gi"), ("delta", "di"),
     ("w", "%s if clip_w >= 0 else wn" % _clip("wn", "clip_w"))])

FTRL = update(
    "ftrl", ("w", "g", "z", "n"), ("lr", "lamda1", "beta", "wd", "rescale", "clip", "one", "zero"),
    [("gr", "g * rescale"), _clipped("gr"),
     ("zi", "z + (gr - (np.sqrt(n + gr * gr) - np.sqrt(n)) * w / lr)"),
     ("ni", "n + gr * gr"), ("keep", "one if np.abs(zi) > lamda1 else zero")],
    [("z", "zi"), ("n", "ni"),
     ("w", "(%s * lamda1 - zi) / ((beta + np.sqrt(ni)) / lr + wd) * keep" % _sign("zi"))])

FTML = update(
    "ftml", ("w", "g", "d", "v", "z"),
    ("c1", "c2", "lr", "beta1", "beta2", "omb1", "omb2", "eps", "wd", "rescale", "clip"),
    [("gr", "rescale * g + wd * w"), _clipped("gr"),
     ("vi", "beta2 * v + omb2 * (gr * gr)"), ("d_t", "c1 / lr * (np.sqrt(vi / c2) + eps)"),
     ("zi", "beta1 * z + omb1 * gr - (d_t - beta1 * d) * w")],
    [("v", "vi"), ("z", "zi"), ("d", "d_t"), ("w", "-zi / d_t")])


# --- dense steps of the Python optimizers (NDArray chains in MXNet, same order) -------------

ADAGRAD = update(
    "adagrad", ("w", "g", "hist"), ("rescale", "clip", "has_clip", "eps", "wd", "neg_lr"),
    [("gr", "g * rescale"), _clipped("gr", "has_clip"), ("h", "hist + gr * gr")],
    [("hist", "h"), ("w", "w + (gr / np.sqrt(h + eps) + w * wd) * neg_lr")])

# like MXNet, AdaDelta leaves the rescaled (unclipped) gradient in `g`
ADADELTA = update(
    "adadelta", ("w", "g", "acc_g", "acc_d"),
    ("rescale", "clip", "has_clip", "rho", "omr", "eps", "wd"),
    [("gi", "g * rescale"), ("gc", "%s if has_clip else gi" % _clip("gi")),
     ("ag", "acc_g * rho + omr * gc * gc"),
     ("cd", "np.sqrt(acc_d + eps) / np.sqrt(ag + eps) * gc")],
    [("g", "gi"), ("acc_g", "ag"), ("acc_d", "acc_d * rho + omr * cd * cd"),
     ("w", "w - (cd + wd * w)")])

# u = max(b2*u, |g|) with Python's max: |g| only when greater (a NaN b2*u stays)
ADAMAX = update(
    "adamax", ("w", "g", "m", "u"), ("rescale", "wd", "clip", "has_clip", "b1", "omb1", "b2", "lr"),
    [("gr", "g * rescale + wd * w"), _clipped("gr", "has_clip"),
     ("mi", "m * b1 + omb1 * gr"), ("bu", "b2 * u"), ("ag", "np.abs(gr)"),
     ("ui", "ag if ag > bu else bu")],
    [("m", "mi"), ("u", "ui"), ("w", "w - lr * mi / ui")])

NADAM = update(
    "nadam", ("w", "g", "m", "v"),
    ("rescale", "wd", "clip", "has_clip", "b1", "omb1", "b2", "omb2", "gp_div", "mp_div",
     "vp_div", "omm", "mom_next", "lr", "eps"),
    [("gr", "g * rescale + wd * w"), _clipped("gr", "has_clip"),
     ("mi", "m * b1 + omb1 * gr"), ("vi", "v * b2 + omb2 * gr * gr"),
     ("m_bar", "omm * (gr / gp_div) + mom_next * (mi / mp_div)")],
    [("m", "mi"), ("v", "vi"), ("w", "w - lr * m_bar / (np.sqrt(vi / vp_div) + eps)")])


def _dcasgd(tag, has_mom):
    """step = -lr*(g + wd*w + lamda*g*g*(w - prev)) [mom = momentum*mom + step, step = mom];
    prev = w; w += step."""
    body = [("gr", "g * rescale"), _clipped("gr", "has_clip"),
            ("step", "neg_lr * (gr + wd * w + lamda * gr * gr * (w - prev))")]
    writes = [("prev", "w"), ("w", "w + step")]
    if has_mom:
        body.append(("step", "mom * momentum + step"))
        writes.insert(0, ("mom", "step"))
    return update(tag, ("w", "g", "mom", "prev") if has_mom else ("w", "g", "prev"),
                  ("momentum", "rescale", "clip", "has_clip", "neg_lr", "wd", "lamda"),
                  body, writes)


DCASGD = _dcasgd("dcasgd", True)
DCASGD_NO_MOM = _dcasgd("dcasgd_no_mom", False)

# LAMB (multi_lamb_update) around its two norms: phase 1 updates the moments and writes the
# direction `gout` (c1, c2 = 1 - beta^t); phase 2 is w -= lr * trust_ratio * gout
LAMB_PHASE1 = update(
    "lamb_phase1", ("w", "g", "mean", "var"),
    ("b1", "b2", "omb1", "omb2", "eps", "rescale", "clip", "bias_correction", "c1", "c2", "wd"),
    [("sg", "g * rescale"), _clipped("sg"),
     ("m", "b1 * mean + omb1 * sg"), ("v", "b2 * var + omb2 * sg * sg")],
    [("mean", "m"), ("var", "v")],
    fresh=[("gout", "(m / c1) / (np.sqrt(v / c2) + eps) + wd * w if bias_correction "
                    "else m / (np.sqrt(v) + eps) + wd * w")])

AXPY = update("axpy", ("w", "x"), ("alpha",), [], [("w", "w - alpha * x")])

FLAGS = frozenset(("aliased", "has_clip", "bias_correction"))   # boolean params


def example_params(spec, dtype, value=0.5):
    """Scalars for `spec` in `dtype` (flags True): what checks and tests launch it with."""
    return tuple(True if p in FLAGS else np.dtype(dtype).type(value) for p in spec.params)
