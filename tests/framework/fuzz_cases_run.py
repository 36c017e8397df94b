"""Fuzz cases for the running surfaces (see fuzz_new_surfaces.py): gluon layers and losses
(imperative and hybridized), Trainer, Module, CachedOp, optimizer update ops and the
fused optimizers, kvstore push/pull and the RNN operator."""
import numpy as np

import framework as mx

GROUPS = {}
nn = mx.gluon.nn


def group(fn):
    GROUPS[fn.__name__] = fn
    return fn


def call(make, shape, dtype="float32", hybridize=False, init_shape=None, data=None):
    """Build a layer, initialize it (with a first good call when init_shape is given) and
    call it on an input of `shape`."""
    def run():
        layer = make()
        layer.initialize()
        if hybridize:
            layer.hybridize()
        if init_shape is not None:
            layer(mx.nd.ones(init_shape)).asnumpy()
        x = data if data is not None else mx.nd.ones(shape, dtype=dtype)
        out = layer(x)
        for o in (out if isinstance(out, (list, tuple)) else [out]):
            o.asnumpy()
    return run


LAYERS = [
    # name, factory, good input shape, bad inputs [(label, shape, words)]
    ("dense", lambda: nn.Dense(4, in_units=3), (2, 3),
     [("width", (2, 5), ("dense", "(2, 5)")), ("rank1", (3,), ("dense",))]),
    ("dense_noflat", lambda: nn.Dense(4, in_units=3, flatten=False), (2, 2, 3),
     [("width", (2, 2, 5), ("dense", "(2, 2, 5)"))]),
    ("conv1d", lambda: nn.Conv1D(4, 3, in_channels=2), (1, 2, 8),
     [("rank", (1, 2, 8, 8), ("conv", "(1, 2, 8, 8)")), ("chan", (1, 3, 8), ("conv", "(1, 3, 8)")),
      ("small", (1, 2, 2), ("conv", "(1, 2, 2)"))]),
    ("conv2d", lambda: nn.Conv2D(4, 3, in_channels=2), (1, 2, 6, 6),
     [("rank", (1, 2, 6), ("conv", "(1, 2, 6)")), ("chan", (1, 3, 6, 6), ("conv", "(1, 3, 6, 6)")),
      ("small", (1, 2, 2, 2), ("conv", "(1, 2, 2, 2)")), ("rank5", (1, 2, 6, 6, 6), ("conv",))]),
    ("conv3d", lambda: nn.Conv3D(2, 2, in_channels=1), (1, 1, 4, 4, 4),
     [("rank", (1, 1, 4, 4), ("conv",)), ("small", (1, 1, 1, 4, 4), ("conv",))]),
    ("conv2d_t", lambda: nn.Conv2DTranspose(2, 3, in_channels=2), (1, 2, 4, 4),
     [("chan", (1, 3, 4, 4), ("conv", "(1, 3, 4, 4)")), ("rank", (1, 2, 4), ("conv",))]),
    ("conv2d_groups", lambda: nn.Conv2D(4, 3, in_channels=4, groups=2), (1, 4, 5, 5),
     [("chan", (1, 2, 5, 5), ("conv",))]),
    ("maxpool2d", lambda: nn.MaxPool2D(3), (1, 1, 6, 6),
     [("rank", (1, 6, 6), ("pool",)), ("small", (1, 1, 2, 2), ("pool",))]),
    ("avgpool1d", lambda: nn.AvgPool1D(3), (1, 1, 6), [("rank", (1, 6), ("pool",))]),
    ("maxpool3d", lambda: nn.MaxPool3D(2), (1, 1, 4, 4, 4), [("rank", (1, 4, 4, 4), ("pool",))]),
    ("gap2d", lambda: nn.GlobalAvgPool2D(), (1, 2, 3, 3), [("rank", (2, 3), ("pool",))]),
    ("batchnorm", lambda: nn.BatchNorm(in_channels=4), (2, 4),
     [("chan", (2, 3), ("batchnorm", "(2, 3)")), ("rank1", (4,), ("batchnorm",))]),
    ("layernorm", lambda: nn.LayerNorm(in_channels=4), (2, 4),
     [("last", (2, 3), ("layernorm", "(2, 3)"))]),
    ("instancenorm", lambda: nn.InstanceNorm(in_channels=2), (1, 2, 3),
     [("chan", (1, 3, 3), ("instancenorm",)), ("rank", (2,), ("instancenorm",))]),
    ("groupnorm", lambda: nn.GroupNorm(num_groups=2), (1, 4, 3),
     [("indivisible", (1, 3, 3), ("groupnorm",)), ("rank", (4,), ("groupnorm",))]),
    ("embedding", lambda: nn.Embedding(10, 4), (2, 3), []),
    ("flatten", lambda: nn.Flatten(), (2, 3, 4), []),
    ("prelu", lambda: nn.PReLU(in_channels=3), (2, 3), [("chan", (2, 5), ("prelu",))]),
    ("reflectionpad", lambda: nn.ReflectionPad2D(1), (1, 1, 3, 3),
     [("rank", (1, 3, 3), ("pad",)), ("too_small", (1, 1, 1, 1), ("pad",))]),
    ("dropout", lambda: nn.Dropout(0.5), (2, 3), []),
    ("activation", lambda: nn.Activation("relu"), (2, 3), []),
]


