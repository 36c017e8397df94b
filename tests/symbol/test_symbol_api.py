"""Symbol API behaviour (values checked against MXNet 1.9.1): indexing, groups, internals,
attributes, composition, copies, inference conventions, eval, namespaces."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError


@pytest.fixture(autouse=True)
def fresh_names():
    with mx.name.NameManager():
        yield


def _mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(act, num_hidden=3, name="fc2"),
                                name="softmax")


def test_indexing_and_groups():
    data = mx.sym.Variable("data")
    sp = mx.sym.SliceChannel(data, num_outputs=3, name="sp")
    assert len(sp) == 3 and sp.list_outputs() == ["sp_output0", "sp_output1", "sp_output2"]
    assert repr(sp[1]) == "<Symbol sp>" and sp[1].list_outputs() == ["sp_output1"]
    assert sp["sp_output2"].list_outputs() == ["sp_output2"]
    assert sp[1:].list_outputs() == ["sp_output1", "sp_output2"]
    assert [s.list_outputs()[0] for s in sp] == sp.list_outputs()
    with pytest.raises(IndexError):
        sp[3]
    with pytest.raises(ValueError, match='Cannot find output that matches name "nope"'):
        sp["nope"]
    fc = mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    g = mx.sym.Group([fc, sp[1]])
    assert g.name is None and repr(g) == "<Symbol group [fc, sp]>"
    assert g.list_outputs() == ["fc_output", "sp_output1"]
    assert mx.sym.Group([g, data]).list_outputs() == ["fc_output", "sp_output1", "data"]
    with pytest.raises(TypeError, match="Expected a list of symbols"):
        mx.sym.Group([])


def test_internals_and_children():
    net = _mlp()
    internals = net.get_internals()
    assert internals.list_outputs() == [
        "data", "fc1_weight", "fc1_bias", "fc1_output", "relu1_output", "fc2_weight",
        "fc2_bias", "fc2_output", "softmax_label", "softmax_output"]
    fc1 = internals["fc1_output"]
    assert fc1.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    assert net.get_children().list_outputs() == ["fc2_output", "softmax_label"]
    assert mx.sym.Variable("q").get_children() is None
    bn = mx.sym.BatchNorm(mx.sym.Variable("x"), output_mean_var=True, name="bn")
    assert bn.list_outputs() == ["bn_output", "bn_mean", "bn_var"]
    assert mx.sym.BatchNorm(mx.sym.Variable("x"), name="b2").get_internals().list_outputs()[-1] \
        == "b2_output"                                    # hidden outputs stay hidden
    drop = mx.sym.Dropout(mx.sym.Variable("x"), name="d")
    assert len(drop) == 1 and drop.get_internals().list_outputs() == ["x", "d_output"]


def test_attributes():
    w = mx.sym.Variable("w", attr={"lr_mult": "3", "mood": "calm"}, dtype="float16",
                        stype="row_sparse", __layout__="NC")
    assert w.list_attr() == {"__lr_mult__": "3", "lr_mult": "3", "mood": "calm",
                             "__dtype__": "2", "__storage_type__": "1", "__layout__": "NC"}
    assert w.attr("lr_mult") == "3" and w.attr("__lr_mult__") == "3" and w.attr("x") is None
    assert w.attr("name") == "w"
    w._set_attr(ctx_group="g1", name="w_renamed")
    assert w.name == "w_renamed" and w.attr("__ctx_group__") == "g1"
    with pytest.raises(ValueError, match="Set Attr only accepts string values"):
        w._set_attr(x=1)
    with pytest.raises(MXNetError, match="weight_lr_mult is deprecated"):
        w._set_attr(weight_lr_mult="1")
    with pytest.raises(ValueError, match="Additional attributes must start and end"):
        mx.sym.Variable("v", foo=1)
    with pytest.raises(TypeError, match="Expect a string for variable"):
        mx.sym.Variable(3)
    fc = mx.sym.FullyConnected(w, num_hidden=3, name="fc")
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc': attribute 'num_hidden'"):
        fc._set_attr(num_hidden="x")
    assert fc.attr("num_hidden") == "3"                  # rolled back
    g = mx.sym.Group([w, fc])
    assert g.attr("num_hidden") is None
    with pytest.raises(MXNetError, match="only works for non-grouped symbol"):
        g._set_attr(a="b")

    class Init:
        def dumps(self):
            return '["xavier", {}]'
    assert mx.sym.var("i", init=Init()).attr("__init__") == '["xavier", {}]'


def test_variable_shape_dtype_and_mults():
    v = mx.sym.var("v", shape=(3, 4), lr_mult=2, wd_mult=0.5, dtype=np.float64)
    assert v.list_attr() == {"__shape__": "(3, 4)", "__lr_mult__": "2", "lr_mult": "2",
                             "__wd_mult__": "0.5", "wd_mult": "0.5", "__dtype__": "1"}
    assert v.infer_shape() == ([(3, 4)], [(3, 4)], [])
    assert v.infer_type() == ([np.float64], [np.float64], [])
    assert v.debug_str() == "Variable:v\n"


def test_composition_by_call():
    data = mx.sym.Variable("data")
    net1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=10)
    net2 = mx.sym.FullyConnected(name="fc3", num_hidden=10)
    assert net2.list_arguments() == ["fc3_data", "fc3_weight", "fc3_bias"]
    composed = net2(fc3_data=net1, name="composed")
    assert composed.name == "composed"
    assert composed.list_arguments() == ["data", "fc1_weight", "fc1_bias", "fc3_weight",
                                         "fc3_bias"]
    assert net2.list_arguments() == ["fc3_data", "fc3_weight", "fc3_bias"]   # a copy
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    e = x * 2 + y
    f = e(x=data)
    assert f.name == e.name and f.list_arguments() == ["data", "y"]
    with pytest.raises(MXNetError, match=r"keyword argument name z not found"):
        e(z=data)
    with pytest.raises(TypeError, match="only supports keyword arguments"):
        e(data)
    with pytest.raises(MXNetError, match="Variable 'x' cannot be composed"):
        x(y=data)
    with pytest.raises(TypeError, match="Compose expect `Symbol`"):
        e(x=3)


def test_op_call_errors():
    x = mx.sym.Variable("x")
    with pytest.raises(MXNetError, match=r"FullyConnected 'fullyconnected0': attribute "
                                         r"'num_hidden' has invalid value 'abc'"):
        mx.sym.FullyConnected(x, num_hidden="abc")
    with pytest.raises(MXNetError, match=r"unknown attribute 'foo'"):
        mx.sym.FullyConnected(x, num_hidden=3, foo=2)
    with pytest.raises(MXNetError, match=r"keyword argument name bias not found"):
        mx.sym.FullyConnected(x, num_hidden=3, no_bias=True, bias=x)
    with pytest.raises(TypeError, match=r"multiple values for argument 'num_hidden'"):
        mx.sym.FullyConnected(x, x, x, 4, num_hidden=3)
    with pytest.raises(TypeError, match=r"argument weight must be a Symbol"):
        mx.sym.FullyConnected(x, 5, num_hidden=3)
    with pytest.raises(MXNetError, match=r"aux state input 'moving_mean' must be a variable"):
        mx.sym.BatchNorm(x, moving_mean=x + 1)
    s = mx.sym.FullyConnected(x, None, None, 5, name="pos")   # attributes by position
    assert s.attr("num_hidden") == "5"
    assert mx.sym.sum(x, 1).attr("axis") == "1"


def test_copy_and_pickle_share_nothing():
    net = _mlp()
    for other in (copy.copy(net), copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert other.tojson() == net.tojson()
        other._set_attr(name="changed")
        assert net.name == "softmax"


def test_infer_shape_conventions():
    net = _mlp()
    assert net.infer_shape(data=(4, 5))[1] == [(4, 3)]
    args, outs, aux = net.infer_shape((4, 5))               # positional: list_arguments order
    assert args[1] == (8, 5) and outs == [(4, 3)] and aux == []
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert net.infer_shape() == (None, None, None)
    args, outs, aux = net.infer_shape_partial(fc1_weight=(8, 5))
    assert args[0] == () and args[1] == (8, 5) and outs == [()]
    with pytest.raises(TypeError, match=r"Arguments need to be shapes \(tuple\)"):
        net.infer_shape(data=[4, 5])
    with pytest.raises(ValueError, match="either by positional or kwargs"):
        net.infer_shape((4, 5), data=(4, 5))
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': .*\(8, 6\)"):
        net.infer_shape(data=(4, 5), fc1_weight=(8, 6))


def test_infer_type_conventions():
    net = _mlp()
    args, outs, aux = net.infer_type(data="float64")
    assert args == [np.float64] * 6 and outs == [np.float64] and aux == []
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert net.infer_type() == (None, None, None)
    args, _, _ = net.infer_type_partial()
    assert args == [None] * 6


def test_eval_and_binding():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    out = (a + b * 2).eval(ctx=mx.cpu(), a=mx.nd.ones((2, 3)), b=mx.nd.ones((2, 3)))
    assert isinstance(out, list) and len(out) == 1
    np.testing.assert_array_equal(out[0].asnumpy(), np.full((2, 3), 3, np.float32))
    with pytest.raises(MXNetError, match=r"`b` is missing in `args` \(expected shapes: b: \(2, 3\)\)"):
        (a + b).eval(a=mx.nd.ones((2, 3)))
    exe = (a + b).bind(mx.cpu(), {"a": mx.nd.ones((2, 3)), "b": mx.nd.ones((2, 3))})
    np.testing.assert_array_equal(exe.forward()[0].asnumpy(), np.full((2, 3), 2, np.float32))
    exe = (a + b).simple_bind(mx.cpu(), a=(2, 3))
    assert exe.arg_dict["b"].shape == (2, 3)


def test_namespaces_mirror_ndarray():
    assert mx.symbol is mx.sym
    assert callable(mx.sym._internal._plus_scalar) and callable(mx.sym._internal._Plus)
    assert mx.sym.random.uniform is mx.sym._internal._random_uniform
    assert not hasattr(mx.sym, "_plus_scalar")
    for name in ("FullyConnected", "_backward_relu", "_reduce_sum_like", "broadcast_mul"):
        assert callable(getattr(mx.sym.op, name))
    x = mx.sym.Variable("x")
    assert x.sum(axis=1).attr("axis") == "1"
    assert x.astype("float16").attr("dtype") == "float16"
    assert x.reshape((2, -1)).attr("shape") == "(2, -1)"
    assert mx.sym.zeros((2, 3)).debug_str() == "AtomicFunctor  Op:_zeros\n"


def test_op_namespace_builds_gradient_graphs():
    """mx.sym.op is the graph-building F of gradient declarations."""
    from compiler.ops import registry
    op = registry.get("FullyConnected")
    attrs = op.parse({"num_hidden": 4})
    x, w, b = (mx.sym.Variable(n) for n in ("x", "w", "b"))
    out, og = mx.sym.Variable("out"), mx.sym.Variable("og")
    grads = op.gradient(mx.sym.op, attrs, [x, w, b], [out], [og])
    assert len(grads) == 3 and all(isinstance(g, mx.sym.Symbol) for g in grads)
    shapes = mx.sym.Group(grads).infer_shape(x=(2, 3), w=(4, 3), og=(2, 4))[1]
    assert shapes == [(2, 3), (4, 3), (4,)]
