"""mx.profiler: MXNet 1.9.1's API; events per kernel launch (symbolic and imperative), per
compile (plan-cache hit/miss, passes, memory plan), per kernel build (on-disk cache hit/miss),
the aggregate table/JSON, the Chrome-trace file, and nothing recorded while off."""
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import framework as mx
from compiler import pipeline, plan as plan_mod
from framework import profiler
from framework.ndarray import dispatch
from framework.profiler_trace import RECORDER, step_event_name
from kernels import cache

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _profiler_off():
    yield
    profiler.set_state("stop")
    profiler.set_config(continuous_dump=False)
    profiler._state["output"] = False


def _start(tmp_path, **kwargs):
    config = dict(profile_all=True, aggregate_stats=True, continuous_dump=False,
                  filename=str(tmp_path / "profile.json"))
    config.update(kwargs)
    profiler.set_config(**config)
    profiler.set_state("run")


def _trace(tmp_path):
    profiler.dump(finished=False)
    with open(tmp_path / "profile.json") as f:
        return json.load(f)


def _ops(doc, mode=None):
    return [e for e in doc["traceEvents"] if e.get("cat") == "operator"
            and (mode is None or e["args"]["mode"] == mode)]


def _mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    act = mx.sym.Activation(fc1 * 2.0 + 1.0, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _table_rows(text, category):
    block = text.split("\n%s\n=================\n" % category)[1].split("\n\n")[0]
    rows = {}
    for line in block.splitlines()[2:]:
        m = re.match(r"^(.*?)\s+(\d+)((?:\s+-?\d+\.\d{4}){4})$", line)
        rows[m.group(1).strip()] = (int(m.group(2)), [float(v) for v in m.group(3).split()])
    return rows


def test_symbolic_mlp_events(tmp_path):
    _start(tmp_path)
    ex = _mlp().simple_bind(mx.cpu(), data=(4, 5))
    ex.arg_dict["data"][:] = np.ones((4, 5), np.float32)
    ex.forward(is_train=True)
    ex.backward()
    profiler.set_state("stop")
    doc = _trace(tmp_path)
    plan = ex._plan
    steps = list(plan.forward) + list(plan.backward)
    ops = _ops(doc, "symbolic")
    assert [e["name"] for e in ops] == [step_event_name(s) for s in steps]
    assert [e["args"]["phase"] for e in ops] == (["forward"] * len(plan.forward)
                                                 + ["backward"] * len(plan.backward))
    fc1 = [e for e in ops if e["args"]["node"] == "fc1"][0]
    assert fc1["name"] == "FullyConnected"
    assert fc1["args"]["input_names"] == ["data", "weight", "bias"]
    assert fc1["args"]["input_shapes"] == [[4, 5], [8, 5], [8]]
    assert fc1["args"]["output_shapes"] == [[4, 8]] and fc1["args"]["output_dtypes"] == ["float32"]
    fused = [e for e in ops if "members" in e["args"] and e["args"]["phase"] == "forward"][0]
    assert fused["name"] == "_FusedElementwise[_mul_scalar,_plus_scalar,Activation]"
    assert [m.split("(")[0] for m in fused["args"]["members"]] == \
        ["_mul_scalar", "_plus_scalar", "Activation"]
    assert fused["args"]["input_shapes"] == [[4, 8]]
    api = [e["name"] for e in doc["traceEvents"] if e.get("cat") == "MXNET_C_API"]
    assert api == ["MXExecutorForward", "MXExecutorBackward"]
    for e in ops:
        assert e["ph"] == "X" and e["dur"] >= 0 and e["pid"] == 0


def test_imperative_events_and_table(tmp_path):
    x = mx.nd.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    _start(tmp_path)
    for _ in range(3):
        mx.nd.relu(x)
    mx.nd.dot(x, x, transpose_b=True)
    profiler.set_state("stop")
    mx.nd.relu(x)                                           # stopped: not recorded
    doc = _trace(tmp_path)
    ops = _ops(doc, "imperative")
    assert [e["name"] for e in ops] == ["relu"] * 3 + ["dot"]
    assert ops[3]["args"]["input_shapes"] == [[2, 3], [2, 3]]
    assert ops[3]["args"]["output_shapes"] == [[2, 2]]
    table = profiler.dumps()
    assert table.startswith("\nProfile Statistics:\n\tNote the difference in units for "
                            "different entries.\nDevice Storage\n=================\n")
    assert "\n\noperator\n=================\n" in table
    assert ("Name                          Total Count    Min Use  (kB)    Max Use  (kB)    "
            "Avg Use  (kB)") in table
    assert ("Name                          Total Count        Time (ms)    Min Time (ms)    "
            "Max Time (ms)    Avg Time (ms)") in table
    rows = _table_rows(table, "operator")
    assert rows["relu"][0] == 3 and rows["dot"][0] == 1
    total, lo, hi, avg = rows["relu"][1]
    durs = sorted(e["dur"] / 1000.0 for e in ops[:3])
    assert total == pytest.approx(sum(durs), abs=2e-4)
    assert lo == pytest.approx(durs[0], abs=2e-4) and hi == pytest.approx(durs[-1], abs=2e-4)
    assert avg == pytest.approx(sum(durs) / 3, abs=2e-4)
    by_count = profiler.dumps(sort_by="count", ascending=True)
    names = list(_table_rows(by_count, "operator"))
    assert names.index("dot") < names.index("relu")
    stats = json.loads(profiler.dumps(format="json"))
    assert stats["Time"]["operator"]["relu"]["Count"] == 3
    assert stats["Unit"] == {"Time": "ms", "Memory": "kB"}
    assert stats["Memory"]["Device Storage"]["Memory: cpu/0"]["Count"] >= 4
    profiler.dumps(reset=True)
    assert profiler.dumps() == ("\nProfile Statistics:\n\tNote the difference in units for "
                                "different entries.\n")


def test_compile_events_plan_cache_and_memory_plan(tmp_path):
    pipeline.clear_cache()
    _start(tmp_path)
    net = _mlp()
    ex = net.simple_bind(mx.cpu(), data=(2, 5), grad_req="null")
    ex2 = net.simple_bind(mx.cpu(), data=(2, 5), grad_req="null")
    profiler.set_state("stop")
    doc = _trace(tmp_path)
    compiles = [e for e in doc["traceEvents"] if e.get("cat") == "compile"]
    assert [e["args"]["cache"] for e in compiles] == ["miss", "hit"]
    st = ex._plan.mem_stats
    assert ex2._plan is ex._plan
    assert compiles[0]["args"]["forward_steps"] == len(ex._plan.forward)
    assert compiles[0]["args"]["arena_bytes"] == st["arena_bytes"]
    assert compiles[0]["args"]["shapes"]["data"] == [2, 5]
    passes = [e for e in doc["traceEvents"] if e.get("cat") == "compile pass"]
    assert [e["name"] for e in passes] == ["infer_shape", "infer_type", "gradient",
                                           "eliminate_common_expr", "dce", "fold_batchnorm",
                                           "fuse", "plan_memory", "lower"]
    mem = passes[7]["args"]
    assert mem["arena_bytes"] == st["arena_bytes"] and mem["naive_bytes"] == st["naive_bytes"]
    assert mem["inplace_count"] == st["inplace_count"]
    assert passes[6]["args"]["groups"] == 1 and passes[6]["args"]["fused_nodes"] == 3
    assert passes[0]["ts"] >= compiles[0]["ts"]
    assert passes[-1]["ts"] + passes[-1]["dur"] <= compiles[0]["ts"] + compiles[0]["dur"] + 1
    counters = [e for e in doc["traceEvents"] if e.get("name") == "Memory: cpu/0"]
    assert counters and counters[-1]["ph"] == "C"
    rows = _table_rows(profiler.dumps(), "compile")
    assert rows["compile"][0] == 2


@pytest.mark.slow
def test_kernel_build_cache_miss_then_hit_across_processes(tmp_path):
    script = (
        "import json, sys\n"
        "import framework as mx\n"
        "mx.profiler.set_config(profile_all=True, continuous_dump=False, filename=sys.argv[1])\n"
        "mx.profiler.set_state('run')\n"
        "x = mx.sym.var('x')\n"
        "ex = mx.sym.exp(mx.sym.sin(x) * 3.0).simple_bind(mx.cpu(), x=(2, 3), grad_req='null')\n"
        "ex.forward()\n"
        "mx.profiler.set_state('stop')\n"
        "mx.profiler.dump()\n")
    env = dict(os.environ, MXNET_KERNEL_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_CACHE_DIR", None)
    builds = []
    for k in range(2):
        out = tmp_path / ("run%d.json" % k)
        subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, env=env, check=True,
                       timeout=300)
        with open(out) as f:
            events = json.load(f)["traceEvents"]
        builds.append([e for e in events if e.get("cat") == "kernel build"
                       and e["args"]["generated"]])
    assert [e["args"]["cache"] for e in builds[0]] == ["miss"]
    assert [e["args"]["cache"] for e in builds[1]] == ["hit"]
    assert builds[0][0]["name"] == builds[1][0]["name"]
    assert builds[0][0]["name"].startswith("_mxgen_fused_sin_mul_scalar_exp_")


def test_kernel_build_hook_in_process(tmp_path):
    calls = []

    class Fake:
        fn = staticmethod(lambda a, b: calls.append((a, b)) or a + b)
        key = ("fake", 1)

    _start(tmp_path)
    assert cache.build_hook is not None
    assert cache.build_hook(Fake(), (2, 3)) == 5
    profiler.set_state("stop")
    builds = [e for e in _trace(tmp_path)["traceEvents"] if e.get("cat") == "kernel build"]
    assert calls == [(2, 3)] and builds[-1]["args"]["cache"] == "loaded"


def test_chrome_trace_structure(tmp_path):
    _start(tmp_path)
    mx.nd.relu(mx.nd.ones((2, 2)))
    profiler.dump()                     # finished: the trace is closed
    with open(tmp_path / "profile.json") as f:
        doc = json.load(f)
    assert set(doc) >= {"traceEvents", "displayTimeUnit"}
    meta = [e for e in doc["traceEvents"] if e["ph"] == "M"]
    assert {e["args"]["name"] for e in meta if e["name"] == "process_name"} >= {"cpu/0"}
    for e in doc["traceEvents"]:
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int) and "name" in e
        if e["ph"] == "X":
            assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0 and "cat" in e
    with pytest.raises(mx.MXNetError, match="Profiler hasn't been run"):
        profiler.dump()


