"""MXNet's fused RNN operator (rnn_relu, rnn_tanh, lstm, gru; stacked, bidirectional) and its
backward op.

RNN(data (T, N, C), parameters (flat, see kernels/cpu/rnn_layout.py), state (L*D, N, R),
state_cell (L*D, N, H; lstm only), sequence_length (N,; use_sequence_length only)) ->
output (T, N, D*R) [, state_output (L*D, N, R) [, statecell_output (L*D, N, H)]] when
state_outputs, plus a hidden `reserve` output (what backward reads, like cuDNN's reserve
space).  Formulas: MXNet's documentation (GRU: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).
`p` is dropout on the output of every layer but the last, in training only.  Projection
(lstm, R = projection_size: r_t = W_hr h_t) is what MXNet's oneDNN CPU build computes;
state clipping (c_t clipped to [min, max]; with lstm_state_clip_nan NaN becomes min) and
sequence lengths (steps past a sample's length keep its state and output 0, both
directions) follow cuDNN, which MXNet uses for them on GPU: the CPU build of MXNet 1.9.1
silently ignores clipping (oneDNN) and crashes on sequence lengths.
"""
import numpy as np

from kernels.cpu import rnn_driver as KD
from kernels.cpu.rnn_layout import RnnLayout
from . import rnn_reference as REF
from . import sequence  # noqa: F401  (SequenceMask/Last/Reverse: gluon.rnn's valid_length)
from .dropout import _draw_mask
from .registry import Op, Attr, register, fail, check_dtype, FLOAT_TYPES, REQUIRED
from .tensor_slice import Concat

_MODES = ("gru", "lstm", "rnn_relu", "rnn_tanh")
_LENGTH_TYPES = FLOAT_TYPES + ("int32", "int64", "uint8", "int8")

RNN_ATTRS = dict(
    state_size=Attr("int", REQUIRED), num_layers=Attr("int", REQUIRED),
    bidirectional=Attr("bool", False), mode=Attr("str", REQUIRED, _MODES),
    p=Attr("float", 0.0), state_outputs=Attr("bool", False),
    projection_size=Attr("int_or_none", None),
    lstm_state_clip_min=Attr("float_or_none", None),
    lstm_state_clip_max=Attr("float_or_none", None),
    lstm_state_clip_nan=Attr("bool", False), use_sequence_length=Attr("bool", False))


def check_attrs(attrs):
    """MXNet's (and cuDNN's) attribute checks, before any shape is known."""
    if attrs.state_size < 1:
        fail("state_size must be positive, got %d", attrs.state_size)
    if attrs.num_layers < 1:
        fail("num_layers must be positive, got %d", attrs.num_layers)
    if not 0.0 <= attrs.p < 1.0:
        fail("unsupported dropout value p=%g, should be 0 <= p < 1", attrs.p)
    if attrs.projection_size is not None:
        if attrs.mode != "lstm":
            fail("projection_size=%d: projection is only supported for LSTM (mode is '%s')",
                 attrs.projection_size, attrs.mode)
        if not 1 <= attrs.projection_size <= attrs.state_size:
            fail("projection_size %d must be positive and at most state_size %d",
                 attrs.projection_size, attrs.state_size)
    lo, hi = attrs.lstm_state_clip_min, attrs.lstm_state_clip_max
    if lo is not None or hi is not None:
        if attrs.mode != "lstm":
            fail("state clipping is only supported for LSTM (mode is '%s')", attrs.mode)
        if lo is None or hi is None:
            fail("lstm_state_clip_min and lstm_state_clip_max must be specified together")
        if hi < lo:
            fail("lstm_state_clip_max (%g) must be greater or equal to lstm_state_clip_min (%g)",
                 hi, lo)


def _data_names(attrs):
    names = ["data", "parameters", "state"]
    if attrs.mode == "lstm":
        names.append("state_cell")
    if attrs.use_sequence_length:
        names.append("sequence_length")
    return names


