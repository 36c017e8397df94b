"""Without the optional onnx package the framework still imports, and export_model says
which extra to install."""
import subprocess
import sys

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError


def test_export_without_onnx_raises(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)          # `import onnx` -> ImportError
    sym = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2, name="fc")
    with pytest.raises(MXNetError, match=r"install the `onnx` extra"):
        mx.onnx.export_model(sym, {}, [(1, 3)], np.float32, str(tmp_path / "m.onnx"))
    with pytest.raises(MXNetError, match="onnx"):
        mx.onnx.get_operator_support()
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_framework_imports_without_onnx():
    code = ("import sys; sys.modules['onnx'] = None; sys.modules['onnxruntime'] = None\n"
            "import framework as mx\n"
            "assert callable(mx.onnx.export_model)\n"
            "print(sorted(k for k in sys.modules if k.startswith('onnx')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['onnx', 'onnxruntime']"
