"""Fresh-process measurements for the memory and compile suites.

`run_child(spec)` starts `python -m benchmarks.probe '<json spec>'` (the same Python, or
--mxnet-python's inside the mxnet worker) so that nothing measured is polluted by the
parent: no kernels already compiled or loaded, no memory already touched.  The child
imports one library, builds one implementation of a models-suite workload
(`Workload.setup`, the very code the models suite times), runs it and prints one line
`PROBE-RESULT {json}`:

- import_s, build_s, first_step_s, first_step_end (time.time() when the first step ended:
  the parent subtracts its spawn time to get the time to first step, interpreter start
  included), the kernel-cache statistics of the first step (ours);
- with "memory": rss_import (VmRSS after the import), rss_before_steps (VmRSS after the
  first step), peak_rss_setup (VmHWM up to then), peak_rss_steps (VmHWM over `steps` more
  steps, after resetting the high-water mark through /proc/self/clear_refs), and for ours
  the compiled plans' arena / naive-intermediate / private bytes;
- with "import_only": only the import (to fill a bytecode cache before measuring);
- with "rebatch": B, the kernel-cache statistics around building and running the same step
  on batch size B (Executor.reshape / a new batch through the hybridized block).
"""
import json
import os
import subprocess
import sys
import time

MARK = "PROBE-RESULT "
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_child(spec, env=None, timeout=900, python=None):
    """Run one probe child; returns its result dict (plus wall_s and time_to_first_step_s).
    Raises RuntimeError (with the child's last lines) when it fails."""
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = ROOT + (os.pathsep + child_env["PYTHONPATH"]
                                      if child_env.get("PYTHONPATH") else "")
    child_env.update(env or {})
    cmd = [python or sys.executable, "-m", "benchmarks.probe", json.dumps(spec)]
    t0 = time.time()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=child_env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("probe %s/%s did not finish in %d s" % (spec["workload"], spec["impl"], timeout))
    wall = time.time() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            out = json.loads(line[len(MARK):])
            break
    else:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        raise RuntimeError("probe %s/%s failed (exit %d): %s"
                           % (spec["workload"], spec["impl"], proc.returncode, " | ".join(tail)))
    if out.get("not_available"):
        from .workload import NotAvailable
        raise NotAvailable(out["not_available"])
    if out.get("error"):
        raise RuntimeError(out["error"])
    out["wall_s"] = wall
    if "first_step_end" in out:
        out["time_to_first_step_s"] = out["first_step_end"] - t0
    return out


# --- the child ---------------------------------------------------------------------------

def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return None


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _kernel_stats(impl):
    if impl != "ours":
        return None
    from kernels import cache
    return cache.stats()


def _delta(after, before):
    if after is None or before is None:
        return None
    return {k: after[k] - before[k] for k in after}


def _plan_bytes(fn):
    plans = fn.plans() if hasattr(fn, "plans") else []
    if not plans:
        return {}
    stats = [p.mem_stats or {} for p in plans]
    return {"plans": len(plans),
            "arena_bytes": sum(int(s.get("arena_bytes", 0)) for s in stats),
            "naive_bytes": sum(int(s.get("naive_bytes", 0)) for s in stats),
            "private_bytes": sum(int(s.get("private_bytes", 0)) for s in stats),
            "planned": all(s.get("planned") for s in stats)}


def _import(impl, threads):
    if impl == "ours":
        import framework  # noqa: F401
    elif impl == "torch":
        import torch
        from .machine import set_torch_threads
        set_torch_threads(torch, threads)
    elif impl == "mxnet":
        import mxnet  # noqa: F401
    else:
        import numpy  # noqa: F401


def child(spec):
    from .workload import Dev, NotAvailable
    perf = time.perf_counter
    impl = spec["impl"]
    threads = int(os.environ.get("OMP_NUM_THREADS") or 0) or len(os.sched_getaffinity(0))
    out = {"impl": impl, "pid": os.getpid()}
    t0 = perf()
    _import(impl, threads)
    out["import_s"] = perf() - t0
    out["rss_import"] = _status_kb("VmRSS")
    if spec.get("import_only"):
        return out
    from . import workloads
    found, _ = workloads.load("all")
    by_name = {w.name: w for w in found}
    w = by_name.get(spec["workload"])
    if w is None:
        raise NotAvailable("workload %s did not load" % spec["workload"])
    size = spec.get("size", "full")
    data = w.make_inputs(size)
    stats0 = _kernel_stats(impl)
    t0 = perf()
    fn = w.setup(impl, data, size, Dev(spec.get("device", "cpu")))
    out["build_s"] = perf() - t0
    t0 = perf()
    fn()
    out["first_step_s"] = perf() - t0
    out["first_step_end"] = time.time()
    stats1 = _kernel_stats(impl)
    out["kernels_first_step"] = _delta(stats1, stats0)
    out["kernel_signatures"] = stats1["signatures"] if stats1 else None
    if spec.get("memory"):
        out["rss_before_steps"] = _status_kb("VmRSS")
        out["peak_rss_setup"] = _status_kb("VmHWM")
        out["peak_reset"] = _reset_peak()
        for _ in range(int(spec.get("steps", 3))):
            fn()
        out["peak_rss_steps"] = _status_kb("VmHWM")
        out.update(_plan_bytes(fn))
    batch = spec.get("rebatch")
    if batch:
        if not hasattr(fn, "rebatch"):
            raise NotAvailable("%s/%s cannot change its batch size" % (w.name, impl))
        before = _kernel_stats(impl)
        t0 = perf()
        fn.rebatch(int(batch))()
        out["rebatch_s"] = perf() - t0
        out["rebatch_batch"] = int(batch)
        out["kernels_rebatch"] = _delta(_kernel_stats(impl), before)
    return out


def main(argv):
    spec = json.loads(argv[0])
    try:
        out = child(spec)
    except Exception as err:  # reported to the parent, which classifies it
        from .runner import _describe, classify
        key = "not_available" if classify(err) == "not available" else "error"
        out = {key: _describe(err)}
    print(MARK + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