def _state_names(attrs):
    if not attrs.state_outputs:
        return []
    return ["state_output"] + (["statecell_output"] if attrs.mode == "lstm" else [])


def _layout(attrs, dshape):
    check_attrs(attrs)
    if len(dshape) != 3:
        fail("data shape %s: input data should be a rank-3 tensor of dim [sequence length, "
             "batch size, input size]", tuple(dshape))
    return RnnLayout.of(attrs, dshape)


def _input_shapes(attrs, lay):
    shapes = [(lay.T, lay.N, lay.C), (lay.param_size,), lay.state_shape()]
    if attrs.mode == "lstm":
        shapes.append(lay.cell_shape())
    if attrs.use_sequence_length:
        shapes.append((lay.N,))
    return shapes


def _state_shapes(attrs, lay):
    return [lay.state_shape(), lay.cell_shape()][:len(_state_names(attrs))]


def _match(names, given, wants, dshape):
    for name, s, w in zip(names, given, wants):
        if s is not None and tuple(s) != tuple(w):
            fail("%s shape %s does not match data shape %s: expected %s", name, tuple(s),
                 tuple(dshape), tuple(w))


def _reserve_dtype(dtype):
    return "float32" if dtype == "float16" else dtype


def _lengths(attrs, inputs, lay):
    """Per-sample valid lengths as int64 (all T without use_sequence_length)."""
    if not attrs.use_sequence_length:
        return np.full(lay.N, lay.T, np.int64)
    raw = inputs[len(_data_names(attrs)) - 1]
    lengths = raw.astype(np.int64)
    if np.any(lengths < 0) or np.any(lengths > lay.T):
        fail("sequence_length values %s must lie in [0, %d] (the sequence length of "
             "data shape %s)", raw.tolist(), lay.T, (lay.T, lay.N, lay.C))
    return lengths


def _split(attrs, inputs):
    """(data, parameters, state, state_cell or None) from the op inputs."""
    x, params, hx = inputs[:3]
    cx = inputs[3] if attrs.mode == "lstm" else None
    return x, params, hx, cx


def _masks(attrs, lay, octx, dtype):
    """Dropout masks of the layers below the top (drawn in layer order), or None."""
    if not lay.dropout:
        return None
    shape = (lay.T, lay.N, lay.D * lay.R)
    if not octx.is_train:
        return [np.ones(shape, dtype) for _ in range(lay.L - 1)]
    return [_draw_mask(attrs, shape, dtype, octx) for _ in range(lay.L - 1)]


def _wide(a):
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _clip(attrs, dtype):
    return KD.Clip(attrs.lstm_state_clip_min, attrs.lstm_state_clip_max,
                   attrs.lstm_state_clip_nan, np.dtype(dtype))


