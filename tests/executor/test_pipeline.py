"""compiler.pipeline and lower: pass order, the verifier between passes, dumps (API and
MXNET_DUMP_DIR), switches, the compile cache, and the ExecPlan's buffers."""
import os

import numpy as np
import pytest

import framework as mx
from compiler import pipeline
from compiler.errors import MXNetError
from compiler.ir.graph import Entry, Graph
from compiler.passes.lower import lower

AVAILABLE = pipeline.available_passes()


def _net():
    with mx.name.NameManager():
        x = mx.sym.Variable("x")
        h = mx.sym.FullyConnected(x, num_hidden=4, name="fc")
        y = mx.sym.relu(h) * mx.sym.sigmoid(h) - mx.sym.tanh(h) / 2
        return mx.sym.MakeLoss(mx.sym.sum(y), name="loss")


def _compile(sym, options=None, **kw):
    return pipeline.compile(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float32"}, "write",
                            mx.cpu(), options, **kw)


def test_stage_order_and_switches(monkeypatch):
    sym = _net()
    names = [n for n, _ in pipeline.stages(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float32"},
                                           "write", mx.cpu(), pipeline.Options(True, True))]
    want = ["input", "infer_shape", "infer_type", "gradient", "eliminate_common_expr", "dce",
            "fold_batchnorm"]
    want += [p for p in ("fuse", "plan_memory") if AVAILABLE[p]] + ["lower"]
    assert names == want
    monkeypatch.setenv("MXNET_USE_FUSION", "0")
    monkeypatch.setenv("MXNET_MEM_PLAN", "false")
    names = [n for n, _ in pipeline.stages(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float32"},
                                           "write")]
    assert "fuse" not in names and "plan_memory" not in names and "fold_batchnorm" not in names
    plan = _compile(sym)
    assert plan.options.fuse is False and plan.options.plan_memory is False
    assert not plan.mem_stats["planned"] and plan.arena_bytes == 0
    assert {b.kind for b in plan.buffers} <= {"arg", "output", "grad", "private"}
    explicit = _compile(sym, pipeline.Options(fuse=False, plan_memory=AVAILABLE["plan_memory"]))
    assert explicit.mem_stats["planned"] == AVAILABLE["plan_memory"]


def test_dumps_every_stage(tmp_path, monkeypatch):
    sym = _net()
    out = tmp_path / "api"
    _compile(sym, pipeline.Options(dump_dir=str(out)))
    files = sorted(os.listdir(out))
    stages = sorted({f.split("-", 2)[2].rsplit(".", 1)[0] for f in files})
    assert {"input", "infer_shape", "gradient", "dce", "lower"} <= set(stages)
    for stage in ("gradient", "dce"):
        for ext in ("txt", "json", "dot"):
            assert any(f.endswith("-%s.%s" % (stage, ext)) for f in files)
    text = next(f for f in files if f.endswith("-gradient.txt"))
    assert "_backward" in (out / text).read_text()
    dot = next(f for f in files if f.endswith("-dce.dot"))
    assert (out / dot).read_text().startswith('digraph "dce"')
    lowered = next(f for f in files if f.endswith("-lower.txt"))
    assert "memory plan" in (out / lowered).read_text()
    env_dir = tmp_path / "env"
    monkeypatch.setenv("MXNET_DUMP_DIR", str(env_dir))
    sym.simple_bind(mx.cpu(), x=(2, 3))          # every compile writes, cached or not
    assert any(f.endswith("-lower.txt") for f in os.listdir(env_dir))
    monkeypatch.delenv("MXNET_DUMP_DIR")
    with pytest.raises(MXNetError, match=r"unknown dump format 'svg'"):
        pipeline.Options(dump_formats=("svg",))


def test_cache_keys():
    sym = _net()
    p1 = _compile(sym)
    assert _compile(sym) is p1
    p2 = pipeline.compile(Graph(sym._outputs), {"x": (5, 3)}, {"x": "float32"}, "write")
    assert p2 is not p1 and p2.buffers[p2.outputs[0]].shape == (1,)
    p3 = pipeline.compile(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float64"}, "write")
    assert p3 is not p1 and p3.buffers[0].dtype == np.float64
    p4 = pipeline.compile(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float32"}, "null")
    assert p4 is not p1 and not p4.backward
    h1 = pipeline.structure_hash(Graph(sym._outputs))
    assert pipeline.structure_hash(Graph(_net()._outputs)) == h1
    other = mx.sym.MakeLoss(mx.sym.sum(mx.sym.FullyConnected(mx.sym.Variable("x"),
                                                             num_hidden=5, name="fc")))
    assert pipeline.structure_hash(Graph(other._outputs)) != h1


def test_verifier_runs_between_passes(monkeypatch):
    def broken_dce(graph):
        node = graph.outputs[0].node
        g = Graph([Entry(node, 3)], dict(graph.attrs))
        return g
    monkeypatch.setattr(pipeline, "dce", broken_dce)
    with pytest.raises(MXNetError, match=r"after dce: graph output: entry refers to output 3"):
        pipeline.compile(Graph(_net()._outputs), {"x": (7, 3)}, {"x": "float32"}, "write")


def test_unknown_shapes_name_the_arguments():
    with pytest.raises(MXNetError, match=r"cannot decide shapes for the following arguments.*"
                                         r"x: None"):
        pipeline.compile(Graph(_net()._outputs), {}, {"x": "float32"}, "write")


def test_lower_arena_views_and_checks():
    sym = _net()
    g = pipeline.stages(Graph(sym._outputs), {"x": (2, 3)}, {"x": "float32"}, "write",
                        options=pipeline.Options(fuse=False, plan_memory=False))[-2][1]
    inter = [(id(n), i) for n in g.nodes if not n.is_variable for i in range(n.num_outputs())]
    g = g.copy()
    g.attrs["storage"] = {k: j for j, k in enumerate(inter)}
    g.attrs["storage"][g.outputs[0].key()] = -1
    g.attrs["slot_bytes"] = [4096] * len(inter)
    plan = lower(g)
    arena = [b for b in plan.buffers if b.kind == "arena"]
    assert arena and all(b.offset % 64 == 0 for b in arena)
    assert plan.arena_bytes == 4096 * len(inter) and plan.mem_stats["planned"]
    bound = plan.instantiate({"x": np.ones((2, 3), np.float32),
                              "fc_weight": np.ones((4, 3), np.float32),
                              "fc_bias": np.zeros(4, np.float32)},
                             {n: np.zeros(s, np.float32) for n, s in
                              (("x", (2, 3)), ("fc_weight", (4, 3)), ("fc_bias", (4,)))}, {})
    views = [bound.arrays[i] for i, b in enumerate(plan.buffers) if b.kind == "arena"]
    assert all(v.base is not None and np.shares_memory(v, bound.arena) for v in views)
    g.attrs["slot_bytes"] = [4] * len(inter)
    with pytest.raises(MXNetError, match=r"needs \d+ bytes but its storage slot \d+ has 4"):
        lower(g)
    with pytest.raises(MXNetError, match=r"argument 'x': array is \(3, 3\) float32 but the "
                                         r"compiled graph needs \(2, 3\) float32"):
        plan.instantiate({"x": np.ones((3, 3), np.float32),
                          "fc_weight": np.ones((4, 3), np.float32),
                          "fc_bias": np.zeros(4, np.float32)}, {}, {})
