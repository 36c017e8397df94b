"""mx.optimizer bookkeeping (MXNet 1.9.1): registry and create, learning rate and schedule,
lr_mult / wd_mult rules, update counts, the Updater (aggregation, states) and its
pickle-free get_states / set_states, and bad input."""
import json

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.optimizer import updater as updater_mod

nd = mx.nd


def test_create_is_case_insensitive_and_lists_known_names_on_error():
    assert type(mx.optimizer.create("SGD")) is mx.optimizer.SGD
    adam = mx.optimizer.create("Adam", learning_rate=0.1)
    assert type(adam) is mx.optimizer.Adam and adam.learning_rate == 0.1
    assert mx.optimizer.Optimizer.create_optimizer("rmsprop").centered is False
    with pytest.raises(MXNetError, match=r"Cannot find optimizer nosuch .*adam.*sgd"):
        mx.optimizer.create("nosuch")
    assert mx.optimizer.optimizer.SGD is mx.optimizer.SGD


def test_register_custom_and_override_warning():
    @mx.optimizer.register
    class MyHalfStep(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] = weight - 0.5 * grad
    opt = mx.optimizer.create("myhalfstep")
    w = nd.array([1.0])
    opt.update(0, w, nd.array([1.0]), None)
    assert w.asnumpy()[0] == 0.5
    with pytest.warns(UserWarning, match="overriding"):
        mx.optimizer.register(type("MyHalfStep", (mx.optimizer.Optimizer,), {}))
    del mx.optimizer.Optimizer.opt_registry["myhalfstep"]


def test_learning_rate_defaults_and_scheduler(capsys):
    assert mx.optimizer.SGD().learning_rate == 0.01
    assert mx.optimizer.Adam().learning_rate == 0.001
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(learning_rate=0.2, lr_scheduler=sched)
    assert "overwritten" in capsys.readouterr().out
    assert sched.base_lr == 0.2
    with pytest.raises(UserWarning, match="LRScheduler of the optimizer has already been"):
        opt.set_learning_rate(0.5)
    opt.num_update = 3
    assert opt.learning_rate == pytest.approx(0.2 * 0.25)
    plain = mx.optimizer.SGD(learning_rate=0.1)
    plain.set_learning_rate(0.3)
    assert plain.learning_rate == 0.3
    with pytest.raises(DeprecationWarning):
        plain.set_lr_scale({})


def test_wd_mult_zero_for_names_not_ending_in_weight_or_gamma():
    names = {0: "fc_weight", 1: "fc_bias", 2: "bn_gamma", 3: "bn_beta", 4: "bn_moving_mean"}
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.01, param_idx2name=names)
    assert [opt._get_wd(i) for i in range(5)] == [0.01, 0.0, 0.01, 0.0, 0.0]
    assert opt._get_wd(99) == 0.01                    # unknown index: plain wd
    opt.set_wd_mult({"fc_bias": 2.0, 0: 3.0})
    assert opt._get_wd(1) == 0.02 and opt._get_wd(0) == pytest.approx(0.03)
    assert opt._get_wd(3) == 0.0                      # the name rule is re-applied


def test_lr_mult_by_name_index_and_param_dict():
    opt = mx.optimizer.SGD(learning_rate=0.1, param_idx2name={0: "a_weight", 1: "b_weight"})
    opt.set_lr_mult({"a_weight": 2.0, 1: 0.5})
    assert opt._get_lrs([0, 1, 2]) == [pytest.approx(0.2), pytest.approx(0.05), 0.1]

    class P:
        lr_mult, wd_mult = 3.0, 0.0
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.1, param_dict={0: P()})
    opt.set_lr_mult({0: 10.0})
    assert opt._get_lr(0) == pytest.approx(0.3)       # param_dict wins
    assert opt._get_wd(0) == 0.0


def test_sym_attributes_give_multipliers():
    w = mx.sym.var("fc_weight", lr_mult=2.0, wd_mult=0.5)
    b = mx.sym.var("fc_bias", wd_mult=3.0)
    net = mx.sym.FullyConnected(mx.sym.var("data"), weight=w, bias=b, num_hidden=4, name="fc")
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.01, sym=net,
                           param_idx2name={0: "fc_weight", 1: "fc_bias"})
    assert opt.lr_mult == {"fc_weight": 2.0}
    assert opt._get_lr(0) == pytest.approx(0.2) and opt._get_lr(1) == pytest.approx(0.1)
    assert opt._get_wd(0) == pytest.approx(0.005)
    assert opt._get_wd(1) == pytest.approx(0.03)      # the attribute beats the name rule