@register
class RNN(Op):
    """Stacked (bidirectional) vanilla RNN / LSTM / GRU over a whole sequence."""

    name = "RNN"
    attrs = RNN_ATTRS
    arguments = ("data", "parameters", "state", "state_cell", "sequence_length")

    def input_names(self, attrs):
        return _data_names(attrs)

    def output_names(self, attrs):
        return ["output"] + _state_names(attrs) + ["reserve"]

    def num_visible_outputs(self, attrs):
        return 1 + len(_state_names(attrs))

    def json_num_outputs(self, attrs):
        return self.num_visible_outputs(attrs)      # MXNet's RNN has no reserve output

    def infer_shape(self, attrs, in_shapes):
        n_out = self.num_outputs(attrs)
        dshape = in_shapes[0]
        if dshape is None:
            check_attrs(attrs)
            return list(in_shapes), [None] * n_out
        lay = _layout(attrs, dshape)
        wants = _input_shapes(attrs, lay)
        _match(_data_names(attrs), in_shapes, wants, dshape)
        return wants, [lay.out_shape()] + _state_shapes(attrs, lay) + [(lay.reserve_size,)]

    def infer_type(self, attrs, in_types):
        names = _data_names(attrs)
        dt = next((t for n, t in zip(names, in_types) if t is not None and n != "sequence_length"),
                  None)
        check_dtype("data", dt, FLOAT_TYPES)
        n_out = self.num_outputs(attrs)
        if dt is None:
            return list(in_types), [None] * n_out
        out = []
        for n, t in zip(names, in_types):
            if n == "sequence_length":
                check_dtype(n, t, _LENGTH_TYPES)
                out.append(t if t is not None else dt)
            else:
                if t is not None and t != dt:
                    fail("input '%s' has dtype %s but expected %s", n, t, dt)
                out.append(dt)
        return out, [dt] * (n_out - 1) + [_reserve_dtype(dt)]

    def reference(self, attrs, inputs, octx):
        x, params, hx, cx = _split(attrs, inputs)
        lay = _layout(attrs, x.shape)
        lengths = _lengths(attrs, inputs, lay)
        rdt = np.dtype(_reserve_dtype(x.dtype.name))
        masks = _masks(attrs, lay, octx, rdt)
        y, hy, cy, pieces, _, _ = REF.forward(lay, attrs, x, params, hx, cx, lengths, masks)
        reserve = np.zeros(lay.reserve_size, rdt)
        REF.fill_reserve(lay, pieces, masks, reserve)
        outs = [y, hy, cy][:1 + len(_state_names(attrs))]
        return [o.astype(x.dtype) for o in outs] + [reserve]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, params, hx, cx = _split(attrs, inputs)
        lay = _layout(attrs, x.shape)
        lengths = _lengths(attrs, inputs, lay)
        reserve = outputs[-1]
        masks = _masks(attrs, lay, octx, reserve.dtype)
        for l, m in enumerate(masks or ()):
            lay.view(reserve, lay.masks[l])[...] = m
        n_states = len(_state_names(attrs))
        wide = [_wide(a) for a in (x, params, hx)] + [_wide(cx) if cx is not None else None]
        y = outputs[0] if outputs[0].dtype != np.float16 else np.empty(outputs[0].shape, np.float32)
        states = [o if o.dtype != np.float16 else np.empty(o.shape, np.float32)
                  for o in outputs[1:1 + n_states]]
        hy = states[0] if n_states else None
        cy = states[1] if n_states > 1 else None
        KD.forward(lay, wide[0], wide[1], wide[2], wide[3], lengths, y, hy, cy, reserve,
                   masks is not None, _clip(attrs, y.dtype))
        for o, w in zip(outputs, [y] + states):
            if o is not w:
                o[...] = w

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        names = BackwardRNN.input_names(None, attrs)
        values = list(inputs) + [outputs[0], outputs[-1]] + list(out_grads[:len(out_grads) - 1])
        grads = list(F._backward_RNN(**dict(zip(names, values)), **dict(attrs)))
        return grads + ([None] if attrs.use_sequence_length else [])


