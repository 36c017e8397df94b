"""Loss layers: gradients against MXNet 1.9.1's formulas (the finite-difference check does
not apply: their backward ignores the head gradient), literal values from real MXNet
1.9.1, and bad input."""
import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

nd = mx.nd


def A(x, dtype="float32"):
    return nd.array(np.asarray(x, dtype=dtype), dtype=dtype)


def run(op, data, label=None, head=None, train=True, **attrs):
    """(output, data gradient, label gradient) with a recorded forward and one backward."""
    x = A(data)
    x.attach_grad()
    args = [x]
    lab = None
    if label is not None:
        lab = A(label)
        lab.attach_grad()
        args.append(lab)
    with mx.autograd.record(train_mode=train):
        y = getattr(nd, op)(*args, **attrs)
    hg = np.ones(y.shape) if head is None else head
    y.backward(A(hg))
    return y.asnumpy(), x.grad.asnumpy(), None if lab is None else lab.grad.asnumpy()


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b, np.float64), rtol=tol, atol=tol)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def onehot(label, k):
    return np.eye(k)[np.asarray(label, int)]


X = np.array([[1.0, 2, 3], [1, 0, -1], [0.5, 0.5, 2], [3, 1, 0]])
LAB = np.array([0, 2, 1, 1.0])
RNG = np.random.default_rng(0)


def test_head_gradient_is_ignored():
    for op, label in (("SoftmaxOutput", LAB), ("LinearRegressionOutput", X * 0.5),
                      ("LogisticRegressionOutput", X * 0.1), ("MAERegressionOutput", X * 0.5),
                      ("MakeLoss", None), ("BlockGrad", None)):
        _, g1, _ = run(op, X, label, head=np.ones(X.shape))
        _, g2, _ = run(op, X, label, head=RNG.uniform(-5, 5, X.shape))
        close(g1, g2)


def test_softmax_output_gradient_formula():
    y, g, gl = run("SoftmaxOutput", X, LAB)
    close(y, softmax(X))
    close(g, softmax(X) - onehot(LAB, 3))
    close(gl, np.zeros(4))                                  # the label gets a zero gradient
    close(g[0], [-0.909969, 0.244728, 0.665241])            # real MXNet 1.9.1
    _, g, _ = run("SoftmaxOutput", X, LAB, train=False)     # same in inference mode
    close(g, softmax(X) - onehot(LAB, 3))
    _, g, _ = run("Softmax", X, LAB, grad_scale=2.5, normalization="batch")
    close(g, (softmax(X) - onehot(LAB, 3)) * 2.5 / 4)


def test_softmax_output_ignore_and_valid():
    lab = np.array([0, -1, -1, 1.0])
    _, g, _ = run("SoftmaxOutput", X, lab, use_ignore=True, normalization="valid")
    want = (softmax(X) - onehot(np.maximum(lab, 0), 3)) / 2
    want[1:3] = 0
    close(g, want)
    close(g[3], [0.421897, -0.442902, 0.021005])            # real MXNet 1.9.1
    _, g, _ = run("SoftmaxOutput", X, -np.ones(4), use_ignore=True, normalization="valid")
    close(g, np.zeros((4, 3)))
    # 'valid' counts labels != ignore_label even without use_ignore; those rows keep softmax
    _, g, _ = run("SoftmaxOutput", X, lab, normalization="valid", grad_scale=2)
    close(g, [[-0.909969, 0.244728, 0.665241], [0.665241, 0.244728, 0.090031],
              [0.154281, 0.154281, 0.691438], [0.843795, -0.885805, 0.04201]])


def test_softmax_output_label_values():
    # float labels truncate toward zero; out-of-range labels subtract nothing (MXNet 1.9.1)
    _, g, _ = run("SoftmaxOutput", X, [-1, 3, 2.7, -0.5])
    close(g, [[0.090031, 0.244728, 0.665241], [0.665241, 0.244728, 0.090031],
              [0.154281, 0.154281, -0.308562], [-0.156205, 0.114195, 0.04201]])
    _, g, _ = run("SoftmaxOutput", X, [np.nan, 1, 2, 1])
    close(g[0], softmax(X)[0])