def test_update_counts_per_index_and_device():
    opt = mx.optimizer.SGD(begin_num_update=10)
    opt._update_count(0)
    opt._update_count([0, 1])
    assert opt._index_update_count == {0: 12, 1: 11} and opt.num_update == 12
    opt._set_current_context(1)
    opt._update_count(0)
    assert opt._index_update_count == {0: 11} and opt.num_update == 12
    opt._set_current_context(0)
    assert opt._index_update_count[0] == 12


def test_adam_bias_correction_uses_the_index_count():
    opt = mx.optimizer.Adam(learning_rate=0.1)
    w0, w1 = nd.array([1.0]), nd.array([1.0])
    s0, s1 = opt.create_state(0, w0), opt.create_state(1, w1)
    for _ in range(3):
        opt.update(0, w0, nd.array([1.0]), s0)
    opt.update(1, w1, nd.array([1.0]), s1)          # first step of index 1: t = 1
    # with a constant gradient Adam's first step is lr * g / (|g| + eps)
    np.testing.assert_allclose(w1.asnumpy(), [0.9], rtol=1e-6)


def test_updater_aggregates_by_dtype_like_single_updates():
    rng = np.random.default_rng(0)
    shapes = [(3,), (2, 2), (4,), (1,), (5,), (2,)]
    dtypes = ["float32", "float64", "float32", "float32", "float32", "float64"]
    w0 = [rng.normal(size=s).astype(d) for s, d in zip(shapes, dtypes)]
    grads = [[rng.normal(size=s).astype(d) for s, d in zip(shapes, dtypes)] for _ in range(3)]
    results = []
    for aggregated in (True, False):
        opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01)
        upd = mx.optimizer.get_updater(opt)
        ws = [nd.array(a, dtype=a.dtype) for a in w0]
        for gs in grads:
            gnd = [nd.array(g, dtype=g.dtype) for g in gs]
            if aggregated:
                upd(list(range(len(ws))), gnd, ws)
            else:
                for i in range(len(ws)):
                    upd(i, gnd[i], ws[i])
        results.append([w.asnumpy() for w in ws])
        assert sorted(upd.states) == list(range(6))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_updater_mismatched_lists_and_types():
    upd = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(MXNetError, match="2 indices but 1 gradients"):
        upd([0, 1], [nd.zeros(1)], [nd.zeros(1), nd.zeros(1)])
    with pytest.raises(MXNetError, match="must be NDArrays"):
        upd(0, np.zeros(1), nd.zeros(1))


@pytest.mark.parametrize("name,kw", [
    ("sgd", dict(momentum=0.9)), ("adam", {}), ("adagrad", {}), ("rmsprop", dict(centered=True)),
    ("nag", dict(momentum=0.9)), ("signum", {}), ("adadelta", {}), ("ftml", {}),
])
def test_wrong_state_shape_is_an_error(name, kw):
    opt = mx.optimizer.create(name, **kw)
    w, g = nd.ones((3,)), nd.ones((3,))
    state = opt.create_state(0, nd.ones((2,)))
    before = w.asnumpy()
    with pytest.raises(MXNetError, match=r"shape \(2,\) does not match weight shape \(3,\)"):
        opt.update(0, w, g, state)
    np.testing.assert_array_equal(w.asnumpy(), before)


def test_update_rejects_non_ndarrays():
    with pytest.raises(MXNetError, match="weight must be an NDArray"):
        mx.optimizer.SGD().update(0, np.ones(2), nd.ones(2), None)


# --- get_states / set_states ----------------------------------------------------------------

def _train(upd, ws, grads):
    for gs in grads:
        upd(list(range(len(ws))), [nd.array(g) for g in gs], ws)


