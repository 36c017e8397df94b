"""Fuzz cases for optimizer update operators, the fused optimizers, kvstore push/pull and
the RNN operator (see fuzz_new_surfaces.py).  These run Numba kernels: out-of-bounds input
must be rejected before the launch."""
import numpy as np

import framework as mx

GROUPS = {}


def group(fn):
    GROUPS[fn.__name__] = fn
    return fn


def nd(shape, dtype="float32", ctx=None, value=0.5):
    return mx.nd.full(shape, value, dtype=dtype, ctx=ctx)


UPDATE_OPS = [
    # op, number of state inputs, float32-only state positions (mp_*), extra attrs
    ("sgd_update", 0, (), {}),
    ("sgd_mom_update", 1, (), {"momentum": 0.9}),
    ("mp_sgd_update", 1, (0,), {}),
    ("mp_sgd_mom_update", 2, (0, 1), {"momentum": 0.9}),
    ("nag_mom_update", 1, (), {"momentum": 0.9}),
    ("mp_nag_mom_update", 2, (0, 1), {"momentum": 0.9}),
    ("signsgd_update", 0, (), {}),
    ("signum_update", 1, (), {"momentum": 0.9}),
    ("adam_update", 2, (), {}),
    ("rmsprop_update", 1, (), {}),
    ("rmspropalex_update", 3, (), {}),
    ("ftrl_update", 2, (), {}),
    ("ftml_update", 3, (), {"t": 1}),
]


@group
def update_ops(reg):
    for op, n_states, fp32, attrs in UPDATE_OPS:
        fn = getattr(mx.nd, op)

        def call(w_shape=(4, 3), g_shape=None, s_shapes=None, w_dtype="float32", g_dtype=None,
                 s_dtypes=None, out=True, fn=fn, attrs=attrs, n_states=n_states, fp32=fp32):
            def run():
                w = nd(w_shape, w_dtype)
                g = nd(g_shape or w_shape, g_dtype or w_dtype)
                states = [nd((s_shapes or {}).get(i, w_shape),
                             (s_dtypes or {}).get(i, "float32" if i in fp32 else w_dtype))
                          for i in range(n_states)]
                res = fn(w, g, *states, lr=0.1, out=w if out else None, **attrs)
                res.asnumpy()
            return run
        reg.good(op + "_control", call())
        reg.good(op + "_control_f64", call(w_dtype="float64"))
        reg.bad(op + "_grad_shape", call(g_shape=(3, 4)), "(3, 4)", "(4, 3)")
        reg.bad(op + "_grad_bigger", call(g_shape=(40, 3)), "(40, 3)")
        reg.bad(op + "_grad_smaller", call(g_shape=(1, 3)), "(1, 3)")
        reg.bad(op + "_grad_flat", call(g_shape=(12,)), "(12,)")
        reg.bad(op + "_grad_dtype", call(g_dtype="float64"), "float64")
        reg.bad(op + "_int_weight", call(w_dtype="int32"), "int32")
        reg.bad(op + "_grad_int", call(g_dtype="int32"), "int32")
        for i in range(n_states):
            reg.bad("%s_state%d_shape" % (op, i), call(s_shapes={i: (2, 3)}), "(2, 3)")
            reg.bad("%s_state%d_bigger" % (op, i), call(s_shapes={i: (8, 3)}), "(8, 3)")
            reg.bad("%s_state%d_flat" % (op, i), call(s_shapes={i: (12,)}), "(12,)")
            reg.bad("%s_state%d_dtype" % (op, i), call(s_dtypes={i: "float16"}), "float16")
        reg.bad(op + "_missing_state" if n_states else op + "_extra_input",
                (lambda fn=fn, attrs=attrs, n=n_states: fn(
                    nd((4, 3)), nd((4, 3)), *[nd((4, 3))] * max(n - 1, 0),
                    *([] if n else [nd((4, 3))]), lr=0.1, **attrs).asnumpy()))
        reg.bad(op + "_bad_lr", lambda fn=fn, attrs=attrs, n=n_states: fn(
            nd((4, 3)), nd((4, 3)), *[nd((4, 3))] * n, lr="abc", **attrs), "lr")
        reg.bad(op + "_no_lr", lambda fn=fn, attrs=attrs, n=n_states: fn(
            nd((4, 3)), nd((4, 3)), *[nd((4, 3))] * n, **attrs), "lr")
        reg.bad(op + "_out_shape", lambda fn=fn, attrs=attrs, n=n_states, fp32=fp32: fn(
            nd((4, 3)), nd((4, 3)), *[nd((4, 3)) for _ in range(n)], lr=0.1,
            out=nd((2, 3)), **attrs).asnumpy(), "(2, 3)")
        reg.bad(op + "_other_context", lambda fn=fn, attrs=attrs, n=n_states: fn(
            nd((4, 3)), nd((4, 3), ctx=mx.cpu(1)), *[nd((4, 3))] * n, lr=0.1,
            **attrs).asnumpy(), "cpu(1)")
        reg.either(op + "_empty", lambda fn=fn, attrs=attrs, n=n_states, fp32=fp32: fn(
            nd((0, 3)), nd((0, 3)), *[nd((0, 3)) for _ in range(n)], lr=0.1, **attrs))


