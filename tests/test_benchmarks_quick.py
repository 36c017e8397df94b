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
