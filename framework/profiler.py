"""mx.profiler: MXNet 1.9.1's profiler API over this framework's runtime.

    mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename="profile.json")
    mx.profiler.set_state("run")
    ...                                   # imperative calls, executors, compiles
    mx.profiler.set_state("stop")
    print(mx.profiler.dumps())            # MXNet's aggregate table (or format="json")
    mx.profiler.dump()                    # Chrome-trace JSON: chrome://tracing, Perfetto

Events (framework/profiler_trace.py): one per kernel launch, category "operator" (symbolic
steps of executors and imperative mx.nd calls: op name, fused group members, input/output
shapes and dtypes), one per pipeline compile ("compile": plan-cache hit or miss) and per
compiler pass ("compile pass"; `plan_memory` carries the arena and naive bytes), one per
kernel build ("kernel build": compiled, or loaded from the on-disk cache), executor runs
("MXNET_C_API": MXExecutorForward/Backward), the memory counter ("Device Storage":
"Memory: cpu/0", bytes of operator outputs and bound executors' buffers while alive), and
the user's Domain/Task/Frame/Event/Counter/Marker objects.  While the profiler is stopped or
paused no hook is installed: each hot path checks a single module global.
"""
import json
import os
import tempfile
import threading
import warnings

from .base import MXNetError
from . import profiler_trace as _trace
from .profiler_trace import RECORDER as _rec

__all__ = ["set_config", "set_state", "dump", "dumps", "pause", "resume", "Domain", "Task",
           "Frame", "Event", "Counter", "Marker", "profiler_set_config", "profiler_set_state",
           "dump_profile", "set_kvstore_handle"]

_BOOL_PARAMS = ("profile_all", "profile_symbolic", "profile_imperative", "profile_memory",
                "profile_api", "continuous_dump", "aggregate_stats")
_DEFAULTS = {"profile_all": False, "profile_symbolic": True, "profile_imperative": True,
             "profile_memory": True, "profile_api": True, "filename": "profile.json",
             "continuous_dump": True, "dump_period": 1.0, "aggregate_stats": False,
             "profile_process": "worker"}
_PARAM_DOC = """profile_all : boolean, optional, default=0
    Profile all. Default is False.
profile_symbolic : boolean, optional, default=1
    Profile symbolic operators.  Default is True.
profile_imperative : boolean, optional, default=1
    Profile imperative operators.  Default is True.
profile_memory : boolean, optional, default=1
    Profile memory.  Default is True.
profile_api : boolean, optional, default=1
    Profile C API.  Default is True.
filename : string, optional, default='profile.json'
    File name to write profiling info.
continuous_dump : boolean, optional, default=1
    Periodically dump (and append) profiling data to file while running. Default is True.
dump_period : float, optional, default=1
    When continuous dump is enabled, the period between subsequent profile info dumping.
aggregate_stats : boolean, optional, default=0
    Maintain aggregate stats, required for MXDumpAggregateStats.  Note that this can have a \
negative performance impact. Default is False.
profile_process : {'server', 'worker'},optional, default='worker'
    Specifies which process to profile: worker: this is default. for single node training \
it should always be worker.server: for distributed training, this profiles server process"""

_lock = threading.RLock()
_config = dict(_DEFAULTS)
_state = {"running": False, "paused": False, "output": False, "configured": False,
          "origin": _rec.clock()}
_dumper = {"thread": None, "stop": None}
profiler_kvstore_handle = None


def set_kvstore_handle(handle):
    """The kvstore whose server process `profile_process='server'` profiles."""
    global profiler_kvstore_handle
    profiler_kvstore_handle = handle


def _parse_bool(key, value):
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise MXNetError("Invalid Parameter format for %s expect boolean but value='%s'"
                     % (key, value))


def _parse(kwargs):
    config = dict(_DEFAULTS)
    for key, value in kwargs.items():
        if key in _BOOL_PARAMS:
            config[key] = _parse_bool(key, value)
        elif key == "dump_period":
            try:
                config[key] = float(str(value))
            except ValueError:
                raise MXNetError("Invalid Parameter format for dump_period expect float but "
                                 "value='%s'" % value) from None
        elif key == "filename":
            config[key] = str(value)
        elif key == "profile_process":
            if str(value) not in ("server", "worker"):
                raise MXNetError("Invalid Input: '%s', valid values are: {'server', 'worker'}"
                                 % value)
            config[key] = str(value)
        else:
            raise MXNetError("Cannot find argument '%s', Possible Arguments:\n----------------\n%s"
                             % (key, _PARAM_DOC))
    return config