FUSED = [
    # optimizer, kwargs, state builder(weight) -> state of the wrong shape
    ("AdaGrad", {}, lambda: nd((2, 3))),
    ("AdaDelta", {}, lambda: (nd((2, 3)), nd((4, 3)))),
    ("Adamax", {}, lambda: (nd((4, 3)), nd((5, 3)))),
    ("Nadam", {}, lambda: (nd((2, 3)), nd((4, 3)))),
    ("DCASGD", {"momentum": 0.9}, lambda: (nd((2, 3)), nd((4, 3)))),
    ("SGD", {"momentum": 0.9}, lambda: nd((12,))),
    ("NAG", {"momentum": 0.9}, lambda: nd((2, 3))),
    ("Adam", {}, lambda: (nd((2, 3)), nd((4, 3)))),
    ("RMSProp", {"centered": True}, lambda: (nd((4, 3)), nd((4, 3)), nd((1, 3)))),
    ("Ftrl", {}, lambda: (nd((4, 3)), nd((2, 3)))),
    ("FTML", {}, lambda: (nd((4, 3)), nd((2, 3)), nd((4, 3)))),
    ("Signum", {"momentum": 0.9}, lambda: nd((3, 4))),
    ("LAMB", {}, lambda: (nd((2, 3)), nd((4, 3)))),
    ("LARS", {"momentum": 0.9}, lambda: nd((2, 3))),
    ("SGLD", {}, lambda: None),
]


@group
def fused_optimizers(reg):
    for name, kw, bad_state in FUSED:
        cls = getattr(mx.optimizer, name)

        def update(weight_shape=(4, 3), grad_shape=None, state=None, grad_dtype="float32",
                   grad_ctx=None, cls=cls, kw=kw):
            def run():
                opt = cls(**kw)
                w = nd(weight_shape)
                g = nd(grad_shape or weight_shape, grad_dtype, grad_ctx)
                st = opt.create_state_multi_precision(0, w) if state is None else state()
                opt.update_multi_precision(0, w, g, st)
                w.asnumpy()
            return run
        reg.good(name + "_control", update())
        reg.bad(name + "_grad_shape", update(grad_shape=(3, 4)), "(3, 4)")
        reg.bad(name + "_grad_flat", update(grad_shape=(12,)), "(12,)")
        reg.bad(name + "_grad_dtype", update(grad_dtype="float64"), "float64")
        reg.bad(name + "_grad_context", update(grad_ctx=mx.cpu(1)), "cpu(1)")
        if name != "SGLD":
            reg.bad(name + "_state_shape", update(state=bad_state))
            # a junk state handed to update() directly: optimizers that unpack a tuple
            # raise Python's ValueError, as MXNet's do (the Updater checks loaded states)
            reg.raises(name + "_state_str", update(state=lambda: "junk"), ValueError)
        reg.bad(name + "_grad_not_ndarray", lambda cls=cls, kw=kw: cls(**kw).update(
            0, nd((4, 3)), np.ones((4, 3), np.float32), None))


