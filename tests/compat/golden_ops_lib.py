"""Helpers for make_golden_ops.py (real MXNet 1.9.1 venv only): inputs and the case recorder."""
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
            subprocess.run([sys.executable, os.path.join(HERE, "make_golden_ops.py"), "--only", cid, td],
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
