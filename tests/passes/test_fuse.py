"""fuse: before/expected graphs.  What is fused (chains and DAGs of elementwise, broadcast and
scalar ops, backward ops) and what is not and why (a non-elementwise op, a shape change, a
cycle through another op, the forward/backward boundary); values used outside a group become
extra kernel outputs; the fused graph gives the unfused graph's results in the reference
interpreter and with the generated kernels; kernels are keyed by structure, never shapes."""
import numpy as np
import pytest

import framework as mx
from compiler import reference
from compiler.errors import MXNetError
from compiler.ir.graph import Graph
from compiler.ir.verify import verify
from compiler.ops import fused as fused_mod
from compiler.passes import fuse as fuse_mod
from compiler.passes.fuse import fuse
from compiler.passes.gradient import gradient
from tests.passes.fusion_util import fused_nodes, ops, prep, run_kernels

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _fresh_names():
    with mx.name.NameManager():
        yield


def _arrays(graph, scale=1.0, dtype=None):
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    return {v.name: (RNG.standard_normal(shapes[(id(v), 0)]) * scale)
            .astype(dtype or dtypes[(id(v), 0)]) for v in graph.variables()}


def _same(before, after, arrays, rtol=1e-6, atol=1e-6):
    """Reference(before) == reference(after) == kernels(after)."""
    want = reference.run(before, dict(arrays))
    got_ref = reference.run(after, dict(arrays))
    got_kern = run_kernels(after, arrays)
    for w, r, k in zip(want, got_ref, got_kern):
        assert r.dtype == w.dtype and k.dtype == w.dtype and r.shape == w.shape
        np.testing.assert_allclose(r, w, rtol=rtol, atol=atol)
        np.testing.assert_allclose(k, w, rtol=max(rtol, 2e-6), atol=max(atol, 2e-6))


def _chain():
    x, a, b = (mx.sym.Variable(n) for n in "xab")
    return mx.sym.relu(x * a + b) * mx.sym.sigmoid(x) - mx.sym.tanh(x) / 2


def test_chain_becomes_one_kernel():
    before = prep(_chain(), {"x": (4, 5), "a": (4, 5), "b": (4, 5)})
    snapshot = [(n, list(n.inputs)) for n in before.nodes], dict(before.attrs)
    after = verify(fuse(before))
    assert ops(after) == ["_FusedElementwise"]
    node = fused_nodes(after)[0]
    assert [m.op.name for m in node.op.members] == [
        "elemwise_mul", "elemwise_add", "relu", "sigmoid", "elemwise_mul", "tanh",
        "_div_scalar", "elemwise_sub"]
    assert node.name == "fused_elemwise_mul_elemwise_add_relu_sigmoid_tanh_div_scalar_etc"
    assert [e.node.name for e in node.inputs] == ["x", "a", "b"]
    assert node.op.input_names(None) == ["x", "a", "b"]
    assert after.attrs["fusion"] == {"groups": 1, "fused_nodes": 8}
    assert after.attrs["shape"][after.outputs[0].key()] == (4, 5)
    assert after.attrs["dtype"][after.outputs[0].key()] == "float32"
    # pure: the input graph is untouched
    assert [(n, list(n.inputs)) for n in before.nodes] == snapshot[0]
    assert before.attrs == snapshot[1]
    _same(before, after, _arrays(before))


def test_generated_source_renames_every_member():
    after = fuse(prep(_chain(), {"x": (3,), "a": (3,), "b": (3,)}))
    op = fused_nodes(after)[0].op
    spec = op.spec
    assert spec.inputs == ("a0", "a1", "a2") and spec.params == ("c0",)
    assert op.params == (np.float32(2.0),)
    body = dict(spec.body)
    assert body["t0"] == "np.float32(a0 * a1)"
    assert body["t2"] == "np.float32(relu(t1))"
    assert body["t3"] == "np.float32(fast_sigmoid_f32(a0))"     # float32: the SIMD helpers
    assert body["t6"] == "np.float32(div(t5, c0))"
    assert spec.outputs == ("t7",)
    assert "def kernel(out0, in0, in1, in2, p_c0)" in op.source()