@group
def kvstore(reg):
    def kv_case(ops, kind="local", optimizer=False):
        def run():
            kv = mx.kv.create(kind)
            if optimizer:
                kv.set_optimizer(mx.optimizer.SGD(momentum=0.9))
            kv.init(3, nd((2, 3)))
            kv.init(5, nd((4,)))
            for op in ops:
                op(kv)
        return run
    out = lambda shape: nd(shape, value=0)   # noqa: E731
    for kind in ("local", "device"):
        for opt in (False, True):
            t = "%s%s_" % (kind, "_opt" if opt else "")
            reg.good(t + "control", kv_case([lambda kv: kv.push(3, nd((2, 3))),
                                             lambda kv: kv.pull(3, out=out((2, 3)))], kind, opt))
            reg.bad(t + "push_shape", kv_case([lambda kv: kv.push(3, nd((3, 2)))], kind, opt),
                    "3", "(3, 2)", "(2, 3)")
            reg.bad(t + "push_flat", kv_case([lambda kv: kv.push(3, nd((6,)))], kind, opt),
                    "(6,)")
            reg.bad(t + "push_bigger", kv_case([lambda kv: kv.push(3, nd((5, 3)))], kind, opt),
                    "(5, 3)")
            reg.bad(t + "pull_shape", kv_case([lambda kv: kv.pull(3, out=out((4,)))], kind, opt),
                    "(4,)")
            reg.bad(t + "pull_key5_shape", kv_case([lambda kv: kv.pull(5, out=out((5,)))],
                                                   kind, opt), "5", "(5,)")
            reg.bad(t + "pushpull_out_shape", kv_case([lambda kv: kv.pushpull(
                3, nd((2, 3)), out=out((3, 2)))], kind, opt), "(3, 2)")
            reg.bad(t + "push_unknown", kv_case([lambda kv: kv.push(99, nd((2, 3)))], kind, opt),
                    "99")
            reg.bad(t + "pull_unknown", kv_case([lambda kv: kv.pull(77, out=out((2,)))],
                                                kind, opt), "77")
            reg.bad(t + "mixed_key_types", kv_case([lambda kv: kv.pull("zz", out=out((2,)))],
                                                   kind, opt), "zz")
            reg.bad(t + "init_twice", kv_case([lambda kv: kv.init(3, nd((2, 3)))], kind, opt),
                    "3")
            reg.bad(t + "push_list_lengths", kv_case([lambda kv: kv.push(
                [3, 5], [nd((2, 3))])], kind, opt))
            reg.bad(t + "push_devices_differ", kv_case([lambda kv: kv.push(
                3, [nd((2, 3)), nd((3, 2))])], kind, opt), "(3, 2)")
            reg.bad(t + "push_dtype_mix", kv_case([lambda kv: kv.push(
                3, [nd((2, 3)), nd((2, 3), "float64")])], kind, opt), "float64")
            (reg.bad if opt else reg.either)(t + "push_dtype", kv_case(
                [lambda kv: kv.push(3, nd((2, 3), "float64"))], kind, opt))
            reg.bad(t + "push_not_ndarray", kv_case([lambda kv: kv.push(3, [[1.0]])], kind, opt))
            reg.bad(t + "key_float", kv_case([lambda kv: kv.push(3.5, nd((2, 3)))], kind, opt))
            reg.bad(t + "pull_no_out", kv_case([lambda kv: kv.pull(3)], kind, opt))
    reg.either("unknown_type", lambda: mx.kv.create("bogus"))   # MXNet: a local store


def _rnn_param_size(mode, C, H, L, bidir):
    gates = {"rnn_relu": 1, "rnn_tanh": 1, "gru": 3, "lstm": 4}[mode]
    d = 2 if bidir else 1
    size = 0
    for layer in range(L):
        inp = C if layer == 0 else H * d
        size += d * gates * H * (inp + H + 2)
    return size


