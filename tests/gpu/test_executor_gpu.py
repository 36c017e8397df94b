"""Compiled graphs on mx.gpu(0): Executor forward/backward of a tiny MLP and LeNet equal to
the CPU, the arena taken once from the device pool, Module, a hybridized Gluon training step
with Trainer, all against the same computation on cpu(0)."""
import gc

import numpy as np
import pytest

import framework as mx
from framework import autograd, gluon
from framework.base import MXNetError
from kernels.cuda import memory
from kernels.cuda.runtime import is_device_array

GPU = mx.gpu(0)
CONTEXTS = (mx.cpu(0), GPU)


def mlp():
    data = mx.sym.Variable("data")
    h = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=4, name="fc1"), act_type="relu")
    h = mx.sym.FullyConnected(h * 0.5 + 1.0, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(h, name="softmax")


def lenet():
    data = mx.sym.Variable("data")
    c = mx.sym.Convolution(data, kernel=(3, 3), num_filter=2, name="conv1")
    p = mx.sym.Pooling(mx.sym.Activation(c, act_type="tanh"), pool_type="max", kernel=(2, 2),
                       stride=(2, 2))
    fc = mx.sym.FullyConnected(mx.sym.Flatten(p), num_hidden=3, name="fc1")
    return mx.sym.SoftmaxOutput(fc, name="softmax")


def _values(exe, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for name, arr in sorted(exe.arg_dict.items()):
        if name == "softmax_label":
            out[name] = np.arange(arr.shape[0], dtype=np.float32) % 3
        else:
            out[name] = (rng.standard_normal(arr.shape) * 0.5).astype(np.float32)
    return out


def _fwd_bwd(sym, ctx, grad_req="write", **shapes):
    exe = sym.simple_bind(ctx, grad_req=grad_req, **shapes)
    for name, value in _values(exe).items():
        exe.arg_dict[name][:] = value
    for _ in range(2 if grad_req == "add" else 1):
        exe.forward(is_train=True)
        exe.backward()
    return exe


@pytest.mark.parametrize("net,shape,req", [(mlp, (2, 5), "write"), (mlp, (2, 5), "add"),
                                           (lenet, (2, 1, 6, 6), "write")])
def test_executor_forward_backward_equals_cpu(net, shape, req):
    cpu, gpu = (_fwd_bwd(net(), ctx, req, data=shape) for ctx in CONTEXTS)
    assert gpu._plan.target == "cuda" and "target cuda" in gpu.debug_str()
    assert is_device_array(gpu.outputs[0]._data) and gpu.outputs[0].context == GPU
    np.testing.assert_allclose(gpu.outputs[0].asnumpy(), cpu.outputs[0].asnumpy(),
                               rtol=1e-5, atol=1e-6)
    for name, g in cpu.grad_dict.items():
        assert gpu.grad_dict[name].context == GPU
        np.testing.assert_allclose(gpu.grad_dict[name].asnumpy(), g.asnumpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=name)


def test_bound_plan_takes_its_arena_from_the_pool_once():
    pool = memory.pool(0)
    exe = _fwd_bwd(mlp(), GPU, data=(2, 5))
    arena = exe._bound.arena
    assert exe._plan.arena_bytes > 0 and arena.size >= exe._plan.arena_bytes
    allocated = pool.allocated_bytes
    exe.forward(is_train=True, data=mx.nd.ones((2, 5), ctx=GPU))
    exe.backward()
    assert exe._bound.arena is arena and pool.allocated_bytes == allocated
    reused = pool.reused
    del exe
    gc.collect()                                 # the arena returns to the pool ...
    again = _fwd_bwd(mlp(), GPU, data=(2, 5))    # ... and the next bind reuses it
    assert pool.reused == reused + 1 and again._bound.arena is arena
    GPU.empty_cache()


def test_bind_with_given_arrays_and_context_errors():
    sym = mx.sym.FullyConnected(mx.sym.Variable("x"), num_hidden=2, name="fc")
    args = {"x": mx.nd.ones((1, 3), ctx=GPU), "fc_weight": mx.nd.ones((2, 3), ctx=GPU),
            "fc_bias": mx.nd.array([1, 2], ctx=GPU)}
    exe = sym.bind(GPU, args)
    np.testing.assert_array_equal(exe.forward()[0].asnumpy(), [[4, 5]])
    exe.forward(x=np.full((1, 3), 2.0, np.float32))     # host input copied to the device
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), [[7, 8]])
    args["x"] = mx.nd.ones((1, 3))
    with pytest.raises(MXNetError, match=r"argument 'x' is on cpu\(0\) but the executor runs "
                                         r"on gpu\(0\)"):
        sym.bind(GPU, args)


