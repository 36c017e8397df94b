"""Generate the golden symbol files in ``tests/compat/data/symbols/`` with REAL MXNet 1.9.1.

The symbols are built by ``symbol_builders.py``, which the tests run against this project.
Runs ONLY in the side venv that has real MXNet (the project itself never imports mxnet)::

    MXNET_MKLDNN_ENABLED=0 /work/mxnet-venv/bin/python tests/compat/make_golden_symbols.py

MXNET_MKLDNN_ENABLED=0 matters: with the pip wheel's MKLDNN path, a BatchNorm that follows a
Convolution in a bound executor normalizes with the MOVING statistics in
``forward(is_train=True)`` (a bug; the native path uses the batch statistics).  The JSON is
the same either way (max Pooling's hidden workspace output is compiled in).

For every case ``<id>`` it writes

- ``<id>-symbol.json``: ``sym.save(...)`` (checked to equal ``sym.tojson()`` byte for byte);
- ``<id>.npz`` (only for cases with ``forward``): ``arg:<name>`` / ``aux:<name>`` inputs,
  ``out:<i>`` outputs of ``executor.forward(is_train=False)``, ``train_out:<i>`` outputs of
  ``forward(is_train=True)`` and ``train_aux:<name>`` the aux states read after that call;

and one manifest ``golden_symbols.json``: ``{"mxnet_version", "cases": {<id>: case}}`` where a
case holds what MXNet reports for the symbol: ``list_arguments``, ``list_outputs``,
``list_auxiliary_states``, ``list_inputs``, ``internals`` (get_internals().list_outputs()),
``attr_dict``, ``debug_str``, ``name``, ``repr``, the input ``shapes`` / ``types`` given to
inference and its results ``infer_shape`` / ``infer_shape_partial`` / ``infer_type`` as
``[arg, out, aux]`` lists (shapes as lists, dtypes as names; ``null`` where MXNet returned None).

Legacy inputs (hand-written JSON in older formats) are loaded with ``mx.sym.load_json`` and
the manifest records MXNet's re-export as ``resaved`` (the upgraded graph).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import symbol_builders  # noqa: E402  (the same builders run against this project in the tests)

assert mx.__version__ == "1.9.1", mx.__version__
assert os.environ.get("MXNET_MKLDNN_ENABLED") == "0", "run with MXNET_MKLDNN_ENABLED=0 (see above)"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "symbols")
os.makedirs(OUT, exist_ok=True)
RNG = np.random.RandomState(4321)
CASES = {}


def shapes_list(shapes):
    return None if shapes is None else [None if s is None else list(s) for s in shapes]


def types_list(types):
    return None if types is None else [None if t is None else np.dtype(t).name for t in types]


def record(cid, sym, shapes=None, types=None, forward=False, labels=(), note=None, partial=None):
    """Save `sym` as <cid>-symbol.json and what MXNet reports about it into the manifest."""
    path = os.path.join(OUT, cid + "-symbol.json")
    sym.save(path)
    with open(path) as f:
        saved = f.read()
    assert saved == sym.tojson(), cid
    case = {
        "file": cid + "-symbol.json", "name": sym.name, "repr": repr(sym),
        "list_arguments": sym.list_arguments(), "list_outputs": sym.list_outputs(),
        "list_auxiliary_states": sym.list_auxiliary_states(), "list_inputs": sym.list_inputs(),
        "internals": sym.get_internals().list_outputs(), "attr_dict": sym.attr_dict(),
        "debug_str": sym.debug_str(),
    }
    if note:
        case["note"] = note
    if shapes is not None:
        case["shapes"] = {k: list(v) for k, v in shapes.items()}
        case["infer_shape"] = [shapes_list(x) for x in sym.infer_shape(**shapes)]
    if partial is not None:
        case["partial_shapes"] = {k: list(v) for k, v in partial.items()}
        case["infer_shape_partial"] = [shapes_list(x) for x in sym.infer_shape_partial(**partial)]
        case["infer_shape_insufficient"] = [shapes_list(x) for x in sym.infer_shape(**partial)]
    if types is not None:
        case["types"] = types
        case["infer_type"] = [types_list(x) for x in sym.infer_type(**types)]
    if forward:
        arg_shapes, _, aux_shapes = sym.infer_shape(**shapes)
        arrays = {}
        args = {}
        for name, shp in zip(sym.list_arguments(), arg_shapes):
            if name in labels:
                val = RNG.randint(0, labels[name], size=shp).astype("float32")
            else:
                val = RNG.uniform(-1, 1, size=shp).astype("float32")
            args[name] = mx.nd.array(val)
            arrays["arg:" + name] = val
        aux = {}
        for name, shp in zip(sym.list_auxiliary_states(), aux_shapes):
            val = RNG.uniform(0.5, 1.5, size=shp).astype("float32")
            aux[name] = mx.nd.array(val)
            arrays["aux:" + name] = val
        exe = sym.bind(mx.cpu(), args=args, aux_states={k: v.copy() for k, v in aux.items()},
                       grad_req="null")
        for i, o in enumerate(exe.forward(is_train=False)):
            arrays["out:%d" % i] = o.asnumpy()
        exe = sym.bind(mx.cpu(), args=args, aux_states={k: v.copy() for k, v in aux.items()},
                       grad_req="null")
        for i, o in enumerate(exe.forward(is_train=True)):
            arrays["train_out:%d" % i] = o.asnumpy()
        for name, arr in exe.aux_dict.items():
            arrays["train_aux:" + name] = arr.asnumpy()
        np.savez(os.path.join(OUT, cid + ".npz"), **arrays)
        case["npz"] = cid + ".npz"
    CASES[cid] = case


for builder in symbol_builders.BUILDERS:
    with mx.name.NameManager():
        sym, options = builder(mx)
    record(builder.__name__, sym, **options)

# Legacy JSON inputs: MXNet upgrades them on load -------------------------------------------
LEGACY = {
    # 0.8-era: no mxnet_version, "param" key, 2-element entries, BatchNorm without aux inputs,
    # hidden-key spelling on a variable ("lr_mult") and on an op for its bias ("bias_wd_mult").
    "legacy_v0800": {
        "nodes": [
            {"op": "null", "name": "data", "inputs": []},
            {"op": "null", "name": "fc1_weight", "param": {}, "inputs": [], "attr": {"lr_mult": "0.5"}},
            {"op": "null", "name": "fc1_bias", "param": {}, "inputs": []},
            {"op": "FullyConnected", "name": "fc1", "param": {"no_bias": "False", "num_hidden": "8"},
             "attr": {"ctx_group": "stage1", "bias_wd_mult": "0"},
             "inputs": [[0, 0], [1, 0], [2, 0]]},
            {"op": "null", "name": "bn_gamma", "param": {}, "inputs": []},
            {"op": "null", "name": "bn_beta", "param": {}, "inputs": []},
            {"op": "BatchNorm", "name": "bn", "param": {"eps": "0.001", "fix_gamma": "True",
                                                       "momentum": "0.9"},
             "inputs": [[3, 0], [4, 0], [5, 0]]},
        ],
        "arg_nodes": [0, 1, 2, 4, 5],
        "heads": [[6, 0]],
    },
    # 1.x with "attr" instead of "attrs" and an older version number
    "legacy_v10500": {
        "nodes": [
            {"op": "null", "name": "x", "inputs": [], "attr": {"__shape__": "(2, 3)"}},
            {"op": "_plus_scalar", "name": "_plusscalar0", "attr": {"scalar": "2"},
             "inputs": [[0, 0, 0]]},
            {"op": "Activation", "name": "act", "attr": {"act_type": "tanh"},
             "inputs": [[1, 0, 0]]},
        ],
        "arg_nodes": [0],
        "node_row_ptr": [0, 1, 2, 3],
        "heads": [[2, 0, 0]],
        "attrs": {"mxnet_version": ["int", 10500]},
    },
}
for cid, js in LEGACY.items():
    text = json.dumps(js, indent=2)
    with open(os.path.join(OUT, cid + "-input.json"), "w") as f:
        f.write(text)
    sym = mx.sym.load_json(text)
    record(cid, sym)
    CASES[cid]["input"] = cid + "-input.json"
    CASES[cid]["resaved"] = cid + "-symbol.json"

manifest = {"mxnet_version": mx.__version__, "generated_by": "tests/compat/make_golden_symbols.py",
            "cases": CASES}
with open(os.path.join(OUT, "golden_symbols.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print("wrote %d cases to %s" % (len(CASES), OUT))
