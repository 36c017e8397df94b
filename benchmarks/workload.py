"""The workload interface and the helpers that workload modules share.

A `Workload` is one computation, implemented once per library.  Every implementation
receives the same input data (NumPy arrays made by `inputs(size, rng)`), converts it to its
own arrays in `setup`, and returns a zero-argument callable: the thing that is timed.  The
callable returns its result, which `check` compares against the NumPy implementation on
the quick size before anything is timed.

Implementation names: "ours" (framework's mx.nd), "numpy", "torch", "torch.compile",
"mxnet" (real MXNet 1.9.1, run in a separate Python; see runner.py).

Nothing here imports NumPy, torch or framework at module level (see __init__.py).
"""
import importlib

IMPLS = ("ours", "numpy", "torch", "torch.compile", "mxnet")
# --compare names -> implementations they enable
PEER_GROUPS = {"numpy": ("numpy",), "torch": ("torch", "torch.compile"), "mxnet": ("mxnet",)}


class NotAvailable(Exception):
    """An implementation cannot run here (op not registered, library missing ...)."""


class Dev:
    """The device a run targets ("cpu" or "gpu") and per-library conversions for it."""

    def __init__(self, name="cpu"):
        if name not in ("cpu", "gpu"):
            raise ValueError("device must be cpu or gpu, got %r" % name)
        self.name = name

    # --- framework (ours) ---------------------------------------------------------------
    def mx_ctx(self):
        mx = framework()
        return mx.gpu(0) if self.name == "gpu" else mx.cpu()

    def ours(self, *arrays):
        """NumPy arrays -> framework NDArrays on this device."""
        mx = framework()
        ctx = self.mx_ctx()
        out = [mx.nd.array(a, ctx=ctx, dtype=a.dtype) for a in arrays]
        return out[0] if len(out) == 1 else out

    # --- torch --------------------------------------------------------------------------
    def torch_device(self):
        torch = importlib.import_module("torch")
        if self.name == "gpu":
            if not torch.cuda.is_available():
                raise NotAvailable("torch has no CUDA device")
            return "cuda"
        return "cpu"

    def torch(self, *arrays, requires_grad=False):
        torch = importlib.import_module("torch")
        dev = self.torch_device()
        out = [torch.tensor(a, device=dev, requires_grad=requires_grad) for a in arrays]
        return out[0] if len(out) == 1 else out

    def torch_sync(self, fn):
        """Wrap fn so that a CUDA call finishes before the timer stops."""
        if self.name != "gpu":
            return fn
        torch = importlib.import_module("torch")

        def synced():
            r = fn()
            torch.cuda.synchronize()
            return r
        return synced

    # --- real MXNet (only inside the mxnet worker process) ------------------------------
    def mxnet_ctx(self):
        mxnet = importlib.import_module("mxnet")
        return mxnet.gpu(0) if self.name == "gpu" else mxnet.cpu()

    def mxnet(self, *arrays):
        mxnet = importlib.import_module("mxnet")
        ctx = self.mxnet_ctx()
        out = [mxnet.nd.array(a, ctx=ctx, dtype=a.dtype) for a in arrays]
        return out[0] if len(out) == 1 else out


def framework():
    """`import framework as mx`, or NotAvailable saying why it failed."""
    try:
        return importlib.import_module("framework")
    except Exception as err:  # a peer's work in progress must not stop the suite
        raise NotAvailable("import framework failed: %s: %s" % (type(err).__name__, err))


def mxnet_waited(fn):
    """MXNet runs asynchronously: wait for every output array before returning."""

    def waited():
        r = fn()
        for a in (r if isinstance(r, (list, tuple)) else (r,)):
            a.wait_to_read()
        return r
    return waited


def ours_synced(fn, dev):
    """framework NDArrays are synchronous on CPU; on GPU wait like MXNet."""
    if dev.name == "cpu":
        return fn
    return mxnet_waited(fn)


