"""MXNet 1.9.1 spot checks for Activation, LeakyReLU, softmax, Dropout and the normalization
layers: literal values printed by real MXNet 1.9.1, its quirks, and bad input."""
import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

nd = mx.nd


def A(x, dtype="float32"):
    return nd.array(np.asarray(x, dtype=dtype), dtype=dtype)


def run(op, arrays, attrs=None, head=None, train=False, grad_idx=(0,), backward_train=True):
    """Forward (recorded) and backward of output 0; returns (outputs, input grads, inputs)."""
    ins = [A(a) if not isinstance(a, nd.NDArray) else a for a in arrays]
    for i in grad_idx:
        ins[i].attach_grad()
    with mx.autograd.record(train_mode=train):
        out = getattr(nd, op)(*ins, **(attrs or {}))
    outs = out if isinstance(out, (list, tuple)) else [out]
    hg = np.ones(outs[0].shape) if head is None else np.asarray(head, np.float64)
    mx.autograd.backward(outs[0], A(hg), train_mode=backward_train)
    return [o.asnumpy() for o in outs], [ins[i].grad.asnumpy() for i in grad_idx], ins


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b, np.float64), rtol=tol, atol=tol)


X5 = [[-2.0, -0.5, 0.0, 0.7, 3.0]]


# --- Activation ---------------------------------------------------------------------------

@pytest.mark.parametrize("act,y,g", [
    ("relu", [0, 0, 0, 0.7, 3, 25], [0, 0, 0, 1, 1, 1]),
    ("sigmoid", [0.1192029, 0.3775406, 0.5, 0.6681878, 0.9525741, 1],
     [0.1049936, 0.2350037, 0.25, 0.2217129, 0.0451767, 0]),
    ("tanh", [-0.9640276, -0.4621172, 0, 0.6043678, 0.9950548, 1],
     [0.0706508, 0.7864477, 1, 0.6347396, 0.009866, 0]),
    ("softrelu", [0.1269281, 0.474077, 0.6931472, 1.103186, 3.0485873, 25],
     [0.1192029, 0.3775406, 0.5, 0.6681878, 0.9525741, 1]),
    ("softsign", [-0.6666667, -0.3333333, 0, 0.4117647, 0.75, 0.9615384],
     [0.1111111, 0.4444444, 1, 0.3460208, 0.0625, 0.0014793]),
])
def test_activation_matches_mxnet(act, y, g):
    (out,), (grad,), _ = run("Activation", [[[-2.0, -0.5, 0.0, 0.7, 3.0, 25.0]]],
                             {"act_type": act})
    close(out[0], y)
    close(grad[0], g)


def test_relu_of_nan_is_zero_like_mxnet():
    out = nd.Activation(A([np.nan, -np.inf, np.inf]), act_type="relu").asnumpy()
    close(out, [0, 0, np.inf])
    assert np.isnan(nd.LeakyReLU(A([np.nan])).asnumpy()[0])


def test_activation_bad_input():
    with pytest.raises(MXNetError, match="Activation.*act_type"):
        nd.Activation(A([[1.0]]))
    with pytest.raises(MXNetError, match="Activation.*act_type"):
        nd.Activation(A([[1.0]]), act_type="swish")
    with pytest.raises(MXNetError, match="Activation.*int32"):
        nd.Activation(A([[1, 2]], "int32"), act_type="relu")


# --- LeakyReLU ----------------------------------------------------------------------------

@pytest.mark.parametrize("act,y,g", [
    ("leaky", [-0.5, -0.125, 0, 0.7, 3], [0.25, 0.25, 0.25, 1, 1]),
    ("elu", [-0.2161662, -0.0983673, 0, 0.7, 3], [0.0338338, 0.1516327, 0.25, 1, 1]),
    # MXNet's selu gradient: lambda * (y + alpha) on the negative side, not the derivative
    ("selu", [-1.5201665, -0.6917582, 0, 0.7354907, 3.152103],
     [0.1608588, 1.0312682, 1.7580993, 1.050701, 1.050701]),
    ("gelu", [-0.0455001, -0.1542688, 0, 0.5306255, 2.99595],
     [-0.0852319, 0.1325049, 0.5, 0.9766141, 1.0119456]),
])
def test_leaky_relu_family_matches_mxnet(act, y, g):
    (out,), (grad,), _ = run("LeakyReLU", [X5], {"act_type": act})
    close(out[0], y)
    close(grad[0], g)


