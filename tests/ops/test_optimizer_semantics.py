"""Optimizer update ops: golden values from real MXNet 1.9.1 (bit-exact in float32 and
float64), in-place semantics of out=weight, state mutation, and bad input."""
import json
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

nd = mx.nd
DATA = os.path.join(os.path.dirname(__file__), "..", "framework", "data")
with open(os.path.join(DATA, "golden_optimizer.json")) as _f:
    META = json.load(_f)
GOLD = np.load(os.path.join(DATA, "golden_optimizer.npz"))


def A(x, dtype="float32"):
    return nd.array(np.asarray(x, dtype=dtype), dtype=dtype)


@pytest.mark.parametrize("case", META["ops"], ids=[c["id"] + "-" + c["op"] for c in META["ops"]])
def test_golden_mxnet(case):
    ins = [GOLD["%s/in%d" % (case["id"], i)] for i in range(case["n_inputs"])]
    arrays = [nd.array(a, dtype=a.dtype) for a in ins]
    buffers = [a._data for a in arrays]
    out = getattr(nd, case["op"])(*arrays, out=arrays[0], **case["attrs"])
    assert out is arrays[0]
    for i, a in enumerate(arrays):
        assert a._data is buffers[i], "input %d was rebound instead of updated in place" % i
        want = GOLD["%s/after%d" % (case["id"], i)]
        got = a.asnumpy()
        assert got.dtype == want.dtype
        if ins[0].dtype == np.float16 and not case["op"].startswith("mp_"):
            # MXNet rounds every half-precision intermediate; we compute in float32
            np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)
        else:
            np.testing.assert_array_equal(got, want, err_msg="input %d after the update" % i)


