"""Generate golden values for the optimizer ops, mx.optimizer, mx.lr_scheduler and mx.init
with REAL MXNet 1.9.1.  Run only in the MXNet venv (the project never imports mxnet):

    /work/mxnet-venv/bin/python tests/framework/make_golden_optimizer.py

Writes tests/framework/data/golden_optimizer.json (configs, sequences, strings) and
golden_optimizer.npz (arrays).  Inputs are drawn from NumPy seeded generators and stored,
so the tests feed exactly the same numbers to this framework.
"""
import json
import os
import warnings

import numpy as np
import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
warnings.simplefilter("ignore")

arrays = {}
meta = {"mxnet_version": mx.__version__}

# --- 1. update ops, one call, out=weight ---------------------------------------------------
OPS = [
    ("sgd_update", dict(lr=0.1, wd=0.01), [], "float32"),
    ("sgd_update", dict(lr=0.1, wd=0.02, rescale_grad=0.5, clip_gradient=0.3), [], "float32"),
    ("sgd_update", dict(lr=0.1, wd=0.01), [], "float64"),
    ("sgd_update", dict(lr=0.1, wd=0.01), [], "float16"),
    ("sgd_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), ["any"], "float32"),
    ("sgd_mom_update", dict(lr=0.05, momentum=0.5, rescale_grad=2.0, clip_gradient=0.4), ["any"],
     "float32"),
    ("sgd_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), ["any"], "float64"),
    ("mp_sgd_update", dict(lr=0.1, wd=0.01), ["w32"], "float16"),
    ("mp_sgd_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01, clip_gradient=1.0), ["any32", "w32"],
     "float16"),
    ("nag_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), ["any"], "float32"),
    ("nag_mom_update", dict(lr=0.1, momentum=0.9, rescale_grad=0.5, clip_gradient=0.2), ["any"],
     "float32"),
    ("mp_nag_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), ["any32", "w32"], "float16"),
    ("adam_update", dict(lr=0.01, wd=0.01), ["any", "pos"], "float32"),
    ("adam_update", dict(lr=0.01, beta1=0.8, beta2=0.9, epsilon=1e-3, rescale_grad=0.5,
                         clip_gradient=0.4), ["any", "pos"], "float32"),
    ("adam_update", dict(lr=0.01, wd=0.01), ["any", "pos"], "float64"),
    ("rmsprop_update", dict(lr=0.01, wd=0.01), ["pos"], "float32"),
    ("rmsprop_update", dict(lr=0.5, gamma1=0.9, clip_gradient=0.5, clip_weights=1.0), ["pos"],
     "float32"),
    ("rmspropalex_update", dict(lr=0.01, wd=0.01), ["alex_n", "alex_g", "any"], "float32"),
    ("rmspropalex_update", dict(lr=0.5, gamma1=0.9, gamma2=0.8, clip_gradient=0.5,
                                clip_weights=1.0), ["alex_n", "alex_g", "any"], "float32"),
    ("ftrl_update", dict(lr=0.1, lamda1=0.5, wd=0.01), ["any", "pos"], "float32"),
    ("ftrl_update", dict(lr=0.2, lamda1=0.01, beta=0.5, rescale_grad=0.5, clip_gradient=0.3),
     ["any", "pos"], "float32"),
    ("ftml_update", dict(lr=0.01, t=3, wd=0.01), ["pos", "pos", "any"], "float32"),
    ("ftml_update", dict(lr=0.01, t=1, beta1=0.5, beta2=0.9, clip_grad=0.3), ["pos", "pos", "any"],
     "float32"),
    ("signsgd_update", dict(lr=0.1, wd=0.1, rescale_grad=-3.0, clip_gradient=0.01), [], "float32"),
    ("signum_update", dict(lr=0.1, momentum=0.9, wd=0.01, wd_lh=0.1), ["any"], "float32"),
    ("signum_update", dict(lr=0.1, momentum=0.5, rescale_grad=2.0, clip_gradient=0.5), ["any"],
     "float32"),
]


def make_state(rng, kind, w, dtype, shape):
    if kind == "w32":
        return w.astype(np.float32)
    if kind == "any32":
        return rng.uniform(-1, 1, shape).astype(np.float32)
    if kind == "pos":
        return rng.uniform(0.1, 2.0, shape).astype(dtype)
    if kind == "alex_g":
        return rng.uniform(-1, 1, shape).astype(dtype)
    if kind == "alex_n":
        return rng.uniform(1.0, 2.0, shape).astype(dtype)
    return rng.uniform(-1, 1, shape).astype(dtype)


op_cases = []
for k, (name, attrs, kinds, dtype) in enumerate(OPS):
    rng = np.random.RandomState(100 + k)
    shape = (3, 4)
    w = rng.uniform(-2, 2, shape).astype(dtype)
    g = rng.uniform(-2, 2, shape).astype(dtype)
    states = [make_state(rng, kind, w, dtype, shape) for kind in kinds]
    inputs = [w, g] + states
    nds = [mx.nd.array(a, dtype=a.dtype) for a in inputs]
    getattr(mx.nd, name)(*nds, out=nds[0], **attrs)
    cid = "op%d" % k
    for i, a in enumerate(inputs):
        arrays["%s/in%d" % (cid, i)] = a
        arrays["%s/after%d" % (cid, i)] = nds[i].asnumpy()
    op_cases.append(dict(id=cid, op=name, attrs=attrs, n_inputs=len(inputs)))
meta["ops"] = op_cases

# --- 2. optimizers through an Updater, 5 steps, two parameters -----------------------------
SCHED = {"factor": lambda: mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1),
         "poly": lambda: mx.lr_scheduler.PolyScheduler(max_update=8, base_lr=0.1, pwr=2)}

OPTS = [
    ("sgd", dict(learning_rate=0.1), "float32"),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01), "float32"),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.001, clip_gradient=0.5, rescale_grad=0.5),
     "float32"),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01), "float64"),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01, multi_precision=True), "float16"),
    ("sgd", dict(learning_rate=0.1, wd=0.01, multi_precision=True), "float16"),
    ("sgd", dict(momentum=0.9, lr_scheduler="factor"), "float32"),
    ("sgd", dict(learning_rate=0.1, wd=0.1, param_idx2name={0: "fc_weight", 1: "fc_bias"}),
     "float32"),
    ("nag", dict(learning_rate=0.1, momentum=0.9, wd=0.01), "float32"),
    ("nag", dict(learning_rate=0.1, wd=0.01), "float32"),
    ("nag", dict(learning_rate=0.1, momentum=0.9, clip_gradient=0.1), "float32"),
    ("nag", dict(learning_rate=0.1, momentum=0.9, multi_precision=True), "float16"),
    ("adam", dict(), "float32"),
    ("adam", dict(learning_rate=0.01, wd=0.01, clip_gradient=0.2, rescale_grad=0.5), "float32"),
    ("adam", dict(learning_rate=0.01, beta1=0.5, beta2=0.9, epsilon=1e-3), "float32"),
    ("adam", dict(learning_rate=0.01, lr_scheduler="poly"), "float32"),
    ("adam", dict(learning_rate=0.01, wd=0.01), "float64"),
    ("rmsprop", dict(), "float32"),
    ("rmsprop", dict(centered=True), "float32"),
    ("rmsprop", dict(centered=True, clip_weights=0.5, clip_gradient=0.3, learning_rate=0.05),
     "float32"),
    ("rmsprop", dict(gamma1=0.5, wd=0.01, clip_weights=0.2, learning_rate=0.05), "float32"),
    ("adagrad", dict(), "float32"),
    ("adagrad", dict(eps=1e-3, wd=0.01, clip_gradient=0.5, learning_rate=0.1), "float32"),
    ("adadelta", dict(), "float32"),
    ("adadelta", dict(rho=0.5, epsilon=1e-3, wd=0.01, clip_gradient=0.2, rescale_grad=0.5),
     "float32"),
    ("signum", dict(), "float32"),
    ("signum", dict(momentum=0.0, wd=0.01), "float32"),
    ("signum", dict(wd_lh=0.01, clip_gradient=0.3, wd=0.01), "float32"),
    ("ftrl", dict(), "float32"),
    ("ftrl", dict(lamda1=0.001, beta=0.5, wd=0.01, learning_rate=0.5), "float32"),
    ("adamax", dict(), "float32"),
    ("adamax", dict(wd=0.01, clip_gradient=0.3, rescale_grad=0.5), "float32"),
    ("nadam", dict(), "float32"),
    ("nadam", dict(wd=0.01, clip_gradient=0.3), "float32"),
    ("dcasgd", dict(learning_rate=0.1, lamda=0.1, wd=0.01), "float32"),
    ("ftml", dict(), "float32"),
    ("ftml", dict(wd=0.01, clip_gradient=0.3, learning_rate=0.01), "float32"),
    ("test", dict(rescale_grad=0.5), "float32"),
    ("lars", dict(learning_rate=0.1, momentum=0.9, wd=0.01, eta=0.01,
                  param_idx2name={0: "fc_weight", 1: "fc_bias"}), "float32"),
    ("lamb", dict(), "float32"),
    ("lamb", dict(learning_rate=0.01, wd=0.01, lower_bound=0.1, upper_bound=2.0,
                  bias_correction=False), "float32"),
]
SHAPES = [(3, 4), (5,)]
STEPS = 5