PARAM_FREE = ("maxpool2d", "avgpool1d", "maxpool3d", "gap2d", "flatten", "reflectionpad",
              "dropout", "activation")


@group
def layers(reg):
    for name, make, good, bads in LAYERS:
        for hyb in (False, True):
            tag = name + ("_hyb" if hyb else "")
            reg.good(tag + "_control", call(make, good, hybridize=hyb))
            for label, shape, words in bads:
                reg.bad("%s_%s" % (tag, label), call(make, shape, hybridize=hyb), *words)
                reg.bad("%s_%s_after_init" % (tag, label),
                        call(make, shape, hybridize=hyb, init_shape=good), *words)
            if name in PARAM_FREE:     # any dtype the operator supports, as in MXNet
                reg.either(tag + "_int32", call(make, good, "int32", hyb, init_shape=good))
                reg.good(tag + "_float64", call(make, good, "float64", hyb, init_shape=good))
            elif name != "embedding":
                reg.bad(tag + "_int32", call(make, good, "int32", hyb, init_shape=good), "int32")
                reg.bad(tag + "_float64", call(make, good, "float64", hyb, init_shape=good),
                        "float64")
            reg.bad(tag + "_not_ndarray", call(make, good, hybridize=hyb, data=[[1.0]]))
    # Embedding: indices out of range must never read outside the table (MXNet clips)
    for hyb in (False, True):
        tag = "embedding" + ("_hyb" if hyb else "")
        for label, idx in (("big", [[20.0, 1.0]]), ("neg", [[-5.0, 1.0]]),
                           ("nan", [[np.nan, 1.0]]), ("inf", [[np.inf, 1.0]]),
                           ("huge", [[1e30, 1.0]])):
            reg.either("%s_index_%s" % (tag, label),
                       call(lambda: nn.Embedding(10, 4), None, hybridize=hyb,
                            data=mx.nd.array(idx)))


LOSSES = [
    ("l2", lambda: mx.gluon.loss.L2Loss(), (3, 2), (3, 2)),
    ("l1", lambda: mx.gluon.loss.L1Loss(), (3, 2), (3, 2)),
    ("sigmoid_bce", lambda: mx.gluon.loss.SigmoidBinaryCrossEntropyLoss(), (3, 2), (3, 2)),
    ("softmax_ce", lambda: mx.gluon.loss.SoftmaxCrossEntropyLoss(), (3, 4), (3,)),
    ("softmax_ce_dense", lambda: mx.gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False),
     (3, 4), (3, 4)),
    ("kl", lambda: mx.gluon.loss.KLDivLoss(), (3, 4), (3, 4)),
    ("huber", lambda: mx.gluon.loss.HuberLoss(), (3, 2), (3, 2)),
    ("hinge", lambda: mx.gluon.loss.HingeLoss(), (3, 2), (3, 2)),
    ("sq_hinge", lambda: mx.gluon.loss.SquaredHingeLoss(), (3, 2), (3, 2)),
    ("logistic", lambda: mx.gluon.loss.LogisticLoss(), (3, 2), (3, 2)),
    ("poisson", lambda: mx.gluon.loss.PoissonNLLLoss(), (3, 2), (3, 2)),
]


def loss_call(make, shapes, hyb=False, dtypes=None, arrays=None):
    def run():
        loss = make()
        loss.initialize()
        if hyb:
            loss.hybridize()
        xs = arrays or [mx.nd.ones(s, dtype=(dtypes[i] if dtypes else "float32"))
                        for i, s in enumerate(shapes)]
        loss(*xs).asnumpy()
    return run


