"""Generate ``data/golden_ops.npz`` + ``data/golden_ops.json`` with REAL MXNet 1.9.1.

Runs ONLY in the side venv that has real MXNet (the project itself never imports mxnet)::

    python3 -m venv /work/mxnet-venv
    /work/mxnet-venv/bin/pip install mxnet==1.9.1 numpy==1.23.5
    /work/mxnet-venv/bin/python tests/compat/make_golden_ops.py

(No extra system packages were needed: the mxnet wheel bundles libopenblas/libgfortran.)

Manifest ``golden_ops.json`` = {"mxnet_version", "generated_by", "cases": [case, ...]} where
each case is::

    {"id": str, "op": MXNet op name as in mx.nd / mx.nd._internal (e.g. "_rminus_scalar"),
     "python": how it was invoked when that differs from mx.nd.<op>(*inputs, **attrs),
     "inputs": [input names, in positional order],
     "attrs": {name: str(value) exactly as passed to MXNet},
     "n_outputs": k, "grad": bool, "is_train": bool,
     "grad_inputs": [indices of inputs that have a stored gradient],
     "head_grad_ignored": bool (only when grad; true when two different head gradients gave
                           identical input gradients: loss layers, and zero-gradient ops),
     "extra_outputs": [names] (optional; BatchNorm: moving_mean/moving_var read after the
                      forward call and again after backward -- MXNet updates them in BACKWARD),
     "note": str (optional)}

Arrays in ``golden_ops.npz`` (load with ``np.load(path, allow_pickle=False)``):
``<id>/in<i>``, ``<id>/out<j>``, ``<id>/headgrad<j>`` (for every float output when grad),
``<id>/grad<i>`` (for i in grad_inputs), ``<id>/extra<k>``.

A case with an "error" key (and n_outputs 0) records that MXNet 1.9.1 RAISES for those
inputs/attrs; "error" holds the last line of MXNet's message.

Backward runs ``mx.autograd.backward(float_outputs, head_grads, train_mode=is_train)`` with
``grad_req='write'`` on every float input that is not an index/label/aux input.
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

import golden_ops_lib as lib
from golden_ops_cases import unary, binary, reductions, tensor
from golden_ops_cases_nn import linalg, nn, losses


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--only":
        lib.ONLY = (sys.argv[2], sys.argv[3])
    unary()
    binary()
    reductions()
    tensor()
    linalg()
    nn()
    losses()
    if lib.ONLY is not None:
        assert len(lib.CASES) == 1, lib.ONLY
        with open(os.path.join(lib.ONLY[1], "case.json"), "w") as f:
            json.dump(lib.CASES[0], f)
        np.savez(os.path.join(lib.ONLY[1], "case.npz"), **lib.ARRAYS)
        return
    out_npz = os.path.join(lib.DATA, "golden_ops.npz")
    np.savez_compressed(out_npz, **lib.ARRAYS)
    manifest = {"mxnet_version": mx.__version__,
                "generated_by": "tests/compat/make_golden_ops.py",
                "cases": lib.CASES}
    with open(os.path.join(lib.DATA, "golden_ops.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    # self-check
    z = np.load(out_npz, allow_pickle=False)
    assert set(z.files) == set(lib.ARRAYS)
    print("%d cases, %d arrays, npz %d bytes" % (len(lib.CASES), len(lib.ARRAYS),
                                                os.path.getsize(out_npz)))
    bad = [c["id"] for c in lib.CASES if "grad_error" in c]
    print("non-differentiable (backward raised):", bad)
    ign = [c["id"] for c in lib.CASES if c.get("head_grad_ignored")]
    print("head grad ignored:", ign)
    print("ok", file=sys.stderr)


if __name__ == "__main__":
    main()
