"""NumPy oracle of the fused RNN operator (float64, one plain loop over time per layer).

Written from the formulas in MXNet's RNN documentation (src/operator/rnn.cc) and cuDNN's
semantics for projection, state clipping and sequence lengths; independent of the Numba
kernels except for the shared parameter / reserve layout (kernels/cpu/rnn_layout.py), which
the golden tests against real MXNet 1.9.1 pin.
"""
import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _clip(c, lo, hi, nan):
    out = np.clip(c, lo, hi)
    if nan:
        out = np.where(np.isnan(c), lo, out)
    return out


class _Step:
    """What one cell step computed (float64), for the reference backward."""
    __slots__ = ("t", "active", "inp", "h_prev", "c_prev", "gates", "c", "hn", "h", "out")


def cell_forward(lay, attrs, Wx, Wh, bx, bh, Wr, x_t, h, c):
    """One step for every sample: returns (new h / r, new c, gates, hn, h before projection)."""
    a = x_t @ Wx.T + bx
    hh = h @ Wh.T + bh
    H = lay.H
    if lay.mode in ("rnn_relu", "rnn_tanh"):
        pre = a + hh
        new = np.maximum(pre, 0) if lay.mode == "rnn_relu" else np.tanh(pre)
        return new, None, None, None, new
    if lay.mode == "gru":
        r = _sigmoid(a[:, :H] + hh[:, :H])
        z = _sigmoid(a[:, H:2 * H] + hh[:, H:2 * H])
        hn = hh[:, 2 * H:]
        n = np.tanh(a[:, 2 * H:] + r * hn)
        new = (1 - z) * n + z * h
        return new, None, np.concatenate([r, z, n], axis=1), hn, new
    pre = a + hh
    i, f = _sigmoid(pre[:, :H]), _sigmoid(pre[:, H:2 * H])
    g, o = np.tanh(pre[:, 2 * H:3 * H]), _sigmoid(pre[:, 3 * H:])
    c_new = f * c + i * g
    if attrs.lstm_state_clip_min is not None:
        c_new = _clip(c_new, attrs.lstm_state_clip_min, attrs.lstm_state_clip_max,
                      attrs.lstm_state_clip_nan)
    hraw = o * np.tanh(c_new)
    new = hraw if Wr is None else hraw @ Wr.T
    return new, c_new, np.concatenate([i, f, g, o], axis=1), None, hraw


def _params(lay, params, l, d):
    f = params.astype(np.float64)
    Wr = lay.weight(f, l, d, "h2r") if lay.P is not None else None
    return (lay.weight(f, l, d, "i2h"), lay.weight(f, l, d, "h2h"),
            lay.bias(f, l, d, "i2h"), lay.bias(f, l, d, "h2h"), Wr)


def forward(lay, attrs, x, params, hx, cx, lengths, masks):
    """(y, hy, cy, reserve pieces, per-layer step records) in float64."""
    T, N, D, R = lay.T, lay.N, lay.D, lay.R
    inp = x.astype(np.float64)
    hy = np.zeros((lay.L * D, N, R))
    cy = np.zeros((lay.L * D, N, lay.H))
    pieces, records, inputs = {}, [], []
    for l in range(lay.L):
        out = np.zeros((T, N, D * R))
        recs = []
        for d in range(D):
            i = l * D + d
            Wx, Wh, bx, bh, Wr = _params(lay, params, l, d)
            h = hx[i].astype(np.float64)
            c = cx[i].astype(np.float64) if cx is not None else None
            gates = np.zeros((T, N, lay.G * lay.H))
            cells = np.zeros((T, N, lay.H))
            steps = []
            for t in (range(T - 1, -1, -1) if d else range(T)):
                s = _Step()
                s.t, s.active, s.inp, s.h_prev, s.c_prev = t, t < lengths, inp[t], h, c
                new, c_new, g, hn, hraw = cell_forward(lay, attrs, Wx, Wh, bx, bh, Wr,
                                                       inp[t], h, c)
                act = s.active[:, None]
                s.gates, s.hn, s.h, s.c = g, hn, hraw, c_new
                h = np.where(act, new, h)
                out[t, :, d * R:(d + 1) * R] = np.where(act, new, 0)
                if c is not None:
                    c = np.where(act, c_new, c)
                    cells[t] = c
                    gates[t] = np.where(act, g, 0)
                elif g is not None:
                    gates[t] = np.where(act, g, 0)
                    cells[t] = np.where(act, hn, 0)
                steps.append(s)
            hy[i] = h
            if c is not None:
                cy[i] = c
            pieces[("gates", l, d)] = gates
            pieces[("cells", l, d)] = cells
            recs.append(steps)
        records.append(recs)
        inputs.append(inp)
        if l < lay.L - 1:
            pieces[("out", l)] = out
            inp = out * masks[l] if masks is not None else out
        else:
            y = out
    return y, hy, cy, pieces, records, inputs


