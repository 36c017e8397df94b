"""The profiler's recorder: events, aggregate statistics and the hooks the runtime calls.

framework.profiler installs the one `Recorder` (RECORDER) into the hot paths while the
profiler runs and removes it when it stops or pauses; each hot path checks one module
global (`profile_hook is None`), so a stopped profiler costs one comparison per call:

- compiler.plan.profile_hook: `run_steps` (every kernel launch of an executor's forward /
  backward), `bound` (an ExecPlan bound to arrays: the memory counter);
- framework.ndarray.dispatch.profile_hook: `imperative` (every mx.nd operator kernel);
- compiler.pipeline.profile_hook: `compiled` (one event per pipeline compile, cache hit or
  miss) and `stage` (one event per compiler pass; plan_memory's carries the arena and naive
  bytes);
- kernels.cache.build_hook: `build` (first call of a generated kernel: compiled, or loaded
  from the on-disk cache); Numba's "numba:compile" event gives the hand-written kernels'
  compiles (cache misses; Numba reports no event for a kernel loaded from its cache).

Events are Chrome-trace events (ph 'X' complete events, 'C' counters, 'i' instants) with
µs timestamps from time.perf_counter_ns; aggregate statistics follow MXNet's
AggregateStats (durations in µs, counters as values) and print as MXNet's table or JSON.
"""
import threading
import time
import weakref

from compiler.errors import MXNetError

PID_OPERATOR, PID_COMPILE, PID_API, PID_MEMORY, PID_USER = range(5)
PROCESS_NAMES = {PID_OPERATOR: "cpu/0", PID_COMPILE: "compiler", PID_API: "MXNET_C_API",
                 PID_MEMORY: "Device Storage", PID_USER: "user"}
MEMORY_CATEGORIES = ("Device Storage", "Pool Memory")
DURATION, COUNTER, OTHER = "duration", "counter", "other"

_now = time.perf_counter_ns
_tid = threading.get_native_id


def _shape_list(arrays):
    return [list(a.shape) for a in arrays]


def _dtype_list(arrays):
    return [a.dtype.name for a in arrays]


def step_event_name(step):
    """Operator name of an ExecPlan step; fused steps list their members' ops."""
    if step.members:
        ops = []
        for m in step.members:
            if m.op.name not in ops:
                ops.append(m.op.name)
        return "%s[%s]" % (step.op.name, ",".join(ops))
    return step.op.name


def _op_nodes(graph):
    return sum(1 for n in graph.nodes if not n.is_variable)