def set_config(**kwargs):
    """Configure the profiler (keyword arguments only, MXNet's names and defaults):
    profile_all, profile_symbolic, profile_imperative, profile_memory, profile_api,
    filename='profile.json', continuous_dump, dump_period, aggregate_stats, profile_process."""
    config = _parse(kwargs)
    with _lock:
        _config.clear()
        _config.update(config)
        _state["configured"] = True
        if config["aggregate_stats"]:
            if _rec.stats is None:
                _rec.stats = {}
        else:
            _rec.stats = None
        _install()


def profiler_set_config(mode="symbolic", filename="profile.json"):
    """Deprecated: set_config(profile_<mode>=True, filename=filename)."""
    warnings.warn("profiler.profiler_set_config() is deprecated. "
                  "Please use profiler.set_config() instead")
    set_config(**{"profile_" + mode: True, "filename": filename})


def _check_process(profile_process):
    if profile_process not in ("worker", "server"):
        raise KeyError(profile_process)
    if profile_process == "server":
        if profiler_kvstore_handle is None:
            raise MXNetError("Check failed: kvStoreHandle: Kvstore Handle passed to profiler "
                             "is null")
        raise MXNetError("profile_process='server': profiling a kvstore server process is not "
                         "built (the profiler records this worker process only)")


def set_state(state="stop", profile_process="worker"):
    """Start ('run') or stop ('stop') the profiler."""
    running = {"stop": False, "run": True}[state]
    _check_process(profile_process)
    with _lock:
        if running and not _state["running"]:
            if not _state["output"]:
                _rec.reset_events()
                _state["origin"] = _rec.clock()
            _state["output"] = True
            _state["paused"] = False
        _state["running"] = running
        _install()
    _continuous(running and _config["continuous_dump"])


def profiler_set_state(state="stop"):
    """Deprecated: set_state(state)."""
    warnings.warn("profiler.profiler_set_state() is deprecated. "
                  "Please use profiler.set_state() instead")
    set_state(state)


def pause(profile_process="worker"):
    """Stop recording until resume() (the profiler stays in state 'run')."""
    _check_process(profile_process)
    with _lock:
        _state["paused"] = True
        _install()


def resume(profile_process="worker"):
    """Record again after pause()."""
    _check_process(profile_process)
    with _lock:
        _state["paused"] = False
        _install()


def _recording():
    return _state["running"] and not _state["paused"]


def _install():
    """Put the recorder into (or take it out of) every hot path, per the configuration."""
    from compiler import pipeline, plan
    from kernels import cache
    from .ndarray import dispatch
    on = _recording()
    every = _config["profile_all"]
    _rec.want_symbolic = every or _config["profile_symbolic"]
    _rec.want_imperative = every or _config["profile_imperative"]
    _rec.want_memory = every or _config["profile_memory"]
    _rec.want_api = every or _config["profile_api"]
    symbolic_path = _rec.want_symbolic or _rec.want_memory or _rec.want_api
    plan.profile_hook = _rec if on and symbolic_path else None
    dispatch.profile_hook = _rec if on and (_rec.want_imperative or _rec.want_memory) else None
    pipeline.profile_hook = _rec if on and _rec.want_symbolic else None
    cache.build_hook = _rec.build if on else None
    _rec.listen_numba(on)


def _trace_text():
    return json.dumps(_trace.chrome_trace(list(_rec.events), _state["origin"]), indent=1)


