"""Quick measurements of elementwise fusion and memory planning (standalone script).

    python benchmarks/fusion_quick.py            # chain + LeNet + epilogues
    python benchmarks/fusion_quick.py --no-torch-compile

1. `relu(x*a + b) * sigmoid(x) - tanh(x) / 2` on 4M float32 (x, a, b arrays): the fused
   kernel (compiler/ops/fused.py, called directly) vs NumPy, torch eager, torch.compile.
2. LeNet (batch 64) through the executor: a training step and an inference forward with
   fusion / memory planning off and on, and the memory plan (arena vs one buffer per value).
3. Epilogues: a tanh after LeNet's conv1 as its own op kernel vs as a (single-node) fused
   kernel, and FullyConnected + relu vs GEMM followed by a fused bias+relu kernel.

Times are min / median over interleaved repetitions (the machine is shared).  Figures only.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import framework as mx  # noqa: E402
from benchmarks.ops_conv_quick import timeit  # noqa: E402
from compiler import pipeline  # noqa: E402
from compiler.ir.graph import Entry, Node  # noqa: E402
from compiler.ops import registry  # noqa: E402
from compiler.ops.fused import FusedElementwise  # noqa: E402
from compiler.ops.registry import OpContext  # noqa: E402
from compiler.passes import infer_shape, infer_type  # noqa: E402
from compiler.passes.fuse import fuse  # noqa: E402

N = 1 << 22


def _fmt(res):
    return "  ".join("%s %.2f/%.2f ms" % (k, v[0] * 1e3, v[1] * 1e3) for k, v in res.items())


def chain(with_compile):
    x, a, b = (mx.sym.Variable(n) for n in "xab")
    y = mx.sym.relu(x * a + b) * mx.sym.sigmoid(x) - mx.sym.tanh(x) / 2
    shapes = {"x": (N,), "a": (N,), "b": (N,)}
    g = fuse(infer_type(infer_shape(y._graph(), shapes), {k: "float32" for k in shapes}))
    (node,) = [n for n in g.nodes if not n.is_variable]
    rng = np.random.default_rng(0)
    X, A, B = (rng.standard_normal(N).astype(np.float32) for _ in range(3))
    out = np.empty(N, np.float32)
    kern = node.op.kernel("cpu")
    fns = {"fused": lambda: kern(None, [X, A, B], [out], None),
           "numpy": lambda: np.maximum(X * A + B, 0) * (1 / (1 + np.exp(-X))) - np.tanh(X) / 2}
    try:
        import torch
        torch.set_num_threads(2)
        tx, ta, tb = (torch.from_numpy(v) for v in (X, A, B))

        def tf(x, a, b):
            return torch.relu(x * a + b) * torch.sigmoid(x) - torch.tanh(x) / 2
        fns["torch"] = lambda: tf(tx, ta, tb)
        if with_compile:
            try:
                cf = torch.compile(tf)
                cf(tx, ta, tb)
                fns["torch.compile"] = lambda: cf(tx, ta, tb)
            except Exception as err:         # no C++ compiler, ...
                print("torch.compile unavailable: %s" % str(err).splitlines()[0][:100])
    except ImportError:
        pass
    kern(None, [X, A, B], [out], None)
    err = np.abs(out - fns["numpy"]()).max()
    print("chain on %d float32 (max |fused - numpy| %.1e):" % (N, err))
    print("  " + _fmt(timeit(fns, repeats=15)))


def lenet():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "tests", "compat"))
    import viz_cases
    with mx.name.NameManager():
        net, _ = viz_cases.lenet(mx)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64).astype(np.float32)
    fns = {}
    for label, f, p in (("plain", False, False), ("plan", False, True), ("fuse+plan", True, True)):
        exe = net.simple_bind(mx.cpu(), data=(64, 1, 28, 28),
                              options=pipeline.Options(fuse=f, plan_memory=p))
        for name, arr in exe.arg_dict.items():
            arr[:] = x if name == "data" else y if name == "softmax_label" else \
                (rng.standard_normal(arr.shape) * 0.1).astype(np.float32)

        def train(exe=exe):
            exe.forward(is_train=True)
            exe.backward()

        def infer(exe=exe):
            exe.forward(is_train=False)
        fns["train " + label], fns["infer " + label] = train, infer
        if label == "fuse+plan":
            st = exe._plan.graph.attrs.get("mem_stats") if hasattr(exe, "_plan") else None
            if st:
                print("LeNet training graph memory: arena %.2f MB vs naive %.2f MB, in-place %d"
                      % (st["arena_bytes"] / 1e6, st["naive_bytes"] / 1e6, st["inplace_count"]))
    print("LeNet batch 64 (min/median):")
    print("  " + _fmt(timeit(fns, repeats=10)))


def epilogues():
    octx = OpContext()
    rng = np.random.default_rng(0)
    conv, act = registry.get("Convolution"), registry.get("Activation")
    c_attrs = conv.parse(dict(kernel=(5, 5), num_filter=20))
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    w = rng.standard_normal((20, 1, 5, 5)).astype(np.float32)
    b = rng.standard_normal(20).astype(np.float32)
    o, o2 = np.empty((64, 20, 24, 24), np.float32), np.empty((64, 20, 24, 24), np.float32)
    v = Node.variable("c")
    n = Node(act, "t", dict(act_type="tanh"), [Entry(v)])
    single = FusedElementwise([n], [Entry(v)], [Entry(n)],
                              {(id(v), 0): "float32", (id(n), 0): "float32"})
    t_attrs = act.parse(dict(act_type="tanh"))
    print("conv1 + tanh (64x20x24x24):")
    print("  " + _fmt(timeit({
        "conv1": lambda: conv.kernel("cpu")(c_attrs, [x, w, b], [o], octx),
        "tanh op": lambda: act.kernel("cpu")(t_attrs, [o], [o2], octx),
        "tanh fused": lambda: single.cpu_kernel(None, [o], [o2], octx)}, repeats=15)))
    fc = registry.get("FullyConnected")
    f_attrs, r_attrs = fc.parse(dict(num_hidden=500)), act.parse(dict(act_type="relu"))
    xf = rng.standard_normal((64, 800)).astype(np.float32)
    wf = rng.standard_normal((500, 800)).astype(np.float32)
    bf = rng.standard_normal(500).astype(np.float32)
    of = np.empty((64, 500), np.float32)
    vo, vb = Node.variable("o"), Node.variable("bias")
    add = Node(registry.get("broadcast_add"), "add", {}, [Entry(vo), Entry(vb)])
    relu = Node(act, "r", dict(act_type="relu"), [Entry(add)])
    dts = {(id(k), 0): "float32" for k in (vo, vb, add, relu)}
    epi = FusedElementwise([add, relu], [Entry(vo), Entry(vb)], [Entry(relu)], dts)
    b2 = bf.reshape(1, -1)

    def separate():
        fc.kernel("cpu")(f_attrs, [xf, wf, bf], [of], octx)
        act.kernel("cpu")(r_attrs, [of], [of], octx)

    def epilogue():
        np.matmul(xf, wf.T, out=of)
        epi.cpu_kernel(None, [of, b2], [of], octx)
    print("fc1 (64x800 -> 500) + relu:")
    print("  " + _fmt(timeit({"FC then relu op": separate, "GEMM then fused bias+relu": epilogue},
                             repeats=15)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--no-torch-compile", action="store_true")
    args = p.parse_args()
    chain(not args.no_torch_compile)
    lenet()
    epilogues()


if __name__ == "__main__":
    main()
