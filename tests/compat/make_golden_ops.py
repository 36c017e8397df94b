"""Generate ``data/golden_ops.npz`` + ``data/golden_ops.json`` with REAL MXNet 1.9.1.

Runs ONLY in the side venv that has real MXNet (the project itself never imports mxnet)::

    python3 -m venv /work/mxnet-venv
    /work/mxnet-venv/bin/pip install mxnet==1.9.1 numpy==1.23.5
    /work/mxnet-venv/bin/python tests/compat/make_golden_ops.py

(No extra system packages were needed: the mxnet wheel bundles libopenblas/libgfortran.)

Manifest ``golden_ops.json`` = {"mxnet_version", "generated_by", "cases": [case, ...]} where
each case is::

    {"id": str, "op": MXNet op name as in mx.nd / mx.nd._internal (e.g. "_rminus_scalar"),
     "python": how it was invoked when that differs from mx.nd.<op>(*inputs, **attrs),
     "inputs": [input names, in positional order],
     "attrs": {name: str(value) exactly as passed to MXNet},
     "n_outputs": k, "grad": bool, "is_train": bool,
     "grad_inputs": [indices of inputs that have a stored gradient],
     "head_grad_ignored": bool (only when grad; true when two different head gradients gave
                           identical input gradients: loss layers, and zero-gradient ops),
     "extra_outputs": [names] (optional; BatchNorm: moving_mean/moving_var read after the
                      forward call and again after backward -- MXNet updates them in BACKWARD),
     "note": str (optional)}

Arrays in ``golden_ops.npz`` (load with ``np.load(path, allow_pickle=False)``):
``<id>/in<i>``, ``<id>/out<j>``, ``<id>/headgrad<j>`` (for every float output when grad),
``<id>/grad<i>`` (for i in grad_inputs), ``<id>/extra<k>``.

A case with an "error" key (and n_outputs 0) records that MXNet 1.9.1 RAISES for those
inputs/attrs; "error" holds the last line of MXNet's message.

Backward runs ``mx.autograd.backward(float_outputs, head_grads, train_mode=is_train)`` with
``grad_req='write'`` on every float input that is not an index/label/aux input.
"""
import json
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import mxnet as mx

assert mx.__version__ == "1.9.1", mx.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
os.makedirs(DATA, exist_ok=True)

RNG = np.random.RandomState(20240519)
CASES = []
ARRAYS = {}
ONLY = None      # (case id, output dir) when re-run in a subprocess for one case


# ---------------------------------------------------------------------------------------------
# input helpers
# ---------------------------------------------------------------------------------------------

def U(shape, lo=-2.0, hi=2.0, dtype="float32"):
    return RNG.uniform(lo, hi, size=shape).astype(dtype)


def N(shape, dtype="float32"):
    return RNG.randn(*shape).astype(dtype)


def A(values, dtype="float32"):
    return np.array(values, dtype=dtype)


def I(values):          # index arrays are float32 in MXNet's nd API
    return np.array(values, dtype="float32")


HALVES = A([[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], [-3.5, 3.5, -0.49, 0.51, -1.7, 2.2]])


def _tolist(x):
    return x if isinstance(x, (list, tuple)) else [x]