def test_softmax_output_smoothing_and_out_grad():
    _, g, _ = run("SoftmaxOutput", X, LAB, normalization="batch", smooth_alpha=0.3)
    target = np.full((4, 3), 0.15)
    target[np.arange(4), LAB.astype(int)] = 0.7
    close(g, (softmax(X) - target) / 4)
    close(g[0], [-0.152492, 0.023682, 0.12881])
    # out_grad=True multiplies by the OUTPUT, whatever the head gradient (MXNet 1.9.1)
    _, g, _ = run("SoftmaxOutput", X, LAB, head=RNG.uniform(-3, 3, X.shape), out_grad=True)
    close(g, (softmax(X) - onehot(LAB, 3)) * softmax(X))
    close(g[0], [-0.081925, 0.059892, 0.442546])


def test_softmax_output_multi_output_and_preserve_shape():
    xm = np.arange(24.0).reshape(2, 3, 4) / 10
    lm = np.array([[0, 1, 2, 0], [2, 2, 1, -1.0]])
    y, g, _ = run("SoftmaxOutput", xm, lm, multi_output=True, use_ignore=True)
    p = softmax(xm, axis=1)
    close(y, p)
    want = p - np.moveaxis(onehot(np.maximum(lm, 0), 3), 2, 1)
    want[1, :, 3] = 0
    close(g, want / 4)                           # null normalization divides by prod(rest)
    _, g, _ = run("SoftmaxOutput", xm, lm, multi_output=True, use_ignore=True,
                  normalization="batch")
    close(g, want / 8)                           # batch: / label.size
    close(g[0, 0], [-0.098502, 0.026498, 0.026498, -0.098502])
    _, g, _ = run("SoftmaxOutput", xm, lm, multi_output=True, use_ignore=True,
                  normalization="valid")
    close(g, want / 7)
    lp = np.array([[0, 1, 2], [3, 2, -1.0]])
    y, g, _ = run("SoftmaxOutput", xm, lp, preserve_shape=True, use_ignore=True,
                  normalization="batch")
    close(y, softmax(xm))
    want = softmax(xm) - onehot(np.maximum(lp, 0), 4)
    want[1, 2] = 0
    close(g, want / 6)
    # without either flag the data is flattened to (batch, -1); row i uses label.flat[i]
    y, g, _ = run("SoftmaxOutput", xm, lp, normalization="batch")
    p = softmax(xm.reshape(2, 12)).reshape(2, 3, 4)
    close(y, p)
    close(g.reshape(2, 12), (p.reshape(2, 12) - onehot([0, 1], 12)) / 6)


def test_softmax_output_probability_label():
    prob = np.array([[1, 0, 0], [0, 0.5, 0.5], [0, 1, 0], [0.2, 0.3, 0.5]])
    _, g, _ = run("SoftmaxOutput", X, prob, normalization="batch", grad_scale=2.0)
    close(g, (softmax(X) - prob) * 2.0)          # no normalization for probability labels


def test_regression_outputs():
    y = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.3]])
    out, g, gl = run("LinearRegressionOutput", y, t, grad_scale=2.0)
    close(out, y)
    close(g, (y - t) * 2.0 / 3)                  # / num_output = label.size / batch
    close(gl, np.zeros((2, 3)))
    out, g, _ = run("LogisticRegressionOutput", y, t, grad_scale=2.0)
    close(out, 1 / (1 + np.exp(-y)))
    close(g, (out - t) * 2.0 / 3)
    out, g, _ = run("MAERegressionOutput", y, t, grad_scale=2.0)
    close(g, [[-2 / 3, -2 / 3, 2 / 3], [2 / 3, -2 / 3, -2 / 3]])  # sign is -1 at equality
    _, g, _ = run("LinearRegressionOutput", np.ones((3, 1)), np.zeros(3))
    close(g, np.ones((3, 1)))
    _, g, _ = run("LinearRegressionOutput", np.ones((2, 3, 2)), np.zeros((2, 6)))
    close(g, np.full((2, 3, 2), 1 / 6))