@pytest.mark.parametrize("make", [
    lambda: mx.optimizer.Adam(learning_rate=0.01, wd=0.01),
    lambda: mx.optimizer.SGD(momentum=0.9, lr_scheduler=mx.lr_scheduler.FactorScheduler(
        step=2, factor=0.5, base_lr=0.1)),
    lambda: mx.optimizer.RMSProp(centered=True, clip_weights=0.5),
    lambda: mx.optimizer.SGD(learning_rate=0.1),
    lambda: mx.optimizer.Nadam(),
])
def test_states_round_trip_continues_training_identically(make):
    rng = np.random.default_rng(1)
    w0 = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(4,)).astype("float32")]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in w0] for _ in range(5)]
    ref = [nd.array(w) for w in w0]
    _train(mx.optimizer.get_updater(make()), ref, grads)

    ws = [nd.array(w) for w in w0]
    first = mx.optimizer.get_updater(make())
    _train(first, ws, grads[:3])
    blob = first.get_states(dump_optimizer=True)
    assert isinstance(blob, bytes) and b"pickle" not in blob[:20]
    second = mx.optimizer.get_updater(mx.optimizer.Test())
    second.set_states(blob)
    assert type(second.optimizer) is type(first.optimizer)
    assert second.optimizer.num_update == 3
    opt = second.optimizer
    assert opt._index_update_count is opt._all_index_update_counts[0]
    _train(second, ws, grads[3:])
    for a, b in zip(ws, ref):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


def test_states_without_optimizer_keep_the_current_one():
    opt = mx.optimizer.SGD(momentum=0.9, learning_rate=0.1)
    upd = mx.optimizer.get_updater(opt)
    w = nd.array([1.0, 2.0])
    upd(0, nd.array([1.0, 1.0]), w)
    upd(3, nd.array([1.0]), nd.array([5.0]))
    blob = upd.get_states()
    other = mx.optimizer.SGD(momentum=0.5)
    upd2 = mx.optimizer.get_updater(other)
    upd2.set_states(blob)
    assert upd2.optimizer is other
    assert sorted(upd2.states) == [0, 3]
    np.testing.assert_allclose(upd2.states[0].asnumpy(), [-0.1, -0.1], rtol=1e-6)
    assert upd2.states_synced == {0: False, 3: False}


def test_state_structures_none_ndarray_tuple():
    states = {0: None, 1: nd.array([1.0, 2.0]), "w": (nd.zeros((2, 2)), None, nd.ones(1)),
              5: [nd.array([3.0], dtype="float64")]}
    loaded, opt = updater_mod.loads_states(updater_mod.dumps_states(states))
    assert opt is None and loaded[0] is None
    np.testing.assert_array_equal(loaded[1].asnumpy(), [1.0, 2.0])
    assert isinstance(loaded["w"], tuple) and loaded["w"][1] is None
    assert loaded["w"][0].shape == (2, 2)
    assert isinstance(loaded[5], list) and loaded[5][0].dtype == np.float64


def _blob(header):
    text = json.dumps(header).encode()
    return (updater_mod.MAGIC + updater_mod._LEN.pack(len(text)) + text
            + updater_mod.dumps_arrays([]))


@pytest.mark.parametrize("blob,match", [
    (b"\x80\x04\x95\x00\x00", "bad magic"),
    (b"garbage", "bad magic"),
    ("text", "expects bytes"),
    (updater_mod.MAGIC + updater_mod._LEN.pack(1000) + b"{}", "truncated header"),
    (updater_mod.MAGIC + updater_mod._LEN.pack(3) + b"{x}", "malformed header"),
    (_blob({"version": 99, "states": {"dict": []}}), "unsupported header"),
    (_blob({"version": 1, "states": {"dict": [[0, {"nd": "a0"}]]}}), "array 'a0' is missing"),
    (_blob({"version": 1, "states": {"dict": [[0, {"eval": "x"}]]}}), "unknown entry"),
    (_blob({"version": 1, "states": {"dict": []},
            "optimizer": {"class": "os:system", "attrs": []}}), "unknown optimizer class"),
])
def test_set_states_rejects_bad_input(blob, match):
    upd = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(MXNetError, match=match):
        upd.set_states(blob)


def test_optimizer_with_unsavable_attribute_is_an_error():
    opt = mx.optimizer.SGD()
    opt.callback = lambda: None
    with pytest.raises(MXNetError, match="cannot save optimizer state value of type function"):
        mx.optimizer.get_updater(opt).get_states(dump_optimizer=True)


def test_test_optimizer():
    opt = mx.optimizer.Test(rescale_grad=2.0)
    w = nd.array([1.0, 1.0])
    state = opt.create_state(0, w)
    opt.update(0, w, nd.array([0.5, -0.5]), state)
    np.testing.assert_array_equal(w.asnumpy(), [2.0, 0.0])
    np.testing.assert_array_equal(state.asnumpy(), [2.0, 0.0])
