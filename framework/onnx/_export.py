"""mx.onnx.export_model: MXNet 1.9.1's exporter entry point on this framework's graph IR.

MXNet 1.9.1 (python/mxnet/onnx/mx2onnx/_export_model.py) semantics kept here:
- `sym` is a Symbol or the path of a `-symbol.json` file; `params` a dict (keys with or
  without `arg:`/`aux:` prefixes, NDArray or NumPy values), a list [arg_params, aux_params],
  or the path of a `.params` file.  The file written is returned.
- The graph inputs are the variables not in `params`, in list_inputs order, each taking one
  of `in_shapes` / `in_types` (a single type applies to every input); the label of the last
  (loss) node, `<last node>_label`, is skipped as MXNet does, and so is any variable read only
  as a loss layer's `label` when `in_shapes` does not list it (unless it is a graph output).
- Graph outputs are named after their nodes (`softmax`, `slice0` ...), in the symbol's
  output order.  dynamic=True leaves every input dimension free (or as dynamic_input_shapes
  gives them).  run_shape_inference runs onnx's shape inference (kept only if it succeeds).
- `input_type` / `input_shape` are the old names of `in_types` / `in_shapes`.
Additions: `opset_version` (default 13, the opset of MXNet 1.9's newest converters; 13 up to
the installed onnx's newest) and `large_model` (weights saved as external data beside the
file, as MXNet 2's exporter does).  The file is written atomically (temp file + rename).
"""
import logging
import os
import tempfile

import numpy as np

from compiler.ir.graph import Graph
from compiler.passes.infer_shape import infer_shape as _infer_shape
from compiler.passes.infer_type import infer_type as _infer_type
from ..base import MXNetError
from ._registry import MIN_OPSET, supported_ops
from . import ops_nn, ops_activation, ops_elemwise, ops_tensor, ops_reduce, ops_rnn  # noqa: F401

DEFAULT_OPSET = 13


def _require_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise MXNetError("mx.onnx needs the onnx package: install the `onnx` extra "
                         "(pip install 'mxnet-numba-framework[onnx]', or pip install onnx "
                         "onnxruntime)") from None
    return onnx


def get_operator_support(opset_version=None):
    """The sorted MXNet operator names that export_model can convert."""
    onnx = _require_onnx()
    _check_opset(opset_version, onnx)
    return supported_ops()


def _check_opset(opset_version, onnx):
    newest = onnx.defs.onnx_opset_version()
    if opset_version is None:
        return DEFAULT_OPSET
    if not isinstance(opset_version, (int, np.integer)) or not MIN_OPSET <= opset_version <= newest:
        raise MXNetError("export_model: opset_version %r is not supported: use %d to %d (the "
                         "installed onnx %s's newest)" % (opset_version, MIN_OPSET, newest,
                                                         onnx.__version__))
    return int(opset_version)


def _load_symbol(sym):
    from ..symbol import Symbol, load
    if isinstance(sym, str):
        if not os.path.isfile(sym):
            raise MXNetError("export_model: symbol file '%s' does not exist" % sym)
        return load(sym)
    if isinstance(sym, Symbol):
        return sym
    raise MXNetError("export_model: sym must be a Symbol or the path of a -symbol.json file, "
                     "got %s" % type(sym).__name__)


def _as_numpy(name, value):
    from ..ndarray.ndarray import NDArray
    if isinstance(value, NDArray):
        return value.asnumpy()
    if isinstance(value, np.ndarray):
        return value
    raise MXNetError("export_model: params['%s'] must be an NDArray or a NumPy array, got %s"
                     % (name, type(value).__name__))


def _load_params(params):
    from ..ndarray import load
    if isinstance(params, str):
        if not os.path.isfile(params):
            raise MXNetError("export_model: params file '%s' does not exist" % params)
        params = load(params)
        if not isinstance(params, dict):
            raise MXNetError("export_model: params file holds a list, not named arrays")
    if isinstance(params, (list, tuple)):
        if len(params) != 2 or not all(isinstance(p, dict) for p in params):
            raise MXNetError("export_model: a params list must be [arg_params, aux_params]")
        merged = dict(params[0])
        merged.update(params[1])
        params = merged
    if not isinstance(params, dict):
        raise MXNetError("export_model: params must be a dict, [arg_params, aux_params] or the "
                         "path of a .params file, got %s" % type(params).__name__)
    out = {}
    for key, value in params.items():
        name = key.split(":", 1)[1] if key.startswith(("arg:", "aux:")) else key
        out[name] = _as_numpy(key, value)
    return out


