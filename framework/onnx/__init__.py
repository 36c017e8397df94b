"""mx.onnx: export a Symbol and its parameters to ONNX (MXNet 1.9's `mxnet.onnx`).

    mx.onnx.export_model(sym, params, in_shapes=[(1, 3, 224, 224)], in_types=np.float32,
                         onnx_file_path='model.onnx')

Needs the optional `onnx` extra (onnx, onnxruntime) only when exporting: this package
imports without it.  Converters: one function per MXNet operator in ops_*.py, registered
in `_registry.CONVERTERS`.  Supported operators and opsets: docs/ONNX.md.
"""
from ._export import export_model, get_operator_support, DEFAULT_OPSET

__all__ = ["export_model", "get_operator_support", "DEFAULT_OPSET"]
