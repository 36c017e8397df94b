"""MXNet's automatic naming: hints, counters per NameManager, Prefix, generated variables,
AttrScope, and the op each Python operator builds (checked against MXNet 1.9.1)."""
import json

import pytest

import framework as mx


@pytest.fixture(autouse=True)
def fresh_names():
    with mx.name.NameManager():
        yield


def _ops(sym):
    return [(n["op"], n["name"], n.get("attrs")) for n in json.loads(sym.tojson())["nodes"]
            if n["op"] != "null"]


def test_unnamed_ops_count_per_hint():
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=10)
    assert fc.name == "fullyconnected0"
    assert fc.list_arguments() == ["data", "fullyconnected0_weight", "fullyconnected0_bias"]
    act = mx.sym.Activation(fc, act_type="relu")
    assert act.name == "activation0"
    assert mx.sym.Activation(act, act_type="relu").name == "activation1"
    assert mx.sym.FullyConnected(data, num_hidden=3).name == "fullyconnected1"
    # the hint is the lowercased function name: aliases of one op share a counter
    assert mx.sym.Flatten(data).name == "flatten0"
    assert mx.sym.flatten(data).name == "flatten1"
    assert mx.sym.concat(data, data).name == "concat0"
    assert mx.sym.Concat(data, data).name == "concat1"
    with mx.name.NameManager():
        assert mx.sym.FullyConnected(data, num_hidden=3).name == "fullyconnected0"
    assert mx.sym.FullyConnected(data, num_hidden=3).name == "fullyconnected2"


def test_named_ops_create_named_variables():
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc1")
    assert fc.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    assert mx.sym.FullyConnected(data, num_hidden=3, no_bias=True, name="nb").list_arguments() \
        == ["data", "nb_weight"]
    bn = mx.sym.BatchNorm(name="bn")
    assert bn.list_arguments() == ["bn_data", "bn_gamma", "bn_beta"]
    assert bn.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert bn.list_inputs() == ["bn_data", "bn_gamma", "bn_beta", "bn_moving_mean",
                                "bn_moving_var"]
    sm = mx.sym.SoftmaxOutput(fc, name="softmax")
    assert sm.list_arguments()[-1] == "softmax_label"


def test_generated_variables_carry_the_op_attributes():
    data = mx.sym.Variable("data")
    with mx.AttrScope(ctx_group="dev1", __bar__="1"):
        fc = mx.sym.FullyConnected(data, num_hidden=3, name="f4", attr={"__baz__": "q"})
    d = fc.attr_dict()
    assert d["f4_weight"] == {"num_hidden": "3", "__bar__": "1", "__baz__": "q",
                              "__ctx_group__": "dev1", "ctx_group": "dev1"}
    assert "data" not in d                       # created outside the scope
    bn = mx.sym.BatchNorm(data, fix_gamma=False, name="bn")
    assert bn.attr_dict()["bn_moving_var"] == {"__init__": '["one", {}]', "fix_gamma": "False"}


def test_prefix_applies_to_given_and_generated_names():
    data = mx.sym.Variable("data")
    with mx.name.Prefix("p_"):
        a = mx.sym.FullyConnected(data, num_hidden=3)
        b = mx.sym.FullyConnected(data, num_hidden=3, name="named")
    assert a.list_arguments() == ["data", "p_fullyconnected0_weight", "p_fullyconnected0_bias"]
    assert b.list_arguments() == ["data", "p_named_weight", "p_named_bias"]
    assert mx.sym.FullyConnected(data, num_hidden=3).name == "fullyconnected0"


def test_attr_scope_nesting_and_values():
    with mx.AttrScope(group="a"):
        with mx.AttrScope(stage="2"):
            v = mx.sym.Variable("v")
        w = mx.sym.Variable("w", attr={"group": "mine"})
    assert v.list_attr() == {"group": "a", "stage": "2"}
    assert w.list_attr() == {"group": "mine"}
    with pytest.raises(ValueError, match="Attributes need to be string"):
        mx.AttrScope(x=1)


