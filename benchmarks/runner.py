"""The benchmark runner: select workloads, check them, time them, merge peers, report.

For each workload: (1) check -- on the quick size, every implementation's first call is
timed ("first call": JIT compilation included) and its result compared with NumPy's; an
implementation that fails the check is never timed.  (2) time -- on the chosen size, the
implementations that passed are warmed up and timed interleaved (timing.measure).  Real
MXNet runs the same workloads in a subprocess of --mxnet-python (mode --worker mxnet),
after the main process, and its results are merged in.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import machine, report, timing
from .workload import PEER_GROUPS, Dev, NotAvailable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = "framework-bench/1"
OPTION_KEYS = ("suite", "compare", "device", "quick", "filter", "repeat", "min_time", "warmup", "settle",
               "threads", "cold")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--suite", default="ops", help="suite name, or 'all' (default: ops)")
    p.add_argument("--compare", default="numpy,torch",
                   help="peers, comma-separated, from numpy,torch,mxnet (default: numpy,torch); "
                        "'none' for ours only")
    p.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    p.add_argument("--quick", action="store_true",
                   help="small sizes, 3 repetitions of >= 5 ms (a smoke run, not a measurement)")
    p.add_argument("--json", default=None, help="where to write results (default: bench-<suite>.json)")
    p.add_argument("--png", default=None, help="chart path (default: the JSON path with .png); "
                                               "written only when matplotlib is importable")
    p.add_argument("--filter", default=None, help="regex searched in workload names")
    p.add_argument("--repeat", type=int, default=None, help="timed repetitions (default 7; quick 3)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds one repetition lasts at least (default 0.02; quick 0.005)")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls before calibration")
    p.add_argument("--settle", type=float, default=1.0,
                   help="before each timed loop, wait (at most this many seconds) until the spinning "
                        "thread pools of the previous implementation are idle (default 1.0)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for every library (default: the usable cores)")
    p.add_argument("--mxnet-python", default=os.environ.get("MXNET_PYTHON"),
                   help="a Python with mxnet 1.9.1 installed (default: $MXNET_PYTHON)")
    p.add_argument("--cold", action="store_true",
                   help="use a fresh, empty kernel cache (first calls then include cold compilation)")
    p.add_argument("--list", action="store_true", help="list the selected workloads and exit")
    p.add_argument("--worker", choices=("mxnet",), help=argparse.SUPPRESS)
    p.add_argument("--only", default=None, help=argparse.SUPPRESS)  # exact names, comma-separated
    opts = p.parse_args(argv)
    if opts.repeat is None:
        opts.repeat = 3 if opts.quick else 7
    if opts.min_time is None:
        opts.min_time = 0.005 if opts.quick else 0.02
    if opts.threads is None:
        opts.threads = machine.usable_cores()
    compare = [] if opts.compare.strip() in ("", "none") else [c.strip() for c in opts.compare.split(",")]
    bad = [c for c in compare if c not in PEER_GROUPS]
    if bad:
        p.error("unknown peer(s) %s; choose from %s" % (", ".join(bad), ", ".join(PEER_GROUPS)))
    opts.compare = compare
    if opts.json is None and not opts.worker:
        opts.json = "bench-%s.json" % opts.suite
    return opts


def select(opts, workloads=None):
    """The workloads to run and the problems found loading them."""
    problems = []
    if workloads is None:
        from . import workloads as wl
        workloads, problems = wl.load(opts.suite)
    if opts.filter:
        rx = re.compile(opts.filter)
        workloads = [w for w in workloads if rx.search(w.name)]
    if opts.only is not None:
        names = set(opts.only.split(","))
        workloads = [w for w in workloads if w.name in names]
    return workloads, problems


# --- peers ------------------------------------------------------------------------------

def detect_peers(opts, log):
    """{impl: {"available": bool, ...}} for the requested peers (mxnet is checked here and
    run later); also sets torch's thread count."""
    peers = {}
    for group in opts.compare:
        if group == "numpy":
            import numpy
            peers["numpy"] = {"available": True, "version": numpy.__version__}
        elif group == "torch":
            try:
                import torch
            except Exception as err:
                for impl in PEER_GROUPS["torch"]:
                    peers[impl] = {"available": False, "reason": "torch is not importable (%s)" % err}
                continue
            machine.set_torch_threads(torch, opts.threads)
            peers["torch"] = {"available": True, "version": torch.__version__}
            cxx = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
            if not hasattr(torch, "compile"):
                peers["torch.compile"] = {"available": False, "reason": "this torch has no torch.compile"}
            elif opts.device == "cpu" and not cxx:
                peers["torch.compile"] = {"available": False,
                                          "reason": "no C++ compiler on PATH for torch.compile's CPU backend"}
            else:
                peers["torch.compile"] = {"available": True, "version": torch.__version__}
        elif group == "mxnet":
            peers["mxnet"] = probe_mxnet(opts.mxnet_python)
    for impl, info in peers.items():
        if not info["available"]:
            log("%s: skipped -- %s" % (impl, info["reason"]))
    return peers