def test_rrelu_inference_two_outputs_and_mxnet_gradient():
    x = [[-1.0, -2.0, 3.0, -0.5], [1.0, -4.0, -1.0, 2.0]]
    (out, mask), (grad,), _ = run("LeakyReLU", [x], {"act_type": "rrelu"})
    y = [[-0.2295, -0.459, 3.0, -0.11475], [1.0, -0.918, -0.2295, 2.0]]
    close(out, y)
    # MXNet 1.9.1's inference backward multiplies by the OUTPUT on the negative side
    close(grad, [[-0.2295, -0.459, 1.0, -0.11475], [1.0, -0.918, -0.2295, 1.0]])
    close(mask, y)


def test_rrelu_training_draws_slopes_in_bounds():
    mx.random.seed(3)
    x = -np.ones((50, 40))
    (out, mask), (grad,), _ = run("LeakyReLU", [x], {"act_type": "rrelu", "lower_bound": 0.2,
                                                     "upper_bound": 0.3}, head=2 * np.ones(x.shape),
                                  train=True)
    assert mask.min() >= 0.2 and mask.max() <= 0.3 and mask.std() > 0.02
    close(out, -mask)
    close(grad, 2 * mask)


def test_prelu_matches_mxnet():
    x = np.arange(-6, 6, dtype=np.float64).reshape(2, 3, 2)
    (out,), (gx, gg), _ = run("LeakyReLU", [x, [0.1, 0.2, 0.3]], {"act_type": "prelu"},
                              head=np.full(x.shape, 2.0), grad_idx=(0, 1))
    close(out.ravel(), [-0.6, -0.5, -0.8, -0.6, -0.6, -0.3, 0, 1, 2, 3, 4, 5])
    close(gx.ravel(), [0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.2, 2, 2, 2, 2, 2])
    close(gg, [-22, -14, -6])
    close(nd.LeakyReLU(A(x), A([0.5]), act_type="prelu").asnumpy().ravel()[:3], [-3, -2.5, -2])
    close(nd.LeakyReLU(A([-1.0, 2.0, -3.0]), A([0.5, 0.25, 0.1]), act_type="prelu").asnumpy(),
          [-0.5, 2, -0.3])


def test_leaky_relu_bad_input():
    with pytest.raises(MXNetError, match=r"LeakyReLU.*gamma shape \(2,\).*\(2, 3, 4\)"):
        nd.LeakyReLU(nd.ones((2, 3, 4)), A([1.0, 2.0]), act_type="prelu")
    with pytest.raises(MXNetError, match="LeakyReLU.*int32"):
        nd.LeakyReLU(A([[1, 2]], "int32"))
    with pytest.raises(MXNetError, match="LeakyReLU.*act_type"):
        nd.LeakyReLU(A([1.0]), act_type="swish")


# --- softmax family ------------------------------------------------------------------------

D = [[1.0, 2.0, 3.0, 4.0], [4.0, 1.0, 0.5, -1.0]]


def test_softmax_length_masks_like_mxnet():
    out = nd.softmax(A(D), A([2, 3], "int32"), use_length=True).asnumpy()
    close(out, [[0.268941, 0.731059, 0, 0], [0.925939, 0.0461, 0.027961, 0]])
    out = nd.softmax(A(D), A([1, 2, 1, 2], "int64"), use_length=True, axis=0).asnumpy()
    close(out, [[1, 0.731059, 1, 0.993307], [0, 0.268941, 0, 0.006693]])
    # length 0 gives a zero row; lengths beyond n are clipped to n here (MXNet reads past the
    # row there: its result does not even sum to 1)
    out = nd.softmax(A(D), A([0, 5], "int32"), use_length=True).asnumpy()
    close(out, [[0, 0, 0, 0], [0.9201982, 0.045814, 0.0277876, 0.0062002]])
    _, (g,), _ = run("softmax", [D, nd.array([2, 3], dtype="int32")], {"use_length": True},
                     head=[[1, 2, 3, 4], [5, 6, 7, 8]])
    close(g, [[-0.196612, 0.196612, 0, 0], [-0.094466, 0.041397, 0.053069, 0]])


