"""CUDA RNN and _backward_RNN (rnn_relu, rnn_tanh, lstm, gru; stacked, bidirectional,
LSTM projection and state clipping, sequence lengths, dropout between layers).

The GPU twin of kernels/cpu/rnn_driver.py, same parameter and reserve layouts
(kernels/cpu/rnn_layout.py), same results.  Per layer, both directions run together:
- forward: one GEMM (batched over the directions) for the input projection of all T steps
  into the reserve's gate blocks, then per step one batched GEMM h W_h2h^T and one fused
  gate kernel (rnn_steps.py) over (D, N, H) (with a projection: one more GEMM r = h W_h2r^T
  and a commit kernel);
- backward (BPTT): steps in reverse, each one fused kernel and one batched GEMM
  rec = dgates W_h2h (projection: a head kernel and dr W_h2r first); then the weight
  gradients of all steps as GEMMs over T*N rows, the bias gradients as column sums and
  the input gradient as one GEMM per direction (the second accumulates, beta = 1).
Temporaries come from the device pool (kernels/cuda/memory.py) as one arena per call.
float16 data is computed in float32 (as on the CPU): inputs are widened into the arena and
the results narrowed into the outputs.  Dropout masks are drawn on the device from the
context's Philox stream (philox.py; CPU and GPU draws differ by design) into the reserve.
With use_sequence_length the lengths are read back to the host once per call to raise the
CPU kernel's MXNetError for lengths outside [0, T] (MXNet's cuDNN path copies them to the
host too); nothing else leaves the device.
"""
import numpy as np

from compiler.errors import MXNetTypeError
from . import codegen, memory, philox
from . import gemm as G
from . import rnn_steps as K
from .runtime import check_array, grid_for

_DTYPES = ("float16", "float32", "float64")
ALIGN = 256