def test_off_records_nothing(tmp_path):
    profiler.set_config(profile_all=True, aggregate_stats=True, continuous_dump=False,
                        filename=str(tmp_path / "p.json"))
    assert profiler.state == "stop"
    assert plan_mod.profile_hook is None and dispatch.profile_hook is None
    assert pipeline.profile_hook is None and cache.build_hook is None
    before = len(RECORDER.events)
    x = mx.nd.ones((2, 2))
    mx.nd.relu(x)
    ex = _mlp().simple_bind(mx.cpu(), data=(2, 5))
    ex.forward()
    assert len(RECORDER.events) == before
    assert "operator" not in profiler.dumps()
    with pytest.raises(mx.MXNetError, match="Config and start profiler first"):
        profiler.dump()


def test_pause_resume_and_state(tmp_path):
    x = mx.nd.ones((2, 2))
    _start(tmp_path)
    assert profiler.state == "run"
    mx.nd.relu(x)
    profiler.pause()
    assert dispatch.profile_hook is None and profiler.paused
    mx.nd.relu(x)
    profiler.resume()
    mx.nd.relu(x)
    profiler.set_state("stop")
    assert profiler.state == "stop"
    assert _table_rows(profiler.dumps(), "operator")["relu"][0] == 2


def test_switches_select_events(tmp_path):
    _start(tmp_path, profile_all=False, profile_imperative=False, profile_memory=False,
           profile_api=False)
    mx.nd.relu(mx.nd.ones((2, 2)))
    ex = _mlp().simple_bind(mx.cpu(), data=(2, 5), grad_req="null")
    ex.forward()
    profiler.set_state("stop")
    doc = _trace(tmp_path)
    assert not _ops(doc, "imperative") and len(_ops(doc, "symbolic")) == len(ex._plan.forward)
    cats = {e.get("cat") for e in doc["traceEvents"]}
    assert "MXNET_C_API" not in cats and "Device Storage" not in cats


