"""ExecPlan: what `lower` makes of a compiled graph and what an executor runs.

An ExecPlan is a template, independent of any array: a list of buffer specs and the ordered
kernel calls (forward steps, then backward steps) over them.  Buffer kinds:

- "arg", "aux": user-owned argument / aux-state arrays (by variable name);
- "head_grad": the out_grads given to backward (by variable name), owned by the bound plan;
- "output": the forward outputs, owned by the bound plan (persistent, like MXNet's outputs);
- "grad": a gradient written directly into the user's gradient array (grad_req 'write');
- "arena": a view of the one arena (byte offset, shape, dtype) — when plan_memory ran;
- "private": an intermediate with its own array (no memory plan, or not in the plan).

`instantiate(args, grads, aux)` binds it to NumPy arrays: it checks every shape and dtype once
(the kernels never see a wrong shape: Numba does not check bounds), allocates the arena and
the owned arrays, and prepares each call's argument lists, so a run is a plain loop.
Gradients that are not written directly are copied ("copy") or accumulated ("add") into
the user's arrays after the backward steps.  A plan lowered for target "cuda" binds to
numba device arrays instead (`DeviceBoundPlan`): its arena comes once from the device pool
(kernels/cuda/memory.py) and returns there when the bound plan is dropped; a run never
copies to or from the host.
"""
import numpy as np

from .memory import check_fits

from .errors import MXNetError

ALIGN = 64
profile_hook = None     # framework.profiler's recorder while it runs (one check per run)


class Buffer:
    __slots__ = ("kind", "shape", "dtype", "name", "offset", "nbytes", "entry")

    def __init__(self, kind, shape, dtype, name=None, offset=None, entry=None):
        self.kind = kind
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.name = name
        self.offset = offset
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        self.entry = entry            # "<node>_<output>" for dumps

    def __repr__(self):
        where = self.name if self.name is not None else (
            "@%d" % self.offset if self.offset is not None else "")
        return "<%s %s %s %s>" % (self.kind, where, self.shape, self.dtype.name)


class Step:
    """One kernel call: `kernel(attrs, inputs, outputs, octx)` over buffer ids."""

    __slots__ = ("name", "op", "attrs", "kernel", "inputs", "outputs", "input_names",
                 "output_names", "members")

    def __init__(self, name, op, attrs, kernel, inputs, outputs, input_names, output_names,
                 members=None):
        self.name = name
        self.op = op
        self.attrs = attrs
        self.kernel = kernel
        self.inputs = inputs
        self.outputs = outputs
        self.input_names = input_names
        self.output_names = output_names
        self.members = members

    def __repr__(self):
        return "<Step %s %s %s -> %s>" % (self.op.name, self.name, self.inputs, self.outputs)


def kernel_name(fn):
    """A readable name of a kernel function (bound methods name their op class)."""
    while hasattr(fn, "func") and hasattr(fn, "args"):     # functools.partial (CUDA table)
        fn = fn.func
    owner = getattr(fn, "__self__", None)
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if owner is not None and "." not in qual:
        qual = "%s.%s" % (type(owner).__name__, qual)
    return "%s.%s" % (getattr(fn, "__module__", "?"), qual)


class ExecPlan:
    def __init__(self):
        self.buffers = []
        self.forward = []
        self.backward = []
        self.arg_names = []
        self.aux_names = []
        self.output_names = []
        self.outputs = []             # buffer ids of the forward outputs (kind "output")
        self.output_copies = []       # (src, dst) after the forward steps
        self.head_grads = []          # (variable name, buffer id, forward output index)
        self.grads = []               # (arg name, req, buffer id, mode: direct|copy|add)
        self.arena_bytes = 0
        self.mem_stats = {}
        self.graph = None             # the compiled graph (dumps, debug_str)
        self.target = "cpu"

    def add(self, buf):
        self.buffers.append(buf)
        return len(self.buffers) - 1

    def instantiate(self, args, grads, aux):
        if self.target == "cuda":
            return DeviceBoundPlan(self, args, grads, aux)
        return BoundPlan(self, args, grads, aux)


def _check(buf, arr, what):
    if arr.shape != buf.shape or arr.dtype != buf.dtype:
        raise MXNetError("%s '%s': array is %s %s but the compiled graph needs %s %s"
                         % (what, buf.name, arr.shape, arr.dtype.name, buf.shape, buf.dtype.name))
    if not arr.flags.c_contiguous:
        raise MXNetError("%s '%s': array must be C-contiguous" % (what, buf.name))