def case(cid, op, inputs, attrs=None, *, call=None, python=None, is_train=False, nograd=(),
         grad=True, extra=None, note=None, expect_error=False, env=None):
    """Record one case.

    inputs: list of (name, np.ndarray).  call(nd_inputs) -> output(s); default
    mx.nd.<op>(*nd_inputs, **attrs).  nograd: input names never given a gradient.
    extra: list of (name, fn(nd_inputs) -> NDArray) read after the forward call.
    """
    assert all(c["id"] != cid for c in CASES), cid
    if ONLY is not None and cid != ONLY[0]:
        return None
    if env and ONLY is None:
        # needs a different MXNet configuration (env is read once per process): recompute this
        # one case in a child process that replays the script (same RNG stream) with `env`.
        with tempfile.TemporaryDirectory() as td:
            subprocess.run([sys.executable, os.path.abspath(__file__), "--only", cid, td],
                           env=dict(os.environ, **env), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(os.path.join(td, "case.json")) as f:
                rec = json.load(f)
            with np.load(os.path.join(td, "case.npz"), allow_pickle=False) as z:
                ARRAYS.update({k: z[k] for k in z.files})
        rec["env"] = env
        CASES.append(rec)
        return rec
    attrs = dict(attrs or {})
    if call is None:
        fn = getattr(mx.nd, op) if hasattr(mx.nd, op) else getattr(mx.nd._internal, op)

        def call(nds, fn=fn):
            return fn(*nds, **attrs)

    names = [n for n, _ in inputs]
    arrays = [np.asarray(a) for _, a in inputs]
    gidx = [i for i, (n, a) in enumerate(zip(names, arrays))
            if a.dtype.kind == "f" and n not in nograd]
    if not gidx:
        grad = False

    def run(head_seed):
        nds = [mx.nd.array(a, dtype=a.dtype) for a in arrays]
        for i in gidx:
            nds[i].attach_grad()
        heads, grads, err = [], None, None
        try:
            with mx.autograd.record(train_mode=is_train):
                outs = _tolist(call(nds))
            outs_np = [o.asnumpy() for o in outs]
            recorded = True
        except mx.base.MXNetError as e:
            if not grad:
                raise
            # some ops cannot even be recorded (broken backward attrs): run plainly
            err = "under autograd.record: " + str(e).strip().splitlines()[-1]
            nds = [mx.nd.array(a, dtype=a.dtype) for a in arrays]
            with mx.autograd.train_mode() if is_train else mx.autograd.predict_mode():
                outs = _tolist(call(nds))
            outs_np = [o.asnumpy() for o in outs]
            recorded = False
        extra_np = [fn(nds).asnumpy() for _, fn in (extra or [])]
        if grad and recorded:
            hrng = np.random.RandomState(head_seed)
            fouts = [o for o in outs if np.dtype(o.dtype).kind == "f"]
            heads = [hrng.randn(*o.shape).astype(o.dtype) for o in fouts]
            if not fouts:
                return outs_np, extra_np, heads, None, "no floating-point output"
            try:
                mx.autograd.backward(fouts, [mx.nd.array(h, dtype=h.dtype) for h in heads],
                                     train_mode=is_train)
                grads = [nds[i].grad.asnumpy() for i in gidx]
                extra_np += [fn(nds).asnumpy() for _, fn in (extra or [])]
            except mx.base.MXNetError as e:
                err = str(e).strip().splitlines()[-1]
        return outs_np, extra_np, heads, grads, err

    if not expect_error:
        # MXNet reports some errors asynchronously; make sure none is pending from before
        mx.nd.waitall()

    if expect_error:
        try:
            run(0)
        except mx.base.MXNetError as e:
            msg = [l for l in str(e).strip().splitlines() if l.strip()][-1]
        else:
            raise AssertionError("%s: expected MXNet to raise" % cid)
        for i, a in enumerate(arrays):
            ARRAYS["%s/in%d" % (cid, i)] = a
        rec = {"id": cid, "op": op, "inputs": names,
               "attrs": {k: str(v) for k, v in attrs.items()}, "n_outputs": 0,
               "grad": False, "is_train": bool(is_train), "error": msg}
        if python:
            rec["python"] = python
        if note:
            rec["note"] = note
        CASES.append(rec)
        return rec
    outs, extra_np, heads, grads, err = run(zlib.crc32(cid.encode()) % 100000)
    rec = {"id": cid, "op": op}
    if python:
        rec["python"] = python
    rec.update({"inputs": names, "attrs": {k: str(v) for k, v in attrs.items()},
                "n_outputs": len(outs)})
    for i, a in enumerate(arrays):
        ARRAYS["%s/in%d" % (cid, i)] = a
    for j, o in enumerate(outs):
        ARRAYS["%s/out%d" % (cid, j)] = o
    if grad and grads is None:
        rec["grad_error"] = err
        grad = False
    rec["grad"] = bool(grad)
    rec["is_train"] = bool(is_train)
    if grad:
        rec["grad_inputs"] = gidx
        j = 0
        for k, o in enumerate(outs):
            if o.dtype.kind == "f":
                ARRAYS["%s/headgrad%d" % (cid, k)] = heads[j]
                j += 1
        for i, g in zip(gidx, grads):
            ARRAYS["%s/grad%d" % (cid, i)] = g
        # run again with a different head gradient: does the op use it at all?
        outs2, _, heads2, grads2, _ = run(100000 + zlib.crc32(cid.encode()) % 100000)
        for a, b in zip(outs, outs2):
            np.testing.assert_array_equal(a, b)          # forward is deterministic
        rec["head_grad_ignored"] = all(np.array_equal(a, b, equal_nan=True)
                                       for a, b in zip(grads, grads2))
    if extra:
        rec["extra_outputs"] = [n + "_after_forward" for n, _ in extra]
        if len(extra_np) > len(extra):
            rec["extra_outputs"] += [n + "_after_backward" for n, _ in extra]
        for k, e in enumerate(extra_np):
            ARRAYS["%s/extra%d" % (cid, k)] = e
    if note:
        rec["note"] = note
    CASES.append(rec)
    return rec


def internal_case(cid, op, python, fn, x, scalar, **kw):
    """Scalar operator form (x + 2 ...): check it is the internal op we name, then record."""
    xs = mx.nd.array(x, dtype=x.dtype)
    direct = getattr(mx.nd._internal, op)(xs, scalar=float(scalar)).asnumpy()
    np.testing.assert_array_equal(fn(xs).asnumpy(), direct)
    return case(cid, op, [("data", x)], {"scalar": float(scalar)},
                call=lambda nds: fn(nds[0]), python=python, **kw)


# ---------------------------------------------------------------------------------------------
# unary
# ---------------------------------------------------------------------------------------------

def unary():
    dom = {
        "log": (0.1, 3), "log2": (0.1, 3), "log10": (0.1, 3), "sqrt": (0.1, 3),
        "rsqrt": (0.1, 3), "log1p": (-0.9, 2), "arcsin": (-0.95, 0.95),
        "arccos": (-0.95, 0.95), "gamma": (0.2, 4), "gammaln": (0.2, 4),
        "reciprocal": (0.2, 2), "tan": (-1.2, 1.2),
    }
    names = ["relu", "sigmoid", "tanh", "softrelu", "softsign", "exp", "log", "log1p",
             "expm1", "log2", "log10", "sqrt", "rsqrt", "cbrt", "square", "abs", "sign",
             "negative", "reciprocal", "round", "rint", "floor", "ceil", "trunc", "fix", "sin",
             "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "erf",
             "gamma", "gammaln"]
    for op in names:
        lo, hi = dom.get(op, (-2, 2))
        x = U((2, 3), lo, hi)
        if op in ("relu", "abs", "sign", "round", "rint", "floor", "ceil", "trunc", "fix",
                  "softsign", "cbrt", "negative", "square"):
            x[0, 0] = 0.0                      # value of the gradient at 0
        if op in ("round", "rint", "floor", "ceil", "trunc", "fix"):
            x = HALVES.copy()
        if op == "cbrt":
            x[0, 0] = 0.5
        if op == "softrelu":
            case("softrelu_f32", "Activation", [("data", x)], {"act_type": "softrelu"},
                 note="MXNet 1.9.1 has no mx.nd.softrelu; it is Activation(act_type=softrelu)")
            continue
        case("%s_f32" % op, op, [("data", x)])
    # float64 spot checks (dtype preserved, double precision)
    for op in ("exp", "log", "sigmoid", "tanh", "sqrt", "erf", "gammaln"):
        lo, hi = dom.get(op, (-2, 2))
        case("%s_f64" % op, op, [("data", U((2, 3), max(lo, 0.2) if op in dom else lo, hi,
                                           "float64"))])
    case("relu_zero_grad", "relu", [("data", A([[-1.0, 0.0, 1.0]]))],
         note="gradient of relu at exactly 0")
    case("abs_zero_grad", "abs", [("data", A([[-1.0, 0.0, 1.0]]))])
    case("sqrt_zero", "sqrt", [("data", A([0.0, 1.0, 4.0]))], grad=False)
    case("log_nonpos", "log", [("data", A([0.0, -1.0, 1.0]))], grad=False,
         note="log(0)=-inf, log(-1)=nan")
    case("gamma_neg", "gamma", [("data", A([-0.5, -1.5, 0.5, 3.0, 5.0]))])
    case("gammaln_neg", "gammaln", [("data", A([-0.5, -1.5, 0.5, 3.0, 5.0]))])
    case("round_halves_f64", "round", [("data", HALVES.astype("float64"))])
    case("rint_halves_f64", "rint", [("data", HALVES.astype("float64"))])
    # clip
    x = A([[-2.0, -0.5, -0.2, 0.0], [0.2, 0.5, 0.7, 3.0]])
    case("clip_sym", "clip", [("data", x)], {"a_min": -0.5, "a_max": 0.5},
         note="inputs include values exactly at a_min/a_max (gradient at the bounds)")
    case("clip_asym", "clip", [("data", U((2, 3)))], {"a_min": 0.0, "a_max": 1.0})
    # Cast
    xc = A([[-1.7, -0.5, 0.0, 0.5, 1.5, 2.9]])
    case("cast_f32_i32", "Cast", [("data", xc)], {"dtype": "int32"}, grad=False,
         note="truncation toward zero")
    case("cast_f32_f16", "Cast", [("data", U((2, 3)))], {"dtype": "float16"})
    case("cast_f32_f64", "Cast", [("data", U((2, 3)))], {"dtype": "float64"})
    case("cast_i32_f32", "Cast", [("data", A([[-3, 0, 7]], "int32"))], {"dtype": "float32"})
    case("cast_f32_u8", "Cast", [("data", A([[0.0, 1.9, 200.6, 255.0]]))], {"dtype": "uint8"},
         grad=False)
    case("cast_f32_bool", "Cast", [("data", xc)], {"dtype": "bool"}, grad=False)
    case("cast_f32_i64", "Cast", [("data", xc)], {"dtype": "int64"}, grad=False)
    # int inputs for a few unary ops (output dtype)
    case("abs_i32", "abs", [("data", A([[-3, 0, 2]], "int32"))])
    case("square_i32", "square", [("data", A([[-3, 0, 2]], "int32"))])
    case("negative_i32", "negative", [("data", A([[-3, 0, 2]], "int32"))])


# ---------------------------------------------------------------------------------------------
# binary
# ---------------------------------------------------------------------------------------------

def binary():
    for op in ("elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div"):
        b = U((2, 3), 0.5, 2.0) if op == "elemwise_div" else U((2, 3))
        case(op, op, [("lhs", U((2, 3))), ("rhs", b)])
    bshapes = [((2, 3), (2, 3)), ((2, 1, 3), (1, 4, 1)), ((2, 3), (1, 3))]
    for op in ("broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div",
               "broadcast_power", "broadcast_maximum", "broadcast_minimum", "broadcast_hypot",
               "broadcast_mod"):
        for k, (sa, sb) in enumerate(bshapes):
            if op == "broadcast_power":
                a, b = U(sa, 0.2, 2.0), U(sb, -2, 2)
            elif op in ("broadcast_div", "broadcast_mod"):
                a, b = U(sa, -3, 3), U(sb, 0.5, 2.0) * np.where(U(sb) > 0, 1, -1).astype("f4")
            else:
                a, b = U(sa), U(sb)
            case("%s_%d" % (op, k), op, [("lhs", a), ("rhs", b)])
    # ties for maximum/minimum gradients
    t = A([[1.0, 2.0, 3.0]])
    case("broadcast_maximum_ties", "broadcast_maximum", [("lhs", t), ("rhs", A([[1.0, 1.0, 4.0]]))],
         note="gradient routing when lhs == rhs")
    case("broadcast_minimum_ties", "broadcast_minimum", [("lhs", t), ("rhs", A([[1.0, 1.0, 4.0]]))])
    # mod sign rule
    a = A([[-7.0, -7.0, 7.0, 7.0, -6.0, 5.5, -5.5, 0.0]])
    b = A([[3.0, -3.0, 3.0, -3.0, 3.0, 2.0, 2.0, 3.0]])
    case("broadcast_mod_signs", "broadcast_mod", [("lhs", a), ("rhs", b)],
         note="result takes the sign of the divisor (Python-style), see MXNET_NOTES.md")
    case("broadcast_mod_zero_div", "broadcast_mod",
         [("lhs", A([[1.5, -2.0]])), ("rhs", A([[0.0, 0.0]]))], grad=False)
    case("broadcast_mod_i32", "broadcast_mod",
         [("lhs", A([[-7, 7, -7, 7]], "int32")), ("rhs", A([[3, 3, -3, -3]], "int32"))])
    case("broadcast_div_i32", "broadcast_div",
         [("lhs", A([[-7, 7, -7, 7]], "int32")), ("rhs", A([[2, 2, -2, -2]], "int32"))])
    case("broadcast_add_f64", "broadcast_add", [("lhs", U((2, 3), dtype="float64")),
                                                ("rhs", U((1, 3), dtype="float64"))])
    case("broadcast_power_i32", "broadcast_power",
         [("lhs", A([[2, 3, -2]], "int32")), ("rhs", A([[3, 2, 3]], "int32"))])
    # comparisons / logical
    a = A([[0.0, 1.0, -1.0, 2.0, 0.5, 0.0]])
    b = A([[0.0, 2.0, -1.0, 1.0, 0.0, 3.0]])
    for op in ("broadcast_equal", "broadcast_not_equal", "broadcast_greater",
               "broadcast_greater_equal", "broadcast_lesser", "broadcast_lesser_equal",
               "broadcast_logical_and", "broadcast_logical_or", "broadcast_logical_xor"):
        case(op, op, [("lhs", a), ("rhs", b)])
        case(op + "_bcast", op, [("lhs", U((2, 1))), ("rhs", U((1, 3)))], grad=False)
    case("broadcast_greater_i32", "broadcast_greater",
         [("lhs", A([[1, 2, 3]], "int32")), ("rhs", A([[2, 2, 2]], "int32"))],
         note="comparison output dtype follows the input dtype")
    # NDArray operator forms
    x = U((2, 3), 0.3, 2.0)
    xm = A([[-7.0, -5.5, -1.0, 0.0, 2.5, 7.0]])
    forms = [
        ("op_add_scalar", "_plus_scalar", "x + 2", lambda v: v + 2, x, 2),
        ("op_radd_scalar", "_plus_scalar", "2 + x", lambda v: 2 + v, x, 2),
        ("op_sub_scalar", "_minus_scalar", "x - 2", lambda v: v - 2, x, 2),
        ("op_rsub_scalar", "_rminus_scalar", "2 - x", lambda v: 2 - v, x, 2),
        ("op_mul_scalar", "_mul_scalar", "x * 3", lambda v: v * 3, x, 3),
        ("op_neg", "_mul_scalar", "-x", lambda v: -v, x, -1),
        ("op_div_scalar", "_div_scalar", "x / 3", lambda v: v / 3, x, 3),
        ("op_rdiv_scalar", "_rdiv_scalar", "3 / x", lambda v: 3 / v, x, 3),
        ("op_pow_scalar", "_power_scalar", "x ** 2", lambda v: v ** 2, x, 2),
        ("op_pow_half", "_power_scalar", "x ** 0.5", lambda v: v ** 0.5, x, 0.5),
        ("op_rpow_scalar", "_rpower_scalar", "2 ** x", lambda v: 2 ** v, x, 2),
        ("op_mod_scalar", "_mod_scalar", "x % 3", lambda v: v % 3, xm, 3),
        ("op_mod_neg_scalar", "_mod_scalar", "x % -3", lambda v: v % -3, xm, -3),
        ("op_rmod_scalar", "_rmod_scalar", "3 % x", lambda v: 3 % v,
         A([[-2.0, -1.5, 1.5, 2.0, 4.0]]), 3),
        ("op_gt_scalar", "_greater_scalar", "x > 0.5", lambda v: v > 0.5, xm / 7, 0.5),
        ("op_ge_scalar", "_greater_equal_scalar", "x >= 0", lambda v: v >= 0, xm, 0),
        ("op_lt_scalar", "_lesser_scalar", "x < 0", lambda v: v < 0, xm, 0),
        ("op_rgt_scalar", "_lesser_scalar", "0.5 > x  (reflected to x < 0.5)",
         lambda v: 0.5 > v, xm / 7, 0.5),
        ("op_le_scalar", "_lesser_equal_scalar", "x <= 0", lambda v: v <= 0, xm, 0),
        ("op_eq_scalar", "_equal_scalar", "x == 0", lambda v: v == 0, xm, 0),
        ("op_ne_scalar", "_not_equal_scalar", "x != 0", lambda v: v != 0, xm, 0),
        ("maximum_scalar", "_maximum_scalar", "mx.nd.maximum(x, 0.5)",
         lambda v: mx.nd.maximum(v, 0.5), xm / 7, 0.5),
        ("minimum_scalar", "_minimum_scalar", "mx.nd.minimum(x, 0.5)",
         lambda v: mx.nd.minimum(v, 0.5), xm / 7, 0.5),
        ("maximum_scalar_left", "_maximum_scalar", "mx.nd.maximum(0.5, x)",
         lambda v: mx.nd.maximum(0.5, v), xm / 7, 0.5),
    ]
    for cid, op, py, fn, xin, s in forms:
        internal_case(cid, op, py, fn, xin, s)
    xi = A([[-7, -3, 0, 4, 7]], "int32")
    internal_case("op_add_scalar_i32", "_plus_scalar", "x + 2.5  (x int32)",
                  lambda v: v + 2.5, xi, 2.5, note="int32 array with a float scalar")
    internal_case("op_div_scalar_i32", "_div_scalar", "x / 2  (x int32)", lambda v: v / 2, xi, 2)
    internal_case("op_mod_scalar_i32", "_mod_scalar", "x % 3  (x int32)", lambda v: v % 3, xi, 3)
    internal_case("op_gt_scalar_i32", "_greater_scalar", "x > 0  (x int32)",
                  lambda v: v > 0, xi, 0)
    # array-array operator forms use broadcast_* ops
    a, b = U((2, 3)), U((1, 3), 0.5, 2)
    case("op_add_arrays", "broadcast_add", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] + n[1], python="x + y")
    case("op_truediv_arrays", "broadcast_div", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] / n[1], python="x / y")
    case("op_gt_arrays", "broadcast_greater", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] > n[1], python="x > y")
    # maximum / minimum with arrays
    case("maximum_arrays", "broadcast_maximum", [("lhs", U((2, 3))), ("rhs", U((2, 1)))],
         call=lambda n: mx.nd.maximum(n[0], n[1]), python="mx.nd.maximum(x, y)")
    case("minimum_arrays", "broadcast_minimum", [("lhs", U((2, 3))), ("rhs", U((2, 3)))],
         call=lambda n: mx.nd.minimum(n[0], n[1]), python="mx.nd.minimum(x, y)")
    # where
    cond = A([[1.0, 0.0, -2.0], [0.0, 0.5, 0.0]])
    case("where_same_shape", "where", [("condition", cond), ("x", U((2, 3))), ("y", U((2, 3)))],
         nograd=("condition",), note="nonzero (incl. negative) condition selects x")
    case("where_1d_cond", "where", [("condition", A([1.0, 0.0])), ("x", U((2, 3))),
                                     ("y", U((2, 3)))], nograd=("condition",),
         note="1-D condition selects whole rows")