def test_softmax_temperature_and_variants():
    _, (g,), _ = run("softmax", [[[1.0, 2.0, 3.0]]], {"temperature": 2.0}, head=[[1, 0, 0]])
    close(g, [[0.0758036, -0.02861894, -0.04718466]])
    (y,), (g,), _ = run("log_softmax", [[[1.0, 2.0, 3.0]]], {"temperature": 2.0},
                        head=[[1, 0, 0]])
    close(y, [[-1.68027, -1.18027, -0.68027]])
    close(g, [[0.406838, -0.153598, -0.25324]])
    (y,), (g,), _ = run("softmin", [[[1.0, 2.0, 3.0]]], {"temperature": 2.0}, head=[[1, 0, 0]])
    close(g, [[-0.124979, 0.07779435, 0.04718466]])
    close(nd.softmin(A(D), temperature=2).asnumpy(),
          [[0.455054, 0.276004, 0.167405, 0.101536], [0.042701, 0.191372, 0.245726, 0.520202]])
    assert nd.softmax(A(D), dtype="float64").dtype == np.float64
    assert nd.log_softmax(A(D, "float16"), dtype="float32").dtype == np.float32


def test_softmax_activation_modes_and_mxnet_backward():
    x = np.arange(8).reshape(1, 2, 2, 2) * 0.5
    close(nd.SoftmaxActivation(A(x), mode="channel").asnumpy().ravel(), [0.119203] * 4 + [0.880797] * 4)
    close(nd.SoftmaxActivation(A(x)).asnumpy().ravel(), [0.377541, 0.622459] * 4)   # last axis
    x3 = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4))
    og = np.random.default_rng(1).uniform(-1, 1, (2, 3, 4))
    (y,), (g,), _ = run("SoftmaxActivation", [x3], head=og)
    # MXNet 1.9.1 reduces over axis 1 in the backward even in instance mode
    close(g, y * (og - (og * y).sum(axis=1, keepdims=True)))


def test_softmax_bad_input():
    with pytest.raises(MXNetError, match=r"softmax.*axis 1 is out of range.*\(3,\)"):
        nd.softmax(A([1.0, 2.0, 3.0]), axis=1)
    with pytest.raises(MXNetError, match="softmax.*int32"):
        nd.softmax(A([1, 2, 3], "int32"))
    with pytest.raises(MXNetError, match=r"softmax.*length shape \(3,\).*\(2, 4\)"):
        nd.softmax(A(D), A([2, 3, 4], "int32"), use_length=True)
    with pytest.raises(MXNetError, match="softmax.*length.*float32"):
        nd.softmax(A(D), A([2, 3]), use_length=True)
    with pytest.raises(MXNetError, match="log_softmax.*use_length"):
        nd.log_softmax(A(D), use_length=True)
    with pytest.raises(MXNetError, match=r"SoftmaxActivation.*channel.*\(1, 3\)"):
        nd.SoftmaxActivation(A([[1.0, 2.0, 3.0]]), mode="channel")


# --- Dropout ---------------------------------------------------------------------------------

def test_dropout_inference_is_identity():
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    close(nd.Dropout(A(x), p=0.5).asnumpy(), x)
    with mx.autograd.train_mode():
        close(nd.Dropout(A(x), p=0.0).asnumpy(), x)


def test_dropout_training_statistics_and_gradient():
    mx.random.seed(11)
    x = np.ones((200, 100))
    (out,), (g,), _ = run("Dropout", [x], {"p": 0.25}, head=np.full(x.shape, 3.0), train=True)
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    close(out[kept], 1 / 0.75)
    close(g, np.where(kept, 3 / 0.75, 0.0))
    mx.random.seed(11)
    with mx.autograd.train_mode():
        again = nd.Dropout(A(x), p=0.25).asnumpy()
    close(again, out)                                   # the seed fixes the mask


