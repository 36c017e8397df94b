"""Op cases for make_golden_ops.py, part 2: linear algebra, NN layers, losses (MXNet venv only)."""
import numpy as np
import mxnet as mx

from golden_ops_lib import case, internal_case, U, N, A, I, HALVES, RNG  # noqa: F401



# ---------------------------------------------------------------------------------------------
# linalg
# ---------------------------------------------------------------------------------------------

def linalg():
    case("dot_2d", "dot", [("lhs", U((2, 3))), ("rhs", U((3, 4)))])
    case("dot_ta", "dot", [("lhs", U((3, 2))), ("rhs", U((3, 4)))], {"transpose_a": True})
    case("dot_tb", "dot", [("lhs", U((2, 3))), ("rhs", U((4, 3)))], {"transpose_b": True})
    case("dot_tab", "dot", [("lhs", U((3, 2))), ("rhs", U((4, 3)))],
         {"transpose_a": True, "transpose_b": True})
    case("dot_1d_1d", "dot", [("lhs", U((3,))), ("rhs", U((3,)))], note="shape (1,)")
    case("dot_2d_1d", "dot", [("lhs", U((2, 3))), ("rhs", U((3,)))])
    case("dot_1d_2d", "dot", [("lhs", U((3,))), ("rhs", U((3, 2)))])
    case("dot_3d_2d", "dot", [("lhs", U((2, 3, 4))), ("rhs", U((4, 2)))])
    case("dot_3d_3d", "dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 2, 2)))],
         note="contracts last axis of lhs with first axis of rhs")
    case("dot_f64", "dot", [("lhs", U((2, 3), dtype="float64")),
                           ("rhs", U((3, 2), dtype="float64"))])
    case("batch_dot", "batch_dot", [("lhs", U((2, 2, 3))), ("rhs", U((2, 3, 4)))])
    case("batch_dot_ta", "batch_dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 3, 4)))],
         {"transpose_a": True})
    case("batch_dot_tb", "batch_dot", [("lhs", U((2, 2, 3))), ("rhs", U((2, 4, 3)))],
         {"transpose_b": True})
    case("batch_dot_tab", "batch_dot", [("lhs", U((2, 3, 2))), ("rhs", U((2, 4, 3)))],
         {"transpose_a": True, "transpose_b": True})
    x3 = U((2, 3, 4))
    case("FullyConnected_flatten", "FullyConnected",
         [("data", x3), ("weight", U((5, 12))), ("bias", U((5,)))], {"num_hidden": 5})
    case("FullyConnected_noflatten", "FullyConnected",
         [("data", x3), ("weight", U((5, 4))), ("bias", U((5,)))],
         {"num_hidden": 5, "flatten": False})
    case("FullyConnected_nobias", "FullyConnected", [("data", U((2, 3))), ("weight", U((4, 3)))],
         {"num_hidden": 4, "no_bias": True})


# ---------------------------------------------------------------------------------------------
# NN
# ---------------------------------------------------------------------------------------------

