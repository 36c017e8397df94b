"""One tiny graph per converter: exported, checked by onnx.checker, and ONNX Runtime's
outputs compared with our executor's inference forward (is_train=False)."""
import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import framework as mx                                   # noqa: E402
from compiler.ops import registry                        # noqa: E402
from framework.onnx._registry import CONVERTERS          # noqa: E402
from .util import export_and_check, random_inputs, random_params   # noqa: E402

S = mx.sym
X = S.Variable("x")
Y = S.Variable("y")
D = S.Variable("data")


def positive(rng, shape):
    return rng.uniform(0.2, 3.0, shape)


def unit(rng, shape):
    return rng.uniform(-0.9, 0.9, shape)


def ints(high):
    return lambda rng, shape: rng.integers(0, high, shape).astype(np.float64)


def _rnn(mode, layers, dirs, state_outputs):
    ins = [D, S.Variable("rnn_parameters"), S.Variable("state")]
    if mode == "lstm":
        ins.append(S.Variable("state_cell"))
    return S.RNN(*ins, state_size=5, num_layers=layers, mode=mode, bidirectional=dirs == 2,
                 state_outputs=state_outputs, p=0.3, name="rnn")


def halves(rng, shape):
    """Values on .5 ties and near them: rounding modes differ there."""
    return rng.integers(-6, 6, shape) / 2.0 + rng.choice([0.0, 0.1, -0.1], shape)