opt_cases = []
for k, (name, kwargs, dtype) in enumerate(OPTS):
    rng = np.random.RandomState(500 + k)
    kw = dict(kwargs)
    if "lr_scheduler" in kw:
        kw["lr_scheduler"] = SCHED[kw["lr_scheduler"]]()
    opt = mx.optimizer.create(name, **kw)
    upd = mx.optimizer.get_updater(opt)
    w0 = [rng.uniform(-1, 1, s).astype(dtype) for s in SHAPES]
    ws = [mx.nd.array(a, dtype=dtype) for a in w0]
    cid = "opt%d" % k
    for i, a in enumerate(w0):
        arrays["%s/w%d_init" % (cid, i)] = a
    lrs = []
    try:
        for step in range(STEPS):
            gs = [rng.normal(0, 1, s).astype(dtype) for s in SHAPES]
            for i, a in enumerate(gs):
                arrays["%s/g%d_step%d" % (cid, i, step)] = a
            upd(list(range(len(ws))), [mx.nd.array(a, dtype=dtype) for a in gs], ws)
            for i, w in enumerate(ws):
                arrays["%s/w%d_step%d" % (cid, i, step)] = w.asnumpy()
            lrs.append(opt.learning_rate)
        error = None
    except Exception as err:  # noqa: BLE001  (recorded: MXNet refuses this config)
        error = "%s: %s" % (type(err).__name__, str(err).splitlines()[0][:200])
    kwargs = {k2: (v if not isinstance(v, dict) else {str(a): b for a, b in v.items()})
              for k2, v in kwargs.items()}
    opt_cases.append(dict(id=cid, name=name, kwargs=kwargs, dtype=dtype, lrs=lrs,
                          num_update=opt.num_update, error=error))
