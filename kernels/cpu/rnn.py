"""Fused per-time-step kernels of MXNet's RNN operator (rnn_relu, rnn_tanh, lstm, gru), CPU.

The drivers in rnn_driver.py do every matrix product with NumPy's BLAS (the input
projection of all time steps as one GEMM, then one (N, R) x (R, G*H) GEMM per step); these
kernels do the rest of a step in one pass over (N, H): gate nonlinearities, cell update,
state clipping, the per-sample sequence-length mask, and the writes of the output and the
reserve.  Arrays are C-contiguous and passed whole with a time index `t` and a column
offset `yoff` into the (T, N, D*R) outputs, so each kernel compiles once per dtype.

Sequence lengths: sample n is active at time t when t < lengths[n]; an inactive step keeps
the state (h, c) unchanged and writes zeros to the output, in either direction (cuDNN's
padded layout).  Backward kernels walk the steps in reverse processing order: `rec` is
(previous backward step's gate gradient) @ W_h2h, added when that step `t_next` was active
(t_next = -1 at the first backward step); `dh_carry` holds the state gradient carried
through inactive steps (initially dL/dh_T) and, after an active GRU step, its direct term.
float32 uses vectorizable sigmoid/tanh approximations (< 3e-7 relative error).
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from kernels.codegen.scalar import fast_sigmoid_f32, fast_tanh_f32

_FM = {"nsz", "arcp", "contract", "afn", "reassoc"}   # keeps NaN/Inf semantics
_SER = dict(cache=True, nogil=True, error_model="numpy", fastmath=_FM)


def _sig(x):
    """sigmoid: the vectorizable approximation for float32, exact for float64."""


def _tanh(x):
    """tanh: the vectorizable approximation for float32, exact for float64."""


def _f32(x):
    return isinstance(x, types.Float) and x.bitwidth == 32


@overload(_sig, inline="always")
def _ov_sig(x):
    if _f32(x):
        return lambda x: fast_sigmoid_f32(x)
    return lambda x: 1.0 / (1.0 + math.exp(-x))


@overload(_tanh, inline="always")
def _ov_tanh(x):
    if _f32(x):
        return lambda x: fast_tanh_f32(x)
    return lambda x: math.tanh(x)


@njit(cache=True, nogil=True, error_model="numpy")
def _clip(c, lo, hi, clip_nan):
    """cuDNN's clip: NaN propagates unless clip_nan (then it clips to lo, as fmax does)."""
    if c != c:
        return lo if clip_nan else c
    return min(max(c, lo), hi)


# --- row helpers: short loops over few arrays, so LLVM vectorizes each one ------------------

_INL = dict(_SER, inline="always")


@njit(**_INL)
def _add2(g, a, b, lo, hi):
    for k in range(lo, hi):
        g[k] = g[k] + a[k] + b[k]


@njit(**_INL)
def _sig_range(g, lo, hi):
    for k in range(lo, hi):
        g[k] = _sig(g[k])


@njit(**_INL)
def _tanh_range(g, lo, hi):
    for k in range(lo, hi):
        g[k] = _tanh(g[k])


@njit(**_INL)
def _copy(dst, off, src, n):
    for j in range(n):
        dst[off + j] = src[j]


@njit(**_INL)
def _fill(dst, off, n, value):
    for j in range(n):
        dst[off + j] = value


# --- forward steps ---------------------------------------------------------------------------

@njit(**_SER)
def lstm_forward_step(gates, t, hh, b, lengths, c_state, cells, hout, y, yoff, commit, clip,
                      lo, hi, clip_nan):
    """gates[t] holds x_t W_i2h^T on entry and the activated i, f, g, o gates on exit
    (b = b_i2h + b_h2h); h goes to hout (the state, or the projection's input) and, with
    commit, to y."""
    N, H = c_state.shape
    zero = gates.dtype.type(0)
    for n in range(N):
        g = gates[t, n]
        cs = c_state[n]
        if t >= lengths[n]:
            _fill(g, 0, 4 * H, zero)
            _copy(cells[t, n], 0, cs, H)
            if commit:
                _fill(y[t, n], yoff, H, zero)
            continue
        _add2(g, hh[n], b, 0, 4 * H)
        _sig_range(g, 0, 2 * H)
        _tanh_range(g, 2 * H, 3 * H)
        _sig_range(g, 3 * H, 4 * H)
        for j in range(H):
            cs[j] = g[H + j] * cs[j] + g[j] * g[2 * H + j]
        if clip:
            for j in range(H):
                cs[j] = _clip(cs[j], lo, hi, clip_nan)
        _copy(cells[t, n], 0, cs, H)
        hr = hout[n]
        for j in range(H):
            hr[j] = g[3 * H + j] * _tanh(cs[j])
        if commit:
            _copy(y[t, n], yoff, hr, H)


