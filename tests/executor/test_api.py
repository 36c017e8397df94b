"""The Executor API as MXNet 1.9.1 has it (behaviour checked against the real wheel):
simple_bind / bind variants, forward / backward, the array dictionaries, grad_req, reshape,
copy_params_from, the monitor callback, debug_str, the compile cache, and bad input."""
import numpy as np
import pytest

import framework as mx
import kernels.cache
from compiler import pipeline
from framework.base import MXNetError


def _mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=6, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _fill(exe, seed=0):
    rng = np.random.default_rng(seed)
    for k, v in exe.arg_dict.items():
        if k.endswith("label"):
            v[:] = rng.integers(0, 3, v.shape).astype("float32")
        else:
            v[:] = rng.standard_normal(v.shape).astype("float32")


def test_simple_bind_arrays_and_dicts():
    exe = _mlp().simple_bind(mx.cpu(), data=(4, 5))
    assert list(exe.arg_dict) == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias",
                                  "softmax_label"]
    assert [a.shape for a in exe.arg_arrays] == [(4, 5), (6, 5), (6,), (3, 6), (3,), (4,)]
    assert all(g.shape == a.shape for g, a in zip(exe.grad_arrays, exe.arg_arrays))
    assert all((a.asnumpy() == 0).all() for a in exe.arg_arrays + exe.grad_arrays)
    assert exe.aux_arrays == [] and exe.aux_dict == {}
    assert list(exe.output_dict) == ["softmax_output"]
    assert exe.outputs[0].shape == (4, 3)
    _fill(exe)
    first = exe.forward(is_train=True)
    assert first[0] is exe.outputs[0]            # outputs are persistent arrays
    before = first[0].asnumpy().copy()
    exe.arg_dict["data"][:] = 0
    second = exe.forward()
    assert second[0] is first[0] and not np.allclose(second[0].asnumpy(), before)
    np.testing.assert_allclose(second[0].asnumpy().sum(axis=1), 1, rtol=1e-6)


def test_grad_req_forms():
    sym = _mlp()
    exe = sym.simple_bind(mx.cpu(), grad_req={"fc1_weight": "write", "fc2_bias": "add"},
                          data=(4, 5))
    have = {k for k, g in exe.grad_dict.items() if g is not None}
    assert have == {"fc1_weight", "fc2_bias"}       # names left out of a dict: 'null'
    exe = sym.simple_bind(mx.cpu(), grad_req=["null", "write", "write", "add", "add", "null"],
                          data=(4, 5))
    assert [g is None for g in exe.grad_arrays] == [True, False, False, False, False, True]
    with pytest.raises(MXNetError, match=r"grad_req 'foo' for argument 'data'"):
        sym.simple_bind(mx.cpu(), grad_req="foo", data=(4, 5))
    with pytest.raises(MXNetError, match=r"grad_req 'sometimes' for argument 'fc1_bias'"):
        sym.simple_bind(mx.cpu(), grad_req={"fc1_bias": "sometimes"}, data=(4, 5))
    with pytest.raises(MXNetError, match=r"grad_req list has 1 entries for 6 arguments"):
        sym.simple_bind(mx.cpu(), grad_req=["write"], data=(4, 5))
    with pytest.raises(MXNetError, match=r"grad_req names nope, which is not an argument"):
        sym.simple_bind(mx.cpu(), grad_req={"nope": "write"}, data=(4, 5))


def test_grad_req_add_accumulates_and_write_overwrites():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    s = a * 2 + mx.sym.BlockGrad(b)
    exe = s.simple_bind(mx.cpu(), grad_req="add", a=(2,), b=(2,))
    for _ in range(2):
        exe.forward(is_train=True, a=np.ones(2), b=np.ones(2))
        exe.backward(mx.nd.ones(2))
    np.testing.assert_array_equal(exe.grad_dict["a"].asnumpy(), [4, 4])
    np.testing.assert_array_equal(exe.grad_dict["b"].asnumpy(), [0, 0])
    exe = s.simple_bind(mx.cpu(), a=(2,), b=(2,))
    exe.grad_dict["b"][:] = 5
    exe.forward(is_train=True, a=np.ones(2), b=np.ones(2))
    exe.backward(mx.nd.ones(2))
    # MXNet: an argument behind BlockGrad gets a zero gradient written
    np.testing.assert_array_equal(exe.grad_dict["b"].asnumpy(), [0, 0])
    np.testing.assert_array_equal(exe.grad_dict["a"].asnumpy(), [2, 2])


