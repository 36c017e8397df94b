"""MXNet 1.9.1 spot checks for the indexing and sorting ops.

Every expected value below was observed with real MXNet 1.9.1 (pip wheel, CPU), e.g.
`mx.nd.take(mx.nd.array(np.arange(12).reshape(4, 3)), mx.nd.array([-2.5, ...]))`.
Bad input must raise MXNetError naming the op, the offending index and bound or shapes.
"""
import numpy as np
import pytest

import framework as mx
from compiler.errors import MXNetError
from compiler.ops import registry

nd = mx.nd


def arr(values, dtype="float32"):
    return nd.array(np.array(values, dtype=dtype), dtype=dtype)


A43 = np.arange(12, dtype=np.float32).reshape(4, 3)
IDX = [-2.5, -1, -0.5, 0.7, 3.9, 5, 100]
Y = [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]


def grad_of(fn, x, head=None):
    x = arr(x)
    x.attach_grad()
    with mx.autograd.record():
        y = fn(x)
    first = y[0] if isinstance(y, list) else y
    first.backward(None if head is None else arr(head))
    return x.grad.asnumpy()


# --- take ----------------------------------------------------------------------------------

def test_take_clip_is_default_and_truncates_float_indices():
    out = nd.take(arr(A43), arr(IDX))
    assert out.shape == (7, 3)
    np.testing.assert_array_equal(out.asnumpy()[:, 0], [0, 0, 0, 0, 9, 9, 9])


def test_take_wrap():
    out = nd.take(arr(A43), arr(IDX), mode="wrap")
    np.testing.assert_array_equal(out.asnumpy()[:, 0], [6, 9, 0, 0, 9, 3, 0])


def test_take_axis_and_shapes():
    x = arr(np.arange(12).reshape(3, 4))
    out = nd.take(x, arr([[0, 3], [-1, 9]]), axis=1)          # clip along axis 1
    assert out.shape == (3, 2, 2)
    np.testing.assert_array_equal(out.asnumpy()[1], [[4, 7], [4, 7]])
    assert nd.take(x, arr([[0, 1], [2, 2]]), axis=-1).shape == (3, 2, 2)
    assert nd.take(arr([[1, 2], [3, 4]], "int32"), arr([1])).dtype == np.int32
    assert nd.take(arr([1, 2, 3]), arr([1], "int32")).dtype == np.float32


def test_take_gradient_scatter_adds_into_clipped_and_wrapped_rows():
    np.testing.assert_array_equal(grad_of(lambda x: nd.take(x, arr(IDX)), A43)[:, 0], [4, 0, 0, 3])
    np.testing.assert_array_equal(
        grad_of(lambda x: nd.take(x, arr(IDX), mode="wrap"), A43)[:, 0], [3, 1, 1, 2])


@pytest.mark.parametrize("bad,shown", [([0, 1, 3.9], "3.9"), ([-1, 0], "-1"), ([4], "4")])
def test_take_raise_mode_rejects_out_of_range(bad, shown):
    with pytest.raises(MXNetError, match=r"take: index %s is out of bounds for axis 0 with size 4"
                       % shown.replace(".", r"\.")):
        nd.take(arr(A43), arr(bad), mode="raise")
    np.testing.assert_array_equal(nd.take(arr(A43), arr([3, 0]), mode="raise").asnumpy()[:, 0], [9, 0])


def test_take_bad_axis_and_mode():
    with pytest.raises(MXNetError, match=r"take: axis 2 is out of range for 2-d input"):
        nd.take(arr(A43), arr([0]), axis=2)
    with pytest.raises(MXNetError, match=r"take: attribute 'mode' has invalid value 'nearest'"):
        nd.take(arr(A43), arr([0]), mode="nearest")


# --- Embedding -------------------------------------------------------------------------------