# (id, symbol factory, input shapes, options: gen, types, opsets, rtol/atol)
CASES = [
    # --- nn layers
    ("conv2d", lambda: S.Convolution(D, kernel=(3, 3), num_filter=4, name="c"),
     {"data": (2, 3, 7, 7)}, {}),
    ("conv2d_stride_pad_dilate_nobias", lambda: S.Convolution(
        D, kernel=(3, 2), stride=(2, 1), pad=(1, 2), dilate=(2, 1), num_filter=4, no_bias=True,
        name="c"), {"data": (2, 3, 9, 8)}, {}),
    ("conv2d_groups", lambda: S.Convolution(D, kernel=(3, 3), num_filter=6, num_group=3, pad=(1, 1),
                                           name="c"), {"data": (1, 6, 5, 5)}, {}),
    ("conv1d", lambda: S.Convolution(D, kernel=(3,), num_filter=2, stride=(2,), name="c"),
     {"data": (2, 3, 9)}, {}),
    ("conv3d", lambda: S.Convolution(D, kernel=(2, 2, 2), num_filter=2, name="c"),
     {"data": (1, 2, 4, 4, 3)}, {}),
    ("deconv", lambda: S.Deconvolution(D, kernel=(3, 3), stride=(2, 2), pad=(1, 1), adj=(1, 1),
                                       num_filter=3, name="d"), {"data": (2, 4, 4, 4)}, {}),
    ("deconv_groups_bias", lambda: S.Deconvolution(D, kernel=(2, 2), num_filter=4, num_group=2,
                                                   no_bias=False, name="d"),
     {"data": (1, 4, 3, 3)}, {}),
    ("deconv_target_shape", lambda: S.Deconvolution(D, kernel=(3, 3), stride=(2, 2),
                                                    target_shape=(8, 8), num_filter=2, name="d"),
     {"data": (1, 3, 4, 4)}, {}),
    ("fc", lambda: S.FullyConnected(D, num_hidden=5, name="fc"), {"data": (3, 4)}, {}),
    ("fc_flatten_4d", lambda: S.FullyConnected(D, num_hidden=5, name="fc"),
     {"data": (2, 3, 2, 2)}, {}),
    ("fc_no_flatten", lambda: S.FullyConnected(D, num_hidden=5, flatten=False, name="fc"),
     {"data": (2, 3, 4)}, {}),
    ("fc_no_bias", lambda: S.FullyConnected(D, num_hidden=5, no_bias=True, name="fc"),
     {"data": (2, 4)}, {}),
    ("fc_no_flatten_no_bias", lambda: S.FullyConnected(D, num_hidden=5, flatten=False,
                                                       no_bias=True, name="fc"),
     {"data": (2, 3, 4)}, {}),
    ("batchnorm", lambda: S.BatchNorm(D, fix_gamma=False, eps=1e-4, name="bn"),
     {"data": (2, 3, 4, 4)}, {}),
    ("batchnorm_fix_gamma_global", lambda: S.BatchNorm(D, use_global_stats=True, name="bn"),
     {"data": (2, 3, 4)}, {}),
    ("batchnorm_axis_last", lambda: S.BatchNorm(D, axis=-1, fix_gamma=False, name="bn"),
     {"data": (2, 3, 4)}, {}),
    ("batchnorm_2d", lambda: S.BatchNorm(D, fix_gamma=False, name="bn"), {"data": (4, 3)}, {}),
    ("batchnorm_mean_var", lambda: S.BatchNorm(D, output_mean_var=True, fix_gamma=False,
                                               name="bn"), {"data": (2, 3, 2)}, {}),
    ("layernorm", lambda: S.LayerNorm(D, name="ln"), {"data": (2, 3, 5)}, {"opsets": (13, 17)}),
    ("layernorm_axis1", lambda: S.LayerNorm(D, axis=1, eps=1e-3, name="ln"),
     {"data": (2, 3, 5)}, {"opsets": (13, 17)}),
    ("instancenorm", lambda: S.InstanceNorm(D, eps=1e-3, name="in"), {"data": (2, 3, 4, 5)}, {}),
    ("l2norm_instance", lambda: S.L2Normalization(D), {"data": (2, 3, 4)}, {}),
    ("l2norm_channel", lambda: S.L2Normalization(D, mode="channel"), {"data": (2, 3, 4)}, {}),
    ("l2norm_spatial", lambda: S.L2Normalization(D, mode="spatial"), {"data": (2, 3, 4, 2)}, {}),
    ("lrn", lambda: S.LRN(D, nsize=3, alpha=0.01, beta=0.5, knorm=1.5), {"data": (2, 5, 3, 3)},
     {}),
    ("dropout", lambda: S.Dropout(D, p=0.5), {"data": (3, 4)}, {}),
    ("embedding", lambda: S.Embedding(D, input_dim=6, output_dim=3, name="emb"),
     {"data": (2, 4)}, {"gen": {"data": lambda rng, s: rng.uniform(-2, 8, s)}}),
    ("take_clip", lambda: S.take(X, Y, axis=1), {"x": (3, 4), "y": (5,)},
     {"gen": {"y": lambda rng, s: rng.uniform(-2, 6, s)}}),
    ("take_wrap", lambda: S.take(X, Y, axis=0, mode="wrap"), {"x": (3, 4), "y": (2, 2)},
     {"gen": {"y": lambda rng, s: rng.integers(-5, 7, s).astype(np.float64)}}),
    # --- pooling: conventions, padding, count_include_pad, global
    ("maxpool", lambda: S.Pooling(D, kernel=(2, 2), stride=(2, 2), pool_type="max"),
     {"data": (2, 3, 6, 6)}, {}),
    ("maxpool_full_pad", lambda: S.Pooling(D, kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                           pool_type="max", pooling_convention="full"),
     {"data": (1, 2, 6, 7)}, {}),
    ("avgpool_valid_pad", lambda: S.Pooling(D, kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                            pool_type="avg"), {"data": (1, 2, 7, 7)}, {}),
    ("avgpool_full_include_pad", lambda: S.Pooling(D, kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                                   pool_type="avg", pooling_convention="full"),
     {"data": (1, 2, 6, 6)}, {}),
    ("avgpool_full_exclude_pad", lambda: S.Pooling(
        D, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", pooling_convention="full",
        count_include_pad=False), {"data": (1, 2, 6, 6)}, {}),
    ("avgpool_full_nopad", lambda: S.Pooling(D, kernel=(2, 2), stride=(2, 2), pool_type="avg",
                                             pooling_convention="full"), {"data": (1, 2, 5, 5)},
     {}),
    ("sumpool_full", lambda: S.Pooling(D, kernel=(2, 2), stride=(2, 2), pad=(1, 0),
                                       pool_type="sum", pooling_convention="full"),
     {"data": (1, 2, 5, 5)}, {}),
    ("lppool2", lambda: S.Pooling(D, kernel=(2, 2), stride=(1, 1), pool_type="lp", p_value=2),
     {"data": (1, 2, 4, 4)}, {}),
    ("lppool3_full", lambda: S.Pooling(D, kernel=(2, 2), stride=(2, 2), pool_type="lp",
                                       p_value=3, pooling_convention="full"),
     {"data": (1, 2, 5, 5)}, {}),
    ("maxpool1d", lambda: S.Pooling(D, kernel=(3,), stride=(2,), pool_type="max"),
     {"data": (2, 3, 8)}, {}),
    ("avgpool3d", lambda: S.Pooling(D, kernel=(2, 2, 2), stride=(2, 2, 2), pool_type="avg"),
     {"data": (1, 2, 4, 4, 4)}, {}),
    ("global_max", lambda: S.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="max"),
     {"data": (2, 3, 4, 5)}, {}),
    ("global_avg", lambda: S.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="avg"),
     {"data": (2, 3, 4, 5)}, {}),
    ("global_sum", lambda: S.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="sum"),
     {"data": (2, 3, 4, 5)}, {}),
    ("global_lp2", lambda: S.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="lp",
                                     p_value=2), {"data": (2, 3, 4, 5)}, {}),
    # --- activations and softmax
    *[("act_" + t, (lambda t=t: S.Activation(D, act_type=t)), {"data": (3, 4)}, {})
      for t in ("relu", "sigmoid", "tanh", "softrelu", "softsign")],
    *[("leaky_" + t, (lambda t=t: S.LeakyReLU(D, act_type=t, slope=0.3)), {"data": (3, 4)}, {})
      for t in ("leaky", "elu", "selu", "gelu", "rrelu")],
    ("gelu_opset20", lambda: S.LeakyReLU(D, act_type="gelu"), {"data": (3, 4)},
     {"opsets": (20,)}),
    ("prelu", lambda: S.LeakyReLU(D, act_type="prelu", name="pr"), {"data": (2, 3, 4)}, {}),
    ("prelu_2d", lambda: S.LeakyReLU(D, act_type="prelu", name="pr"), {"data": (2, 3)}, {}),
    ("relu_sigmoid_softsign_softrelu", lambda: S.softrelu(S.softsign(S.sigmoid(S.relu(D)))),
     {"data": (3, 4)}, {}),
    ("softmax", lambda: S.softmax(D, axis=1), {"data": (2, 3, 4)}, {}),
    ("softmax_temperature_dtype", lambda: S.softmax(D, temperature=2.0, dtype="float64"),
     {"data": (2, 3)}, {}),
    ("log_softmax", lambda: S.log_softmax(D), {"data": (2, 5)}, {}),
    ("softmin", lambda: S.softmin(D, axis=0), {"data": (3, 4)}, {}),
    ("softmax_activation", lambda: S.SoftmaxActivation(D), {"data": (2, 3, 4)}, {}),
    ("softmax_activation_channel", lambda: S.SoftmaxActivation(D, mode="channel"),
     {"data": (2, 3, 4)}, {}),
    ("softmax_output_flatten", lambda: S.SoftmaxOutput(D, name="so"), {"data": (2, 3, 2)}, {}),
    ("softmax_output_multi", lambda: S.SoftmaxOutput(D, multi_output=True, name="so"),
     {"data": (2, 3, 4)}, {}),
    ("softmax_output_preserve", lambda: S.SoftmaxOutput(D, preserve_shape=True, name="so"),
     {"data": (2, 3, 4)}, {}),
    ("regression_outputs", lambda: S.Group([
        S.LinearRegressionOutput(D, name="lin"), S.LogisticRegressionOutput(D, name="log"),
        S.MAERegressionOutput(D, name="mae"), S.MakeLoss(D), S.make_loss(D), S.BlockGrad(D),
        S.identity(D)]),
     {"data": (3, 2)}, {}),
    # --- elementwise, broadcast, scalar
    ("elemwise_arith", lambda: S.Group([X + Y, X - Y, X * Y, X / Y, S.maximum(X, Y),
                                        S.minimum(X, Y), S.op._hypot(X, Y)]),
     {"x": (2, 3), "y": (2, 3)}, {"gen": {"y": positive}}),
    ("pow_mod", lambda: S.Group([S.op._power(X, Y), S.op._mod(Y, X), S.broadcast_mod(X, Y)]),
     {"x": (2, 3), "y": (2, 3)}, {"gen": {"x": positive, "y": positive}}),
    ("mod_signs", lambda: S.Group([S.op._mod(X, Y), S.op._mod_scalar(X, scalar=-1.5),
                                   S.op._rmod_scalar(Y, scalar=2.5)]),
     {"x": (3, 4), "y": (3, 4)},
     {"gen": {"y": lambda rng, s: rng.choice([-2.5, -1.0, 1.5, 3.0], s)}}),
    ("broadcast_arith", lambda: S.Group([
        S.broadcast_add(X, Y), S.broadcast_sub(X, Y), S.broadcast_mul(X, Y),
        S.broadcast_div(X, Y), S.broadcast_maximum(X, Y), S.broadcast_minimum(X, Y),
        S.broadcast_power(S.abs(X), Y), S.broadcast_hypot(X, Y)]),
     {"x": (2, 3, 4), "y": (1, 3, 1)}, {"gen": {"y": positive}}),
    ("compare_logic", lambda: S.Group([
        X == Y, X != Y, X > Y, X >= Y, X < Y, X <= Y, S.broadcast_equal(X, Y),
        S.broadcast_greater(X, Y), S.broadcast_lesser_equal(X, Y),
        S.broadcast_not_equal(X, Y), S.broadcast_greater_equal(X, Y), S.broadcast_lesser(X, Y),
        S.op._logical_and(X, Y), S.op._logical_or(X, Y), S.op._logical_xor(X, Y),
        S.broadcast_logical_and(X, Y), S.broadcast_logical_or(X, Y),
        S.broadcast_logical_xor(X, Y), S.logical_not(X)]),
     {"x": (3, 4), "y": (3, 4)}, {"gen": {"x": ints(3), "y": ints(3)}}),
    ("scalar_ops", lambda: S.Group([
        X + 2, X - 1.5, 3 - X, X * 0.5, X / 4, 2 / X, X ** 2, 2 ** X, X % 1.5, 2.5 % X,
        S.maximum(X, 0.5), S.minimum(X, 0.5), X > 1, X >= 1, X < 1, X <= 1, X == 1, X != 1,
        S.op._hypot_scalar(X, scalar=2), S.op._logical_and_scalar(X, scalar=1),
        S.op._logical_or_scalar(X, scalar=0), S.op._logical_xor_scalar(X, scalar=1)]),
     {"x": (3, 4)}, {"gen": {"x": lambda rng, s: rng.integers(1, 4, s) + rng.choice([0, .5], s)}}),
    ("scalar_int32", lambda: S.Group([X + 2, X * 3, X / 2, X > 1]), {"x": (2, 3)},
     {"types": {"x": "int32"}, "gen": {"x": lambda rng, s: rng.integers(-5, 5, s)}}),
    ("unary_math", lambda: S.Group([
        S.abs(X), S.negative(X), S.exp(X), S.sign(X), S.floor(X), S.ceil(X), S.erf(X),
        S.tanh(X), S.sin(X), S.cos(X), S.tan(X), S.arcsin(X), S.arccos(X), S.arctan(X),
        S.sinh(X), S.cosh(X), S.arcsinh(X), S.arctanh(X), S.square(X), S.expm1(X),
        S.cbrt(X), S.rcbrt(X), S.degrees(X), S.radians(X), S.reciprocal(X)]),
     {"x": (3, 4)}, {"gen": {"x": unit}}),
    ("unary_positive", lambda: S.Group([
        S.log(X), S.sqrt(X), S.rsqrt(X), S.log1p(X), S.log2(X), S.log10(X),
        S.arccosh(X + 1)]), {"x": (3, 4)}, {"gen": {"x": positive}}),
    ("rounding", lambda: S.Group([S.round(X), S.rint(X), S.trunc(X), S.fix(X)]),
     {"x": (4, 6)}, {"gen": {"x": halves}}),
    ("unary_int32", lambda: S.Group([S.sqrt(X), S.abs(X), S.square(X)]), {"x": (2, 3)},
     {"types": {"x": "int32"}, "gen": {"x": lambda rng, s: rng.integers(0, 9, s)}}),
    ("clip", lambda: S.clip(X, -0.3, 0.7), {"x": (3, 4)}, {}),
    ("cast", lambda: S.Group([S.Cast(X, dtype="float64"), S.Cast(X * 3, dtype="int32")]),
     {"x": (3, 4)}, {}),
    ("add_n", lambda: S.Group([S.add_n(X, Y, X), S.ElementWiseSum(X, Y)]),
     {"x": (2, 3), "y": (2, 3)}, {}),
    ("zeros_ones_like", lambda: S.Group([S.zeros_like(X), S.ones_like(X) + X]),
     {"x": (2, 3)}, {}),
    ("where", lambda: S.where(X > 0, X, Y), {"x": (2, 3), "y": (2, 3)}, {}),
    ("where_rows", lambda: S.where(S.sum(X, axis=1) > 0, X, Y), {"x": (3, 2), "y": (3, 2)}, {}),
    ("constants", lambda: S.Group([
        S.zeros((2, 3)) + X, S.ones((2, 3)) * X, S.full((2, 3), 1.5) - X,
        S.op._arange(start=1, stop=7, step=1).reshape((2, 3)) + X,
        S.op._linspace(start=0, stop=1, num=6).reshape((2, 3)), S.op._eye(N=2, M=3) * X]),
     {"x": (2, 3)}, {}),
    # --- RNN (T, N, C) with begin states as inputs
    *[("rnn_%s_L%d_D%d%s" % (mode, L, D, "_states" if so else ""),
       (lambda mode=mode, L=L, D=D, so=so: _rnn(mode, L, D, so)),
       dict({"data": (3, 2, 4), "state": (L * D, 2, 5)},
            **({"state_cell": (L * D, 2, 5)} if mode == "lstm" else {})), {})
      for mode, L, D, so in (("lstm", 1, 1, True), ("lstm", 2, 2, True), ("gru", 1, 2, True),
                             ("gru", 2, 1, False), ("rnn_tanh", 2, 2, True),
                             ("rnn_relu", 1, 1, False))],
    ("rnn_lstm_sequence_length", lambda: S.RNN(
        D, S.Variable("rnn_parameters"), S.Variable("state"), S.Variable("state_cell"),
        S.Variable("seq_len"), state_size=3, num_layers=2, mode="lstm", bidirectional=True,
        use_sequence_length=True, state_outputs=True, name="rnn"),
     {"data": (4, 3, 2), "state": (4, 3, 3), "state_cell": (4, 3, 3), "seq_len": (3,)},
     {"gen": {"seq_len": lambda rng, s: np.array([4, 1, 3])}}),
    # --- shapes
    *[("reshape_" + k, (lambda s=s: S.Reshape(D, shape=s)), {"data": (2, 3, 4)}, {})
      for k, s in (("plain", (4, 6)), ("code0", (0, -1)), ("code_minus1", (-1, 4)),
                   ("code_minus2", (2, -2)), ("code_minus3", (-3, 4)),
                   ("code_minus4", (-4, 1, 2, 3, 4)), ("code_minus4_infer", (-4, -1, 1, -2)),
                   ("mixed", (0, -4, 1, -1, -2)), ("merge_rest", (-3, -2)))],
    ("reshape_reverse", lambda: S.Reshape(D, shape=(-1, 0), reverse=True), {"data": (2, 3, 4)},
     {}),
    ("flatten", lambda: S.Flatten(D), {"data": (2, 3, 2, 2)}, {}),
    ("transpose", lambda: S.Group([S.transpose(D), S.transpose(D, axes=(1, 0, 2))]),
     {"data": (2, 3, 4)}, {}),
    ("swapaxis", lambda: S.SwapAxis(D, dim1=0, dim2=2), {"data": (2, 3, 4)}, {}),
    ("expand_squeeze", lambda: S.Group([S.expand_dims(D, axis=1), S.expand_dims(D, axis=-1),
                                        S.squeeze(S.expand_dims(D, axis=0)),
                                        S.squeeze(S.expand_dims(D, axis=2), axis=2)]),
     {"data": (2, 3)}, {}),
    ("squeeze_all_ones", lambda: S.squeeze(D), {"data": (1, 1)}, {}),
    ("concat", lambda: S.Concat(X, Y, X, dim=1), {"x": (2, 3), "y": (2, 4)}, {}),
    ("stack", lambda: S.stack(X, Y, axis=1), {"x": (2, 3), "y": (2, 3)}, {}),
    ("slice", lambda: S.Group([S.slice(D, begin=(0, 1), end=(2, None)),
                               S.slice(D, begin=(None, -1, 3), end=(None, None, 0),
                                       step=(1, -1, -2)),
                               S.slice(D, begin=(1,), end=(-1,))]),
     {"data": (3, 4, 5)}, {}),
    ("slice_axis", lambda: S.Group([S.slice_axis(D, axis=1, begin=1, end=3),
                                    S.slice_axis(D, axis=-1, begin=-3, end=None)]),
     {"data": (2, 4, 5)}, {}),
    ("slice_like", lambda: S.slice_like(X, Y), {"x": (3, 4), "y": (2, 3)}, {}),
    ("split", lambda: S.SliceChannel(D, num_outputs=3, axis=1, name="sp"), {"data": (2, 6, 2)},
     {}),
    ("split_squeeze", lambda: S.split(D, num_outputs=2, axis=-1, squeeze_axis=True, name="sp"),
     {"data": (2, 3, 2)}, {}),
    ("broadcast_to_axis_like", lambda: S.Group([
        S.broadcast_to(X, shape=(2, 0, 4)), S.broadcast_axis(X, axis=2, size=3),
        S.broadcast_like(X, Y)]), {"x": (2, 3, 1), "y": (2, 3, 5)}, {}),
    ("tile_repeat_reverse", lambda: S.Group([
        S.tile(D, reps=(2, 1)), S.tile(D, reps=(2, 1, 2)), S.repeat(D, repeats=2, axis=1),
        S.repeat(D, repeats=2), S.reverse(D, axis=(0, 1))]), {"data": (2, 3)}, {}),
    ("pad", lambda: S.Group([S.Pad(D, mode="constant", pad_width=(0, 0, 0, 0, 1, 2, 2, 1),
                                   constant_value=1.5),
                             S.Pad(D, mode="edge", pad_width=(0, 0, 0, 0, 1, 1, 2, 0)),
                             S.Pad(D, mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 1, 1))]),
     {"data": (1, 2, 3, 3)}, {}),
    ("reshape_like_shape_size", lambda: S.Group([S.reshape_like(X, Y), S.shape_array(X),
                                                 S.size_array(X)]),
     {"x": (2, 6), "y": (3, 4)}, {}),
    # --- reductions and products
    ("reduce", lambda: S.Group([
        S.sum(D, axis=1), S.mean(D, axis=(0, 2), keepdims=True), S.max(D), S.min(D, axis=-1),
        S.prod(D, axis=1, exclude=True), S.sum(D, axis=(), keepdims=True),
        S.mean(D, axis=1, exclude=True, keepdims=True), S.nansum(D, axis=0),
        S.nanprod(D, axis=2)]), {"data": (2, 3, 4)}, {"opsets": (13, 18)}),
    ("norm", lambda: S.Group([S.norm(D), S.norm(D, ord=1, axis=1),
                              S.norm(D, axis=(1, 2), keepdims=True)]),
     {"data": (2, 3, 4)}, {"opsets": (13, 18)}),
    ("argmax_argmin", lambda: S.Group([S.argmax(D, axis=1), S.argmin(D, axis=-1, keepdims=True),
                                       S.argmax(D), S.argmax_channel(D)]),
     {"data": (2, 3, 4)}, {}),
    ("dot", lambda: S.Group([S.dot(X, Y), S.dot(X, X, transpose_b=True),
                             S.dot(Y, Y, transpose_a=True)]),
     {"x": (2, 3), "y": (3, 4)}, {}),
    ("dot_nd", lambda: S.Group([S.dot(X, Y), S.dot(X, S.transpose(Y), transpose_b=True)]),
     {"x": (2, 2, 3), "y": (3, 2, 2)}, {}),
    ("dot_vectors", lambda: S.Group([S.dot(X, Y), S.dot(X, S.Reshape(S.tile(Y, reps=(3,)),
                                                                     shape=(3, 3)))]),
     {"x": (3,), "y": (3,)}, {}),
    ("batch_dot", lambda: S.Group([S.batch_dot(X, Y), S.batch_dot(X, X, transpose_b=True),
                                   S.batch_dot(Y, Y, transpose_a=True)]),
     {"x": (2, 3, 4), "y": (2, 4, 5)}, {}),
]


def _params(case):
    cid, factory, shapes, opts = case
    sym = factory()
    types = opts.get("types")
    inputs = random_inputs(shapes, types, gen=opts.get("gen"))
    return sym, random_params(sym, shapes, types=types), inputs, opts


@pytest.mark.parametrize("case", [pytest.param(c, id=c[0]) for c in CASES])
def test_op(case, tmp_path):
    sym, params, inputs, opts = _params(case)
    for opset in opts.get("opsets", (None,)):
        export_and_check(sym, params, inputs, tmp_path, opset=opset)


def test_every_converter_has_a_case():
    """Each registered converter is exercised by a case above (through the ops its graph
    contains)."""
    used = set()
    for _, factory, _, _ in CASES:
        sym = factory()
        for node in sym._nodes():
            if not node.is_variable:
                used.add(node.op.name)
    assert set(CONVERTERS) - used == set()
    assert all(registry.get(k).name == k for k in CONVERTERS)