def probe_mxnet(python):
    if not python:
        return {"available": False, "reason": "no --mxnet-python PATH given (a Python with mxnet 1.9.1, "
                                              "e.g. a separate venv; or set $MXNET_PYTHON)"}
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return {"available": False, "reason": "--mxnet-python %s is not an executable" % python}
    try:
        out = subprocess.run([python, "-c", "import mxnet; print(mxnet.__version__)"], capture_output=True,
                             text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        return {"available": False, "reason": "%s failed to start: %s" % (python, err)}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"available": False, "reason": "%s cannot import mxnet: %s" % (python, last)}
    return {"available": True, "version": out.stdout.strip(), "python": python}


# --- one workload ------------------------------------------------------------------------

def classify(err):
    """'not available' for a missing op/kernel/library, else 'error'."""
    msg = str(err)
    if isinstance(err, (NotAvailable, ImportError)):
        return "not available"
    if isinstance(err, AttributeError) and "has no attribute" in msg:
        return "not available"
    if any(s in msg for s in ("unknown operator", "kernel is implemented", "not implemented",
                              "is not available", "gradient is not defined")):
        return "not available"
    return "error"


def _describe(err):
    return err.args[0] if isinstance(err, NotAvailable) and err.args else "%s: %s" % (type(err).__name__, err)


def run_workload(w, impls, opts, dev, log):
    """Check then time `impls` of workload `w`; returns its result dict."""
    if w.unit == "probe":
        return run_probe(w, impls, opts, dev, log)
    size = "quick" if opts.quick else "full"
    res = {"name": w.name, "suite": w.suite, "desc": w.desc, "size": size, "params": w.sizes[size],
           "check_params": w.sizes["quick"], "unit": w.unit, "impls": {}, "ratios": {}}
    res.update(w.metrics(size))
    impls = [i for i in impls if i in w.impls]
    try:
        data = w.make_inputs("quick")
        ref, ref_t = timing.first_call(w.setup("numpy", data, "quick", dev))
    except Exception as err:
        res["status"] = "error"
        res["reason"] = "numpy reference failed: %s" % _describe(err)
        return res
    for impl in impls:
        entry = res["impls"][impl] = {}
        if impl == "numpy":
            if not w.time_reference:
                entry["note"] = "the check's reference only (float64 forward pass), not timed"
            entry.update(status="ok", first_call_s=ref_t,
                         check={"passed": True, "max_err": 0.0, "tol": w.tol})
            continue
        try:
            out, t = timing.first_call(w.setup(impl, data, "quick", dev))
            passed, max_err, msg = w.check(out, ref)
        except Exception as err:
            entry.update(status=classify(err), reason=_describe(err))
            continue
        entry.update(first_call_s=t, check={"passed": passed, "max_err": max_err, "tol": w.tol})
        entry["status"] = "ok" if passed else "wrong"
        if not passed:
            entry["reason"] = "result differs from NumPy: " + msg
        del out
    good = [i for i in impls if res["impls"][i]["status"] == "ok"
            and (i != "numpy" or w.time_reference)]
    data = data if size == "quick" else w.make_inputs(size)
    fns = {}
    for impl in good:
        try:
            fns[impl] = w.setup(impl, data, size, dev)
        except Exception as err:
            res["impls"][impl].update(status=classify(err), reason=_describe(err))
    measured = timing.measure(fns, repeat=opts.repeat, min_time=opts.min_time, warmup=opts.warmup,
                              settle_max=opts.settle)
    for impl, m in measured.items():
        entry = res["impls"][impl]
        if "error" in m:
            entry.update(status="error", reason=m["error"])
            continue
        entry["time"] = m
        if res.get("bytes"):
            entry["GBps"] = res["bytes"] / m["median"] / 1e9
        if res.get("flops"):
            entry["GFLOPs"] = res["flops"] / m["median"] / 1e9
    ours = res["impls"].get("ours", {})
    res["status"] = ours.get("status", "ok" if "ours" not in impls else "error")
    if ours.get("reason"):
        res["reason"] = ours["reason"]
    add_ratios(res)
    return res