class Workload:
    """One benchmarked computation.

    name: short id (used by --filter); suite: suite name; desc: what it computes (shapes);
    full, quick: size parameters (dicts) for real runs and for --quick / the check;
    inputs(size, rng) -> dict of NumPy arrays shared by every implementation;
    impls: {impl name: setup(data, size, dev) -> zero-arg callable returning the result};
    ops: MXNet op names "ours" needs (absent ones make the workload "not available");
    nbytes(size) / flops(size): minimal bytes read + written / floating-point operations of
    one call (for GB/s, GFLOP/s; None where not meaningful);
    tol: allowed max |ours - numpy| / max |numpy| per output in the check;
    unit: "time" (seconds per call, the default) -- later suites may add other measures;
    time_reference: False when the NumPy implementation is only the check's reference (a
    float64 forward pass standing for a training step), not a peer worth timing.
    """

    def __init__(self, name, suite, desc, full, quick, inputs, impls, ops=(), nbytes=None,
                 flops=None, tol=1e-4, unit="time", seed=0, time_reference=True):
        unknown = set(impls) - set(IMPLS)
        if unknown:
            raise ValueError("workload %s: unknown implementations %s" % (name, sorted(unknown)))
        if "numpy" not in impls:
            raise ValueError("workload %s needs a numpy implementation (the check's reference)" % name)
        self.name = name
        self.suite = suite
        self.desc = desc
        self.sizes = {"full": dict(full), "quick": dict(quick)}
        self.inputs = inputs
        self.impls = dict(impls)
        self.ops = tuple(ops)
        self.nbytes = nbytes
        self.flops = flops
        self.tol = tol
        self.unit = unit
        self.seed = seed
        self.time_reference = time_reference

    def make_inputs(self, size_name):
        import numpy as np
        return self.inputs(self.sizes[size_name], np.random.default_rng(self.seed))

    def setup(self, impl, data, size_name, dev):
        """The timed callable of `impl` on `data` (NotAvailable if it cannot run)."""
        if impl not in self.impls:
            raise NotAvailable("no %s implementation" % impl)
        if impl == "ours":
            self.require_ops(dev)
        return self.impls[impl](data, self.sizes[size_name], dev)

    def require_ops(self, dev):
        framework()
        from compiler.ops import registry
        target = "gpu" if dev.name == "gpu" else "cpu"
        for name in self.ops:
            try:
                op = registry.get(name)
            except Exception:
                raise NotAvailable("op %s is not registered" % name) from None
            try:
                op.kernel(target)
            except Exception:
                raise NotAvailable("op %s has no %s kernel" % (name, target)) from None

    def metrics(self, size_name):
        size = self.sizes[size_name]
        return {"bytes": self.nbytes(size) if self.nbytes else None,
                "flops": self.flops(size) if self.flops else None}

    def check(self, result, reference):
        """(passed, max normalized error, message) comparing a result with NumPy's."""
        return compare(result, reference, self.tol)

    def __repr__(self):
        return "<Workload %s/%s>" % (self.suite, self.name)


def to_numpy(obj):
    """An implementation's result as NumPy array(s) (lists for tuples of outputs)."""
    import numpy as np
    if isinstance(obj, (list, tuple)):
        return [to_numpy(o) for o in obj]
    if isinstance(obj, np.ndarray):
        return obj
    if hasattr(obj, "asnumpy"):              # framework / MXNet NDArray
        return obj.asnumpy()
    if hasattr(obj, "detach"):               # torch.Tensor
        return obj.detach().cpu().numpy()
    return np.asarray(obj)


def compare(result, reference, tol):
    """Compare outputs elementwise; error = max|a - b| / max|b| (absolute if b is all 0)."""
    import numpy as np
    got, want = to_numpy(result), to_numpy(reference)
    if not isinstance(want, list):
        got, want = [got], [want]
    elif not isinstance(got, list):
        got = [got]
    if len(got) != len(want):
        return False, None, "%d outputs, expected %d" % (len(got), len(want))
    worst = 0.0
    for i, (a, b) in enumerate(zip(got, want)):
        a = np.asarray(a)
        b = np.asarray(b)
        if a.shape != b.shape:
            return False, None, "output %d has shape %s, expected %s" % (i, a.shape, b.shape)
        a64 = a.astype(np.float64)
        b64 = b.astype(np.float64)
        if not np.array_equal(np.isnan(a64), np.isnan(b64)):
            return False, None, "output %d: NaN where NumPy has none (or the reverse)" % i
        ok = ~np.isnan(b64)
        if not ok.any():
            continue
        scale = float(np.abs(b64[ok]).max()) or 1.0
        err = float(np.abs(a64[ok] - b64[ok]).max()) / scale
        worst = max(worst, err)
        if not err <= tol:
            return False, worst, "output %d: max |diff| / max |numpy| = %.3g > %.3g" % (i, err, tol)
    return True, worst, ""


class Probe:
    """A measurement that is not a time per call (memory, compile time), taken per
    implementation in fresh subprocesses (benchmarks/probe.py) rather than timed in-process.

    impls: {impl: measure(size_name, sizes, env) -> {metric: value}} (env: runner.ProbeEnv);
    metrics: [(key, label, kind)] with kind "bytes", "s" or "count", in display order;
    primary: the metric whose ours/peer ratio is the workload's ratio;
    expect: {metric: value} that ours must produce (else the result is "wrong"),
    e.g. no kernel compiled when only the batch size changes.
    """

    unit = "probe"

    def __init__(self, name, suite, desc, full, quick, impls, metrics, primary, expect=None, ops=()):
        unknown = set(impls) - set(IMPLS)
        if unknown:
            raise ValueError("probe %s: unknown implementations %s" % (name, sorted(unknown)))
        self.name = name
        self.suite = suite
        self.desc = desc
        self.sizes = {"full": dict(full), "quick": dict(quick)}
        self.impls = dict(impls)
        self.metrics = list(metrics)
        self.primary = primary
        self.expect = dict(expect or {})
        self.ops = tuple(ops)

    def __repr__(self):
        return "<Probe %s/%s>" % (self.suite, self.name)
