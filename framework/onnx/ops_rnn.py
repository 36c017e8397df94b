"""The fused RNN operator as ONNX RNN / GRU / LSTM nodes, one per layer.

MXNet's flat parameter vector (kernels/cpu/rnn_layout.py: all weights layer by layer and
direction by direction, i2h then h2h, then all biases in the same order) stays one
initializer; each layer's W, R and B are Slice + Reshape + Gather views of it (ONNX Runtime
folds them), with the gates reordered: MXNet's LSTM gates are (i, f, g, o), ONNX's
(i, o, f, c); MXNet's GRU (r, z, n), ONNX's (z, r, h) with linear_before_reset=1 (MXNet
computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).  ONNX's Y (T, D, N, H) becomes
MXNet's (T, N, D*H).  Inference: dropout `p` is ignored.  Not exportable: LSTM projection
and state clipping (ONNX's `clip` clips the gate inputs, not the cell)."""
from kernels.cpu.rnn_layout import RnnLayout
from ._registry import converter

_ORDER = {"lstm": [0, 3, 1, 2], "gru": [1, 0, 2], "rnn_relu": [0], "rnn_tanh": [0]}
_ONNX_OP = {"lstm": "LSTM", "gru": "GRU", "rnn_relu": "RNN", "rnn_tanh": "RNN"}


def _gate_block(g, flat, entry, gates, order):
    """(1, G*H, cols) from a (G*H, cols) or (G*H,) block of the flat vector, gates reordered."""
    off, shape = entry
    size = 1
    for d in shape:
        size *= d
    block = g.op("Slice", [flat, g.ints([off], "starts"), g.ints([off + size], "ends"),
                           g.ints([0], "axes")])
    rows = shape[0]
    cols = shape[1] if len(shape) > 1 else 1
    block = g.reshape(block, [gates, rows // gates, cols])
    if order != list(range(gates)):
        block = g.op("Gather", [block, g.ints(order, "gates")], axis=0)
    return g.reshape(block, [1, rows] + ([cols] if len(shape) > 1 else []))


def _direction_tensors(g, flat, lay, layer, order):
    """Per direction: (W (1, G*H, in), R (1, G*H, H), B (1, 2*G*H))."""
    ws, rs, bs = [], [], []
    for d in range(lay.D):
        w = lay.weights[layer, d]
        b = lay.biases[layer, d]
        ws.append(_gate_block(g, flat, w["i2h"], lay.G, order))
        rs.append(_gate_block(g, flat, w["h2h"], lay.G, order))
        bs.append(g.op("Concat", [_gate_block(g, flat, b["i2h"], lay.G, order),
                                  _gate_block(g, flat, b["h2h"], lay.G, order)], axis=1))
    cat = (lambda xs: xs[0]) if lay.D == 1 else (lambda xs: g.op("Concat", xs, axis=0))
    return cat(ws), cat(rs), cat(bs)


def _layer_states(g, state, layer, D):
    return g.op("Slice", [state, g.ints([layer * D], "starts"), g.ints([(layer + 1) * D], "ends"),
                          g.ints([0], "axes")])


@converter("RNN")
def rnn(g, n):
    a = n.attrs
    if a.projection_size is not None:
        n.fail("LSTM projection (projection_size) has no ONNX equivalent")
    if a.lstm_state_clip_min is not None or a.lstm_state_clip_max is not None:
        n.fail("LSTM state clipping has no ONNX equivalent")
    lay = RnnLayout.of(a, n.in_shape(0))
    H, D = lay.H, lay.D
    order = _ORDER[a.mode]
    names = n.node.input_names()
    x, flat, hx = n.input(0), n.input(1), n.input(2)
    cx = n.input(names.index("state_cell")) if a.mode == "lstm" else None
    seq = ""
    if a.use_sequence_length:
        seq = g.cast(n.input(names.index("sequence_length")), "int32")
    attrs = dict(hidden_size=H, direction="bidirectional" if D == 2 else "forward")
    if a.mode == "gru":
        attrs["linear_before_reset"] = 1
    if a.mode in ("rnn_relu", "rnn_tanh"):
        attrs["activations"] = ["Relu" if a.mode == "rnn_relu" else "Tanh"] * D
    hs, cs = [], []
    for layer in range(lay.L):
        w, r, b = _direction_tensors(g, flat, lay, layer, order)
        ins = [x, w, r, b, seq, _layer_states(g, hx, layer, D)]
        if a.mode == "lstm":
            ins.append(_layer_states(g, cx, layer, D))
        outs = g.op(_ONNX_OP[a.mode], ins, n_out=3 if a.mode == "lstm" else 2, **attrs)
        y = g.op("Transpose", [outs[0]], perm=[0, 2, 1, 3])          # (T, N, D, H)
        last = layer == lay.L - 1
        x = g.reshape(y, [0, 0, D * H], n.out(0) if last else None)      # T, N stay free
        hs.append(outs[1])
        if a.mode == "lstm":
            cs.append(outs[2])
    result = [x]
    if a.state_outputs:
        stack = (lambda xs, o: g.op("Identity", xs, o)) if lay.L == 1 else \
            (lambda xs, o: g.op("Concat", xs, o, axis=0))
        result.append(stack(hs, n.out(1)))
        if a.mode == "lstm":
            result.append(stack(cs, n.out(2)))
    return result