def test_makeloss_and_blockgrad():
    m = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, 0.3]])
    out, g, _ = run("MakeLoss", m)
    close(out, m)
    close(g, np.ones((2, 3)))
    close(run("MakeLoss", m, normalization="batch", grad_scale=3)[1], np.full((2, 3), 1.5))
    close(run("MakeLoss", m, normalization="valid", grad_scale=3)[1], np.full((2, 3), 0.75))
    close(run("MakeLoss", m, normalization="valid", valid_thresh=0.2)[1], np.full((2, 3), 1 / 3))
    close(run("MakeLoss", -np.ones((2, 2)), normalization="valid")[1], np.ones((2, 2)))
    out, g, _ = run("BlockGrad", m)
    close(out, m)
    close(g, np.zeros((2, 3)))
    close(run("stop_gradient", m)[1], np.zeros((2, 3)))


def test_softmax_cross_entropy_uses_head_gradient():
    out, g, _ = run("softmax_cross_entropy", X, LAB, head=np.array([1.0]))
    close(out, [8.854038])
    close(g, softmax(X) - onehot(LAB, 3))
    _, g3, _ = run("softmax_cross_entropy", X, LAB, head=np.array([3.0]))
    close(g3, 3 * g)
    close(nd.softmax_cross_entropy(A(X), A([0, 1.7, -0.5, 2])).asnumpy(), [8.854038])


def test_loss_bad_input():
    with pytest.raises(MXNetError, match=r"SoftmaxOutput.*label shape \(3,\).*\(4, 3\)"):
        nd.SoftmaxOutput(A(X), A([0, 1, 2]))
    with pytest.raises(MXNetError, match=r"SoftmaxOutput.*label shape \(1, 3\).*\(2, 3, 4\)"):
        nd.SoftmaxOutput(nd.ones((2, 3, 4)), A([[0, 1, 2]]), multi_output=True)
    with pytest.raises(MXNetError, match="SoftmaxOutput.*label.*int32"):
        nd.SoftmaxOutput(A(X), A([0, 1, 2, 0], "int32"))
    with pytest.raises(MXNetError, match="SoftmaxOutput.*normalization"):
        nd.SoftmaxOutput(A(X), A(LAB), normalization="mean")
    with pytest.raises(MXNetError, match=r"LinearRegressionOutput.*label shape \(2, 3\).*\(3, 2\)"):
        nd.LinearRegressionOutput(nd.ones((3, 2)), nd.ones((2, 3)))
    with pytest.raises(MXNetError, match=r"MAERegressionOutput.*label shape \(3,\).*\(3, 2\)"):
        nd.MAERegressionOutput(nd.ones((3, 2)), nd.ones((3,)))
    with pytest.raises(MXNetError, match=r"softmax_cross_entropy.*2-d data.*\(2, 3, 4\)"):
        nd.softmax_cross_entropy(nd.ones((2, 3, 4)), A([0, 1]))
    with pytest.raises(MXNetError, match=r"softmax_cross_entropy.*1-d label.*\(4, 1\)"):
        nd.softmax_cross_entropy(A(X), A([[0], [1], [2], [0]]))
    with pytest.raises(MXNetError, match=r"softmax_cross_entropy.*\(4, 3\).*\(3,\)"):
        nd.softmax_cross_entropy(A(X), A([0, 1, 2]))
    with pytest.raises(MXNetError, match=r"softmax_cross_entropy.*label 5 at position 1"):
        nd.softmax_cross_entropy(A(X), A([0, 5, 1, 2]))


def test_make_loss_gradient_is_ones_ignoring_head():
    x = mx.nd.array([[1.0, -2.0], [3.0, 0.5]])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.make_loss(x)
    y.backward(mx.nd.array([[5.0, 6.0], [7.0, 8.0]]))
    np.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    np.testing.assert_array_equal(x.grad.asnumpy(), np.ones((2, 2), np.float32))