@njit(**_SER)
def commit_state(r, t, lengths, h_state, y, yoff):
    """Projection: the projected r becomes the state and the output of active samples."""
    N, R = h_state.shape
    zero = y.dtype.type(0)
    for n in range(N):
        if t >= lengths[n]:
            _fill(y[t, n], yoff, R, zero)
            continue
        _copy(h_state[n], 0, r[n], R)
        _copy(y[t, n], yoff, r[n], R)


@njit(**_SER)
def gru_forward_step(gates, hn_all, t, hh, bx, bh, lengths, h_state, y, yoff):
    """r, z from x and h; n = tanh(x W_in + b_in + r * (h W_hn + b_hn)); h' = (1-z) n + z h."""
    N, H = h_state.shape
    one = gates.dtype.type(1)
    zero = gates.dtype.type(0)
    for n in range(N):
        g = gates[t, n]
        hn = hn_all[t, n]
        if t >= lengths[n]:
            _fill(g, 0, 3 * H, zero)
            _fill(hn, 0, H, zero)
            _fill(y[t, n], yoff, H, zero)
            continue
        hr = hh[n]
        _add2(g, hr, bx, 0, 2 * H)
        for k in range(2 * H):
            g[k] = _sig(g[k] + bh[k])
        for j in range(H):
            hn[j] = hr[2 * H + j] + bh[2 * H + j]
        for j in range(H):
            g[2 * H + j] = _tanh(g[2 * H + j] + bx[2 * H + j] + g[j] * hn[j])
        hs = h_state[n]
        for j in range(H):
            z = g[H + j]
            hs[j] = (one - z) * g[2 * H + j] + z * hs[j]
        _copy(y[t, n], yoff, hs, H)


@njit(**_SER)
def rnn_forward_step(pre, t, hh, b, lengths, relu, h_state, y, yoff):
    """h' = relu or tanh of x W_i2h^T + h W_h2h^T + b (pre[t] = x W_i2h^T, b = b_i2h + b_h2h)."""
    N, H = h_state.shape
    zero = pre.dtype.type(0)
    for n in range(N):
        if t >= lengths[n]:
            _fill(y[t, n], yoff, H, zero)
            continue
        p = pre[t, n]
        _add2(p, hh[n], b, 0, H)
        hs = h_state[n]
        if relu:
            for j in range(H):
                a = p[j]
                hs[j] = a if not a < zero else zero      # NaN stays NaN
        else:
            for j in range(H):
                hs[j] = _tanh(p[j])
        _copy(y[t, n], yoff, hs, H)


# --- backward steps --------------------------------------------------------------------------

@njit(**_INL)
def _incoming(dh, n, nxt, rec, dh_carry, dy, t, yoff, H):
    """dh = carried gradient (+ rec when the next step was active) + output gradient."""
    dc = dh_carry[n]
    dyr = dy[t, n]
    if nxt:
        rr = rec[n]
        for j in range(H):
            dh[j] = dc[j] + rr[j] + dyr[yoff + j]
    else:
        for j in range(H):
            dh[j] = dc[j] + dyr[yoff + j]


@njit(**_INL)
def _carry(n, nxt, rec, dh_carry, R):
    """An inactive step passes the state gradient through unchanged."""
    if nxt:
        dc = dh_carry[n]
        rr = rec[n]
        for j in range(R):
            dc[j] += rr[j]


@njit(**_SER)
def lstm_backward_step(t, t_next, lengths, rec, dh_carry, dy, yoff, dhin, proj, dc_carry,
                       gates, cells, c_prev, clip, lo, hi, dpre, hraw):
    """dpre[t] = gradient of the gate pre-activations.  Without a projection dh comes from
    rec/dh_carry/dy; with one (proj) it is dhin = dr @ W_h2r, and h is saved to hraw."""
    N, H = c_prev.shape
    one = gates.dtype.type(1)
    zero = gates.dtype.type(0)
    dh = np.empty(H, gates.dtype)
    tc = np.empty(H, gates.dtype)
    dct = np.empty(H, gates.dtype)
    for n in range(N):
        nxt = t_next >= 0 and t_next < lengths[n]
        dp = dpre[t, n]
        if t >= lengths[n]:
            if not proj:
                _carry(n, nxt, rec, dh_carry, H)
            _fill(dp, 0, 4 * H, zero)
            if proj:
                _fill(hraw[t, n], 0, H, zero)
            continue
        if proj:
            _copy(dh, 0, dhin[n], H)
        else:
            _incoming(dh, n, nxt, rec, dh_carry, dy, t, yoff, H)
            _fill(dh_carry[n], 0, H, zero)
        g = gates[t, n]
        c = cells[t, n]
        dc = dc_carry[n]
        for j in range(H):
            tc[j] = _tanh(c[j])
        for j in range(H):
            dct[j] = dc[j] + dh[j] * g[3 * H + j] * (one - tc[j] * tc[j])
        if clip:
            for j in range(H):
                if not (c[j] > lo and c[j] < hi):
                    dct[j] = zero
        if proj:
            hr = hraw[t, n]
            for j in range(H):
                hr[j] = g[3 * H + j] * tc[j]
        for j in range(H):
            o = g[3 * H + j]
            dp[3 * H + j] = dh[j] * tc[j] * o * (one - o)
        for j in range(H):
            i = g[j]
            gg = g[2 * H + j]
            dp[j] = dct[j] * gg * i * (one - i)
            dp[2 * H + j] = dct[j] * i * (one - gg * gg)
        cp = c_prev[n]
        for j in range(H):
            f = g[H + j]
            dp[H + j] = dct[j] * cp[j] * f * (one - f)
            dc[j] = dct[j] * f


