"""Vision transforms against MXNet 1.9.1's outputs (make_golden_transforms.py: OpenCV 3.4.2
resize, bit for bit) and by hand."""
import os
import random

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError
from framework.gluon import HybridBlock, HybridSequential
from framework.gluon.data.vision import transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))
G = np.load(os.path.join(HERE, "data", "golden_transforms.npz"))

RESIZE_CASES = [
    ((10, 7, 3), (4, 6), False, 1), ((10, 7, 3), (13, 23), False, 1), ((10, 7, 3), 5, True, 1),
    ((10, 7, 3), 6, True, 1), ((5, 9, 1), (12, 3), False, 1), ((16, 12, 3), (6, 8), False, 1),
    ((16, 12, 2), (6, 8), False, 1), ((8, 8, 1), 28, False, 1), ((8, 8, 1), (32, 32), False, 1),
    ((3, 4, 1), (4, 5), False, 1), ((9, 9, 3), (9, 9), False, 1), ((17, 11, 3), (5, 4), False, 1),
    ((10, 7, 3), (4, 6), False, 0), ((10, 7, 3), (13, 23), False, 0), ((8, 8, 1), 28, False, 0),
    ((31, 29, 3), (15, 20), False, 1), ((6, 40, 1), (7, 3), False, 1),
]


def nd(a):
    return mx.nd.array(a, dtype=a.dtype)


@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
@pytest.mark.parametrize("case", range(len(RESIZE_CASES)))
def test_resize_bit_exact_with_mxnet(case, dtype):
    shape, size, keep, interp = RESIZE_CASES[case]
    img = G["resize_%d_%s_in" % (case, dtype)]
    got = T.Resize(size, keep_ratio=keep, interpolation=interp)(nd(img))
    want = G["resize_%d_%s_out" % (case, dtype)]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.asnumpy(), want)


def test_resize_batch_and_errors():
    np.testing.assert_array_equal(T.Resize((5, 4))(nd(G["resize_batch_in"])).asnumpy(),
                                  G["resize_batch_out"])
    img = mx.nd.zeros((10, 7, 3), dtype="uint8")
    with pytest.raises(MXNetError, match="Input image dimension should be 3 or 4 but got 2"):
        T.Resize(4)(mx.nd.zeros((10, 7), dtype="uint8"))
    with pytest.raises(MXNetError, match="should be greater than 0"):
        T.Resize((0, 6))(img)
    with pytest.raises(MXNetError, match=r"interpolation=3 \(bicubic\) is not implemented"):
        T.Resize((4, 6), interpolation=3)(img)
    with pytest.raises(MXNetError, match="dtype int32 cannot be resized"):
        T.Resize((4, 6))(img.astype("int32"))


