"""Cases for the indexing and sorting ops (indexing.py, sorting.py)."""
import numpy as np

from tests.ops.harness import Case

F = ("float32", "float64")
F16 = ("float16", "float32", "float64")
MOVE = F16 + ("int32", "int64", "uint8")   # pure data movement: every dtype


def _data(shape, rng, dt):
    if np.dtype(dt).kind == "f":
        return rng.uniform(-2, 2, shape).astype(dt)
    return rng.integers(0, 50, shape).astype(dt)


def _with_index(shape, index, index_dtype="float32"):
    """data of `shape` in the case dtype, then a fixed index array (MXNet passes floats)."""
    def make(rng, dt):
        return [_data(shape, rng, dt), np.array(index, dtype=index_dtype)]
    return make


def _distinct(shape):
    """No ties (a permutation plus noise), so sorting and finite differences are stable."""
    def make(rng, dt):
        n = int(np.prod(shape))
        x = rng.permutation(n).reshape(shape) + rng.uniform(0, 0.5, shape)
        return [x.astype(dt) if np.dtype(dt).kind == "f" else rng.permutation(n).reshape(shape).astype(dt)]
    return make


def _arrays(*fns):
    def make(rng, dt):
        return [f(rng, dt) for f in fns]
    return make


def _uniform(shape):
    return lambda rng, dt: rng.uniform(-2, 2, shape).astype(dt)


def _const(values, dtype="float32"):
    return lambda rng, dt: np.array(values, dtype=dtype)


# clip default: negative, fractional and out-of-range indices (and duplicates)
_TAKE_IDX = [[-1.0, 5.0, 2.7], [0.4, 3.0, 3.0]]

