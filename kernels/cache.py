"""On-disk compile cache for generated kernels.

Generated source is written as a module named by the hash of (source, helper sources,
Numba and Python versions) into CACHE_DIR/gen, imported, and compiled by Numba with
`cache=True`, so a second process loads machine code instead of compiling.  A file lock
makes concurrent processes write each module once and compile each kernel once.
"""
import fcntl
import hashlib
import importlib.util
import os
import sys
import tempfile
from contextlib import contextmanager

import numba

from . import CACHE_DIR

GEN_DIR = os.path.join(CACHE_DIR, "gen")
_modules = {}
build_hook = None       # framework.profiler's recorder while it runs: fn(kernel, args)
_helper_hash = None
HELPER_MODULES = ("kernels/codegen/scalar.py",)


def _helpers_digest():
    """Hash of the helper modules generated code calls: Numba does not track them."""
    global _helper_hash
    if _helper_hash is None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = hashlib.sha256()
        for rel in HELPER_MODULES:
            with open(os.path.join(root, rel), "rb") as f:
                h.update(f.read())
        h.update(numba.__version__.encode())
        h.update(sys.version.encode())
        _helper_hash = h.hexdigest()
    return _helper_hash


@contextmanager
def file_lock(path):
    """An exclusive advisory lock on `path` (created if needed)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def load_source(source, tag, salt=""):
    """Import generated `source` as a cached module; the same source gives the same module.
    `salt` joins the hash: what else the code depends on (the CUDA target's helper hash)."""
    digest = hashlib.sha256((source + _helpers_digest() + salt).encode()).hexdigest()[:24]
    name = "_mxgen_%s_%s" % (tag, digest)
    module = _modules.get(name)
    if module is not None:
        return module
    path = os.path.join(GEN_DIR, name + ".py")
    if not os.path.exists(path):
        with file_lock(os.path.join(GEN_DIR, ".lock")):
            if not os.path.exists(path):
                fd, tmp = tempfile.mkstemp(dir=GEN_DIR, suffix=".tmp")
                with os.fdopen(fd, "w") as f:
                    f.write(source)
                os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _modules[name] = module
    return module


class Kernel:
    """A compiled function whose first call (compile or cache load) holds a file lock."""

    __slots__ = ("fn", "ready", "lock_path", "key")

    def __init__(self, fn, key, lock_path):
        self.fn = fn
        self.key = key
        self.ready = False
        self.lock_path = lock_path

    def __call__(self, *args):
        if self.ready:
            return self.fn(*args)
        with file_lock(self.lock_path):
            if build_hook is None:
                result = self.fn(*args)
            else:
                result = build_hook(self, args)
        self.ready = True
        return result


def kernel_from_source(source, tag, fn_name, key):
    module = load_source(source, tag)
    return Kernel(getattr(module, fn_name), key, module.__file__ + ".lock")


def stats():
    """Compile statistics of every Numba kernel loaded so far (generated and hand-written).

    Returns {"signatures": n, "compiled": misses, "from_cache": hits}: a signature that was
    loaded from the on-disk cache counts as a hit, one compiled in this process as a miss.
    """
    from numba.core.registry import CPUDispatcher
    dispatchers = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name.startswith("kernels") or name.startswith("_mxgen_")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher):
                dispatchers[id(value)] = value
    hits = misses = sigs = 0
    for disp in dispatchers.values():
        sigs += len(disp.signatures)
        st = disp.stats
        hits += sum(st.cache_hits.values())
        misses += sum(st.cache_misses.values())
    return {"signatures": sigs, "compiled": misses, "from_cache": hits}