def test_embedding_clips_ids_and_scatter_adds_weight_gradient():
    w = arr(A43)
    w.attach_grad()
    with mx.autograd.record():
        e = nd.Embedding(arr(IDX), w, input_dim=4, output_dim=3)
    e.backward()
    np.testing.assert_array_equal(e.asnumpy()[:, 0], [0, 0, 0, 0, 9, 9, 9])
    np.testing.assert_array_equal(w.grad.asnumpy()[:, 0], [4, 0, 0, 3])
    out = nd.Embedding(arr([[1, 2]], "int32"), nd.ones((4, 3)), input_dim=4, output_dim=3)
    assert out.shape == (1, 2, 3)


def test_embedding_dtype_follows_weight_and_infers_weight_shape():
    ids = arr([1])
    assert nd.Embedding(ids, nd.ones((4, 3)), input_dim=4, output_dim=3, dtype="float64").dtype == np.float32
    assert nd.Embedding(ids, nd.ones((4, 3), dtype="float64"), input_dim=4, output_dim=3).dtype == np.float64
    op = registry.get("Embedding")
    attrs = op.parse({"input_dim": 10, "output_dim": 4})
    assert op.infer_shape(attrs, [(2, 3), None]) == ([(2, 3), (10, 4)], [(2, 3, 4)])
    assert op.infer_type(attrs, ["float32", None]) == (["float32", "float32"], ["float32"])
    with pytest.raises(MXNetError, match=r"Embedding: weight shape \(5, 3\) does not match "
                                         r"\(input_dim, output_dim\) = \(4, 3\)"):
        nd.Embedding(ids, nd.ones((5, 3)), input_dim=4, output_dim=3)


# --- pick ------------------------------------------------------------------------------------

def test_pick_modes_and_keepdims():
    x = arr(np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(nd.pick(x, arr([0, -1, 5.7])).asnumpy(), [0, 4, 11])
    np.testing.assert_array_equal(nd.pick(x, arr([0, -1, 5.7]), mode="wrap").asnumpy(), [0, 7, 9])
    assert nd.pick(x, arr([0, 1, 2]), keepdims=True).shape == (3, 1)
    np.testing.assert_array_equal(nd.pick(x, arr([0, 1, 2, 3]), axis=0).asnumpy(), [0, 5, 10, 11])
    assert nd.pick(arr(Y), arr([[0], [1]]), axis=1).shape == (2,)
    assert nd.pick(x.astype("int32"), arr([0, 1, 2])).dtype == np.int32


def test_pick_gradient():
    np.testing.assert_array_equal(grad_of(lambda x: nd.pick(x, arr([0, -1]), keepdims=True), Y),
                                  [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(grad_of(lambda x: nd.pick(x, arr([-1, 7]), mode="wrap"), Y),
                                  [[0, 0, 0, 0, 1], [0, 0, 1, 0, 0]])


def test_pick_bad_input():
    with pytest.raises(MXNetError, match=r"pick: axis=None is not supported by pick yet"):
        nd.pick(arr(Y), arr([0, 1]), axis=None)
    with pytest.raises(MXNetError, match=r"pick: index shape \(1, 2\) does not match data shape \(2, 5\)"):
        nd.pick(arr(Y), arr([[0, 1]]), axis=1)


# --- one_hot ---------------------------------------------------------------------------------

def test_one_hot_out_of_range_rows_are_off():
    out = nd.one_hot(arr([1, -1, 3, 2.7, 0]), 3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.asnumpy(), [[0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1], [1, 0, 0]])
    out = nd.one_hot(arr([1, 0], "int32"), 3, on_value=5, off_value=-1, dtype="int32")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.asnumpy(), [[-1, 5, -1], [5, -1, -1]])
    assert nd.one_hot(arr([[1, 0], [2, 1]]), 3).shape == (2, 2, 3)
    assert nd.one_hot(arr([[1]]), 0).shape == (1, 1, 0)


def test_one_hot_bad_depth():
    with pytest.raises(MXNetError, match=r"one_hot: depth must be a non-negative integer, got -2 "
                                         r"\(indices shape \(3,\)\).*indices\(3,\)"):
        nd.one_hot(arr([1, 0, 2]), -2)


# --- topk / sort / argsort ----------------------------------------------------------------

def test_topk_default_returns_float32_indices_of_the_largest():
    out = nd.topk(arr(Y))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.asnumpy(), [[4], [0]])


def test_topk_ret_typ_both_returns_values_then_indices():
    out = nd.topk(arr(Y), k=2, ret_typ="both")
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_array_equal(out[0].asnumpy(), [[5, 4], [9, 6]])
    np.testing.assert_array_equal(out[1].asnumpy(), [[4, 2], [0, 2]])
    assert out[1].dtype == np.float32
    assert nd.topk(arr(Y), k=2, ret_typ="both", dtype="int32")[1].dtype == np.int32


def test_topk_value_mask_axis_and_k():
    np.testing.assert_array_equal(nd.topk(arr(Y), k=3, ret_typ="value", is_ascend=True).asnumpy(),
                                  [[1, 1, 3], [2, 3, 5]])
    mask = nd.topk(arr(Y), k=2, ret_typ="mask")
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask.asnumpy(), [[0, 0, 1, 0, 1], [1, 0, 1, 0, 0]])
    np.testing.assert_array_equal(nd.topk(arr(Y), k=1, axis=0).asnumpy(), [[1, 1, 1, 1, 0]])
    np.testing.assert_array_equal(nd.topk(arr(Y), k=3, axis=None).asnumpy(), [5, 7, 4])
    assert nd.topk(arr(Y), k=3, axis=None, ret_typ="mask").shape == (2, 5)
    np.testing.assert_array_equal(nd.topk(arr(Y), k=0).asnumpy(), [[4, 2, 0, 1, 3], [0, 2, 3, 4, 1]])


