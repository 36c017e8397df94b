"""autograd: recording scopes, grad_req, backward, autograd.grad, higher order, errors."""
import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError


def test_scopes_set_recording_and_training():
    assert not mx.autograd.is_recording() and not mx.autograd.is_training()
    with mx.autograd.record():
        assert mx.autograd.is_recording() and mx.autograd.is_training()
        with mx.autograd.pause():
            assert not mx.autograd.is_recording() and not mx.autograd.is_training()
        with mx.autograd.predict_mode():
            assert mx.autograd.is_recording() and not mx.autograd.is_training()
    with mx.autograd.record(train_mode=False):
        assert not mx.autograd.is_training()
    with mx.autograd.train_mode():
        assert mx.autograd.is_training() and not mx.autograd.is_recording()
    assert not mx.autograd.is_recording()


def test_backward_with_fan_in_and_head_grads():
    x = mx.nd.array([1.0, -2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x + x                 # x used three times
    y.backward(mx.nd.array([1.0, 2.0, 0.5]))
    np.testing.assert_allclose(x.grad.asnumpy(), (2 * x.asnumpy() + 1) * [1.0, 2.0, 0.5])


def test_grad_req_add_and_null():
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with mx.autograd.record():
            y = x * 2
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [6, 6])
    z = mx.nd.array([1.0])
    z.attach_grad(grad_req="null")
    with mx.autograd.record():
        w = z * 3
    w.backward()
    np.testing.assert_allclose(z.grad.asnumpy(), [0])
    with pytest.raises(MXNetError, match="grad_req"):
        x.attach_grad(grad_req="bogus")


def test_retain_graph():
    x = mx.nd.array([2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [4.0])
    with pytest.raises(MXNetError, match="retain_graph"):
        y.backward()


def test_backward_outside_record_raises():
    x = mx.nd.array([1.0])
    x.attach_grad()
    y = x * 2
    with pytest.raises(MXNetError, match="computational graph"):
        y.backward()


def test_autograd_grad_leaves_dot_grad_untouched():
    x = mx.nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x * x
    g = mx.autograd.grad(y, x)
    np.testing.assert_allclose(g.asnumpy(), 3 * x.asnumpy() ** 2)
    np.testing.assert_allclose(x.grad.asnumpy(), [0, 0, 0])


def test_second_order_with_create_graph():
    x = mx.nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x * x
        dy = mx.autograd.grad(y, x, create_graph=True)   # 3x^2, recorded
        z = dy * 1.0
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x.asnumpy())


def test_mark_variables_and_multiple_heads():
    a = mx.nd.array([1.0, 2.0])
    b = mx.nd.array([3.0, 4.0])
    ga, gb = mx.nd.zeros((2,)), mx.nd.zeros((2,))
    mx.autograd.mark_variables([a, b], [ga, gb])
    with mx.autograd.record():
        u = a * b
        v = a + 1
    mx.autograd.backward([u, v])
    np.testing.assert_allclose(ga.asnumpy(), b.asnumpy() + 1)
    np.testing.assert_allclose(gb.asnumpy(), a.asnumpy())


def test_writing_into_recorded_array_raises():
    x = mx.nd.array([1.0])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        with pytest.raises(MXNetError, match="computational graph"):
            mx.nd.relu(x, out=y)