def test_config_errors():
    with pytest.raises(mx.MXNetError, match="Cannot find argument 'bogus'"):
        profiler.set_config(bogus=1)
    with pytest.raises(mx.MXNetError, match="expect boolean but value='yes'"):
        profiler.set_config(profile_all="yes")
    with pytest.raises(mx.MXNetError, match="expect float but value='abc'"):
        profiler.set_config(dump_period="abc")
    with pytest.raises(KeyError):
        profiler.set_state("bad")
    with pytest.raises(mx.MXNetError, match="Kvstore Handle"):
        profiler.set_state("run", profile_process="server")
    with pytest.raises(AssertionError, match="Invalid value provided for format: xml"):
        profiler.dumps(format="xml")
    with pytest.raises(AssertionError, match="sort_by: foo"):
        profiler.dumps(sort_by="foo")
    profiler.set_config(profile_all="True", aggregate_stats=0)
    assert profiler.dumps() == ""


def test_user_objects(tmp_path):
    dom = profiler.Domain("mydomain")
    task = dom.new_task("load")
    task.start()
    task.stop()                               # profiler not running: nothing
    _start(tmp_path)
    for _ in range(2):
        task.start()
        task.stop()
    frame = dom.new_frame("frame")
    frame.start()
    frame.stop()
    event = profiler.Event("ev")
    event.start()
    event.stop()
    counter = dom.new_counter("items", 3)
    counter += 2
    counter -= 1
    profiler.Marker(dom, "here").mark("thread")
    with pytest.raises(mx.MXNetError, match="valid values are"):
        profiler.Marker(dom, "x").mark("bogus")
    profiler.set_state("stop")
    doc = _trace(tmp_path)
    user = [e for e in doc["traceEvents"] if e["pid"] == 4 and e["ph"] != "M"]
    assert [(e["name"], e["cat"], e["ph"]) for e in user] == [
        ("load", "mydomain", "X"), ("load", "mydomain", "X"), ("frame", "mydomain,frame", "X"),
        ("ev", "event", "X"), ("items", "mydomain", "C"), ("items", "mydomain", "C"),
        ("items", "mydomain", "C"), ("here", "mydomain,instant_marker", "i")]
    assert [e["args"]["items"] for e in user if e["ph"] == "C"] == [3, 5, 4]
    assert user[-1]["s"] == "t"
    table = profiler.dumps()
    assert _table_rows(table, "mydomain")["load"][0] == 2
    assert "\nmydomain,instant_marker\n=================\n" in table
    assert str(dom) == "mydomain" and str(task) == "load"


def test_continuous_dump_writes_while_running(tmp_path):
    path = tmp_path / "live.json"
    profiler.set_config(profile_all=True, continuous_dump=True, dump_period=0.05,
                        filename=str(path))
    profiler.set_state("run")
    mx.nd.relu(mx.nd.ones((2, 2)))
    deadline = time.time() + 10
    while not path.exists() and time.time() < deadline:
        time.sleep(0.05)
    profiler.set_state("stop")
    with open(path) as f:
        assert "traceEvents" in json.load(f)
