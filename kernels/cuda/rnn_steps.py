"""CUDA per-time-step kernels of the fused RNN operator (rnn_relu, rnn_tanh, lstm, gru).

The twins of kernels/cpu/rnn.py's step kernels, one thread per (direction, sample, hidden
unit): kernels/cuda/rnn.py does every matrix product with the tiled GEMM (gemm.py) and
launches one of these per time step for BOTH directions of a layer at once (direction d
takes time t = s forward and t = T-1-s in reverse at processing step s, the forward pass;
the backward walks s the other way).  A thread reads and writes only its own unit j of
every gate, so no step needs a barrier: the recurrent product it reads was finished by the
GEMM launched before it.

Arrays are flat (1-D, C-contiguous) with the layouts of kernels/cpu/rnn_layout.py; per-
direction buffers are (D, ...) blocks, reserve and parameter blocks are found from a base
offset and a direction stride.  Scalars `one`/`zero` come typed as the data (float32 math
stays float32 on the device).  Sequence lengths are int64, validated by the caller.
"""
import math

from .runtime import require

cuda = require()


@cuda.jit(device=True, inline=True)
def _sig(x, one):
    return one / (one + math.exp(-x))


@cuda.jit(device=True, inline=True)
def _clip(c, lo, hi, clip_nan):
    """cuDNN's clip: NaN propagates unless clip_nan (then it becomes lo)."""
    if c != c:
        return lo if clip_nan else c
    return min(max(c, lo), hi)


@cuda.jit(device=True, inline=True)
def _unit(i, N, H):
    """(direction, sample, unit) of thread index i over (D, N, H)."""
    j = i % H
    r = i // H
    return r // N, r % N, j


@cuda.jit(device=True, inline=True)
def _fwd_t(d, s, T):
    return T - 1 - s if d else s


@cuda.jit(device=True, inline=True)
def _bwd_t(d, s, T):
    """(t, t_next) of backward step s: t_next is the step processed before it (-1 at s=0)."""
    t = s if d else T - 1 - s
    if s == 0:
        return t, -1
    return t, (t - 1 if d else t + 1)


# --- forward ---------------------------------------------------------------------------------

@cuda.jit(cache=True)
def lstm_forward_step(gates, g0, gst, cells, c0, cst, hh, params, b0, bst, lengths, c_state,
                      hout, y, D, T, N, H, R, s, commit, clip, lo, hi, clip_nan, one):
    """gates (reserve at g0 + d*gst, (T, N, 4H)) hold x W_i2h^T on entry and the activated
    i, f, g, o on exit; hh = h W_h2h^T (D, N, 4H); biases at params[b0 + d*bst]; the cell
    goes to c_state and the reserve, h to hout (D, N, H) and, with commit, to y."""
    G4 = 4 * H
    DR = D * R
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t = _fwd_t(d, s, T)
        g = g0 + d * gst + (t * N + n) * G4
        ci = c0 + d * cst + (t * N + n) * H + j
        si = (d * N + n) * H + j
        yi = (t * N + n) * DR + d * R + j
        if t >= lengths[n]:
            for q in range(4):
                gates[g + q * H + j] = 0
            cells[ci] = c_state[si]
            if commit:
                y[yi] = 0
        else:
            hb = (d * N + n) * G4 + j
            b = b0 + d * bst + j
            gi = _sig(gates[g + j] + hh[hb] + (params[b] + params[b + G4]), one)
            gf = _sig(gates[g + H + j] + hh[hb + H] + (params[b + H] + params[b + G4 + H]), one)
            gg = math.tanh(gates[g + 2 * H + j] + hh[hb + 2 * H]
                           + (params[b + 2 * H] + params[b + G4 + 2 * H]))
            go = _sig(gates[g + 3 * H + j] + hh[hb + 3 * H]
                      + (params[b + 3 * H] + params[b + G4 + 3 * H]), one)
            gates[g + j] = gi
            gates[g + H + j] = gf
            gates[g + 2 * H + j] = gg
            gates[g + 3 * H + j] = go
            c = gf * c_state[si] + gi * gg
            if clip:
                c = _clip(c, lo, hi, clip_nan)
            c_state[si] = c
            cells[ci] = c
            h = go * math.tanh(c)
            hout[si] = h
            if commit:
                y[yi] = h
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def commit_state(r, h_state, lengths, y, D, T, N, P, s):
    """Projection: the projected r (D, N, P) becomes the state and output of active samples."""
    i = cuda.grid(1)
    while i < D * N * P:
        d, n, k = _unit(i, N, P)
        t = _fwd_t(d, s, T)
        yi = (t * N + n) * D * P + d * P + k
        if t >= lengths[n]:
            y[yi] = 0
        else:
            h_state[i] = r[i]
            y[yi] = r[i]
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def gru_forward_step(gates, g0, gst, cells, c0, cst, hh, params, b0, bst, lengths, h_state, y,
                     D, T, N, H, s, one):
    """r, z from x and h; n = tanh(x W_in + b_in + r * (h W_hn + b_hn)) (W_hn h + b_hn kept
    in the reserve's cell block); h' = (1 - z) n + z h."""
    G3 = 3 * H
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t = _fwd_t(d, s, T)
        g = g0 + d * gst + (t * N + n) * G3
        ci = c0 + d * cst + (t * N + n) * H + j
        yi = (t * N + n) * D * H + d * H + j
        if t >= lengths[n]:
            for q in range(3):
                gates[g + q * H + j] = 0
            cells[ci] = 0
            y[yi] = 0
        else:
            hb = (d * N + n) * G3 + j
            bx = b0 + d * bst + j
            bh = bx + G3
            r = _sig(gates[g + j] + hh[hb] + params[bx] + params[bh], one)
            z = _sig(gates[g + H + j] + hh[hb + H] + params[bx + H] + params[bh + H], one)
            hn = hh[hb + 2 * H] + params[bh + 2 * H]
            nn = math.tanh(gates[g + 2 * H + j] + params[bx + 2 * H] + r * hn)
            gates[g + j] = r
            gates[g + H + j] = z
            gates[g + 2 * H + j] = nn
            cells[ci] = hn
            si = (d * N + n) * H + j
            h = (one - z) * nn + z * h_state[si]
            h_state[si] = h
            y[yi] = h
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def rnn_forward_step(pre, hh, params, b0, bst, lengths, h_state, y, D, T, N, H, s, relu, one):
    """h' = relu or tanh of x W_i2h^T + h W_h2h^T + b (pre (D, T, N, H) = x W_i2h^T)."""
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t = _fwd_t(d, s, T)
        yi = (t * N + n) * D * H + d * H + j
        if t >= lengths[n]:
            y[yi] = 0
        else:
            b = b0 + d * bst + j
            a = pre[((d * T + t) * N + n) * H + j] + hh[i] + (params[b] + params[b + H])
            if relu:
                h = a if not a < 0 else one - one     # NaN stays NaN
            else:
                h = math.tanh(a)
            h_state[i] = h
            y[yi] = h
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def multiply(a, b, out, n):
    """out = a * b (a layer's input times its dropout mask, or the gradient through it)."""
    i = cuda.grid(1)
    while i < n:
        out[i] = a[i] * b[i]
        i += cuda.gridsize(1)


