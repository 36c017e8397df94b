"""Where MXNet's fused RNN operator keeps its weights, and where ours keeps its reserve space.

Parameters (src/operator/rnn-inl.h, one flat vector): first every weight, layer by layer and
direction by direction (l0 forward, l0 reverse, l1 forward ...): i2h (G*H, in), h2h (G*H, R)
and, with a projection, h2r (P, H); then every bias in the same order: i2h (G*H), h2h (G*H).
G is 1 (rnn_relu, rnn_tanh), 4 (lstm: gates i, f, g, o) or 3 (gru: r, z, n); H = state_size;
R = the recurrent/output size (projection_size with a projection, else H); `in` is the
input size C for layer 0 and D*R above it (D = 2 when bidirectional).

The reserve (a hidden output, like cuDNN's reserve space) holds what backward reads, per
layer: for each direction the activated gates (T, N, G*H) (lstm, gru) and the cell states
after clipping (lstm) or W_hn h + b_hn (gru), (T, N, H); then, below the top layer, the
layer's output (T, N, D*R) and, when p > 0, its scaled dropout mask (T, N, D*R).
"""
import numpy as np

GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


class RnnLayout:
    """Offsets into the parameter vector and the reserve for one (attrs, data shape)."""

    def __init__(self, mode, num_layers, bidirectional, state_size, projection_size, p,
                 seq_len, batch, input_size):
        self.mode = mode
        self.L = int(num_layers)
        self.D = 2 if bidirectional else 1
        self.H = int(state_size)
        self.P = None if projection_size is None else int(projection_size)
        self.R = self.H if self.P is None else self.P
        self.G = GATES[mode]
        self.T, self.N, self.C = int(seq_len), int(batch), int(input_size)
        self.dropout = p > 0 and self.L > 1
        self._params()
        self._reserve()

    @classmethod
    def of(cls, attrs, data_shape):
        T, N, C = data_shape
        return cls(attrs.mode, attrs.num_layers, attrs.bidirectional, attrs.state_size,
                   attrs.projection_size, attrs.p, T, N, C)

    def layer_input(self, layer):
        return self.C if layer == 0 else self.D * self.R

    def _params(self):
        GH, H, R, P = self.G * self.H, self.H, self.R, self.P
        self.weights, self.biases = {}, {}
        off = 0
        for l in range(self.L):
            for d in range(self.D):
                w = {"i2h": (off, (GH, self.layer_input(l)))}
                off += GH * self.layer_input(l)
                w["h2h"] = (off, (GH, R))
                off += GH * R
                if P is not None:
                    w["h2r"] = (off, (P, H))
                    off += P * H
                self.weights[l, d] = w
        for l in range(self.L):
            for d in range(self.D):
                self.biases[l, d] = {"i2h": (off, (GH,)), "h2h": (off + GH, (GH,))}
                off += 2 * GH
        self.param_size = off

    def _reserve(self):
        T, N, GH, H, DR = self.T, self.N, self.G * self.H, self.H, self.D * self.R
        self.gates, self.cells, self.layer_out, self.masks = {}, {}, {}, {}
        off = 0
        for l in range(self.L):
            for d in range(self.D):
                if self.mode in ("lstm", "gru"):
                    self.gates[l, d] = (off, (T, N, GH))
                    off += T * N * GH
                    self.cells[l, d] = (off, (T, N, H))
                    off += T * N * H
            if l < self.L - 1:
                self.layer_out[l] = (off, (T, N, DR))
                off += T * N * DR
                if self.dropout:
                    self.masks[l] = (off, (T, N, DR))
                    off += T * N * DR
        self.reserve_size = max(off, 1)     # a 0 in a shape means 'unknown' to MXNet

    # --- views -------------------------------------------------------------------------
    @staticmethod
    def view(flat, entry):
        off, shape = entry
        return flat[off:off + int(np.prod(shape))].reshape(shape)

    def weight(self, params, l, d, name):
        return self.view(params, self.weights[l, d][name])

    def bias(self, params, l, d, name):
        return self.view(params, self.biases[l, d][name])

    def out_shape(self):
        return (self.T, self.N, self.D * self.R)

    def state_shape(self):
        return (self.L * self.D, self.N, self.R)

    def cell_shape(self):
        return (self.L * self.D, self.N, self.H)