def test_sorting_is_stable_for_ties_in_both_directions():
    t = arr([1, 3, 3, 1, 3])
    np.testing.assert_array_equal(nd.topk(t, k=5).asnumpy(), [1, 2, 4, 0, 3])
    np.testing.assert_array_equal(nd.topk(t, k=5, is_ascend=True).asnumpy(), [0, 3, 1, 2, 4])
    np.testing.assert_array_equal(nd.argsort(t).asnumpy(), [0, 3, 1, 2, 4])
    np.testing.assert_array_equal(nd.argsort(t, is_ascend=False).asnumpy(), [1, 2, 4, 0, 3])


def test_sort_and_argsort():
    np.testing.assert_array_equal(nd.sort(arr(Y)).asnumpy(), [[1, 1, 3, 4, 5], [2, 3, 5, 6, 9]])
    np.testing.assert_array_equal(nd.sort(arr(Y), is_ascend=False).asnumpy(),
                                  [[5, 4, 3, 1, 1], [9, 6, 5, 3, 2]])
    np.testing.assert_array_equal(nd.sort(arr(Y), axis=None).asnumpy(), [1, 1, 2, 3, 3, 4, 5, 5, 6, 9])
    out = nd.argsort(arr(Y))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.asnumpy(), [[1, 3, 0, 2, 4], [1, 4, 3, 2, 0]])
    assert nd.argsort(arr(Y), dtype="int64").dtype == np.int64
    assert nd.argsort(arr(Y, "int32")).dtype == np.float32
    assert nd.sort(arr(Y, "int32")).dtype == np.int32
    np.testing.assert_array_equal(nd.argsort(arr(Y), axis=None).asnumpy(), [1, 3, 6, 0, 9, 2, 4, 8, 7, 5])


def test_topk_and_sort_gradients():
    np.testing.assert_array_equal(
        grad_of(lambda x: nd.topk(x, k=2, ret_typ="value"), Y, [[1, 2], [3, 4]]),
        [[0, 0, 2, 0, 1], [3, 0, 4, 0, 0]])
    np.testing.assert_array_equal(
        grad_of(lambda x: nd.topk(x, k=2, ret_typ="both"), Y, [[1, 2], [3, 4]]),
        [[0, 0, 2, 0, 1], [3, 0, 4, 0, 0]])
    np.testing.assert_array_equal(
        grad_of(lambda x: nd.sort(x, is_ascend=False), Y, [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]),
        [[3, 4, 2, 5, 1], [6, 10, 7, 8, 9]])
    np.testing.assert_array_equal(grad_of(lambda x: nd.topk(x, k=2), Y), np.zeros((2, 5)))