def test_kernels_are_keyed_by_structure_and_dtype_never_shape_or_scalar():
    s1 = _chain()
    g1 = fuse(prep(s1, {"x": (2, 3), "a": (2, 3), "b": (2, 3)}))
    g2 = fuse(prep(s1, {"x": (7,), "a": (7,), "b": (7,)}))
    x, a, b = (mx.sym.Variable(n) for n in "xab")
    other_scalar = mx.sym.relu(x * a + b) * mx.sym.sigmoid(x) - mx.sym.tanh(x) / 5
    g3 = fuse(prep(other_scalar, {"x": (4,), "a": (4,), "b": (4,)}))
    g4 = fuse(prep(s1, {"x": (4,), "a": (4,), "b": (4,)}, "float64"))
    specs = [fused_nodes(g)[0].op.spec for g in (g1, g2, g3, g4)]
    assert specs[0] is specs[1] is specs[2]        # one spec, hence one compiled kernel
    assert specs[3] is not specs[0]                # float64: other casts, exact libm calls
    assert "fast_" not in repr(specs[3].key()) and "np.float64(" in repr(specs[3].key())
    assert fused_nodes(g3)[0].op.params == (np.float32(5.0),)


def test_a_non_elementwise_op_ends_groups():
    x = mx.sym.Variable("x")
    h = mx.sym.sqrt(mx.sym.abs(x) + 1)
    h = mx.sym.FullyConnected(h, num_hidden=3, name="fc")
    y = mx.sym.relu(h) * 3
    before = prep(y, {"x": (2, 4)})
    after = verify(fuse(before))
    assert ops(after) == ["_FusedElementwise", "FullyConnected", "_FusedElementwise"]
    first, second = fused_nodes(after)
    assert [m.op.name for m in first.op.members] == ["abs", "_plus_scalar", "sqrt"]
    assert [m.op.name for m in second.op.members] == ["relu", "_mul_scalar"]
    fc = [n for n in after.nodes if n.op_name == "FullyConnected"][0]
    assert fc.inputs[0].node is first and fc.name == "fc"
    _same(before, after, _arrays(before))


def test_a_shape_change_ends_a_group():
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    col = mx.sym.sqrt(mx.sym.abs(x) + 1)              # (3, 1)
    out = mx.sym.relu(mx.sym.broadcast_add(col, y)) * 2   # (3, 4)
    before = prep(out, {"x": (3, 1), "y": (1, 4)})
    after = verify(fuse(before))
    small, big = fused_nodes(after)
    assert [m.op.name for m in small.op.members] == ["abs", "_plus_scalar", "sqrt"]
    assert [m.op.name for m in big.op.members] == ["broadcast_add", "relu", "_mul_scalar"]
    assert after.attrs["shape"][(id(small), 0)] == (3, 1)
    assert after.attrs["shape"][(id(big), 0)] == (3, 4)
    assert big.inputs[0].node is small                # broadcast inside the big kernel
    _same(before, after, _arrays(before))


def test_merging_through_another_op_would_make_a_cycle():
    x = mx.sym.Variable("x")
    a = x * 2                                          # a feeds softmax and the product
    s = mx.sym.softmax(a)
    y = a * s + 1
    before = prep(y, {"x": (2, 3)})
    after = verify(fuse(before))
    # {a, product} would need softmax both after and before the fused node
    assert ops(after) == ["_mul_scalar", "softmax", "_FusedElementwise"]
    (node,) = fused_nodes(after)
    assert [m.op.name for m in node.op.members] == ["elemwise_mul", "_plus_scalar"]
    _same(before, after, _arrays(before))


def test_a_value_used_outside_the_group_becomes_an_extra_output():
    x = mx.sym.Variable("x")
    t = mx.sym.abs(x) * 2                              # used by the add and by sum
    y = mx.sym.broadcast_add(t + 1, mx.sym.sum(t, axis=1, keepdims=True))
    before = prep(y, {"x": (3, 4)})
    after = verify(fuse(before))
    # the add cannot join: sum sits between the group and it (a cycle once contracted)
    assert ops(after) == ["_FusedElementwise", "sum", "broadcast_add"]
    first = fused_nodes(after)[0]
    assert [m.op.name for m in first.op.members] == ["abs", "_mul_scalar", "_plus_scalar"]
    assert first.num_outputs() == 2                   # t (for sum) and t + 1
    assert first.op.output_names(None) == ["_mulscalar0", "_plusscalar0"]
    total = [n for n in after.nodes if n.op_name == "sum"][0]
    assert total.inputs[0].node is first and total.inputs[0].index == 0
    add = after.outputs[0].node
    assert [(e.node, e.index) for e in add.inputs] == [(first, 1), (total, 0)]
    _same(before, after, _arrays(before))