class Recorder:
    """Collects events (while installed) and, with aggregate_stats, per-name statistics."""

    def __init__(self):
        self.events = []
        self.stats = None                 # {category: {name: [kind, count, total, min, max]}}
        self.want_symbolic = self.want_imperative = self.want_memory = self.want_api = True
        self._step_args = {}
        self._local = threading.local()
        self._live = {}                   # id(array) -> bytes (imperative outputs)
        self.mem_bytes = 0
        self._numba_listener = None

    # --- recording ------------------------------------------------------------------
    def clock(self):
        return _now()

    def reset_events(self):
        self.events = []
        self._step_args = {}

    def _aggregate(self, cat, name, kind, value):
        cats = self.stats.get(cat)
        if cats is None:
            cats = self.stats[cat] = {}
        st = cats.get(name)
        if st is None:
            cats[name] = [kind, 1, value, value, value] if kind != OTHER else [kind, 1, 0, 0, 0]
            return
        st[1] += 1
        st[2] += value
        if value < st[3]:
            st[3] = value
        if value > st[4]:
            st[4] = value

    def complete(self, name, cat, t0, t1, args=None, pid=PID_OPERATOR):
        """A duration event from t0 to t1 (perf_counter_ns)."""
        self.events.append(("X", name, cat, t0, t1 - t0, pid, _tid(), args))
        if self.stats is not None:
            self._aggregate(cat, name, DURATION, (t1 - t0) / 1000.0)

    def counter(self, name, cat, value, pid=PID_USER):
        self.events.append(("C", name, cat, _now(), 0, pid, _tid(), {name: value}))
        if self.stats is not None:
            self._aggregate(cat, name, COUNTER, value)

    def instant(self, name, cat, scope="p", pid=PID_USER):
        self.events.append(("i", name, cat, _now(), 0, pid, _tid(), {"scope": scope}))
        if self.stats is not None:
            self._aggregate(cat, name, OTHER, 0)

    # --- hooks: kernel launches -----------------------------------------------------
    def run_steps(self, calls, octx, monitor, phase):
        """compiler.plan.BoundPlan._run with one operator event per kernel launch."""
        start = _now()
        symbolic = self.want_symbolic
        for kernel, attrs, ins, outs, step in calls:
            if monitor is not None and monitor.monitor_all:
                for n, x in zip(step.input_names, ins):
                    monitor("%s_%s" % (step.name, n), x)
            t0 = _now()
            try:
                kernel(attrs, ins, outs, octx)
            except MXNetError as err:
                raise type(err)("%s '%s': %s" % (step.op.name, step.name, err)) from None
            t1 = _now()
            if symbolic:
                cached = self._step_args.get(id(step))
                if cached is None or cached[0] is not step:
                    cached = (step, self._step_info(step, ins, outs, phase))
                    self._step_args[id(step)] = cached
                self.complete(cached[1]["name"], "operator", t0, t1, cached[1]["args"])
            if monitor is not None:
                for n, x in zip(step.output_names, outs):
                    monitor("%s_%s" % (step.name, n), x)
        if self.want_api:
            self.complete("MXExecutorForward" if phase == "forward" else "MXExecutorBackward",
                          "MXNET_C_API", start, _now(), {"steps": len(calls)}, PID_API)

    @staticmethod
    def _step_info(step, ins, outs, phase):
        args = {"mode": "symbolic", "phase": phase, "node": step.name, "op": step.op.name,
                "input_names": list(step.input_names),
                "input_shapes": _shape_list(ins), "input_dtypes": _dtype_list(ins),
                "output_shapes": _shape_list(outs), "output_dtypes": _dtype_list(outs)}
        if step.members:
            args["members"] = ["%s(%s)" % (m.op.name, m.name) for m in step.members]
        return {"name": step_event_name(step), "args": args}

    def imperative(self, op, kernel, attrs, inputs, outs, octx):
        """framework.ndarray.dispatch.invoke's kernel call with one operator event."""
        ins = [x._data for x in inputs]
        res = [o._data for o in outs]
        t0 = _now()
        kernel(attrs, ins, res, octx)
        t1 = _now()
        if self.want_imperative:
            self.complete(op.name, "operator", t0, t1,
                          {"mode": "imperative", "op": op.name,
                           "input_shapes": _shape_list(ins), "input_dtypes": _dtype_list(ins),
                           "output_shapes": _shape_list(res),
                           "output_dtypes": _dtype_list(res)})
        if self.want_memory:
            for a in res:
                if id(a) not in self._live:
                    self._track(a, a.nbytes)

    # --- hooks: memory ---------------------------------------------------------------
    def _track(self, obj, nbytes):
        key = id(obj)
        self._live[key] = nbytes
        weakref.finalize(obj, self._release, key).atexit = False
        self._set_memory(self.mem_bytes + nbytes)

    def _release(self, key):
        nbytes = self._live.pop(key, 0)
        if nbytes:
            self._set_memory(self.mem_bytes - nbytes, quiet=not _installed(self))

    def _set_memory(self, value, quiet=False):
        self.mem_bytes = value
        if not quiet:
            self.counter("Memory: cpu/0", "Device Storage", value, PID_MEMORY)

    def bound(self, bound_plan):
        """An ExecPlan bound to arrays: its arena and owned buffers join the memory counter."""
        if not self.want_memory:
            return
        owned = sum(bound_plan.arrays[i].nbytes for i, b in enumerate(bound_plan.plan.buffers)
                    if b.kind in ("output", "head_grad", "private"))
        self._track(bound_plan, int(bound_plan.arena.nbytes) + owned)

    # --- hooks: compiler -------------------------------------------------------------
    def compiled(self, graph, key, plan, start):
        """One pipeline.compile call; start None: the plan came from the plan cache."""
        t1 = _now()
        st = plan.mem_stats or {}
        g = plan.graph
        fusion = (g.attrs.get("fusion") or {}) if g is not None else {}
        args = {"graph": key[0][:12], "cache": "miss" if start is not None else "hit",
                "shapes": {k: list(v) if v is not None else None for k, v in key[1]},
                "grad_req": sorted({r for _, r in key[3]}),
                "nodes": _op_nodes(graph), "compiled_nodes": _op_nodes(g) if g is not None else 0,
                "forward_steps": len(plan.forward), "backward_steps": len(plan.backward),
                "fused_groups": fusion.get("groups", 0),
                "arena_bytes": int(st.get("arena_bytes", plan.arena_bytes)),
                "naive_bytes": int(st.get("naive_bytes", 0))}
        self.complete("compile", "compile", start if start is not None else t1, t1, args,
                      PID_COMPILE)

    def stage(self, name, result):
        """A compiler stage finished: one event for the pass since the previous stage."""
        now = _now()
        local = self._local
        if name == "input":
            local.mark, local.nodes = now, _op_nodes(result)
            return
        start = getattr(local, "mark", None)
        if start is None:
            start = now
        before = getattr(local, "nodes", 0)
        if name == "lower":
            args = {"forward_steps": len(result.forward), "backward_steps": len(result.backward),
                    "arena_bytes": int(result.arena_bytes)}
        else:
            after = _op_nodes(result)
            args = {"nodes_before": before, "nodes_after": after}
            local.nodes = after
            if name == "fuse":
                args.update(result.attrs.get("fusion") or {})
            elif name == "plan_memory":
                args.update({k: int(v) for k, v in (result.attrs.get("mem_stats") or {}).items()})
        local.mark = _now()
        self.complete(name, "compile pass", start, local.mark, args, PID_COMPILE)

    def build(self, kernel, args):
        """kernels.cache.Kernel's first call: compile, or load from the on-disk cache."""
        before = _cache_counts(kernel.fn)
        t0 = _now()
        result = kernel.fn(*args)
        t1 = _now()
        after = _cache_counts(kernel.fn)
        cache = "miss" if after[1] > before[1] else "hit" if after[0] > before[0] else "loaded"
        module = getattr(getattr(kernel.fn, "py_func", None), "__module__", "?")
        self.complete("%s.kernel" % module, "kernel build", t0, t1,
                      {"cache": cache, "key": repr(kernel.key)[:400], "generated": True},
                      PID_COMPILE)
        return result

    # --- Numba compile events (hand-written kernels) ---------------------------------
    def listen_numba(self, on):
        from numba.core import event
        if on and self._numba_listener is None:
            self._numba_listener = _NumbaListener(self)
            event.register("numba:compile", self._numba_listener)
        elif not on and self._numba_listener is not None:
            event.unregister("numba:compile", self._numba_listener)
            self._numba_listener = None