def test_topk_bad_k_and_axis():
    with pytest.raises(MXNetError, match=r"topk: k must be smaller than or equal to 5, the size of "
                                         r"axis 1 of data shape \(2, 5\), got k = 6"):
        nd.topk(arr(Y), k=6)
    with pytest.raises(MXNetError, match=r"topk: axis 2 is out of range for 2-d input"):
        nd.topk(arr(Y), axis=2)


# --- gather_nd / scatter_nd -------------------------------------------------------------------

D234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def test_gather_nd_wraps_negative_indices():
    out = nd.gather_nd(arr(D234), arr([[1, 0], [2, -1]]))
    np.testing.assert_array_equal(out.asnumpy(), [[20, 21, 22, 23], [8, 9, 10, 11]])
    assert nd.gather_nd(arr(D234), arr([[[1, 0]], [[2, 1]], [[0, 3]]])).shape == (1, 2)
    np.testing.assert_array_equal(nd.gather_nd(arr(D234), arr([[-2]])).asnumpy()[0, 0], [0, 1, 2, 3])


def test_gather_nd_gradient_accumulates_duplicates():
    np.testing.assert_array_equal(
        grad_of(lambda x: nd.gather_nd(x, arr([[0, 0, 1], [1, 1, 2]])), np.zeros((2, 3)), [1, 2, 3]),
        [[0, 3, 0], [0, 0, 3]])


@pytest.mark.parametrize("idx,msg", [
    ([[1, 5], [2, 7]], r"index 5 is out of bounds for axis 0 with size 2"),
    ([[-2], [-4]], r"index -4 is out of bounds for axis 1 with size 3"),
    ([[1.7], [0]], r"index 1\.7 is out of bounds for axis 0 with size 2"),
])
def test_gather_nd_out_of_range(idx, msg):
    with pytest.raises(MXNetError, match="gather_nd: " + msg):
        nd.gather_nd(arr(D234), arr(idx))


def test_gather_nd_bad_indices_shape():
    with pytest.raises(MXNetError, match=r"gather_nd: number of indices 4 \(indices shape \(4, 2\)\) "
                                         r"exceeds the data dimension 3 \(shape \(2, 3, 4\)\)"):
        nd.gather_nd(arr(D234), arr([[1, 0], [2, 1], [0, 0], [1, 1]]))
    with pytest.raises(MXNetError, match=r"gather_nd requires indices with at least 2 dimensions"):
        nd.gather_nd(arr(D234), arr([1]))


def test_scatter_nd():
    out = nd.scatter_nd(arr([1, 2, 3]), arr([[0, 1, 0], [1, 2, 1]]), shape=(2, 3))
    np.testing.assert_array_equal(out.asnumpy(), [[0, 3, 0], [0, 0, 2]])
    out = nd.scatter_nd(arr([[1, 2], [3, 4]]), arr([[1, 0]]), shape=(3, 2))
    np.testing.assert_array_equal(out.asnumpy(), [[3, 4], [1, 2], [0, 0]])
    out = nd.scatter_nd(arr([1, 2]), arr([[0, 0], [1, 1]]), shape=(2, 3))     # last one wins
    np.testing.assert_array_equal(out.asnumpy(), [[0, 2, 0], [0, 0, 0]])
    np.testing.assert_array_equal(
        grad_of(lambda v: nd.scatter_nd(v, arr([[0, 0, 1], [1, 1, 2]]), shape=(2, 3)), [1, 2, 3],
                [[1, 2, 3], [4, 5, 6]]), [2, 2, 6])


def test_scatter_nd_bad_input():
    with pytest.raises(MXNetError, match=r"scatter_nd: data shape \(2,\) does not match indices shape "
                                         r"\(1, 2\) and shape \(3, 2\): expected data shape \(2, 2\)"):
        nd.scatter_nd(arr([1, 2]), arr([[1, 0]]), shape=(3, 2))
    with pytest.raises(MXNetError, match=r"scatter_nd: index -1 is out of bounds for axis 1 with size 3"):
        nd.scatter_nd(arr([1, 2, 3]), arr([[0, 1, 1], [1, -1, 2]]), shape=(2, 3))
