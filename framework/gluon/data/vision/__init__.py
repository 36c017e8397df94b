"""mx.gluon.data.vision: vision datasets and image transforms."""
from .datasets import (MNIST, FashionMNIST, CIFAR10, CIFAR100, Digits,  # noqa: F401
                       ImageRecordDataset, ImageFolderDataset)
from . import datasets  # noqa: F401
from . import transforms  # noqa: F401