def _cache_counts(fn):
    """(hits, misses) of a Numba dispatcher's on-disk cache; (0, 0) for anything else."""
    try:
        stats = fn.stats
        return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
    except (AttributeError, TypeError):
        return 0, 0


def _installed(rec):
    from compiler import plan
    from .ndarray import dispatch
    return plan.profile_hook is rec or dispatch.profile_hook is rec


def _numba_listener_base():
    from numba.core import event
    return event.Listener


class _NumbaListener(_numba_listener_base()):
    """Numba's compile events of kernels other than the generated ones (a cache miss)."""

    def __init__(self, recorder):
        self.recorder = recorder
        self.starts = threading.local()

    def on_start(self, event):
        stack = getattr(self.starts, "stack", None)
        if stack is None:
            stack = self.starts.stack = []
        stack.append(_now())

    def on_end(self, event):
        stack = getattr(self.starts, "stack", None)
        if not stack:
            return
        t0 = stack.pop()
        data = event.data or {}
        disp = data.get("dispatcher")
        fn = getattr(disp, "py_func", None)
        module = getattr(fn, "__module__", "?") or "?"
        if module.startswith("_mxgen_"):
            return                       # reported by Recorder.build with hit/miss
        name = "%s.%s" % (module, getattr(fn, "__qualname__", "?"))
        self.recorder.complete(name, "kernel build", t0, _now(),
                               {"cache": "miss", "signature": str(data.get("args")),
                                "generated": False}, PID_COMPILE)


RECORDER = Recorder()


# --- output -------------------------------------------------------------------------------

def _sort_value(st, sort_by):
    kind, count, total, lo, hi = st
    if sort_by == "total":
        return total
    if sort_by == "avg":
        return (hi - lo) / 2 if kind == COUNTER else total / count
    if sort_by == "min":
        return lo
    if sort_by == "max":
        return hi
    return count


def _ordered(names, sort_by, ascending):
    """MXNet's heap order: by value (negated when ascending), ties by name, both largest
    first."""
    keyed = [((-1 if ascending else 1) * _sort_value(st, sort_by), name)
             for name, st in names.items()]
    return [name for _, name in sorted(keyed, reverse=True)]


