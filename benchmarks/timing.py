"""Timing: first call, warm-up, calibrated loops, repetitions interleaved across implementations.

A repetition of an implementation is one loop of `n` calls, with `n` chosen once (after the
warm-up) so that the loop lasts at least `min_time`; its sample is loop time / n.  The
repetitions of all implementations of a workload alternate in one process (the order
rotates each round), so a noisy neighbour slows every implementation alike and the ratios
stay fair.  The garbage collector is off inside a loop.

Before each loop the runner waits until the process is idle (`settle`): thread pools that
busy-wait after their work (OpenBLAS spins ~0.11 s after a GEMM, OpenMP runtimes ~15 ms)
would otherwise steal the cores from the next implementation -- measured here: a small
torch op ran 10-50x slower right after a NumPy GEMM or a Numba parallel kernel.
"""
import gc
import math
import statistics
import time

perf_counter = time.perf_counter


def first_call(fn):
    """(result, seconds) of one call: includes JIT compilation the first time."""
    t0 = perf_counter()
    result = fn()
    return result, perf_counter() - t0


def settle(max_wait=1.0, probe=0.005):
    """Sleep until this process's other threads stop burning CPU (or max_wait); seconds waited."""
    t0 = perf_counter()
    while perf_counter() - t0 < max_wait:
        c0 = time.process_time()
        time.sleep(probe)
        if time.process_time() - c0 < probe / 5:
            break
    return perf_counter() - t0


def run_loop(fn, n, cpu=None):
    """Seconds for n calls; appends the process CPU seconds used to `cpu` if given."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        c0 = time.process_time()
        t0 = perf_counter()
        for _ in range(n):
            fn()
        t = perf_counter() - t0
        if cpu is not None:
            cpu.append(time.process_time() - c0)
        return t
    finally:
        if enabled:
            gc.enable()


def calibrate(fn, min_time, max_calls=1 << 22):
    """Calls per repetition so that one repetition lasts >= min_time."""
    n = 1
    while True:
        t = run_loop(fn, n)
        if min_time / 20 <= t < 10 * min_time:  # a loop that counts: take the best of three
            t = min(t, run_loop(fn, n), run_loop(fn, n))  # (a hiccup must not turn n into 1)
        if t >= min_time or n >= max_calls:
            break
        if t >= min_time / 20:
            n = int(math.ceil(n * min_time / t * 1.05))  # extrapolate from a loop long enough
            break
        n = min(n * 10, max_calls)
    return max(1, min(n, max_calls))


def stats(samples):
    """Summary of per-call times (seconds)."""
    s = sorted(samples)
    if len(s) >= 2:
        q1, _, q3 = statistics.quantiles(s, n=4, method="inclusive")
    else:
        q1 = q3 = s[0]
    median = statistics.median(s)
    return {"median": median, "min": s[0], "max": s[-1], "q1": q1, "q3": q3,
            "iqr_rel": (q3 - q1) / median if median > 0 else 0.0, "samples": list(samples)}


def measure(fns, repeat=7, min_time=0.02, warmup=2, settle_max=1.0):
    """Time every callable in `fns` ({name: fn}), interleaved repetition by repetition.

    Returns {name: stats dict + calls_per_rep, repeat} or {name: {"error": msg}} for an
    implementation that raised (it is dropped from the remaining rounds).
    """
    calls = {}
    errors = {}
    for name, fn in fns.items():
        settle(settle_max)
        try:
            for _ in range(warmup):
                fn()
            calls[name] = calibrate(fn, min_time)
        except Exception as err:  # reported, never fatal
            errors[name] = "%s: %s" % (type(err).__name__, err)
    names = [n for n in fns if n in calls]
    samples = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for r in range(repeat):
        k = r % len(names) if names else 0
        for name in names[k:] + names[:k]:
            if name in errors:
                continue
            gc.collect()
            settle(settle_max)
            try:
                t = run_loop(fns[name], calls[name], cpu[name])
            except Exception as err:
                errors[name] = "%s: %s" % (type(err).__name__, err)
                continue
            samples[name].append(t / calls[name])
    out = {}
    for name in fns:
        if name in errors:
            out[name] = {"error": errors[name]}
        else:
            res = stats(samples[name])
            res["calls_per_rep"] = calls[name]
            # cores kept busy while timing (process CPU time / wall time): ~1 for one thread,
            # up to the thread count; well below what the code uses means other processes
            # took the cores
            res["cpu_util"] = statistics.median(c / (s * calls[name])
                                                for c, s in zip(cpu[name], samples[name]))
            res["repeat"] = len(samples[name])
            out[name] = res
    return out