def test_graph_outputs_inside_a_group_are_kernel_outputs():
    x = mx.sym.Variable("x")
    t = mx.sym.abs(x) + 1
    before = prep(mx.sym.Group([t, mx.sym.sqrt(t) * 3]), {"x": (5,)})
    after = verify(fuse(before))
    (node,) = fused_nodes(after)
    assert [(e.node is node, e.index) for e in after.outputs] == [(True, 0), (True, 1)]
    _same(before, after, _arrays(before))


def test_single_nodes_stay_unless_the_fast_helpers_apply():
    x = mx.sym.Variable("x")
    a = mx.sym.FullyConnected(x, num_hidden=4, name="fc")
    y = mx.sym.FullyConnected(mx.sym.relu(a), num_hidden=4, name="fc2")
    z = mx.sym.FullyConnected(mx.sym.Activation(y, act_type="tanh", name="t1"), num_hidden=2)
    before = prep(z, {"x": (2, 3)})
    after = verify(fuse(before))
    assert ops(after) == ["FullyConnected", "relu", "FullyConnected", "_FusedElementwise",
                          "FullyConnected"]
    assert fused_nodes(after)[0].name == "fused_t1"
    _same(before, after, _arrays(before))
    before64 = prep(z, {"x": (2, 3)}, "float64")       # no approximation in float64
    assert "_FusedElementwise" not in ops(fuse(before64))


def test_fast_math_switch(monkeypatch):
    monkeypatch.setenv("MXNET_FUSED_FAST_MATH", "0")
    after = fuse(prep(_chain(), {"x": (3,), "a": (3,), "b": (3,)}))
    body = dict(fused_nodes(after)[0].op.spec.body)
    assert body["t3"] == "np.float32(sigmoid(a0))" and body["t5"] == "np.float32(math.tanh(a0))"


def test_integer_and_mixed_dtypes_round_where_the_unfused_nodes_store():
    x = mx.sym.Variable("x")
    y = mx.sym.Cast(x * 3 + 2.7, dtype="float32") / 4   # int32 ops: the scalar truncates
    z = mx.sym.Cast(mx.sym.sqrt(y + 0.5), dtype="float64") * 1.5
    before = prep(z, {"x": (6,)}, "int32")
    after = verify(fuse(before))
    (node,) = fused_nodes(after)
    assert [m.op.name for m in node.op.members] == [
        "_mul_scalar", "_plus_scalar", "Cast", "_div_scalar", "_plus_scalar", "sqrt", "Cast",
        "_mul_scalar"]
    assert after.attrs["dtype"][after.outputs[0].key()] == "float64"
    arrays = {"x": np.arange(-3, 3, dtype=np.int32) * 7}
    _same(before, after, arrays)
    with np.errstate(invalid="ignore"):
        want = (np.sqrt(((arrays["x"] * 3 + 2) / np.float32(4)).astype(np.float32) + 0.5)
                .astype(np.float64) * 1.5)
    np.testing.assert_allclose(run_kernels(after, arrays)[0], want, rtol=1e-6)


def test_float16_groups_compute_in_float32():
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    before = prep(mx.sym.exp(mx.sym.broadcast_mul(x, y)) - 1, {"x": (3, 4), "y": (1, 4)},
                  "float16")
    after = verify(fuse(before))
    (node,) = fused_nodes(after)
    arrays = _arrays(before, 0.5)
    got = run_kernels(after, arrays)[0]
    want = reference.run(before, dict(arrays))[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), rtol=2e-3,
                               atol=2e-3)


def test_multi_output_members_and_add_n():
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    g = mx.sym.op._backward_div(mx.sym.abs(x), x + 2, y * y + 1)
    total = mx.sym.add_n(g[0], g[1] * 2, x)
    before = prep(total, {"x": (2, 3), "y": (2, 3)})
    after = verify(fuse(before))
    (node,) = fused_nodes(after)
    assert "_backward_div" in [m.op.name for m in node.op.members]
    assert "add_n" in [m.op.name for m in node.op.members]
    _same(before, after, _arrays(before), rtol=1e-5)