@group
def losses(reg):
    for name, make, pshape, lshape in LOSSES:
        for hyb in (False, True):
            tag = name + ("_hyb" if hyb else "")
            reg.good(tag + "_control", loss_call(make, [pshape, lshape], hyb))
            reg.bad(tag + "_batch", loss_call(make, [pshape, (5,) + lshape[1:]], hyb),
                    "(5")
            reg.bad(tag + "_rank", loss_call(make, [pshape, lshape + (2,)], hyb))
            # a float64 label: MXNet's pick takes any index dtype
            (reg.either if name == "softmax_ce" else reg.bad)(
                tag + "_dtype", loss_call(make, [pshape, lshape], hyb, ["float32", "float64"]),
                *(() if name == "softmax_ce" else ("float64",)))
            reg.bad(tag + "_weight", loss_call(make, [pshape, lshape, (7, 7)], hyb), "(7, 7)")
    for hyb in (False, True):
        tag = "_hyb" if hyb else ""
        sce = mx.gluon.loss.SoftmaxCrossEntropyLoss
        for label, lab in (("big", [9.0, 0, 1]), ("neg", [-3.0, 0, 1]), ("nan", [np.nan, 0, 1])):
            reg.either("softmax_ce_label_%s%s" % (label, tag), loss_call(
                sce, None, hyb, arrays=[mx.nd.ones((3, 4)), mx.nd.array(lab)]))
        trip = mx.gluon.loss.TripletLoss
        reg.good("triplet_control" + tag, loss_call(trip, [(2, 3)] * 3, hyb))
        reg.bad("triplet_shapes" + tag, loss_call(trip, [(2, 3), (2, 3), (2, 4)], hyb), "(2, 4)")
        cos = mx.gluon.loss.CosineEmbeddingLoss
        reg.good("cosine_control" + tag, loss_call(cos, [(2, 3), (2, 3), (2,)], hyb))
        reg.bad("cosine_shapes" + tag, loss_call(cos, [(2, 3), (2, 4), (2,)], hyb), "(2, 4)")
        ctc = mx.gluon.loss.CTCLoss
        # CTCLoss has no kernel here: every call raises MXNetError saying so
        reg.bad("ctc_label_batch" + tag, loss_call(ctc, None, hyb, arrays=[
            mx.nd.ones((2, 5, 4)), mx.nd.array([[1, 2], [1, 1], [2, 2]])]))
        reg.either("ctc_label_too_big" + tag, loss_call(ctc, None, hyb, arrays=[
            mx.nd.ones((2, 5, 4)), mx.nd.array([[7, 2], [1, 1]])]))
        reg.bad("ctc_lengths_too_long" + tag, loss_call(ctc, None, hyb, arrays=[
            mx.nd.ones((2, 5, 4)), mx.nd.array([[1, 2], [1, 1]]), mx.nd.array([9, 5]),
            mx.nd.array([2, 2])]))
        reg.bad("ctc_label_lengths_too_long" + tag, loss_call(ctc, None, hyb, arrays=[
            mx.nd.ones((2, 5, 4)), mx.nd.array([[1, 2], [1, 1]]), mx.nd.array([5, 5]),
            mx.nd.array([2, 9])]))
        sdml = mx.gluon.loss.SDMLLoss
        # MXNet's SDMLLoss reads x1.shape: NDArrays only, it cannot be hybridized
        (reg.bad if hyb else reg.good)("sdml_control" + tag, loss_call(sdml, [(3, 4), (3, 4)],
                                                                        hyb))
        reg.bad("sdml_rank" + tag, loss_call(sdml, [(3,), (3,)], hyb))
        reg.bad("sdml_shapes" + tag, loss_call(sdml, [(3, 4), (2, 4)], hyb))


def _net_and_trainer(ctx=None, kvstore="device", optimizer="sgd", **opt):
    net = nn.Dense(4, in_units=3)
    net.initialize(ctx=ctx)
    tr = mx.gluon.Trainer(net.collect_params(), optimizer, opt or {"momentum": 0.9},
                          kvstore=kvstore)
    return net, tr


def _backward(net, ctx=None):
    with mx.autograd.record():
        loss = net(mx.nd.ones((2, 3), ctx=ctx)).sum()
    loss.backward()


