"""The symbols of the golden files, written once for both MXNet and this project.

Each builder takes the `mx` module (real MXNet 1.9.1 in make_golden_symbols.py, `framework`
in the tests) and returns (symbol, options); make_golden_symbols.py runs each inside a fresh
``mx.name.NameManager()`` so that automatic names do not depend on the order of cases.
Options: ``shapes``/``types`` for inference, ``partial`` for infer_shape_partial,
``forward`` (+ ``labels``: name -> number of classes) to record executor outputs.
"""
import numpy as np

XAVIER = '["xavier", {"rnd_type": "uniform", "factor_type": "avg", "magnitude": 3}]'


def mlp(mx):
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    act1 = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act1, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax"), dict(
        shapes={"data": (4, 20)}, types={"data": "float32"}, forward=True,
        labels={"softmax_label": 10}, partial={"fc1_weight": (16, 20)})


def lenet_bn(mx):
    data = mx.sym.Variable("data")
    c1 = mx.sym.Convolution(data, kernel=(5, 5), num_filter=6, name="conv1")
    b1 = mx.sym.BatchNorm(c1, fix_gamma=False, name="bn1")
    a1 = mx.sym.Activation(b1, act_type="tanh", name="tanh1")
    p1 = mx.sym.Pooling(a1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    c2 = mx.sym.Convolution(p1, kernel=(5, 5), num_filter=8, name="conv2")
    b2 = mx.sym.BatchNorm(c2, name="bn2")
    a2 = mx.sym.Activation(b2, act_type="relu", name="relu2")
    p2 = mx.sym.Pooling(a2, pool_type="avg", kernel=(2, 2), stride=(2, 2), name="pool2")
    fl = mx.sym.Flatten(p2, name="flatten")
    f1 = mx.sym.FullyConnected(fl, num_hidden=32, name="fc1")
    r3 = mx.sym.Activation(f1, act_type="relu", name="relu3")
    f2 = mx.sym.FullyConnected(r3, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(f2, name="softmax"), dict(
        shapes={"data": (2, 1, 28, 28)}, types={"data": "float32"}, forward=True,
        labels={"softmax_label": 10})


def resnet_block(mx):
    """Unnamed ops: automatic names; the shortcut is `body + data` (elemwise_add)."""
    data = mx.sym.Variable("data")
    body = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=4, no_bias=True)
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5)
    body = mx.sym.Activation(body, act_type="relu")
    body = mx.sym.Convolution(body, kernel=(3, 3), pad=(1, 1), num_filter=4, no_bias=True)
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5)
    return mx.sym.Activation(body + data, act_type="relu"), dict(
        shapes={"data": (2, 4, 6, 6)}, types={"data": "float32"}, forward=True)


def lstm_step(mx, H=5):
    data = mx.sym.Variable("data")
    prev_h = mx.sym.Variable("prev_h")
    prev_c = mx.sym.Variable("prev_c")
    i2h = mx.sym.FullyConnected(data, num_hidden=4 * H, name="i2h")
    h2h = mx.sym.FullyConnected(prev_h, num_hidden=4 * H, name="h2h")
    gates = i2h + h2h
    sl = mx.sym.SliceChannel(gates, num_outputs=4, name="slice")
    in_gate = mx.sym.Activation(sl[0], act_type="sigmoid")
    forget_gate = mx.sym.Activation(sl[1], act_type="sigmoid")
    in_transform = mx.sym.Activation(sl[2], act_type="tanh")
    out_gate = mx.sym.Activation(sl[3], act_type="sigmoid")
    next_c = forget_gate * prev_c + in_gate * in_transform
    next_h = out_gate * mx.sym.Activation(next_c, act_type="tanh")
    return mx.sym.Group([next_h, next_c]), dict(
        shapes={"data": (3, 7), "prev_h": (3, H), "prev_c": (3, H)}, types={"data": "float32"},
        forward=True, partial={"data": (3, 7)})


def plus_scalar(mx):
    x = mx.sym.Variable("x")
    return x + 2, dict(shapes={"x": (2, 3)}, types={"x": "float64"}, forward=True)


def arith(mx):
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    s = ((2 - x) * 3.5 / (x ** 2 + 1) - (-y) % 3 + 2 ** (x / 4) + abs(y) - 1 / (y * y + 1))
    return s, dict(shapes={"x": (2, 3), "y": (2, 3)}, forward=True)


def compare(mx):
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    s = (x > 0.5) + (x <= y) + (2 > x) + (x != y) * (y == 1)
    return s, dict(shapes={"x": (2, 3), "y": (2, 3)}, forward=True)


def var_attrs(mx):
    return mx.sym.Variable("w", shape=(3, 4), lr_mult=2, init=XAVIER), {}


