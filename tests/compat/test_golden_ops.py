"""Every op against outputs and gradients recorded from real MXNet 1.9.1.

tests/compat/make_golden_ops.py (run in a venv with mxnet==1.9.1) wrote
data/golden_ops.json (the cases) and data/golden_ops.npz (inputs, head gradients,
outputs and input gradients); this test replays each case through mx.nd and autograd.
"""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MANIFEST = os.path.join(DATA, "golden_ops.json")


def _load():
    if not os.path.exists(MANIFEST):
        return [], {}
    with open(MANIFEST) as f:
        manifest = json.load(f)
    cases = manifest["cases"] if isinstance(manifest, dict) else manifest
    arrays = np.load(os.path.join(DATA, "golden_ops.npz"), allow_pickle=False)
    return cases, arrays


CASES, ARRAYS = _load()


def _arrays(case, kind):
    out, k = [], 0
    while "%s/%s%d" % (case["id"], kind, k) in ARRAYS:
        out.append(ARRAYS["%s/%s%d" % (case["id"], kind, k)])
        k += 1
    return out


def _tol(arr):
    return (1e-3, 1e-4) if arr.dtype in (np.float32, np.float16) else (1e-7, 1e-9)


def test_golden_manifest_present():
    assert CASES, "tests/compat/data/golden_ops.json is missing"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_mxnet(case):
    inputs = [mx.nd.array(a, dtype=a.dtype) for a in _arrays(case, "in")]
    fn = getattr(mx.nd.op, case["op"])
    if case.get("error"):
        if "mkldnn" in case["id"].lower():
            pytest.skip("MXNet's MKLDNN backend rejects this case; the _native case holds the semantics")
        with pytest.raises(MXNetError):
            fn(*inputs, **case["attrs"])
        return
    grad_inputs = case.get("grad_inputs") or []
    want_grad = case.get("grad") and grad_inputs and not case.get("grad_error")
    if want_grad:
        for i in grad_inputs:
            inputs[i].attach_grad()
    with mx.autograd.record(train_mode=case.get("is_train", False)):
        out = fn(*inputs, **case["attrs"])
    outs = out if isinstance(out, (list, tuple)) else [out]
    expected = _arrays(case, "out")
    assert len(outs) >= len(expected)
    for k, (ours, ref) in enumerate(zip(outs, expected)):
        assert ours.shape == ref.shape, "output %d shape %s vs MXNet %s" % (k, ours.shape, ref.shape)
        assert ours.dtype == ref.dtype, "output %d dtype %s vs MXNet %s" % (k, ours.dtype, ref.dtype)
        rtol, atol = _tol(ref)
        np.testing.assert_allclose(ours.asnumpy(), ref, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg="output %d" % k)
    extra = dict(zip(case.get("extra_outputs", []), _arrays(case, "extra")))
    names = case.get("inputs", [])
    for key, ref in extra.items():          # aux states, e.g. BatchNorm's moving stats
        if key.endswith("_after_forward"):
            aux = key[: -len("_after_forward")]
            np.testing.assert_allclose(inputs[names.index(aux)].asnumpy(), ref, rtol=1e-5,
                                       atol=1e-6, err_msg=key)
    if want_grad:
        head_grads = _arrays(case, "headgrad")
        heads = outs[: len(head_grads)]
        mx.autograd.backward(heads, [mx.nd.array(h, dtype=h.dtype) for h in head_grads],
                             train_mode=case.get("is_train", False))
        for i in grad_inputs:
            ref = ARRAYS["%s/grad%d" % (case["id"], i)]
            rtol, atol = _tol(ref)
            np.testing.assert_allclose(inputs[i].grad.asnumpy(), ref, rtol=rtol,
                                       atol=max(atol, 1e-5), err_msg="gradient of input %d" % i)
        for key, ref in extra.items():
            if key.endswith("_after_backward"):
                aux = key[: -len("_after_backward")]
                np.testing.assert_allclose(inputs[names.index(aux)].asnumpy(), ref, rtol=1e-5,
                                           atol=1e-6, err_msg=key)