def test_without_out_returns_new_weight_and_mutates_state():
    w, g, mom = A([1., 2., 3.]), A([.1, .2, .3]), A([0., 0., 0.])
    res = nd.sgd_mom_update(w, g, mom, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(res.asnumpy(), [0.99, 1.98, 2.97], rtol=1e-6)
    np.testing.assert_array_equal(w.asnumpy(), [1., 2., 3.])          # weight untouched
    np.testing.assert_allclose(mom.asnumpy(), [-0.01, -0.02, -0.03], rtol=1e-6)


def test_sgd_update_in_place_docs_formula():
    # weight = weight - lr * (rescale_grad * clip(grad) + wd * weight)
    w, g = A([1., -2., 3.]), A([10., -0.1, 0.2])
    nd.sgd_update(w, g, lr=0.5, wd=0.1, clip_gradient=1.0, out=w)
    np.testing.assert_allclose(w.asnumpy(), [1 * 0.95 - 0.5, -2 * 0.95 + 0.05, 3 * 0.95 - 0.1],
                               rtol=1e-6)


def test_clip_gradient_zero_clips_to_zero_and_negative_disables():
    g = A([5., -5.])
    w = A([1., 1.])
    nd.sgd_update(w, g, lr=1.0, clip_gradient=0.0, out=w)
    np.testing.assert_array_equal(w.asnumpy(), [1., 1.])
    nd.sgd_update(w, g, lr=1.0, clip_gradient=-1.0, out=w)
    np.testing.assert_array_equal(w.asnumpy(), [-4., 6.])


def test_signsgd_ignores_rescale_and_clip():
    w = A([1., 1., 1.])
    nd.signsgd_update(w, A([-2., 0., 3.]), lr=0.5, rescale_grad=-1.0, clip_gradient=0.0, out=w)
    np.testing.assert_array_equal(w.asnumpy(), [1.5, 1., 0.5])


def test_adam_states_and_float64_attrs_rounded_like_cpp_float():
    # lr=0.1 is a C++ float: in float64 the update uses float32(0.1), as MXNet does
    w, g = A([1.0], "float64"), A([1.0], "float64")
    nd.sgd_update(w, g, lr=0.1, out=w)
    assert w.asnumpy()[0] == 1.0 - float(np.float32(0.1))


def test_mp_sgd_mom_update_keeps_float32_master():
    w16 = A([1.0, 2.0], "float16")
    w32 = A([1.0, 2.0], "float32")
    mom = A([0.0, 0.0], "float32")
    g = A([1e-4, 1e-4], "float16")
    for _ in range(10):
        nd.mp_sgd_mom_update(w16, g, mom, w32, lr=1.0, out=w16)
    np.testing.assert_allclose(w32.asnumpy(), [1 - 1e-3, 2 - 1e-3], rtol=1e-5)
    np.testing.assert_array_equal(w16.asnumpy(), w32.asnumpy().astype(np.float16))


def test_not_recorded_by_autograd():
    w, g = A([1., 2.]), A([1., 1.])
    w.attach_grad()
    with mx.autograd.record():
        out = nd.sgd_update(w, g, lr=0.1)
    assert out._ag is None
    np.testing.assert_allclose(out.asnumpy(), [0.9, 1.9], rtol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2.])), "sgd_update.*lr.*missing"),
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2., 3.]), lr=0.1),
     r"sgd_update.*grad shape \(3,\) does not match weight shape \(2,\)"),
    (lambda: nd.sgd_mom_update(A([1., 2.]), A([1., 2.]), A([0.]), lr=0.1),
     r"sgd_mom_update.*mom shape \(1,\) does not match weight shape \(2,\)"),
    (lambda: nd.adam_update(A([1., 2.]), A([1., 2.]), A([0., 0.]), A([[0., 0.]]), lr=0.1),
     r"adam_update.*var shape \(1, 2\) does not match weight shape \(2,\)"),
    (lambda: nd.sgd_update(A([1, 2], "int32"), A([1, 2], "int32"), lr=0.1),
     "sgd_update.*only support floating point types, not int32"),
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2.], "float64"), lr=0.1),
     "sgd_update.*grad' has dtype float64 but float32"),
    (lambda: nd.mp_sgd_update(A([1., 2.], "float16"), A([1., 2.], "float16"),
                              A([1., 2.], "float16"), lr=0.1),
     "mp_sgd_update.*weight32' has dtype float16 but float32"),
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2.]), lr=0.1, foo=1),
     "sgd_update: unknown attribute 'foo'"),
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2.]), lr="fast"),
     "sgd_update: attribute 'lr' has invalid value"),
    (lambda: nd.ftml_update(*[A([1., 2.])] * 5, lr=0.1, t=1, beta1=1.5),
     "ftml_update.*beta1.*out of its range"),
    (lambda: nd.ftml_update(*[A([1., 2.])] * 5, lr=0.1), "ftml_update.*'t' is missing"),
    (lambda: nd.sgd_update(A([1., 2.]), A([1., 2.]), lr=0.1, out=A([0., 0., 0.])),
     r"sgd_update: out array has shape \(3,\)"),
])
def test_bad_input(call, match):
    with pytest.raises(MXNetError, match=match):
        call()


def test_bad_input_leaves_state_untouched():
    w, g, mom, var = A([1., 2.]), A([1., 2.]), A([5., 5.]), A([1., 1., 1.])
    with pytest.raises(MXNetError, match="adam_update: var shape"):
        nd.adam_update(w, g, mom, var, lr=0.1, out=w)
    np.testing.assert_array_equal(mom.asnumpy(), [5., 5.])
    np.testing.assert_array_equal(w.asnumpy(), [1., 2.])


def test_symbol_lists_states_as_aux():
    s = mx.sym.adam_update(mx.sym.var("w"), mx.sym.var("g"), mx.sym.var("m"), mx.sym.var("v"),
                           lr=0.1)
    assert s.list_arguments() == ["w", "g"]
    assert s.list_auxiliary_states() == ["m", "v"]


def test_negative_learning_rate_is_accepted_like_mxnet():
    # MXNet 1.9.1 does not refuse lr < 0 (the op and the optimizers): gradient ascent
    w = A([1.0, 2.0])
    nd.sgd_update(w, A([1.0, -1.0]), lr=-0.5, out=w)
    np.testing.assert_array_equal(w.asnumpy(), [1.5, 1.5])
    opt = mx.optimizer.SGD(learning_rate=-0.5)
    opt.update(0, w, A([1.0, 1.0]), None)
    np.testing.assert_array_equal(w.asnumpy(), [2.0, 2.0])