def var_in_op(mx):
    data = mx.sym.Variable("data", dtype="float16", wd_mult=0.5, attr={"mood": "happy"},
                           __layout__="NC")
    w2 = mx.sym.Variable("w2", shape=(3, 4), lr_mult=2.0, init='["normal", {"sigma": 0.1}]')
    with mx.AttrScope(ctx_group="dev1", __group__="g"):
        fc = mx.sym.FullyConnected(data, weight=w2, num_hidden=3, no_bias=True, name="fc",
                                   attr={"__note__": 'say "hi"\tnow\\'})
    return fc, dict(shapes={"data": (2, 4)}, types={"data": "float16"}, partial={})


def group(mx):
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=6, name="fc")
    sp = mx.sym.SliceChannel(fc, num_outputs=3, axis=1, name="sp")
    bn = mx.sym.BatchNorm(sp[2], output_mean_var=True, name="bn")
    return mx.sym.Group([fc, sp[1], bn, sp]), dict(shapes={"data": (4, 5)}, forward=True)


def internals(mx):
    return mlp(mx)[0].get_internals(), {}


def internal_fc1(mx):
    return mlp(mx)[0].get_internals()["fc1_output"], dict(shapes={"data": (4, 20)})


def children(mx):
    return mlp(mx)[0].get_children(), {}


def wide(mx):
    """A node with more than 10 inputs: its "inputs" array is written one entry per line."""
    xs = [mx.sym.Variable("x%d" % i) for i in range(12)]
    cat = mx.sym.Concat(*xs, dim=1, name="cat")
    return mx.sym.Group([cat, mx.sym.add_n(*xs), mx.sym.ElementWiseSum(*xs[:3], name="esum")]), \
        dict(shapes={"x%d" % i: (2, 3) for i in range(12)})


def compose_atomic(mx):
    return mx.sym.FullyConnected(name="fc3", num_hidden=10), {}


def composed(mx):
    data = mx.sym.Variable("data")
    net1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=10)
    net2 = mx.sym.FullyConnected(name="fc3", num_hidden=10)
    return net2(fc3_data=net1, name="composed"), dict(shapes={"data": (2, 3)})


def compose_general(mx):
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    data = mx.sym.Variable("data")
    e = x * 2 + y
    return e(x=mx.sym.Activation(data, act_type="relu", name="r")), {}


def bn_versions(mx):
    """A moving mean shared by two BatchNorms (versions 1, 2) and a composed copy."""
    data = mx.sym.Variable("data")
    mm = mx.sym.Variable("mm")
    b1 = mx.sym.BatchNorm(data, moving_mean=mm, name="b1")
    b2 = mx.sym.BatchNorm(b1, moving_mean=mm, name="b2")
    other = mx.sym.Variable("other")
    return mx.sym.Group([b2, b2(data=other), b2.get_internals()]), {}


def misc_attrs(mx):
    x = mx.sym.Variable("x")
    return mx.sym.Group([
        mx.sym.reshape(x, shape=[2, -1], name="rs_list"),
        mx.sym.Reshape(x, shape=(2, -1), name="rs"),
        mx.sym.Cast(x, dtype=np.float16, name="cast"), mx.sym.sum(x, axis=1, keepdims=True),
        mx.sym.clip(x, 0, 1.5), mx.sym.zeros((2, 3)), mx.sym.LeakyReLU(x, slope=0.1),
        mx.sym.Dropout(x, p=0.25), mx.sym.transpose(x, axes=(1, 0)), mx.sym.softmax(x, axis=-1),
        mx.sym.expand_dims(x, axis=0), mx.sym.FullyConnected(x, num_hidden=3, flatten=False),
        x.astype("int32"), x.sum(axis=0), mx.sym.maximum(x, 2), mx.sym.minimum(3, x),
        mx.sym.pow(x, 2), mx.sym.pow(2, x), mx.sym.flatten(x), mx.sym.split(x, num_outputs=1),
    ]), {}


def prefix_scope(mx):
    data = mx.sym.Variable("data")
    with mx.name.Prefix("net_"):
        fc = mx.sym.FullyConnected(data, num_hidden=3)
        fc = mx.sym.FullyConnected(fc, num_hidden=3, name="named")
        out = mx.sym.Activation(fc, act_type="relu")
    with mx.AttrScope(lr_mult="0.1", __x__="1"):
        out = mx.sym.BatchNorm(out)
    return out, dict(shapes={"data": (2, 5)})


BUILDERS = [mlp, lenet_bn, resnet_block, lstm_step, plus_scalar, arith, compare, var_attrs,
            var_in_op, group, internals, internal_fc1, children, wide, compose_atomic, composed,
            compose_general, bn_versions, misc_attrs, prefix_scope]