def test_to_tensor_normalize_compose_match_mxnet():
    got = T.ToTensor()(nd(G["totensor_in"]))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.asnumpy(), G["totensor_out"])
    tensor = G["normalize_in"]
    np.testing.assert_allclose(T.Normalize((0.4, 0.5, 0.6), (0.2, 0.25, 0.3))(nd(tensor)).asnumpy(),
                               G["normalize_out"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(T.Normalize(0.3, 0.7)(nd(tensor[0, :1])).asnumpy(),
                               G["normalize1_out"], rtol=1e-6, atol=1e-7)
    compose = T.Compose([T.Resize(6), T.ToTensor(), T.Normalize(0.5, 0.25)])
    np.testing.assert_allclose(compose(nd(G["compose_in"])).asnumpy(), G["compose_out"],
                               rtol=1e-6, atol=1e-7)
    batch = T.ToTensor()(mx.nd.array(np.ones((2, 4, 5, 3)) * 51, dtype="uint8"))
    assert batch.shape == (2, 3, 4, 5) and np.allclose(batch.asnumpy(), 0.2)


def test_normalize_and_to_tensor_errors_are_mxnets():
    with pytest.raises(MXNetError, match="channel dimension with either 1 or 3 elements, but got "
                                         r"input with shape \(4, 2, 2\)"):
        T.Normalize(0.5, 2)(mx.nd.zeros((4, 2, 2)))
    with pytest.raises(MXNetError, match="mean must have either 1 or 3 elements"):
        T.Normalize((1, 2), (1, 1))(mx.nd.zeros((3, 2, 2)))
    with pytest.raises(MXNetError, match=r"Input tensor must have shape \(channels, height, width\)"):
        T.Normalize(1, 1)(mx.nd.zeros((2, 2)))
    with pytest.raises(MXNetError, match=r"Input image must have shape \(height, width, channels\)"):
        T.ToTensor()(mx.nd.zeros((2, 3), dtype="uint8"))
    assert T.Normalize(1, 2)(mx.nd.zeros((3, 2, 2), dtype="float64")).dtype == np.float64


def test_center_crop_and_random_crops_match_mxnet():
    src = nd(G["crop_in"])
    for name, size in (("small", (5, 4)), ("big", (20, 7)), ("square", 9)):
        np.testing.assert_array_equal(T.CenterCrop(size)(src).asnumpy(),
                                      G["centercrop_%s_out" % name])
    random.seed(1234)
    got = np.stack([T.RandomResizedCrop((6, 5))(src).asnumpy() for _ in range(6)])
    np.testing.assert_array_equal(got, G["rrc_out"])
    random.seed(99)
    got = np.stack([T.RandomCrop((5, 7))(src).asnumpy() for _ in range(4)])
    np.testing.assert_array_equal(got, G["randomcrop_out"])
    np.testing.assert_array_equal(T.RandomCrop((10, 14))(src).asnumpy(), G["randomcrop_up_out"])


def test_random_crop_with_padding_by_hand():
    img = np.arange(2 * 3, dtype=np.uint8).reshape(2, 3, 1) + 1
    padded = np.pad(img, ((2, 2), (2, 2), (0, 0)), constant_values=9)
    crop = T.RandomCrop(3, pad=2, pad_value=9)
    random.seed(5)
    outs = [crop(nd(img)).asnumpy() for _ in range(20)]
    random.seed(5)
    for out in outs:
        x0, y0 = random.randint(0, 7 - 3), random.randint(0, 6 - 3)
        np.testing.assert_array_equal(out, padded[y0:y0 + 3, x0:x0 + 3])
    assert len({o.tobytes() for o in outs}) > 3
    tb = T.RandomCrop((3, 2), pad=(1, 0, 0, 2))(nd(img))   # (top, bottom, left, right)
    assert tb.shape == (2, 3, 1)


def test_random_flips_follow_mx_random_seed():
    img = nd(np.arange(2 * 3 * 1, dtype=np.uint8).reshape(2, 3, 1))
    for cls, axis in ((T.RandomFlipLeftRight, 1), (T.RandomFlipTopBottom, 0)):
        mx.random.seed(3)
        first = [cls()(img).asnumpy() for _ in range(40)]
        mx.random.seed(3)
        second = [cls()(img).asnumpy() for _ in range(40)]
        assert all((a == b).all() for a, b in zip(first, second))
        flipped = sum((o == np.flip(img.asnumpy(), axis)).all() for o in first)
        assert 8 <= flipped <= 32                       # p = 0.5
        assert all((o == img.asnumpy()).all() or (o == np.flip(img.asnumpy(), axis)).all()
                   for o in first)
    with pytest.raises(MXNetError, match=r"Input image must have shape \(height, width, channels\)"):
        T.RandomFlipLeftRight()(mx.nd.zeros((2, 3, 4, 1)))


def test_cast_crop_resize_and_block_types():
    img = mx.nd.array(np.arange(24).reshape(4, 6, 1), dtype="uint8")
    out = T.Cast("float16")(img)
    assert out.dtype == np.float16 and (out.asnumpy() == img.asnumpy()).all()
    cr = T.CropResize(1, 2, 3, 2)(img)
    np.testing.assert_array_equal(cr.asnumpy()[:, :, 0], [[13, 14, 15], [19, 20, 21]])
    with pytest.raises(MXNetError, match="does not fit"):
        T.CropResize(5, 0, 3, 2)(img)
    assert isinstance(T.ToTensor(), HybridBlock) and isinstance(T.Resize(3), HybridBlock)
    assert not isinstance(T.CenterCrop(3), HybridBlock)
    compose = T.Compose([T.Cast(), T.ToTensor(), T.CenterCrop(2), T.Normalize()])
    kinds = [type(c).__name__ for c in compose._children.values()]
    assert kinds == ["HybridSequential", "CenterCrop", "Normalize"]


def test_symbol_forms():
    x = mx.sym.var("data")
    assert "cast" in T.Cast("float16")(x).tojson().lower()
    with pytest.raises(MXNetError, match="ToTensor has no Symbol form"):
        T.ToTensor()(x)
    net = HybridSequential()
    net.add(T.Cast("float32"), T.Normalize(0.5, 0.5))
    net.hybridize()
    with pytest.raises(MXNetError, match="Normalize has no Symbol form"):
        net(mx.nd.ones((3, 2, 2)))
    alone = T.Normalize(0.5, 0.5)
    alone.hybridize()                                    # nothing to compile: still works
    np.testing.assert_allclose(alone(mx.nd.ones((3, 2, 2))).asnumpy(), 1.0)