def add_ratios(res):
    if res.get("unit") == "probe":
        return add_probe_ratios(res)
    ours = res["impls"].get("ours", {}).get("time")
    res["ratios"] = {}
    if not ours:
        return
    for impl, entry in res["impls"].items():
        if impl != "ours" and entry.get("time"):
            res["ratios"][impl] = ours["median"] / entry["time"]["median"]


# --- probes: measurements in fresh subprocesses (memory, compile) -------------------------

class ProbeEnv:
    """What a probe's measure function gets: the run's options and a way to start children."""

    def __init__(self, opts, dev):
        self.quick = opts.quick
        self.device = dev.name
        self.repeats = 1 if opts.quick else max(1, min(opts.repeat, 5))
        self.timeout = 900 if opts.quick else 1800
        self.python = sys.executable
        self.notes = []

    def child(self, spec, env=None, timeout=None):
        from .probe import run_child
        return run_child(dict(spec, device=self.device), env=env, timeout=timeout or self.timeout)

    def note(self, line):
        self.notes.append(line)


def run_probe(w, impls, opts, dev, log):
    """Measure `impls` of probe `w` (each in its own subprocesses); returns its result dict."""
    size = "quick" if opts.quick else "full"
    res = {"name": w.name, "suite": w.suite, "desc": w.desc, "size": size, "params": w.sizes[size],
           "unit": "probe", "metrics": [list(m) for m in w.metrics], "primary": w.primary,
           "expect": w.expect, "impls": {}, "ratios": {}, "notes": []}
    for impl in [i for i in impls if i in w.impls]:
        env = ProbeEnv(opts, dev)
        entry = res["impls"][impl] = {}
        t0 = time.time()
        try:
            values = w.impls[impl](size, w.sizes[size], env)
        except Exception as err:
            entry.update(status=classify(err), reason=_describe(err))
            continue
        finally:
            res["notes"] += env.notes
        entry.update(status="ok", values=values, elapsed_s=time.time() - t0)
        if impl == "ours":
            bad = ["%s = %s (expected %s)" % (k, values.get(k), v) for k, v in w.expect.items()
                   if values.get(k) != v]
            if bad:
                entry.update(status="wrong", reason="; ".join(bad))
    ours = res["impls"].get("ours", {})
    res["status"] = ours.get("status", "ok" if "ours" not in impls else "error")
    if ours.get("reason"):
        res["reason"] = ours["reason"]
    add_probe_ratios(res)
    return res


def add_probe_ratios(res):
    """ours / peer of the primary metric (a peer lacking it has no ratio)."""
    res["ratios"] = {}
    key = res.get("primary")
    ours = res["impls"].get("ours", {}).get("values", {}).get(key)
    if not ours:
        return
    for impl, entry in res["impls"].items():
        theirs = entry.get("values", {}).get(key)
        if impl != "ours" and theirs:
            res["ratios"][impl] = ours / theirs


# --- the device ------------------------------------------------------------------------------

def gpu_unavailable():
    """Why `--device gpu` cannot run here (None when framework has a working GPU)."""
    try:
        import framework as mx
    except Exception as err:
        return "framework is not importable: %s: %s" % (type(err).__name__, err)
    try:
        if mx.context.num_gpus() == 0:
            return "no GPU / CUDA backend available to framework (mx.context.num_gpus() is 0)"
        mx.nd.zeros((1,), ctx=mx.gpu(0)).asnumpy()
    except Exception as err:
        return "framework's CUDA backend cannot run: %s: %s" % (type(err).__name__, err)
    return None


