"""Launch a data-parallel job on MPI: `python -m framework.tools.launch -n N train.py args...`.

Runs `mpiexec -n N python -m mpi4py train.py args...` (the mpiexec of the `mpich` wheel in
sys.prefix/bin first), so each worker is an MPI rank and `mx.kv.create('dist_sync')` uses
MPI.COMM_WORLD.  `python -m mpi4py` makes an uncaught exception or a non-zero sys.exit on
any rank abort the whole job.  The launcher exits with the job's exit code.

Each rank gets OMP/Numba/BLAS thread counts of (CPU cores // N) unless they are set, so
N ranks on one machine do not oversubscribe its cores.  A command that is not a .py file
runs as given (`launch -n 2 python train.py` works too).
"""
import argparse
import os
import shutil
import subprocess
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "MKL_NUM_THREADS")


def find_mpiexec():
    """Path of mpiexec: $MXNET_MPIEXEC, then sys.prefix/bin (the mpich wheel), then PATH;
    None when there is none."""
    explicit = os.environ.get("MXNET_MPIEXEC")
    if explicit:
        return explicit
    for name in ("mpiexec", "mpirun"):
        candidate = os.path.join(sys.prefix, "bin", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
    return None


def worker_env(num_workers, base=None):
    """The environment of the ranks: the caller's, plus thread counts that share the cores."""
    env = dict(os.environ if base is None else base)
    threads = str(max(1, (os.cpu_count() or 1) // max(1, num_workers)))
    for var in THREAD_VARS:
        env.setdefault(var, threads)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["MXNET_LAUNCHER_NUM_WORKERS"] = str(num_workers)
    return env


def build_command(args, mpiexec):
    """The mpiexec command line for parsed `args`."""
    cmd = [mpiexec, "-n", str(args.num_workers)]
    if args.hostfile:
        cmd += ["-f", args.hostfile]
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if command[0].endswith(".py"):
        command = [sys.executable, "-m", "mpi4py"] + command
    elif os.path.basename(command[0]).startswith("python") and len(command) > 1 \
            and command[1].endswith(".py"):
        command = [command[0], "-m", "mpi4py"] + command[1:]
    return cmd + command


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m framework.tools.launch",
        description="Launch a dist_sync training job with MPI (mpiexec).")
    parser.add_argument("-n", "--num-workers", required=True, type=int,
                        help="number of worker processes (MPI ranks)")
    parser.add_argument("-s", "--num-servers", type=int, default=None,
                        help="accepted for MXNet compatibility; there are no server "
                             "processes (workers allreduce)")
    parser.add_argument("-H", "--hostfile", type=str, default=None,
                        help="MPI host file (one host per line) for a multi-machine job")
    parser.add_argument("--launcher", type=str, default="mpi", choices=["mpi", "local"],
                        help="'mpi' (default) and 'local' both start the ranks with mpiexec")
    parser.add_argument("--timeout", type=int, default=None,
                        help="end the job after this many seconds (MPIEXEC_TIMEOUT)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set an environment variable on every rank (repeatable)")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="the training script and its arguments")
    args = parser.parse_args(argv)
    if not args.command or args.command == ["--"]:
        parser.error("no command given (e.g. train.py --epochs 1)")
    if args.num_workers < 1:
        parser.error("-n must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    mpiexec = find_mpiexec()
    if mpiexec is None:
        sys.stderr.write("launch: no mpiexec found (pip install 'mxnet-numba-framework[dist]' "
                         "installs mpich and mpi4py)\n")
        return 127
    if args.num_servers:
        sys.stderr.write("launch: -s/--num-servers ignored: dist_sync sums gradients among "
                         "the workers with MPI allreduce (no server processes)\n")
    env = worker_env(args.num_workers)
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            sys.stderr.write("launch: --env expects NAME=VALUE, got %r\n" % item)
            return 2
        env[name] = value
    if args.timeout:
        env["MPIEXEC_TIMEOUT"] = str(args.timeout)     # hydra ends the job after that
    cmd = build_command(args, mpiexec)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
