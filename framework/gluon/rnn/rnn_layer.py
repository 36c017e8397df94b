"""Recurrent layers (mx.gluon.rnn.RNN, LSTM, GRU), as in MXNet 1.9.1.

A layer owns one set of parameters per layer and direction (`l0_i2h_weight`,
`r0_h2h_bias` ...), flattens and joins them with `_rnn_param_concat` in MXNet's packing
order (all weights, then all biases) and runs the whole sequence through the fused `RNN`
operator: one compiled node forward and one backward, imperative or hybridized.
`save_parameters` uses MXNet's structural names (`_unfused.0.l_cell.i2h_weight`).
"""
import re

from ... import ndarray as _nd
from ... import symbol as _sym
from ...base import MXNetValueError
from ...ndarray.ndarray import NDArray
from ..block import HybridBlock
from . import rnn_cell, rnn_cell_containers

__all__ = ["RNN", "LSTM", "GRU"]

_TENSORS = (NDArray, _sym.Symbol)


class _RNNLayer(HybridBlock):
    """Implementation of recurrent layers."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False, **kwargs):
        super(_RNNLayer, self).__init__(**kwargs)
        if layout not in ("TNC", "NTC"):
            raise AssertionError("Invalid layout %s; must be one of ['TNC' or 'NTC']" % layout)
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states = None
        self._gates = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}[mode]

        ng, ni, nh = self._gates, input_size, hidden_size
        nr = self._projection_size or nh
        for i in range(num_layers):
            for j in ["l", "r"][:self._dir]:
                self._register_param("%s%d_i2h_weight" % (j, i), (ng * nh, ni),
                                     i2h_weight_initializer, dtype)
                self._register_param("%s%d_h2h_weight" % (j, i), (ng * nh, nr),
                                     h2h_weight_initializer, dtype)
                self._register_param("%s%d_i2h_bias" % (j, i), (ng * nh,),
                                     i2h_bias_initializer, dtype)
                self._register_param("%s%d_h2h_bias" % (j, i), (ng * nh,),
                                     h2h_bias_initializer, dtype)
                if self._projection_size:
                    self._register_param("%s%d_h2r_weight" % (j, i), (nr, nh),
                                         h2r_weight_initializer, dtype)
            ni = nr * self._dir

    def _register_param(self, name, shape, init, dtype):
        p = self.params.get(name, shape=shape, init=init, allow_deferred_init=True, dtype=dtype)
        setattr(self, name, p)
        return p

    def __repr__(self):
        s = "{name}({mapping}, {layout}"
        if self._num_layers != 1:
            s += ", num_layers={num_layers}"
        if self._dropout != 0:
            s += ", dropout={dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        s += ")"
        shape = self.l0_i2h_weight.shape
        mapping = "{0} -> {1}".format(shape[1] if shape[1] else None, shape[0] // self._gates)
        return s.format(name=self.__class__.__name__, mapping=mapping, layout=self._layout,
                        num_layers=self._num_layers, dropout=self._dropout)

    def _collect_params_with_prefix(self, prefix=""):
        """MXNet's structural names, kept from the unfused (cell stack) implementation."""
        if prefix:
            prefix += "."
        pattern = re.compile(r"(l|r)(\d)_(i2h|h2h|h2r)_(weight|bias)\Z")
        bidirectional = any(pattern.match(k).group(1) == "r" for k in self._reg_params)

        def convert_key(m):
            d, l, g, t = [m.group(i) for i in range(1, 5)]
            if bidirectional:
                return "_unfused.{}.{}_cell.{}_{}".format(l, d, g, t)
            return "_unfused.{}.{}_{}".format(l, g, t)

        ret = {prefix + convert_key(pattern.match(key)): val
               for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def state_info(self, batch_size=0):
        raise NotImplementedError

    def _unfuse(self):
        """The same network as a HybridSequentialRNNCell of cells sharing these parameters."""
        if self._projection_size:
            raise AssertionError("_unfuse does not support projection layer yet!")
        if self._lstm_state_clip_min or self._lstm_state_clip_max:
            raise AssertionError("_unfuse does not support state clipping yet!")
        get_cell = {
            "rnn_relu": lambda **kw: rnn_cell.RNNCell(self._hidden_size, activation="relu", **kw),
            "rnn_tanh": lambda **kw: rnn_cell.RNNCell(self._hidden_size, activation="tanh", **kw),
            "lstm": lambda **kw: rnn_cell.LSTMCell(self._hidden_size, **kw),
            "gru": lambda **kw: rnn_cell.GRUCell(self._hidden_size, **kw)}[self._mode]
        stack = rnn_cell_containers.HybridSequentialRNNCell(prefix=self.prefix,
                                                            params=self.params)
        with stack.name_scope():
            ni = self._input_size
            for i in range(self._num_layers):
                kwargs = {"input_size": ni,
                          "i2h_weight_initializer": self._i2h_weight_initializer,
                          "h2h_weight_initializer": self._h2h_weight_initializer,
                          "i2h_bias_initializer": self._i2h_bias_initializer,
                          "h2h_bias_initializer": self._h2h_bias_initializer}
                if self._dir == 2:
                    stack.add(rnn_cell_containers.BidirectionalCell(
                        get_cell(prefix="l%d_" % i, **kwargs),
                        get_cell(prefix="r%d_" % i, **kwargs)))
                else:
                    stack.add(get_cell(prefix="l%d_" % i, **kwargs))
                if self._dropout > 0 and i != self._num_layers - 1:
                    stack.add(rnn_cell_containers.DropoutCell(self._dropout))
                ni = self._hidden_size * self._dir
        return stack

    def cast(self, dtype):
        super(_RNNLayer, self).cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=_nd.zeros, **kwargs):
        """Initial states (zeros by default): [h] or [h, c], each (L*D, N, H)."""
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            if info is not None:
                info.update(kwargs)
            else:
                info = kwargs
            states.append(func(name="%sh0_%d" % (self.prefix, i), **info))
        return states

    def __call__(self, inputs, states=None, sequence_length=None, **kwargs):
        skip = states is None
        if self._active and skip != self.skip_states:
            self._clear_cached_op()          # the compiled graph's outputs depend on it
        self.skip_states = skip
        if states is None:
            if isinstance(inputs, NDArray):
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
            else:
                states = self.begin_state(0, func=_sym.zeros)
        if isinstance(states, _TENSORS):
            states = [states]
        if self._use_sequence_length:
            return super(_RNNLayer, self).__call__(inputs, states, sequence_length, **kwargs)
        return super(_RNNLayer, self).__call__(inputs, states, **kwargs)

    def infer_shape(self, inputs, *args):
        """Deferred initialization: the first layer's input size comes from the data."""
        if not isinstance(inputs, NDArray):
            return super(_RNNLayer, self).infer_shape(inputs, *args)
        self._get_graph(inputs, *args)       # traced first, as MXNet does (variable shapes
        c = inputs.shape[self._layout.find("C")]   # in an exported graph keep the 0 dims)
        for j in ["l", "r"][:self._dir]:
            p = getattr(self, "%s0_i2h_weight" % j)
            if p.shape and p.shape[1] not in (0, c):
                raise MXNetValueError(
                    "%s: input shape %s (layout %s) does not match %s shape %s: the input size "
                    "must be %d" % (self.name, inputs.shape, self._layout, p.name, p.shape,
                                    p.shape[1]))
            p.shape = (p.shape[0], c)

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        want = len(self.state_info(0))
        if len(states) != want:
            raise MXNetValueError("%s: %s expects %d recurrent state%s, got %d"
                                  % (self.name, self._mode, want, "s" if want > 1 else "",
                                     len(states)))
        if F is _nd:
            batch_size = inputs.shape[self._layout.find("N")]
            if inputs.ndim != 3:
                raise MXNetValueError("%s: input shape %s must be 3-D (layout %s)"
                                      % (self.name, inputs.shape, self._layout))
            w = kwargs["l0_i2h_weight"]
            if inputs.shape[2] != w.shape[1]:
                raise MXNetValueError(
                    "%s: input shape %s (layout %s) does not match l0_i2h_weight shape %s: the "
                    "input size must be %d" % (self.name, inputs.shape, self._layout, w.shape,
                                               w.shape[1]))
            for state, info in zip(states, self.state_info(batch_size)):
                if state.shape != info["shape"]:
                    raise MXNetValueError(
                        "%s: Invalid recurrent state shape. Expecting %s, got %s."
                        % (self.name, str(info["shape"]), str(state.shape)))
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        """Swap to TNC, join the parameters in MXNet's order, run the fused RNN op."""
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, 0, 1)
        gates = ["i2h", "h2h"] + (["h2r"] if self._projection_size is not None else [])
        params = (kwargs["{}{}_{}_{}".format(d, l, g, t)].reshape(-1)
                  for t in ["weight", "bias"]
                  for l in range(self._num_layers)
                  for d in ["l", "r"][:self._dir]
                  for g in gates
                  if g != "h2r" or t != "bias")
        params = F._internal._rnn_param_concat(*params, dim=0)
        args = dict(data=inputs, parameters=params, state=states[0])
        if self._mode == "lstm":
            args["state_cell"] = states[1]
        if self._use_sequence_length:
            args["sequence_length"] = sequence_length
        rnn = F.RNN(use_sequence_length=self._use_sequence_length,
                    state_size=self._hidden_size, projection_size=self._projection_size,
                    num_layers=self._num_layers, bidirectional=self._dir == 2,
                    p=self._dropout, state_outputs=True, mode=self._mode,
                    lstm_state_clip_min=self._lstm_state_clip_min,
                    lstm_state_clip_max=self._lstm_state_clip_max,
                    lstm_state_clip_nan=self._lstm_state_clip_nan, **args)
        if self._mode == "lstm":
            outputs, states = rnn[0], [rnn[1], rnn[2]]
        else:
            outputs, states = rnn[0], [rnn[1]]
        if self._layout == "NTC":
            outputs = F.swapaxes(outputs, 0, 1)
        return outputs, states