def test_shared_and_identity_gradients_get_their_own_arrays():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    exe = (a + b).simple_bind(mx.cpu(), a=(3,), b=(3,))
    exe.forward(is_train=True, a=np.ones(3), b=np.ones(3))
    exe.backward(mx.nd.array([1, 2, 3]))
    for k in "ab":
        np.testing.assert_array_equal(exe.grad_dict[k].asnumpy(), [1, 2, 3])
    exe = a.simple_bind(mx.cpu(), a=(2,))             # the output is the argument itself
    out = exe.forward(is_train=True, a=np.array([3, 4]))
    np.testing.assert_array_equal(out[0].asnumpy(), [3, 4])
    exe.backward(mx.nd.array([5, 6]))
    np.testing.assert_array_equal(exe.grad_dict["a"].asnumpy(), [5, 6])
    y = a * 3
    exe = mx.sym.Group([y, y]).simple_bind(mx.cpu(), a=(2,))
    outs = exe.forward(is_train=True, a=np.array([1, 2]))
    assert outs[0] is not outs[1]
    np.testing.assert_array_equal(outs[1].asnumpy(), [3, 6])
    exe.backward([mx.nd.ones(2), mx.nd.ones(2) * 2])
    np.testing.assert_array_equal(exe.grad_dict["a"].asnumpy(), [9, 9])


def test_backward_needs_head_gradients_unless_loss():
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    exe = fc.simple_bind(mx.cpu(), data=(2, 4))
    exe.forward(is_train=True)
    with pytest.raises(MXNetError, match=r"head_gradient is required when calling backward.*"
                                         r"output 'fc_output'"):
        exe.backward()
    with pytest.raises(MXNetError, match=r"head gradient of output 'fc_output' has shape "
                                         r"\(3, 3\), the output has shape \(2, 3\)"):
        exe.backward(mx.nd.ones((3, 3)))
    exe.arg_dict["data"][:] = 1
    exe.backward({"fc_output": mx.nd.ones((2, 3))})
    np.testing.assert_array_equal(exe.grad_dict["fc_weight"].asnumpy(), np.full((3, 4), 2))
    np.testing.assert_array_equal(exe.grad_dict["fc_bias"].asnumpy(), [2, 2, 2])
    loss = mx.sym.MakeLoss(mx.sym.sum(fc), name="loss")
    exe = loss.simple_bind(mx.cpu(), data=(2, 4))
    exe.arg_dict["data"][:] = 1
    exe.forward(is_train=True)
    exe.backward()                                     # loss layers need no head gradient
    np.testing.assert_array_equal(exe.grad_dict["fc_weight"].asnumpy(), np.full((3, 4), 2))


def test_bind_with_lists_dicts_and_no_gradients():
    sym = _mlp()
    shapes = dict(zip(sym.list_arguments(), sym.infer_shape(data=(4, 5))[0]))
    rng = np.random.default_rng(1)
    args = {k: mx.nd.array(rng.standard_normal(s)) for k, s in shapes.items()}
    exe = sym.bind(mx.cpu(), [args[k] for k in sym.list_arguments()])
    assert exe.grad_arrays == [None] * 6
    assert exe.arg_dict["fc1_weight"] is args["fc1_weight"]      # bound, not copied
    out = exe.forward()[0].asnumpy()
    exe.backward()                                               # nothing to compute
    grads = {k: mx.nd.zeros(s) for k, s in shapes.items()}
    exe2 = sym.bind(mx.cpu(), args, args_grad=grads, grad_req="write")
    np.testing.assert_allclose(exe2.forward(is_train=True)[0].asnumpy(), out, rtol=1e-6)
    exe2.backward()
    assert exe2.grad_dict["fc1_weight"] is grads["fc1_weight"]
    assert np.abs(grads["fc1_weight"].asnumpy()).sum() > 0
    partial = sym.bind(mx.cpu(), args, args_grad={"fc2_bias": mx.nd.zeros((3,))})
    assert [g is None for g in partial.grad_arrays] == [True] * 4 + [False, True]


