"""Cases for the fused RNN operator and _backward_RNN (T=3, N=2, C=3, H=4)."""
import numpy as np

from compiler.ops import registry
from compiler.ops.registry import OpContext
from kernels.cpu.rnn_layout import RnnLayout
from tests.ops.harness import Case

T, N, C, H = 3, 2, 3, 4


def _attrs(mode, layers=1, bi=False, **kw):
    return dict(state_size=H, num_layers=layers, bidirectional=bi, mode=mode, **kw)


def _forward_inputs(attrs, lengths=None, scale=1.0):
    """data, parameters, state[, state_cell][, sequence_length] for RNN with `attrs`."""
    def make(rng, dtype):
        parsed = registry.get("RNN").parse(attrs)
        lay = RnnLayout.of(parsed, (T, N, C))
        arrays = [rng.uniform(-1, 1, (T, N, C)), rng.uniform(-0.7, 0.7, lay.param_size) * scale,
                  rng.uniform(-1, 1, lay.state_shape())]
        if attrs["mode"] == "lstm":
            arrays.append(rng.uniform(-1, 1, lay.cell_shape()))
        arrays = [a.astype(dtype) for a in arrays]
        if lengths is not None:
            arrays.append(np.array(lengths, np.int32))
        return arrays
    return make


def _backward_inputs(attrs, lengths=None):
    """Consistent inputs for _backward_RNN: the forward inputs, the reference's output and
    reserve, and random output gradients."""
    def make(rng, dtype):
        op = registry.get("RNN")
        parsed = op.parse(attrs)
        ins = _forward_inputs(attrs, lengths)(rng, dtype)
        outs = op.reference(parsed, [a.copy() for a in ins], OpContext(False, None))
        grads = [rng.uniform(-1, 1, o.shape).astype(dtype) for o in outs[:-1]]
        return ins + [outs[0], outs[-1]] + grads
    return make


def _rnn(mode, layers, bi, name, lengths=None, dtypes=("float32", "float64"), **kw):
    attrs = _attrs(mode, layers, bi, **kw)
    return Case("RNN", attrs=attrs, inputs=_forward_inputs(attrs, lengths), dtypes=dtypes,
                name=name, rtol=1e-4, atol=2e-5)


CASES = [
    # every mode: 2 bidirectional layers with state outputs, and 1 plain layer
    _rnn("rnn_relu", 2, True, "relu-l2-bi", state_outputs=True),
    _rnn("rnn_tanh", 2, True, "tanh-l2-bi", state_outputs=True),
    _rnn("lstm", 2, True, "lstm-l2-bi", state_outputs=True,
         dtypes=("float16", "float32", "float64")),
    _rnn("gru", 2, True, "gru-l2-bi", state_outputs=True),
    _rnn("rnn_relu", 1, False, "relu-l1"),
    _rnn("rnn_tanh", 1, False, "tanh-l1", state_outputs=True),
    _rnn("lstm", 1, False, "lstm-l1"),
    _rnn("gru", 1, False, "gru-l1", state_outputs=True),
    # LSTM with projection (r_t = W_hr h_t) and with cell-state clipping
    _rnn("lstm", 2, True, "lstm-proj", state_outputs=True, projection_size=2),
    _rnn("lstm", 1, False, "lstm-clip", state_outputs=True, lstm_state_clip_min=-0.4,
         lstm_state_clip_max=0.45),
    # variable sequence lengths (cuDNN semantics), both directions
    _rnn("gru", 2, True, "gru-seqlen", lengths=[2, 3], state_outputs=True,
         use_sequence_length=True),
    _rnn("lstm", 1, True, "lstm-seqlen", lengths=[3, 1], state_outputs=True,
         use_sequence_length=True),
    _rnn("rnn_tanh", 1, True, "tanh-seqlen", lengths=[0, 2], state_outputs=True,
         use_sequence_length=True),
    # dropout between layers (training): kernel and reference draw the same masks
    Case("RNN", attrs=_attrs("lstm", 2, False, p=0.4, state_outputs=True),
         inputs=_forward_inputs(_attrs("lstm", 2, False, p=0.4, state_outputs=True)),
         is_train=True, name="lstm-dropout", rtol=1e-4, atol=2e-5),
    Case("RNN", attrs=_attrs("gru", 3, False, p=0.5),
         inputs=_forward_inputs(_attrs("gru", 3, False, p=0.5)), is_train=True,
         name="gru-dropout-l3", rtol=1e-4, atol=2e-5),
]

_BACKWARD = [
    ("lstm-l2-bi", _attrs("lstm", 2, True, state_outputs=True), None),
    ("gru-seqlen", _attrs("gru", 2, True, state_outputs=True, use_sequence_length=True), [2, 3]),
    ("relu-l1", _attrs("rnn_relu", 1, False), None),
    ("tanh-l2", _attrs("rnn_tanh", 2, True, state_outputs=True), None),
    ("lstm-proj-seqlen", _attrs("lstm", 2, True, state_outputs=True, projection_size=3,
                                use_sequence_length=True), [1, 3]),
]
CASES += [Case("_backward_RNN", attrs=a, inputs=_backward_inputs(a, lengths), grad=False,
               name=name, rtol=1e-4, atol=2e-5) for name, a, lengths in _BACKWARD]
CASES.append(Case("_backward_RNN", attrs=_BACKWARD[0][1], inputs=_backward_inputs(_BACKWARD[0][1]),
                  grad=False, name="lstm-l2-bi", dtypes=("float16",)))


def _seq_inputs(shape, lengths, dtype_len="float32"):
    def make(rng, dtype):
        return [rng.uniform(-2, 2, shape).astype(dtype), np.array(lengths, dtype_len)]
    return make


_SEQ = dict(use_sequence_length=True)
CASES += [
    Case("SequenceMask", [(3, 2, 4)], name="plain"),
    Case("SequenceMask", attrs=dict(_SEQ, value=-1.5), inputs=_seq_inputs((3, 2, 4), [1, 3]),
         name="len", grad_inputs=[0]),
    Case("SequenceMask", attrs=dict(_SEQ, axis=1), inputs=_seq_inputs((2, 3, 2, 2), [0, 2],
                                                                         "int32"),
         name="axis1"),
    Case("SequenceLast", [(3, 2, 4)], name="plain"),
    Case("SequenceLast", attrs=_SEQ, inputs=_seq_inputs((3, 2, 4), [1, 3]), name="len",
         grad_inputs=[0]),
    Case("SequenceLast", attrs=dict(_SEQ, axis=1), inputs=_seq_inputs((2, 3, 2), [2, 0]),
         name="axis1", grad_inputs=[0]),
    Case("_backward_SequenceLast", attrs=_SEQ, grad=False, name="len",
         inputs=lambda rng, dt: [rng.uniform(-1, 1, (2, 4)).astype(dt),
                                 rng.uniform(-1, 1, (3, 2, 4)).astype(dt),
                                 np.array([3, 2], "float32")]),
    Case("SequenceReverse", [(3, 2, 4)], name="plain"),
    Case("SequenceReverse", attrs=_SEQ, inputs=_seq_inputs((4, 3, 2), [1, 4, 2]), name="len",
         grad_inputs=[0]),
    Case("_rnn_param_concat", [(4, 3), (2, 3)], {"num_args": 2, "dim": 0}),
]