@group
def rnn_op(reg):
    def run(mode="lstm", T=3, N=2, C=4, H=5, L=1, bidir=False, psize=None, sshape=None,
            cshape=None, dshape=None, dtype="float32", pdtype=None, sdtype=None, lengths=None,
            drop_cell=False, **extra):
        def call():
            d = 2 if bidir else 1
            data = nd(dshape or (T, N, C), dtype)
            size = _rnn_param_size(mode, C, H, L, bidir) if psize is None else psize
            params = nd((size,), pdtype or dtype, value=0.1)
            args = [data, params, nd(sshape or (L * d, N, H), sdtype or dtype)]
            if mode == "lstm" and not drop_cell:
                args.append(nd(cshape or (L * d, N, H), sdtype or dtype))
            kw = dict(state_size=H, num_layers=L, mode=mode, bidirectional=bidir,
                      state_outputs=True, **extra)
            if lengths is not None:
                args.append(mx.nd.array(lengths, dtype="int32"))
                kw["use_sequence_length"] = True
            outs = mx.nd.RNN(*args, **kw)
            for o in (outs if isinstance(outs, (list, tuple)) else [outs]):
                o.asnumpy()
        return call
    for mode in ("lstm", "gru", "rnn_tanh"):
        for bidir in (False, True):
            t = "%s%s_" % (mode, "_bi" if bidir else "")
            full = _rnn_param_size(mode, 4, 5, 2, bidir)
            reg.good(t + "control", run(mode, L=2, bidir=bidir))
            reg.bad(t + "params_short", run(mode, L=2, bidir=bidir, psize=full - 1),
                    "(%d,)" % (full - 1))
            reg.bad(t + "params_long", run(mode, L=2, bidir=bidir, psize=full + 7),
                    "(%d,)" % (full + 7))
            reg.bad(t + "params_tiny", run(mode, L=2, bidir=bidir, psize=1), "(1,)")
            reg.bad(t + "state_batch", run(mode, L=2, bidir=bidir, sshape=(2 * (2 if bidir else 1),
                                                                           3, 5)), "state")
            reg.bad(t + "state_layers", run(mode, L=2, bidir=bidir, sshape=(1, 2, 5)), "state")
            reg.bad(t + "state_rank", run(mode, L=2, bidir=bidir, sshape=(2, 5)), "state")
            reg.bad(t + "data_rank2", run(mode, L=2, bidir=bidir, dshape=(3, 4)), "(3, 4)")
            reg.bad(t + "data_rank4", run(mode, L=2, bidir=bidir, dshape=(3, 2, 4, 1)))
            reg.bad(t + "data_width", run(mode, L=2, bidir=bidir, dshape=(3, 2, 6)))
            reg.bad(t + "int_data", run(mode, L=2, bidir=bidir, dtype="int32"), "int32")
            reg.bad(t + "param_dtype", run(mode, L=2, bidir=bidir, pdtype="float64"), "float64")
            reg.bad(t + "state_dtype", run(mode, L=2, bidir=bidir, sdtype="float64"), "float64")
            reg.good(t + "lengths_ok", run(mode, L=2, bidir=bidir, lengths=[3, 1]))
            reg.bad(t + "lengths_too_long", run(mode, L=2, bidir=bidir, lengths=[9, 1]), "9")
            reg.bad(t + "lengths_negative", run(mode, L=2, bidir=bidir, lengths=[-1, 1]), "-1")
            reg.bad(t + "lengths_count", run(mode, L=2, bidir=bidir, lengths=[1, 1, 1]))
            reg.either(t + "lengths_zero", run(mode, L=2, bidir=bidir, lengths=[0, 2]))
            reg.either(t + "empty_seq", run(mode, L=2, bidir=bidir, dshape=(0, 2, 4)))
            reg.either(t + "empty_batch", run(mode, L=2, bidir=bidir, dshape=(3, 0, 4),
                                              sshape=(2 * (2 if bidir else 1), 0, 5),
                                              cshape=(2 * (2 if bidir else 1), 0, 5)))
    reg.bad("lstm_cell_shape", run(cshape=(1, 2, 6)), "state_cell")
    reg.bad("lstm_missing_cell", run(drop_cell=True))
    reg.bad("bad_mode", lambda: mx.nd.RNN(nd((3, 2, 4)), nd((10,)), nd((1, 2, 5)),
                                          state_size=5, num_layers=1, mode="zzz"), "zzz")
    reg.bad("state_size_zero", lambda: mx.nd.RNN(nd((3, 2, 4)), nd((10,)), nd((1, 2, 5)),
                                                 state_size=0, num_layers=1, mode="gru"),
            "state_size")
    reg.bad("num_layers_zero", lambda: mx.nd.RNN(nd((3, 2, 4)), nd((10,)), nd((1, 2, 5)),
                                                 state_size=5, num_layers=0, mode="gru"),
            "num_layers")
    reg.bad("dropout_bad", run(p=1.5), "p")
    reg.bad("projection_bad", run(projection_size=9), "projection_size")
    reg.bad("clip_one_sided", run(lstm_state_clip_min=-1.0), "lstm_state_clip")
    reg.good("projection_ok", run(projection_size=3, psize=_rnn_param_size("lstm", 4, 5, 1, False)
                                  - 4 * 5 * 5 + 4 * 5 * 3 + 3 * 5, sshape=(1, 2, 3)))
