"""The machine a run measures: thread settings, hardware and library versions, and the
limits measured in the same run (memory copy bandwidth, BLAS GFLOP/s).

`apply_threads` must run before NumPy, Numba or torch are imported (python -m benchmarks
does that); everything else imports lazily.
"""
import os
import platform
import subprocess
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
               "NUMBA_NUM_THREADS")
OTHER_VARS = ("OMP_WAIT_POLICY", "NUMBA_THREADING_LAYER", "KMP_AFFINITY", "MXNET_CPU_WORKER_NTHREADS",
              "MXNET_KERNEL_CACHE_DIR", "NUMBA_CACHE_DIR")


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def apply_threads(n):
    """Give every library `n` threads (environment first, runtime setters where possible).

    Returns the libraries that were already imported (their environment came too late)."""
    late = [m for m in ("numpy", "numba", "torch") if m in sys.modules]
    for var in THREAD_VARS:
        os.environ[var] = str(n)
    if "numba" in sys.modules:
        import numba
        try:
            numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        except Exception:
            pass
    if "torch" in sys.modules:
        set_torch_threads(sys.modules["torch"], n)
    return late


def set_torch_threads(torch, n):
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:  # only settable before torch's first parallel work
        pass


def start_numba_threads():
    """Start Numba's threading layer now, before torch is imported.

    Measured here: with torch imported first, Numba's OpenMP layer binds to torch's bundled
    libgomp, and ours' FullyConnected forward+backward (GEMMs with a Numba parallel kernel in
    between) ran 3.5x slower (8.0 ms vs 2.3 ms); importing torch afterwards changes nothing
    for either side.  Returns the layer's name, or a string saying why it did not start."""
    if "torch" in sys.modules and "numba" not in sys.modules:
        return "not started: torch was imported first"
    try:
        import framework  # noqa: F401  (sets the kernel cache location before Numba loads)
    except Exception:
        pass
    try:
        import numba
        from numba.np.ufunc import parallel
        parallel._launch_threads()
        return numba.threading_layer()
    except Exception as err:
        return "not started: %s: %s" % (type(err).__name__, err)


def thread_report(n, late=()):
    rep = {"requested": n, "env": {v: os.environ.get(v) for v in THREAD_VARS + OTHER_VARS},
           "set_after_import": list(late)}
    if "numba" in sys.modules:
        import numba
        rep["numba_threads"] = numba.get_num_threads()
        try:
            rep["numba_threading_layer"] = numba.threading_layer()
        except ValueError:  # no parallel kernel has run yet
            rep["numba_threading_layer"] = None
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        rep["torch_threads"] = torch.get_num_threads()
        rep["torch_interop_threads"] = torch.get_num_interop_threads()
    try:
        from threadpoolctl import threadpool_info
        rep["threadpools"] = threadpool_info()
    except Exception:
        pass
    return rep


def loadavg():
    """1-minute load average, or None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


def _cpu_info():
    info = {"model": platform.processor() or platform.machine(), "flags": []}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name":
            info["model"] = value.strip()
        elif key == "flags":
            flags = set(value.split())
            info["flags"] = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16",
                                         "amx_tile") if f in flags]
            break
    return info


def _mem_total_gb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return None


def _blas_info():
    import numpy as np
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return {k: blas.get(k) for k in ("name", "version", "openblas configuration") if k in blas}
    except TypeError:  # NumPy < 1.26: parse the printed configuration
        import contextlib
        import io
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        lines = [ln.strip() for ln in buf.getvalue().splitlines() if "blas" in ln.lower()]
        return {"show_config": lines[:6]}


def _git_commit():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("-dirty" if dirty else "") if rev else None
    except Exception:
        return None


def _version(module):
    try:
        mod = __import__(module)
        return getattr(mod, "__version__", "?")
    except Exception:
        return None


def _blas_cores():
    """The OpenBLAS kernel sets in use: NumPy's, and framework's private instance
    (kernels/cpu/blas.py) when framework ran in this process."""
    out = {}
    try:
        from kernels.cpu import threads
        if "kernels.cpu.blas" in sys.modules:
            out["framework"] = sys.modules["kernels.cpu.blas"].instance().get("core")
        import ctypes
        for path in threads._loaded_openblas():
            if "/blas/" in path:           # framework's private copy
                continue
            lib = ctypes.CDLL(path)
            fn = getattr(lib, "scipy_openblas_get_corename64_", None) or getattr(
                lib, "openblas_get_corename", None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                out["numpy"] = fn().decode()
                break
    except (ImportError, OSError):
        pass
    return out


def machine_info(modules=("numpy", "numba", "llvmlite")):
    """CPU, cores, memory, BLAS, versions of `modules` (those importable), load average."""
    info = {"cpu": _cpu_info(), "logical_cpus": os.cpu_count(), "usable_cpus": usable_cores(),
            "mem_total_gb": _mem_total_gb(), "platform": platform.platform(),
            "python": platform.python_version(), "blas": _blas_info(), "git": _git_commit(),
            "versions": {}}
    for m in modules:
        v = _version(m)
        if v is not None:
            info["versions"][m] = v
    info["blas_cores"] = _blas_cores()
    try:
        info["loadavg"] = list(os.getloadavg())
    except OSError:
        pass
    return info


def measure_limits(quick=False, repeat=5, min_time=0.02, settle_max=1.0, threads=1):
    """Memory copy bandwidth (np.copyto of 256 MB, bytes read + written; on one thread and on
    `threads` threads each copying a slice -- the larger is the limit) and float32 GEMM
    GFLOP/s (1024^3 np.matmul, BLAS threads as configured)."""
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor
    from .timing import measure
    nbytes = (32 if quick else 256) << 20
    src = np.ones(nbytes // 4, np.float32)
    dst = np.empty_like(src)
    n = 256 if quick else 1024
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    pool = ThreadPoolExecutor(max(1, threads))
    cuts = np.linspace(0, src.size, max(1, threads) + 1).astype(int)
    parts = [(dst[i:j], src[i:j]) for i, j in zip(cuts[:-1], cuts[1:])]

    def copy_threads():  # np.copyto releases the GIL
        list(pool.map(lambda p: np.copyto(*p), parts))

    fns = {"copy": lambda: np.copyto(dst, src), "gemm": lambda: np.matmul(a, b, out=c)}
    if threads > 1:
        fns["copy_threads"] = copy_threads
    try:
        res = measure(fns, repeat=repeat, min_time=min_time, settle_max=settle_max)
    finally:
        pool.shutdown()
    out = {"memcopy_bytes": nbytes, "gemm_n": n, "memcopy_threads": threads}
    copies = {k: 2 * nbytes / res[k]["median"] / 1e9 for k in ("copy", "copy_threads")
              if k in res and "median" in res[k]}
    if copies:
        out["memcopy_1thread_GBps"] = copies.get("copy")
        out["memcopy_GBps"] = max(copies.values())
    if "median" in res["gemm"]:
        out["blas_GFLOPs"] = 2 * n ** 3 / res["gemm"]["median"] / 1e9
        out["blas_GFLOPs_max"] = 2 * n ** 3 / res["gemm"]["min"] / 1e9
    return out
