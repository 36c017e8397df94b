"""Golden output of mx.viz (print_summary, plot_network) from REAL MXNet 1.9.1, for
tests/framework/test_viz.py.  Runs ONLY in the side venv with real MXNet and graphviz::

    /work/mxnet-venv/bin/python tests/compat/make_golden_viz.py

Writes tests/compat/data/golden_viz.json: per case the printed summary (with the input shapes,
without them, and with a custom line length / absolute positions) and the Digraph calls of
plot_network (graph name and format, each node(...) and edge(...) call with its attributes),
with shapes+dtypes and with hide_weights=False.
"""
import contextlib
import io
import json
import os
import sys

import numpy as np
import mxnet as mx
import graphviz

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import viz_cases  # noqa: E402

assert mx.__version__ == "1.9.1", mx.__version__


class Recorder(graphviz.Digraph):
    """A Digraph that also records its node and edge calls."""

    def __init__(self, name=None, format=None, **kw):
        super().__init__(name=name, format=format, **kw)
        self.calls = [["graph", name, format]]

    def node(self, name, label=None, **attrs):
        self.calls.append(["node", name, label, attrs])
        return super().node(name, label=label, **attrs)

    def edge(self, tail_name, head_name, **attrs):
        self.calls.append(["edge", tail_name, head_name, attrs])
        return super().edge(tail_name, head_name, **attrs)


def summary(sym, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        mx.viz.print_summary(sym, **kw)
    return buf.getvalue()


def plot(sym, **kw):
    graphviz.Digraph = Recorder
    try:
        return mx.viz.plot_network(sym, **kw).calls
    finally:
        graphviz.Digraph = Recorder.__mro__[1]


def main():
    out = {"mxnet_version": mx.__version__, "cases": {}}
    for case in viz_cases.CASES:
        with mx.name.NameManager():
            sym, shapes = getattr(viz_cases, case)(mx)
        dtypes = {k: np.float32 for k in shapes}
        out["cases"][case] = {
            "shapes": {k: list(v) for k, v in shapes.items()},
            "summary_shape": summary(sym, shape=shapes),
            "summary_plain": summary(sym),
            "summary_narrow": summary(sym, shape=shapes, line_length=80,
                                      positions=[30, 50, 60, 80]),
            "plot_shape_dtype": plot(sym, title=case, shape=shapes, dtype=dtypes,
                                     save_format="png"),
            "plot_weights": plot(sym, hide_weights=False,
                                 node_attrs={"shape": "oval", "fixedsize": "false"}),
        }
    path = os.path.join(HERE, "data", "golden_viz.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print("wrote", path)


if __name__ == "__main__":
    main()
