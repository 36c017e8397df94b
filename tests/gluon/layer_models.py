"""Model definitions shared by make_golden_layers.py (real MXNet) and the tests (this
framework): each takes the `nn` module to build with, so both sides build the same net."""


def layers_model(nn):
    """A HybridSequential (with a nested one) holding most gluon.nn layers."""
    net = nn.HybridSequential()
    with net.name_scope():
        body = nn.HybridSequential()
        with body.name_scope():
            body.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.BatchNorm(),
                     nn.MaxPool2D(), nn.Conv2DTranspose(3, 2, strides=2),
                     nn.AvgPool2D(3, 1, 1, count_include_pad=False), nn.ReflectionPad2D(1),
                     nn.InstanceNorm(), nn.LeakyReLU(0.1), nn.PReLU(), nn.ELU(), nn.SELU(),
                     nn.GELU(), nn.Swish(), nn.Activation("sigmoid"))
        net.add(body, nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(6, activation="relu"),
                nn.Dropout(0.5), nn.LayerNorm(), nn.Dense(3, use_bias=False))
    return net