meta["optimizers"] = opt_cases
meta["optimizer_shapes"] = SHAPES
meta["optimizer_steps"] = STEPS

# --- 3. learning-rate schedules -------------------------------------------------------------
SCHEDS = [
    ("FactorScheduler", dict(step=3, factor=0.5, base_lr=0.1)),
    ("FactorScheduler", dict(step=2, factor=0.1, stop_factor_lr=1e-4, base_lr=1.0)),
    ("FactorScheduler", dict(step=5, factor=0.9, base_lr=0.1, warmup_steps=4,
                             warmup_begin_lr=0.01)),
    ("FactorScheduler", dict(step=5, factor=0.9, base_lr=0.1, warmup_steps=4,
                             warmup_begin_lr=0.02, warmup_mode="constant")),
    ("MultiFactorScheduler", dict(step=[5, 10, 20], factor=0.5, base_lr=0.2)),
    ("MultiFactorScheduler", dict(step=[3, 8], factor=0.1, base_lr=1.0, warmup_steps=3)),
    ("PolyScheduler", dict(max_update=20, base_lr=0.1, pwr=2)),
    ("PolyScheduler", dict(max_update=25, base_lr=0.1, pwr=1, final_lr=0.01, warmup_steps=5,
                           warmup_begin_lr=0.001)),
    ("CosineScheduler", dict(max_update=20, base_lr=0.1)),
    ("CosineScheduler", dict(max_update=25, base_lr=0.1, final_lr=0.001, warmup_steps=5)),
]
sched_cases = []
for name, kwargs in SCHEDS:
    s = getattr(mx.lr_scheduler, name)(**kwargs)
    sched_cases.append(dict(name=name, kwargs=kwargs, lrs=[s(n) for n in range(0, 31)]))
# a count that jumps (resuming training): the while loops catch up
s = mx.lr_scheduler.FactorScheduler(step=3, factor=0.5, base_lr=0.1)
sched_cases.append(dict(name="FactorScheduler", kwargs=dict(step=3, factor=0.5, base_lr=0.1),
                        counts=[1, 10, 11, 30], lrs=[s(n) for n in [1, 10, 11, 30]]))