@register
class BackwardRNN(Op):
    """Gradients of RNN: inputs (data, parameters, state[, state_cell][, sequence_length],
    output, reserve, output grad[, state grad[, state_cell grad]]) -> gradients of data,
    parameters, state[, state_cell]."""

    name = "_backward_RNN"
    attrs = RNN_ATTRS
    arguments = ("data", "parameters", "state", "state_cell", "sequence_length", "output",
                 "reserve", "ograd", "ograd_state_output", "ograd_statecell_output")
    differentiable = False

    def input_names(self, attrs):
        return (_data_names(attrs) + ["output", "reserve", "ograd"]
                + ["ograd_" + n for n in _state_names(attrs)])

    def output_names(self, attrs):
        return [n + "_grad" for n in _data_names(attrs) if n != "sequence_length"]

    def infer_shape(self, attrs, in_shapes):
        n_out = self.num_outputs(attrs)
        dshape = in_shapes[0]
        if dshape is None:
            return list(in_shapes), [None] * n_out
        lay = _layout(attrs, dshape)
        ins = _input_shapes(attrs, lay)
        wants = (ins + [lay.out_shape(), (lay.reserve_size,), lay.out_shape()]
                 + _state_shapes(attrs, lay))
        _match(self.input_names(attrs), in_shapes, wants, dshape)
        return wants, ins[:n_out]

    def infer_type(self, attrs, in_types):
        names = self.input_names(attrs)
        dt = in_types[0]
        check_dtype("data", dt, FLOAT_TYPES)
        if dt is None:
            return list(in_types), [None] * self.num_outputs(attrs)
        out = []
        for n, t in zip(names, in_types):
            want = {"sequence_length": t or dt, "reserve": _reserve_dtype(dt)}.get(n, dt)
            if t is not None and t != want:
                fail("input '%s' has dtype %s but expected %s", n, t, want)
            out.append(want)
        return out, [dt] * self.num_outputs(attrs)

    def _unpack(self, attrs, inputs):
        k = len(_data_names(attrs))
        x, params, hx, cx = _split(attrs, inputs)
        y, reserve, dy = inputs[k:k + 3]
        dstates = list(inputs[k + 3:]) + [None, None]
        return x, params, hx, cx, y, reserve, dy, dstates[0], dstates[1]

    def reference(self, attrs, inputs, octx):
        x, params, hx, cx, _, reserve, dy, dhy, dcy = self._unpack(attrs, inputs)
        lay = _layout(attrs, x.shape)
        lengths = _lengths(attrs, inputs, lay)
        masks = ([lay.view(reserve, lay.masks[l]).astype(np.float64) for l in range(lay.L - 1)]
                 if lay.dropout else None)
        dx, dparams, dhx, dcx = REF.backward(lay, attrs, x, params, hx, cx, lengths, masks,
                                             dy, dhy, dcy)
        outs = [dx, dparams, dhx] + ([dcx] if attrs.mode == "lstm" else [])
        return [o.astype(x.dtype) for o in outs]

    def _cpu(self, attrs, inputs, outputs, octx):
        x, params, hx, cx, y, reserve, dy, dhy, dcy = self._unpack(attrs, inputs)
        lay = _layout(attrs, x.shape)
        lengths = _lengths(attrs, inputs, lay)
        w = [_wide(a) if a is not None else None for a in (x, params, hx, cx, y, dy, dhy, dcy)]
        grads = [o if o.dtype != np.float16 else np.empty(o.shape, np.float32) for o in outputs]
        dcx = grads[3] if attrs.mode == "lstm" else None
        KD.backward(lay, w[0], w[1], w[2], w[3], lengths, w[4], reserve, w[5], w[6], w[7],
                    grads[0], grads[1], grads[2], dcx, lay.dropout, _clip(attrs, grads[0].dtype))
        for o, g in zip(outputs, grads):
            if o is not g:
                o[...] = g

    @property
    def kernels(self):
        return {"cpu": self._cpu}


@register
class RnnParamConcat(Concat):
    """MXNet's `_rnn_param_concat` (what gluon's RNN layers use to join their flattened
    weights into the RNN parameter vector): Concat under its own name."""

    name = "_rnn_param_concat"
    aliases = ()

    def infer_shape_backward(self, attrs, in_shapes, out_shapes):
        """MXNet's RNNParamConcatShape: one unknown 1-D input takes the rest of the known
        output (the deferred first-layer weight of a gluon RNN layer)."""
        out = out_shapes[0]
        unknown = [i for i, s in enumerate(in_shapes) if s is None or 0 in s]
        if out is None or len(out) != 1 or len(unknown) != 1:
            return None
        if any(s is not None and len(s) != 1 for s in in_shapes):
            return None
        rest = out[0] - sum(s[0] for i, s in enumerate(in_shapes) if i != unknown[0])
        if rest <= 0:
            return None
        shapes = list(in_shapes)
        shapes[unknown[0]] = (rest,)
        return shapes
