"""Cases for the reductions (sum, mean, prod, max, min, nansum, nanprod, norm, argmax ...)."""
import numpy as np

from tests.ops.harness import Case

F = ("float32", "float64")
F16 = ("float16", "float32", "float64")
ALL = F16 + ("int32", "int64", "int8", "uint8")


def _away_from_zero(shape):
    """Values in +-[0.5, 1.5]: products and norms stay well conditioned."""
    def make(rng, dt):
        mag = rng.uniform(0.5, 1.5, shape)
        sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
        return [(mag * sign).astype(dt)]
    return make


def _with_nans(shape):
    def make(rng, dt):
        x = rng.uniform(0.5, 1.5, shape)
        x[rng.uniform(size=shape) < 0.25] = np.nan
        return [x.astype(dt)]
    return make


def _small_ints(shape):
    """Exact small integers (int sums and products stay in range; float results exact)."""
    def make(rng, dt):
        return [rng.integers(1, 4, shape).astype(dt)]
    return make


AXES = [
    ({}, "all"),
    ({"axis": 1}, "ax1"),
    ({"axis": (0, 2)}, "ax02"),
    ({"axis": -1, "keepdims": True}, "last-keep"),
    ({"axis": 1, "exclude": True}, "excl"),
    ({"axis": (0, 2), "keepdims": True, "exclude": True}, "excl-keep"),
]

CASES = []
for op in ("sum", "mean", "max", "min"):
    for attrs, tag in AXES:
        CASES.append(Case(op, [(2, 3, 4)], attrs, dtypes=F16, name=tag))
    CASES.append(Case(op, [], {"axis": 1}, inputs=_small_ints((2, 5, 3)), dtypes=ALL,
                      grad=False, name="ints"))
CASES += [
    Case("sum_axis", [(3, 4)], {"axis": 0}),
    Case("max_axis", [(3, 4)], {"axis": 1}),
    Case("min_axis", [(3, 4)], {"axis": 1, "keepdims": True}),
    Case("sum", [(2, 1, 3)], {"axis": 1}, name="unit-axis"),
    Case("mean", [(5,)], {"axis": 0}, name="vec"),
    Case("sum", [(3, 2, 4, 5)], {"axis": (1, 3)}, name="two-runs"),
    Case("max", [(3, 2, 4, 5)], {"axis": (0, 2)}, name="two-runs"),
    Case("sum", [(300, 260)], {"axis": 1}, grad=False, name="big-rows"),
    Case("sum", [(260, 300)], {"axis": 0}, grad=False, name="big-cols"),
    Case("max", [(4, 70000)], {}, dtypes=F, grad=False, name="big-all"),
    Case("min", [(300, 3, 90)], {"axis": 1}, dtypes=F, grad=False, name="big-mid"),
]
for attrs, tag in AXES:
    CASES.append(Case("prod", [], attrs, inputs=_away_from_zero((2, 3, 4)), dtypes=F16,
                      name=tag))
    CASES.append(Case("nansum", [], attrs, inputs=_with_nans((2, 3, 4)), dtypes=F16,
                      name=tag))
    CASES.append(Case("nanprod", [], attrs, inputs=_with_nans((2, 3, 4)), dtypes=F16,
                      name=tag))
CASES += [
    Case("prod", [], {"axis": 0}, inputs=_small_ints((3, 4)), dtypes=ALL, grad=False,
         name="ints"),
    Case("nansum", [(2, 3)], {"axis": 1}, dtypes=F, name="nonan"),
    Case("nansum", [], {"axis": 1}, inputs=_small_ints((3, 4)), dtypes=ALL, grad=False,
         name="ints"),
    # norm: ord 1 and 2, axis forms, keepdims, out_dtype
    Case("norm", [], {}, inputs=_away_from_zero((2, 3, 4)), dtypes=F16, name="l2-all"),
    Case("norm", [], {"ord": 1}, inputs=_away_from_zero((2, 3, 4)), dtypes=F16, name="l1-all"),
    Case("norm", [], {"axis": 1}, inputs=_away_from_zero((2, 3, 4)), dtypes=F16, name="l2-ax1"),
    Case("norm", [], {"ord": 1, "axis": (0, 2), "keepdims": True},
         inputs=_away_from_zero((2, 3, 4)), dtypes=F16, name="l1-ax02-keep"),
    Case("norm", [], {"axis": -1, "out_dtype": "float64"}, inputs=_away_from_zero((3, 4)),
         dtypes=F, name="out-dtype"),
    Case("norm", [], {"axis": 1}, inputs=_small_ints((3, 4)), dtypes=("int32", "int64"),
         grad=False, name="ints"),
    # arg reductions (zero gradient): random floats have no ties
    Case("argmax", [(3, 4, 5)], {"axis": 1}, dtypes=ALL[:3]),
    Case("argmax", [(3, 4, 5)], {"axis": -1, "keepdims": True}, dtypes=F, name="last-keep"),
    Case("argmax", [(3, 4)], {}, dtypes=F, name="flat"),
    Case("argmax", [(3, 4)], {"keepdims": True}, dtypes=F, name="flat-keep"),
    Case("argmin", [(3, 4, 5)], {"axis": 0}, dtypes=ALL[:3]),
    Case("argmin", [(3, 4)], {}, dtypes=F, name="flat"),
    Case("argmax", [], {"axis": 1}, inputs=_small_ints((3, 7)), dtypes=("int32", "uint8"),
         grad=False, name="ints-ties"),
    Case("argmax_channel", [(3, 4)], dtypes=F16, grad=False),
    Case("argmax_channel", [(2, 3, 4)], dtypes=F, grad=False, name="3d"),
    Case("argmax", [(300, 300)], {"axis": 0}, dtypes=F, grad=False, name="big-cols"),
    Case("argmin", [(300, 300)], {"axis": 1}, dtypes=F, grad=False, name="big-rows"),
    # hidden backward helpers
    Case("_backward_sum", [(2, 4), (2, 3, 4)], {"axis": 1}),
    Case("_backward_sum", [(1,), (2, 3)], {}, name="all"),
    Case("_backward_sum", [(2, 1, 1), (2, 3, 4)], {"axis": 0, "keepdims": True,
                                                   "exclude": True}, name="excl-keep"),
    Case("_backward_mean", [(2, 4), (2, 3, 4)], {"axis": 1}),
    Case("_backward_mean", [(1, 1), (2, 3)], {"keepdims": True}, name="all-keep"),
]
