"""fold_batchnorm: Convolution -> BatchNorm pairs of graphs without gradients become one
ConvBatchNorm node whose kernel applies inference BatchNorm in the convolution's epilogue.
What is folded and what is not (gradients, a shared convolution output, another axis), and
the folded executor equals the unfused one in inference and in training mode, on the
Winograd and the im2col paths, with and without bias and fix_gamma."""
import numpy as np
import pytest

import framework as mx
from compiler.pipeline import Options

RNG = np.random.default_rng(11)


def _net(channels, no_bias, fix_gamma, extra_use=False, axis=1, bn_used_twice=False):
    data = mx.sym.Variable("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=channels,
                              no_bias=no_bias, name="conv")
    bn = mx.sym.BatchNorm(conv, fix_gamma=fix_gamma, axis=axis, name="bn")
    out = mx.sym.Activation(bn, act_type="relu")
    if bn_used_twice:
        out = out * bn
    return out + conv if extra_use else out


def _bind(sym, channels, options, grad_req="null"):
    shape = (2, channels, 6, 5)
    ex = sym.simple_bind(mx.cpu(), data=shape, grad_req=grad_req, options=options)
    rng = np.random.default_rng(3)
    for name, arr in list(ex.arg_dict.items()) + list(ex.aux_dict.items()):
        values = rng.uniform(0.5, 1.5, arr.shape) if "var" in name or "gamma" in name \
            else rng.standard_normal(arr.shape)
        arr[:] = values.astype(np.float32)
    return ex


def _ops(ex):
    return [n.op.name for n in ex._plan.graph.nodes if not n.is_variable]


@pytest.mark.parametrize("channels", [16, 4])          # Winograd / im2col
@pytest.mark.parametrize("no_bias", [True, False])
@pytest.mark.parametrize("fix_gamma", [True, False])
def test_folded_pair_equals_unfused(channels, no_bias, fix_gamma):
    sym = _net(channels, no_bias, fix_gamma)
    folded = _bind(sym, channels, Options())
    plain = _bind(sym, channels, Options(fuse=False))
    assert "_ConvBatchNorm" in _ops(folded) and "Convolution" not in _ops(folded)
    assert "Activation" not in _ops(folded)              # the relu joined the node
    assert "_ConvBatchNorm" not in _ops(plain)
    for is_train in (False, True):
        got = folded.forward(is_train=is_train)[0].asnumpy()
        want = plain.forward(is_train=is_train)[0].asnumpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_relu_joins_only_when_it_alone_reads_the_batchnorm():
    sym = _net(16, True, False, bn_used_twice=True)
    folded = _bind(sym, 16, Options())
    plain = _bind(sym, 16, Options(fuse=False))
    assert "_ConvBatchNorm" in _ops(folded)
    assert any(n.op.name == "_FusedElementwise" or n.op.name == "Activation"
               for n in folded._plan.graph.nodes if not n.is_variable)
    np.testing.assert_allclose(folded.forward()[0].asnumpy(), plain.forward()[0].asnumpy(),
                               rtol=1e-5, atol=1e-5)


def test_graphs_with_gradients_are_not_folded():
    ex = _bind(_net(16, True, False), 16, Options(), grad_req="write")
    assert "_ConvBatchNorm" not in _ops(ex) and "Convolution" in _ops(ex)


def test_shared_convolution_output_and_other_axes_are_not_folded():
    ex = _bind(_net(16, True, False, extra_use=True), 16, Options())
    assert "_ConvBatchNorm" not in _ops(ex)
    ex = _bind(_net(16, True, False, axis=2), 16, Options())
    assert "_ConvBatchNorm" not in _ops(ex)


def test_hybridized_resnet_block_inference_matches_imperative():
    net = mx.gluon.model_zoo.vision.resnet18_v1(classes=10)
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(RNG.standard_normal((2, 3, 32, 32)).astype(np.float32))
    net(x)
    for p in net.collect_params().values():
        if p.name.endswith(("running_mean", "running_var", "gamma", "beta")):
            p.set_data(mx.nd.array(RNG.uniform(0.5, 1.5, p.shape).astype(np.float32)))
    want = net(x).asnumpy()
    net.hybridize()
    got = net(x).asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
    with mx.autograd.record():          # training graph: not folded, gradients as before
        loss = net(x).sum()
    loss.backward()
    assert np.isfinite(net.collect_params()["resnetv10_conv0_weight"].grad().asnumpy()).all()