@group
def trainer(reg):
    def step_ok():
        net, tr = _net_and_trainer()
        _backward(net)
        tr.step(2)
    reg.good("control", step_ok)

    def step_before_backward():
        net, tr = _net_and_trainer()
        tr.step(2)
    reg.raises("step_before_backward", step_before_backward, UserWarning, "backward")

    def step_twice():
        net, tr = _net_and_trainer()
        _backward(net)
        tr.step(2)
        tr.step(2)
    reg.raises("step_twice_stale", step_twice, UserWarning, "backward")

    def batch_zero():
        net, tr = _net_and_trainer()
        _backward(net)
        tr.step(0)
    reg.bad("step_batch_size_zero", batch_zero, "batch_size")

    def uninit():
        net = nn.Dense(4)
        net.initialize()
        tr = mx.gluon.Trainer(net.collect_params(), "sgd")
        tr.step(1)
    reg.bad("step_uninitialized", uninit, "dense")

    def mixed_ctx():
        net = nn.Dense(4, in_units=3)
        net.weight.initialize(ctx=mx.cpu(0))
        net.bias.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
        mx.gluon.Trainer(net.collect_params(), "sgd")
    reg.bad("params_on_different_contexts", mixed_ctx, "context")

    def data_other_ctx():
        net, tr = _net_and_trainer(ctx=mx.cpu(0))
        _backward(net, ctx=mx.cpu(1))
    reg.bad("data_on_other_context", data_other_ctx, "cpu(1)")

    def multi_ctx(kv):
        def run():
            ctxs = [mx.cpu(0), mx.cpu(1)]
            net, tr = _net_and_trainer(ctx=ctxs, kvstore=kv)
            with mx.autograd.record():
                losses = [net(mx.nd.ones((2, 3), ctx=c)).sum() for c in ctxs]
            mx.autograd.backward(losses)
            tr.step(4)
            net.weight.data(mx.cpu(1)).asnumpy()
        return run
    reg.good("multi_context_device", multi_ctx("device"))
    reg.good("multi_context_local", multi_ctx("local"))

    def grad_replaced(shape, dtype="float32"):
        def run():
            net, tr = _net_and_trainer()
            _backward(net)
            net.weight._grad[0] = mx.nd.ones(shape, dtype=dtype)
            tr.step(2)
            net.weight.data().asnumpy()
        return run
    reg.bad("grad_wrong_shape", grad_replaced((3, 4)), "(3, 4)", "(4, 3)")
    reg.bad("grad_flat_same_size", grad_replaced((12,)), "(12,)")
    reg.bad("grad_wrong_dtype", grad_replaced((4, 3), "float64"), "float64")

    def set_data_wrong(shape):
        def run():
            net, tr = _net_and_trainer()
            net.weight.set_data(mx.nd.ones(shape))
        return run
    reg.bad("set_data_wrong_shape", set_data_wrong((5, 3)), "(5, 3)")
    reg.bad("trainer_not_params", lambda: mx.gluon.Trainer([1, 2], "sgd"))
    reg.bad("trainer_unknown_optimizer", lambda: mx.gluon.Trainer(
        _net_and_trainer()[0].collect_params(), "nosuchopt"), "nosuchopt")