def _scaled(st, is_memory):
    """(total, min, max, avg) in ms (durations) or kB (memory); counters as value / 1000."""
    kind, count, total, lo, hi = st
    avg = (hi - lo) / 2 / 1000.0 if kind == COUNTER else total / count / 1000.0
    return total / 1000.0, lo / 1000.0, hi / 1000.0, avg


def format_table(stats, sort_by, ascending):
    """MXNet's aggregate table (AggregateStats::DumpTable)."""
    out = ["", "Profile Statistics:", "\tNote the difference in units for different entries."]
    for cat in sorted(stats):
        names = stats[cat]
        mem = cat in MEMORY_CATEGORIES
        out.append(cat)
        out.append("=================")
        if mem:
            out.append("%-25s%16s %16s %16s %16s" % ("Name", "Total Count", "Min Use  (kB)",
                                                     "Max Use  (kB)", "Avg Use  (kB)"))
            out.append("%-25s%16s %16s %16s %16s" % ("----", "-----------", "-------------",
                                                     "-------------", "-------------"))
        else:
            out.append("%-25s%16s %16s %16s %16s %16s" % (
                "Name", "Total Count", "Time (ms)", "Min Time (ms)", "Max Time (ms)",
                "Avg Time (ms)"))
            out.append("%-25s%16s %16s %16s %16s %16s" % (
                "----", "-----------", "---------", "-------------", "-------------",
                "-------------"))
        for name in _ordered(names, sort_by, ascending):
            st = names[name]
            if st[0] == OTHER:
                continue
            total, lo, hi, avg = _scaled(st, mem)
            if mem:
                out.append("%-25s%16d %16.4f %16.4f %16.4f" % (name, st[1], lo, hi, avg))
            else:
                out.append("%-25s%16d %16.4f %16.4f %16.4f %16.4f" % (name, st[1], total, lo,
                                                                      hi, avg))
        out.append("")
    return "\n".join(out) + "\n"


def _g(value):
    return "%.4g" % value


def format_json(stats, sort_by, ascending):
    """MXNet's aggregate JSON (AggregateStats::DumpJson), byte for byte in layout."""
    parts = {False: [], True: []}
    for cat in sorted(stats):
        names = stats[cat]
        mem = cat in MEMORY_CATEGORIES
        ss = parts[mem]
        if ss:
            ss.append("        ,\n")
        ss.append('        "%s": {\n' % cat)
        first = True
        for name in _ordered(names, sort_by, ascending):
            st = names[name]
            if st[0] == OTHER:
                continue
            if not first:
                ss.append("            ,\n")
            first = False
            total, lo, hi, avg = _scaled(st, mem)
            ss.append('            "%s": {\n                "Count": %d,\n' % (name, st[1]))
            if not mem:
                ss.append('                "Total": %s,\n' % _g(total))
            ss.append('                "Min": %s,\n                "Max": %s,\n'
                      '                "Avg": %s\n            }\n' % (_g(lo), _g(hi), _g(avg)))
        ss.append("        }\n")
    return ('{\n    "Time": {\n%s    }\n    ,\n    "Memory": {\n%s    }\n,\n'
            '    "Unit": {\n        "Time": "ms",\n        "Memory": "kB"\n    }\n}\n'
            % ("".join(parts[False]), "".join(parts[True])))


def chrome_trace(events, origin_ns):
    """The Chrome-trace document (chrome://tracing, Perfetto) of recorded events."""
    out = []
    pids = sorted({e[5] for e in events} | {PID_OPERATOR})
    for pid in pids:
        out.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                    "args": {"name": PROCESS_NAMES.get(pid, "pid %d" % pid)}})
        out.append({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                    "args": {"sort_index": pid}})
    for ph, name, cat, ts, dur, pid, tid, args in events:
        ev = {"name": name, "cat": cat, "ph": ph, "ts": round((ts - origin_ns) / 1000.0, 3),
              "pid": pid, "tid": tid}
        if ph == "X":
            ev["dur"] = round(dur / 1000.0, 3)
            if args:
                ev["args"] = args
        elif ph == "i":
            ev["s"] = args.get("scope", "p")
        else:
            ev["args"] = args
        out.append(ev)
    return {"traceEvents": out, "displayTimeUnit": "ms",
            "otherData": {"producer": "framework.profiler (MXNet 1.9.1 API)"}}
