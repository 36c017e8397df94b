"""Image transforms (mx.gluon.data.vision.transforms) as Blocks / HybridBlocks, computed with
NumPy on the NDArray's buffer (per-sample op dispatch would make the loader the bottleneck).

Images are (H, W, C) NDArrays (or (N, H, W, C) where MXNet accepts a batch).  Random
transforms draw from mx.random's generator (flips) or Python's `random` (crops, as
mx.image does), so mx.random.seed / random.seed make them reproducible.  The HybridBlocks
run the same NumPy code when hybridized (nothing to compile); only Cast has a Symbol form —
the others raise MXNetError when traced with Symbols (MXNet's _image_* operators are not in
the operator registry).  Compose groups consecutive HybridBlocks into a HybridSequential as
MXNet does, but does not hybridize it.
RandomCrop is not in MXNet 1.9.1's gluon transforms: it follows MXNet 2.0's signature
(size, pad, pad_value, interpolation) with 1.9.1's mx.image.random_crop.
"""
import random

import numpy as np

from ....base import MXNetError, numeric_types
from .... import ndarray as nd
from .... import random as mx_random
from ...block import Block, HybridBlock
from ...containers import Sequential, HybridSequential
from . import _image

__all__ = ['Compose', 'Cast', 'ToTensor', 'Normalize', 'RandomResizedCrop', 'CropResize',
           'CenterCrop', 'RandomCrop', 'Resize', 'RandomFlipLeftRight', 'RandomFlipTopBottom']


def _wrap(data, like):
    return nd.NDArray(np.ascontiguousarray(data), like.context)


def _require_ndarray(name, x):
    if not isinstance(x, nd.NDArray):
        raise MXNetError("%s: the input must be an NDArray, got %s" % (name, type(x).__name__))


class _ImageHybridBlock(HybridBlock):
    """A HybridBlock whose NDArray path is `_apply(numpy array) -> numpy array`."""

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray) and not args:
            return _wrap(self._apply(x._data), x)
        return super().forward(x, *args)

    def hybrid_forward(self, F, x):
        if F is nd:
            return _wrap(self._apply(x._data), x)
        return self._symbol(F, x)

    def _symbol(self, F, x):
        raise MXNetError("%s has no Symbol form here (MXNet's image operators are not in the "
                         "operator registry): apply it in the data pipeline, e.g. "
                         "dataset.transform_first(...), not inside a hybridized network"
                         % type(self).__name__)

    def _apply(self, data):
        raise NotImplementedError("%s._apply is abstract: a subclass must define it" % type(self).__name__)

    def __repr__(self):
        return self.__class__.__name__ + '(\n\n)'


class Compose(Sequential):
    """Applies `transforms` in order; runs of HybridBlocks are grouped in a HybridSequential."""

    def __init__(self, transforms):
        super().__init__()
        hybrid = []
        for i in list(transforms) + [None]:
            if isinstance(i, HybridBlock):
                hybrid.append(i)
                continue
            if len(hybrid) == 1:
                self.add(hybrid[0])
            elif len(hybrid) > 1:
                hblock = HybridSequential()
                for j in hybrid:
                    hblock.add(j)
                self.add(hblock)
            hybrid = []
            if i is not None:
                self.add(i)

    def forward(self, x, *args):
        if args:
            return super().forward(x, *args)
        for child in self._children.values():
            if isinstance(child, HybridSequential) and not child._active and \
                    not child._forward_hooks and not child._forward_pre_hooks:
                for block in child._children.values():   # skip the container's own dispatch
                    x = block(x)
            else:
                x = child(x)
        return x


class Cast(_ImageHybridBlock):
    """Casts the input to `dtype`."""

    def __init__(self, dtype='float32'):
        super().__init__()
        self._dtype = dtype

    def _apply(self, data):
        return data.astype(np.dtype(self._dtype))

    def _symbol(self, F, x):
        return F.cast(x, dtype=self._dtype)


class ToTensor(_ImageHybridBlock):
    """(H, W, C) or (N, H, W, C) image in [0, 255] -> float32 (C, H, W) / (N, C, H, W) in [0, 1]."""

    def _apply(self, data):
        if data.ndim not in (3, 4):
            raise MXNetError("ToTensor: Input image must have shape (height, width, channels), "
                             "or (N, height, width, channels) but got %s" % (data.shape,))
        axes = (2, 0, 1) if data.ndim == 3 else (0, 3, 1, 2)
        src = data.transpose(axes)
        out = np.empty(src.shape, np.float32)
        np.divide(src, np.float32(255.0), out=out, dtype=np.float32, casting='unsafe')
        return out


