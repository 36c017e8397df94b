"""Cases for the binary elementwise ops: same-shape, broadcast, scalar, add_n, where."""
import numpy as np

from tests.ops.harness import Case

F = ("float32", "float64")
F16 = ("float16", "float32", "float64")
INTS = ("int32", "int64", "uint8", "int8")


def _signed_away_from_zero(rng, shape, dt, low=0.5, high=2.0):
    mag = rng.uniform(low, high, shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return (mag * sign).astype(dt)


def _pair(lhs_fn, rhs_fn, shapes):
    def make(rng, dt):
        return [lhs_fn(rng, shapes[0], dt), rhs_fn(rng, shapes[1], dt)]
    return make


def _uniform(low, high):
    def make(rng, shape, dt):
        if np.dtype(dt).kind == "f":
            return rng.uniform(low, high, shape).astype(dt)
        return rng.integers(int(low), int(high) + 1, shape).astype(dt)
    return make


def _nonzero(rng, shape, dt):
    if np.dtype(dt).kind == "f":
        return _signed_away_from_zero(rng, shape, dt)
    vals = rng.integers(1, 4, shape) * (1 if np.dtype(dt).kind == "u" else
                                        np.where(rng.uniform(size=shape) < 0.5, -1, 1))
    return vals.astype(dt)


def _ties(rng, shape, dt):
    """Small integers as floats: equal entries are common (comparisons, max/min ties)."""
    return rng.integers(-2, 3, shape).astype(dt)


SAME = ((3, 4), (3, 4))
BCAST = ((2, 1, 3), (4, 1))
ROW = ((3, 4), (1, 4))

# function: (same-shape op, broadcast op, lhs maker, rhs maker, float dtypes, int dtypes)
FUNCS = {
    "add": ("elemwise_add", "broadcast_add", _uniform(-2, 2), _uniform(-2, 2), F16, INTS),
    "sub": ("elemwise_sub", "broadcast_sub", _uniform(-2, 2), _uniform(-2, 2), F16, INTS),
    "mul": ("elemwise_mul", "broadcast_mul", _uniform(-2, 2), _uniform(-2, 2), F16, INTS),
    "div": ("elemwise_div", "broadcast_div", _uniform(-2, 2), _nonzero, F16, INTS),
    "mod": ("_mod", "broadcast_mod", _uniform(-3, 3), _nonzero, F, INTS),
    "power": ("_power", "broadcast_power", _uniform(0.5, 2), _uniform(-2, 2), F16, ()),
    "maximum": ("_maximum", "broadcast_maximum", _uniform(-2, 2), _uniform(-2, 2), F16, INTS),
    "minimum": ("_minimum", "broadcast_minimum", _uniform(-2, 2), _uniform(-2, 2), F16, INTS),
    "hypot": ("_hypot", "broadcast_hypot", _uniform(-2, 2), _uniform(-2, 2), F, ("int32",)),
}
COMPARE = {
    "equal": ("_equal", "broadcast_equal"),
    "not_equal": ("_not_equal", "broadcast_not_equal"),
    "greater": ("_greater", "broadcast_greater"),
    "greater_equal": ("_greater_equal", "broadcast_greater_equal"),
    "lesser": ("_lesser", "broadcast_lesser"),
    "lesser_equal": ("_lesser_equal", "broadcast_lesser_equal"),
    "logical_and": ("_logical_and", "broadcast_logical_and"),
    "logical_or": ("_logical_or", "broadcast_logical_or"),
    "logical_xor": ("_logical_xor", "broadcast_logical_xor"),
}

CASES = []
for fn, (elem, bcast, lhs, rhs, fdt, idt) in FUNCS.items():
    CASES += [
        Case(elem, [], inputs=_pair(lhs, rhs, SAME), dtypes=fdt + idt),
        Case(bcast, [], inputs=_pair(lhs, rhs, BCAST), dtypes=fdt + idt),
        Case(bcast, [], inputs=_pair(lhs, rhs, ROW), dtypes=F, name="row"),
        Case(bcast, [], inputs=_pair(lhs, rhs, (ROW[1], ROW[0])), dtypes=F, name="lrow"),
    ]
for fn, (elem, bcast) in COMPARE.items():
    CASES += [
        Case(elem, [], inputs=_pair(_ties, _ties, SAME), dtypes=F16 + INTS, grad=False,
             name="ties"),
        Case(elem, list(SAME)),
        Case(bcast, [], inputs=_pair(_ties, _ties, BCAST), dtypes=F + INTS, grad=False,
             name="ties"),
        Case(bcast, list(BCAST)),
    ]
CASES += [
    Case("_maximum", [], inputs=_pair(_ties, _ties, SAME), grad=False, name="ties"),
    Case("broadcast_minimum", [], inputs=_pair(_ties, _ties, BCAST), grad=False, name="ties"),
    Case("_mod", [], inputs=lambda rng, dt: [
        np.array([5.5, -5.5, 5.5, -5.5, 3, -3, 0, 7, 2, -7, -7, -2], dtype=dt),
        np.array([2, 2, -2, -2, 0, 0, 3, -7, np.inf, 7, -7, np.inf], dtype=dt)],
        grad=False, name="signs"),
    Case("elemwise_div", [], inputs=lambda rng, dt: [np.array([7, -7, 7, -7, 0, 5], dtype=dt),
                                                     np.array([3, 3, -3, -3, 3, 2], dtype=dt)],
         dtypes=("int32", "int64", "int8"), grad=False, name="trunc"),
    Case("_power", [], inputs=lambda rng, dt: [np.array([2, 3, -2, 0, 1, -1], dtype=dt),
                                               np.array([3, 2, 3, 0, 5, 3], dtype=dt)],
         dtypes=INTS[:2] + ("int8",), grad=False, name="ints"),
]


# 2-output backward ops: (ograd, lhs, rhs) -> (lhs_grad, rhs_grad)
def _backward_inputs(lhs, rhs, shapes=(SAME[0], SAME[0], SAME[0])):
    def make(rng, dt):
        return [rng.uniform(-1, 1, shapes[0]).astype(dt), lhs(rng, shapes[1], dt),
                rhs(rng, shapes[2], dt)]
    return make


for fn in ("mul", "div", "power", "mod", "hypot", "maximum", "minimum"):
    _, _, lhs, rhs, _, _ = FUNCS[fn]
    CASES += [Case("_backward_" + fn, [], inputs=_backward_inputs(lhs, rhs), grad=False),
              Case("_backward_" + fn, [], inputs=_backward_inputs(lhs, rhs, ((2, 4, 3),) + BCAST),
                   grad=False, name="bcast")]
CASES += [Case("_backward_maximum", [], inputs=_backward_inputs(_ties, _ties), grad=False,
               name="ties"),
          Case("_backward_minimum", [], inputs=_backward_inputs(_ties, _ties), grad=False,
               name="ties")]

# add_n
CASES += [
    Case("add_n", [(3, 4)] * 3, {"num_args": 3}, dtypes=F16 + ("int32", "uint8")),
    Case("add_n", [(2, 3)], {"num_args": 1}, name="one"),
    Case("ElementWiseSum", [(2, 3)] * 5, {"num_args": 5}, name="five"),
]


# where
def _where_inputs(cond_shape, shape, cond_dtype=None):
    def make(rng, dt):
        cond = rng.integers(0, 2, cond_shape) * rng.integers(-2, 3, cond_shape)
        return [cond.astype(cond_dtype or dt), rng.uniform(-2, 2, shape).astype(dt),
                rng.uniform(-2, 2, shape).astype(dt)]
    return make


CASES += [
    Case("where", [], inputs=_where_inputs((3, 4), (3, 4)), dtypes=F16, grad_inputs=[1, 2]),
    Case("where", [], inputs=_where_inputs((3,), (3, 2, 2)), grad_inputs=[1, 2], name="rows"),
    Case("where", [], inputs=_where_inputs((3, 4), (3, 4), "int32"), grad_inputs=[1, 2],
         name="intcond"),
    Case("where", [], inputs=lambda rng, dt: [np.array([np.nan, -0.0, 0.0, 2.0], dtype=dt),
                                              np.array([1, 2, 3, 4], dtype=dt),
                                              np.array([5, 6, 7, 8], dtype=dt)],
         grad=False, name="nan"),
    Case("_backward_where", [], inputs=lambda rng, dt: _where_inputs((3, 4), (3, 4))(rng, dt)[1::-1],
         dtypes=F16, grad=False),
    Case("_backward_where", [], inputs=lambda rng, dt: [rng.uniform(-1, 1, (3, 2)).astype(dt),
                                                        np.array([1, 0, 2], dtype="int32")],
         grad=False, name="rows"),
]

# scalar forms: (op, scalar, data maker)
SCALAR = [
    ("_plus_scalar", 1.5, _uniform(-2, 2)), ("_minus_scalar", 1.5, _uniform(-2, 2)),
    ("_rminus_scalar", 1.5, _uniform(-2, 2)), ("_mul_scalar", -1.5, _uniform(-2, 2)),
    ("_div_scalar", -1.5, _uniform(-2, 2)), ("_rdiv_scalar", 2.5, _nonzero),
    ("_mod_scalar", 1.5, _uniform(-3, 3)), ("_mod_scalar", -1.5, _uniform(-3, 3)),
    ("_rmod_scalar", 2.5, _nonzero), ("_rmod_scalar", -2.5, _nonzero),
    ("_power_scalar", 2.5, _uniform(0.5, 2)), ("_power_scalar", 3.0, _uniform(-2, 2)),
    ("_rpower_scalar", 2.5, _uniform(-2, 2)), ("_maximum_scalar", 0.5, _uniform(-2, 2)),
    ("_minimum_scalar", 0.5, _uniform(-2, 2)), ("_hypot_scalar", 1.5, _uniform(-2, 2)),
]
for op, s, data in SCALAR:
    CASES.append(Case(op, [], {"scalar": s}, inputs=lambda rng, dt, d=data: [d(rng, (3, 4), dt)],
                      dtypes=F16 if op in ("_mul_scalar", "_rdiv_scalar") else F,
                      name="s%g" % s))
_INT_SCALAR = ["_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
               "_mod_scalar", "_maximum_scalar", "_minimum_scalar", "_hypot_scalar",
               "_power_scalar"]
for op in _INT_SCALAR:
    CASES += [
        Case(op, [(3, 4)], {"scalar": 2.7}, low=-5, high=5, dtypes=INTS, grad=False, name="int"),
        Case(op, [(3, 4)], {"scalar": -1.5}, low=-5, high=5, dtypes=("int32", "uint8"),
             grad=False, name="int_neg"),
        Case(op, [(3, 4)], {"scalar": 2.5, "is_int": False}, low=1, high=5,
             dtypes=("int32", "uint8"), grad=False, rtol=1e-12, name="is_int_false"),
    ]
CASES += [
    Case("_rdiv_scalar", [], {"scalar": 7}, inputs=lambda rng, dt: [_nonzero(rng, (3, 4), dt)],
         dtypes=("int32", "int64", "int8"), grad=False, name="int"),
    Case("_rmod_scalar", [], {"scalar": 7}, inputs=lambda rng, dt: [_nonzero(rng, (3, 4), dt)],
         dtypes=("int32", "int64", "int8"), grad=False, name="int"),
    Case("_rpower_scalar", [(3, 4)], {"scalar": 2}, low=0, high=4, dtypes=("int32", "int64"),
         grad=False, name="int"),
]
for name in ("equal", "not_equal", "greater", "greater_equal", "lesser", "lesser_equal",
             "logical_and", "logical_or", "logical_xor"):
    op = "_%s_scalar" % name
    CASES += [
        Case(op, [], {"scalar": 1.0}, inputs=lambda rng, dt: [_ties(rng, (3, 4), dt)],
             dtypes=F16 + ("int32", "uint8"), grad=False, name="ties"),
        Case(op, [], {"scalar": 0.0}, inputs=lambda rng, dt: [_ties(rng, (3, 4), dt)],
             dtypes=F + ("int32",), grad=False, name="zero"),
        Case(op, [(3, 4)], {"scalar": 0.5}),
        Case(op, [(3, 4)], {"scalar": 0.5, "is_int": False}, low=-2, high=2, dtypes=("int32",),
             grad=False, name="is_int_false"),
    ]


def _scalar_backward_inputs(data):
    def make(rng, dt):
        return [rng.uniform(-1, 1, (3, 4)).astype(dt), data(rng, (3, 4), dt)]
    return make


for op, s, data in [("_backward_rdiv_scalar", 2.5, _nonzero),
                    ("_backward_rmod_scalar", -2.5, _nonzero),
                    ("_backward_power_scalar", 2.5, _uniform(0.5, 2)),
                    ("_backward_rpower_scalar", 2.5, _uniform(0.5, 2)),
                    ("_backward_maximum_scalar", 1.0, _ties),
                    ("_backward_minimum_scalar", 1.0, _ties),
                    ("_backward_hypot_scalar", 1.5, _uniform(-2, 2))]:
    CASES.append(Case(op, [], {"scalar": s}, inputs=_scalar_backward_inputs(data), grad=False))