def test_bind_missing_and_wrong_arguments_name_them():
    sym = _mlp()
    with pytest.raises(MXNetError, match=r"`fc1_weight`, `fc1_bias` are missing in `args` "
                                         r"\(expected shapes: fc1_weight: \(6, 5\), "
                                         r"fc1_bias: \(6,\)\)"):
        sym.bind(mx.cpu(), {"data": mx.nd.ones((4, 5)), "fc2_weight": mx.nd.ones((3, 6)),
                            "fc2_bias": mx.nd.ones(3), "softmax_label": mx.nd.ones(4)})
    with pytest.raises(MXNetError, match=r"bind: 1 args given for 6"):
        sym.bind(mx.cpu(), [mx.nd.ones((4, 5))])
    bad = {"data": mx.nd.ones((4, 5)), "fc1_weight": mx.nd.ones((6, 7)),
           "fc1_bias": mx.nd.ones(6), "fc2_weight": mx.nd.ones((3, 6)),
           "fc2_bias": mx.nd.ones(3), "softmax_label": mx.nd.ones(4)}
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': data shape \(4, 5\) does not "
                                         r"match weight shape \(6, 7\)"):
        sym.bind(mx.cpu(), bad)
    bn = mx.sym.BatchNorm(mx.sym.Variable("x"), name="bn")
    with pytest.raises(MXNetError, match=r"`bn_moving_mean`, `bn_moving_var` are missing in "
                                         r"`aux_states` \(expected shapes: bn_moving_mean: "
                                         r"\(3,\), bn_moving_var: \(3,\)\)"):
        bn.bind(mx.cpu(), {"x": mx.nd.ones((2, 3)), "bn_gamma": mx.nd.ones(3),
                           "bn_beta": mx.nd.ones(3)})
    with pytest.raises(MXNetError, match=r"simple_bind: cannot decide the shapes.*data: unknown"):
        sym.simple_bind(mx.cpu())


def test_forward_input_errors_name_the_argument():
    exe = _mlp().simple_bind(mx.cpu(), data=(4, 5))
    with pytest.raises(MXNetError, match=r"Shape not match! Argument data, need: \(4, 5\), "
                                         r"received: \(3, 5\)"):
        exe.forward(data=np.ones((3, 5)))
    with pytest.raises(TypeError, match=r"Unknown argument c \(arguments: data, fc1_weight"):
        exe.forward(c=np.ones((4, 5)))
    exe.forward(data=mx.nd.ones((4, 5)), softmax_label=np.arange(4) % 3)
    np.testing.assert_array_equal(exe.arg_dict["softmax_label"].asnumpy(), [0, 1, 2, 0])


def test_reshape_shares_parameters_and_compiles_no_kernel():
    sym = _mlp()
    exe = sym.simple_bind(mx.cpu(), data=(4, 5))
    _fill(exe)
    exe.forward(is_train=True)
    exe.backward()
    before = kernels.cache.stats()["signatures"]
    with pytest.raises(MXNetError, match=r"Shape of unspecified arg: softmax_label changed"):
        exe.reshape(data=(2, 5))                       # as MXNet: the label changes too
    small = exe.reshape(data=(2, 5), softmax_label=(2,))
    assert kernels.cache.stats()["signatures"] == before
    assert small.arg_dict["fc1_weight"] is exe.arg_dict["fc1_weight"]
    assert small.arg_dict["data"].shape == (2, 5) and small.outputs[0].shape == (2, 3)
    small.forward(is_train=True, data=exe.arg_dict["data"].asnumpy()[:2],
                  softmax_label=exe.arg_dict["softmax_label"].asnumpy()[:2])
    small.backward()
    assert kernels.cache.stats()["signatures"] == before
    np.testing.assert_allclose(small.outputs[0].asnumpy(), exe.outputs[0].asnumpy()[:2],
                               rtol=1e-6)
    with pytest.raises(MXNetError, match=r"New shape of arg: data is larger than original"):
        exe.reshape(data=(8, 5), softmax_label=(8,))
    big = exe.reshape(allow_up_sizing=True, data=(8, 5), softmax_label=(8,))
    assert big.arg_dict["data"].shape == (8, 5) and big.grad_dict["data"].shape == (8, 5)
    with pytest.raises(MXNetError, match=r"Shape of unspecified arg: fc1_weight changed"):
        exe.reshape(data=(4, 2))
    wide = exe.reshape(partial_shaping=True, data=(4, 2))
    assert wide.arg_dict["fc1_weight"].shape == (6, 2)


