"""mx.gluon.model_zoo.vision: model definitions and get_model (MXNet 1.9.1 names)."""
from ....base import MXNetValueError
from . import resnet as _resnet, vgg as _vgg, alexnet as _alexnet
from . import squeezenet as _squeezenet, densenet as _densenet, mobilenet as _mobilenet  # noqa
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403

_MODELS = {
    "resnet18_v1": _resnet.resnet18_v1, "resnet34_v1": _resnet.resnet34_v1,
    "resnet50_v1": _resnet.resnet50_v1, "resnet101_v1": _resnet.resnet101_v1,
    "resnet152_v1": _resnet.resnet152_v1, "resnet18_v2": _resnet.resnet18_v2,
    "resnet34_v2": _resnet.resnet34_v2, "resnet50_v2": _resnet.resnet50_v2,
    "resnet101_v2": _resnet.resnet101_v2, "resnet152_v2": _resnet.resnet152_v2,
    "vgg11": _vgg.vgg11, "vgg13": _vgg.vgg13, "vgg16": _vgg.vgg16, "vgg19": _vgg.vgg19,
    "vgg11_bn": _vgg.vgg11_bn, "vgg13_bn": _vgg.vgg13_bn, "vgg16_bn": _vgg.vgg16_bn,
    "vgg19_bn": _vgg.vgg19_bn, "alexnet": _alexnet.alexnet,
    "densenet121": _densenet.densenet121, "densenet161": _densenet.densenet161,
    "densenet169": _densenet.densenet169, "densenet201": _densenet.densenet201,
    "squeezenet1.0": _squeezenet.squeezenet1_0, "squeezenet1.1": _squeezenet.squeezenet1_1,
    "mobilenet1.0": _mobilenet.mobilenet1_0, "mobilenet0.75": _mobilenet.mobilenet0_75,
    "mobilenet0.5": _mobilenet.mobilenet0_5, "mobilenet0.25": _mobilenet.mobilenet0_25,
    "mobilenetv2_1.0": _mobilenet.mobilenet_v2_1_0,
    "mobilenetv2_0.75": _mobilenet.mobilenet_v2_0_75,
    "mobilenetv2_0.5": _mobilenet.mobilenet_v2_0_5,
    "mobilenetv2_0.25": _mobilenet.mobilenet_v2_0_25,
}


def get_model(name, **kwargs):
    """A model by MXNet's model-zoo name (e.g. 'resnet18_v1', 'mobilenetv2_1.0')."""
    name = name.lower()
    if name not in _MODELS:
        raise MXNetValueError("Model %s is not supported. Available options are\n\t%s"
                              % (name, "\n\t".join(sorted(_MODELS))))
    return _MODELS[name](**kwargs)
