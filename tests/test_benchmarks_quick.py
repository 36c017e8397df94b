"""The benchmark runner, in-process with --quick on cheap workloads: structure and checks only
(no assertion on any timing)."""
import json
import os

import numpy as np
import pytest

from benchmarks import Workload, runner, report
from benchmarks.workload import compare

FAST = ["--quick", "--repeat", "2", "--min-time", "0.001", "--settle", "0.05"]


@pytest.fixture(autouse=True)
def _restore_environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_quick_ops_run_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = runner.main(["--suite", "ops", "--compare", "numpy", "--filter", "^(relu|broadcast_add|dispatch_add)$",
                      "--json", str(out)] + FAST)
    printed = capsys.readouterr().out
    assert rc == 0
    rep = json.loads(out.read_text())
    assert rep["schema"] == runner.SCHEMA
    assert rep["options"]["quick"] is True and rep["options"]["compare"] == ["numpy"]
    assert rep["options"]["threads"] == rep["threads"]["requested"]
    assert rep["threads"]["env"]["OMP_NUM_THREADS"] == str(rep["options"]["threads"])
    assert {"cpu", "usable_cpus", "python", "versions", "blas"} <= set(rep["machine"])
    assert {"numpy", "numba"} <= set(rep["machine"]["versions"])
    assert isinstance(rep["limits"]["memcopy_GBps"], float)
    assert isinstance(rep["limits"]["blas_GFLOPs"], float)
    assert rep["peers"]["numpy"]["available"] is True
    assert [r["name"] for r in rep["results"]] == ["relu", "broadcast_add", "dispatch_add"]
    for r in rep["results"]:
        assert r["suite"] == "ops" and r["size"] == "quick" and r["status"] == "ok", r
        assert set(r["impls"]) == {"ours", "numpy"}
        for impl, e in r["impls"].items():
            assert e["status"] == "ok", (r["name"], impl, e)
            assert e["check"]["passed"] is True
            assert isinstance(e["first_call_s"], float)
            t = e["time"]
            assert {"median", "min", "max", "q1", "q3", "iqr_rel", "calls_per_rep", "cpu_util"} <= set(t)
            assert len(t["samples"]) == t["repeat"] == 2
            assert t["min"] <= t["median"] <= t["max"]
        assert set(r["ratios"]) == {"numpy"}
    assert "GBps" in rep["results"][0]["impls"]["ours"]        # relu: bytes known
    assert "GBps" not in rep["results"][2]["impls"]["ours"]    # dispatch: no throughput
    for name in ("relu", "broadcast_add", "dispatch_add", "ours/np", "memory copy"):
        assert name in printed


def _synthetic(name, ours, ops=()):
    def inputs(size, rng):
        return {"x": rng.standard_normal(size["n"]).astype(np.float32)}

    return Workload(name, "test", "synthetic", full={"n": 64}, quick={"n": 8}, inputs=inputs,
                    impls={"ours": lambda d, s, dev: (lambda: ours(d["x"])),
                           "numpy": lambda d, s, dev: (lambda: d["x"] * 2)},
                    ops=ops, nbytes=lambda s: 8 * s["n"])


def test_wrong_result_is_not_timed_and_missing_op_is_not_available(tmp_path):
    ws = [_synthetic("good", lambda x: x + x), _synthetic("wrong", lambda x: x * 3),
          _synthetic("missing", lambda x: x * 2, ops=("NoSuchOp",)),
          _synthetic("raises", lambda x: 1 / 0)]
    rep = runner.run(["--compare", "numpy,mxnet", "--mxnet-python", str(tmp_path / "no-python"),
                      "--json", str(tmp_path / "b.json")] + FAST, workloads=ws, log=lambda s: None)
    by = {r["name"]: r for r in rep["results"]}
    assert by["good"]["status"] == "ok" and "time" in by["good"]["impls"]["ours"]
    assert by["good"]["impls"]["ours"]["check"]["max_err"] == 0.0
    wrong = by["wrong"]["impls"]["ours"]
    assert by["wrong"]["status"] == "wrong" and wrong["check"]["passed"] is False and "time" not in wrong
    assert "time" in by["wrong"]["impls"]["numpy"]  # peers are still timed
    assert by["missing"]["status"] == "not available"
    assert "NoSuchOp" in by["missing"]["reason"] and "time" not in by["missing"]["impls"]["ours"]
    assert by["raises"]["status"] == "error" and "ZeroDivisionError" in by["raises"]["reason"]
    assert rep["peers"]["mxnet"]["available"] is False
    assert any(n.startswith("mxnet: skipped") for n in rep["notes"])
    table = report.format_table(rep)
    assert "WRONG" in table and "n/a" in table and "ERROR" in table


def test_compare_normalized_error():
    a = np.array([1.0, 2.0, 4.0], np.float32)
    assert compare(a, a, 0.0)[0]
    ok, err, _ = compare(a + np.float32(1e-3), a, 1e-4)
    assert not ok and err == pytest.approx(1e-3 / 4, rel=1e-3)
    assert not compare([a], [a, a], 1e-4)[0]
    assert not compare(a[:2], a, 1e-4)[0]
    assert not compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), 1e-4)[0]


# --- the Gluon model workloads, the memory and compile suites (quick sizes) ------------------

NEW_MODELS = ("mlp_hybrid_step", "lenet_hybrid_step", "resnet18_infer", "resnet18_train", "lstm_lm_step")
ONCE = ["--quick", "--repeat", "1", "--warmup", "0", "--min-time", "0.001", "--settle", "0.05"]


