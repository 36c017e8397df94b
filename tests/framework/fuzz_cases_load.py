"""Fuzz cases for the loading surfaces (see fuzz_new_surfaces.py): damaged, truncated,
foreign and pickled files given to every loader of session 2."""
import gzip
import io
import json
import os
import pickle
import struct
import tarfile

import numpy as np

import framework as mx

GROUPS = {}


def group(fn):
    GROUPS[fn.__name__] = fn
    return fn


# --- helpers ----------------------------------------------------------------------------------

def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


class _Marker:
    """Unpickling calls open(path, 'w'): the file appears if anything unpickles it."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def pickle_payload(marker):
    return pickle.dumps({"weight": _Marker(marker)}, protocol=2)


def damaged_versions(good):
    """(label, bytes): truncations at several offsets, random bytes, empty, bit flips."""
    n = len(good)
    rng = np.random.RandomState(0)
    out = [("empty", b"")]
    for cut in sorted({1, 7, 8, 16, 24, 31, n // 3, n // 2, n - 5, n - 1}):
        if 0 < cut < n:
            out.append(("trunc%d" % cut, good[:cut]))
    out.append(("random", rng.bytes(max(n, 64))))
    for k in range(4):
        b = bytearray(good)
        pos = rng.randint(0, n)
        b[pos] ^= 0xFF
        out.append(("flip%d@%d" % (k, pos), bytes(b)))
    out.append(("garbage_tail", good + b"\x00\x01garbage"))
    return out


def small_net(units=4, in_units=3, bn=True):
    net = mx.gluon.nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(units, in_units=in_units))
        if bn:
            net.add(mx.gluon.nn.BatchNorm(in_channels=units))
    net.initialize()
    return net


def exported(reg, name="m"):
    """prefix of an exported small_net: prefix-symbol.json, prefix-0000.params."""
    prefix = reg.path(name)
    if not os.path.exists(prefix + "-symbol.json"):
        net = small_net()
        net.hybridize()
        net(mx.nd.ones((2, 3)))
        net.export(prefix, 0)
    return prefix


def check_marker(marker, fn):
    def run():
        try:
            fn()
        finally:
            if os.path.exists(marker):
                raise AssertionError("THE PICKLE WAS EXECUTED: %s exists" % marker)
    return run


# --- symbol json / SymbolBlock.imports ---------------------------------------------------------

@group
def load_sym(reg):
    prefix = exported(reg)
    sym_file, par_file = prefix + "-symbol.json", prefix + "-0000.params"
    good = read(sym_file)

    def imports(path, params=par_file):
        return lambda: mx.gluon.SymbolBlock.imports(path, ["data"], params)

    def imports_run(path, params=par_file, shape=(2, 3)):
        def run():
            blk = mx.gluon.SymbolBlock.imports(path, ["data"], params)
            blk(mx.nd.ones(shape)).asnumpy()
        return run

    reg.good("control", imports_run(sym_file))
    for label, data in damaged_versions(good):
        if label.startswith("flip"):
            continue                     # a flipped byte may still be valid JSON
        p = write(reg.path("s_%s-symbol.json" % label), data)
        reg.bad("sym_" + label, imports(p))
    reg.bad("params_as_symbol", imports(par_file), "")
    marker = reg.path("PWNED_sym")
    p = write(reg.path("pickle-symbol.json"), pickle_payload(marker))
    reg.bad("pickle_as_symbol", check_marker(marker, imports(p)))
    reg.bad("missing_symbol", imports(reg.path("nope-symbol.json")), "nope-symbol.json")
    reg.bad("dir_as_symbol", imports(reg.tmp))

    doc = json.loads(good)
    nodes = doc["nodes"]
    fc = next(i for i, n in enumerate(nodes) if n["op"] == "FullyConnected")

    def mutate(label, fn, *words, run=True):
        d = json.loads(good)
        fn(d)
        p = write(reg.path("j_%s-symbol.json" % label), json.dumps(d).encode())
        reg.bad("json_" + label, imports_run(p) if run else imports(p), *words)

    mutate("nodes_not_list", lambda d: d.__setitem__("nodes", 5))
    mutate("no_nodes", lambda d: d.pop("nodes"))
    mutate("empty_nodes", lambda d: d.__setitem__("nodes", []))
    mutate("no_heads", lambda d: d.pop("heads"))
    mutate("heads_oob", lambda d: d.__setitem__("heads", [[99, 0, 0]]))
    mutate("heads_neg", lambda d: d.__setitem__("heads", [[-1, 0, 0]]))
    mutate("head_out_idx_oob", lambda d: d.__setitem__("heads", [[len(nodes) - 1, 7, 0]]))
    mutate("heads_str", lambda d: d.__setitem__("heads", "x"))
    mutate("heads_short", lambda d: d.__setitem__("heads", [[len(nodes) - 1]]))
    mutate("input_oob", lambda d: d["nodes"][fc].__setitem__("inputs", [[0, 0, 0], [99, 0, 0],
                                                                        [2, 0, 0]]))
    mutate("input_neg", lambda d: d["nodes"][fc].__setitem__("inputs", [[0, 0, 0], [-5, 0, 0],
                                                                        [2, 0, 0]]))
    mutate("input_forward_ref", lambda d: d["nodes"][fc].__setitem__(
        "inputs", [[0, 0, 0], [fc + 1, 0, 0], [2, 0, 0]]))
    mutate("input_self", lambda d: d["nodes"][fc].__setitem__(
        "inputs", [[fc, 0, 0], [1, 0, 0], [2, 0, 0]]))
    mutate("input_out_idx_oob", lambda d: d["nodes"][fc].__setitem__(
        "inputs", [[0, 5, 0], [1, 0, 0], [2, 0, 0]]))
    mutate("input_not_list", lambda d: d["nodes"][fc].__setitem__("inputs", 3))
    mutate("input_entry_short", lambda d: d["nodes"][fc].__setitem__("inputs", [[0], [1, 0, 0],
                                                                                [2, 0, 0]]))
    mutate("input_entry_str", lambda d: d["nodes"][fc].__setitem__(
        "inputs", [["a", 0, 0], [1, 0, 0], [2, 0, 0]]))
    mutate("too_few_inputs", lambda d: d["nodes"][fc].__setitem__("inputs", [[0, 0, 0]]),
           "FullyConnected")
    mutate("too_many_inputs", lambda d: d["nodes"][fc].__setitem__(
        "inputs", [[0, 0, 0], [1, 0, 0], [2, 0, 0], [2, 0, 0]]), "FullyConnected")
    mutate("unknown_op", lambda d: d["nodes"][fc].__setitem__("op", "NoSuchOp"), "NoSuchOp")
    mutate("op_not_str", lambda d: d["nodes"][fc].__setitem__("op", 7))
    mutate("no_op", lambda d: d["nodes"][fc].pop("op"))
    mutate("name_not_str", lambda d: d["nodes"][fc].__setitem__("name", [1]))
    mutate("attrs_not_dict", lambda d: d["nodes"][fc].__setitem__("attrs", [1, 2]))
    mutate("attr_bad_value", lambda d: d["nodes"][fc]["attrs"].__setitem__("num_hidden", "abc"),
           "num_hidden")
    mutate("attr_negative", lambda d: d["nodes"][fc]["attrs"].__setitem__("num_hidden", "-4"),
           "num_hidden")
    mutate("attr_unknown", lambda d: d["nodes"][fc]["attrs"].__setitem__("bogus", "1"), "bogus")
    mutate("attr_value_not_str", lambda d: d["nodes"][fc]["attrs"].__setitem__("num_hidden", [4]))
    # MXNet 1.9.1 ignores these when the parameters are loaded (checked): controls
    for label, key, value in (("var_shape_garbage", "__shape__", "(("),
                              ("var_shape_wrong", "__shape__", "(5, 3)"),
                              ("var_dtype_garbage", "__dtype__", "99")):
        d = json.loads(good)
        d["nodes"][1]["attrs"][key] = value
        p = write(reg.path("j_%s-symbol.json" % label), json.dumps(d).encode())
        reg.good("json_" + label, imports_run(p))
    mutate("var_with_inputs", lambda d: d["nodes"][1].__setitem__("inputs", [[0, 0, 0]]))
    mutate("arg_nodes_oob", lambda d: d.__setitem__("arg_nodes", [0, 99]))
    mutate("arg_nodes_str", lambda d: d.__setitem__("arg_nodes", "x"))
    d = json.loads(good)
    d["node_row_ptr"] = [0, 99]       # MXNet ignores node_row_ptr on load
    reg.good("json_node_row_ptr_bad", imports_run(write(reg.path("rp-symbol.json"),
                                                        json.dumps(d).encode())))
    mutate("dup_names", lambda d: d["nodes"][2].__setitem__("name", d["nodes"][1]["name"]))
    mutate("version_str", lambda d: d["attrs"].__setitem__("mxnet_version", "x"))
    p = write(reg.path("list-symbol.json"), b"[1, 2, 3]")
    reg.bad("json_top_list", imports(p))
    p = write(reg.path("deep-symbol.json"), b"[" * 100000 + b"]" * 100000)
    reg.bad("json_deep_nesting", imports(p))
    p = write(reg.path("nan-symbol.json"), good.replace(b'"heads": [[8, 0, 0]]',
                                                        b'"heads": [[NaN, 0, 0]]'))
    reg.bad("json_nan_head", imports(p))
    p = write(reg.path("utf-symbol.json"), b"\xff\xfe" + good)
    reg.bad("json_bad_utf8", imports(p))

    # run a loaded block with wrong inputs
    reg.bad("run_wrong_rank", imports_run(sym_file, shape=(2, 3, 4)), "(2, 3, 4)")
    reg.bad("run_wrong_width", imports_run(sym_file, shape=(2, 5)), "(2, 5)")

    def wrong_dtype():
        blk = mx.gluon.SymbolBlock.imports(sym_file, ["data"], par_file)
        blk(mx.nd.ones((2, 3), dtype="int32")).asnumpy()
    reg.bad("run_int32_input", wrong_dtype, "int32")
    reg.bad("imports_wrong_input_name", lambda: mx.gluon.SymbolBlock.imports(
        sym_file, ["nodata"], par_file)(mx.nd.ones((2, 3))).asnumpy(), "'data' is missing")


# --- .params files: SymbolBlock.imports / load_parameters / ParameterDict.load -----------------

@group
def load_params(reg):
    prefix = exported(reg)
    sym_file, par_file = prefix + "-symbol.json", prefix + "-0000.params"
    good = read(par_file)
    saved = mx.nd.load(par_file)
    net = small_net()
    net.save_parameters(reg.path("net.params"))
    net_good = read(reg.path("net.params"))
    net.collect_params().save(reg.path("pd.params"))
    pd_good = read(reg.path("pd.params"))

    def imports(p):
        return lambda: mx.gluon.SymbolBlock.imports(sym_file, ["data"], p)(
            mx.nd.ones((2, 3))).asnumpy()

    def load_net(p, **kw):
        return lambda: small_net().load_parameters(p, **kw)

    def load_pd(p, **kw):
        return lambda: small_net().collect_params().load(p, **kw)

    reg.good("control_imports", imports(par_file))
    reg.good("control_load_parameters", load_net(reg.path("net.params")))
    reg.good("control_pd_load", load_pd(reg.path("pd.params")))
    for good_bytes, loader, tag in ((good, imports, "imp"), (net_good, load_net, "lp"),
                                    (pd_good, load_pd, "pd")):
        for label, data in damaged_versions(good_bytes):
            if label.startswith("flip"):
                continue
            p = write(reg.path("%s_%s.params" % (tag, label)), data)
            reg.bad("%s_%s" % (tag, label), loader(p), "")
        reg.bad(tag + "_symbol_as_params", loader(sym_file))
        marker = reg.path("PWNED_" + tag)
        p = write(reg.path("%s_pickle.params" % tag), pickle_payload(marker))
        reg.bad(tag + "_pickle", check_marker(marker, loader(p)))
        reg.bad(tag + "_missing_file", loader(reg.path("nope.params")), "nope.params")

    # wrong shapes / dtypes / names (imports: arg:/aux: keys)
    wkey = "arg:net_dense0_weight"

    def variant(label, d, *words):
        p = reg.path("v_%s.params" % label)
        mx.nd.save(p, d)
        reg.bad("imp_" + label, imports(p), *words)

    # SymbolBlock parameters have no shape until loaded (as in MXNet): the forward's shape
    # check names the node, the argument and the shapes
    variant("wrong_shape", dict(saved, **{wkey: mx.nd.ones((5, 3))}), "net_dense0_fwd",
            "weight shape (5, 3)")
    variant("wrong_rank", dict(saved, **{wkey: mx.nd.ones((12,))}), "net_dense0_fwd", "(12,)")
    variant("scalar_weight", dict(saved, **{wkey: mx.nd.array(np.array(1.0, np.float32))}),
            "net_dense0_fwd")
    variant("missing", {k: v for k, v in saved.items() if k != wkey}, "net_dense0_weight")
    variant("extra", dict(saved, **{"arg:bogus": mx.nd.ones((2,))}), "bogus")
    variant("aux_shape", dict(saved, **{"aux:net_batchnorm0_running_mean": mx.nd.ones((7,))}),
            "moving_mean", "(7,)")
    variant("int_dtype", dict(saved, **{wkey: mx.nd.ones((4, 3), dtype="int32")}),
            "int32")
    p = reg.path("v_list.params")
    mx.nd.save(p, list(saved.values()))
    reg.bad("imp_unnamed_list", imports(p))

    def lp_variant(label, d, *words, **kw):
        p = reg.path("lpv_%s.params" % label)
        mx.nd.save(p, d)
        reg.bad("lp_" + label, load_net(p, **kw), *words)
        pd = {("net_dense0_" + k[2:] if k.startswith("0.") else k): v for k, v in d.items()}
        pd = {("net_batchnorm0_" + k[2:] if k.startswith("1.") else k): v for k, v in pd.items()}
        p = reg.path("pdv_%s.params" % label)
        mx.nd.save(p, pd)
        reg.bad("pd_" + label, load_pd(p, **kw), *words)

    lp_good = mx.nd.load(reg.path("net.params"))
    k0 = "0.weight"
    lp_variant("wrong_shape", dict(lp_good, **{k0: mx.nd.ones((5, 3))}), "weight", "(5, 3)")
    lp_variant("scalar", dict(lp_good, **{k0: mx.nd.array(np.array(1.0, np.float32))}), "weight")
    lp_variant("wrong_rank", dict(lp_good, **{k0: mx.nd.ones((4, 3, 1))}), "weight", "(4, 3, 1)")
    lp_variant("dtype", dict(lp_good, **{k0: mx.nd.ones((4, 3), dtype="float64")}), "float64")
    lp_variant("missing", {k: v for k, v in lp_good.items() if k != k0}, "weight")
    lp_variant("extra", dict(lp_good, **{"9.bogus": mx.nd.ones((1,))}), "bogus")
    p = reg.path("lp_list.params")
    mx.nd.save(p, list(lp_good.values()))
    reg.bad("lp_unnamed_list", load_net(p))
    reg.bad("pd_unnamed_list", load_pd(p))


# --- checkpoints: mx.model.load_checkpoint / Module.load --------------------------------------

@group
def load_checkpoint(reg):
    prefix = exported(reg, "ck")
    sym_file, par_file = prefix + "-symbol.json", prefix + "-0000.params"
    good_sym, good_par = read(sym_file), read(par_file)

    def module_run(pfx):
        def run():
            mod = mx.mod.Module.load(pfx, 0, label_names=None)
            mod.bind(data_shapes=[("data", (2, 3))], for_training=False)
            mod.forward(mx.io.DataBatch([mx.nd.ones((2, 3))]), is_train=False)
            mod.get_outputs()[0].asnumpy()
        return run

    reg.good("control_load_checkpoint", lambda: mx.model.load_checkpoint(prefix, 0))
    reg.good("control_module", module_run(prefix))
    for label, data in damaged_versions(good_par)[:8]:
        pfx = reg.path("cp_%s" % label)
        write(pfx + "-symbol.json", good_sym)
        write(pfx + "-0000.params", data)
        reg.bad("ckpt_params_" + label, lambda pfx=pfx: mx.model.load_checkpoint(pfx, 0))
        reg.bad("module_params_" + label, module_run(pfx))
    for label, data in damaged_versions(good_sym)[:8]:
        pfx = reg.path("cs_%s" % label)
        write(pfx + "-symbol.json", data)
        write(pfx + "-0000.params", good_par)
        reg.bad("ckpt_symbol_" + label, lambda pfx=pfx: mx.model.load_checkpoint(pfx, 0))
    reg.bad("ckpt_missing_epoch", lambda: mx.model.load_checkpoint(prefix, 7), "0007")
    pfx = reg.path("nokeys")
    write(pfx + "-symbol.json", good_sym)
    mx.nd.save(pfx + "-0000.params", {"weight": mx.nd.ones((4, 3))})
    reg.bad("ckpt_key_without_prefix", lambda: mx.model.load_checkpoint(pfx, 0), "weight")
    pfx2 = reg.path("badshape")
    write(pfx2 + "-symbol.json", good_sym)
    d = mx.nd.load(par_file)
    d["arg:net_dense0_weight"] = mx.nd.ones((5, 3))
    mx.nd.save(pfx2 + "-0000.params", d)
    reg.bad("module_wrong_param_shape", module_run(pfx2), "net_dense0_weight", "(5, 3)")
    pfx3 = reg.path("baddtype")
    write(pfx3 + "-symbol.json", good_sym)
    d = mx.nd.load(par_file)
    d["arg:net_dense0_weight"] = mx.nd.ones((4, 3), dtype="int32")
    mx.nd.save(pfx3 + "-0000.params", d)
    reg.good("module_int_param", module_run(pfx3))     # MXNet casts silently too (checked)

    def module_states(states_bytes):
        def run():
            pfx4 = reg.path("mst")
            write(pfx4 + "-symbol.json", good_sym)
            write(pfx4 + "-0000.params", good_par)
            write(pfx4 + "-0000.states", states_bytes)
            mod = mx.mod.Module.load(pfx4, 0, load_optimizer_states=True, label_names=None)
            mod.bind(data_shapes=[("data", (2, 3))])
            mod.init_optimizer(optimizer="sgd", optimizer_params={"momentum": 0.9})
        return run
    marker = reg.path("PWNED_mod")
    reg.bad("module_states_pickle", check_marker(marker, module_states(pickle_payload(marker))))
    reg.bad("module_states_random", module_states(np.random.RandomState(1).bytes(100)))
    reg.bad("module_states_params_file", module_states(good_par))


# --- optimizer states: Trainer.load_states / Updater.set_states / kvstore -------------------------

MAGIC = b"MXOPTSTATES\x00"


def split_states(blob):
    """(header dict, array bytes) of an Updater.get_states blob."""
    (n,) = struct.unpack("<Q", blob[12:20])
    return json.loads(blob[20:20 + n].decode()), blob[20 + n:]


def join_states(header, arrays):
    text = json.dumps(header).encode()
    return MAGIC + struct.pack("<Q", len(text)) + text + arrays


def trained(units=4, in_units=3, dtype="float32", optimizer="sgd", ctx=None, kvstore="device",
            **opt):
    net = mx.gluon.nn.Dense(units, in_units=in_units, dtype=dtype)
    net.initialize(ctx=ctx)
    opt = opt or {"momentum": 0.9}
    tr = mx.gluon.Trainer(net.collect_params(), optimizer, opt, kvstore=kvstore)
    step(net, tr, in_units, dtype, ctx)
    return net, tr


def step(net, tr, in_units=3, dtype="float32", ctx=None):
    ctxs = ctx if isinstance(ctx, list) else [ctx or mx.cpu()]
    with mx.autograd.record():
        losses = [net(mx.nd.ones((2, in_units), dtype=dtype, ctx=c)).sum() for c in ctxs]
    mx.autograd.backward(losses)
    tr.step(2)


@group
def load_states(reg):
    net, tr = trained()
    tr.save_states(reg.path("good.states"))
    good = read(reg.path("good.states"))
    header, arrays = split_states(good)

    def trainer_load(data, then_step=True, **kw):
        def run():
            n2, t2 = trained(**kw)
            p = write(reg.path("in.states"), data)
            t2.load_states(p)
            if then_step:
                step(n2, t2)
                n2.weight.data().asnumpy()
        return run

    def updater_load(data):
        def run():
            upd = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
            upd.set_states(data)
            w, g = mx.nd.ones((4, 3)), mx.nd.ones((4, 3))
            upd(0, g, w)
            upd([0, 1], [g, g.copy()], [w, w.copy()])
        return run

    def kv_load(data):
        def run():
            kv = mx.kv.create("local")
            kv.set_optimizer(mx.optimizer.SGD(momentum=0.9))
            kv.init(0, mx.nd.ones((4, 3)))
            p = write(reg.path("kv.states"), data)
            kv.load_optimizer_states(p)
            kv.push(0, mx.nd.ones((4, 3)))
            out = mx.nd.zeros((4, 3))
            kv.pull(0, out=out)
            out.asnumpy()
        return run

    reg.good("control_trainer", trainer_load(good))
    for label, data in damaged_versions(good):
        add = reg.either if label.startswith("flip") else reg.bad
        add("trainer_" + label, trainer_load(data))
        add("updater_" + label, updater_load(data))
        add("kv_" + label, kv_load(data))
    par = mx.nd.save(reg.path("x.params"), {"w": mx.nd.ones((2,))}) or read(reg.path("x.params"))
    for tag, fn in (("trainer", trainer_load), ("updater", updater_load), ("kv", kv_load)):
        marker = reg.path("PWNED_" + tag)
        reg.bad(tag + "_pickle", check_marker(marker, fn(pickle_payload(marker))), "pickle")
        reg.bad(tag + "_params_file", fn(par))
        reg.bad(tag + "_json_only", fn(b'{"version": 1}'))
    # MXNet's Trainer.load_states / kvstore open() the file: FileNotFoundError, kept
    reg.raises("trainer_missing_file", lambda: trained()[1].load_states(
        reg.path("nope.states")), FileNotFoundError, "nope.states")
    reg.bad("updater_not_bytes", lambda: mx.optimizer.get_updater(
        mx.optimizer.SGD()).set_states({"a": 1}))

    # states of another model: shapes / dtypes that do not match the weights
    _, tr5 = trained(units=5)
    tr5.save_states(reg.path("five.states"))
    reg.bad("trainer_foreign_shapes", trainer_load(read(reg.path("five.states"))), "(5,)",
            "(4,)", "dense")
    _, tr64 = trained(dtype="float64")
    tr64.save_states(reg.path("f64.states"))
    reg.bad("trainer_foreign_dtype", trainer_load(read(reg.path("f64.states"))), "float64")
    _, tradam = trained(optimizer="adam", learning_rate=0.01)
    tradam.save_states(reg.path("adam.states"))
    reg.good("trainer_other_optimizer", trainer_load(read(reg.path("adam.states"))))
    upd = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
    upd(0, mx.nd.ones((5, 3)), mx.nd.ones((5, 3)))
    reg.bad("updater_foreign_shapes", updater_load(upd.get_states()), "(5, 3)", "(4, 3)")
    upd = mx.optimizer.get_updater(mx.optimizer.SGD())
    upd(0, mx.nd.ones((4, 3)), mx.nd.ones((4, 3)))
    reg.either("updater_states_without_momentum", updater_load(upd.get_states()))
    _, tr1 = trained(units=2, in_units=2)
    tr1.save_states(reg.path("two.states"))
    reg.bad("kv_foreign_shapes", kv_load(read(reg.path("two.states"))), "(2,)", "(4, 3)")

    # tampered headers
    def tamper(label, fn, *words, ok=False):
        h = json.loads(json.dumps(header))
        fn(h)
        add = reg.either if ok else reg.bad
        add("tamper_" + label, trainer_load(join_states(h, arrays)), *words)

    st = lambda h: h["states"]["dict"][0][1]     # noqa: E731
    attrs = lambda h: h["optimizer"]["attrs"]    # noqa: E731

    def set_attr(name, value):
        def fn(h):
            for item in attrs(h):
                if item[0] == name:
                    item[1] = value
                    return
            attrs(h).append([name, value])
        return fn

    tamper("version", lambda h: h.__setitem__("version", 99), "version")
    tamper("states_list", lambda h: h.__setitem__("states", [1, 2]))
    tamper("states_none", lambda h: h.pop("states"))
    tamper("nd_missing", lambda h: st(h).__setitem__("nd", "a99"), "a99")
    tamper("ctx_str", lambda h: st(h).__setitem__("ctx", "cpu"))
    tamper("ctx_bad_dev", lambda h: st(h).__setitem__("ctx", ["bogus", 0]))
    tamper("ctx_neg_id", lambda h: st(h).__setitem__("ctx", ["cpu", -3]))
    tamper("ctx_gpu", lambda h: st(h).__setitem__("ctx", ["gpu", 0]), ok=True)
    tamper("ctx_id_str", lambda h: st(h).__setitem__("ctx", ["cpu", "x"]))
    tamper("state_is_str", lambda h: h["states"]["dict"][0].__setitem__(1, "zzz"))
    tamper("state_is_number", lambda h: h["states"]["dict"][0].__setitem__(1, 3.5))
    tamper("state_dict_item_bad", lambda h: h["states"].__setitem__("dict", [[0]]))
    tamper("state_key_dict", lambda h: h["states"].__setitem__("dict", [[{"list": [1]},
                                                                         None]]), ok=True)
    tamper("state_key_unhashable", lambda h: h["states"].__setitem__(
        "dict", [[{"dict": []}, None]]))
    tamper("float_bad", lambda h: h["states"]["dict"][0].__setitem__(1, {"float": "1e5"}))
    tamper("dtype_bad", lambda h: h["states"]["dict"][0].__setitem__(1, {"dtype": "zzz"}))
    tamper("context_bad", lambda h: h["states"]["dict"][0].__setitem__(1, {"context": 5}))
    tamper("unknown_tag", lambda h: h["states"]["dict"][0].__setitem__(1, {"eval": "1"}))
    tamper("opt_class_unknown", lambda h: h["optimizer"].__setitem__("class", "os:system"))
    tamper("opt_class_not_str", lambda h: h["optimizer"].__setitem__("class", [1]))
    tamper("opt_not_dict", lambda h: h.__setitem__("optimizer", 5))
    tamper("opt_attrs_not_list", lambda h: h["optimizer"].__setitem__("attrs", 5))
    tamper("opt_attr_dunder_class", set_attr("__class__", 1))
    tamper("opt_attr_dunder_dict", set_attr("__dict__", 1))
    tamper("opt_lr_str", set_attr("lr", "abc"), "lr")
    tamper("opt_lr_list", set_attr("lr", {"list": [1]}), "lr")
    tamper("opt_momentum_str", set_attr("momentum", "abc"), "momentum")
    tamper("opt_wd_none", set_attr("wd", None), "wd")
    tamper("opt_rescale_str", set_attr("rescale_grad", "x"), "rescale_grad")
    tamper("opt_aggregate_str", set_attr("aggregate_num", "x"), "aggregate_num")
    tamper("opt_num_update_str", set_attr("num_update", "x"), "num_update")
    tamper("opt_counts_bad", set_attr("_index_update_count", {"dict": [[0, "x"]]}))
    tamper("opt_counts_not_dict", set_attr("_index_update_count", 5))
    tamper("opt_all_counts_bad", set_attr("_all_index_update_counts", 5))
    tamper("opt_lr_mult_bad", set_attr("lr_mult", {"dict": [[0, "x"]]}))
    tamper("opt_lr_mult_not_dict", set_attr("lr_mult", 3))
    tamper("opt_sched_unknown", set_attr("lr_scheduler", {"lr_scheduler": "os:system",
                                                          "attrs": []}))
    tamper("opt_sched_bad_attrs", set_attr("lr_scheduler", {
        "lr_scheduler": "framework.lr_scheduler:FactorScheduler", "attrs": [["step", "x"]]}))
    tamper("opt_sched_empty", set_attr("lr_scheduler", {
        "lr_scheduler": "framework.lr_scheduler:FactorScheduler", "attrs": []}))
    tamper("opt_unknown_attr", set_attr("zzz_unknown", 1), ok=True)
    tamper("opt_device_bad", lambda h: h["optimizer"].__setitem__("device", {"list": [1]}))