def test_backward_graph_is_fused_without_crossing_the_forward_boundary():
    x, w = mx.sym.Variable("x"), mx.sym.Variable("w")
    y = mx.sym.sigmoid(mx.sym.broadcast_mul(x, w)) * mx.sym.tanh(x) + mx.sym.relu(x)
    before = gradient(prep(y, {"x": (3, 4), "w": (1, 4)}), {"x": "write", "w": "write"})
    after = verify(fuse(before))
    backward = after.attrs["backward_nodes"]
    fwd_fused = [n for n in fused_nodes(after) if id(n) not in backward]
    bwd_fused = [n for n in fused_nodes(after) if id(n) in backward]
    assert len(fwd_fused) == 1 and bwd_fused
    members = [m.op.name for n in bwd_fused for m in n.op.members]
    assert "_backward_sigmoid" in members and "_backward_tanh" in members
    old_backward = before.attrs["backward_nodes"]
    for n in fused_nodes(after):          # each group entirely forward or backward
        sides = {id(m) in old_backward for m in n.op.members}
        assert len(sides) == 1
    # every remaining op node is either forward or backward exactly as before
    fwd_names = {n.name for n in before.nodes if id(n) not in old_backward}
    for n in after.nodes:
        if not n.is_variable and n.op.name != "_FusedElementwise":
            assert (id(n) in backward) == (n.name not in fwd_names)
    arrays = _arrays(before)
    _same(before, after, arrays, rtol=1e-5, atol=1e-6)
    assert set(after.attrs["shape"]) == {(id(n), i) for n in after.nodes
                                         for i in range(n.num_outputs())}


def test_fusing_twice_changes_nothing():
    before = prep(_chain(), {"x": (3,), "a": (3,), "b": (3,)})
    once = fuse(before)
    twice = verify(fuse(once))
    assert [n.name for n in twice.nodes] == [n.name for n in once.nodes]
    assert twice.attrs["fusion"]["groups"] == 0


def test_member_limit(monkeypatch):
    monkeypatch.setattr(fuse_mod, "MAX_MEMBERS", 3)
    x = mx.sym.Variable("x")
    y = x
    for _ in range(7):
        y = mx.sym.abs(y) + 1
    before = prep(y, {"x": (4,)})
    after = verify(fuse(before))
    assert all(len(n.op.members) <= 3 for n in fused_nodes(after))
    assert sum(len(n.op.members) for n in fused_nodes(after)) == 14
    _same(before, after, _arrays(before))


def test_needs_inference_and_reports_bad_inputs():
    x = mx.sym.Variable("x")
    with pytest.raises(MXNetError, match="infer_shape and infer_type"):
        fuse(Graph((mx.sym.abs(x) + 1)._outputs))
    after = fuse(prep(mx.sym.abs(x) + 1, {"x": (2, 3)}))
    op = fused_nodes(after)[0].op
    with pytest.raises(MXNetError, match="does not broadcast"):
        op.kernel("cpu")(None, [np.ones((3, 3), np.float32)], [np.empty((2, 3), np.float32)],
                         None)
    with pytest.raises(MXNetError, match="expects 1 inputs and 1 outputs"):
        op.kernel("cpu")(None, [], [np.empty((2, 3), np.float32)], None)


def test_fused_inference_composes_the_members():
    after = fuse(prep(_chain(), {"x": (2, 3), "a": (2, 3), "b": (2, 3)}))
    op = fused_nodes(after)[0].op
    assert op.infer_shape(None, [(5, 6), (5, 6), (5, 6)]) == ([(5, 6)] * 3, [(5, 6)])
    assert op.infer_shape(None, [None, None, None]) == ([None, None, None], [None])
    assert op.infer_type(None, ["float64", None, None]) == (["float64"] * 3, ["float64"])
    with pytest.raises(MXNetError, match="member elemwise_mul"):
        op.infer_shape(None, [(5, 6), (5, 7), None])


def test_describe_lists_the_members():
    after = fuse(prep(mx.sym.sqrt(mx.sym.abs(mx.sym.Variable("x")) + 1), {"x": (2,)}))
    assert fused_nodes(after)[0].op.describe() == [
        "abs0 = abs(x)", "_plusscalar0 = _plus_scalar(abs0) {scalar=1}",
        "sqrt0 = sqrt(_plusscalar0)"]


def test_fused_kernel_cache_module_is_named_by_the_group(tmp_path):
    after = fuse(prep(_chain(), {"x": (3,), "a": (3,), "b": (3,)}))
    assert fused_nodes(after)[0].op.spec.tag == "fused_elemwise_mul_elemw"
    assert fused_mod._SPECS[fused_nodes(after)[0].op.spec.key()] is fused_nodes(after)[0].op.spec