def test_copy_params_from():
    exe = _mlp().simple_bind(mx.cpu(), data=(4, 5))
    exe.copy_params_from({"fc1_bias": mx.nd.ones(6, dtype="float64")})
    np.testing.assert_array_equal(exe.arg_dict["fc1_bias"].asnumpy(), np.ones(6))
    assert exe.arg_dict["fc1_bias"].dtype == np.float32
    with pytest.raises(ValueError, match=r'Find name "zzz" that is not in the arguments'):
        exe.copy_params_from({"zzz": mx.nd.ones(2)})
    exe.copy_params_from({"zzz": mx.nd.ones(2)}, allow_extra_params=True)
    with pytest.raises(ValueError, match=r"Find name m that is not in the auxiliary states"):
        exe.copy_params_from({}, {"m": mx.nd.ones(2)})


def test_monitor_callback():
    exe = _mlp().simple_bind(mx.cpu(), data=(4, 5))
    _fill(exe)
    seen = []
    exe.set_monitor_callback(lambda name, arr: seen.append((name, arr.shape)))
    exe.forward(is_train=True)
    names = [n for n, _ in seen]
    assert "fc1_output" in names or any("fc1" in n for n in names)
    assert ("softmax_output", (4, 3)) in seen
    seen.clear()
    exe.set_monitor_callback(lambda name, arr: seen.append(name), monitor_all=True)
    exe.forward()
    assert {"fc1_data", "fc1_weight", "softmax_label", "softmax_output"} <= set(seen)
    exe.set_monitor_callback(None)
    seen.clear()
    exe.forward()
    assert seen == []


def test_debug_str_and_compile_cache():
    sym = _mlp()
    exe = sym.simple_bind(mx.cpu(), data=(4, 5))
    text = exe.debug_str()
    assert "forward:" in text and "backward:" in text and "kernel " in text
    assert "memory plan:" in text
    if exe._plan.mem_stats["planned"]:
        assert "arena" in text and "vs naive" in text and "in-place" in text
    hits = pipeline.cache_stats()["hits"]
    exe2 = sym.simple_bind(mx.cpu(), data=(4, 5))
    assert pipeline.cache_stats()["hits"] == hits + 1 and exe2._plan is exe._plan
    exe3 = sym.simple_bind(mx.cpu(), grad_req="null", data=(4, 5))
    assert exe3._plan is not exe._plan and not exe3._plan.backward


def test_shared_exec_shares_parameter_arrays():
    sym = _mlp()
    exe = sym.simple_bind(mx.cpu(), data=(4, 5))
    names = [n for n in sym.list_arguments() if n not in ("data", "softmax_label")]
    exe2 = sym.simple_bind(mx.cpu(), shared_arg_names=names, shared_exec=exe, data=(2, 5))
    for n in names:
        assert exe2.arg_dict[n] is exe.arg_dict[n] and exe2.grad_dict[n] is exe.grad_dict[n]
    assert exe2.arg_dict["data"] is not exe.arg_dict["data"]


def test_batchnorm_moving_stats_update_in_backward():
    x = mx.sym.Variable("x")
    bn = mx.sym.BatchNorm(x, name="bn", fix_gamma=False, momentum=0.5)
    loss = mx.sym.MakeLoss(mx.sym.sum(bn * bn))
    exe = loss.simple_bind(mx.cpu(), x=(4, 3))
    data = np.arange(12, dtype="float32").reshape(4, 3)
    exe.arg_dict["bn_gamma"][:] = 1
    exe.aux_dict["bn_moving_var"][:] = 1
    exe.forward(is_train=True, x=data)
    np.testing.assert_array_equal(exe.aux_dict["bn_moving_mean"].asnumpy(), 0)
    exe.backward()
    np.testing.assert_allclose(exe.aux_dict["bn_moving_mean"].asnumpy(),
                               0.5 * data.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(exe.aux_dict["bn_moving_var"].asnumpy(),
                               0.5 + 0.5 * data.var(axis=0), rtol=1e-5)
    exe.forward(is_train=False, x=data)                 # inference: no update
    exe2 = loss.simple_bind(mx.cpu(), grad_req="null", x=(4, 3))
    exe2.forward(is_train=True, x=data)
    exe2.backward()
    np.testing.assert_array_equal(exe2.aux_dict["bn_moving_mean"].asnumpy(), 0)
