"""Device contexts: mx.cpu(i), mx.gpu(i), the `with` default-context stack."""
import threading

from .base import MXNetError


class Context:
    """A device (type and id). `with mx.Context(...)` makes it the default for new arrays."""

    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {"cpu": 1, "gpu": 2, "cpu_pinned": 3, "cpu_shared": 5}
    _default = threading.local()

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            self.device_typeid = device_type.device_typeid
            self.device_id = device_type.device_id
        else:
            if device_type not in self.devstr2type:
                raise MXNetError("unknown device type '%s' (cpu, gpu, cpu_pinned, cpu_shared)"
                                 % (device_type,))
            self.device_typeid = self.devstr2type[device_type]
            self.device_id = int(device_id)

    @property
    def device_type(self):
        return self.devtype2str[self.device_typeid]

    @property
    def target(self):
        """The kernel target that runs arrays of this context: 'cpu', or 'cuda' for gpu(i)
        (the registry's key of Numba CUDA kernels, kernels/cuda)."""
        return "cuda" if self.device_typeid == 2 else "cpu"

    def __hash__(self):
        return hash((self.device_typeid, self.device_id))

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_typeid == other.device_typeid
                and self.device_id == other.device_id)

    def __str__(self):
        return "%s(%d)" % (self.device_type, self.device_id)

    __repr__ = __str__

    def __enter__(self):
        # the previous defaults are kept on a per-thread stack, not on the object: the same
        # Context object may be entered again before it exits (nested blocks entering
        # `with x.context`), or by two threads; one saved value per object leaked the inner
        # context after the outer block
        stack = getattr(Context._default, "saved", None)
        if stack is None:
            stack = Context._default.saved = []
        stack.append(current_context())
        Context._default.value = self
        return self

    def __exit__(self, *exc):
        Context._default.value = Context._default.saved.pop()

    def empty_cache(self):
        """Release cached device memory: the executors' arena pool of gpu(i) (nothing is
        pooled on the CPU)."""
        if self.device_typeid == 2:
            import sys
            memory = sys.modules.get("kernels.cuda.memory")
            if memory is not None:
                memory.pool(self.device_id).trim()


def cpu(device_id=0):
    return Context("cpu", device_id)


def gpu(device_id=0):
    return Context("gpu", device_id)


def cpu_pinned(device_id=0):
    return Context("cpu_pinned", device_id)


def current_context():
    ctx = getattr(Context._default, "value", None)
    return ctx if ctx is not None else Context("cpu", 0)


def num_gpus():
    """Number of CUDA GPUs visible (0 when numba-cuda or a driver is missing; under
    NUMBA_ENABLE_CUDASIM=1 the simulator's one device)."""
    try:
        from numba import cuda
        if not cuda.is_available():
            return 0
        return len(cuda.gpus)
    except Exception:  # no numba-cuda, no driver: no GPU
        return 0


def gpu_memory_info(device_id=0):
    if num_gpus() <= device_id:
        raise MXNetError("gpu(%d) is not available: %d GPU(s) found" % (device_id, num_gpus()))
    from numba import cuda
    with cuda.gpus[device_id]:
        free, total = cuda.current_context().get_memory_info()
    return free, total
