"""ResNet-18 v1 in plain torch (torchvision is not installed), laid out like MXNet's model
zoo resnet18_v1 and loaded from the same flat weight list (resnet.resnet18_specs order):
conv0 7x7/2 + BN + relu + maxpool 3x3/2, four stages of two BasicBlockV1 (3x3 conv, BN,
relu, 3x3 conv, BN, 1x1/stride downsample + BN when the width changes, relu after the sum),
global average pooling, Dense."""
from ._common import torch


def resnet18(weights, classes):
    """A torch nn.Module with `weights` (NumPy arrays, MXNet's order) copied in."""
    th = torch()
    nn = th.nn

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)

    class BasicBlock(nn.Module):
        def __init__(self, in_c, channels, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(in_c, channels, 3, stride, 1, bias=False)
            self.bn1 = bn(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
            self.bn2 = bn(channels)
            self.down = None
            if channels != in_c:
                self.down = nn.Sequential(nn.Conv2d(in_c, channels, 1, stride, bias=False), bn(channels))

        def forward(self, x):
            body = self.bn2(self.conv2(th.relu(self.bn1(self.conv1(x)))))
            return th.relu(body + (x if self.down is None else self.down(x)))

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv0 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn0 = bn(64)
            self.pool = nn.MaxPool2d(3, 2, 1)
            blocks, in_c = [], 64
            for channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                blocks += [BasicBlock(in_c, channels, stride), BasicBlock(channels, channels, 1)]
                in_c = channels
            self.blocks = nn.Sequential(*blocks)
            self.fc = nn.Linear(512, classes)

        def forward(self, x):
            h = self.pool(th.relu(self.bn0(self.conv0(x))))
            h = self.blocks(h).mean(dim=(2, 3))
            return self.fc(h)

    model = ResNet18()
    _load(th, model, weights)
    return model


def _ordered_tensors(model):
    """The model's tensors in MXNet's parameter order (conv weight; BN gamma, beta,
    running mean, running var; ...; dense weight, bias)."""
    out = []

    def conv_bn(conv, norm):
        out.extend([conv.weight, norm.weight, norm.bias, norm.running_mean, norm.running_var])

    conv_bn(model.conv0, model.bn0)
    for block in model.blocks:
        conv_bn(block.conv1, block.bn1)
        conv_bn(block.conv2, block.bn2)
        if block.down is not None:
            conv_bn(block.down[0], block.down[1])
    out.extend([model.fc.weight, model.fc.bias])
    return out


def _load(th, model, weights):
    tensors = _ordered_tensors(model)
    if len(tensors) != len(weights):
        raise ValueError("torch ResNet-18 has %d tensors, the benchmark %d weights"
                         % (len(tensors), len(weights)))
    with th.no_grad():
        for t, w in zip(tensors, weights):
            if tuple(t.shape) != w.shape:
                raise ValueError("torch ResNet-18: tensor %s vs weight %s" % (tuple(t.shape), w.shape))
            t.copy_(th.from_numpy(w))
