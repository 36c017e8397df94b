"""mx.init (MXNet 1.9.1): name rules and dumps() against real MXNet, deterministic
initializers exactly, random ones statistically (bounds, mean/std for Xavier's scale),
reproducibility under mx.random.seed, registry/create and bad input."""
import json
import os
import warnings

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

nd = mx.nd
DATA = os.path.join(os.path.dirname(__file__), "data")
with open(os.path.join(DATA, "golden_optimizer.json")) as _f:
    META = json.load(_f)
GOLD = np.load(os.path.join(DATA, "golden_optimizer.npz"))


def test_dumps_match_mxnet():
    d = META["init_dumps"]
    assert mx.init.Normal(0.5).dumps() == d["normal"]
    assert mx.init.Xavier(factor_type="in", magnitude=2.34).dumps() == d["xavier"]
    assert mx.init.MSRAPrelu().dumps() == d["msraprelu"]
    assert mx.init.Constant(0.3).dumps() == d["constant"]
    assert mx.init.Uniform().dumps() == d["uniform"]
    assert mx.init.Orthogonal().dumps() == d["orthogonal"]
    assert mx.init.LSTMBias(2.0).dumps() == d["lstmbias"]
    assert mx.init.Zero().dumps() == d["zero"]


@pytest.mark.parametrize("key", sorted(META["init_rules"]))
def test_name_rules_match_mxnet(key):
    mode, name = key.split("/", 1)
    want = META["init_rules"][key]
    arr = nd.full((2, 4, 4, 4) if name.startswith("upsampling") else (4,), 9.0)
    init = mx.init.Constant(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if isinstance(want, str):
            with pytest.raises(MXNetError, match="Unknown initialization pattern for"):
                init(mx.init.InitDesc(name) if mode == "desc" else name, arr)
            return
        init(mx.init.InitDesc(name) if mode == "desc" else name, arr)
    np.testing.assert_allclose(arr.asnumpy().ravel()[:8], want, rtol=1e-7)


def test_legacy_string_call_warns():
    with pytest.warns(DeprecationWarning, match="deprecated"):
        mx.init.One()("fc_weight", nd.zeros((2,)))


def test_init_attribute_wins_and_global_init_is_set():
    arr = nd.zeros((3,))
    desc = mx.init.InitDesc("foo_bias", attrs={"__init__": mx.init.Constant(4.0).dumps()})
    glob = mx.init.Uniform()
    glob(desc, arr)
    np.testing.assert_array_equal(arr.asnumpy(), META["init_attr_wins"])
    assert desc.global_init is glob
    mx.init.Zero()(mx.init.InitDesc("bn_moving_var", attrs={"__init__": "ones"}), arr)
    np.testing.assert_array_equal(arr.asnumpy(), [1, 1, 1])
    assert isinstance(desc, str) and desc == "foo_bias" and desc.attrs["__init__"]


@pytest.mark.parametrize("shape", [(1, 1, 4, 4), (2, 3, 5, 5), (1, 2, 3, 6)])
def test_bilinear_matches_mxnet(shape):
    arr = nd.zeros(shape)
    mx.init.Bilinear()(mx.init.InitDesc("up_weight"), arr)
    np.testing.assert_array_equal(arr.asnumpy(), GOLD["bilinear/%s" % "x".join(map(str, shape))])


def test_lstm_bias_and_constants():
    arr = nd.ones((12,))
    mx.init.LSTMBias(forget_bias=2.5)(mx.init.InitDesc("lstm_i2h_bias"), arr)
    np.testing.assert_array_equal(arr.asnumpy(), GOLD["lstmbias"])
    arr = nd.zeros((2, 3))
    mx.init.Constant(np.arange(6.0).reshape(2, 3))(mx.init.InitDesc("x_weight"), arr)
    np.testing.assert_array_equal(arr.asnumpy(), np.arange(6.0).reshape(2, 3))
    assert json.loads(mx.init.Constant(nd.array([1.0, 2.0])).dumps()) == \
        ["constant", {"value": [1.0, 2.0]}]
    for init, value in [(mx.init.Zero(), 0.0), (mx.init.One(), 1.0), (mx.init.Constant(-2), -2)]:
        arr = nd.full((5,), 7.0)
        init(mx.init.InitDesc("w_weight"), arr)
        np.testing.assert_array_equal(arr.asnumpy(), value)


@pytest.mark.parametrize("shape,factor_type,want_factor", [
    ((50, 40), "avg", 45.0), ((50, 40), "in", 40.0), ((50, 40), "out", 50.0),
    ((16, 8, 3, 3), "avg", (8 * 9 + 16 * 9) / 2.0), ((16, 8, 3, 3), "in", 72.0),
])
def test_xavier_scale(shape, factor_type, want_factor):
    x = mx.init.Xavier(factor_type=factor_type, magnitude=2.0)
    assert x.scale("w", shape) == pytest.approx(np.sqrt(2.0 / want_factor))


@pytest.mark.parametrize("rnd_type", ["uniform", "gaussian"])
def test_xavier_statistics(rnd_type):
    mx.random.seed(42)
    arr = nd.zeros((256, 64, 3, 3))
    x = mx.init.Xavier(rnd_type=rnd_type, factor_type="avg", magnitude=3)
    x(mx.init.InitDesc("conv_weight"), arr)
    a = arr.asnumpy()
    scale = np.sqrt(3.0 / ((64 * 9 + 256 * 9) / 2.0))
    if rnd_type == "uniform":
        assert np.abs(a).max() <= scale
        assert a.std() == pytest.approx(scale / np.sqrt(3), rel=0.02)
    else:
        assert a.std() == pytest.approx(scale, rel=0.02)
    assert abs(a.mean()) < 0.01 * scale


def test_msraprelu_and_normal_uniform_statistics():
    mx.random.seed(3)
    arr = nd.zeros((400, 300))
    mx.init.MSRAPrelu(factor_type="in", slope=0.0)(mx.init.InitDesc("fc_weight"), arr)
    assert arr.asnumpy().std() == pytest.approx(np.sqrt(2.0 / 300), rel=0.02)
    mx.init.Normal(0.5)(mx.init.InitDesc("fc_weight"), arr)
    assert arr.asnumpy().std() == pytest.approx(0.5, rel=0.02)
    mx.init.Uniform()(mx.init.InitDesc("fc_weight"), arr)
    a = arr.asnumpy()
    assert np.abs(a).max() <= 0.07 and a.std() == pytest.approx(0.07 / np.sqrt(3), rel=0.02)
    b = nd.zeros((400,), dtype="float64")
    mx.init.Uniform(2.0)(mx.init.InitDesc("b_weight"), b)
    assert b.dtype == np.float64 and 1.5 < np.abs(b.asnumpy()).max() <= 2.0


def test_seed_makes_random_initializers_reproducible():
    def draw(seed):
        mx.random.seed(seed)
        arr = nd.zeros((6, 7))
        mx.init.Xavier()(mx.init.InitDesc("fc_weight"), arr)
        return arr.asnumpy()
    np.testing.assert_array_equal(draw(5), draw(5))
    assert not np.array_equal(draw(5), draw(6))


@pytest.mark.parametrize("rand_type", ["uniform", "normal"])
def test_orthogonal(rand_type):
    mx.random.seed(0)
    arr = nd.zeros((6, 10))
    mx.init.Orthogonal(scale=1.5, rand_type=rand_type)(mx.init.InitDesc("fc_weight"), arr)
    a = arr.asnumpy()
    np.testing.assert_allclose(a @ a.T, META["orthogonal_gram_6x10"], atol=1e-4)
    arr = nd.zeros((8, 2, 2))                 # more rows than columns: orthonormal columns
    mx.init.Orthogonal(scale=1.0, rand_type=rand_type)(mx.init.InitDesc("fc_weight"), arr)
    m = arr.asnumpy().reshape(8, 4)
    np.testing.assert_allclose(m.T @ m, np.eye(4), atol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_mixed_and_load(tmp_path):
    init = mx.init.Mixed(["bias", ".*"], [mx.init.Zero(), mx.init.Constant(3.0)])
    a, b = nd.ones((2,)), nd.ones((2,))
    init("bias", a)
    init("fc_weight", b)
    assert a.asnumpy().tolist() == [0, 0] and b.asnumpy().tolist() == [3, 3]
    with pytest.raises(MXNetError, match="fc_weight did not match any pattern"):
        mx.init.Mixed(["bias"], [mx.init.Zero()])("fc_weight", b)

    fname = str(tmp_path / "p.params")
    nd.save(fname, {"arg:fc_weight": nd.array([[1.0, 2.0]]), "aux:bn_moving_mean": nd.array([5.0]),
                    "plain": nd.array([7.0])})
    load = mx.init.Load(fname, default_init=mx.init.Constant(9.0))
    w, m, o = nd.zeros((1, 2)), nd.zeros((1,)), nd.zeros((3,))
    load("fc_weight", w)
    load("bn_moving_mean", m)
    load("other_weight", o)
    assert w.asnumpy().tolist() == [[1, 2]] and m.asnumpy().tolist() == [5]
    assert o.asnumpy().tolist() == [9, 9, 9] and "plain" in load.param
    with pytest.raises(MXNetError, match="Shape mismatch, target \\(3,\\) vs loaded \\(1, 2\\)"):
        load("fc_weight", nd.zeros((3,)))
    with pytest.raises(MXNetError, match="Cannot Initialize missing"):
        mx.init.Load({"a": nd.zeros(1)})("missing", nd.zeros(1))


def test_registry_create_and_custom_initializer():
    assert isinstance(mx.init.create("zeros"), mx.init.Zero)
    assert isinstance(mx.initializer.create("Xavier", magnitude=2), mx.init.Xavier)
    x = mx.init.create('["xavier", {"rnd_type": "gaussian", "magnitude": 2.0}]')
    assert x.rnd_type == "gaussian" and x.magnitude == 2.0
    u = mx.init.Uniform(0.2)
    assert mx.init.create(u) is u and mx.init.create(u.dumps()) == u
    assert isinstance(mx.init.create({"initializer": "one"}), mx.init.One)
    with pytest.raises(MXNetError, match="nosuch is not registered.*xavier"):
        mx.init.create("nosuch")

    @mx.init.register
    @mx.init.alias("mytenth")
    class TenthInit(mx.init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 0.1
    arr = nd.zeros((2,))
    mx.init.Xavier()(mx.init.InitDesc("v_weight", attrs={"__init__": "mytenth"}), arr)
    np.testing.assert_allclose(arr.asnumpy(), [0.1, 0.1], rtol=1e-6)
    assert mx.init.create("tenthinit").dumps() == '["tenthinit", {}]'


@pytest.mark.parametrize("call,match", [
    (lambda: mx.init.Xavier()(mx.init.InitDesc("v_weight"), nd.zeros((5,))),
     "Xavier initializer cannot be applied to vector v_weight"),
    (lambda: mx.init.Xavier(factor_type="sideways")(mx.init.InitDesc("v_weight"),
                                                    nd.zeros((2, 2))), "Incorrect factor type"),
    (lambda: mx.init.Xavier(rnd_type="cauchy")(mx.init.InitDesc("v_weight"), nd.zeros((2, 2))),
     "Unknown random type"),
    (lambda: mx.init.Uniform()(mx.init.InitDesc("data"), nd.zeros(2)),
     "Unknown initialization pattern for data"),
    (lambda: mx.init.Uniform()(mx.init.InitDesc("x_weight"), np.zeros(2)), "must be NDArray"),
    (lambda: mx.init.Initializer()(mx.init.InitDesc("x_weight"), nd.zeros(2)), "Must override"),
    (lambda: mx.init.create("[not json"), "malformed initializer JSON"),
    (lambda: mx.init.FusedRNN(None, 4, 1, "lstm")(mx.init.InitDesc("rnn_weight"),
                                                   nd.zeros(8)), "FusedRNNCell"),
])
def test_bad_input(call, match):
    with pytest.raises((MXNetError, NotImplementedError), match=match):
        call()