def fill_reserve(lay, pieces, masks, reserve):
    for (l, d), entry in lay.gates.items():
        lay.view(reserve, entry)[...] = pieces[("gates", l, d)]
        lay.view(reserve, lay.cells[l, d])[...] = pieces[("cells", l, d)]
    for l, entry in lay.layer_out.items():
        lay.view(reserve, entry)[...] = pieces[("out", l)]
    for l, entry in lay.masks.items():
        lay.view(reserve, entry)[...] = masks[l]


def _cell_backward(lay, attrs, s, dnew, dc, Wx, Wh, Wr):
    """Gradients of one active step: (da for W_i2h/b_i2h, dhh for W_h2h/b_h2h, dh_prev,
    dc_prev, dWr) for every sample (inactive samples are masked by the caller)."""
    H = lay.H
    if lay.mode in ("rnn_relu", "rnn_tanh"):
        h = s.h
        dpre = dnew * ((h > 0) if lay.mode == "rnn_relu" else (1 - h * h))
        return dpre, dpre, dpre @ Wh, None, None
    if lay.mode == "gru":
        r, z, n = s.gates[:, :H], s.gates[:, H:2 * H], s.gates[:, 2 * H:]
        dn = dnew * (1 - z) * (1 - n * n)
        dr = dn * s.hn * r * (1 - r)
        dz = dnew * (s.h_prev - n) * z * (1 - z)
        da = np.concatenate([dr, dz, dn], axis=1)
        dhh = np.concatenate([dr, dz, dn * r], axis=1)
        return da, dhh, dhh @ Wh + dnew * z, None, None
    dWr = None
    dh = dnew
    if Wr is not None:
        dWr = dnew.T @ s.h
        dh = dnew @ Wr
    i, f, g, o = (s.gates[:, k * H:(k + 1) * H] for k in range(4))
    tc = np.tanh(s.c)
    dct = dc + dh * o * (1 - tc * tc)
    if attrs.lstm_state_clip_min is not None:
        inside = (s.c > attrs.lstm_state_clip_min) & (s.c < attrs.lstm_state_clip_max)
        dct = dct * inside
    dpre = np.concatenate([dct * g * i * (1 - i), dct * s.c_prev * f * (1 - f),
                           dct * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
    return dpre, dpre, dpre @ Wh, dct * f, dWr


def backward(lay, attrs, x, params, hx, cx, lengths, masks, dy, dhy, dcy):
    """(dx, dparams, dhx, dcx) by back-propagation through time over the forward records."""
    _, _, _, _, records, inputs = forward(lay, attrs, x, params, hx, cx, lengths, masks)
    D, R = lay.D, lay.R
    dparams = np.zeros(lay.param_size)
    dhx = np.zeros((lay.L * D, lay.N, R))
    dcx = np.zeros((lay.L * D, lay.N, lay.H))
    dout = dy.astype(np.float64)
    for l in range(lay.L - 1, -1, -1):
        dinp = np.zeros(inputs[l].shape)
        for d in range(D):
            i = l * D + d
            Wx, Wh, _, _, Wr = _params(lay, params, l, d)
            dh = dhy[i].astype(np.float64) if dhy is not None else np.zeros((lay.N, R))
            dc = (dcy[i].astype(np.float64) if dcy is not None else np.zeros((lay.N, lay.H)))
            gWx, gWh = np.zeros(Wx.shape), np.zeros(Wh.shape)
            gbx, gbh = np.zeros(Wx.shape[0]), np.zeros(Wx.shape[0])
            gWr = np.zeros(Wr.shape) if Wr is not None else None
            for s in reversed(records[l][d]):
                act = s.active[:, None]
                dnew = (dh + dout[s.t, :, d * R:(d + 1) * R]) * act
                da, dhh, dh_prev, dc_prev, dWr = _cell_backward(
                    lay, attrs, s, dnew, dc if dc is not None else 0, Wx, Wh, Wr)
                da, dhh = da * act, dhh * act
                gWx += da.T @ s.inp
                gWh += dhh.T @ s.h_prev
                gbx += da.sum(0)
                gbh += dhh.sum(0)
                if dWr is not None:
                    gWr += dWr
                dinp[s.t] += da @ Wx
                dh = np.where(act, dh_prev, dh)
                if lay.mode == "lstm":
                    dc = np.where(act, dc_prev, dc)
            dhx[i] = dh
            if lay.mode == "lstm":
                dcx[i] = dc
            lay.weight(dparams, l, d, "i2h")[...] = gWx
            lay.weight(dparams, l, d, "h2h")[...] = gWh
            lay.bias(dparams, l, d, "i2h")[...] = gbx
            lay.bias(dparams, l, d, "h2h")[...] = gbh
            if gWr is not None:
                lay.weight(dparams, l, d, "h2r")[...] = gWr
        dout = dinp * masks[l - 1] if (l > 0 and masks is not None) else dinp
    return dout, dparams, dhx, dcx
