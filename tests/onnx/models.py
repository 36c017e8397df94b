"""Whole networks for the export tests.  Each entry of MODELS is (id, factory, slow); a
factory returns (symbol, params or None for random ones, {input name: shape}).  A model-zoo
architecture is one more line: a factory that builds the net and returns its exported
(symbol, params, shapes)."""
import framework as mx


def mlp():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax"), None, {"data": (4, 20)}


def lenet_bn():
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(5, 5), num_filter=6, name="conv1")
    net = mx.sym.BatchNorm(net, fix_gamma=False, name="bn1")
    net = mx.sym.Activation(net, act_type="tanh")
    net = mx.sym.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2))
    net = mx.sym.Convolution(net, kernel=(5, 5), num_filter=8, name="conv2")
    net = mx.sym.BatchNorm(net, name="bn2")
    net = mx.sym.Activation(net, act_type="relu")
    net = mx.sym.Pooling(net, pool_type="avg", kernel=(2, 2), stride=(2, 2))
    net = mx.sym.Flatten(net)
    net = mx.sym.FullyConnected(net, num_hidden=32, name="fc1")
    net = mx.sym.Dropout(mx.sym.Activation(net, act_type="relu"), p=0.5)
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax"), None, {"data": (2, 1, 28, 28)}


def _basic_block(data, channels, stride, downsample, name):
    """ResNet v1 basic block: conv-bn-relu-conv-bn + shortcut, relu."""
    body = mx.sym.Convolution(data, kernel=(3, 3), stride=(stride, stride), pad=(1, 1),
                              num_filter=channels, no_bias=True, name=name + "_conv1")
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5, name=name + "_bn1")
    body = mx.sym.Activation(body, act_type="relu", name=name + "_relu1")
    body = mx.sym.Convolution(body, kernel=(3, 3), pad=(1, 1), num_filter=channels,
                              no_bias=True, name=name + "_conv2")
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5, name=name + "_bn2")
    if downsample:
        data = mx.sym.Convolution(data, kernel=(1, 1), stride=(stride, stride),
                                  num_filter=channels, no_bias=True, name=name + "_down")
        data = mx.sym.BatchNorm(data, fix_gamma=False, eps=2e-5, name=name + "_down_bn")
    return mx.sym.Activation(body + data, act_type="relu", name=name + "_out")


def resnet18_v1(widths=(8, 16, 32, 64), classes=10, size=32):
    """ResNet-18 v1 (2 basic blocks per stage, 4 stages), narrow for test speed."""
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(7, 7), stride=(2, 2), pad=(3, 3),
                             num_filter=widths[0], no_bias=True, name="conv0")
    net = mx.sym.BatchNorm(net, fix_gamma=False, eps=2e-5, name="bn0")
    net = mx.sym.Activation(net, act_type="relu", name="relu0")
    net = mx.sym.Pooling(net, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                         name="pool0")
    in_ch = widths[0]
    for stage, ch in enumerate(widths):
        for unit in range(2):
            stride = 2 if stage > 0 and unit == 0 else 1
            net = _basic_block(net, ch, stride, ch != in_ch or stride != 1,
                               "stage%d_unit%d" % (stage + 1, unit + 1))
            in_ch = ch
    net = mx.sym.Pooling(net, global_pool=True, pool_type="avg", kernel=(1, 1), name="gap")
    net = mx.sym.Flatten(net, name="flatten")
    net = mx.sym.FullyConnected(net, num_hidden=classes, name="fc")
    return mx.sym.SoftmaxOutput(net, name="softmax"), None, {"data": (1, 3, size, size)}


MODELS = [
    ("mlp", mlp, False),
    ("lenet_bn", lenet_bn, False),
    ("resnet18_v1", resnet18_v1, True),
]
