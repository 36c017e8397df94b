"""2-bit gradient compression (MXNet's set_gradient_compression({'type': '2bit', ...})).

Each sender keeps a residual per key: residual += grad; an element whose residual reaches
+threshold is sent as +threshold (and threshold is taken off the residual), one at or below
-threshold as -threshold, any other as 0.  The receiver sums the dequantised values.  Here
the values travel dequantised (the arithmetic and the residuals are MXNet's; the 16x smaller
wire format is not reproduced).
"""
import numpy as np

from compiler.errors import MXNetAssertionError
from ..base import MXNetError


def parse_params(compression_params):
    """Validate a compression dict as MXNet does; returns the threshold (float) for '2bit'."""
    if not isinstance(compression_params, dict):
        raise MXNetAssertionError("unexpected type for param_dict: "
                                  + str(type(compression_params)))
    if 'type' not in compression_params:
        raise MXNetError("Required parameter type of string is not presented")
    ctype = str(compression_params['type'])
    if ctype != '2bit':
        raise MXNetError("Unknown type for gradient compression %s" % ctype)
    raw = compression_params.get('threshold', 0.5)
    try:
        threshold = float(str(raw))
    except ValueError:
        raise MXNetError("Invalid Parameter format for threshold expect float but value='%s'"
                         % raw) from None
    if not threshold > 0:
        raise MXNetError("threshold must be greater than 0 (got %s)" % raw)
    return threshold


class TwoBitCompression:
    """The per-(key, sender) residuals and the quantise step."""

    def __init__(self, threshold):
        self.threshold = float(threshold)
        self._residuals = {}

    def quantize(self, key, sender, grad):
        """The dequantised value that `sender` sends for `grad` (a NumPy array) under `key`."""
        residual = self._residuals.get((key, sender))
        if residual is None or residual.shape != grad.shape:
            residual = np.zeros(grad.shape, dtype=np.float32)
            self._residuals[(key, sender)] = residual
        residual += grad
        thr = np.float32(self.threshold)
        pos = residual >= thr
        neg = residual <= -thr
        out = np.zeros(grad.shape, dtype=grad.dtype)
        out[pos] = thr
        out[neg] = -thr
        residual[pos] -= thr
        residual[neg] += thr
        return out
