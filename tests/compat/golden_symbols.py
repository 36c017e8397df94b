"""Access to the golden symbol files written by real MXNet 1.9.1 (make_golden_symbols.py)."""
import json
import os

import numpy as np

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "symbols")

with open(os.path.join(DIR, "golden_symbols.json")) as _f:
    MANIFEST = json.load(_f)
CASES = MANIFEST["cases"]

def text(cid, key="file"):
    with open(os.path.join(DIR, CASES[cid][key])) as f:
        return f.read()


def path(cid, key="file"):
    return os.path.join(DIR, CASES[cid][key])


def arrays(cid):
    """(inputs by name, eval outputs, train outputs, aux after the train forward)."""
    z = np.load(os.path.join(DIR, CASES[cid]["npz"]), allow_pickle=False)
    inputs = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith(("arg:", "aux:"))}
    outs = [z["out:%d" % i] for i in range(sum(k.startswith("out:") for k in z.files))]
    train = [z["train_out:%d" % i] for i in range(sum(k.startswith("train_out:") for k in z.files))]
    aux = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("train_aux:")}
    return inputs, outs, train, aux


def shapes(value):
    """MXNet's recorded shape lists -> tuples (None kept)."""
    if value is None:
        return None
    return [None if s is None else tuple(s) for s in value]