def _unique_variables(graph):
    seen, out = set(), []
    for var in graph.variables():
        if var.name not in seen:
            seen.add(var.name)
            out.append(var)
    return out


def _label_only(graph):
    """Names of variables read only as the `label` input of ops."""
    uses = {}
    for node in graph.nodes:
        if node.is_variable:
            continue
        names = node.input_names()
        for i, e in enumerate(node.inputs):
            if e.node.is_variable:
                uses.setdefault(e.node.name, set()).add(names[i] if i < len(names) else "")
    return {name for name, kinds in uses.items() if kinds == {"label"}}


def _data_inputs(graph, params, n_shapes):
    """The variables that become graph inputs (MXNet: not in params, not the output label)."""
    nodes = graph.nodes
    last = nodes[-1] if nodes else None
    output_label = (last.name + "_label") if last is not None else None
    outputs = {e.node.name for e in graph.outputs if e.node.is_variable}
    if output_label in outputs:                   # a label that is an output is an input
        output_label = None
    candidates = [v.name for v in _unique_variables(graph)
                  if v.name not in params and v.name != output_label]
    labels = _label_only(graph) - outputs
    without_labels = [n for n in candidates if n not in labels]
    if n_shapes == len(candidates):
        return candidates
    if n_shapes == len(without_labels):
        return without_labels
    if n_shapes < len(without_labels):
        missing = without_labels[n_shapes:]
        raise MXNetError("export_model: params has no value for %s '%s' (in_shapes gives %d "
                         "input shape(s), for %s)" % (
                             "argument" if len(missing) == 1 else "arguments",
                             "', '".join(missing), n_shapes,
                             ", ".join(without_labels[:n_shapes]) or "no input"))
    raise MXNetError("export_model: in_shapes has %d shapes but the graph has %d input(s) not "
                     "in params: %s" % (n_shapes, len(without_labels), ", ".join(without_labels)))


def _norm_shapes(in_shapes):
    if in_shapes is None:
        raise MXNetError("export_model: in_shapes is required: one shape per graph input, "
                         "e.g. [(1, 3, 224, 224)]")
    if isinstance(in_shapes, tuple) and all(isinstance(d, (int, np.integer)) for d in in_shapes):
        in_shapes = [in_shapes]
    try:
        return [tuple(int(d) for d in s) for s in in_shapes]
    except (TypeError, ValueError):
        raise MXNetError("export_model: in_shapes must be a list of shapes (tuples of ints), "
                         "got %r" % (in_shapes,)) from None


def _norm_types(in_types, n):
    types = list(in_types) if isinstance(in_types, (list, tuple)) else [in_types] * n
    if len(types) != n:
        raise MXNetError("export_model: in_types has %d types for %d input shapes"
                         % (len(types), n))
    try:
        return [np.dtype(t).name for t in types]
    except TypeError:
        raise MXNetError("export_model: in_types must be NumPy dtypes, got %r" % (in_types,)) \
            from None


def _infer(graph, shapes, dtypes):
    graph = _infer_shape(graph, shapes)
    graph = _infer_type(graph, dtypes)
    for what in ("shape", "dtype"):
        values = graph.attrs[what]
        for node in graph.nodes:
            n = 1 if node.is_variable else node.num_visible_outputs()
            for i in range(n):
                if values[(id(node), i)] is None:
                    where = ("variable '%s'" % node.name if node.is_variable else
                             "output %d of %s '%s'" % (i, node.op.name, node.name))
                    raise MXNetError("export_model: cannot infer the %s of %s from in_shapes "
                                     "and params" % (what, where))
    return graph