@group
def module(reg):
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc")
    out = mx.sym.SoftmaxOutput(fc, name="softmax")

    def bound(shapes=(("data", (2, 3)),), labels=(("softmax_label", (2,)),), **kw):
        mod = mx.mod.Module(out, **kw)
        mod.bind(data_shapes=list(shapes), label_shapes=list(labels) if labels else None)
        mod.init_params()
        return mod

    def fwd(batch_data, batch_label=None, is_train=False):
        def run():
            mod = bound()
            mod.forward(mx.io.DataBatch(batch_data, batch_label), is_train=is_train)
            mod.get_outputs()[0].asnumpy()
        return run
    reg.good("control", fwd([mx.nd.ones((2, 3))], [mx.nd.ones((2,))]))
    reg.bad("bind_unknown_data_name", lambda: bound(shapes=[("x", (2, 3))]), "x")
    reg.bad("bind_bad_shape", lambda: bound(shapes=[("data", (2, 3, 0, -1))]))
    reg.bad("bind_label_shape", lambda: bound(labels=[("softmax_label", (5,))]), "(5,)",
            "batch size")
    reg.bad("forward_wrong_shape", fwd([mx.nd.ones((2, 5))]), "(2, 5)", "fc_weight")
    reg.either("forward_other_batch", fwd([mx.nd.ones((3, 3))]))   # MXNet reshapes
    reg.bad("forward_missing_data", fwd([]), "data")
    reg.either("forward_too_many", fwd([mx.nd.ones((2, 3)), mx.nd.ones((2, 3))]))  # MXNet: ok
    reg.bad("forward_label_shape", fwd([mx.nd.ones((2, 3))], [mx.nd.ones((2, 7))],
                                       is_train=True), "(2, 7)")
    reg.bad("forward_not_batch", lambda: bound().forward([mx.nd.ones((2, 3))]))

    def set_params(shape, **kw):
        def run():
            mod = bound()
            mod.set_params({"fc_weight": mx.nd.ones(shape), "fc_bias": mx.nd.ones((4,))}, {},
                           **kw)
            mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))]), is_train=False)
            mod.get_outputs()[0].asnumpy()
        return run
    reg.bad("set_params_wrong_shape", set_params((5, 3)), "fc_weight", "(5, 3)")
    reg.bad("set_params_broadcastable", set_params((1, 3)), "fc_weight", "(1, 3)")
    reg.bad("set_params_flat", set_params((12,)), "fc_weight", "(12,)")

    def init_params(shape):
        def run():
            mod = mx.mod.Module(out)
            mod.bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (2,))])
            mod.init_params(arg_params={"fc_weight": mx.nd.ones(shape),
                                        "fc_bias": mx.nd.ones((4,))}, allow_missing=True)
            mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))]), is_train=False)
            mod.get_outputs()[0].asnumpy()
        return run
    reg.bad("init_params_broadcastable", init_params((1, 3)), "fc_weight", "(1, 3)")
    reg.bad("init_params_scalar_like", init_params((3,)), "fc_weight", "(3,)")
    reg.bad("init_params_wrong", init_params((5, 3)), "fc_weight", "(5, 3)")

    def update_without_optimizer():
        mod = bound()
        mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.ones((2,))]), is_train=True)
        mod.backward()
        mod.update()
    reg.bad("update_without_init_optimizer", update_without_optimizer, "init_optimizer")
    reg.bad("forward_before_bind", lambda: mx.mod.Module(out).forward(
        mx.io.DataBatch([mx.nd.ones((2, 3))])), "bind")
    reg.either("context_str", lambda: mx.mod.Module(out, context="cpu").bind(
        data_shapes=[("data", (2, 3))]))


@group
def cached_op(reg):
    x, y = mx.sym.var("x"), mx.sym.var("y")
    sym = mx.sym.FullyConnected(x, y, num_hidden=4, no_bias=True, name="fc")

    def run(*inputs):
        return lambda: mx.nd.CachedOp(sym)(*inputs).asnumpy()
    reg.good("control", run(mx.nd.ones((2, 3)), mx.nd.ones((4, 3))))
    reg.bad("too_few", run(mx.nd.ones((2, 3))), "2")
    reg.bad("too_many", run(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), mx.nd.ones(1)), "2")
    reg.bad("wrong_shape", run(mx.nd.ones((2, 3)), mx.nd.ones((4, 5))), "fc", "(4, 5)")
    reg.bad("wrong_dtype", run(mx.nd.ones((2, 3)), mx.nd.ones((4, 3), dtype="float64")),
            "float64")
    reg.bad("not_ndarray", run(mx.nd.ones((2, 3)), [[1.0]]))
    reg.bad("numpy_input", run(mx.nd.ones((2, 3)), np.ones((4, 3), np.float32)))
    reg.bad("not_symbol", lambda: mx.nd.CachedOp("x"))
    for label, flags in (("param_index_oob", [("param_indices", [99])]),
                         ("param_index_neg", [("param_indices", [-1])]),
                         ("param_index_str", [("param_indices", "ab")]),
                         ("flags_int", 5)):
        reg.bad("flags_" + label, lambda flags=flags: mx.nd.CachedOp(sym, flags)(
            mx.nd.ones((2, 3)), mx.nd.ones((4, 3))), "CachedOp")

    def shapes_change():
        op = mx.nd.CachedOp(sym)
        op(mx.nd.ones((2, 3)), mx.nd.ones((4, 3))).asnumpy()
        op(mx.nd.ones((5, 3)), mx.nd.ones((4, 3))).asnumpy()
        op(mx.nd.ones((5, 2)), mx.nd.ones((4, 3))).asnumpy()
    reg.bad("second_call_wrong_shape", shapes_change, "(5, 2)")