# --- real MXNet in a subprocess ------------------------------------------------------------

def run_mxnet(opts, names, log):
    """Run the named workloads under --mxnet-python; returns (worker report or None, note)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "mxnet.json")
        cmd = [opts.mxnet_python, "-m", "benchmarks", "--worker", "mxnet", "--suite", opts.suite,
               "--device", opts.device, "--repeat", str(opts.repeat), "--min-time", str(opts.min_time),
               "--warmup", str(opts.warmup), "--settle", str(opts.settle), "--threads", str(opts.threads),
               "--only", ",".join(names), "--json", out] + (["--quick"] if opts.quick else [])
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        log("mxnet: running %d workload(s) in %s" % (len(names), opts.mxnet_python))
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        tail = []
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-20:]
            log("  [mxnet] " + line)
        proc.wait()
        if proc.returncode != 0 or not os.path.exists(out):
            return None, "mxnet worker failed (exit %s): %s" % (proc.returncode, " | ".join(tail[-3:]))
        with open(out) as f:
            return json.load(f), None


def worker_main(opts):
    """--worker mxnet: time the mxnet implementation only (NumPy is the check's reference)."""
    machine.apply_threads(opts.threads)
    dev = Dev(opts.device)
    workloads, problems = select(opts)
    results = []
    for w in workloads:
        r = run_workload(w, ["mxnet"], opts, dev, lambda s: print(s, flush=True))
        print("%-18s %s" % (w.name, report.progress_line(r)), flush=True)
        results.append(r)
    mods = ("numpy", "mxnet")
    rep = {"schema": SCHEMA, "machine": machine.machine_info(mods),
           "threads": machine.thread_report(opts.threads), "results": results, "problems": problems}
    with open(opts.json, "w") as f:
        json.dump(rep, f)
    return 0


def merge_mxnet(rep, worker, note):
    if worker is None:
        rep["peers"]["mxnet"] = dict(rep["peers"]["mxnet"], available=False, reason=note)
        rep["notes"].append("mxnet: skipped -- " + note)
        return
    rep["peers"]["mxnet"].update(machine=worker["machine"], threads=worker["threads"])
    by_name = {r["name"]: r for r in worker["results"]}
    for res in rep["results"]:
        other = by_name.get(res["name"])
        if other and "mxnet" in other["impls"]:
            res["impls"]["mxnet"] = dict(other["impls"]["mxnet"], process="subprocess")
            add_ratios(res)


def use_cold_cache():
    """Point the kernel cache at a fresh directory (must happen before framework is imported)."""
    if "kernels" in sys.modules or "numba" in sys.modules:
        return "--cold ignored: the framework or Numba was imported before the runner started"
    d = tempfile.mkdtemp(prefix="bench-cold-cache-")
    os.environ["MXNET_KERNEL_CACHE_DIR"] = d
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(d, "numba")
    return None


# --- the run -------------------------------------------------------------------------------

def run(argv=None, workloads=None, log=None):
    """Run the benchmarks (argv as on the command line); returns the report dict.

    `workloads` replaces the discovered ones (tests); `log` receives progress lines."""
    opts = argv if isinstance(argv, argparse.Namespace) else parse_args(argv)
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    if opts.worker:
        return worker_main(opts)
    late = getattr(opts, "late_imports", None)
    if late is None:
        late = machine.apply_threads(opts.threads)
    cold_note = use_cold_cache() if opts.cold else None
    dev = Dev(opts.device)
    if opts.device == "gpu":
        why = gpu_unavailable()
        if why:
            line = "device gpu: skipped -- %s; nothing was measured" % why  # main prints it
            return {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "argv": list(argv) if isinstance(argv, (list, tuple)) else sys.argv[1:],
                    "options": {k: getattr(opts, k) for k in OPTION_KEYS}, "skipped": line,
                    "machine": machine.machine_info(), "threads": machine.thread_report(opts.threads),
                    "limits": {}, "peers": {}, "results": [], "notes": [line]}
    selected, problems = select(opts, workloads)
    notes = list(problems) + ([cold_note] if cold_note else [])
    for p in notes:
        log(p)
    started = time.time()
    load0 = machine.loadavg()
    if load0 is not None and load0 > 0.5 * machine.usable_cores():
        notes.append("machine busy: load average %.1f on %d usable cores at the start; other processes "
                     "compete for the cores; multi-threaded implementations suffer most "
                     "(see cpu_util in the JSON)"
                     % (load0, machine.usable_cores()))
        log(notes[-1])
    user_wait = os.environ.get("OMP_WAIT_POLICY")
    layer = machine.start_numba_threads()  # before torch: see start_numba_threads
    ours_wait = os.environ.get("OMP_WAIT_POLICY")
    if user_wait is None and ours_wait is not None:
        # framework's `kernels` sets OMP_WAIT_POLICY for its own (already loaded) OpenMP
        # runtime; torch loads its own libgomp and should run with its defaults, as it would
        # in a process of its own
        del os.environ["OMP_WAIT_POLICY"]
    peers = detect_peers(opts, log)
    notes += ["%s: skipped -- %s" % (i, p["reason"]) for i, p in peers.items() if not p["available"]]
    impls = ["ours"] + [i for i, p in peers.items() if p["available"] and i != "mxnet"]
    log("measuring limits (memory copy, float32 GEMM) ...")
    limits = machine.measure_limits(quick=opts.quick, repeat=opts.repeat, min_time=opts.min_time,
                                    settle_max=opts.settle, threads=opts.threads)
    results = []
    for w in selected:
        r = run_workload(w, impls, opts, dev, log)
        log("%-18s %s" % (w.name, report.progress_line(r)))
        results.append(r)
    mods = ["numpy", "numba", "llvmlite"] + (["torch"] if "torch" in sys.modules else [])
    if "framework" in sys.modules:
        mods.append("framework")
    rep = {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "argv": list(argv) if isinstance(argv, (list, tuple)) else sys.argv[1:],
           "options": {k: getattr(opts, k) for k in OPTION_KEYS},
           "machine": machine.machine_info(mods), "threads": machine.thread_report(opts.threads, late),
           "limits": limits, "peers": peers, "results": results, "notes": notes}
    if peers.get("mxnet", {}).get("available") and results:
        worker, note = run_mxnet(opts, [r["name"] for r in results], log)
        merge_mxnet(rep, worker, note)
    rep["elapsed_s"] = time.time() - started
    rep["machine"]["loadavg_start"] = load0
    rep["threads"]["numba_layer_started_before_peers"] = layer
    rep["threads"]["omp_wait_policy"] = {"ours": ours_wait, "peers": user_wait}
    kernel_cache = sys.modules.get("kernels")
    if kernel_cache is not None:
        rep["machine"]["kernel_cache_dir"] = getattr(kernel_cache, "CACHE_DIR", None)
    return rep


def main(argv=None):
    opts = parse_args(argv)
    # before the workload modules are imported: they import NumPy
    opts.late_imports = machine.apply_threads(opts.threads)
    if opts.list:
        ws, problems = select(opts)
        for w in ws:
            print("%-8s %-18s %s" % (w.suite, w.name, w.desc))
        for p in problems:
            print(p)
        return 0
    if opts.worker:
        return worker_main(opts)
    selected, problems = select(opts)
    if not selected:
        from . import workloads as wl
        print("no workloads selected (suite %r, filter %r); suites: %s"
              % (opts.suite, opts.filter, ", ".join(wl.suites()) or "none"), file=sys.stderr)
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    rep = run(opts)
    rep["argv"] = sys.argv[1:] if argv is None else list(argv)
    if rep.get("skipped"):
        print(rep["skipped"])
        report.write_json(rep, opts.json)
        return 0
    print(report.format_table(rep))
    report.write_json(rep, opts.json)
    print("\nresults: %s" % opts.json)
    png = opts.png or os.path.splitext(opts.json)[0] + ".png"
    if report.write_png(rep, png):
        print("chart: %s" % png)
    else:
        print("chart: skipped (matplotlib is not importable, or nothing to compare)")
    failed = [r["name"] for r in rep["results"] if r["status"] in ("wrong", "error")]
    return 1 if failed else 0