def test_dropout_axes_and_always():
    mx.random.seed(5)
    x = np.arange(1, 25, dtype=np.float64).reshape(2, 3, 4)
    with mx.autograd.train_mode():
        out = nd.Dropout(A(x), p=0.5, axes=(1,)).asnumpy()
    ratio = out / x
    assert set(np.unique(ratio)) <= {0.0, 2.0}
    assert (ratio == ratio[:, :1, :]).all()                 # one mask value along axis 1
    always = nd.Dropout(A(np.ones((100, 100))), p=0.5, mode="always").asnumpy()
    assert 0.4 < (always == 0).mean() < 0.6


def test_dropout_bad_input():
    with pytest.raises(MXNetError, match=r"Dropout.*p must be in \[0, 1\].*\(2, 3\)"):
        nd.Dropout(nd.ones((2, 3)), p=1.5)
    with pytest.raises(MXNetError, match="Dropout.*p must be"):
        nd.Dropout(nd.ones((2, 3)), p=-0.1)
    with pytest.raises(MXNetError, match=r"Dropout.*axes entry 5 is out of range.*\(2, 3\)"):
        nd.Dropout(nd.ones((2, 3)), axes=(5,))
    with pytest.raises(MXNetError, match="Dropout.*int32"):
        nd.Dropout(A([[1, 2]], "int32"))


# --- BatchNorm -------------------------------------------------------------------------------

BN_X = np.arange(12).reshape(3, 2, 2) * 1.0 + np.array([0, 5]).reshape(1, 2, 1)


def _bn(train, backward_train=None, **attrs):
    ins = [A(BN_X), A([2.0, 3.0]), A([0.5, -0.5]), A([1.0, 2.0]), A([3.0, 4.0])]
    for a in ins[:3]:
        a.attach_grad()
    with mx.autograd.record(train_mode=train):
        outs = nd.BatchNorm(*ins, output_mean_var=True, **attrs)
    after_forward = (ins[3].asnumpy().copy(), ins[4].asnumpy().copy())
    head = A(np.arange(12).reshape(3, 2, 2) * 0.1)
    mx.autograd.backward(outs[0], head, train_mode=train if backward_train is None else backward_train)
    return [o.asnumpy() for o in outs], after_forward, ins


def test_batchnorm_training_matches_mxnet():
    (out, mean, invstd), fwd, ins = _bn(True, fix_gamma=False)
    close(out.ravel(), [-2.2238147, -1.6185224, -4.585722, -3.677784, 0.1973539, 0.802646,
                        -0.9539691, -0.0460309, 2.6185224, 3.2238147, 2.677784, 3.585722])
    close(mean, [4.5, 11.5])
    close(invstd, [0.302646, 0.302646])                    # the hidden `var` is 1/sqrt(var+eps)
    close(ins[0].grad.asnumpy().ravel(),
          [-2.5e-5, -1.94e-5, -3.75e-5, -2.92e-5, -2.8e-6, 2.8e-6, -4.2e-6, 4.1e-6, 1.95e-5, 2.5e-5,
           2.91e-5, 3.76e-5], tol=2e-6)
    close(ins[1].grad.asnumpy(), [1.9823316, 1.9823319])
    # moving stats: unchanged by the forward, updated by the BACKWARD (biased batch variance)
    close(fwd[0], [1.0, 2.0])
    close(fwd[1], [3.0, 4.0])
    close(ins[3].asnumpy(), [1.35, 2.95])
    close(ins[4].asnumpy(), [3.791667, 4.691667])