class BoundPlan:
    """An ExecPlan bound to concrete arrays; `run(steps, octx)` launches the kernels."""

    def __init__(self, plan, args, grads, aux):
        self.plan = plan
        self._check_memory(plan)
        self.arena = self._new_arena(max(plan.arena_bytes, 1))
        arrays = []
        for buf in plan.buffers:
            if buf.kind == "arg":
                arr = args[buf.name]
                self._check(buf, arr, "argument")
            elif buf.kind == "aux":
                arr = aux[buf.name]
                self._check(buf, arr, "aux state")
            elif buf.kind == "grad":
                arr = grads[buf.name]
                self._check(buf, arr, "gradient of")
            elif buf.kind == "arena":
                arr = self._arena_view(buf)
            else:                        # head_grad, output, private
                arr = self._zeros(buf.shape, buf.dtype)
            arrays.append(arr)
        self.arrays = arrays
        self.outputs = [arrays[b] for b in plan.outputs]
        self.head_grads = {name: arrays[b] for name, b, _ in plan.head_grads}
        self.grad_targets = [(req, mode, arrays[b], grads[name])
                             for name, req, b, mode in plan.grads if mode != "direct"]
        self.output_copies = [(arrays[s], arrays[d]) for s, d in plan.output_copies]
        self.forward = self._calls(plan.forward)
        self.backward = self._calls(plan.backward)
        if profile_hook is not None:
            profile_hook.bound(self)

    _check = staticmethod(_check)

    @staticmethod
    def _check_memory(plan):
        own = sum(b.nbytes for b in plan.buffers if b.kind not in ("arg", "aux", "grad", "arena"))
        check_fits(plan.arena_bytes + own, "binding this graph (arena %d B + outputs and "
                   "head gradients %d B)" % (plan.arena_bytes, own))

    @staticmethod
    def _new_arena(nbytes):
        return np.zeros(nbytes, dtype=np.uint8)

    def _arena_view(self, buf):
        return self.arena[buf.offset:buf.offset + buf.nbytes].view(buf.dtype).reshape(buf.shape)

    @staticmethod
    def _zeros(shape, dtype):
        return np.zeros(shape, dtype)

    def _calls(self, steps):
        a = self.arrays
        return [(s.kernel, s.attrs, [a[i] for i in s.inputs], [a[o] for o in s.outputs], s)
                for s in steps]

    def run_forward(self, octx, monitor=None):
        self._run(self.forward, octx, monitor)
        for src, dst in self.output_copies:
            np.copyto(dst, src)

    def run_backward(self, octx, monitor=None):
        self._run(self.backward, octx, monitor, "backward")
        for req, mode, src, dst in self.grad_targets:
            if mode == "add":
                np.add(dst, src, out=dst, casting="unsafe")
            else:
                np.copyto(dst, src, casting="unsafe")

    @staticmethod
    def _run(calls, octx, monitor, phase="forward"):
        if profile_hook is not None:
            return profile_hook.run_steps(calls, octx, monitor, phase)
        if monitor is None:
            for kernel, attrs, ins, outs, step in calls:
                try:
                    kernel(attrs, ins, outs, octx)
                except MXNetError as err:
                    raise type(err)("%s '%s': %s" % (step.op.name, step.name, err)) from None
            return
        for kernel, attrs, ins, outs, step in calls:
            if monitor.monitor_all:
                for n, x in zip(step.input_names, ins):
                    monitor("%s_%s" % (step.name, n), x)
            try:
                kernel(attrs, ins, outs, octx)
            except MXNetError as err:
                raise type(err)("%s '%s': %s" % (step.op.name, step.name, err)) from None
            for n, x in zip(step.output_names, outs):
                monitor("%s_%s" % (step.name, n), x)


