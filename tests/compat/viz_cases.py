"""Networks for the mx.viz golden files, built with `mx` = real MXNet 1.9.1 (make_golden_viz.py)
or this project (tests/framework/test_viz.py).  Each returns (symbol, shape dict)."""
import symbol_builders as B


def lenet(mx):
    data = mx.sym.Variable("data")
    c1 = mx.sym.Convolution(data, kernel=(5, 5), num_filter=20, name="conv1")
    a1 = mx.sym.Activation(c1, act_type="tanh", name="tanh1")
    p1 = mx.sym.Pooling(a1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    c2 = mx.sym.Convolution(p1, kernel=(5, 5), num_filter=50, name="conv2")
    a2 = mx.sym.Activation(c2, act_type="tanh", name="tanh2")
    p2 = mx.sym.Pooling(a2, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    fl = mx.sym.Flatten(p2, name="flatten")
    f1 = mx.sym.FullyConnected(fl, num_hidden=500, name="fc1")
    a3 = mx.sym.Activation(f1, act_type="tanh", name="tanh3")
    f2 = mx.sym.FullyConnected(a3, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(f2, name="softmax"), {"data": (1, 1, 28, 28)}


def mlp(mx):
    sym, opts = B.mlp(mx)
    return sym, {"data": (4, 20)}


def lenet_bn(mx):
    sym, opts = B.lenet_bn(mx)
    return sym, {"data": (2, 1, 28, 28)}


def resnet_block(mx):
    sym, opts = B.resnet_block(mx)
    return sym, {"data": (2, 4, 6, 6)}


def mixed(mx):
    """no_bias layers, grouped convolution, Embedding, SliceChannel, LeakyReLU, Concat."""
    data = mx.sym.Variable("data")
    words = mx.sym.Variable("words")
    c = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, num_group=2, no_bias=True,
                           stride=(2, 2), name="gconv")
    parts = mx.sym.SliceChannel(c, num_outputs=2, name="split")
    act = mx.sym.LeakyReLU(parts[1], act_type="elu", name="elu")
    cat = mx.sym.Concat(parts[0], act, name="cat")
    pooled = mx.sym.Pooling(cat, global_pool=True, pool_type="avg", kernel=(1, 1), name="gap")
    emb = mx.sym.Embedding(words, input_dim=7, output_dim=3, name="emb")
    f = mx.sym.FullyConnected(mx.sym.Flatten(pooled), num_hidden=3, no_bias=True, name="fc")
    out = mx.sym.broadcast_add(f, mx.sym.sum(emb, axis=1), name="add")
    return out, {"data": (2, 4, 9, 9), "words": (2, 5)}


CASES = ("lenet", "mlp", "lenet_bn", "resnet_block", "mixed")