CASES = [
    # take: each mode, axes, index dtypes
    Case("take", inputs=_with_index((4, 3), _TAKE_IDX), dtypes=MOVE, grad_inputs=[0],
         name="clip"),
    Case("take", inputs=_with_index((2, 3, 4), [[-4, 5], [2, -1]], "int32"),
         attrs={"axis": 1, "mode": "wrap"}, dtypes=F16, grad_inputs=[0], name="wrap-axis1"),
    Case("take", inputs=_with_index((2, 3, 4), [3, 0, 2, 2], "int64"),
         attrs={"axis": -1, "mode": "raise"}, grad_inputs=[0], name="raise-last"),
    Case("take", inputs=_with_index((5,), [[4, 0], [1, 9]]), grad_inputs=[0], name="vector"),
    Case("_backward_take", inputs=_arrays(_uniform((3, 3)), _const([4, -1, 1]), _uniform((3, 3))),
         grad=False, name="clip"),
    Case("_backward_take", inputs=_arrays(_uniform((2, 2, 2)), _const([-1, 2]), _uniform((2, 3, 2))),
         attrs={"axis": 1, "mode": "wrap"}, grad=False, name="wrap"),

    # Embedding: ids clipped, weight gradient scatter-added
    Case("Embedding", inputs=lambda rng, dt: [np.array([[1, 0, 4], [7, 1, -2]], "float32"),
                                              _data((5, 3), rng, dt)],
         attrs={"input_dim": 5, "output_dim": 3}, dtypes=F16, grad_inputs=[1]),
    Case("Embedding", inputs=lambda rng, dt: [np.array([2, 2, 0], "int32"), _data((3, 4), rng, dt)],
         attrs={"input_dim": 3, "output_dim": 4, "dtype": "float64"}, grad_inputs=[1],
         name="int-ids"),

    # pick
    Case("pick", inputs=_with_index((3, 4), [0, -1, 7.5]), dtypes=MOVE, grad_inputs=[0],
         name="clip"),
    Case("pick", inputs=_with_index((3, 4), [[5], [-1], [2]]),
         attrs={"axis": 1, "keepdims": True, "mode": "wrap"}, grad_inputs=[0], name="wrap-keepdims"),
    Case("pick", inputs=_with_index((2, 3, 2), [[0, 2], [1, 1]], "int32"), attrs={"axis": 1},
         grad_inputs=[0], name="axis1"),
    Case("_backward_pick", inputs=_arrays(_uniform((3,)), _const([0, -1, 9]), _uniform((3, 4))),
         grad=False, name="clip"),
    Case("_backward_pick", inputs=_arrays(_uniform((1, 3)), _const([[-1, 4, 0]]), _uniform((2, 3))),
         attrs={"axis": 0, "keepdims": True, "mode": "wrap"}, grad=False, name="wrap"),

    # one_hot (not differentiable w.r.t. its integer positions)
    Case("one_hot", inputs=_arrays(_const([[1, -1, 3], [2.7, 0, 4]])), attrs={"depth": 4},
         grad=False),
    Case("one_hot", inputs=_arrays(_const([2, 0, 1], "int32")),
         attrs={"depth": 3, "on_value": 5, "off_value": -2, "dtype": "int32"}, grad=False,
         name="int32"),
    Case("one_hot", inputs=_arrays(_const([1, 0])),
         attrs={"depth": 2, "on_value": 0.5, "dtype": "float16"}, grad=False, name="float16"),

    # topk: every ret_typ, axis None, ascending, index dtypes
    Case("topk", inputs=_distinct((3, 5)), dtypes=MOVE, grad=False, name="indices"),
    Case("topk", inputs=_distinct((3, 5)), attrs={"k": 2, "ret_typ": "value"}, dtypes=MOVE,
         name="value"),
    Case("topk", inputs=_distinct((4, 3)), attrs={"k": 2, "ret_typ": "both", "axis": 0,
                                                 "is_ascend": True, "dtype": "int32"},
         name="both-axis0"),
    Case("topk", inputs=_distinct((3, 4)), attrs={"k": 3, "ret_typ": "mask"}, dtypes=F16,
         grad=False, name="mask"),
    Case("topk", inputs=_distinct((2, 3)), attrs={"k": 4, "axis": None, "ret_typ": "both",
                                                 "dtype": "int64"}, name="flat"),
    Case("topk", inputs=_distinct((2, 2, 3)), attrs={"k": 0, "axis": 1, "ret_typ": "value",
                                                    "is_ascend": True}, name="k0"),
    Case("sort", inputs=_distinct((3, 4)), dtypes=MOVE),
    Case("sort", inputs=_distinct((3, 2, 2)), attrs={"axis": 0, "is_ascend": False}, name="desc"),
    Case("sort", inputs=_distinct((2, 3)), attrs={"axis": None}, name="flat"),
    Case("argsort", inputs=_distinct((3, 4)), dtypes=MOVE, grad=False),
    Case("argsort", inputs=_distinct((3, 4)), attrs={"axis": 0, "is_ascend": False,
                                                    "dtype": "int64"}, grad=False, name="desc"),
    Case("argsort", inputs=lambda rng, dt: [np.array([[1, 3, 3, 1, 3]], dt)],
         attrs={"is_ascend": False, "dtype": "int32"}, dtypes=MOVE, grad=False, name="ties"),
    Case("_backward_topk", inputs=_arrays(_uniform((2, 2)), _const([[4, 1], [0, 3]]),
                                          _uniform((2, 5))), grad=False),
    Case("_backward_topk", inputs=_arrays(_uniform((3,)), _const([5, 0, 2], "int64"),
                                          _uniform((2, 3))), attrs={"axis": None}, grad=False,
         name="flat"),

    # gather_nd / scatter_nd
    Case("gather_nd", inputs=_with_index((2, 3, 4), [[1, 0, -2], [2, -1, 0]]), dtypes=MOVE,
         grad_inputs=[0]),
    Case("gather_nd", inputs=_with_index((3, 2), [[[2, 0]], [[1, 1]]], "int32"),
         grad_inputs=[0], name="full"),
    Case("_backward_gather_nd", inputs=_arrays(_uniform((3, 4)), _const([[1, 0, 1], [2, 2, -1]]),
                                               _uniform((2, 3, 4))), grad_inputs=[0], name="like"),
    Case("_backward_gather_nd", inputs=_arrays(_uniform((2,)), _const([[0, 0], [1, 1]])),
         attrs={"shape": (2, 3)}, dtypes=F16, grad_inputs=[0], name="shape"),
    Case("scatter_nd", inputs=_with_index((3,), [[0, 1, 0], [1, 2, 2]]), attrs={"shape": (2, 3)},
         dtypes=MOVE, grad_inputs=[0]),
    Case("scatter_nd", inputs=_with_index((2, 2), [[1, 0]], "int64"), attrs={"shape": (3, 2)},
         grad_inputs=[0], name="rows"),
]
