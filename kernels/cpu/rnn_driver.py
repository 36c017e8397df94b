"""Forward and backward passes of the fused RNN operator: BLAS GEMMs around rnn.py's kernels.

Per layer and direction the input projection of all T steps is one (T*N, in) x (in, G*H)
GEMM written straight into the reserve's gate buffer; each step then does one (N, R) x
(R, G*H) GEMM and one fused kernel.  Backward walks the steps in reverse, one fused kernel
and one (N, G*H) x (G*H, R) GEMM per step, then forms every weight gradient with one GEMM
over all steps (T*N rows) and the input gradient with one more.  Arrays are float32 or
float64 and C-contiguous; the caller widens float16.
"""
import numpy as np

from . import rnn as K
from . import threads
from .linalg import gemm, serial_matmul


class _SerialBlas:
    """BLAS on one thread for the per-step (N, R) x (R, G*H) products: threaded OpenBLAS
    gained nothing on them and, with the 2 cores shared, stalled whole steps (median LSTM
    step 10x slower than single-threaded).  The big all-steps GEMMs are split over the
    pool of kernels/cpu/threads.py (linalg.gemm)."""

    def __enter__(self):
        self.saved = threads.blas_single()

    def __exit__(self, *exc):
        threads.blas_restore(self.saved)


class Clip:
    """LSTM cell-state clipping settings (cuDNN's cudnnRNNSetClip), typed for the kernels."""

    def __init__(self, lo, hi, nan, dtype):
        self.on = lo is not None
        self.lo = dtype.type(lo if lo is not None else 0)
        self.hi = dtype.type(hi if hi is not None else 0)
        self.nan = bool(nan)


def _layer_input(lay, l, x, reserve, use_masks):
    """Input of layer l: the data, or the layer below's output (times its dropout mask)."""
    if l == 0:
        return x
    below = lay.view(reserve, lay.layer_out[l - 1])
    if not use_masks:
        return below
    return np.multiply(below, lay.view(reserve, lay.masks[l - 1]))


def forward(lay, x, params, hx, cx, lengths, y, hy, cy, reserve, use_masks, clip):
    """Fill y (T, N, D*R), hy/cy (or None) and the reserve."""
    T, N, GH, H, R, D = lay.T, lay.N, lay.G * lay.H, lay.H, lay.R, lay.D
    dt = x.dtype
    hh = np.empty((N, GH), dt)
    hbuf = np.empty((N, H), dt)
    rbuf = np.empty((N, R), dt)
    pre_tmp = None
    for l in range(lay.L):
        out = y if l == lay.L - 1 else lay.view(reserve, lay.layer_out[l])
        inp = _layer_input(lay, l, x, reserve, use_masks)
        X = inp.reshape(T * N, inp.shape[2])
        for d in range(D):
            i = l * D + d
            Wx, Wh = lay.weight(params, l, d, "i2h"), lay.weight(params, l, d, "h2h")
            bx, bh = lay.bias(params, l, d, "i2h"), lay.bias(params, l, d, "h2h")
            if lay.mode in ("lstm", "gru"):
                gates = lay.view(reserve, lay.gates[l, d])
                cells = lay.view(reserve, lay.cells[l, d])
            else:
                if pre_tmp is None:
                    pre_tmp = np.empty((T, N, H), dt)
                gates, cells = pre_tmp, None
            gemm(X, Wx.T, gates.reshape(T * N, GH))
            bsum = bx + bh
            h_state = hx[i].copy()
            c_state = cx[i].copy() if cx is not None else None
            WhT = Wh.T
            with _SerialBlas():
                _forward_steps(lay, params, l, d, gates, cells, hh, bsum, bx, bh, lengths,
                               c_state, h_state, hbuf, rbuf, out, WhT, clip)
            if hy is not None:
                hy[i] = h_state
                if cy is not None:
                    cy[i] = c_state


def _forward_steps(lay, params, l, d, gates, cells, hh, bsum, bx, bh, lengths, c_state,
                   h_state, hbuf, rbuf, out, WhT, clip):
    """The recurrence of one layer and direction: one GEMM and one fused kernel per step."""
    T, R = lay.T, lay.R
    proj = lay.P is not None
    Wr = lay.weight(params, l, d, "h2r") if proj else None
    for s in range(T):
        t = T - 1 - s if d else s
        serial_matmul(h_state, WhT, hh)
        if lay.mode == "lstm":
            K.lstm_forward_step(gates, t, hh, bsum, lengths, c_state, cells,
                                hbuf if proj else h_state, out, d * R, not proj,
                                clip.on, clip.lo, clip.hi, clip.nan)
            if proj:
                serial_matmul(hbuf, Wr.T, rbuf)
                K.commit_state(rbuf, t, lengths, h_state, out, d * R)
        elif lay.mode == "gru":
            K.gru_forward_step(gates, cells, t, hh, bx, bh, lengths, h_state, out, d * R)
        else:
            K.rnn_forward_step(gates, t, hh, bsum, lengths, lay.mode == "rnn_relu", h_state,
                               out, d * R)


