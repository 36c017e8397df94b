"""The framework's own single-threaded instance of NumPy's OpenBLAS, for its GEMMs.

Two reasons.  Threads: the pool of threads.py splits GEMMs itself, so its BLAS must run on
the calling thread only, without switching NumPy's BLAS (the user's) back and forth.
Kernels: OpenBLAS picks its kernels once, at load time, by CPU model or by the environment's
OPENBLAS_CORETYPE; on the development machines that variable pins NumPy's copy to the AVX2
"Haswell" kernels, half the float32 GEMM rate of the AVX-512 "SkylakeX" ones on their AMD
Zen 5 CPUs (1024^3 on one thread: 120 vs 218 GFLOP/s).  A second copy of the library file,
loaded under another path, is an independent instance whose kernels and thread count are
chosen at its load (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS read by its constructor):
"SkylakeX" where the CPU has AVX-512 F/CD/BW/DQ/VL (whatever OPENBLAS_CORETYPE says: that
is NumPy's setting), else OpenBLAS's own choice; `MXNET_BLAS_CORETYPE` overrides,
`MXNET_PRIVATE_BLAS=0` turns the instance off (NumPy's matmul then).  The copy lives in the
kernel cache directory (written to a temporary file, then renamed).  Without NumPy's
OpenBLAS (another BLAS) `matmul` always declines and callers use np.matmul.
"""
import ctypes
import os
import shutil
import threading


from .. import CACHE_DIR
from . import threads

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
MIN_FLOPS = 1 << 20         # smaller products go to np.matmul (a call here costs ~5 us more)
_AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
_lock = threading.Lock()
_state = {}


def _numpy_openblas():
    """The shared library file of NumPy's OpenBLAS (Linux), or None."""
    private = os.path.join(CACHE_DIR, "blas")
    for path in threads.numpy_openblas_paths():
        if ".so" in os.path.basename(path) and not path.startswith(private):
            return path
    return None


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def coretype():
    """The OpenBLAS kernel set the private instance asks for ('' = OpenBLAS's choice).
    OPENBLAS_CORETYPE configures NumPy's instance and is not inherited."""
    if os.environ.get("MXNET_BLAS_CORETYPE"):
        return os.environ["MXNET_BLAS_CORETYPE"]
    return "SkylakeX" if _AVX512 <= _cpu_flags() else ""


def _private_copy(src):
    """The library copied into the kernel cache (once; atomic)."""
    folder = os.path.join(CACHE_DIR, "blas")
    dst = os.path.join(folder, os.path.basename(src))
    if os.path.exists(dst) and os.path.getsize(dst) == os.path.getsize(src):
        return dst
    os.makedirs(folder, exist_ok=True)
    tmp = "%s.%d.tmp" % (dst, os.getpid())
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return dst


def _gemm_fn(lib, prefix):
    for name, int_t in (("scipy_cblas_%sgemm64_", ctypes.c_int64), ("cblas_%sgemm64_", ctypes.c_int64),
                        ("scipy_cblas_%sgemm", ctypes.c_int), ("cblas_%sgemm", ctypes.c_int)):
        fn = getattr(lib, name % prefix, None)
        if fn is not None:
            real = ctypes.c_float if prefix == "s" else ctypes.c_double
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, int_t, int_t, int_t, real,
                           ctypes.c_void_p, int_t, ctypes.c_void_p, int_t, real,
                           ctypes.c_void_p, int_t]
            fn.restype = None
            return fn
    return None


def _load():
    """{'float32': sgemm, 'float64': dgemm, 'core': name} or {} (no private instance)."""
    src = _numpy_openblas()
    if src is None or os.environ.get("MXNET_PRIVATE_BLAS", "1") == "0":
        return {}
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    try:
        path = _private_copy(src)
        core = coretype()
        if core:
            os.environ["OPENBLAS_CORETYPE"] = core
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
    except OSError:
        return {}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    fns = {"float32": _gemm_fn(lib, "s"), "float64": _gemm_fn(lib, "d")}
    if None in fns.values():
        return {}
    name = getattr(lib, "scipy_openblas_get_corename64_", None) or getattr(
        lib, "openblas_get_corename", None)
    if name is not None:
        name.restype = ctypes.c_char_p
        fns["core"] = name().decode()
    return fns


def instance():
    """The loaded private instance (see _load), loaded on first use."""
    if "fns" not in _state:
        with _lock:
            if "fns" not in _state:
                _state["fns"] = _load()
    return _state["fns"]


def _operand(x, itemsize):
    """(transpose flag, leading dimension) of a 2-D operand, or None if BLAS cannot read it."""
    s0, s1 = x.strides
    rows, cols = x.shape
    if s1 == itemsize and s0 % itemsize == 0 and s0 // itemsize >= max(1, cols):
        return NO_TRANS, s0 // itemsize
    if s0 == itemsize and s1 % itemsize == 0 and s1 // itemsize >= max(1, rows):
        return TRANS, s1 // itemsize
    return None


def matmul(a, b, out):
    """out = a @ b for 2-D float32/float64 operands through the private instance (on the
    calling thread).  Returns False, doing nothing, when it cannot (dtype, layout, size,
    no instance): the caller then uses np.matmul."""
    dt = out.dtype
    if out.ndim != 2 or a.ndim != 2 or b.ndim != 2 or a.dtype != dt or b.dtype != dt:
        return False
    M, N = out.shape
    K = a.shape[1]
    if 2 * M * N * K < MIN_FLOPS or K == 0:
        return False
    fn = instance().get(dt.name)
    if fn is None:
        return False
    size = dt.itemsize
    la, lb, lc = _operand(a, size), _operand(b, size), _operand(out, size)
    if la is None or lb is None or lc is None or lc[0] != NO_TRANS:
        return False
    fn(ROW_MAJOR, la[0], lb[0], M, N, K, 1.0, a.ctypes.data, la[1], b.ctypes.data, lb[1],
       0.0, out.ctypes.data, lc[1])
    return True