def test_batchnorm_fix_gamma_and_inference():
    (out, mean, invstd), _, ins = _bn(True)
    close(ins[1].grad.asnumpy(), [0, 0])                   # fix_gamma=True: zero gamma grad
    close(ins[1].asnumpy(), [2.0, 3.0])                    # (MXNet would set gamma to 1)
    (out, mean, invstd), fwd, ins = _bn(False, fix_gamma=False)
    close(out.ravel(), [-0.6545082, 0.5, 6.999063, 8.498876, 3.9635248, 5.118033, 12.998314,
                        14.498126, 8.581557, 9.736066, 18.997564, 20.497375])
    close(mean, [1.0, 2.0])
    close(invstd, [0.577254, 0.499938])
    close(ins[3].asnumpy(), [1.0, 2.0])                    # no update in inference
    close(ins[4].asnumpy(), [3.0, 4.0])
    # inference backward: dx = og * gamma * invstd, gamma grad from the moving stats
    close(ins[0].grad.asnumpy(), (np.arange(12).reshape(3, 2, 2) * 0.1)
          * (np.array([2.0, 3.0]) * np.array([0.577254, 0.499938])).reshape(1, 2, 1), tol=1e-4)
    _, _, ins = _bn(True, use_global_stats=True, fix_gamma=False)
    close(ins[3].asnumpy(), [1.0, 2.0])                    # use_global_stats: no update


def test_batchnorm_bad_input():
    d = nd.ones((2, 3))
    with pytest.raises(MXNetError, match=r"BatchNorm.*gamma shape \(4,\).*\(2, 3\)"):
        nd.BatchNorm(d, nd.ones((4,)), nd.ones((3,)), nd.ones((3,)), nd.ones((3,)))
    with pytest.raises(MXNetError, match=r"BatchNorm.*moving_var shape \(2,\).*\(2, 3\)"):
        nd.BatchNorm(d, nd.ones((3,)), nd.ones((3,)), nd.ones((3,)), nd.ones((2,)))
    with pytest.raises(MXNetError, match=r"BatchNorm.*channel axis 2 is out of range"):
        nd.BatchNorm(d, *[nd.ones((3,))] * 4, axis=2)
    with pytest.raises(MXNetError, match="BatchNorm.*gamma.*float16.*float32"):
        nd.BatchNorm(A(np.ones((2, 3)), "float16"), *[A(np.ones(3), "float16")] * 4)
    with pytest.raises(MXNetError, match="BatchNorm.*momentum"):
        nd.BatchNorm(d, *[nd.ones((3,))] * 4, momentum="fast")


# --- LayerNorm, InstanceNorm, L2Normalization, LRN ----------------------------------------------

def test_layernorm_matches_mxnet():
    (y,), (gx, gg, gb), _ = run("LayerNorm", [[[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]], [1.0, 2.0, 0.5],
                                              [0.0, 0.0, 0.0]],
                                head=[[1.0, 0, 0], [0, 1.0, 0.5]], grad_idx=(0, 1, 2))
    close(y, [[-1.0690414, -0.5345206, 0.6681509], [-0.3922316, -1.961158, 0.6864052]])
    close(gx, [[0.2290824, -0.3436199, 0.1145376], [-0.5657182, 0.42429, 0.1414281]])
    close(gg, [-1.0690414, -0.980579, 0.6864052])
    close(gb, [1, 1, 0.5])
    y, mean, std = nd.LayerNorm(A([[1.0, 2.0, 4.0]]), nd.ones((3,)), nd.zeros((3,)),
                                output_mean_var=True)
    close(y.asnumpy(), [[-1.069041, -0.26726, 1.336302]])
    close(mean.asnumpy(), [[2.333333]])
    close(std.asnumpy(), [[1.247223]])


def test_instancenorm_matches_mxnet():
    (y,), (gx, gg, gb), _ = run("InstanceNorm", [[[[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]]], [1.0, 2.0],
                                                 [0.0, 1.0]],
                                head=[[[1.0, 0, 0], [0, 1.0, 0.5]]], grad_idx=(0, 1, 2))
    close(y, [[[-1.0687016, -0.2671755, 1.3358767], [0.2156712, -0.960822, 3.7451506]]])
    close(gx, [[[0.2292036, -0.3434622, 0.1142586], [-0.6334807, 0.4751613, 0.1583194]]])
    close(gg, [-1.0687016, -0.2941234])
    close(gb, [1, 1.5])