def backward(lay, x, params, hx, cx, lengths, y, reserve, dy, dhy, dcy, dx, dparams, dhx,
             dcx, use_masks, clip):
    """Fill dx, dparams (every entry), dhx and dcx (lstm) from the output gradients."""
    T, N, GH, H, R, D, P = lay.T, lay.N, lay.G * lay.H, lay.H, lay.R, lay.D, lay.P
    dt = x.dtype
    rec = np.empty((N, R), dt)
    hprev = np.empty((T, N, R), dt)
    dpre = np.empty((T, N, GH), dt)
    dhh = np.empty((T, N, GH), dt) if lay.mode == "gru" else dpre
    if P is not None:
        dr, hraw, dhin = np.empty((T, N, P), dt), np.empty((T, N, H), dt), np.empty((N, H), dt)
    else:
        dr, hraw, dhin = np.empty((1, 1, 1), dt), np.empty((1, 1, 1), dt), np.empty((1, 1), dt)
    dh_carry = np.empty((N, R), dt)
    dc_carry = np.empty((N, H), dt)
    dpre2, dhh2, hprev2 = (a.reshape(T * N, -1) for a in (dpre, dhh, hprev))
    dy_cur = dy
    for l in range(lay.L - 1, -1, -1):
        y_l = y if l == lay.L - 1 else lay.view(reserve, lay.layer_out[l])
        inp = _layer_input(lay, l, x, reserve, use_masks)
        X = inp.reshape(T * N, inp.shape[2])
        dx_l = dx if l == 0 else np.empty(inp.shape, dt)
        for d in range(D):
            i = l * D + d
            Wx, Wh = lay.weight(params, l, d, "i2h"), lay.weight(params, l, d, "h2h")
            dh_carry[...] = dhy[i] if dhy is not None else 0
            dc_carry[...] = dcy[i] if dcy is not None else 0
            K.build_hprev(y_l, d * R, hx[i], lengths, d == 1, hprev)
            st = _BackState(lay, reserve, l, d, params, lengths, rec, dh_carry, dc_carry, dy_cur,
                            cx[i] if cx is not None else None, hprev, dpre, dhh, dr, hraw, dhin,
                            y_l, clip)
            with _SerialBlas():
                _backward_steps(st, Wh)
            K.final_state_grad(T - 1 if d else 0, lengths, rec, dh_carry, dhx[i])
            if dcx is not None:
                dcx[i] = dc_carry
            _weight_grads(lay, dparams, l, d, X, dpre2, dhh2, hprev2, dr, hraw)
            if d == 0:
                gemm(dpre2, Wx, dx_l.reshape(T * N, -1))
            else:
                both = np.empty((T * N, Wx.shape[1]), dx_l.dtype)
                gemm(dpre2, Wx, both)
                dx_l += both.reshape(dx_l.shape)
        if l > 0:
            dy_cur = dx_l * lay.view(reserve, lay.masks[l - 1]) if use_masks else dx_l


class _BackState:
    """What the backward recurrence of one layer and direction reads and writes."""

    def __init__(self, lay, reserve, l, d, params, lengths, rec, dh_carry, dc_carry, dy, cx,
                 hprev, dpre, dhh, dr, hraw, dhin, y, clip):
        self.lay, self.d, self.lengths, self.rec = lay, d, lengths, rec
        self.dh_carry, self.dc_carry, self.dy, self.cx = dh_carry, dc_carry, dy, cx
        self.hprev, self.dpre, self.dhh, self.dr, self.hraw, self.dhin = (hprev, dpre, dhh, dr,
                                                                          hraw, dhin)
        self.y, self.clip = y, clip
        self.Wr = lay.weight(params, l, d, "h2r") if lay.P is not None else None
        if lay.mode in ("lstm", "gru"):
            self.gates = lay.view(reserve, lay.gates[l, d])
            self.cells = lay.view(reserve, lay.cells[l, d])


def _backward_steps(st, Wh):
    """Steps in reverse processing order: one fused kernel and one GEMM (rec = dhh[t] W_h2h)
    each; with a projection, dr[t] and dr[t] W_h2r first."""
    lay, d, T, lengths, rec, clip = st.lay, st.d, st.lay.T, st.lengths, st.rec, st.clip
    off = d * lay.R
    proj = lay.P is not None
    for s in range(T):
        t = s if d else T - 1 - s
        t_next = -1 if s == 0 else (t - 1 if d else t + 1)
        if lay.mode == "lstm":
            tp = t + 1 if d else t - 1
            c_prev = st.cells[tp] if 0 <= tp < T else st.cx
            if proj:
                K.projection_backward_head(t, t_next, lengths, rec, st.dh_carry, st.dy, off,
                                           st.dr)
                serial_matmul(st.dr[t], st.Wr, st.dhin)
            K.lstm_backward_step(t, t_next, lengths, rec, st.dh_carry, st.dy, off, st.dhin, proj,
                                 st.dc_carry, st.gates, st.cells, c_prev, clip.on, clip.lo,
                                 clip.hi, st.dpre, st.hraw)
        elif lay.mode == "gru":
            K.gru_backward_step(t, t_next, lengths, rec, st.dh_carry, st.dy, off, st.gates,
                                st.cells, st.hprev, st.dpre, st.dhh)
        else:
            K.rnn_backward_step(t, t_next, lengths, rec, st.dh_carry, st.dy, off, st.y,
                                lay.mode == "rnn_relu", st.dpre)
        serial_matmul(st.dhh[t], Wh, rec)


def _weight_grads(lay, dparams, l, d, X, dpre2, dhh2, hprev2, dr, hraw):
    """All steps at once: dW_i2h = dpre^T X, dW_h2h = dhh^T h_prev, biases = column sums."""
    gemm(dpre2.T, X, lay.weight(dparams, l, d, "i2h"))
    gemm(dhh2.T, hprev2, lay.weight(dparams, l, d, "h2h"))
    np.sum(dpre2, axis=0, out=lay.bias(dparams, l, d, "i2h"))
    np.sum(dhh2, axis=0, out=lay.bias(dparams, l, d, "h2h"))
    if lay.P is not None:
        T, N = lay.T, lay.N
        gemm(dr.reshape(T * N, -1).T, hraw.reshape(T * N, -1), lay.weight(dparams, l, d, "h2r"))