ARITH = [
    (lambda x, y: x + y, "elemwise_add", "_plus0", None),
    (lambda x, y: x - y, "elemwise_sub", "_minus0", None),
    (lambda x, y: x * y, "elemwise_mul", "_mul0", None),
    (lambda x, y: x / y, "elemwise_div", "_div0", None),
    (lambda x, y: x % y, "_mod", "_mod0", None),
    (lambda x, y: x ** y, "_power", "_power0", None),
    (lambda x, y: x + 2, "_plus_scalar", "_plusscalar0", "2"),
    (lambda x, y: 2 + x, "_plus_scalar", "_plusscalar0", "2"),
    (lambda x, y: x - 2, "_minus_scalar", "_minusscalar0", "2"),
    (lambda x, y: 2 - x, "_rminus_scalar", "_rminusscalar0", "2"),
    (lambda x, y: x * 2.5, "_mul_scalar", "_mulscalar0", "2.5"),
    (lambda x, y: x / 2, "_div_scalar", "_divscalar0", "2"),
    (lambda x, y: 2 / x, "_rdiv_scalar", "_rdivscalar0", "2"),
    (lambda x, y: x % 2, "_mod_scalar", "_modscalar0", "2"),
    (lambda x, y: 2 % x, "_rmod_scalar", "_rmodscalar0", "2"),
    (lambda x, y: x ** 2, "_power_scalar", "_powerscalar0", "2"),
    (lambda x, y: 2 ** x, "_rpower_scalar", "_rpower_scalar0", "2"),
    (lambda x, y: -x, "_mul_scalar", "_mulscalar0", "-1.0"),
    (lambda x, y: abs(x), "abs", "abs0", None),
    (lambda x, y: x > y, "_greater", "_greater0", None),
    (lambda x, y: x >= y, "_greater_equal", "_greater_equal0", None),
    (lambda x, y: x < y, "_lesser", "_lesser0", None),
    (lambda x, y: x <= y, "_lesser_equal", "_lesser_equal0", None),
    (lambda x, y: x == y, "_equal", "_equal0", None),
    (lambda x, y: x != y, "_not_equal", "_not_equal0", None),
    (lambda x, y: x > 2, "_greater_scalar", "_greater_scalar0", "2"),
    (lambda x, y: 2 > x, "_lesser_scalar", "_lesser_scalar0", "2"),
    (lambda x, y: x >= 2, "_greater_equal_scalar", "_greater_equal_scalar0", "2"),
    (lambda x, y: x <= 2, "_lesser_equal_scalar", "_lesser_equal_scalar0", "2"),
    (lambda x, y: x == 2, "_equal_scalar", "_equal_scalar0", "2"),
    (lambda x, y: x != 2, "_not_equal_scalar", "_not_equal_scalar0", "2"),
    (lambda x, y: mx.sym.maximum(x, y), "_maximum", "_maximum0", None),
    (lambda x, y: mx.sym.minimum(3, x), "_minimum_scalar", "_minimumscalar0", "3"),
    (lambda x, y: mx.sym.pow(2, x), "_rpower_scalar", "_rpowerscalar0", "2"),
]


@pytest.mark.parametrize("i", range(len(ARITH)))
def test_operators_build_mxnet_ops(i):
    """Symbol + Symbol is elemwise_add (`_Plus`), unlike NDArray's broadcast_add."""
    fn, op, name, scalar = ARITH[i]
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    with mx.name.NameManager():
        (got,) = _ops(fn(x, y))
    assert got[:2] == (op, name)
    assert got[2] == (None if scalar is None else {"scalar": scalar})


def test_operator_type_errors():
    x = mx.sym.Variable("x")
    with pytest.raises(TypeError, match="type .*str.* not supported"):
        x + "a"
    with pytest.raises(TypeError):
        "a" - x
    with pytest.raises(mx.base.NotImplementedForSymbol, match=r'operator "\+="'):
        x += 1
    with pytest.raises(mx.base.NotImplementedForSymbol, match=r"namely operator \"bool\""):
        bool(x)
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