meta["schedulers"] = sched_cases

BAD_SCHEDS = [
    ("FactorScheduler", dict(step=0)),
    ("FactorScheduler", dict(step=2, factor=1.5)),
    ("FactorScheduler", dict(step=2, base_lr=0.1, warmup_begin_lr=0.5, warmup_steps=2)),
    ("FactorScheduler", dict(step=2, warmup_steps=-1)),
    ("FactorScheduler", dict(step=2, warmup_steps=2, warmup_mode="cubic")),
    ("MultiFactorScheduler", dict(step=[5, 3])),
    ("MultiFactorScheduler", dict(step=[0, 3])),
    ("PolyScheduler", dict(max_update=0)),
    ("CosineScheduler", dict(max_update=0)),
]
bad = []
for name, kwargs in BAD_SCHEDS:
    try:
        getattr(mx.lr_scheduler, name)(**kwargs)
        bad.append(dict(name=name, kwargs=kwargs, error=None))
    except Exception as err:  # noqa: BLE001
        bad.append(dict(name=name, kwargs=kwargs, error=type(err).__name__, message=str(err)))
meta["bad_schedulers"] = bad

# --- 4. initializers ---------------------------------------------------------------------------
meta["init_dumps"] = {
    "normal": mx.init.Normal(0.5).dumps(),
    "xavier": mx.init.Xavier(factor_type="in", magnitude=2.34).dumps(),
    "msraprelu": mx.init.MSRAPrelu().dumps(),
    "constant": mx.init.Constant(0.3).dumps(),
    "uniform": mx.init.Uniform().dumps(),
    "orthogonal": mx.init.Orthogonal().dumps(),
    "lstmbias": mx.init.LSTMBias(2.0).dumps(),
    "zero": mx.init.Zero().dumps(),
}
names = ["fc_weight", "fc_bias", "bn_gamma", "bn_beta", "bn_moving_mean", "bn_moving_var",
         "bn_moving_inv_var", "x_moving_avg", "q_min", "q_max", "upsampling0_weight", "data"]
rules = {}
for nm in names:
    for mode in ("desc", "legacy"):
        arr = mx.nd.full((2, 4, 4, 4) if nm.startswith("upsampling") else (4,), 9.0)
        init = mx.init.Constant(0.5)
        try:
            if mode == "desc":
                init(mx.init.InitDesc(nm), arr)
            else:
                init(nm, arr)
            rules["%s/%s" % (mode, nm)] = arr.asnumpy().ravel()[:8].tolist()
        except Exception as err:  # noqa: BLE001
            rules["%s/%s" % (mode, nm)] = type(err).__name__
meta["init_rules"] = rules
arr = mx.nd.zeros((3,))
mx.init.Uniform()(mx.init.InitDesc("foo_bias", attrs={"__init__": mx.init.Constant(4.0).dumps()}),
                  arr)
meta["init_attr_wins"] = arr.asnumpy().tolist()
for shape in [(1, 1, 4, 4), (2, 3, 5, 5), (1, 2, 3, 6)]:
    arr = mx.nd.zeros(shape)
    mx.init.Bilinear()(mx.init.InitDesc("up_weight"), arr)
    arrays["bilinear/%s" % "x".join(map(str, shape))] = arr.asnumpy()
arr = mx.nd.zeros((12,))
mx.init.LSTMBias(forget_bias=2.5)(mx.init.InitDesc("lstm_i2h_bias"), arr)
arrays["lstmbias"] = arr.asnumpy()
mx.random.seed(0)
arr = mx.nd.zeros((6, 10))
mx.init.Orthogonal(scale=1.5)(mx.init.InitDesc("fc_weight"), arr)
a = arr.asnumpy()
meta["orthogonal_gram_6x10"] = (a @ a.T).round(5).tolist()

os.makedirs(OUT, exist_ok=True)
tmp = os.path.join(OUT, "golden_optimizer.json.tmp")
with open(tmp, "w") as f:
    json.dump(meta, f, indent=1, sort_keys=True)
os.replace(tmp, os.path.join(OUT, "golden_optimizer.json"))
tmp = os.path.join(OUT, "golden_optimizer.tmp.npz")
np.savez_compressed(tmp, **arrays)
os.replace(tmp, os.path.join(OUT, "golden_optimizer.npz"))
print("wrote %d arrays, %d op cases, %d optimizer cases, %d schedules"
      % (len(arrays), len(op_cases), len(opt_cases), len(sched_cases)))