def test_module_on_the_gpu_trains_like_the_cpu():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)
    Y = np.array([0, 1, 2, 1], np.float32)
    results = []
    for ctx in CONTEXTS:
        mx.random.seed(0)
        mod = mx.mod.Module(lenet(), context=ctx)
        it = mx.io.NDArrayIter(X, Y, batch_size=4)
        mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
        mod.init_params(mx.init.Xavier())
        mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                              "momentum": 0.9})
        for batch in it:
            mod.forward(batch, is_train=True)
            mod.backward()
            mod.update()
        args, _ = mod.get_params()
        assert mod.get_outputs()[0].context == ctx
        results.append((mod.get_outputs()[0].asnumpy(), {k: v.asnumpy() for k, v in args.items()}))
    (out_c, par_c), (out_g, par_g) = results
    np.testing.assert_allclose(out_g, out_c, rtol=1e-5, atol=1e-6)
    for k in par_c:
        np.testing.assert_allclose(par_g[k], par_c[k], rtol=1e-5, atol=1e-6, err_msg=k)


def _gluon_step(ctx, hybridize, optimizer="sgd"):
    mx.random.seed(1)
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(5, activation="relu"), gluon.nn.Dense(3))
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), optimizer,
                            {"learning_rate": 0.1, "momentum": 0.9} if optimizer == "sgd"
                            else {"learning_rate": 0.01})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x = mx.nd.array(np.random.default_rng(0).standard_normal((4, 6)), ctx=ctx)
    y = mx.nd.array([0, 1, 2, 1], ctx=ctx)
    for _ in range(2):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(4)
    params = [p.data(ctx) for p in net.collect_params().values()]
    assert all(p.context == ctx and (ctx == mx.cpu() or is_device_array(p._data))
               for p in params)
    return [loss.asnumpy()] + [p.asnumpy() for p in params]


@pytest.mark.parametrize("hybridize,optimizer", [(True, "sgd"), (False, "adam")])
def test_gluon_training_step_on_the_gpu_equals_cpu(hybridize, optimizer):
    want = _gluon_step(mx.cpu(), hybridize, optimizer)
    got = _gluon_step(GPU, hybridize, optimizer)
    for k, (a, b) in enumerate(zip(want, got)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg="array %d" % k)


def _optimizer_steps(ctx, optimizer, params):
    w = gluon.Parameter("w", shape=(5,))
    w.initialize(mx.init.One(), ctx=ctx)
    w.set_data(mx.nd.array([0.5, -1.0, 2.0, 0.25, -0.75], ctx=ctx))
    c = mx.nd.array([1.0, -2.0, 0.5, 3.0, -1.5], ctx=ctx)
    trainer = gluon.Trainer([w], optimizer, dict(params))
    for _ in range(3):
        with autograd.record():
            loss = (w.data() * w.data() * c).sum()
        loss.backward()
        trainer.step(1)
    return w.data().asnumpy()


@pytest.mark.parametrize("optimizer,params", [
    ("rmsprop", {"learning_rate": 0.01, "clip_weights": 1.5}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}), ("nag", {"momentum": 0.9}),
    ("signum", {"momentum": 0.9, "wd_lh": 0.01}), ("ftml", {}), ("ftrl", {}),
    ("sgd", {"momentum": 0.9, "multi_precision": True})])
def test_optimizer_update_ops_on_the_gpu_equal_cpu(optimizer, params):
    want = _optimizer_steps(mx.cpu(), optimizer, params)
    got = _optimizer_steps(GPU, optimizer, params)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(want, [0.5, -1.0, 2.0, 0.25, -0.75])      # the steps did update


def test_trainer_states_of_gpu_parameters_save_and_load(tmp_path):
    w = gluon.Parameter("w", shape=(3,))
    w.initialize(mx.init.One(), ctx=GPU)
    trainer = gluon.Trainer([w], "sgd", {"learning_rate": 0.1, "momentum": 0.9})

    def step(tr):
        with autograd.record():
            loss = (w.data() * w.data()).sum()
        loss.backward()
        tr.step(1)

    step(trainer)
    fname = str(tmp_path / "trainer.states")
    trainer.save_states(fname)
    restored = gluon.Trainer([w], "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    restored.load_states(fname)
    step(restored)                                  # momentum continues from the saved state
    x, m = np.ones(3), np.zeros(3)
    for _ in range(2):
        m = 0.9 * m - 0.1 * 2 * x
        x = x + m
    assert w.data().context == GPU
    np.testing.assert_allclose(w.data().asnumpy(), x, rtol=1e-6)
