"""Whole graphs on the device: an MLP's forward and backward graph (gradient pass, then the
fusion pass) evaluated node by node with the CUDA kernels, values staying on the device,
against the reference interpreter; and a FusedElementwise group's one generated kernel."""
import numpy as np
import pytest

import framework as mx
from compiler import reference
from compiler.passes.fuse import fuse
from compiler.passes.gradient import gradient
from tests.gpu.harness import run_graph_cuda
from tests.passes.fusion_util import fused_nodes, ops, prep


@pytest.fixture(autouse=True)
def _fresh_names():
    with mx.name.NameManager():
        yield


def _arrays(graph, rng):
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    return {v.name: rng.standard_normal(shapes[(id(v), 0)]).astype(dtypes[(id(v), 0)])
            for v in graph.variables()}


def _mlp():
    x = mx.sym.Variable("x")
    h = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=5, name="fc1"), act_type="relu")
    h = mx.sym.FullyConnected(h * 0.5 + 1.0, num_hidden=3, name="fc2")
    return mx.sym.log_softmax(h)


@pytest.mark.parametrize("fused", [False, True])
def test_mlp_forward_backward_graph_on_device(fused):
    g = gradient(prep(_mlp(), {"x": (4, 6)}, "float64"))
    g = fuse(g) if fused else g
    if fused:
        assert fused_nodes(g), ops(g)
    arrays = _arrays(g, np.random.default_rng(3))
    want = reference.run(g, dict(arrays))
    got = run_graph_cuda(g, arrays)
    assert len(got) == len(want) == 1 + len(g.attrs["grad_outputs"])
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_fused_group_runs_one_generated_kernel():
    x, a, b = (mx.sym.Variable(n) for n in "xab")
    sym = mx.sym.relu(mx.sym.broadcast_add(x * a, b)) * mx.sym.sigmoid(x) - mx.sym.tanh(x) / 2
    g = fuse(prep(sym, {"x": (2, 3), "a": (2, 3), "b": (1, 3)}))
    assert ops(g) == ["_FusedElementwise"]
    arrays = _arrays(g, np.random.default_rng(4))
    want = reference.run(g, dict(arrays))[0]
    np.testing.assert_allclose(run_graph_cuda(g, arrays)[0], want, rtol=2e-6, atol=2e-6)
