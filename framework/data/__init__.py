"""Data bundled with the package, so examples and tests run with no download.

digits.csv.gz: the UCI ML "Optical Recognition of Handwritten Digits" test set — 1797 8x8
images with pixel values 0..16 and their labels 0..9 — as shipped inside scikit-learn.
Creators: E. Alpaydin and C. Kaynak (1998); UCI Machine Learning Repository, licensed under
CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); see docs/DATA.md.
"""
import gzip
import os

import numpy as np

_DIR = os.path.dirname(os.path.abspath(__file__))


def load_digits():
    """Return (images float32 (1797, 8, 8) in 0..16, labels int32 (1797,))."""
    path = os.path.join(_DIR, "digits.csv.gz")
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    if table.shape != (1797, 65):
        from compiler.errors import MXNetError
        raise MXNetError("bundled digits data is damaged: expected (1797, 65), found %s" % (table.shape,))
    return table[:, :64].reshape(-1, 8, 8).copy(), table[:, 64].astype(np.int32)
