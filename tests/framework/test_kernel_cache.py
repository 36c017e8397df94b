"""The on-disk kernel cache: a second process running the same ops compiles nothing."""
import json
import os
import subprocess
import sys

import numpy as np

from kernels.codegen.elementwise import ElementwiseSpec, generate_source, launch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
import framework as mx
from kernels import cache
a = mx.nd.array([[1.0, -2.0, 3.0]]); b = mx.nd.array([0.5, 0.5, 0.5])
c = mx.nd.relu(a + b) + 2.0
c64 = mx.nd.relu(a.astype('float64') + 1.0) if hasattr(mx.nd, 'Cast') else c
elapsed = time.perf_counter() - t0
print(json.dumps({"stats": cache.stats(), "result": c.asnumpy().tolist(), "seconds": elapsed}))
"""


def _run(cache_dir):
    env = dict(os.environ, MXNET_KERNEL_CACHE_DIR=str(cache_dir), PYTHONPATH=ROOT)
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_compiles_nothing(tmp_path):
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert first["stats"]["compiled"] > 0
    assert second["stats"]["compiled"] == 0
    assert second["stats"]["from_cache"] == first["stats"]["compiled"] + first["stats"]["from_cache"]
    assert first["result"] == second["result"] == [[3.5, 2.0, 5.5]]
    assert os.listdir(tmp_path / "gen")


def test_kernels_are_keyed_by_ndim_not_shape():
    spec = ElementwiseSpec(["x"], ["x * 2"], tag="test_ndim")
    for shape in [(3,), (5,), (2, 7), (4, 4)]:         # contiguous: all collapse to 1-D
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        out = np.empty_like(x)
        launch(spec, [out], [x])
        np.testing.assert_array_equal(out, x * 2)
    assert len(spec._compiled) == 1
    src = generate_source(spec, 2, False)
    assert "out0.shape[1]" in src and "7" not in src


def test_broadcast_and_strided_launch():
    spec = ElementwiseSpec(["a", "b"], ["a - b"], tag="test_bcast")
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    b = np.arange(3, dtype=np.float64).reshape(3, 1)
    out = np.empty((2, 3, 4))
    launch(spec, [out], [a, b])
    np.testing.assert_array_equal(out, a - b)
