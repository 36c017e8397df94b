"""Cases for the optimizer update ops (not differentiable: forward and state updates only).

The harness checks the output and every input after the call (the mutated states) against
the op's float64 NumPy reference.  Golden values from real MXNet 1.9.1 are checked in
tests/ops/test_optimizer_semantics.py.
"""
import numpy as np

from tests.ops.harness import Case

SHAPE = (3, 4)
F3 = ("float16", "float32", "float64")
MP = ("float16", "float32")
# mp_* ops compute in float32 whatever the weight dtype: float64 weights get float32 results
MP64 = dict(dtypes=("float64",), rtol=1e-5, atol=1e-6, name="f64")


def _inputs(kinds, shape=SHAPE, mp=()):
    """weight/grad uniform(-2, 2); 'pos' states uniform(0.1, 2); 'any' states uniform(-1, 1);
    names in `mp` are float32 whatever the dtype (a 'w32' state is a float32 copy of weight)."""
    def make(rng, dtype):
        w = rng.uniform(-2, 2, shape).astype(dtype)
        out = [w, rng.uniform(-2, 2, shape).astype(dtype)]
        for i, kind in enumerate(kinds):
            dt = np.float32 if i + 2 in mp else dtype
            if kind == "w32":
                out.append(w.astype(np.float32))
            elif kind == "pos":
                out.append(rng.uniform(0.1, 2.0, shape).astype(dt))
            else:
                out.append(rng.uniform(-1, 1, shape).astype(dt))
        return out
    return make


def _alex_inputs(rng, dtype):
    """n >= g_avg^2 so that sqrt(n - g_avg^2 + eps) is real."""
    w, g = (rng.uniform(-2, 2, SHAPE).astype(dtype) for _ in range(2))
    gavg = rng.uniform(-1, 1, SHAPE)
    n = gavg ** 2 + rng.uniform(0.5, 1.5, SHAPE)
    return [w, g, n.astype(dtype), gavg.astype(dtype), rng.uniform(-1, 1, SHAPE).astype(dtype)]


def _c(op, attrs, inputs, name="", dtypes=("float32", "float64"), **kw):
    return Case(op, attrs=attrs, inputs=inputs, grad=False, dtypes=dtypes, name=name, **kw)


CASES = [
    _c("sgd_update", dict(lr=0.1), _inputs(()), dtypes=F3),
    _c("sgd_update", dict(lr=0.05, wd=0.1, rescale_grad=0.5, clip_gradient=0.3), _inputs(()),
       name="clip"),
    _c("sgd_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), _inputs(("any",)), dtypes=F3),
    _c("sgd_mom_update", dict(lr=0.1, momentum=0.5, rescale_grad=2.0, clip_gradient=0.5),
       _inputs(("any",)), name="clip"),
    _c("mp_sgd_update", dict(lr=0.1, wd=0.01), _inputs(("w32",), mp=(2,)), dtypes=MP),
    _c("mp_sgd_update", dict(lr=0.1, wd=0.01), _inputs(("w32",), mp=(2,)), **MP64),
    _c("mp_sgd_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01, clip_gradient=1.0),
       _inputs(("any", "w32"), mp=(2, 3)), dtypes=MP),
    _c("mp_sgd_mom_update", dict(lr=0.1, momentum=0.9), _inputs(("any", "w32"), mp=(2, 3)),
       **MP64),
    _c("nag_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01), _inputs(("any",)), dtypes=F3),
    _c("nag_mom_update", dict(lr=0.1, momentum=0.9, rescale_grad=0.5, clip_gradient=0.2),
       _inputs(("any",)), name="clip"),
    _c("mp_nag_mom_update", dict(lr=0.1, momentum=0.9, wd=0.01),
       _inputs(("any", "w32"), mp=(2, 3)), dtypes=MP),
    _c("mp_nag_mom_update", dict(lr=0.1, momentum=0.9), _inputs(("any", "w32"), mp=(2, 3)),
       **MP64),
    _c("adam_update", dict(lr=0.01, wd=0.01), _inputs(("any", "pos")), dtypes=F3),
    _c("adam_update", dict(lr=0.01, beta1=0.8, beta2=0.9, epsilon=1e-3, rescale_grad=0.5,
                           clip_gradient=0.4), _inputs(("any", "pos")), name="clip"),
    _c("rmsprop_update", dict(lr=0.01, wd=0.01), _inputs(("pos",)), dtypes=F3),
    _c("rmsprop_update", dict(lr=0.5, gamma1=0.9, clip_gradient=0.5, clip_weights=1.0),
       _inputs(("pos",)), name="clip"),
    _c("rmspropalex_update", dict(lr=0.01, wd=0.01), _alex_inputs),
    _c("rmspropalex_update", dict(lr=0.5, gamma1=0.9, gamma2=0.8, clip_gradient=0.5,
                                  clip_weights=1.0), _alex_inputs, name="clip"),
    _c("ftrl_update", dict(lr=0.1, lamda1=0.5, wd=0.01), _inputs(("any", "pos"))),
    _c("ftrl_update", dict(lr=0.2, lamda1=0.01, beta=0.5, rescale_grad=0.5, clip_gradient=0.3),
       _inputs(("any", "pos")), name="clip"),
    _c("ftml_update", dict(lr=0.01, t=3, wd=0.01), _inputs(("pos", "pos", "any"))),
    _c("ftml_update", dict(lr=0.01, t=1, beta1=0.5, beta2=0.9, clip_grad=0.3),
       _inputs(("pos", "pos", "any")), name="clip"),
    _c("signsgd_update", dict(lr=0.1, wd=0.1), _inputs(()), dtypes=F3),
    _c("signum_update", dict(lr=0.1, momentum=0.9, wd=0.01, wd_lh=0.1), _inputs(("any",))),
    _c("signum_update", dict(lr=0.1, momentum=0.5, rescale_grad=2.0, clip_gradient=0.5),
       _inputs(("any",)), name="clip"),
]