@njit(**_SER)
def projection_backward_head(t, t_next, lengths, rec, dh_carry, dy, yoff, dr):
    """LSTM with projection: dr[t] = dL/dr_t (output gradient + recurrent gradient)."""
    N, P = dh_carry.shape
    zero = dr.dtype.type(0)
    for n in range(N):
        nxt = t_next >= 0 and t_next < lengths[n]
        if t >= lengths[n]:
            _carry(n, nxt, rec, dh_carry, P)
            _fill(dr[t, n], 0, P, zero)
            continue
        _incoming(dr[t, n], n, nxt, rec, dh_carry, dy, t, yoff, P)
        _fill(dh_carry[n], 0, P, zero)


@njit(**_SER)
def gru_backward_step(t, t_next, lengths, rec, dh_carry, dy, yoff, gates, hn_all, hprev,
                      dpre_x, dhh):
    """dpre_x[t]: gradient of x W_i2h^T + b_i2h per gate; dhh[t]: of h W_h2h^T + b_h2h."""
    N, H = dh_carry.shape
    one = gates.dtype.type(1)
    zero = gates.dtype.type(0)
    dh = np.empty(H, gates.dtype)
    for n in range(N):
        nxt = t_next >= 0 and t_next < lengths[n]
        dx = dpre_x[t, n]
        dr = dhh[t, n]
        if t >= lengths[n]:
            _carry(n, nxt, rec, dh_carry, H)
            _fill(dx, 0, 3 * H, zero)
            _fill(dr, 0, 3 * H, zero)
            continue
        _incoming(dh, n, nxt, rec, dh_carry, dy, t, yoff, H)
        g = gates[t, n]
        hn = hn_all[t, n]
        hp = hprev[t, n]
        for j in range(H):
            nn = g[2 * H + j]
            z = g[H + j]
            dnp = dh[j] * (one - z) * (one - nn * nn)
            dx[2 * H + j] = dnp
            dx[H + j] = dh[j] * (hp[j] - nn) * z * (one - z)
        for j in range(H):
            r = g[j]
            dx[j] = dx[2 * H + j] * hn[j] * r * (one - r)
        for j in range(H):
            dr[j] = dx[j]
            dr[H + j] = dx[H + j]
            dr[2 * H + j] = dx[2 * H + j] * g[j]
        dc = dh_carry[n]
        for j in range(H):
            dc[j] = dh[j] * g[H + j]


@njit(**_SER)
def rnn_backward_step(t, t_next, lengths, rec, dh_carry, dy, yoff, y, relu, dpre):
    """dpre[t] = dh * act'(pre), act' read from the output h (relu: h > 0, tanh: 1 - h^2)."""
    N, H = dh_carry.shape
    one = dpre.dtype.type(1)
    zero = dpre.dtype.type(0)
    for n in range(N):
        nxt = t_next >= 0 and t_next < lengths[n]
        dp = dpre[t, n]
        if t >= lengths[n]:
            _carry(n, nxt, rec, dh_carry, H)
            _fill(dp, 0, H, zero)
            continue
        _incoming(dp, n, nxt, rec, dh_carry, dy, t, yoff, H)
        _fill(dh_carry[n], 0, H, zero)
        yr = y[t, n]
        if relu:
            for j in range(H):
                dp[j] = dp[j] if yr[yoff + j] > zero else zero
        else:
            for j in range(H):
                h = yr[yoff + j]
                dp[j] = dp[j] * (one - h * h)


@njit(**_SER)
def build_hprev(y, yoff, hx, lengths, reverse, out):
    """out[t, n] = the state step t started from: y of the previous processed step, or hx
    where there is none (first step, or the previous step was past the sample's length)."""
    T, N, R = out.shape
    for t in range(T):
        tp = t + 1 if reverse else t - 1
        for n in range(N):
            if tp >= 0 and tp < T and tp < lengths[n]:
                for j in range(R):
                    out[t, n, j] = y[tp, n, yoff + j]
            else:
                for j in range(R):
                    out[t, n, j] = hx[n, j]


@njit(**_SER)
def final_state_grad(t_last, lengths, rec, dh_carry, out):
    """dL/dh0: the recurrent gradient of the last backward step where it was active."""
    N, R = out.shape
    for n in range(N):
        active = t_last < lengths[n]
        for j in range(R):
            out[n, j] = dh_carry[n, j] + (rec[n, j] if active else 0)