def nn():
    x1 = U((2, 3, 7))
    case("Conv1d", "Convolution", [("data", x1), ("weight", U((4, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3,), "num_filter": 4})
    case("Conv1d_stride_pad_dilate", "Convolution",
         [("data", x1), ("weight", U((4, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3,), "num_filter": 4, "stride": (2,), "pad": (1,), "dilate": (2,)})
    x2 = U((2, 3, 5, 5))
    case("Conv2d", "Convolution", [("data", x2), ("weight", U((4, 3, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3, 3), "num_filter": 4})
    case("Conv2d_stride_pad", "Convolution",
         [("data", x2), ("weight", U((4, 3, 3, 3))), ("bias", U((4,)))],
         {"kernel": (3, 3), "num_filter": 4, "stride": (2, 2), "pad": (1, 1)})
    case("Conv2d_dilate_nobias", "Convolution", [("data", x2), ("weight", U((2, 3, 2, 2)))],
         {"kernel": (2, 2), "num_filter": 2, "dilate": (2, 2), "no_bias": True})
    case("Conv2d_group", "Convolution",
         [("data", x2), ("weight", U((6, 1, 3, 3))), ("bias", U((6,)))],
         {"kernel": (3, 3), "num_filter": 6, "num_group": 3, "pad": (1, 1)})
    case("Conv2d_rect", "Convolution",
         [("data", x2), ("weight", U((2, 3, 1, 3))), ("bias", U((2,)))],
         {"kernel": (1, 3), "num_filter": 2, "stride": (1, 2), "pad": (0, 1)})
    xd = U((2, 3, 3, 3))
    case("Deconv2d", "Deconvolution", [("data", xd), ("weight", U((3, 2, 3, 3))),
                                       ("bias", U((2,)))],
         {"kernel": (3, 3), "num_filter": 2, "no_bias": False},
         note="weight shape (in_channels, num_filter/num_group, kh, kw); no_bias default True")
    case("Deconv2d_stride_pad_adj", "Deconvolution", [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "pad": (1, 1), "adj": (1, 1)})
    case("Deconv2d_target_shape_mkldnn_error", "Deconvolution",
         [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "target_shape": (6, 6)},
         expect_error=True, note="the default (MKLDNN) CPU backend of the pip wheel rejects "
                                 "this; see the _native case for the semantics")
    case("Deconv2d_target_shape_native", "Deconvolution",
         [("data", xd), ("weight", U((3, 2, 3, 3)))],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "target_shape": (6, 6)},
         env={"MXNET_MKLDNN_ENABLED": "0"},
         note="computed with MXNET_MKLDNN_ENABLED=0 (native CPU kernel); target_shape "
              "overrides pad/adj")
    case("Deconv2d_group", "Deconvolution",
         [("data", U((1, 4, 2, 2))), ("weight", U((4, 1, 2, 2)))],
         {"kernel": (2, 2), "num_filter": 2, "num_group": 2, "stride": (2, 2)})
    xp = U((2, 2, 5, 5))
    pools = [
        ("max_valid", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"}),
        ("max_full", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max",
                      "pooling_convention": "full"}),
        ("avg_valid", {"kernel": (3, 3), "stride": (2, 2), "pool_type": "avg"}),
        ("avg_pad", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg"}),
        ("avg_pad_nocount", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                             "pool_type": "avg", "count_include_pad": False}),
        ("avg_full", {"kernel": (2, 2), "stride": (2, 2), "pool_type": "avg",
                      "pooling_convention": "full"}),
        ("sum", {"kernel": (2, 2), "stride": (1, 1), "pool_type": "sum"}),
        ("max_pad", {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "max"}),
        ("global_avg", {"kernel": (1, 1), "global_pool": True, "pool_type": "avg"}),
        ("global_max", {"kernel": (1, 1), "global_pool": True, "pool_type": "max"}),
        ("global_max_nokernel", {"global_pool": True, "pool_type": "max"}),
        ("default_stride", {"kernel": (2, 2)}),
    ]
    # is_train=True: the MKLDNN max-pooling backward reads a workspace that only a training-mode
    # forward fills; after an inference-mode forward its gradient is garbage (nondeterministic).
    for tag, at in pools:
        case("Pool2d_" + tag, "Pooling", [("data", xp)], at, is_train=True)
    case("Pool1d_max", "Pooling", [("data", x1)], {"kernel": (3,), "stride": (2,),
                                                  "pool_type": "max"}, is_train=True)
    case("Pool1d_avg_full", "Pooling", [("data", x1)],
         {"kernel": (2,), "stride": (2,), "pool_type": "avg", "pooling_convention": "full"},
         is_train=True, env={"MXNET_MKLDNN_ENABLED": "0"},
         note="oneDNN's backward divides the clipped edge window by 2 although its forward "
              "divided by 1; the native CPU build is self-consistent and is recorded here")
    case("Pool1d_global_sum", "Pooling", [("data", x1)], {"kernel": (1,), "global_pool": True,
                                                         "pool_type": "sum"}, is_train=True)
    xa = U((2, 3, 4), -3, 3)
    for act in ("relu", "sigmoid", "tanh", "softrelu", "softsign"):
        case("Activation_" + act, "Activation", [("data", xa)], {"act_type": act})
    case("LeakyReLU_default", "LeakyReLU", [("data", xa)], note="act_type leaky, slope 0.25")
    case("LeakyReLU_leaky01", "LeakyReLU", [("data", xa)], {"act_type": "leaky", "slope": 0.1})
    case("LeakyReLU_prelu", "LeakyReLU", [("data", xa), ("gamma", A([0.1, 0.2, 0.3]))],
         {"act_type": "prelu"}, note="gamma per channel (axis 1)")
    case("LeakyReLU_prelu_scalar", "LeakyReLU", [("data", xa), ("gamma", A([0.2]))],
         {"act_type": "prelu"}, note="gamma of shape (1,) broadcasts")
    case("LeakyReLU_elu", "LeakyReLU", [("data", xa)], {"act_type": "elu"},
         note="elu default slope (alpha) is 0.25, not 1.0")
    case("LeakyReLU_elu1", "LeakyReLU", [("data", xa)], {"act_type": "elu", "slope": 1.0})
    case("LeakyReLU_selu", "LeakyReLU", [("data", xa)], {"act_type": "selu"})
    case("LeakyReLU_gelu", "LeakyReLU", [("data", xa)], {"act_type": "gelu"})
    case("LeakyReLU_rrelu_eval", "LeakyReLU", [("data", xa)], {"act_type": "rrelu"},
         call=lambda n: mx.nd.LeakyReLU(n[0], act_type="rrelu")[0],
         python="mx.nd.LeakyReLU(x, act_type='rrelu')[0]",
         note="is_train=False: slope = (lower_bound + upper_bound) / 2. rrelu returns TWO "
              "outputs [out, mask]; the mask is uninitialized memory in inference, so only "
              "out0 is stored")
    # BatchNorm
    xb = U((4, 3, 2), -2, 3)
    bn_in = lambda: [("data", xb), ("gamma", A([1.5, 0.5, 2.0])), ("beta", A([0.1, -0.2, 0.3])),
                     ("moving_mean", A([0.2, -0.1, 0.5])), ("moving_var", A([1.2, 0.8, 2.0]))]
    bn_extra = [("moving_mean", lambda n: n[3]), ("moving_var", lambda n: n[4])]
    bn_aux = ("moving_mean", "moving_var")
    case("BatchNorm_train_default", "BatchNorm", bn_in(), is_train=True, nograd=bn_aux,
         extra=bn_extra, note="fix_gamma=True default: gamma treated as 1, its grad is 0")
    case("BatchNorm_train_fixgamma_false", "BatchNorm", bn_in(), {"fix_gamma": False},
         is_train=True, nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_train_global_stats", "BatchNorm", bn_in(),
         {"fix_gamma": False, "use_global_stats": True}, is_train=True, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_eval", "BatchNorm", bn_in(), {"fix_gamma": False}, is_train=False,
         nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_eval_default", "BatchNorm", bn_in(), is_train=False, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_train_eps_mom", "BatchNorm", bn_in(),
         {"fix_gamma": False, "eps": 1e-5, "momentum": 0.5}, is_train=True, nograd=bn_aux,
         extra=bn_extra)
    case("BatchNorm_axis_last", "BatchNorm",
         [("data", U((2, 4, 3))), ("gamma", A([1.5, 0.5, 2.0])), ("beta", A([0.1, -0.2, 0.3])),
          ("moving_mean", A([0.0, 0.0, 0.0])), ("moving_var", A([1.0, 1.0, 1.0]))],
         {"axis": -1, "fix_gamma": False}, is_train=True, nograd=bn_aux, extra=bn_extra)
    case("BatchNorm_output_mean_var", "BatchNorm", bn_in(),
         {"fix_gamma": False, "output_mean_var": True}, is_train=True, nograd=bn_aux,
         extra=bn_extra, note="out1 = batch mean, out2 = inverse std (not var)")
    xl = U((2, 3, 4))
    case("LayerNorm_default", "LayerNorm", [("data", xl), ("gamma", U((4,), 0.5, 1.5)),
                                            ("beta", U((4,)))])
    case("LayerNorm_axis1", "LayerNorm", [("data", xl), ("gamma", U((3,), 0.5, 1.5)),
                                          ("beta", U((3,)))], {"axis": 1, "eps": 1e-3})
    case("InstanceNorm", "InstanceNorm", [("data", xl), ("gamma", U((3,), 0.5, 1.5)),
                                          ("beta", U((3,)))])
    for mode in ("instance", "channel", "spatial"):
        case("L2Normalization_" + mode, "L2Normalization", [("data", xl)], {"mode": mode})
    case("L2Normalization_4d_channel", "L2Normalization", [("data", U((1, 2, 2, 3)))],
         {"mode": "channel"})
    case("LRN", "LRN", [("data", U((1, 5, 2, 2)))], {"nsize": 3})
    case("LRN_params", "LRN", [("data", U((1, 5, 2, 2)))], {"nsize": 5, "alpha": 0.1,
                                                           "beta": 0.5, "knorm": 1.0})
    case("Dropout_eval", "Dropout", [("data", xl)], {"p": 0.5}, is_train=False,
         note="inference: identity")
    case("Dropout_p0_train", "Dropout", [("data", xl)], {"p": 0.0}, is_train=True)
    case("Embedding", "Embedding", [("data", I([[0, 2, 4], [1, 1, 3]])),
                                    ("weight", U((5, 4)))],
         {"input_dim": 5, "output_dim": 4}, nograd=("data",),
         note="repeated indices accumulate into the weight gradient")
    case("Embedding_oob", "Embedding", [("data", I([-1, 7, 2.7])), ("weight", U((5, 2)))],
         {"input_dim": 5, "output_dim": 2}, nograd=("data",),
         note="out-of-range / fractional indices (clipped like take)")
    xs = U((2, 3, 4), -3, 3)
    case("softmax_default", "softmax", [("data", xs)])
    case("softmax_axis1", "softmax", [("data", xs)], {"axis": 1})
    case("softmax_temp", "softmax", [("data", xs)], {"axis": -1, "temperature": 2.0})
    case("softmax_f64", "softmax", [("data", xs.astype("float64"))])
    case("log_softmax_default", "log_softmax", [("data", xs)])
    case("log_softmax_axis0_temp", "log_softmax", [("data", xs)],
         {"axis": 0, "temperature": 0.5})
    case("softmin", "softmin", [("data", xs)])
    case("SoftmaxActivation_instance", "SoftmaxActivation", [("data", xs)],
         note="default mode instance: for N-D input, softmax over the LAST axis only "
              "(FlatTo2D keeps the last axis), not over all non-batch axes")
    case("SoftmaxActivation_instance_2d", "SoftmaxActivation", [("data", U((2, 5), -3, 3))])
    case("SoftmaxActivation_channel", "SoftmaxActivation", [("data", xs)], {"mode": "channel"})
    case("UpSampling_nearest", "UpSampling", [("data", U((1, 2, 2, 3)))],
         {"scale": 2, "sample_type": "nearest"})
    case("UpSampling_nearest3", "UpSampling", [("data", U((1, 1, 2, 2)))],
         {"scale": 3, "sample_type": "nearest"})


# ---------------------------------------------------------------------------------------------
# loss layers (backward ignores the head gradient: checked per case -> head_grad_ignored)
# ---------------------------------------------------------------------------------------------

def losses():
    x = U((4, 5), -2, 2)
    lab = I([0, 3, 1, 4])
    lbl = ("label",)
    so = "SoftmaxOutput"
    case("SoftmaxOutput_default", so, [("data", x), ("label", lab)], is_train=True, nograd=lbl)
    case("SoftmaxOutput_grad_scale", so, [("data", x), ("label", lab)], {"grad_scale": 2.0},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_ignore", so, [("data", x), ("label", I([0, 1, 1, 4]))],
         {"ignore_label": 1, "use_ignore": True}, is_train=True, nograd=lbl)
    case("SoftmaxOutput_ignore_valid", so, [("data", x), ("label", I([0, 1, 1, 4]))],
         {"ignore_label": 1, "use_ignore": True, "normalization": "valid"},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_batch", so, [("data", x), ("label", lab)], {"normalization": "batch"},
         is_train=True, nograd=lbl)
    case("SoftmaxOutput_eval", so, [("data", x), ("label", lab)], is_train=False, nograd=lbl)
    xm = U((2, 3, 4), -2, 2)
    case("SoftmaxOutput_multi", so, [("data", xm), ("label", I([[0, 1, 2, 0], [2, 2, 1, 0]]))],
         {"multi_output": True}, is_train=True, nograd=lbl,
         note="softmax over axis 1; label shape (batch, rest)")
    case("SoftmaxOutput_multi_valid", so,
         [("data", xm), ("label", I([[0, 1, 2, 0], [2, 2, 1, 0]]))],
         {"multi_output": True, "use_ignore": True, "ignore_label": 2,
          "normalization": "valid"}, is_train=True, nograd=lbl)
    case("SoftmaxOutput_preserve", so, [("data", xm), ("label", I([[0, 3, 1], [2, 2, 0]]))],
         {"preserve_shape": True}, is_train=True, nograd=lbl,
         note="softmax over the last axis; label shape data.shape[:-1]")
    case("SoftmaxOutput_smooth", so, [("data", x), ("label", lab)], {"smooth_alpha": 0.1},
         is_train=True, nograd=lbl)
    y = U((3, 2))
    t = U((3, 2))
    for op in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
        case(op, op, [("data", y), ("label", t)], is_train=True, nograd=lbl,
             note="gradient is divided by the number of elements per batch item (num_output)")
        case(op + "_scale", op, [("data", y), ("label", t)], {"grad_scale": 3.0},
             is_train=True, nograd=lbl)
    case("LogisticRegressionOutput_01", "LogisticRegressionOutput",
         [("data", U((4, 1))), ("label", I([[0], [1], [1], [0]]))], is_train=True, nograd=lbl)
    ml = U((2, 3), -1, 1)
    case("MakeLoss_default", "MakeLoss", [("data", ml)], is_train=True)
    case("MakeLoss_scale", "MakeLoss", [("data", ml)], {"grad_scale": 0.5}, is_train=True)
    case("MakeLoss_batch", "MakeLoss", [("data", ml)], {"normalization": "batch"},
         is_train=True)
    case("MakeLoss_valid", "MakeLoss", [("data", ml)],
         {"normalization": "valid", "valid_thresh": 0.1}, is_train=True,
         note="valid: gradient divided by the count of elements > valid_thresh")
    case("BlockGrad", "BlockGrad", [("data", ml)], is_train=True, note="gradient is zero")
    case("stop_gradient", "stop_gradient", [("data", ml)], is_train=True)
    case("softmax_cross_entropy", "softmax_cross_entropy",
         [("data", U((3, 4))), ("label", I([0, 3, 1]))], is_train=True, nograd=lbl,
         note="output shape (1,): summed (not averaged) cross entropy")
