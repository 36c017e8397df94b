"""Record MXNet 1.9.1's image transforms (OpenCV 3.4.2 resize inside) on small random images
(run ONLY in /work/mxnet-venv; writes data/golden_transforms.npz, no pickles).

    /work/mxnet-venv/bin/python tests/gluon/make_golden_transforms.py
"""
import os
import random

import numpy as np
import mxnet as mx
from mxnet.gluon.data.vision import transforms as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden_transforms.npz")

# (input shape, Resize size, keep_ratio, interpolation)
RESIZE_CASES = [
    ((10, 7, 3), (4, 6), False, 1), ((10, 7, 3), (13, 23), False, 1), ((10, 7, 3), 5, True, 1),
    ((10, 7, 3), 6, True, 1), ((5, 9, 1), (12, 3), False, 1), ((16, 12, 3), (6, 8), False, 1),
    ((16, 12, 2), (6, 8), False, 1), ((8, 8, 1), 28, False, 1), ((8, 8, 1), (32, 32), False, 1),
    ((3, 4, 1), (4, 5), False, 1), ((9, 9, 3), (9, 9), False, 1), ((17, 11, 3), (5, 4), False, 1),
    ((10, 7, 3), (4, 6), False, 0), ((10, 7, 3), (13, 23), False, 0), ((8, 8, 1), 28, False, 0),
    ((31, 29, 3), (15, 20), False, 1), ((6, 40, 1), (7, 3), False, 1),
]


def main():
    rng = np.random.RandomState(42)
    out = {}
    for i, (shape, size, keep, interp) in enumerate(RESIZE_CASES):
        for dtype in ("uint8", "float32", "float64"):
            if dtype == "uint8":
                img = rng.randint(0, 256, size=shape).astype(np.uint8)
            else:
                img = (rng.rand(*shape) * 255).astype(dtype)
            res = T.Resize(size, keep_ratio=keep, interpolation=interp)(mx.nd.array(img, dtype=dtype))
            out["resize_%d_%s_in" % (i, dtype)] = img
            out["resize_%d_%s_out" % (i, dtype)] = res.asnumpy()
    batch = rng.randint(0, 256, size=(2, 10, 7, 3)).astype(np.uint8)
    out["resize_batch_in"] = batch
    out["resize_batch_out"] = T.Resize((5, 4))(mx.nd.array(batch, dtype="uint8")).asnumpy()

    img = rng.randint(0, 256, size=(5, 4, 3)).astype(np.uint8)
    out["totensor_in"] = img
    out["totensor_out"] = T.ToTensor()(mx.nd.array(img, dtype="uint8")).asnumpy()
    tensor = rng.rand(2, 3, 4, 5).astype(np.float32)
    out["normalize_in"] = tensor
    out["normalize_out"] = T.Normalize((0.4, 0.5, 0.6), (0.2, 0.25, 0.3))(mx.nd.array(tensor)).asnumpy()
    out["normalize1_out"] = T.Normalize(0.3, 0.7)(mx.nd.array(tensor[0, :1])).asnumpy()
    compose = T.Compose([T.Resize(6), T.ToTensor(), T.Normalize(0.5, 0.25)])
    out["compose_in"] = img
    out["compose_out"] = compose(mx.nd.array(img, dtype="uint8")).asnumpy()

    src = rng.randint(0, 256, size=(12, 9, 3)).astype(np.uint8)
    out["crop_in"] = src
    for name, size in (("small", (5, 4)), ("big", (20, 7)), ("square", 9)):
        out["centercrop_%s_out" % name] = T.CenterCrop(size)(mx.nd.array(src, dtype="uint8")).asnumpy()
    random.seed(1234)
    out["rrc_out"] = np.stack([T.RandomResizedCrop((6, 5))(mx.nd.array(src, dtype="uint8")).asnumpy()
                               for _ in range(6)])
    random.seed(99)
    out["randomcrop_out"] = np.stack([
        mx.image.random_crop(mx.nd.array(src, dtype="uint8"), (5, 7), interp=1)[0].asnumpy()
        for _ in range(4)])
    out["randomcrop_up_out"] = mx.image.random_crop(mx.nd.array(src, dtype="uint8"), (10, 14),
                                                    interp=1)[0].asnumpy()
    tmp = OUT + ".tmp.npz"
    np.savez_compressed(tmp, **out)
    os.replace(tmp, OUT)
    print("wrote", OUT, len(out), "arrays")


if __name__ == "__main__":
    main()