def _state(layer, batch_size, size):
    return {"shape": (layer._num_layers * layer._dir, batch_size, size), "__layout__": "LNC",
            "dtype": layer._dtype}


class RNN(_RNNLayer):
    """Multi-layer Elman RNN with tanh or ReLU: h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh).

    Inputs: data (T, N, C) ('TNC') or (N, T, C) ('NTC'); optional states [(L*D, N, H)].
    Outputs: out (T, N, D*H) in the input layout, and the final states when states were given.
    """

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0,
                 bidirectional=False, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 dtype="float32", **kwargs):
        super(RNN, self).__init__(hidden_size, num_layers, layout, dropout, bidirectional,
                                  input_size, i2h_weight_initializer, h2h_weight_initializer,
                                  i2h_bias_initializer, h2h_bias_initializer,
                                  "rnn_" + activation, None, None, None, None, False, dtype,
                                  **kwargs)

    def state_info(self, batch_size=0):
        return [_state(self, batch_size, self._hidden_size)]


class LSTM(_RNNLayer):
    """Multi-layer LSTM (gates i, f, g, o; optional projection and cell-state clipping).

    States: [h (L*D, N, P or H), c (L*D, N, H)].
    """

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 projection_size=None, h2r_weight_initializer=None, state_clip_min=None,
                 state_clip_max=None, state_clip_nan=False, dtype="float32", **kwargs):
        super(LSTM, self).__init__(hidden_size, num_layers, layout, dropout, bidirectional,
                                   input_size, i2h_weight_initializer, h2h_weight_initializer,
                                   i2h_bias_initializer, h2h_bias_initializer, "lstm",
                                   projection_size, h2r_weight_initializer, state_clip_min,
                                   state_clip_max, state_clip_nan, dtype, **kwargs)

    def state_info(self, batch_size=0):
        h = self._projection_size if self._projection_size is not None else self._hidden_size
        return [_state(self, batch_size, h), _state(self, batch_size, self._hidden_size)]


class GRU(_RNNLayer):
    """Multi-layer GRU (cuDNN's variant: the reset gate multiplies W_hn h + b_hn)."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", dtype="float32",
                 **kwargs):
        super(GRU, self).__init__(hidden_size, num_layers, layout, dropout, bidirectional,
                                  input_size, i2h_weight_initializer, h2h_weight_initializer,
                                  i2h_bias_initializer, h2h_bias_initializer, "gru", None, None,
                                  None, None, False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        return [_state(self, batch_size, self._hidden_size)]
