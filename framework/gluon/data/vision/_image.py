"""NumPy image kernels behind the vision transforms, reproducing what MXNet 1.9.1 computes.

MXNet resizes with OpenCV 3.4.2's cv::resize; resize() below follows that code path exactly:
INTER_NEAREST (interp=0) picks floor(x * src/dst); INTER_LINEAR (interp=1) places pixel
centres at (x + 0.5) * src/dst - 0.5 (float32), clamps at the borders, and for uint8 uses
11-bit fixed-point weights with OpenCV's rounding ((b0 * (h0 >> 4)) >> 16 + (b1 * (h1 >> 4))
>> 16 + 2) >> 2; an exact 2x downscale is OpenCV's fast INTER_AREA path ((a+b+c+d+2) >> 2).
Images are (H, W, C) arrays.
"""
import numpy as np

from ....base import MXNetError

_COEF_SCALE = 2048  # INTER_RESIZE_COEF_SCALE (1 << 11)
_INTERP_NAMES = {0: 'nearest', 1: 'bilinear', 2: 'area', 3: 'bicubic', 4: 'lanczos'}


def _check_dtype(img, what):
    if img.dtype not in (np.uint8, np.float32, np.float64):
        raise MXNetError("%s: images of dtype %s cannot be resized (OpenCV's resize, which "
                         "MXNet uses, takes uint8, float32 and float64)" % (what, img.dtype))


def _linear_coords(src, dst):
    """Source index pairs and float32 weights of OpenCV's INTER_LINEAR along one axis."""
    scale = 1.0 / (float(dst) / src)
    f = ((np.arange(dst, dtype=np.float64) + 0.5) * scale - 0.5).astype(np.float32)
    s = np.floor(f).astype(np.int64)
    f = (f - s.astype(np.float32)).astype(np.float32)
    return s, f


def _fixed(weight):
    """saturate_cast<short>(w * 2048): round half to even, as cvRound."""
    return np.rint(weight * np.float32(_COEF_SCALE)).astype(np.int64)


def _bilinear(img, out_w, out_h):
    h, w = img.shape[:2]
    sx, fx = _linear_coords(w, out_w)
    border = (sx < 0) | (sx >= w - 1)          # OpenCV sets fx = 0 and clamps sx there
    fx[border] = 0
    sx = np.clip(sx, 0, w - 1)
    sx1 = np.minimum(sx + 1, w - 1)
    sy, fy = _linear_coords(h, out_h)          # rows are clamped, their weights are not
    sy0 = np.clip(sy, 0, h - 1)
    sy1 = np.clip(sy + 1, 0, h - 1)
    rows = np.union1d(sy0, sy1)
    if img.dtype == np.uint8:
        a0, a1 = _fixed(np.float32(1) - fx), _fixed(fx)
        src = img[rows].astype(np.int64)
        hbuf = src[:, sx] * a0[None, :, None] + src[:, sx1] * a1[None, :, None]
        pos = np.searchsorted(rows, sy0), np.searchsorted(rows, sy1)
        b0 = _fixed(np.float32(1) - fy)[:, None, None]
        b1 = _fixed(fy)[:, None, None]
        out = ((b0 * (hbuf[pos[0]] >> 4)) >> 16) + ((b1 * (hbuf[pos[1]] >> 4)) >> 16) + 2
        return np.clip(out >> 2, 0, 255).astype(np.uint8)
    dtype = img.dtype.type
    a0 = (np.float32(1) - fx).astype(dtype)[None, :, None]
    a1 = fx.astype(dtype)[None, :, None]
    src = img[rows]
    hbuf = src[:, sx] * a0 + src[:, sx1] * a1
    pos = np.searchsorted(rows, sy0), np.searchsorted(rows, sy1)
    b0 = (np.float32(1) - fy).astype(dtype)[:, None, None]
    b1 = fy.astype(dtype)[:, None, None]
    return (hbuf[pos[0]] * b0 + hbuf[pos[1]] * b1).astype(img.dtype)


def _area_half(img):
    """OpenCV's resizeAreaFast for an exact 2x downscale."""
    a, b = img[0::2, 0::2], img[0::2, 1::2]
    c, d = img[1::2, 0::2], img[1::2, 1::2]
    if img.dtype == np.uint8:
        total = a.astype(np.int32) + b + c + d
        if img.shape[2] in (1, 3, 4):
            return ((total + 2) >> 2).astype(np.uint8)
        return np.clip(np.rint(total * np.float32(0.25)), 0, 255).astype(np.uint8)
    return (((a + b) + c + d) * img.dtype.type(0.25)).astype(img.dtype)


def _nearest(img, out_w, out_h):
    h, w = img.shape[:2]
    sx = np.minimum(np.floor(np.arange(out_w) * (1.0 / (float(out_w) / w))).astype(np.int64), w - 1)
    sy = np.minimum(np.floor(np.arange(out_h) * (1.0 / (float(out_h) / h))).astype(np.int64), h - 1)
    return img[sy][:, sx]


def resize(img, out_w, out_h, interp=1, what='resize'):
    """cv::resize of an (H, W, C) image to (out_h, out_w, C)."""
    if out_w <= 0 or out_h <= 0:
        raise MXNetError("%s: the output size must be positive, got width %d, height %d"
                         % (what, out_w, out_h))
    _check_dtype(img, what)
    h, w = img.shape[:2]
    if (h, w) == (out_h, out_w):
        return img.copy()
    if interp == 0:
        return np.ascontiguousarray(_nearest(img, out_w, out_h))
    if interp == 1:
        if w == 2 * out_w and h == 2 * out_h:
            return _area_half(img)
        return _bilinear(img, out_w, out_h)
    raise MXNetError("%s: interpolation=%r (%s) is not implemented; use 0 (nearest) or 1 "
                     "(bilinear)" % (what, interp, _INTERP_NAMES.get(interp, 'unknown')))


def resize_size(h, w, size, keep_ratio):
    """(out_w, out_h) of MXNet's image.resize for an int or (w, h) `size`."""
    if isinstance(size, (list, tuple)):
        if len(size) == 1:
            size = size[0]
        elif len(size) == 2:
            return int(size[0]), int(size[1])
        else:
            raise MXNetError("Resize: size must be an int or (width, height), got %r" % (size,))
    size = int(size)
    if keep_ratio:
        if h > w:
            return size, h * size // w
        if w > h:
            return w * size // h, size
    return size, size


def get_interp_method(interp, sizes=()):
    """mx.image._get_interp_method: 9 = auto by scale, 10 = random."""
    import random
    if interp == 9:
        if sizes:
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise MXNetError('Unknown interp method %d' % interp)
    return interp


def scale_down(src_size, size):
    """mx.image.scale_down: shrink `size` (w, h) to fit in `src_size` keeping its ratio."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """mx.image.fixed_crop: crop, then resize to `size` (w, h) if it differs."""
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != tuple(size):
        method = get_interp_method(interp, (h, w, size[1], size[0]))
        out = resize(np.ascontiguousarray(out), size[0], size[1], method, 'crop')
    return np.ascontiguousarray(out)
