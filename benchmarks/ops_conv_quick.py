"""Quick convolution / pooling measurement against PyTorch CPU (standalone script).

    python benchmarks/ops_conv_quick.py              # ours (mx.nd + autograd) vs torch
    python benchmarks/ops_conv_quick.py --sweep      # also the kernel alternatives (chunking,
                                                     # parallel im2col) on raw NumPy arrays

Both sides use 2 threads (torch.set_num_threads(2); OpenBLAS uses the 2 cores).  Timings
are medians of interleaved repetitions with a short sleep before each one (OpenBLAS threads
spin after a GEMM and would slow whatever runs next).  Reports figures only: no asserts.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import framework as mx  # noqa: E402
from kernels.cpu import conv as K  # noqa: E402

CONVS = [
    ("lenet_conv1", (64, 1, 28, 28), 20, (5, 5), (0, 0)),
    ("lenet_conv2", (64, 20, 12, 12), 50, (5, 5), (0, 0)),
    ("conv3x3_64", (32, 64, 28, 28), 64, (3, 3), (1, 1)),
]
POOL = ("maxpool2x2", (64, 20, 24, 24))


def timeit(fns, repeats=30, min_time=0.01, settle=0.02):
    """{name: (min, median) seconds per call}, repetitions of all fns interleaved.

    The machine is shared: the minimum is the figure to compare, the median shows the noise."""
    loops = {}
    for name, fn in fns.items():
        fn()
        fn()
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            if time.perf_counter() - t0 >= min_time:
                break
            n *= 2
        loops[name] = n
    samples = {name: [] for name in fns}
    names = list(fns)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(settle)
            n = loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fns[name]()
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: (min(v), statistics.median(v)) for name, v in samples.items()}


def conv_impls(shape, F, kernel, pad, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((F, shape[1]) + kernel) * 0.1).astype(np.float32)
    b = rng.standard_normal(F).astype(np.float32)
    kw = dict(kernel=kernel, num_filter=F, pad=pad)
    mx_x, mx_w, mx_b = mx.nd.array(x), mx.nd.array(w), mx.nd.array(b)
    y = mx.nd.Convolution(mx_x, mx_w, mx_b, **kw)
    og = rng.standard_normal(y.shape).astype(np.float32)
    mx_og = mx.nd.array(og)
    for a in (mx_x, mx_w, mx_b):
        a.attach_grad()

    def ours_fwd():
        mx.nd.Convolution(mx_x, mx_w, mx_b, **kw)

    def ours_fwdbwd():
        with mx.autograd.record():
            out = mx.nd.Convolution(mx_x, mx_w, mx_b, **kw)
        out.backward(mx_og)

    tx = torch.from_numpy(x).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    tb = torch.from_numpy(b).requires_grad_(True)
    tog = torch.from_numpy(og)
    conv = torch.nn.functional.conv2d

    def torch_fwd():
        with torch.no_grad():
            conv(tx, tw, tb, padding=pad)

    def torch_fwdbwd():
        tx.grad = tw.grad = tb.grad = None
        conv(tx, tw, tb, padding=pad).backward(tog)

    # correctness of what we time
    ref = conv(tx, tw, tb, padding=pad).detach().numpy()
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-3, atol=1e-3)
    return dict(ours_fwd=ours_fwd, torch_fwd=torch_fwd), \
        dict(ours_fwdbwd=ours_fwdbwd, torch_fwdbwd=torch_fwdbwd)


def pool_impls(shape, torch):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    mx_x = mx.nd.array(x)
    mx_x.attach_grad()
    y = mx.nd.Pooling(mx_x, kernel=(2, 2), stride=(2, 2))
    mx_og = mx.nd.ones(y.shape)
    tx = torch.from_numpy(x).requires_grad_(True)
    tog = torch.ones(y.shape)
    mp = torch.nn.functional.max_pool2d
    np.testing.assert_allclose(y.asnumpy(), mp(tx, 2).detach().numpy())

    def ours_fwd():
        mx.nd.Pooling(mx_x, kernel=(2, 2), stride=(2, 2))

    def ours_fwdbwd():
        with mx.autograd.record():
            out = mx.nd.Pooling(mx_x, kernel=(2, 2), stride=(2, 2))
        out.backward(mx_og)

    def torch_fwd():
        with torch.no_grad():
            mp(tx, 2)

    def torch_fwdbwd():
        tx.grad = None
        mp(tx, 2).backward(tog)

    return dict(ours_fwd=ours_fwd, torch_fwd=torch_fwd), \
        dict(ours_fwdbwd=ours_fwdbwd, torch_fwdbwd=torch_fwdbwd)


def sweep(shape, F, kernel, pad):
    """Kernel alternatives on raw arrays: samples per im2col chunk (1 = per-sample GEMMs
    writing the output in place, N = one batched im2col + one GEMM + a transpose)."""
    rng = np.random.default_rng(0)
    N = shape[0]
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((F, shape[1]) + kernel).astype(np.float32).reshape(F, -1)
    out_sp = tuple(s + 2 * p - k + 1 for s, p, k in zip(shape[2:], pad, kernel))
    g = K.geometry(kernel, (1, 1), pad, (1, 1), out_sp)
    out = np.empty((N, F, int(np.prod(out_sp))), np.float32)
    og = rng.standard_normal(out.shape).astype(np.float32)
    x5 = K.as5d(x)
    dx = np.empty(x5.shape, np.float32)
    dw = np.empty_like(w)
    auto = K.pick_chunk(N, w.shape[1], out.shape[2], 4)
    fns = {}
    for chunk in sorted({1, 4, 16, N, auto}):
        tag = "chunk=%d%s" % (chunk, " (auto)" if chunk == auto else "")
        fns["fwd " + tag] = lambda c=chunk: K.conv_forward(x5, w, out, g, 1, c)
        fns["bwd " + tag] = lambda c=chunk: K.conv_backward(og, x5, w, dx, dw, g, 1, c)
    res = timeit(fns)
    for name in sorted(res, key=lambda n: (n.split()[0], res[n][0])):
        print("    %-22s min %8.2f ms   median %8.2f ms" % (name, res[name][0] * 1e3,
                                                           res[name][1] * 1e3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="also time the kernel alternatives")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (min is kept)")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(2)
    print("torch %s, %d threads; numpy %s" % (torch.__version__, torch.get_num_threads(),
                                              np.__version__))
    rows = [(name, conv_impls(shape, F, k, p, torch)) for name, shape, F, k, p in CONVS]
    rows.append((POOL[0], pool_impls(POOL[1], torch)))
    best = {}
    for _ in range(args.rounds):    # min over rounds spread in time: the machine is shared
        for name, (fwd, fwdbwd) in rows:
            for label, fns in (("fwd", fwd), ("fwd+bwd", fwdbwd)):
                res = [timeit(fns)[k] for k in fns]      # [(min, median) ours, torch]
                prev = best.setdefault((name, label), res)
                best[(name, label)] = [min(r, q) for r, q in zip(res, prev)]  # by min
    print("%-12s %-8s %21s %21s %12s" % ("workload", "pass", "ours ms (min/med)",
                                           "torch ms (min/med)", "ratio min"))
    for (name, label), ((o_min, o_med), (t_min, t_med)) in best.items():
        print("%-12s %-8s %10.2f %10.2f %10.2f %10.2f %12.2f"
              % (name, label, o_min * 1e3, o_med * 1e3, t_min * 1e3, t_med * 1e3, o_min / t_min))
    if args.sweep:
        for name, shape, F, k, p in CONVS:
            print("sweep %s %s F=%d k=%s pad=%s" % (name, shape, F, k, p))
            sweep(shape, F, k, p)


if __name__ == "__main__":
    main()
