"""mx.viz against real MXNet 1.9.1 (tests/compat/data/golden_viz.json, written by
tests/compat/make_golden_viz.py): print_summary's table character for character, and
plot_network's Digraph calls (nodes, labels, colors, edges with shapes and dtypes)."""
import contextlib
import io
import json
import os
import sys

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.join(os.path.dirname(HERE), "compat")
sys.path.insert(0, COMPAT)
import viz_cases  # noqa: E402

with open(os.path.join(COMPAT, "data", "golden_viz.json")) as _f:
    GOLDEN = json.load(_f)["cases"]


def _build(case):
    with mx.name.NameManager():
        return getattr(viz_cases, case)(mx)


def _summary(sym, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        mx.viz.print_summary(sym, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("case", viz_cases.CASES)
def test_print_summary_matches_mxnet(case):
    sym, shapes = _build(case)
    gold = GOLDEN[case]
    assert _summary(sym, shape=shapes) == gold["summary_shape"]
    assert _summary(sym) == gold["summary_plain"]
    assert _summary(sym, shape=shapes, line_length=80, positions=[30, 50, 60, 80]) == \
        gold["summary_narrow"]


def test_print_summary_lenet_totals():
    sym, shapes = _build("lenet")
    text = _summary(sym, shape=shapes)
    assert "conv1(Convolution)                                  20x24x24                520" \
        in text
    assert "Total params: 431080" in text


def test_print_summary_rejects_non_symbols():
    with pytest.raises(TypeError, match="symbol must be Symbol"):
        mx.viz.print_summary("data")


try:
    import graphviz
except ImportError:            # the optional package: plot_network's tests are skipped
    graphviz = None
needs_graphviz = pytest.mark.skipif(graphviz is None, reason="graphviz is not installed")


def _recorder():
    class Recorder(graphviz.Digraph):
        def __init__(self, name=None, format=None, **kw):
            super().__init__(name=name, format=format, **kw)
            self.calls = [["graph", name, format]]

        def node(self, name, label=None, **attrs):
            self.calls.append(["node", name, label, attrs])
            return super().node(name, label=label, **attrs)

        def edge(self, tail_name, head_name, **attrs):
            self.calls.append(["edge", tail_name, head_name, attrs])
            return super().edge(tail_name, head_name, **attrs)
    return Recorder


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setattr(graphviz, "Digraph", _recorder())


@needs_graphviz
@pytest.mark.parametrize("case", viz_cases.CASES)
def test_plot_network_matches_mxnet(case, recording):
    sym, shapes = _build(case)
    gold = GOLDEN[case]
    dot = mx.viz.plot_network(sym, title=case, shape=shapes,
                              dtype={k: np.float32 for k in shapes}, save_format="png")
    assert dot.calls == gold["plot_shape_dtype"]
    dot = mx.viz.plot_network(sym, hide_weights=False,
                              node_attrs={"shape": "oval", "fixedsize": "false"})
    assert dot.calls == gold["plot_weights"]


@needs_graphviz
def test_plot_network_returns_a_digraph():
    sym, shapes = _build("mlp")
    dot = mx.viz.plot_network(sym, shape=shapes)
    assert isinstance(dot, graphviz.Digraph) and dot.format == "pdf" and dot.name == "plot"
    source = dot.source
    assert "FullyConnected\n16" in source or "FullyConnected\\n16" in source
    assert "relu1 -> fc1 [label=16 " in source               # edges point back, fc1: 16


def test_plot_network_without_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    sym, _ = _build("mlp")
    with pytest.raises(MXNetError, match="requires graphviz") as err:
        mx.viz.plot_network(sym)
    assert isinstance(err.value, ImportError)