@pytest.mark.parametrize("mode,y,g", [
    ("instance", [0.2581989, 0.5163978, 0.7745966, -0.2581989],
     [0.232379, -0.0516398, 0.0516398, 0.2840188]),
    ("channel", [0.3162278, 0.8944272, 0.9486833, -0.4472136],
     [0.2371708, 0.1788854, -0.0790569, 0.3577709]),
    ("spatial", [0.4472136, 0.8944272, 0.9486833, -0.3162278],
     [0.3577709, -0.1788854, 0.1106797, 0.3320391]),
])
def test_l2normalization_matches_mxnet(mode, y, g):
    (out,), (grad,), _ = run("L2Normalization", [[[[1.0, 2.0], [3.0, -1.0]]]], {"mode": mode},
                             head=[[[1.0, 0.0], [0.5, 1.0]]])
    close(out.ravel(), y)
    close(grad.ravel(), g)
    close(nd.L2Normalization(A([[3.0, 4.0]]), eps=1.0).asnumpy(), [[0.5883484, 0.78446454]])


def test_lrn_matches_mxnet():
    x = np.array([1.0, -2.0, 3.0, 0.5, 1.5]).reshape(1, 5, 1, 1)
    (y,), (g,), _ = run("LRN", [x], {"nsize": 3, "alpha": 0.1, "beta": 0.75, "knorm": 1.0},
                        head=np.array([1.0, 0.5, -1.0, 2.0, 0.0]).reshape(1, 5, 1, 1))
    close(y.ravel(), [0.8908199, -1.500657, 2.2801983, 0.3919899, 1.4126016])
    close(g.ravel(), [0.8782213, 0.2421974, -0.5310917, 1.5933323, -0.0425049])
    # an even nsize uses the window c-(nsize-1)//2 .. c+(nsize-1)//2: nsize=2 is the element alone
    close(nd.LRN(nd.ones((2, 3, 1, 1)), nsize=2).asnumpy(), np.full((2, 3, 1, 1), 0.594592))
    close(nd.LRN(A([[1.0, 2.0, 3.0], [0.5, -1, 2]]), nsize=3, alpha=0.1, beta=0.5, knorm=1.0)
          .asnumpy(), [[0.9258201, 1.6514456, 2.5058072], [0.489898, -0.9225312, 1.8516402]])


def test_norm_layers_bad_input():
    with pytest.raises(MXNetError, match=r"LayerNorm.*axis 2 is out of range.*\(2, 3\)"):
        nd.LayerNorm(nd.ones((2, 3)), nd.ones((3,)), nd.ones((3,)), axis=2)
    with pytest.raises(MXNetError, match=r"LayerNorm.*gamma shape \(2,\).*\(2, 3\)"):
        nd.LayerNorm(nd.ones((2, 3)), nd.ones((2,)), nd.ones((3,)))
    with pytest.raises(MXNetError, match=r"InstanceNorm.*rank >= 3.*\(2, 3\)"):
        nd.InstanceNorm(nd.ones((2, 3)), nd.ones((3,)), nd.ones((3,)))
    with pytest.raises(MXNetError, match=r"InstanceNorm.*beta shape \(2,\).*\(2, 3, 4\)"):
        nd.InstanceNorm(nd.ones((2, 3, 4)), nd.ones((3,)), nd.ones((2,)))
    with pytest.raises(MXNetError, match=r"L2Normalization.*3 dimensions.*channel.*\(2, 3\)"):
        nd.L2Normalization(nd.ones((2, 3)), mode="channel")
    with pytest.raises(MXNetError, match=r"LRN.*4-d.*\(2, 3, 4\)"):
        nd.LRN(nd.ones((2, 3, 4)), nsize=3)
    with pytest.raises(MXNetError, match="LRN.*nsize"):
        nd.LRN(nd.ones((2, 3, 4, 4)))
    with pytest.raises(MXNetError, match="LRN.*nsize must be >= 1"):
        nd.LRN(nd.ones((2, 3, 4, 4)), nsize=0)