def _write(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".profile-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dump(finished=True, profile_process="worker"):
    """Write every event since set_state('run') to `filename` as a Chrome-trace JSON file;
    finished=True ends this trace (the next set_state('run') starts a new one)."""
    _check_process(profile_process)
    with _lock:
        if not _state["output"]:
            raise MXNetError("Check failed: profiler->IsEnableOutput(): Profiler hasn't been "
                             "run. Config and start profiler first")
        _write(_config["filename"], _trace_text())
        if finished:
            _state["output"] = False


def dump_profile():
    """Deprecated: dump(True)."""
    warnings.warn("profiler.dump_profile() is deprecated. Please use profiler.dump() instead")
    dump(True)


def dumps(reset=False, format="table", sort_by="total", ascending=False):  # noqa: A002
    """The aggregate statistics (needs set_config(aggregate_stats=True); '' otherwise) as
    MXNet's table or JSON; sort_by 'total', 'avg', 'min', 'max' or 'count'."""
    assert format in ("table", "json"), \
        "Invalid value provided for format: {0}. Support: 'table', 'json'".format(format)
    assert sort_by in ("total", "avg", "min", "max", "count"), \
        "Invalid value provided for sort_by: {0}.\
             Support: 'total', 'avg', 'min', 'max', 'count'".format(sort_by)
    assert ascending in (False, True), \
        "Invalid value provided for ascending: {0}. Support: False, True".format(ascending)
    assert reset in (False, True), \
        "Invalid value provided for reset: {0}. Support: False, True".format(reset)
    with _lock:
        stats = _rec.stats
        if stats is None:
            return ""
        text = (_trace.format_table if format == "table" else _trace.format_json)(
            stats, sort_by, bool(ascending))
        if reset:
            stats.clear()
    return text


def _continuous(on):
    """continuous_dump: rewrite the trace file every dump_period seconds while running."""
    thread, stop = _dumper["thread"], _dumper["stop"]
    if thread is not None and (not on or not thread.is_alive()):
        stop.set()
        thread.join()
        _dumper["thread"] = None
    if on and _dumper["thread"] is None:
        stop = threading.Event()

        def loop():
            while not stop.wait(max(_config["dump_period"], 0.01)):
                with _lock:
                    if _state["running"] and _state["output"]:
                        _write(_config["filename"], _trace_text())

        thread = threading.Thread(target=loop, name="mx-profiler-dump", daemon=True)
        _dumper["thread"], _dumper["stop"] = thread, stop
        thread.start()


def __getattr__(name):
    if name == "state":
        return "run" if _state["running"] else "stop"
    if name == "paused":
        return _state["paused"]
    raise AttributeError("module 'framework.profiler' has no attribute %r" % name)


# --- user objects (MXNet's Domain, Task, Frame, Event, Counter, Marker) -------------------

class Domain:
    """A named category grouping tasks, frames, counters and markers."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    def new_task(self, name):
        return Task(self, name)

    def new_frame(self, name):
        return Frame(self, name)

    def new_counter(self, name, value=None):
        return Counter(self, name, value)

    def new_marker(self, name):
        return Marker(self, name)


class _Duration:
    _category = "event"

    def __init__(self, name):
        self.name = name
        self._start = None

    def start(self):
        """Start timing this scope."""
        self._start = _rec.clock()

    def stop(self):
        """Stop timing: one duration event while the profiler records."""
        if self._start is None:
            return
        start, self._start = self._start, None
        if _recording():
            _rec.complete(self.name, self._category, start, _rec.clock(), None,
                          _trace.PID_USER)

    def __str__(self):
        return self.name


class Task(_Duration):
    """A logical unit of work; every start/stop pass is aggregated under the domain."""

    def __init__(self, domain, name):
        super().__init__(name)
        self.domain = domain
        self._category = domain.name


class Frame(_Duration):
    """Like Task, for per-frame analysis (category '<domain>,frame')."""

    def __init__(self, domain, name):
        super().__init__(name)
        self.domain = domain
        self._category = "%s,frame" % domain.name


class Event(_Duration):
    """A named duration outside any domain (category 'event')."""


class Counter:
    """A value tracked over time (a Chrome-trace counter track)."""

    def __init__(self, domain, name, value=None):
        self.domain = domain
        self.name = name
        self.value = 0
        if value is not None:
            self.set_value(value)

    def _emit(self):
        if _recording():
            _rec.counter(self.name, self.domain.name, self.value, _trace.PID_USER)

    def set_value(self, value):
        self.value = int(value)
        self._emit()

    def increment(self, delta=1):
        self.value += int(delta)
        self._emit()

    def decrement(self, delta=1):
        self.value -= int(delta)
        self._emit()

    def __iadd__(self, delta):
        self.increment(delta)
        return self

    def __isub__(self, delta):
        self.decrement(delta)
        return self

    def __str__(self):
        return self.name


_SCOPES = {"global": "g", "process": "p", "thread": "t", "task": "t", "marker": "t"}


class Marker:
    """An instant in time (category '<domain>,instant_marker')."""

    def __init__(self, domain, name):
        self.name = name
        self.domain = domain

    def mark(self, scope="process"):
        if scope not in _SCOPES:
            raise MXNetError("Invalid Input: '%s', valid values are: {'global', 'marker', "
                             "'process', 'task', 'thread'}" % scope)
        if _recording():
            _rec.instant(self.name, "%s,instant_marker" % self.domain.name, _SCOPES[scope],
                         _trace.PID_USER)