class _Arena:
    """Typed views of one pooled device buffer, released after the call."""

    def __init__(self, pool, specs):
        self.pool = pool
        offsets, off = {}, 0
        for name, (size, dtype) in specs.items():
            offsets[name] = off
            off += -(-int(size) * np.dtype(dtype).itemsize // ALIGN) * ALIGN
        self.buf = pool.acquire(max(off, 1))
        self.views = {name: memory.view(self.buf, offsets[name], (int(size),), dtype)
                      for name, (size, dtype) in specs.items()}

    def __getitem__(self, name):
        return self.views[name]

    def get(self, name):
        return self.views.get(name)

    def release(self):
        self.pool.release(self.buf)


def _pool(octx):
    ctx = getattr(octx, "ctx", None)
    if ctx is not None and getattr(ctx, "device_typeid", None) == 2:
        return memory.pool(ctx.device_id)
    return memory.default_pool()


def _flat(a):
    return a.reshape(a.size) if a is not None else None


def _entry(flat, entry):
    """The 1-D view of a layout entry (offset, shape)."""
    off, shape = entry
    return flat[off:off + int(np.prod(shape))]


def _dir_stride(table, l, name, D):
    """Element distance between direction 1's and direction 0's block (0 for one direction)."""
    if D == 1:
        return 0
    return table[l, 1][name][0] - table[l, 0][name][0]


def _reserve_stride(table, l, D):
    return table[l, 1][0] - table[l, 0][0] if D == 2 else 0


def _grid(n):
    return grid_for(max(int(n), 1))


class Clip:
    """LSTM cell clipping settings, typed as the compute dtype."""

    def __init__(self, attrs, dtype):
        self.on = attrs.lstm_state_clip_min is not None
        t = np.dtype(dtype).type
        self.lo = t(attrs.lstm_state_clip_min if self.on else 0)
        self.hi = t(attrs.lstm_state_clip_max if self.on else 0)
        self.nan = bool(attrs.lstm_state_clip_nan)


def _layer_input(lay, l, x, reserve, ws):
    """Input of layer l: the data, or the layer below's output times its dropout mask."""
    if l == 0:
        return x
    below = _entry(reserve, lay.layer_out[l - 1])
    if not lay.dropout:
        return below
    xin = ws["xin"]
    K.multiply[_grid(xin.size)](below, _entry(reserve, lay.masks[l - 1]), xin, xin.size)
    return xin


def _gate_blocks(lay, l, reserve, ws):
    """(buffer, base, direction stride) of the gate blocks, then (base, direction stride) of
    the reserve's cell blocks; rnn_relu/rnn_tanh keep their pre-activations in the arena."""
    D, T, N = lay.D, lay.T, lay.N
    if lay.mode in ("lstm", "gru"):
        g0, c0 = lay.gates[l, 0][0], lay.cells[l, 0][0]
        return (reserve, g0, _reserve_stride(lay.gates, l, D),
                c0, _reserve_stride(lay.cells, l, D))
    return ws.get("pre"), 0, T * N * lay.H, 0, 0


def forward(lay, x, params, hx, cx, lengths, y, hy, cy, reserve, ws, clip, one):
    """Fill y, hy/cy (or None) and the reserve (flat device arrays of the compute dtype)."""
    T, N, H, R, D, P, GH = lay.T, lay.N, lay.H, lay.R, lay.D, lay.P, lay.G * lay.H
    proj = P is not None
    hh, hs, cs = ws["hh"], ws["h_state"], ws.get("c_state")
    for l in range(lay.L):
        out = y if l == lay.L - 1 else _entry(reserve, lay.layer_out[l])
        X = _layer_input(lay, l, x, reserve, ws)
        wst = _dir_stride(lay.weights, l, "i2h", D)
        wx0, wh0 = lay.weights[l, 0]["i2h"][0], lay.weights[l, 0]["h2h"][0]
        b0, bst = lay.biases[l, 0]["i2h"][0], 2 * GH
        gbuf, g0, gst, c0, cst = _gate_blocks(lay, l, reserve, ws)
        G.gemm(X, params[wx0:], gbuf[g0:], T * N, GH, lay.layer_input(l), tb=True, batch=D,
               stride_a=0, stride_b=wst, stride_c=gst, op="RNN")
        memory.copy_into(hs, hx[l * D * N * R:(l + 1) * D * N * R])
        if cs is not None:
            memory.copy_into(cs, cx[l * D * N * H:(l + 1) * D * N * H])
        grid = _grid(D * N * H)
        for s in range(T):
            G.gemm(hs, params[wh0:], hh, N, GH, R, tb=True, batch=D, stride_a=N * R,
                   stride_b=wst, stride_c=N * GH, op="RNN")
            if lay.mode == "lstm":
                K.lstm_forward_step[grid](gbuf, g0, gst, reserve, c0, cst, hh, params, b0, bst,
                                          lengths, cs, ws["hbuf"] if proj else hs, out, D, T, N,
                                          H, R, s, not proj, clip.on, clip.lo, clip.hi, clip.nan,
                                          one)
                if proj:
                    wr0 = lay.weights[l, 0]["h2r"][0]
                    G.gemm(ws["hbuf"], params[wr0:], ws["rbuf"], N, P, H, tb=True, batch=D,
                           stride_a=N * H, stride_b=wst, stride_c=N * P, op="RNN")
                    K.commit_state[_grid(D * N * P)](ws["rbuf"], hs, lengths, out, D, T, N, P, s)
            elif lay.mode == "gru":
                K.gru_forward_step[grid](gbuf, g0, gst, reserve, c0, cst, hh, params, b0, bst,
                                         lengths, hs, out, D, T, N, H, s, one)
            else:
                K.rnn_forward_step[grid](gbuf, hh, params, b0, bst, lengths, hs, out, D, T, N, H,
                                         s, lay.mode == "rnn_relu", one)
        if hy is not None:
            memory.copy_into(hy[l * D * N * R:(l + 1) * D * N * R], hs)
        if cy is not None:
            memory.copy_into(cy[l * D * N * H:(l + 1) * D * N * H], cs)


def _row_batch(buf, T, N, width, s, D):
    """(view, batch stride) of the rows of backward step s in a (D, T, N, width) buffer:
    time T-1-s of direction 0 and s of direction 1."""
    t0 = T - 1 - s
    stride = (T + s - t0) * N * width if D == 2 else 0
    return buf[t0 * N * width:], stride


def backward(lay, x, params, hx, cx, lengths, y, reserve, dy, dhy, dcy, dx, dparams, dhx, dcx,
             ws, clip, one):
    """Fill dx, every entry of dparams, dhx and dcx (lstm) from the output gradients."""
    T, N, H, R, D, P, GH = lay.T, lay.N, lay.H, lay.R, lay.D, lay.P, lay.G * lay.H
    proj = P is not None
    rec, dh_carry, dc_carry, hprev = ws["rec"], ws["dh_carry"], ws.get("dc_carry"), ws["hprev"]
    dpre = ws["dpre"]
    dhh = ws["dhh"] if lay.mode == "gru" else dpre
    zero = one - one
    dy_cur = dy
    for l in range(lay.L - 1, -1, -1):
        y_l = y if l == lay.L - 1 else _entry(reserve, lay.layer_out[l])
        X = _layer_input(lay, l, x, reserve, ws)
        k_in = lay.layer_input(l)
        dx_l = dx if l == 0 else ws["dx%d" % (l % 2)]
        wst = _dir_stride(lay.weights, l, "i2h", D)
        wx0, wh0 = lay.weights[l, 0]["i2h"][0], lay.weights[l, 0]["h2h"][0]
        gbuf, g0, gst, c0, cst = _gate_blocks(lay, l, reserve, ws)
        states = slice(l * D * N * R, (l + 1) * D * N * R)
        cells = slice(l * D * N * H, (l + 1) * D * N * H)
        _start(dh_carry, dhy, states)
        if dc_carry is not None:
            _start(dc_carry, dcy, cells)
        K.build_hprev[_grid(hprev.size)](y_l, hx[states], lengths, hprev, D, T, N, R)
        grid = _grid(D * N * H)
        for s in range(T):
            if lay.mode == "lstm":
                if proj:
                    K.projection_backward_head[_grid(D * N * P)](ws["dr"], rec, dh_carry, dy_cur,
                                                                 lengths, D, T, N, P, s)
                    a, sa = _row_batch(ws["dr"], T, N, P, s, D)
                    G.gemm(a, params[lay.weights[l, 0]["h2r"][0]:], ws["dhin"], N, H, P,
                           batch=D, stride_a=sa, stride_b=wst, stride_c=N * H,
                           op="_backward_RNN")
                K.lstm_backward_step[grid](gbuf, g0, gst, reserve, c0, cst, cx[cells], dpre,
                                           ws["dhin"], ws["hraw"], rec, dh_carry, dc_carry,
                                           dy_cur, lengths, D, T, N, H, s, proj, clip.on,
                                           clip.lo, clip.hi, one)
            elif lay.mode == "gru":
                K.gru_backward_step[grid](gbuf, g0, gst, reserve, c0, cst, hprev, dpre, dhh, rec,
                                          dh_carry, dy_cur, lengths, D, T, N, H, s, one)
            else:
                K.rnn_backward_step[grid](dpre, rec, dh_carry, dy_cur, y_l, lengths, D, T, N, H,
                                          s, lay.mode == "rnn_relu", one)
            a, sa = _row_batch(dhh, T, N, GH, s, D)
            G.gemm(a, params[wh0:], rec, N, R, GH, batch=D, stride_a=sa, stride_b=wst,
                   stride_c=N * R, op="_backward_RNN")
        K.final_state_grad[_grid(D * N * R)](rec, dh_carry, lengths, dhx[states], D, T, N, R)
        if dcx is not None:
            memory.copy_into(dcx[cells], dc_carry)
        _weight_grads(lay, l, X, k_in, dpre, dhh, hprev, ws, params, dparams, zero)
        for d in range(D):
            G.gemm(dpre[d * T * N * GH:], params[wx0 + d * wst:], dx_l, T * N, k_in, GH,
                   beta=0.0 if d == 0 else 1.0, op="_backward_RNN")
        if l > 0:
            if lay.dropout:
                K.multiply[_grid(dx_l.size)](dx_l, _entry(reserve, lay.masks[l - 1]), dx_l,
                                             dx_l.size)
            dy_cur = dx_l


def _start(carry, given, part):
    """A carried gradient starts from the state output's gradient, or zero without one."""
    if given is None:
        codegen.fill(carry, 0, op="_backward_RNN")
    else:
        memory.copy_into(carry, given[part])


def _weight_grads(lay, l, X, k_in, dpre, dhh, hprev, ws, params, dparams, zero):
    """All steps at once: dW_i2h = dpre^T X, dW_h2h = dhh^T h_prev, dW_h2r = dr^T h_raw
    (batched over the directions), biases = column sums of dpre and dhh."""
    T, N, H, R, D, P, GH = lay.T, lay.N, lay.H, lay.R, lay.D, lay.P, lay.G * lay.H
    rows = T * N
    wst = _dir_stride(lay.weights, l, "i2h", D)
    w = lay.weights[l, 0]
    G.gemm(dpre, X, dparams[w["i2h"][0]:], GH, k_in, rows, ta=True, batch=D,
           stride_a=rows * GH, stride_b=0, stride_c=wst, op="_backward_RNN")
    G.gemm(dhh, hprev, dparams[w["h2h"][0]:], GH, R, rows, ta=True, batch=D,
           stride_a=rows * GH, stride_b=rows * R, stride_c=wst, op="_backward_RNN")
    if P is not None:
        G.gemm(ws["dr"], ws["hraw"], dparams[w["h2r"][0]:], P, H, rows, ta=True, batch=D,
               stride_a=rows * P, stride_b=rows * H, stride_c=wst, op="_backward_RNN")
    K.bias_grads[_grid(D * 2 * GH)](dpre, dhh, dparams, lay.biases[l, 0]["i2h"][0], D, rows, GH,
                                    zero)


# --- op adapters -----------------------------------------------------------------------------

def _check_io(op, names, arrays, shapes, dtypes):
    for name, a, shape, dt in zip(names, arrays, shapes, dtypes):
        check_array(op, name, a, shape=shape, dtypes=(dt,))


def _data_dtype(op, x):
    check_array(op, "data", x, ndim=3)
    dt = np.dtype(x.dtype).name
    if dt not in _DTYPES:
        raise MXNetTypeError("%s: argument 'data' has dtype %s; supported: %s"
                             % (op, dt, ", ".join(_DTYPES)))
    return dt


def _lengths(op, attrs, inputs, lay, ws):
    """int64 lengths on the device: T for every sample, or sequence_length checked on the
    host (the CPU kernel's MXNetError for values outside [0, T]) and converted there."""
    from compiler.ops import rnn as ops_rnn
    out = ws["lengths"]
    if not attrs.use_sequence_length:
        codegen.fill(out, lay.T, op=op)
        return out
    k = len(ops_rnn._data_names(attrs)) - 1
    raw = inputs[k]
    check_array(op, "sequence_length", raw, shape=(lay.N,))
    host = [None] * k + [raw.copy_to_host()]
    ops_rnn._lengths(attrs, host, lay)
    memory.copy_into(out, raw)
    return out


def _widened(ws, name, a, wide):
    """a itself, or its float32 copy in the arena (float16 data)."""
    if a is None or not wide:
        return a
    buf = ws[name]
    memory.copy_into(buf, a)
    return buf


def _common_specs(lay, dtype, wide, names_sizes):
    specs = {"lengths": (lay.N, np.int64)}
    if lay.dropout:
        specs["xin"] = (lay.T * lay.N * lay.D * lay.R, dtype)
    if wide:
        for name, size in names_sizes:
            specs[name + "32"] = (size, dtype)
    return specs


def _forward_specs(lay, dtype, wide, arrays):
    T, N, H, R, D, P, GH = lay.T, lay.N, lay.H, lay.R, lay.D, lay.P, lay.G * lay.H
    specs = _common_specs(lay, dtype, wide, arrays)
    specs.update(hh=(D * N * GH, dtype), h_state=(D * N * R, dtype))
    if lay.mode == "lstm":
        specs["c_state"] = (D * N * H, dtype)
    if lay.mode in ("rnn_relu", "rnn_tanh"):
        specs["pre"] = (D * T * N * H, dtype)
    if P is not None:
        specs.update(hbuf=(D * N * H, dtype), rbuf=(D * N * P, dtype))
    return specs


def _rnn_op(op, attrs, inputs, outputs, octx):
    from compiler.ops import rnn as ops_rnn
    name = op.name
    x = inputs[0]
    dt = _data_dtype(name, x)
    lay = ops_rnn._layout(attrs, tuple(x.shape))
    n_in = len(ops_rnn._data_names(attrs)) - int(attrs.use_sequence_length)
    _check_io(name, ops_rnn._data_names(attrs)[:n_in], inputs[:n_in],
              ops_rnn._input_shapes(attrs, lay), [dt] * n_in)
    cdt = ops_rnn._reserve_dtype(dt)
    n_states = len(ops_rnn._state_names(attrs))
    _check_io(name, ["output"] + ops_rnn._state_names(attrs) + ["reserve"], outputs,
              [lay.out_shape()] + ops_rnn._state_shapes(attrs, lay) + [(lay.reserve_size,)],
              [dt] * (1 + n_states) + [cdt])
    wide = dt == "float16"
    flat_in = [_flat(a) for a in inputs[:n_in]] + [None] * (4 - n_in)
    flat_out = [_flat(o) for o in outputs[:1 + n_states]] + [None] * (2 - n_states)
    names = ["x", "params", "hx", "cx", "y", "hy", "cy"]
    arrays = flat_in + flat_out
    ws = _Arena(_pool(octx), _forward_specs(
        lay, cdt, wide, [(n, a.size) for n, a in zip(names, arrays) if a is not None]))
    try:
        lengths = _lengths(name, attrs, inputs, lay, ws)
        x, params, hx, cx = (_widened(ws, n + "32", a, wide) for n, a in zip(names, flat_in))
        y, hy, cy = (ws[n + "32"] if wide and a is not None else a
                     for n, a in zip(names[4:], flat_out))
        reserve = _flat(outputs[-1])
        if not (lay.gates or lay.layer_out):          # nothing to keep: one defined zero
            codegen.fill(reserve, 0, op=name)
        if lay.dropout:
            _draw_masks(lay, attrs.p, reserve, octx, name)
        forward(lay, x, params, hx, cx, lengths, y, hy, cy, reserve, ws, Clip(attrs, cdt),
                np.dtype(cdt).type(1))
        if wide:
            for o, w in zip(flat_out, (y, hy, cy)):
                if o is not None:
                    memory.copy_into(o, w)
    finally:
        ws.release()


def _draw_masks(lay, p, reserve, octx, op):
    """The scaled keep masks (T, N, D*R) of the layers below the top, in layer order: drawn
    from the context's Philox stream in training, ones otherwise."""
    train = bool(getattr(octx, "is_train", False))
    keep = 1.0 - p
    for l in range(lay.L - 1):
        mask = _entry(reserve, lay.masks[l])
        if not train:
            codegen.fill(mask, 1, op=op)
            continue
        seed, offset = philox.next_key(octx, op)
        k0, k1 = philox._split(seed)
        olo, ohi = philox._split(offset)
        philox.dropout_mask_kernel[_grid((mask.size + 3) // 4)](
            mask, mask.size, keep, 1.0 / keep, k0, k1, olo, ohi)


def _backward_specs(lay, dtype, wide, arrays):
    T, N, H, R, D, P, GH = lay.T, lay.N, lay.H, lay.R, lay.D, lay.P, lay.G * lay.H
    specs = _common_specs(lay, dtype, wide, arrays)
    specs.update(rec=(D * N * R, dtype), dh_carry=(D * N * R, dtype),
                 hprev=(D * T * N * R, dtype), dpre=(D * T * N * GH, dtype))
    if lay.mode == "lstm":
        specs["dc_carry"] = (D * N * H, dtype)
    if lay.mode == "gru":
        specs["dhh"] = (D * T * N * GH, dtype)
    if P is not None:
        specs.update(dr=(D * T * N * P, dtype), hraw=(D * T * N * H, dtype),
                     dhin=(D * N * H, dtype))
    else:                        # the LSTM kernel's projection arguments, never read
        specs.update(dhin=(1, dtype), hraw=(1, dtype))
    if lay.L > 1:
        specs.update(dx0=(T * N * D * R, dtype), dx1=(T * N * D * R, dtype))
    return specs


def _backward_rnn_op(op, attrs, inputs, outputs, octx):
    from compiler.ops import rnn as ops_rnn
    name = op.name
    x = inputs[0]
    dt = _data_dtype(name, x)
    lay = ops_rnn._layout(attrs, tuple(x.shape))
    cdt = ops_rnn._reserve_dtype(dt)
    in_names = op.input_names(attrs)
    shapes = ops_rnn._input_shapes(attrs, lay)
    state_shapes = ops_rnn._state_shapes(attrs, lay)
    want = shapes + [lay.out_shape(), (lay.reserve_size,), lay.out_shape()] + state_shapes
    dtypes = [dt] * len(want)
    dtypes[len(shapes) + 1] = cdt
    skip = len(shapes) - 1 if attrs.use_sequence_length else None
    _check_io(name, [n for i, n in enumerate(in_names) if i != skip],
              [a for i, a in enumerate(inputs) if i != skip],
              [s for i, s in enumerate(want) if i != skip],
              [t for i, t in enumerate(dtypes) if i != skip])
    n_out = op.num_outputs(attrs)
    _check_io(name, op.output_names(attrs), outputs, shapes[:n_out], [dt] * n_out)
    _, _, _, _, y, reserve, dy, dhy, dcy = op._unpack(attrs, inputs)
    flat_in = [_flat(a) for a in inputs[:3]] + [_flat(inputs[3]) if lay.mode == "lstm" else None]
    flat_in += [_flat(a) for a in (y, dy, dhy, dcy)]
    flat_out = [_flat(o) for o in outputs] + [None] * (4 - n_out)
    names = ["x", "params", "hx", "cx", "y", "dy", "dhy", "dcy", "dx", "dparams", "dhx", "dcx"]
    arrays = flat_in + flat_out
    wide = dt == "float16"
    ws = _Arena(_pool(octx), _backward_specs(
        lay, cdt, wide, [(n, a.size) for n, a in zip(names, arrays) if a is not None]))
    try:
        lengths = _lengths(name, attrs, inputs, lay, ws)
        args = [_widened(ws, n + "32", a, wide) for n, a in zip(names[:8], flat_in)]
        grads = [ws[n + "32"] if wide and a is not None else a
                 for n, a in zip(names[8:], flat_out)]
        backward(lay, *args[:3], args[3], lengths, args[4], _flat(reserve), *args[5:],
                 *grads, ws, Clip(attrs, cdt), np.dtype(cdt).type(1))
        if wide:
            for o, g in zip(flat_out, grads):
                if o is not None:
                    memory.copy_into(o, g)
    finally:
        ws.release()


KERNELS = {"RNN": _rnn_op, "_backward_RNN": _backward_rnn_op}
