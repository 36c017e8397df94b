"""The reference interpreter against MXNet 1.9.1's executor outputs and direct NumPy."""
import numpy as np
import pytest

import compiler.ops  # noqa: F401
from compiler import reference
from compiler.errors import MXNetError
from compiler.ir import json_io
from tests.compat import golden_symbols as G

CASES = sorted(cid for cid, c in G.CASES.items() if "npz" in c)


@pytest.mark.parametrize("is_train", [False, True])
@pytest.mark.parametrize("cid", CASES)
def test_golden_forward_matches_mxnet(cid, is_train):
    graph = json_io.load_json(G.text(cid))
    inputs, outs, train_outs, train_aux = G.arrays(cid)
    arrays = {k: v.copy() for k, v in inputs.items()}
    got = reference.run(graph, arrays, is_train=is_train)
    want = train_outs if is_train else outs
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    if is_train:
        for name, value in train_aux.items():   # MXNet updates moving stats in backward only
            np.testing.assert_allclose(arrays[name], value, rtol=1e-6)


def test_mlp_against_direct_numpy():
    graph = json_io.load_json(G.text("mlp"))
    inputs, outs, _, _ = G.arrays("mlp")
    x = inputs["data"].astype(np.float64)
    h = np.maximum(x @ inputs["fc1_weight"].T + inputs["fc1_bias"], 0)
    z = h @ inputs["fc2_weight"].T + inputs["fc2_bias"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    got, values = reference.run(graph, inputs, return_all=True)
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-6)
    fc1 = [n for n in graph.nodes if n.name == "fc1"][0]
    np.testing.assert_allclose(values[(id(fc1), 0)], x @ inputs["fc1_weight"].T
                               + inputs["fc1_bias"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[0], outs[0], rtol=1e-5, atol=1e-6)


def test_missing_extra_and_bad_inputs():
    graph = json_io.load_json(G.text("mlp"))
    inputs, _, _, _ = G.arrays("mlp")
    partial = dict(inputs)
    del partial["fc2_bias"]
    with pytest.raises(MXNetError, match=r"missing value for 'fc2_bias'"):
        reference.run(graph, partial)
    with pytest.raises(MXNetError, match=r"'bogus' is not in the graph"):
        reference.run(graph, dict(inputs, bogus=np.zeros(1)))
    bad = dict(inputs, fc1_weight=np.zeros((16, 21), np.float32))
    with pytest.raises(MXNetError, match=r"FullyConnected 'fc1': .*\(16, 21\)"):
        reference.run(graph, bad)