# ---------------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------------

def reductions():
    x = U((2, 3, 4))
    settings = [
        ("all", {}),
        ("ax1", {"axis": 1}),
        ("ax02_keep", {"axis": (0, 2), "keepdims": True}),
        ("ax1_exclude", {"axis": 1, "exclude": True}),
        ("axneg", {"axis": -1}),
    ]
    for op in ("sum", "mean", "prod", "max", "min"):
        xi = U((2, 3, 4), 0.5, 1.5) if op == "prod" else x
        for tag, at in settings:
            case("%s_%s" % (op, tag), op, [("data", xi)], at)
    case("sum_empty_tuple_axis", "sum", [("data", x)], {"axis": ()},
         note="axis=() reduces over all axes -> shape (1,)")
    case("sum_f64", "sum", [("data", U((2, 3), dtype="float64"))], {"axis": 0})
    case("sum_i32", "sum", [("data", A([[1, 2, 3], [4, 5, 6]], "int32"))], {"axis": 1})
    case("mean_i32", "mean", [("data", A([[1, 2, 4], [4, 5, 7]], "int32"))], {"axis": 1},
         note="integer mean output dtype")
    t = A([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    case("max_ties", "max", [("data", t)], {"axis": 1}, note="gradient with tied maxima")
    case("min_ties", "min", [("data", t)], {"axis": 1})
    case("max_all_ties", "max", [("data", t)])
    for tag, at in [("all", {}), ("ord1", {"ord": 1}), ("ord2_ax1", {"ord": 2, "axis": 1}),
                    ("ord1_ax0_keep", {"ord": 1, "axis": 0, "keepdims": True}),
                    ("ax12", {"axis": (1, 2)}), ("keep_all", {"keepdims": True})]:
        case("norm_%s" % tag, "norm", [("data", x)], at)
    xn = A([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])
    case("nansum_all", "nansum", [("data", xn)])
    case("nansum_ax1", "nansum", [("data", xn)], {"axis": 1})
    case("nanprod_ax1", "nanprod", [("data", xn)], {"axis": 1})
    xa = A([[1.0, 5.0, 5.0, -2.0], [7.0, 0.0, 7.0, 3.0], [-1.0, -1.0, -3.0, -1.0]])
    for op in ("argmax", "argmin"):
        case("%s_ax1" % op, op, [("data", xa)], {"axis": 1},
             note="output dtype float32; ties -> first index")
        case("%s_ax0_keep" % op, op, [("data", xa)], {"axis": 0, "keepdims": True})
        case("%s_none" % op, op, [("data", xa)], {"axis": None},
             note="axis=None -> index into the flattened array, shape (1,)")
    case("argmax_i32", "argmax", [("data", A([[1, 9, 3]], "int32"))], {"axis": 1},
         note="argmax of int32 input: output dtype")
    case("argmax_channel", "argmax_channel", [("data", xa)])


# ---------------------------------------------------------------------------------------------
# tensor manipulation
# ---------------------------------------------------------------------------------------------

def tensor():
    x = U((2, 3, 4))
    reshapes = [
        ("r_4_0_m1", {"shape": (4, 0, -1)}),
        ("r_m2", {"shape": (-2,)}),
        ("r_2_m2", {"shape": (2, -2)}),
        ("r_m3_4", {"shape": (-3, 4)}),
        ("r_0_m3", {"shape": (0, -3)}),
        ("r_m3_m2", {"shape": (-3, -2)}),
        ("r_m4", {"shape": (-4, 1, 2, -2)}),
        ("r_m4_m1", {"shape": (2, -4, -1, 3, -2)}),
        ("r_m1_0_rev", {"shape": (-1, 0), "reverse": True}),
        ("r_m1_0", {"shape": (-1, 0)}),
        ("r_0_m1_rev", {"shape": (0, -1), "reverse": True}),
        ("r_m1", {"shape": (-1,)}),
        ("r_6_m1", {"shape": (6, -1)}),
        ("r_m4_1_m1_m2", {"shape": (-4, 1, -1, -2)}),
    ]
    for tag, at in reshapes:
        case("Reshape_" + tag, "Reshape", [("data", x)], at)
    case("Reshape_m4_rev_error", "Reshape", [("data", x)],
         {"shape": (-4, 1, -1, -2), "reverse": True}, expect_error=True,
         note="reverse=True reverses the shape codes too, so -4 must be followed by 2 values "
              "in the reversed list")
    # NOT recorded: Reshape(shape=(5, -1)) of 24 elements silently gives (5, 4) in MXNet 1.9.1
    # (reading past the size check; heap corruption on exit) -- see MXNET_NOTES.md.
    case("Reshape_5d_rev", "Reshape", [("data", U((2, 3, 1, 4, 1)))],
         {"shape": (0, 0, -1), "reverse": True})
    case("Flatten", "Flatten", [("data", x)])
    case("Flatten_4d", "Flatten", [("data", U((2, 1, 2, 3)))])
    case("transpose_default", "transpose", [("data", x)])
    case("transpose_axes", "transpose", [("data", x)], {"axes": (1, 0, 2)})
    case("expand_dims_1", "expand_dims", [("data", U((2, 3)))], {"axis": 1})
    case("expand_dims_neg", "expand_dims", [("data", U((2, 3)))], {"axis": -1})
    case("squeeze_default", "squeeze", [("data", U((1, 3, 1, 2)))])
    case("squeeze_axis", "squeeze", [("data", U((1, 3, 1, 2)))], {"axis": 2})
    case("squeeze_all_ones", "squeeze", [("data", U((1, 1)))],
         note="squeezing every axis gives shape (1,) in legacy mode")
    a, b, c = U((2, 3)), U((2, 1)), U((2, 2))
    case("Concat_default", "Concat", [("arg0", a), ("arg1", b), ("arg2", c)],
         note="default dim=1; num_args is filled in by the frontend")
    case("Concat_dim0", "Concat", [("arg0", U((1, 3))), ("arg1", U((2, 3)))], {"dim": 0})
    case("stack_0", "stack", [("arg0", U((2, 3))), ("arg1", U((2, 3)))])
    case("stack_neg", "stack", [("arg0", U((2, 3))), ("arg1", U((2, 3)))], {"axis": -1})
    case("split_ax1", "split", [("data", U((2, 6)))], {"num_outputs": 3, "axis": 1})
    case("split_squeeze", "split", [("data", U((2, 3)))], {"num_outputs": 3, "axis": 1,
                                                           "squeeze_axis": True})
    case("SliceChannel_default", "SliceChannel", [("data", U((4, 2)))], {"num_outputs": 2},
         note="default axis=1")
    y = U((3, 4))
    case("slice_basic", "slice", [("data", y)], {"begin": (0, 1), "end": (2, 3)})
    case("slice_none", "slice", [("data", y)], {"begin": (None, 1), "end": (None, None)})
    case("slice_step", "slice", [("data", y)], {"begin": (None, None), "end": (None, None),
                                               "step": (2, -1)},
         note="negative step with None begin/end walks backwards from the end")
    case("slice_neg", "slice", [("data", y)], {"begin": (-2,), "end": (-1,)})
    case("slice_step_neg_bounds", "slice", [("data", y)], {"begin": (2, 3), "end": (None, 0),
                                                          "step": (-1, -2)})
    case("slice_axis_1", "slice_axis", [("data", y)], {"axis": 1, "begin": 1, "end": None})
    case("slice_axis_neg", "slice_axis", [("data", y)], {"axis": -1, "begin": -3, "end": -1})
    case("slice_like_default", "slice_like", [("data", y), ("shape_like", U((2, 3)))],
         nograd=("shape_like",))
    case("slice_like_axes", "slice_like", [("data", y), ("shape_like", U((2, 3)))],
         {"axes": (1,)}, nograd=("shape_like",))
    w = U((4, 3))
    idx = I([[0, 5], [-1, 2]])
    case("take_clip", "take", [("a", w), ("indices", idx)], nograd=("indices",),
         note="default mode clip: -1 -> 0, 5 -> 3")
    case("take_wrap", "take", [("a", w), ("indices", idx)], {"mode": "wrap"},
         nograd=("indices",))
    case("take_axis1", "take", [("a", w), ("indices", I([2, -1, 7, 0]))], {"axis": 1},
         nograd=("indices",))
    case("take_dup", "take", [("a", w), ("indices", I([1, 1, 3]))], nograd=("indices",),
         note="duplicated indices accumulate gradient")
    case("take_frac", "take", [("a", w), ("indices", I([0.4, 1.6, 2.5]))],
         nograd=("indices",), note="float indices are truncated/cast")
    p = U((3, 4))
    case("pick_default", "pick", [("data", p), ("index", I([0, 5, -1]))], nograd=("index",),
         note="default axis=-1, mode clip")
    case("pick_keep", "pick", [("data", p), ("index", I([1, 2, 3]))], {"keepdims": True},
         nograd=("index",))
    case("pick_axis0", "pick", [("data", p), ("index", I([0, 2, 1, 1]))], {"axis": 0},
         nograd=("index",))
    case("pick_wrap", "pick", [("data", p), ("index", I([-1, 5, 2]))], {"mode": "wrap"},
         nograd=("index",))
    oi = I([0, 2, -1, 5, 1])
    case("one_hot", "one_hot", [("indices", oi)], {"depth": 4},
         note="out-of-range indices give all-off rows")
    case("one_hot_vals", "one_hot", [("indices", I([[0, 2], [1, 3]]))],
         {"depth": 3, "on_value": 5.0, "off_value": -1.0})
    case("one_hot_i32", "one_hot", [("indices", oi)], {"depth": 4, "dtype": "int32"})
    t = U((2, 3))
    case("tile_2_1", "tile", [("data", t)], {"reps": (2, 1)})
    case("tile_short", "tile", [("data", t)], {"reps": (3,)},
         note="reps shorter than ndim: applies to trailing axes")
    case("tile_long", "tile", [("data", t)], {"reps": (2, 1, 2)})
    case("repeat_none", "repeat", [("data", t)], {"repeats": 2},
         note="axis=None flattens first")
    case("repeat_ax1", "repeat", [("data", t)], {"repeats": 2, "axis": 1})
    case("repeat_axneg", "repeat", [("data", t)], {"repeats": 3, "axis": -2})
    case("reverse_0", "reverse", [("data", t)], {"axis": 0})
    case("reverse_01", "reverse", [("data", t)], {"axis": (0, 1)})
    pd = U((1, 2, 3, 3))
    pw = (0, 0, 0, 0, 1, 2, 2, 1)
    case("pad_constant", "pad", [("data", pd)], {"mode": "constant", "pad_width": pw,
                                                 "constant_value": 1.5})
    case("pad_constant_default", "pad", [("data", pd)], {"mode": "constant", "pad_width": pw})
    case("pad_edge", "pad", [("data", pd)], {"mode": "edge", "pad_width": pw})
    case("pad_reflect", "pad", [("data", pd)], {"mode": "reflect",
                                                "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)})
    case("broadcast_to_0", "broadcast_to", [("data", U((1, 3)))], {"shape": (2, 0)},
         note="0 in shape keeps the input dim")
    case("broadcast_to_3d", "broadcast_to", [("data", U((2, 1, 1)))], {"shape": (2, 3, 4)})
    case("broadcast_axis", "broadcast_axis", [("data", U((2, 1, 1)))], {"axis": (1, 2),
                                                                       "size": (3, 2)})
    case("broadcast_like", "broadcast_like", [("lhs", U((1, 3))), ("rhs", U((2, 3)))],
         nograd=("rhs",))
    case("broadcast_like_axes", "broadcast_like", [("lhs", U((1, 3))), ("rhs", U((3, 4)))],
         {"lhs_axes": (0,), "rhs_axes": (1,)}, nograd=("rhs",))
    case("zeros_like", "zeros_like", [("data", t)])
    case("ones_like", "ones_like", [("data", t)])
    case("ones_like_i32", "ones_like", [("data", A([[1, 2]], "int32"))])
    tk = A([[3.0, 1.0, 4.0, 1.5, 5.0], [9.0, 2.0, 6.0, 5.0, 3.0]])
    case("topk_default", "topk", [("data", tk)], note="default k=1, ret_typ=indices, float32")
    case("topk_value", "topk", [("data", tk)], {"k": 2, "ret_typ": "value"})
    case("topk_indices_asc", "topk", [("data", tk)], {"k": 2, "ret_typ": "indices",
                                                     "is_ascend": True})
    case("topk_both", "topk", [("data", tk)], {"k": 3, "ret_typ": "both"})
    case("topk_mask", "topk", [("data", tk)], {"k": 2, "ret_typ": "mask"})
    case("topk_axis0", "topk", [("data", tk)], {"k": 1, "axis": 0, "ret_typ": "value"})
    case("topk_axis_none", "topk", [("data", tk)], {"k": 3, "axis": None, "ret_typ": "indices"},
         note="axis=None: indices into the flattened array")
    case("topk_i32_dtype", "topk", [("data", tk)], {"k": 2, "dtype": "int32"})
    case("sort_default", "sort", [("data", tk)])
    case("sort_desc_ax0", "sort", [("data", tk)], {"axis": 0, "is_ascend": False})
    case("argsort_default", "argsort", [("data", tk)], note="output float32")
    case("argsort_desc", "argsort", [("data", tk)], {"is_ascend": False, "dtype": "int32"})
    gd = U((3, 4))
    case("gather_nd_2", "gather_nd", [("data", gd), ("indices", I([[0, 2, 1], [3, 0, 1]]))],
         nograd=("indices",), note="indices shape (M, ...) index the first M axes")
    case("gather_nd_1", "gather_nd", [("data", gd), ("indices", I([[2, 0, 2]]))],
         nograd=("indices",), note="duplicate rows accumulate gradient")
    case("shape_array", "shape_array", [("data", x)], note="int64 output")
    case("size_array", "size_array", [("data", x)], note="int64 output, shape (1,)")


# ---------------------------------------------------------------------------------------------
# linalg
# ---------------------------------------------------------------------------------------------

def linalg():
    case("dot_2d", "dot", [("lhs", U((2, 3))), ("rhs", U((3, 4)))])
    case("dot_ta", "dot", [("lhs", U((3, 2))), ("rhs", U((3, 4)))], {"transpose_a": True})
    case("dot_tb", "dot", [("lhs", U((2, 3))), ("rhs", U((4, 3)))], {"transpose_b": True})
    case("dot_tab", "dot", [("lhs", U((3, 2))), ("rhs", U((4, 3)))],
         {"transpose_a": True, "transpose_b": True})
    case("dot_1d_1d", "dot", [("lhs", U((3,))), ("rhs", U((3,)))], note="shape (1,)")
    case("dot_2d_1d", "dot", [("lhs", U((2, 3))), ("rhs", U((3,)))])
    case("dot_1d_2d", "dot", [("lhs", U((3,))), ("rhs", U((3, 2)))])
    case("dot_3d_2d", "dot", [("lhs", U((2, 3, 4))), ("rhs", U((4, 2)))])
    case("dot_3d_3d", "dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 2, 2)))],
         note="contracts last axis of lhs with first axis of rhs")
    case("dot_f64", "dot", [("lhs", U((2, 3), dtype="float64")),
                           ("rhs", U((3, 2), dtype="float64"))])
    case("batch_dot", "batch_dot", [("lhs", U((2, 2, 3))), ("rhs", U((2, 3, 4)))])
    case("batch_dot_ta", "batch_dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 3, 4)))],
         {"transpose_a": True})
    case("batch_dot_tb", "batch_dot", [("lhs", U((2, 2, 3))), ("rhs", U((2, 4, 3)))],
         {"transpose_b": True})
    case("batch_dot_tab", "batch_dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 4, 3)))],
         {"transpose_a": True, "transpose_b": True})
    x3 = U((2, 3, 4))
    case("FullyConnected_flatten", "FullyConnected",
         [("data", x3), ("weight", U((5, 12))), ("bias", U((5,)))], {"num_hidden": 5})
    case("FullyConnected_noflatten", "FullyConnected",
         [("data", x3), ("weight", U((5, 4))), ("bias", U((5,)))],
         {"num_hidden": 5, "flatten": False})
    case("FullyConnected_nobias", "FullyConnected", [("data", U((2, 3))), ("weight", U((4, 3)))],
         {"num_hidden": 4, "no_bias": True})


# ---------------------------------------------------------------------------------------------
# NN
# ---------------------------------------------------------------------------------------------

def nn():
    x1 = U((2, 3, 7))
    case("Conv1d", "Convolution", [("data", x1), ("weight", U((4, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3,), "num_filter": 4})
    case("Conv1d_stride_pad_dilate", "Convolution",
         [("data", x1), ("weight", U((4, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3,), "num_filter": 4, "stride": (2,), "pad": (1,), "dilate": (2,)})
    x2 = U((2, 3, 5, 5))
    case("Conv2d", "Convolution", [("data", x2), ("weight", U((4, 3, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3, 3), "num_filter": 4})
    case("Conv2d_stride_pad", "Convolution",
         [("data", x2), ("weight", U((4, 3, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3, 3), "num_filter": 4, "stride": (2, 2), "pad": (1, 1)})
    case("Conv2d_dilate_nobias", "Convolution", [("data", x2), ("weight", U((2, 3, 2, 2)))],
         {"kernel": (2, 2), "num_filter": 2, "dilate": (2, 2), "no_bias": True})
    case("Conv2d_group", "Convolution",
         [("data", x2), ("weight", U((6, 1, 3, 3))), ("bias", U((6,)))],
         {"kernel": (3, 3), "num_filter": 6, "num_group": 3, "pad": (1, 1)})
    case("Conv2d_rect", "Convolution",
         [("data", x2), ("weight", U((2, 3, 1, 3))), ("bias", U((2,)))],
         {"kernel": (1, 3), "num_filter": 2, "stride": (1, 2), "pad": (0, 1)})
    xd = U((2, 3, 3, 3))
    case("Deconv2d", "Deconvolution", [("data", xd), ("weight", U((3, 2, 3, 3))),
                                       ("bias", U((2,)))],
         {"kernel": (3, 3), "num_filter": 2, "no_bias": False},
         note="weight shape (in_channels, num_filter/num_group, kh, kw); no_bias default True")
    case("Deconv2d_stride_pad_adj", "Deconvolution", [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "pad": (1, 1), "adj": (1, 1)})
    case("Deconv2d_target_shape_mkldnn_error", "Deconvolution",
         [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "target_shape": (6, 6)},
         expect_error=True, note="the default (MKLDNN) CPU backend of the pip wheel rejects "
                                 "this; see the _native case for the semantics")
    case("Deconv2d_target_shape_native", "Deconvolution",
         [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "target_shape": (6, 6)},
         env={"MXNET_MKLDNN_ENABLED": "0"},
         note="computed with MXNET_MKLDNN_ENABLED=0 (native CPU kernel); target_shape "
              "overrides pad/adj")
    case("Deconv2d_group", "Deconvolution",
         [("data", U((1, 4, 2, 2))), ("weight", U((4, 1, 2, 2)))],
         {"kernel": (2, 2), "num_filter": 2, "num_group": 2, "stride": (2, 2)})
    xp = U((2, 2, 5, 5))
    pools = [
        ("max_valid", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"}),
        ("max_full", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max",
                      "pooling_convention": "full"}),
        ("avg_valid", {"kernel": (3, 3), "stride": (2, 2), "pool_type": "avg"}),
        ("avg_pad", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg"}),
        ("avg_pad_nocount", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                             "pool_type": "avg", "count_include_pad": False}),
        ("avg_full", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "avg",
                      "pooling_convention": "full"}),
        ("sum", {"kernel": (2, 2), "stride": (1, 1), "pool_type": "sum"}),
        ("max_pad", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "max"}),
        ("global_avg", {"kernel": (1, 1), "global_pool": True, "pool_type": "avg"}),
        ("global_max", {"kernel": (1, 1), "global_pool": True, "pool_type": "max"}),
        ("global_max_nokernel", {"global_pool": True, "pool_type": "max"}),
        ("default_stride", {"kernel": (2, 2)}),
    ]
    # is_train=True: the MKLDNN max-pooling backward reads a workspace that only a training-mode
    # forward fills; after an inference-mode forward its gradient is garbage (nondeterministic).
    for tag, at in pools:
        case("Pool2d_" + tag, "Pooling", [("data", xp)], at, is_train=True)
    case("Pool1d_max", "Pooling", [("data", x1)], {"kernel": (3,), "stride": (2,),
                                                  "pool_type": "max"}, is_train=True)
    case("Pool1d_avg_full", "Pooling", [("data", x1)],
         {"kernel": (2,), "stride": (2,), "pool_type": "avg", "pooling_convention": "full"},
         is_train=True)
    case("Pool1d_global_sum", "Pooling", [("data", x1)], {"kernel": (1,), "global_pool": True,
                                                         "pool_type": "sum"}, is_train=True)
    xa = U((2, 3, 4), -3, 3)
    for act in ("relu", "sigmoid", "tanh", "softrelu", "softsign"):
        case("Activation_" + act, "Activation", [("data", xa)], {"act_type": act})
    case("LeakyReLU_default", "LeakyReLU", [("data", xa)], note="act_type leaky, slope 0.25")
    case("LeakyReLU_leaky01", "LeakyReLU", [("data", xa)], {"act_type": "leaky", "slope": 0.1})
    case("LeakyReLU_prelu", "LeakyReLU", [("data", xa), ("gamma", A([0.1, 0.2, 0.3]))],
         {"act_type": "prelu"}, note="gamma per channel (axis 1)")
    case("LeakyReLU_prelu_scalar", "LeakyReLU", [("data", xa), ("gamma", A([0.2]))],
         {"act_type": "prelu"}, note="gamma of shape (1,) broadcasts")
    case("LeakyReLU_elu", "LeakyReLU", [("data", xa)], {"act_type": "elu"},
         note="elu default slope (alpha) is 0.25, not 1.0")
    case("LeakyReLU_elu1", "LeakyReLU", [("data", xa)], {"act_type": "elu", "slope": 1.0})
    case("LeakyReLU_selu", "LeakyReLU", [("data", xa)], {"act_type": "selu"})
    case("LeakyReLU_gelu", "LeakyReLU", [("data", xa)], {"act_type": "gelu"})
    case("LeakyReLU_rrelu_eval", "LeakyReLU", [("data", xa)], {"act_type": "rrelu"},
         call=lambda n: mx.nd.LeakyReLU(n[0], act_type="rrelu")[0],
         python="mx.nd.LeakyReLU(x, act_type='rrelu')[0]",
         note="is_train=False: slope = (lower_bound + upper_bound) / 2. rrelu returns TWO "
              "outputs [out, mask]; the mask is uninitialized memory in inference, so only "
              "out0 is stored")
    # BatchNorm
    xb = U((4, 3, 2), -2, 3)
    bn_in = lambda: [("data", xb), ("gamma", A([1.5, 0.5, 2.0])), ("beta", A([0.1, -0.2, 0.3])),
                     ("moving_mean", A([0.2, -0.1, 0.5])), ("moving_var", A([1.2, 0.8, 2.0]))]
    bn_extra = [("moving_mean", lambda n: n[3]), ("moving_var", lambda n: n[4])]
    bn_aux = ("moving_mean", "moving_var")
    case("BatchNorm_train_default", "BatchNorm", bn_in(), is_train=True, nograd=bn_aux,
         extra=bn_extra, note="fix_gamma=True default: gamma treated as 1, its grad is 0")
    case("BatchNorm_train_fixgamma_false", "BatchNorm", bn_in(), {"fix_gamma": False},
         is_train=True, nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_train_global_stats", "BatchNorm", bn_in(),
         {"fix_gamma": False, "use_global_stats": True}, is_train=True, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_eval", "BatchNorm", bn_in(), {"fix_gamma": False}, is_train=False,
         nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_eval_default", "BatchNorm", bn_in(), is_train=False, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_train_eps_mom", "BatchNorm", bn_in(),
         {"fix_gamma": False, "eps": 1e-5, "momentum": 0.5}, is_train=True, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_axis_last", "BatchNorm",
         [("data", U((2, 4, 3))), ("gamma", A([1.5, 0.5, 2.0])), ("beta", A([0.1, -0.2, 0.3])),
          ("moving_mean", A([0.0, 0.0, 0.0])), ("moving_var", A([1.0, 1.0, 1.0]))],
         {"axis": -1, "fix_gamma": False}, is_train=True, nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_output_mean_var", "BatchNorm", bn_in(),
         {"fix_gamma": False, "output_mean_var": True}, is_train=True, nograd=bn_aux,
         extra=bn_extra, note="out1 = batch mean, out2 = inverse std (not var)")
    xl = U((2, 3, 4))
    case("LayerNorm_default", "LayerNorm", [("data", xl), ("gamma", U((4,), 0.5, 1.5)),
                                            ("beta", U((4,)))])
    case("LayerNorm_axis1", "LayerNorm", [("data", xl), ("gamma", U((3,), 0.5, 1.5)),
                                          ("beta", U((3,)))], {"axis": 1, "eps": 1e-3})
    case("InstanceNorm", "InstanceNorm", [("data", xl), ("gamma", U((3,), 0.5, 1.5)),
                                          ("beta", U((3,)))])
    for mode in ("instance", "channel", "spatial"):
        case("L2Normalization_" + mode, "L2Normalization", [("data", xl)], {"mode": mode})
    case("L2Normalization_4d_channel", "L2Normalization", [("data", U((1, 2, 2, 3)))],
         {"mode": "channel"})
    case("LRN", "LRN", [("data", U((1, 5, 2, 2)))], {"nsize": 3})
    case("LRN_params", "LRN", [("data", U((1, 5, 2, 2)))], {"nsize": 5, "alpha": 0.1,
                                                           "beta": 0.5, "knorm": 1.0})
    case("Dropout_eval", "Dropout", [("data", xl)], {"p": 0.5}, is_train=False,
         note="inference: identity")
    case("Dropout_p0_train", "Dropout", [("data", xl)], {"p": 0.0}, is_train=True)
    case("Embedding", "Embedding", [("data", I([[0, 2, 4], [1, 1, 3]])),
                                    ("weight", U((5, 4)))],
         {"input_dim": 5, "output_dim": 4}, nograd=("data",),
         note="repeated indices accumulate into the weight gradient")
    case("Embedding_oob", "Embedding", [("data", I([-1, 7, 2.7])), ("weight", U((5, 2)))],
         {"input_dim": 5, "output_dim": 2}, nograd=("data",),
         note="out-of-range / fractional indices (clipped like take)")
    xs = U((2, 3, 4), -3, 3)
    case("softmax_default", "softmax", [("data", xs)])
    case("softmax_axis1", "softmax", [("data", xs)], {"axis": 1})
    case("softmax_temp", "softmax", [("data", xs)], {"axis": -1, "temperature": 2.0})
    case("softmax_f64", "softmax", [("data", xs.astype("float64"))])
    case("log_softmax_default", "log_softmax", [("data", xs)])
    case("log_softmax_axis0_temp", "log_softmax", [("data", xs)],
         {"axis": 0, "temperature": 0.5})
    case("softmin", "softmin", [("data", xs)])
    case("SoftmaxActivation_instance", "SoftmaxActivation", [("data", xs)],
         note="default mode instance: for N-D input, softmax over the LAST axis only "
              "(FlatTo2D keeps the last axis), not over all non-batch axes")
    case("SoftmaxActivation_instance_2d", "SoftmaxActivation", [("data", U((2, 5), -3, 3))])
    case("SoftmaxActivation_channel", "SoftmaxActivation", [("data", xs)], {"mode": "channel"})
    case("UpSampling_nearest", "UpSampling", [("data", U((1, 2, 2, 3)))],
         {"scale": 2, "sample_type": "nearest"})
    case("UpSampling_nearest3", "UpSampling", [("data", U((1, 1, 2, 2)))],
         {"scale": 3, "sample_type": "nearest"})


# ---------------------------------------------------------------------------------------------
# loss layers (backward ignores the head gradient: checked per case -> head_grad_ignored)
# ---------------------------------------------------------------------------------------------

def losses():
    x = U((4, 5), -2, 2)
    lab = I([0, 3, 1, 4])
    lbl = ("label",)
    so = "SoftmaxOutput"
    case("SoftmaxOutput_default", so, [("data", x), ("label", lab)], is_train=True, nograd=lbl)
    case("SoftmaxOutput_grad_scale", so, [("data", x), ("label", lab)], {"grad_scale": 2.0},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_ignore", so, [("data", x), ("label", I([0, 1, 1, 4]))],
         {"ignore_label": 1, "use_ignore": True}, is_train=True, nograd=lbl)
    case("SoftmaxOutput_ignore_valid", so, [("data", x), ("label", I([0, 1, 1, 4]))],
         {"ignore_label": 1, "use_ignore": True, "normalization": "valid"},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_batch", so, [("data", x), ("label", lab)], {"normalization": "batch"},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_eval", so, [("data", x), ("label", lab)], is_train=False, nograd=lbl)
    xm = U((2, 3, 4), -2, 2)
    case("SoftmaxOutput_multi", so, [("data", xm), ("label", I([[0, 1, 2, 0], [2, 2, 1, 0]]))],
         {"multi_output": True}, is_train=True, nograd=lbl,
         note="softmax over axis 1; label shape (batch, rest)")
    case("SoftmaxOutput_multi_valid", so,
         [("data", xm), ("label", I([[0, 1, 2, 0], [2, 2, 1, 0]]))],
         {"multi_output": True, "use_ignore": True, "ignore_label": 2,
          "normalization": "valid"}, is_train=True, nograd=lbl)
    case("SoftmaxOutput_preserve", so, [("data", xm), ("label", I([[0, 3, 1], [2, 2, 0]]))],
         {"preserve_shape": True}, is_train=True, nograd=lbl,
         note="softmax over the last axis; label shape data.shape[:-1]")
    case("SoftmaxOutput_smooth", so, [("data", x), ("label", lab)], {"smooth_alpha": 0.1},
         is_train=True, nograd=lbl)
    y = U((3, 2))
    t = U((3, 2))
    for op in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
        case(op, op, [("data", y), ("label", t)], is_train=True, nograd=lbl,
             note="gradient is divided by the number of elements per batch item (num_output)")
        case(op + "_scale", op, [("data", y), ("label", t)], {"grad_scale": 3.0},
             is_train=True, nograd=lbl)
    case("LogisticRegressionOutput_01", "LogisticRegressionOutput",
         [("data", U((4, 1))), ("label", I([[0], [1], [1], [0]]))], is_train=True, nograd=lbl)
    ml = U((2, 3), -1, 1)
    case("MakeLoss_default", "MakeLoss", [("data", ml)], is_train=True)
    case("MakeLoss_scale", "MakeLoss", [("data", ml)], {"grad_scale": 0.5}, is_train=True)
    case("MakeLoss_batch", "MakeLoss", [("data", ml)], {"normalization": "batch"},
         is_train=True)
    case("MakeLoss_valid", "MakeLoss", [("data", ml)],
         {"normalization": "valid", "valid_thresh": 0.1}, is_train=True,
         note="valid: gradient divided by the count of elements > valid_thresh")
    case("BlockGrad", "BlockGrad", [("data", ml)], is_train=True, note="gradient is zero")
    case("stop_gradient", "stop_gradient", [("data", ml)], is_train=True)
    case("softmax_cross_entropy", "softmax_cross_entropy",
         [("data", U((3, 4))), ("label", I([0, 3, 1]))], is_train=True, nograd=lbl,
         note="output shape (1,): summed (not averaged) cross entropy")


def main():
    global ONLY
    if len(sys.argv) == 4 and sys.argv[1] == "--only":
        ONLY = (sys.argv[2], sys.argv[3])
    unary()
    binary()
    reductions()
    tensor()
    linalg()
    nn()
    losses()
    if ONLY is not None:
        assert len(CASES) == 1, ONLY
        with open(os.path.join(ONLY[1], "case.json"), "w") as f:
            json.dump(CASES[0], f)
        np.savez(os.path.join(ONLY[1], "case.npz"), **ARRAYS)
        return
    out_npz = os.path.join(DATA, "golden_ops.npz")
    np.savez_compressed(out_npz, **ARRAYS)
    manifest = {"mxnet_version": mx.__version__,
                "generated_by": "tests/compat/make_golden_ops.py",
                "cases": CASES}
    with open(os.path.join(DATA, "golden_ops.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    # self-check
    z = np.load(out_npz, allow_pickle=False)
    assert set(z.files) == set(ARRAYS)
    print("%d cases, %d arrays, npz %d bytes" % (len(CASES), len(ARRAYS),
                                                os.path.getsize(out_npz)))
    bad = [c["id"] for c in CASES if "grad_error" in c]
    print("non-differentiable (backward raised):", bad)
    ign = [c["id"] for c in CASES if c.get("head_grad_ignored")]
    print("head grad ignored:", ign)
    print("ok", file=sys.stderr)


if __name__ == "__main__":
    main()