def test_quick_gluon_model_workloads_check_against_numpy(tmp_path):
    rep = runner.run(["--suite", "models", "--compare", "none", "--filter", "^(%s)$" % "|".join(NEW_MODELS),
                      "--json", str(tmp_path / "m.json")] + ONCE, log=lambda s: None)
    by = {r["name"]: r for r in rep["results"]}
    assert set(by) == set(NEW_MODELS)
    for name, r in by.items():
        ours = r["impls"]["ours"]
        assert r["status"] == "ok", (name, r.get("reason"))
        # the forward output of the first training step equals the float64 NumPy model's
        assert ours["check"]["passed"] is True and ours["check"]["max_err"] <= ours["check"]["tol"]
        assert ours["time"]["repeat"] == 1
    assert by["resnet18_infer"]["flops"] > 0 and "GFLOPs" in by["resnet18_infer"]["impls"]["ours"]


@pytest.mark.parametrize("names,peers", [("memory_lenet|first_step_mlp_hybrid", "torch"),
                                          ("memory_resnet18|first_step_lenet_symbolic", "none")])
def test_quick_memory_and_compile_suites(tmp_path, capsys, names, peers):
    out = tmp_path / "mc.json"
    rc = runner.main(["--suite", "all", "--compare", peers, "--filter", "^(%s)$" % names,
                      "--json", str(out)] + ONCE)
    printed = capsys.readouterr().out
    assert rc == 0, printed
    rep = json.loads(out.read_text())
    by = {r["name"]: r for r in rep["results"]}
    assert set(by) == set(names.split("|"))
    for name in [n for n in by if n.startswith("memory_")]:
        v = by[name]["impls"]["ours"]["values"]
        assert by[name]["status"] == "ok" and by[name]["unit"] == "probe"
        # the planner's arena never exceeds the naive sum of the intermediates
        assert 0 < v["arena_bytes"] <= v["naive_bytes"] and v["arena_vs_naive"] <= 1.0
        assert v["peak_rss_steps"] >= v["rss_before_steps"] >= v["rss_import"] > 10e6
    for name in [n for n in by if n.startswith("first_step_")]:
        r = by[name]
        v = r["impls"]["ours"]["values"]
        assert r["status"] == "ok", r.get("reason")
        # kernels are compiled per dtype and rank, never per shape: a new batch size compiles nothing
        assert v["rebatch_kernels_compiled"] == 0 and v["rebatch_signatures_added"] == 0
        assert v["first_step_warm_s"] >= v["import_s"] + v["first_call_s"]
        assert "first_step_cold_s" not in v      # --quick: no empty-cache run
    if rep["peers"].get("torch", {}).get("available"):
        for r in by.values():
            assert r["impls"]["torch"]["status"] == "ok" and "torch" in r["ratios"]
    for label in ("peak RSS during training steps", "compiled plans: planned arena",
                  "kernels compiled for a new batch size"):
        assert label in printed


def _probe(name, values_by_impl, expect=None):
    from benchmarks.workload import Probe
    return Probe(name, "test", "synthetic probe", full={}, quick={},
                 impls={i: (lambda v: lambda size, sizes, env: dict(v))(v) for i, v in values_by_impl.items()},
                 metrics=[("peak", "peak", "bytes"), ("n", "count", "count")], primary="peak", expect=expect)


def test_probe_ratios_expectations_and_table(tmp_path):
    ws = [_probe("fine", {"ours": {"peak": 3e6, "n": 0}, "torch": {"peak": 2e6, "n": 0}}, expect={"n": 0}),
          _probe("recompiles", {"ours": {"peak": 1e6, "n": 4}}, expect={"n": 0})]
    rep = runner.run(["--compare", "none", "--json", str(tmp_path / "p.json")] + ONCE, workloads=ws,
                     log=lambda s: None)
    by = {r["name"]: r for r in rep["results"]}
    assert by["fine"]["status"] == "ok" and by["fine"]["ratios"] == {}      # torch not requested
    by["fine"]["impls"]["torch"] = {"status": "ok", "values": {"peak": 2e6}}
    runner.add_ratios(by["fine"])
    assert by["fine"]["ratios"] == {"torch": pytest.approx(1.5)}
    assert by["recompiles"]["status"] == "wrong" and "n = 4 (expected 0)" in by["recompiles"]["reason"]
    table = report.format_table(rep)
    assert "3.0 MB" in table and "1.50x" in table and "recompiles / ours: wrong" in table


def test_probe_child_reports_unknown_workload_as_not_available():
    from benchmarks.probe import run_child
    from benchmarks.workload import NotAvailable
    with pytest.raises(NotAvailable, match="no_such_workload"):
        run_child({"workload": "no_such_workload", "impl": "numpy", "size": "quick"}, timeout=120)


def test_device_gpu_without_cuda_backend_is_skipped_with_a_line(tmp_path, capsys):
    why = runner.gpu_unavailable()
    if why is None:
        pytest.skip("a GPU backend is available here")
    out = tmp_path / "g.json"
    rc = runner.main(["--device", "gpu", "--suite", "ops", "--filter", "^relu$", "--json", str(out)] + FAST)
    printed = capsys.readouterr().out
    assert rc == 0
    assert "device gpu: skipped" in printed and why in printed
    rep = json.loads(out.read_text())
    assert rep["results"] == [] and rep["skipped"].startswith("device gpu: skipped")
