"""Figures for the distributed note: MPI allreduce bandwidth and MLP step throughput.

    python -m benchmarks.dist_allreduce [--ranks 2] [--json dist.json] [--steps 20]

Runs itself under mpiexec (through framework.tools.launch) as workers:
  allreduce  float32 buffers of 1, 4, 16, 64 MB: one MPI Allreduce, and kv.pushpull of the same
             bytes as one tensor and as 64 KB tensors (bucketed, vs one Allreduce per tensor)
  mlp        784-512-512-10 MLP (raw NDArrays + autograd + kvstore pushpull + SGD momentum),
             batch 128 per rank, with 1 rank and with N ranks: samples/s and the scaling
             efficiency  throughput(N) / (N x throughput(1)).
Not part of the test suite.  Bandwidths: algbw = bytes / time, busbw = algbw x 2(n-1)/n
(what each rank sends and receives in a ring allreduce).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES_MB = (1, 4, 16, 64)
SMALL_KB = 64


def _median_time(fn, comm, reps, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        comm.Barrier()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    # the slowest rank decides a collective's time
    from mpi4py import MPI
    import numpy as np
    t = np.array([sorted(times)[len(times) // 2]])
    comm.Allreduce(MPI.IN_PLACE, t, op=MPI.MAX)
    return float(t[0])


def worker_allreduce(out):
    import numpy as np
    from mpi4py import MPI
    import framework as mx
    kv = mx.kv.create('dist_sync')
    comm = MPI.COMM_WORLD
    n = comm.Get_size()
    rows = []
    for mb in SIZES_MB:
        nbytes = mb << 20
        count = nbytes // 4
        reps = max(5, min(30, 512 // mb))
        buf = np.ones(count, np.float32)
        t_mpi = _median_time(lambda: comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM), comm, reps)
        key = 'one%d' % mb
        kv.init(key, mx.nd.zeros((count,)))
        grad = mx.nd.ones((count,))
        t_kv = _median_time(lambda: kv.pushpull(key, grad), comm, reps)
        n_small = nbytes // (SMALL_KB << 10)
        keys = ['s%d_%d' % (mb, i) for i in range(n_small)]
        smalls = [mx.nd.ones(((SMALL_KB << 10) // 4,)) for _ in keys]
        kv.init(keys, [mx.nd.zeros(s.shape) for s in smalls])
        t_bucket = _median_time(lambda: kv.pushpull(keys, smalls), comm, reps)
        arrays = [s._data for s in smalls]

        def per_tensor():
            for a in arrays:
                comm.Allreduce(MPI.IN_PLACE, a, op=MPI.SUM)
        t_per = _median_time(per_tensor, comm, reps)
        rows.append({"MB": mb, "mpi_allreduce_s": t_mpi, "kv_pushpull_one_tensor_s": t_kv,
                     "kv_pushpull_bucketed_s": t_bucket, "n_small_tensors": n_small,
                     "allreduce_per_tensor_s": t_per,
                     "algbw_GBps": nbytes / t_mpi / 1e9,
                     "busbw_GBps": nbytes / t_mpi / 1e9 * 2 * (n - 1) / n})
    if comm.Get_rank() == 0:
        with open(out, "w") as f:
            json.dump({"ranks": n, "bucket_MB": kv._coll.bucket_nbytes / (1 << 20),
                       "rows": rows}, f, indent=1)


def worker_mlp(out, steps):
    import numpy as np
    import framework as mx
    kv = mx.kv.create('dist_sync')
    rank, n = kv.rank, kv.num_workers
    rng = np.random.RandomState(0)
    shapes = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
    params = [mx.nd.array(rng.normal(0, 0.05, s).astype(np.float32)) for s in shapes]
    keys = list(range(len(params)))
    kv.init(keys, params)
    kv.pull(keys, out=params)
    batch = 128
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.05, momentum=0.9,
                                      rescale_grad=1.0 / (batch * n)))
    data_rng = np.random.RandomState(1 + rank)
    x = mx.nd.array(data_rng.normal(0, 1, (batch, 784)).astype(np.float32))
    y = mx.nd.array(data_rng.randint(0, 10, batch).astype(np.float32))
    for p in params:
        p.attach_grad()

    def step():
        with mx.autograd.record():
            h = mx.nd.relu(mx.nd.FullyConnected(x, params[0], params[1], num_hidden=512))
            h = mx.nd.relu(mx.nd.FullyConnected(h, params[2], params[3], num_hidden=512))
            o = mx.nd.FullyConnected(h, params[4], params[5], num_hidden=10)
            loss = mx.nd.softmax_cross_entropy(o, y)
        loss.backward()
        kv.pushpull(keys, [p.grad for p in params], out=params)

    for _ in range(3):
        step()
    kv.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    kv.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"ranks": n, "steps": steps, "step_s": elapsed / steps,
                       "samples_per_s": batch * n * steps / elapsed,
                       "threads_per_rank": os.environ.get("NUMBA_NUM_THREADS")}, f)


def _run(n, args, threads=None):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        path = tmp.name
    cmd = [sys.executable, "-m", "framework.tools.launch", "-n", str(n)]
    if threads:
        cmd += ["--env=%s=%d" % (var, threads) for var in
                ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")]
    cmd += [os.path.abspath(__file__)] + args + ["--out", path]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    with open(path) as f:
        result = json.load(f)
    os.remove(path)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--json", default=None)
    parser.add_argument("--threads-per-rank", type=int, default=1,
                        help="threads of every rank in the MLP runs (default 1: 1 rank uses one "
                             "core, N ranks N cores); 0 = the launcher's cores // ranks")
    parser.add_argument("--worker", choices=["allreduce", "mlp"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "allreduce":
        sys.path.insert(0, ROOT)
        return worker_allreduce(args.out)
    if args.worker == "mlp":
        sys.path.insert(0, ROOT)
        return worker_mlp(args.out, args.steps)

    result = {"allreduce": _run(args.ranks, ["--worker", "allreduce"])}
    mlp = {str(n): _run(n, ["--worker", "mlp", "--steps", str(args.steps)],
                        threads=args.threads_per_rank) for n in (1, args.ranks)}
    if args.threads_per_rank:
        # one process using the whole machine (its cores as threads), for reference
        mlp["1-whole-machine"] = _run(1, ["--worker", "mlp", "--steps", str(args.steps)])
    one, many = mlp["1"]["samples_per_s"], mlp[str(args.ranks)]["samples_per_s"]
    result["mlp"] = mlp
    result["scaling_efficiency"] = many / (args.ranks * one)
    ar = result["allreduce"]
    print("allreduce, %d ranks (bucket %.0f MB):" % (ar["ranks"], ar["bucket_MB"]))
    print("%6s %12s %10s %10s %14s %16s %16s" % ("MB", "MPI ms", "algbw GB/s", "busbw GB/s",
                                                 "kv 1 tensor ms", "kv bucketed ms",
                                                 "per-tensor ms"))
    for r in ar["rows"]:
        print("%6d %12.2f %10.2f %10.2f %14.2f %16.2f %16.2f (%d x %d KB)"
              % (r["MB"], r["mpi_allreduce_s"] * 1e3, r["algbw_GBps"], r["busbw_GBps"],
                 r["kv_pushpull_one_tensor_s"] * 1e3, r["kv_pushpull_bucketed_s"] * 1e3,
                 r["allreduce_per_tensor_s"] * 1e3, r["n_small_tensors"], SMALL_KB))
    print("MLP 784-512-512-10, batch 128 per rank:")
    for n, r in mlp.items():
        print("  %s rank(s): %.2f ms/step, %.0f samples/s (threads per rank: %s)"
              % (n, r["step_s"] * 1e3, r["samples_per_s"], r["threads_per_rank"]))
    print("  scaling efficiency %d ranks: %.2f" % (args.ranks, result["scaling_efficiency"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