# --- backward --------------------------------------------------------------------------------

@cuda.jit(device=True, inline=True)
def _incoming(ci, nxt, rec, dh_carry, dy, yi):
    """dh = carried gradient (+ rec when the next step was active) + output gradient."""
    if nxt:
        return dh_carry[ci] + rec[ci] + dy[yi]
    return dh_carry[ci] + dy[yi]


@cuda.jit(cache=True)
def rnn_backward_step(dpre, rec, dh_carry, dy, y, lengths, D, T, N, H, s, relu, one):
    """dpre (D, T, N, H) = dh * act'(pre), act' read from the output h."""
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t, t_next = _bwd_t(d, s, T)
        nxt = t_next >= 0 and t_next < lengths[n]
        dp = ((d * T + t) * N + n) * H + j
        if t >= lengths[n]:
            if nxt:
                dh_carry[i] += rec[i]
            dpre[dp] = 0
        else:
            yi = (t * N + n) * D * H + d * H + j
            v = _incoming(i, nxt, rec, dh_carry, dy, yi)
            dh_carry[i] = 0
            h = y[yi]
            if relu:
                dpre[dp] = v if h > 0 else one - one
            else:
                dpre[dp] = v * (one - h * h)
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def lstm_backward_step(gates, g0, gst, cells, c0, cst, cx, dpre, dhin, hraw, rec, dh_carry,
                       dc_carry, dy, lengths, D, T, N, H, s, proj, clip, lo, hi, one):
    """dpre (D, T, N, 4H): gradients of the gate pre-activations.  Without a projection dh
    comes from rec/dh_carry/dy; with one it is dhin = dr W_h2r (D, N, H) and h goes to
    hraw (D, T, N, H).  cx: this layer's initial cells (D, N, H)."""
    G4 = 4 * H
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t, t_next = _bwd_t(d, s, T)
        nxt = t_next >= 0 and t_next < lengths[n]
        dp = ((d * T + t) * N + n) * G4 + j
        hr = ((d * T + t) * N + n) * H + j
        if t >= lengths[n]:
            if not proj and nxt:
                dh_carry[i] += rec[i]
            for q in range(4):
                dpre[dp + q * H] = 0
            if proj:
                hraw[hr] = 0
        else:
            if proj:
                dh = dhin[i]
            else:
                dh = _incoming(i, nxt, rec, dh_carry, dy, (t * N + n) * D * H + d * H + j)
                dh_carry[i] = 0
            g = g0 + d * gst + (t * N + n) * G4 + j
            gi = gates[g]
            gf = gates[g + H]
            gg = gates[g + 2 * H]
            go = gates[g + 3 * H]
            c = cells[c0 + d * cst + (t * N + n) * H + j]
            tc = math.tanh(c)
            dct = dc_carry[i] + dh * go * (one - tc * tc)
            if clip and not (c > lo and c < hi):
                dct = one - one
            if proj:
                hraw[hr] = go * tc
            dpre[dp + 3 * H] = dh * tc * go * (one - go)
            dpre[dp] = dct * gg * gi * (one - gi)
            dpre[dp + 2 * H] = dct * gi * (one - gg * gg)
            tp = t + 1 if d else t - 1
            if tp >= 0 and tp < T:
                cp = cells[c0 + d * cst + (tp * N + n) * H + j]
            else:
                cp = cx[i]
            dpre[dp + H] = dct * cp * gf * (one - gf)
            dc_carry[i] = dct * gf
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def projection_backward_head(dr, rec, dh_carry, dy, lengths, D, T, N, P, s):
    """LSTM with projection: dr (D, T, N, P) = dL/dr_t (output + recurrent gradient)."""
    i = cuda.grid(1)
    while i < D * N * P:
        d, n, k = _unit(i, N, P)
        t, t_next = _bwd_t(d, s, T)
        nxt = t_next >= 0 and t_next < lengths[n]
        di = ((d * T + t) * N + n) * P + k
        if t >= lengths[n]:
            if nxt:
                dh_carry[i] += rec[i]
            dr[di] = 0
        else:
            dr[di] = _incoming(i, nxt, rec, dh_carry, dy, (t * N + n) * D * P + d * P + k)
            dh_carry[i] = 0
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def gru_backward_step(gates, g0, gst, cells, c0, cst, hprev, dpre, dhh, rec, dh_carry, dy,
                      lengths, D, T, N, H, s, one):
    """dpre (D, T, N, 3H): gradient of x W_i2h^T + b_i2h per gate; dhh: of h W_h2h^T +
    b_h2h; dh_carry keeps the direct term dh * z."""
    G3 = 3 * H
    i = cuda.grid(1)
    while i < D * N * H:
        d, n, j = _unit(i, N, H)
        t, t_next = _bwd_t(d, s, T)
        nxt = t_next >= 0 and t_next < lengths[n]
        dp = ((d * T + t) * N + n) * G3 + j
        if t >= lengths[n]:
            if nxt:
                dh_carry[i] += rec[i]
            for q in range(3):
                dpre[dp + q * H] = 0
                dhh[dp + q * H] = 0
        else:
            dh = _incoming(i, nxt, rec, dh_carry, dy, (t * N + n) * D * H + d * H + j)
            g = g0 + d * gst + (t * N + n) * G3 + j
            r = gates[g]
            z = gates[g + H]
            nn = gates[g + 2 * H]
            hn = cells[c0 + d * cst + (t * N + n) * H + j]
            hp = hprev[((d * T + t) * N + n) * H + j]
            dnp = dh * (one - z) * (one - nn * nn)
            dz = dh * (hp - nn) * z * (one - z)
            dxr = dnp * hn * r * (one - r)
            dpre[dp] = dxr
            dpre[dp + H] = dz
            dpre[dp + 2 * H] = dnp
            dhh[dp] = dxr
            dhh[dp + H] = dz
            dhh[dp + 2 * H] = dnp * r
            dh_carry[i] = dh * z
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def build_hprev(y, hx, lengths, out, D, T, N, R):
    """out (D, T, N, R) = the state step t started from: y (T, N, D*R) of the previous
    processed step, or hx (D, N, R) where there is none (first step, or past the length)."""
    i = cuda.grid(1)
    while i < D * T * N * R:
        k = i % R
        r = i // R
        n = r % N
        r = r // N
        t = r % T
        d = r // T
        tp = t + 1 if d else t - 1
        if tp >= 0 and tp < T and tp < lengths[n]:
            out[i] = y[(tp * N + n) * D * R + d * R + k]
        else:
            out[i] = hx[(d * N + n) * R + k]
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def final_state_grad(rec, dh_carry, lengths, out, D, T, N, R):
    """out (D, N, R) = dL/dh0: the carried gradient, plus the recurrent gradient of the last
    backward step when it was active."""
    i = cuda.grid(1)
    while i < D * N * R:
        d = i // (N * R)
        n = (i // R) % N
        t_last = T - 1 if d else 0
        if T > 0 and t_last < lengths[n]:
            out[i] = dh_carry[i] + rec[i]
        else:
            out[i] = dh_carry[i]
        i += cuda.gridsize(1)


@cuda.jit(cache=True)
def bias_grads(dpre, dhh, params, b0, D, rows, GH, zero):
    """params[b0 + d*2GH + (0 | GH) + c] = column c of dpre | dhh (D, rows, GH) summed."""
    i = cuda.grid(1)
    while i < D * 2 * GH:
        c = i % GH
        r = i // GH
        hh = r % 2
        d = r // 2
        base = d * rows * GH + c
        acc = zero
        if hh:
            for q in range(rows):
                acc += dhh[base + q * GH]
        else:
            for q in range(rows):
                acc += dpre[base + q * GH]
        params[b0 + i] = acc
        i += cuda.gridsize(1)