class Normalize(_ImageHybridBlock):
    """(x - mean[c]) / std[c] for a (C, H, W) or (N, C, H, W) tensor, C = 1 or 3; mean and std
    are scalars or one value per channel."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self._mean = mean
        self._std = std
        self._cache = None   # ((channels, dtype), mean, std) as broadcastable arrays

    @staticmethod
    def _per_channel(value, name, shape, channels):
        vals = np.atleast_1d(np.asarray(value, dtype=np.float32)).ravel()
        if len(vals) not in (1, channels):
            raise MXNetError("Normalize: Invalid %s for input with shape %s. %s must have either "
                             "1 or %d elements, but got %s" % (name, shape, name, channels,
                                                                tuple(vals.tolist())))
        return vals

    def _apply(self, data):
        if data.ndim not in (3, 4):
            raise MXNetError("Normalize: Input tensor must have shape (channels, height, width), "
                             "or (N, channels, height, width), but got %s" % (data.shape,))
        channels = data.shape[-3]
        if channels not in (1, 3):
            raise MXNetError("Normalize: The first dimension of input tensor must be the channel "
                             "dimension with either 1 or 3 elements, but got input with shape %s"
                             % (data.shape,))
        work = data if data.dtype.kind == 'f' else data.astype(np.float32)
        key = (channels, work.dtype, data.shape)
        if self._cache is None or self._cache[0] != key[:2]:
            mean = self._per_channel(self._mean, 'mean', data.shape, channels)
            std = self._per_channel(self._std, 'std', data.shape, channels)
            self._cache = (key[:2], mean.astype(work.dtype).reshape(-1, 1, 1),
                           std.astype(work.dtype).reshape(-1, 1, 1))
        _, mean, std = self._cache
        out = (work - mean) / std
        return out if out.dtype == data.dtype else out.astype(data.dtype)


def _check_hwc(name, data):
    if data.ndim != 3:
        raise MXNetError("%s: Input image must have shape (height, width, channels), but got %s"
                         % (name, data.shape))


class RandomFlipLeftRight(_ImageHybridBlock):
    """Flips an (H, W, C) image left to right with probability 0.5."""

    _axis = 1

    def _apply(self, data):
        _check_hwc(type(self).__name__, data)
        if mx_random.generator().random() < 0.5:
            return np.flip(data, axis=self._axis).copy()
        return data.copy()


class RandomFlipTopBottom(RandomFlipLeftRight):
    """Flips an (H, W, C) image top to bottom with probability 0.5."""

    _axis = 0


class Resize(_ImageHybridBlock):
    """Resizes an (H, W, C) or (N, H, W, C) image to `size` = (w, h), or (size, size), or with
    keep_ratio=True and an int size, the short side to `size` (long side scaled, floored).
    interpolation: 0 nearest, 1 bilinear (OpenCV's, as MXNet)."""

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep = keep_ratio
        self._size = size
        self._interpolation = interpolation

    def _apply(self, data):
        if data.ndim not in (3, 4):
            raise MXNetError("Resize: Input image dimension should be 3 or 4 but got %d"
                             % data.ndim)
        h, w = data.shape[-3:-1]
        out_w, out_h = _image.resize_size(h, w, self._size, self._keep)
        if out_w <= 0 or out_h <= 0:
            raise MXNetError("Resize: Input width and height should be greater than 0, but got "
                             "(%d, %d)" % (out_w, out_h))
        if data.ndim == 3:
            return _image.resize(data, out_w, out_h, self._interpolation, 'Resize')
        return np.stack([_image.resize(img, out_w, out_h, self._interpolation, 'Resize')
                         for img in data])


class CropResize(_ImageHybridBlock):
    """Crops (x, y, width, height) out of an (H, W, C) or (N, H, W, C) image, then optionally
    resizes the crop to `size` (int or (w, h))."""

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__()
        self._x, self._y, self._width, self._height = x, y, width, height
        self._size = size
        self._interpolation = interpolation

    def _apply(self, data):
        if data.ndim not in (3, 4):
            raise MXNetError("CropResize: Input image dimension should be 3 or 4 but got %d"
                             % data.ndim)
        h, w = data.shape[-3:-1]
        if self._x < 0 or self._y < 0 or self._width <= 0 or self._height <= 0 or \
                self._x + self._width > w or self._y + self._height > h:
            raise MXNetError("CropResize: crop (x=%d, y=%d, width=%d, height=%d) does not fit "
                             "in an image of height %d, width %d"
                             % (self._x, self._y, self._width, self._height, h, w))
        out = data[..., self._y:self._y + self._height, self._x:self._x + self._width, :]
        if self._size:
            resize = Resize(self._size, False, 1 if self._interpolation is None
                            else self._interpolation)
            return resize._apply(np.ascontiguousarray(out))
        return out.copy()


def _hwc(name, x):
    _require_ndarray(name, x)
    if x.ndim != 3:
        raise MXNetError("%s: expects an (height, width, channels) image, got shape %s"
                         % (name, x.shape))
    return x._data


class CenterCrop(Block):
    """Crops the centre `size` (w, h) of an (H, W, C) image; upsamples if it is smaller
    (mx.image.center_crop)."""

    def __init__(self, size, interpolation=1):
        super().__init__()
        if isinstance(size, numeric_types):
            size = (size, size)
        self._args = (size, interpolation)

    def forward(self, x):
        src = _hwc('CenterCrop', x)
        size, interp = self._args
        h, w, _ = src.shape
        new_w, new_h = _image.scale_down((w, h), size)
        x0, y0 = int((w - new_w) / 2), int((h - new_h) / 2)
        return _wrap(_image.fixed_crop(src, x0, y0, new_w, new_h, size, interp), x)


class RandomCrop(Block):
    """Pads by `pad` (int, or (top, bottom, left, right)) with `pad_value`, then crops a random
    `size` (w, h) window, upsampling when the image is smaller (mx.image.random_crop)."""

    def __init__(self, size, pad=None, pad_value=0, interpolation=1):
        super().__init__()
        if isinstance(size, numeric_types):
            size = (size, size)
        self._args = (tuple(size), interpolation)
        self._pad_value = pad_value
        if isinstance(pad, int):
            self._pad = ((pad, pad), (pad, pad), (0, 0))
        elif pad is not None:
            if len(pad) < 4:
                raise MXNetError("RandomCrop: pad must be an int or (top, bottom, left, right), "
                                 "got %r" % (pad,))
            self._pad = ((pad[0], pad[1]), (pad[2], pad[3]), (0, 0))
        else:
            self._pad = None

    def forward(self, x):
        src = _hwc('RandomCrop', x)
        if self._pad:
            src = np.pad(src, self._pad, mode='constant', constant_values=self._pad_value)
        size, interp = self._args
        h, w, _ = src.shape
        new_w, new_h = _image.scale_down((w, h), size)
        x0 = random.randint(0, w - new_w)
        y0 = random.randint(0, h - new_h)
        return _wrap(_image.fixed_crop(src, x0, y0, new_w, new_h, size, interp), x)


class RandomResizedCrop(Block):
    """Crops a random area (fraction `scale` of the image, aspect ratio in `ratio`) and resizes
    it to `size` (mx.image.random_size_crop; falls back to a centre crop after 10 tries)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__()
        if isinstance(size, numeric_types):
            size = (size, size)
        self._args = (size, scale, ratio, interpolation)

    def forward(self, x):
        src = _hwc('RandomResizedCrop', x)
        size, area, ratio, interp = self._args
        h, w, _ = src.shape
        src_area = h * w
        if isinstance(area, numeric_types):
            area = (area, 1.0)
        for _ in range(10):
            target_area = random.uniform(area[0], area[1]) * src_area
            log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
            new_ratio = np.exp(random.uniform(*log_ratio))
            new_w = int(round(np.sqrt(target_area * new_ratio)))
            new_h = int(round(np.sqrt(target_area / new_ratio)))
            if new_w <= w and new_h <= h:
                x0 = random.randint(0, w - new_w)
                y0 = random.randint(0, h - new_h)
                return _wrap(_image.fixed_crop(src, x0, y0, new_w, new_h, size, interp), x)
        new_w, new_h = _image.scale_down((w, h), size)
        x0, y0 = int((w - new_w) / 2), int((h - new_h) / 2)
        return _wrap(_image.fixed_crop(src, x0, y0, new_w, new_h, size, interp), x)