@group
def rnn_layers(reg):
    """gluon.rnn (owned by the RNN engineer: findings are reported, not fixed here)."""
    rnn = mx.gluon.rnn

    def layer(make, x_shape, states=None, hyb=False, init_shape=None, dtype="float32"):
        def run():
            blk = make()
            blk.initialize()
            if hyb:
                blk.hybridize()
            if init_shape is not None:
                blk(mx.nd.ones(init_shape))
            x = mx.nd.ones(x_shape, dtype=dtype)
            out = blk(x) if states is None else blk(x, [mx.nd.ones(s) for s in states])
            for o in (out if isinstance(out, (list, tuple)) else [out]):
                for a in (o if isinstance(o, list) else [o]):
                    a.asnumpy()
        return run
    for name, make, n_states in (("lstm", lambda: rnn.LSTM(5, input_size=4), 2),
                                 ("gru", lambda: rnn.GRU(5, input_size=4), 1),
                                 ("rnn", lambda: rnn.RNN(5, input_size=4), 1)):
        for hyb in (False, True):
            t = name + ("_hyb_" if hyb else "_")
            reg.good(t + "control", layer(make, (3, 2, 4), hyb=hyb))
            reg.good(t + "control_states", layer(make, (3, 2, 4), [(1, 2, 5)] * n_states, hyb))
            reg.bad(t + "width", layer(make, (3, 2, 6), hyb=hyb), "(3, 2, 6)")
            reg.bad(t + "rank2", layer(make, (3, 4), hyb=hyb), "(3, 4)")
            reg.bad(t + "rank4", layer(make, (3, 2, 4, 1), hyb=hyb))
            reg.bad(t + "state_batch", layer(make, (3, 2, 4), [(1, 3, 5)] * n_states, hyb),
                    "(1, 3, 5)")
            reg.bad(t + "state_hidden", layer(make, (3, 2, 4), [(1, 2, 7)] * n_states, hyb),
                    "(1, 2, 7)")
            reg.bad(t + "state_count", layer(make, (3, 2, 4), [(1, 2, 5)] * (n_states + 1), hyb))
            reg.bad(t + "int_input", layer(make, (3, 2, 4), hyb=hyb, dtype="int32"), "int32")
            reg.bad(t + "width_after_init", layer(make, (3, 2, 6), hyb=hyb,
                                                  init_shape=(3, 2, 4)), "(3, 2, 6)")
    for name, make in (("lstm_cell", lambda: rnn.LSTMCell(5, input_size=4)),
                       ("gru_cell", lambda: rnn.GRUCell(5, input_size=4)),
                       ("rnn_cell", lambda: rnn.RNNCell(5, input_size=4))):
        n = 2 if name == "lstm_cell" else 1

        def cell(x_shape, s_shapes, make=make, hyb=False):
            def run():
                c = make()
                c.initialize()
                if hyb:
                    c.hybridize()
                out, _ = c(mx.nd.ones(x_shape), [mx.nd.ones(s) for s in s_shapes])
                out.asnumpy()
            return run
        reg.good(name + "_control", cell((2, 4), [(2, 5)] * n))
        reg.bad(name + "_width", cell((2, 6), [(2, 5)] * n), "(2, 6)")
        reg.bad(name + "_state", cell((2, 4), [(2, 7)] * n), "(2, 7)")
        reg.either(name + "_state_count", cell((2, 4), [(2, 5)] * (n + 1)))  # MXNet: ok
        reg.bad(name + "_no_state", cell((2, 4), []))

        def unroll(length, x_shape, make=make, layout="TNC"):
            def run():
                c = make()
                c.initialize()
                outs, _ = c.unroll(length, mx.nd.ones(x_shape), layout=layout,
                                   merge_outputs=True)
                outs.asnumpy()
            return run
        reg.good(name + "_unroll", unroll(3, (3, 2, 4)))
        reg.bad(name + "_unroll_length", unroll(5, (3, 2, 4)), "5")
        reg.bad(name + "_unroll_layout", unroll(3, (3, 2, 4), layout="XYZ"), "XYZ")