def _dynamic_shapes(data_inputs, shapes, dynamic, dynamic_input_shapes):
    if not dynamic:
        if dynamic_input_shapes is not None:
            raise MXNetError("export_model: dynamic_input_shapes is given but dynamic=False")
        return {}
    if dynamic_input_shapes is None:
        return {n: [None] * len(s) for n, s in zip(data_inputs, shapes)}
    if len(dynamic_input_shapes) != len(shapes):
        raise MXNetError("export_model: dynamic_input_shapes has %d shapes for %d inputs"
                         % (len(dynamic_input_shapes), len(shapes)))
    out = {}
    for name, s, d in zip(data_inputs, shapes, dynamic_input_shapes):
        if len(d) != len(s):
            raise MXNetError("export_model: dynamic shape %r of '%s' must have %d dimensions"
                             % (tuple(d), name, len(s)))
        out[name] = list(d)
    return out


def export_model(sym, params, in_shapes=None, in_types=np.float32, onnx_file_path='model.onnx',
                 verbose=False, dynamic=False, dynamic_input_shapes=None,
                 run_shape_inference=False, input_type=None, input_shape=None,
                 opset_version=None, large_model=False):
    """Export a Symbol (or -symbol.json path) and its params (dict or .params path) to an
    ONNX file; returns `onnx_file_path`."""
    onnx = _require_onnx()
    from ._builder import OnnxBuilder
    if input_type is not None:
        in_types = input_type
    if input_shape is not None:
        in_shapes = input_shape
    opset = _check_opset(opset_version, onnx)
    symbol = _load_symbol(sym)
    params = _load_params(params)
    shapes = _norm_shapes(in_shapes)
    types = _norm_types(in_types, len(shapes))

    graph = Graph(symbol._outputs)
    data_inputs = _data_inputs(graph, params, len(shapes))
    var_names = {v.name for v in graph.variables()}
    known_shapes = dict(zip(data_inputs, shapes))
    known_types = dict(zip(data_inputs, types))
    for name, value in params.items():
        if name in var_names:
            known_shapes[name] = value.shape
            known_types[name] = value.dtype.name
    graph = _infer(graph, known_shapes, known_types)

    log = logging.getLogger(__name__).info
    builder = OnnxBuilder(graph, params, data_inputs, graph.attrs["shape"], graph.attrs["dtype"],
                          opset, dynamic=dynamic,
                          input_shapes=_dynamic_shapes(data_inputs, shapes, dynamic,
                                                       dynamic_input_shapes),
                          verbose=verbose, log=log)
    builder.convert()
    outputs = builder.outputs(graph.outputs)
    skip = {vi.name for vi in outputs} | {vi.name for vi in builder.inputs}
    value_info = builder.value_infos(skip)

    helper = onnx.helper
    onnx_graph = helper.make_graph(builder.nodes, "mxnet_converted_model", builder.inputs,
                                   outputs, initializer=builder.initializers,
                                   value_info=value_info)
    model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="mxnet-numba-framework", producer_version="1.9.1")
    model.ir_version = min(model.ir_version, _ir_version_for(onnx, opset))
    if not large_model:
        onnx.checker.check_model(model)
    if run_shape_inference:
        try:
            model = onnx.shape_inference.infer_shapes(model)
        except Exception:                              # as MXNet: keep the original export
            log("Shape inference failed, original export is kept.")
    _save(onnx, model, onnx_file_path, large_model)
    log("Input shape of the model %s " % (shapes,))
    log("Exported ONNX file %s saved to disk" % onnx_file_path)
    return onnx_file_path


def _ir_version_for(onnx, opset):
    """The IR version that introduced `opset` (newer IR versions confuse older runtimes)."""
    best = None
    for row in onnx.helper.VERSION_TABLE:
        ir, ai_onnx = row[1], row[2]
        if ai_onnx is not None and ai_onnx >= opset and (best is None or ir < best):
            best = ir
    return best if best is not None else onnx.IR_VERSION


def _save(onnx, model, path, large_model):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=directory)
    os.close(fd)
    try:
        if large_model:
            location = os.path.basename(path) + ".data"
            onnx.save_model(model, tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=location, size_threshold=1024)
            onnx.checker.check_model(tmp)
        else:
            with open(tmp, "wb") as f:
                f.write(model.SerializeToString())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
