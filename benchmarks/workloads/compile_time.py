"""Suite "compile": time to the first training step, and recompiles on a new batch size.

For the symbolic LeNet step (lenet_step) and the hybridized Gluon MLP step
(mlp_hybrid_step), each in fresh subprocesses (benchmarks/probe.py):

- cold: a new, empty kernel cache (MXNET_KERNEL_CACHE_DIR and NUMBA_CACHE_DIR in a fresh
  temporary directory): the first step compiles every kernel (not run with --quick: it
  takes tens of seconds);
- warm: processes on the same cache directory afterwards (median of up to 5): the first
  step loads compiled kernels from disk;
- time to first step = from spawning the process (interpreter start and imports included)
  to the end of the first step, as a user waits for it;
- Python bytecode is cached (outside the source tree, see PYCACHE), as for an installed
  package; the kernel cache is what "empty" and "warm" refer to;
- then, in the same process, the step on a new batch size only (Executor.reshape for the
  symbolic step, a new batch through the hybridized block): the kernels compiled (and
  kernel signatures added) must be 0 -- kernels are compiled per dtype and rank, never
  per shape.  A non-zero count makes the result "wrong".

torch and MXNet: the same step in a fresh process (no kernel cache to speak of).
"""
import os
import shutil
import statistics
import tempfile

from ..workload import Probe
from .gluon_models import mlp_hybrid_step
from .models import lenet_step

SUITE = "compile"
# Python bytecode of every process here goes to one directory outside the source tree, as
# an installed package has its .pyc files: without it a checkout run with
# PYTHONDONTWRITEBYTECODE=1 recompiles ~190 modules (~0.5 s) in every process.  It is
# filled by an import-only process per library before anything is timed.
PYCACHE = os.path.join(tempfile.gettempdir(), "framework-bench-pycache-%d" % os.getuid())
BYTECODE_ENV = {"PYTHONPYCACHEPREFIX": PYCACHE, "PYTHONDONTWRITEBYTECODE": ""}


_primed = set()


def _prime(env, impl):
    """One import-only process per library and run fills the bytecode cache."""
    if (impl, env.python) not in _primed:
        env.child({"workload": "", "impl": impl, "import_only": True}, BYTECODE_ENV)
        _primed.add((impl, env.python))

METRICS = [
    ("first_step_warm_s", "time to first step, warm cache (process start to step end)", "s"),
    ("first_step_cold_s", "time to first step, empty cache", "s"),
    ("import_s", "  import (warm)", "s"),
    ("build_s", "  build / bind / hybridize (warm)", "s"),
    ("first_call_s", "  first step call (warm)", "s"),
    ("first_call_cold_s", "  first step call (empty cache)", "s"),
    ("kernels_compiled_cold", "kernels compiled, empty cache", "count"),
    ("kernels_compiled_warm", "kernels compiled, warm cache", "count"),
    ("kernels_loaded_warm", "kernels loaded from the cache, warm", "count"),
    ("rebatch_kernels_compiled", "kernels compiled for a new batch size", "count"),
    ("rebatch_signatures_added", "kernel signatures added for a new batch size", "count"),
    ("rebatch_s", "new batch size: rebind + first step (warm)", "s"),
]


def _median(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def first_step_probe(name, target, desc):
    batch = {k: target.sizes[k]["batch"] for k in ("full", "quick")}

    def ours(size, sizes, env):
        spec = {"workload": target.name, "impl": "ours", "size": size,
                "rebatch": max(1, batch[size] // 2)}
        values, cold = {}, None
        tmp = None if env.quick else tempfile.mkdtemp(prefix="bench-compile-cache-")
        cache_env = dict(BYTECODE_ENV)
        if tmp is not None:
            cache_env.update({"MXNET_KERNEL_CACHE_DIR": tmp, "NUMBA_CACHE_DIR": os.path.join(tmp, "numba")})
        _prime(env, "ours")
        try:
            if tmp is None:
                env.note("empty-cache run skipped with --quick (it compiles every kernel); the "
                         "warm run uses the current kernel cache")
            else:
                cold = env.child(spec, cache_env)
            warm = [env.child(spec, cache_env) for _ in range(env.repeats)]
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        if cold is not None:
            values["first_step_cold_s"] = cold["time_to_first_step_s"]
            values["first_call_cold_s"] = cold["first_step_s"]
            values["kernels_compiled_cold"] = cold["kernels_first_step"]["compiled"]
        values.update(_summary(warm))
        values["kernels_compiled_warm"] = max(r["kernels_first_step"]["compiled"] for r in warm)
        values["kernels_loaded_warm"] = _median([r["kernels_first_step"] for r in warm], "from_cache")
        runs = warm + ([cold] if cold else [])
        values["rebatch_kernels_compiled"] = max(r["kernels_rebatch"]["compiled"] for r in runs)
        values["rebatch_signatures_added"] = max(r["kernels_rebatch"]["signatures"] for r in runs)
        values["rebatch_s"] = _median(warm, "rebatch_s")
        return values

    def peer(impl):
        def run(size, sizes, env):
            _prime(env, impl)
            return _summary([env.child({"workload": target.name, "impl": impl, "size": size}, BYTECODE_ENV)
                             for _ in range(env.repeats)])
        return run

    return Probe(name, SUITE, desc, full=target.sizes["full"], quick=target.sizes["quick"],
                 impls={"ours": ours, "torch": peer("torch"), "mxnet": peer("mxnet")},
                 metrics=METRICS, primary="first_step_warm_s",
                 expect={"rebatch_kernels_compiled": 0, "rebatch_signatures_added": 0})


def _summary(runs):
    return {"first_step_warm_s": _median(runs, "time_to_first_step_s"),
            "import_s": _median(runs, "import_s"), "build_s": _median(runs, "build_s"),
            "first_call_s": _median(runs, "first_step_s")}


WORKLOADS = [
    first_step_probe("first_step_lenet_symbolic", lenet_step(), "symbolic LeNet training step "
                     "(lenet_step, batch 64): time to first step with an empty / a warm kernel "
                     "cache; kernels compiled when only the batch size changes (Executor.reshape)"),
    first_step_probe("first_step_mlp_hybrid", mlp_hybrid_step(), "hybridized Gluon MLP step "
                     "(mlp_hybrid_step, batch 128): time to first step, empty / warm cache; kernels "
                     "compiled for a new batch size through the hybridized block"),
]