class DeviceBoundPlan(BoundPlan):
    """A "cuda" plan bound to numba device arrays: the arena is acquired once from the
    device's pool and released to it when this bound plan is garbage-collected; owned
    buffers are device arrays; output copies and gradient copies/accumulations are device
    kernels (no host round trip)."""

    def __init__(self, plan, args, grads, aux):
        from kernels.cuda import memory
        self._pool = memory.current_pool()
        super().__init__(plan, args, grads, aux)
        import weakref
        weakref.finalize(self, self._pool.release, self.arena)

    @staticmethod
    def _check_memory(plan):
        """Device memory: the device pool raises when it cannot allocate."""

    def _new_arena(self, nbytes):
        return self._pool.acquire(nbytes)

    def _arena_view(self, buf):
        from kernels.cuda import memory
        return memory.view(self.arena, buf.offset, buf.shape, buf.dtype)

    @staticmethod
    def _zeros(shape, dtype):
        from kernels.cuda import memory
        return memory.zeros(shape, dtype)

    @staticmethod
    def _check(buf, arr, what):
        from kernels.cuda.runtime import is_device_array
        if not is_device_array(arr):
            raise MXNetError("%s '%s': the graph is compiled for the GPU but the array is a %s "
                             "(host memory): bind arrays created on the executor's context"
                             % (what, buf.name, type(arr).__name__))
        if tuple(arr.shape) != buf.shape or arr.dtype != buf.dtype:
            raise MXNetError("%s '%s': array is %s %s but the compiled graph needs %s %s"
                             % (what, buf.name, tuple(arr.shape), np.dtype(arr.dtype).name,
                                buf.shape, buf.dtype.name))
        if arr.size and not arr.is_c_contiguous():
            raise MXNetError("%s '%s': array must be C-contiguous" % (what, buf.name))

    def run_forward(self, octx, monitor=None):
        from kernels.cuda import memory
        self._run(self.forward, octx, monitor)
        for src, dst in self.output_copies:
            memory.copy_into(dst, src)

    def run_backward(self, octx, monitor=None):
        from kernels.cuda import memory
        self._run(self.backward, octx, monitor, "backward")
        for req, mode, src, dst in self.grad_targets:
            if mode == "add":
                memory.add_into(dst, src)
            else:
                memory.copy_into(dst, src)


def _fmt_bytes(n):
    return "%d B (%.2f MB)" % (n, n / 1e6) if n >= 1e5 else "%d B" % n


def describe(plan):
    """The compiled graph as text: steps (fused groups with their member ops), kernels,
    buffers and the memory plan (arena vs the naive sum of intermediates, in-place count)."""
    b = plan.buffers
    lines = ["ExecPlan (target %s): %d forward steps, %d backward steps"
             % (plan.target, len(plan.forward), len(plan.backward))]
    opts = getattr(plan, "options", None)
    if opts is not None:
        lines.append("passes: fuse=%s plan_memory=%s" % (opts.fuse, opts.plan_memory))

    def ref(i):
        buf = b[i]
        label = buf.name if buf.name is not None else buf.entry
        return "%s:%s" % (buf.kind, label)

    for phase, steps in (("forward", plan.forward), ("backward", plan.backward)):
        if not steps:
            continue
        lines.append("%s:" % phase)
        for k, s in enumerate(steps):
            lines.append("  [%d] %s %s(%s) -> %s" % (k, s.name, s.op.name,
                                                     ", ".join(ref(i) for i in s.inputs),
                                                     ", ".join(ref(o) for o in s.outputs)))
            if s.members:
                lines.append("      fused %d ops: %s" % (len(s.members), ", ".join(
                    "%s(%s)" % (m.op.name, m.name) for m in s.members)))
            lines.append("      kernel %s" % kernel_name(s.kernel))
            for i in s.outputs:
                buf = b[i]
                where = "arena+%d" % buf.offset if buf.kind == "arena" else buf.kind
                lines.append("      %s %s %s @ %s" % (buf.entry or buf.name, buf.shape,
                                                      buf.dtype.name, where))
    for src, dst in plan.output_copies:
        lines.append("copy %s -> %s" % (ref(src), ref(dst)))
    for name, req, i, mode in plan.grads:
        lines.append("gradient %s (%s): %s %s" % (name, req, mode, ref(i)))
    st = plan.mem_stats
    naive = st.get("naive_bytes", 0)
    arena = st.get("arena_bytes", plan.arena_bytes)
    lines.append("memory plan: %s" % ("planned" if st.get("planned") else "none (one buffer per "
                                                                       "intermediate)"))
    if st.get("planned"):
        ratio = 100.0 * arena / naive if naive else 0.0
        lines.append("  arena %s vs naive %s (%.1f%%), in-place %d"
                     % (_fmt_bytes(arena), _fmt_bytes(naive), ratio, st.get("inplace_count", 0)))
    else:
        lines.append("  intermediates %s in %d private buffers"
                     % (_fmt_bytes(naive), sum(1 for x in b if x.kind == "private")))
    if st.get("private_bytes") and st.get("planned"):
        lines.append("  private buffers %s" % _fmt_bytes(st["private_bytes"]))
    lines.append("  outputs %s, gradients written directly %s" % (
        _fmt_bytes(sum(x.nbytes for x in b if x.kind == "output")),
        _fmt_bytes(sum(x.nbytes for x in b if x.kind == "grad"))))
    return "\n".join(lines) + "\n"
