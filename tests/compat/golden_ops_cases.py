"""Op cases for make_golden_ops.py, part 1: elementwise, reductions, tensor ops (MXNet venv only)."""
import numpy as np
import mxnet as mx

from golden_ops_lib import case, internal_case, U, N, A, I, HALVES, RNG  # noqa: F401

# ---------------------------------------------------------------------------------------------
# unary
# ---------------------------------------------------------------------------------------------

def unary():
    dom = {
        "log": (0.1, 3), "log2": (0.1, 3), "log10": (0.1, 3), "sqrt": (0.1, 3),
        "rsqrt": (0.1, 3), "log1p": (-0.9, 2), "arcsin": (-0.95, 0.95),
        "arccos": (-0.95, 0.95), "gamma": (0.2, 4), "gammaln": (0.2, 4),
        "reciprocal": (0.2, 2), "tan": (-1.2, 1.2),
    }
    names = ["relu", "sigmoid", "tanh", "softrelu", "softsign", "exp", "log", "log1p",
             "expm1", "log2", "log10", "sqrt", "rsqrt", "cbrt", "square", "abs", "sign",
             "negative", "reciprocal", "round", "rint", "floor", "ceil", "trunc", "fix", "sin",
             "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "erf",
             "gamma", "gammaln"]
    for op in names:
        lo, hi = dom.get(op, (-2, 2))
        x = U((2, 3), lo, hi)
        if op in ("relu", "abs", "sign", "round", "rint", "floor", "ceil", "trunc", "fix",
                  "softsign", "cbrt", "negative", "square"):
            x[0, 0] = 0.0                      # value of the gradient at 0
        if op in ("round", "rint", "floor", "ceil", "trunc", "fix"):
            x = HALVES.copy()
        if op == "cbrt":
            x[0, 0] = 0.5
        if op == "softrelu":
            case("softrelu_f32", "Activation", [("data", x)], {"act_type": "softrelu"},
                 note="MXNet 1.9.1 has no mx.nd.softrelu; it is Activation(act_type=softrelu)")
            continue
        case("%s_f32" % op, op, [("data", x)])
    # float64 spot checks (dtype preserved, double precision)
    for op in ("exp", "log", "sigmoid", "tanh", "sqrt", "erf", "gammaln"):
        lo, hi = dom.get(op, (-2, 2))
        case("%s_f64" % op, op, [("data", U((2, 3), max(lo, 0.2) if op in dom else lo, hi,
                                           "float64"))])
    case("relu_zero_grad", "relu", [("data", A([[-1.0, 0.0, 1.0]]))],
         note="gradient of relu at exactly 0")
    case("abs_zero_grad", "abs", [("data", A([[-1.0, 0.0, 1.0]]))])
    case("sqrt_zero", "sqrt", [("data", A([0.0, 1.0, 4.0]))], grad=False)
    case("log_nonpos", "log", [("data", A([0.0, -1.0, 1.0]))], grad=False,
         note="log(0)=-inf, log(-1)=nan")
    case("gamma_neg", "gamma", [("data", A([-0.5, -1.5, 0.5, 3.0, 5.0]))])
    case("gammaln_neg", "gammaln", [("data", A([-0.5, -1.5, 0.5, 3.0, 5.0]))])
    case("round_halves_f64", "round", [("data", HALVES.astype("float64"))])
    case("rint_halves_f64", "rint", [("data", HALVES.astype("float64"))])
    # clip
    x = A([[-2.0, -0.5, -0.2, 0.0], [0.2, 0.5, 0.7, 3.0]])
    case("clip_sym", "clip", [("data", x)], {"a_min": -0.5, "a_max": 0.5},
         note="inputs include values exactly at a_min/a_max (gradient at the bounds)")
    case("clip_asym", "clip", [("data", U((2, 3)))], {"a_min": 0.0, "a_max": 1.0})
    # Cast
    xc = A([[-1.7, -0.5, 0.0, 0.5, 1.5, 2.9]])
    case("cast_f32_i32", "Cast", [("data", xc)], {"dtype": "int32"}, grad=False,
         note="truncation toward zero")
    case("cast_f32_f16", "Cast", [("data", U((2, 3)))], {"dtype": "float16"})
    case("cast_f32_f64", "Cast", [("data", U((2, 3)))], {"dtype": "float64"})
    case("cast_i32_f32", "Cast", [("data", A([[-3, 0, 7]], "int32"))], {"dtype": "float32"})
    case("cast_f32_u8", "Cast", [("data", A([[0.0, 1.9, 200.6, 255.0]]))], {"dtype": "uint8"},
         grad=False)
    case("cast_f32_bool", "Cast", [("data", xc)], {"dtype": "bool"}, grad=False)
    case("cast_f32_i64", "Cast", [("data", xc)], {"dtype": "int64"}, grad=False)
    # int inputs for a few unary ops (output dtype)
    case("abs_i32", "abs", [("data", A([[-3, 0, 2]], "int32"))])
    case("square_i32", "square", [("data", A([[-3, 0, 2]], "int32"))])
    case("negative_i32", "negative", [("data", A([[-3, 0, 2]], "int32"))])


# ---------------------------------------------------------------------------------------------
# binary
# ---------------------------------------------------------------------------------------------

def binary():
    for op in ("elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div"):
        b = U((2, 3), 0.5, 2.0) if op == "elemwise_div" else U((2, 3))
        case(op, op, [("lhs", U((2, 3))), ("rhs", b)])
    bshapes = [((2, 3), (2, 3)), ((2, 1, 3), (1, 4, 1)), ((2, 3), (1, 3))]
    for op in ("broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div",
               "broadcast_power", "broadcast_maximum", "broadcast_minimum", "broadcast_hypot",
               "broadcast_mod"):
        for k, (sa, sb) in enumerate(bshapes):
            if op == "broadcast_power":
                a, b = U(sa, 0.2, 2.0), U(sb, -2, 2)
            elif op in ("broadcast_div", "broadcast_mod"):
                a, b = U(sa, -3, 3), U(sb, 0.5, 2.0) * np.where(U(sb) > 0, 1, -1).astype("f4")
            else:
                a, b = U(sa), U(sb)
            case("%s_%d" % (op, k), op, [("lhs", a), ("rhs", b)])
    # ties for maximum/minimum gradients
    t = A([[1.0, 2.0, 3.0]])
    case("broadcast_maximum_ties", "broadcast_maximum", [("lhs", t), ("rhs", A([[1.0, 1.0, 4.0]]))],
         note="gradient routing when lhs == rhs")
    case("broadcast_minimum_ties", "broadcast_minimum", [("lhs", t), ("rhs", A([[1.0, 1.0, 4.0]]))])
    # mod sign rule
    a = A([[-7.0, -7.0, 7.0, 7.0, -6.0, 5.5, -5.5, 0.0]])
    b = A([[3.0, -3.0, 3.0, -3.0, 3.0, 2.0, 2.0, 3.0]])
    case("broadcast_mod_signs", "broadcast_mod", [("lhs", a), ("rhs", b)],
         note="result takes the sign of the divisor (Python-style), see MXNET_NOTES.md")
    case("broadcast_mod_zero_div", "broadcast_mod",
         [("lhs", A([[1.5, -2.0]])), ("rhs", A([[0.0, 0.0]]))], grad=False)
    case("broadcast_mod_i32", "broadcast_mod",
         [("lhs", A([[-7, 7, -7, 7]], "int32")), ("rhs", A([[3, 3, -3, -3]], "int32"))])
    case("broadcast_div_i32", "broadcast_div",
         [("lhs", A([[-7, 7, -7, 7]], "int32")), ("rhs", A([[2, 2, -2, -2]], "int32"))])
    case("broadcast_add_f64", "broadcast_add", [("lhs", U((2, 3), dtype="float64")),
                                                ("rhs", U((1, 3), dtype="float64"))])
    case("broadcast_power_i32", "broadcast_power",
         [("lhs", A([[2, 3, -2]], "int32")), ("rhs", A([[3, 2, 3]], "int32"))])
    # comparisons / logical
    a = A([[0.0, 1.0, -1.0, 2.0, 0.5, 0.0]])
    b = A([[0.0, 2.0, -1.0, 1.0, 0.0, 3.0]])
    for op in ("broadcast_equal", "broadcast_not_equal", "broadcast_greater",
               "broadcast_greater_equal", "broadcast_lesser", "broadcast_lesser_equal",
               "broadcast_logical_and", "broadcast_logical_or", "broadcast_logical_xor"):
        case(op, op, [("lhs", a), ("rhs", b)])
        case(op + "_bcast", op, [("lhs", U((2, 1))), ("rhs", U((1, 3)))], grad=False)
    case("broadcast_greater_i32", "broadcast_greater",
         [("lhs", A([[1, 2, 3]], "int32")), ("rhs", A([[2, 2, 2]], "int32"))],
         note="comparison output dtype follows the input dtype")
    # NDArray operator forms
    x = U((2, 3), 0.3, 2.0)
    xm = A([[-7.0, -5.5, -1.0, 0.0, 2.5, 7.0]])
    forms = [
        ("op_add_scalar", "_plus_scalar", "x + 2", lambda v: v + 2, x, 2),
        ("op_radd_scalar", "_plus_scalar", "2 + x", lambda v: 2 + v, x, 2),
        ("op_sub_scalar", "_minus_scalar", "x - 2", lambda v: v - 2, x, 2),
        ("op_rsub_scalar", "_rminus_scalar", "2 - x", lambda v: 2 - v, x, 2),
        ("op_mul_scalar", "_mul_scalar", "x * 3", lambda v: v * 3, x, 3),
        ("op_neg", "_mul_scalar", "-x", lambda v: -v, x, -1),
        ("op_div_scalar", "_div_scalar", "x / 3", lambda v: v / 3, x, 3),
        ("op_rdiv_scalar", "_rdiv_scalar", "3 / x", lambda v: 3 / v, x, 3),
        ("op_pow_scalar", "_power_scalar", "x ** 2", lambda v: v ** 2, x, 2),
        ("op_pow_half", "_power_scalar", "x ** 0.5", lambda v: v ** 0.5, x, 0.5),
        ("op_rpow_scalar", "_rpower_scalar", "2 ** x", lambda v: 2 ** v, x, 2),
        ("op_mod_scalar", "_mod_scalar", "x % 3", lambda v: v % 3, xm, 3),
        ("op_mod_neg_scalar", "_mod_scalar", "x % -3", lambda v: v % -3, xm, -3),
        ("op_rmod_scalar", "_rmod_scalar", "3 % x", lambda v: 3 % v,
         A([[-2.0, -1.5, 1.5, 2.0, 4.0]]), 3),
        ("op_gt_scalar", "_greater_scalar", "x > 0.5", lambda v: v > 0.5, xm / 7, 0.5),
        ("op_ge_scalar", "_greater_equal_scalar", "x >= 0", lambda v: v >= 0, xm, 0),
        ("op_lt_scalar", "_lesser_scalar", "x < 0", lambda v: v < 0, xm, 0),
        ("op_rgt_scalar", "_lesser_scalar", "0.5 > x  (reflected to x < 0.5)",
         lambda v: 0.5 > v, xm / 7, 0.5),
        ("op_le_scalar", "_lesser_equal_scalar", "x <= 0", lambda v: v <= 0, xm, 0),
        ("op_eq_scalar", "_equal_scalar", "x == 0", lambda v: v == 0, xm, 0),
        ("op_ne_scalar", "_not_equal_scalar", "x != 0", lambda v: v != 0, xm, 0),
        ("maximum_scalar", "_maximum_scalar", "mx.nd.maximum(x, 0.5)",
         lambda v: mx.nd.maximum(v, 0.5), xm / 7, 0.5),
        ("minimum_scalar", "_minimum_scalar", "mx.nd.minimum(x, 0.5)",
         lambda v: mx.nd.minimum(v, 0.5), xm / 7, 0.5),
        ("maximum_scalar_left", "_maximum_scalar", "mx.nd.maximum(0.5, x)",
         lambda v: mx.nd.maximum(0.5, v), xm / 7, 0.5),
    ]
    for cid, op, py, fn, xin, s in forms:
        internal_case(cid, op, py, fn, xin, s)
    xi = A([[-7, -3, 0, 4, 7]], "int32")
    internal_case("op_add_scalar_i32", "_plus_scalar", "x + 2.5  (x int32)",
                  lambda v: v + 2.5, xi, 2.5, note="int32 array with a float scalar")
    internal_case("op_div_scalar_i32", "_div_scalar", "x / 2  (x int32)", lambda v: v / 2, xi, 2)
    internal_case("op_mod_scalar_i32", "_mod_scalar", "x % 3  (x int32)", lambda v: v % 3, xi, 3)
    internal_case("op_gt_scalar_i32", "_greater_scalar", "x > 0  (x int32)",
                  lambda v: v > 0, xi, 0)
    # array-array operator forms use broadcast_* ops
    a, b = U((2, 3)), U((1, 3), 0.5, 2)
    case("op_add_arrays", "broadcast_add", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] + n[1], python="x + y")
    case("op_truediv_arrays", "broadcast_div", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] / n[1], python="x / y")
    case("op_gt_arrays", "broadcast_greater", [("lhs", a), ("rhs", b)],
         call=lambda n: n[0] > n[1], python="x > y")
    # maximum / minimum with arrays
    case("maximum_arrays", "broadcast_maximum", [("lhs", U((2, 3))), ("rhs", U((2, 1)))],
         call=lambda n: mx.nd.maximum(n[0], n[1]), python="mx.nd.maximum(x, y)")
    case("minimum_arrays", "broadcast_minimum", [("lhs", U((2, 3))), ("rhs", U((2, 3)))],
         call=lambda n: mx.nd.minimum(n[0], n[1]), python="mx.nd.minimum(x, y)")
    # where
    cond = A([[1.0, 0.0, -2.0], [0.0, 0.5, 0.0]])
    case("where_same_shape", "where", [("condition", cond), ("x", U((2, 3))), ("y", U((2, 3)))],
         nograd=("condition",), note="nonzero (incl. negative) condition selects x")
    case("where_1d_cond", "where", [("condition", A([1.0, 0.0])), ("x", U((2, 3))),
                                     ("y", U((2, 3)))], nograd=("condition",),
         note="1-D condition selects whole rows")


# ---------------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------------

def reductions():
    x = U((2, 3, 4))
    settings = [
        ("all", {}),
        ("ax1", {"axis": 1}),
        ("ax02_keep", {"axis": (0, 2), "keepdims": True}),
        ("ax1_exclude", {"axis": 1, "exclude": True}),
        ("axneg", {"axis": -1}),
    ]
    for op in ("sum", "mean", "prod", "max", "min"):
        xi = U((2, 3, 4), 0.5, 1.5) if op == "prod" else x
        for tag, at in settings:
            case("%s_%s" % (op, tag), op, [("data", xi)], at)
    case("sum_empty_tuple_axis", "sum", [("data", x)], {"axis": ()},
         note="axis=() reduces over all axes -> shape (1,)")
    case("sum_f64", "sum", [("data", U((2, 3), dtype="float64"))], {"axis": 0})
    case("sum_i32", "sum", [("data", A([[1, 2, 3], [4, 5, 6]], "int32"))], {"axis": 1})
    case("mean_i32", "mean", [("data", A([[1, 2, 4], [4, 5, 7]], "int32"))], {"axis": 1},
         note="integer mean output dtype")
    t = A([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    case("max_ties", "max", [("data", t)], {"axis": 1}, note="gradient with tied maxima")
    case("min_ties", "min", [("data", t)], {"axis": 1})
    case("max_all_ties", "max", [("data", t)])
    for tag, at in [("all", {}), ("ord1", {"ord": 1}), ("ord2_ax1", {"ord": 2, "axis": 1}),
                    ("ord1_ax0_keep", {"ord": 1, "axis": 0, "keepdims": True}),
                    ("ax12", {"axis": (1, 2)}), ("keep_all", {"keepdims": True})]:
        case("norm_%s" % tag, "norm", [("data", x)], at)
    xn = A([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])
    case("nansum_all", "nansum", [("data", xn)])
    case("nansum_ax1", "nansum", [("data", xn)], {"axis": 1})
    case("nanprod_ax1", "nanprod", [("data", xn)], {"axis": 1})
    xa = A([[1.0, 5.0, 5.0, -2.0], [7.0, 0.0, 7.0, 3.0], [-1.0, -1.0, -3.0, -1.0]])
    for op in ("argmax", "argmin"):
        case("%s_ax1" % op, op, [("data", xa)], {"axis": 1},
             note="output dtype float32; ties -> first index")
        case("%s_ax0_keep" % op, op, [("data", xa)], {"axis": 0, "keepdims": True})
        case("%s_none" % op, op, [("data", xa)], {"axis": None},
             note="axis=None -> index into the flattened array, shape (1,)")
    case("argmax_i32", "argmax", [("data", A([[1, 9, 3]], "int32"))], {"axis": 1},
         note="argmax of int32 input: output dtype")
    case("argmax_channel", "argmax_channel", [("data", xa)])


# ---------------------------------------------------------------------------------------------
# tensor manipulation
# ---------------------------------------------------------------------------------------------

def tensor():
    x = U((2, 3, 4))
    reshapes = [
        ("r_4_0_m1", {"shape": (4, 0, -1)}),
        ("r_m2", {"shape": (-2,)}),
        ("r_2_m2", {"shape": (2, -2)}),
        ("r_m3_4", {"shape": (-3, 4)}),
        ("r_0_m3", {"shape": (0, -3)}),
        ("r_m3_m2", {"shape": (-3, -2)}),
        ("r_m4", {"shape": (-4, 1, 2, -2)}),
        ("r_m4_m1", {"shape": (2, -4, -1, 3, -2)}),
        ("r_m1_0_rev", {"shape": (-1, 0), "reverse": True}),
        ("r_m1_0", {"shape": (-1, 0)}),
        ("r_0_m1_rev", {"shape": (0, -1), "reverse": True}),
        ("r_m1", {"shape": (-1,)}),
        ("r_6_m1", {"shape": (6, -1)}),
        ("r_m4_1_m1_m2", {"shape": (-4, 1, -1, -2)}),
    ]
    for tag, at in reshapes:
        case("Reshape_" + tag, "Reshape", [("data", x)], at)
    case("Reshape_m4_rev_error", "Reshape", [("data", x)],
         {"shape": (-4, 1, -1, -2), "reverse": True}, expect_error=True,
         note="reverse=True reverses the shape codes too, so -4 must be followed by 2 values "
              "in the reversed list")
    # NOT recorded: Reshape(shape=(5, -1)) of 24 elements silently gives (5, 4) in MXNet 1.9.1
    # (reading past the size check; heap corruption on exit) -- see MXNET_NOTES.md.
    case("Reshape_5d_rev", "Reshape", [("data", U((2, 3, 1, 4, 1)))],
         {"shape": (0, 0, -1), "reverse": True})
    case("Flatten", "Flatten", [("data", x)])
    case("Flatten_4d", "Flatten", [("data", U((2, 1, 2, 3)))])
    case("transpose_default", "transpose", [("data", x)])
    case("transpose_axes", "transpose", [("data", x)], {"axes": (1, 0, 2)})
    case("expand_dims_1", "expand_dims", [("data", U((2, 3)))], {"axis": 1})
    case("expand_dims_neg", "expand_dims", [("data", U((2, 3)))], {"axis": -1})
    case("squeeze_default", "squeeze", [("data", U((1, 3, 1, 2)))])
    case("squeeze_axis", "squeeze", [("data", U((1, 3, 1, 2)))], {"axis": 2})
    case("squeeze_all_ones", "squeeze", [("data", U((1, 1)))],
         note="squeezing every axis gives shape (1,) in legacy mode")
    a, b, c = U((2, 3)), U((2, 1)), U((2, 2))
    case("Concat_default", "Concat", [("arg0", a), ("arg1", b), ("arg2", c)],
         note="default dim=1; num_args is filled in by the frontend")
    case("Concat_dim0", "Concat", [("arg0", U((1, 3))), ("arg1", U((2, 3)))], {"dim": 0})
    case("stack_0", "stack", [("arg0", U((2, 3))), ("arg1", U((2, 3)))])
    case("stack_neg", "stack", [("arg0", U((2, 3))), ("arg1", U((2, 3)))], {"axis": -1})
    case("split_ax1", "split", [("data", U((2, 6)))], {"num_outputs": 3, "axis": 1})
    case("split_squeeze", "split", [("data", U((2, 3)))], {"num_outputs": 3, "axis": 1,
                                                           "squeeze_axis": True})
    case("SliceChannel_default", "SliceChannel", [("data", U((4, 2)))], {"num_outputs": 2},
         note="default axis=1")
    y = U((3, 4))
    case("slice_basic", "slice", [("data", y)], {"begin": (0, 1), "end": (2, 3)})
    case("slice_none", "slice", [("data", y)], {"begin": (None, 1), "end": (None, None)})
    case("slice_step", "slice", [("data", y)], {"begin": (None, None), "end": (None, None),
                                               "step": (2, -1)},
         note="negative step with None begin/end walks backwards from the end")
    case("slice_neg", "slice", [("data", y)], {"begin": (-2,), "end": (-1,)})
    case("slice_step_neg_bounds", "slice", [("data", y)], {"begin": (2, 3), "end": (None, 0),
                                                          "step": (-1, -2)})
    case("slice_axis_1", "slice_axis", [("data", y)], {"axis": 1, "begin": 1, "end": None})
    case("slice_axis_neg", "slice_axis", [("data", y)], {"axis": -1, "begin": -3, "end": -1})
    case("slice_like_default", "slice_like", [("data", y), ("shape_like", U((2, 3)))],
         nograd=("shape_like",))
    case("slice_like_axes", "slice_like", [("data", y), ("shape_like", U((2, 3)))],
         {"axes": (1,)}, nograd=("shape_like",))
    w = U((4, 3))
    idx = I([[0, 5], [-1, 2]])
    case("take_clip", "take", [("a", w), ("indices", idx)], nograd=("indices",),
         note="default mode clip: -1 -> 0, 5 -> 3")
    case("take_wrap", "take", [("a", w), ("indices", idx)], {"mode": "wrap"},
         nograd=("indices",))
    case("take_axis1", "take", [("a", w), ("indices", I([2, -1, 7, 0]))], {"axis": 1},
         nograd=("indices",))
    case("take_dup", "take", [("a", w), ("indices", I([1, 1, 3]))], nograd=("indices",),
         note="duplicated indices accumulate gradient")
    case("take_frac", "take", [("a", w), ("indices", I([0.4, 1.6, 2.5]))],
         nograd=("indices",), note="float indices are truncated/cast")
    p = U((3, 4))
    case("pick_default", "pick", [("data", p), ("index", I([0, 5, -1]))], nograd=("index",),
         note="default axis=-1, mode clip")
    case("pick_keep", "pick", [("data", p), ("index", I([1, 2, 3]))], {"keepdims": True},
         nograd=("index",))
    case("pick_axis0", "pick", [("data", p), ("index", I([0, 2, 1, 1]))], {"axis": 0},
         nograd=("index",))
    case("pick_wrap", "pick", [("data", p), ("index", I([-1, 5, 2]))], {"mode": "wrap"},
         nograd=("index",))
    oi = I([0, 2, -1, 5, 1])
    case("one_hot", "one_hot", [("indices", oi)], {"depth": 4},
         note="out-of-range indices give all-off rows")
    case("one_hot_vals", "one_hot", [("indices", I([[0, 2], [1, 3]]))],
         {"depth": 3, "on_value": 5.0, "off_value": -1.0})
    case("one_hot_i32", "one_hot", [("indices", oi)], {"depth": 4, "dtype": "int32"})
    t = U((2, 3))
    case("tile_2_1", "tile", [("data", t)], {"reps": (2, 1)})
    case("tile_short", "tile", [("data", t)], {"reps": (3,)},
         note="reps shorter than ndim: applies to trailing axes")
    case("tile_long", "tile", [("data", t)], {"reps": (2, 1, 2)})
    case("repeat_none", "repeat", [("data", t)], {"repeats": 2},
         note="axis=None flattens first")
    case("repeat_ax1", "repeat", [("data", t)], {"repeats": 2, "axis": 1})
    case("repeat_axneg", "repeat", [("data", t)], {"repeats": 3, "axis": -2})
    case("reverse_0", "reverse", [("data", t)], {"axis": 0})
    case("reverse_01", "reverse", [("data", t)], {"axis": (0, 1)})
    pd = U((1, 2, 3, 3))
    pw = (0, 0, 0, 0, 1, 2, 2, 1)
    case("pad_constant", "pad", [("data", pd)], {"mode": "constant", "pad_width": pw,
                                                 "constant_value": 1.5})
    case("pad_constant_default", "pad", [("data", pd)], {"mode": "constant", "pad_width": pw})
    case("pad_edge", "pad", [("data", pd)], {"mode": "edge", "pad_width": pw})
    case("pad_reflect", "pad", [("data", pd)], {"mode": "reflect",
                                                "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)})
    case("broadcast_to_0", "broadcast_to", [("data", U((1, 3)))], {"shape": (2, 0)},
         note="0 in shape keeps the input dim")
    case("broadcast_to_3d", "broadcast_to", [("data", U((2, 1, 1)))], {"shape": (2, 3, 4)})
    case("broadcast_axis", "broadcast_axis", [("data", U((2, 1, 1)))], {"axis": (1, 2),
                                                                       "size": (3, 2)})
    case("broadcast_like", "broadcast_like", [("lhs", U((1, 3))), ("rhs", U((2, 3)))],
         nograd=("rhs",))
    case("broadcast_like_axes", "broadcast_like", [("lhs", U((1, 3))), ("rhs", U((3, 4)))],
         {"lhs_axes": (0,), "rhs_axes": (1,)}, nograd=("rhs",))
    case("zeros_like", "zeros_like", [("data", t)])
    case("ones_like", "ones_like", [("data", t)])
    case("ones_like_i32", "ones_like", [("data", A([[1, 2]], "int32"))])
    tk = A([[3.0, 1.0, 4.0, 1.5, 5.0], [9.0, 2.0, 6.0, 5.0, 3.0]])
    case("topk_default", "topk", [("data", tk)], note="default k=1, ret_typ=indices, float32")
    case("topk_value", "topk", [("data", tk)], {"k": 2, "ret_typ": "value"})
    case("topk_indices_asc", "topk", [("data", tk)], {"k": 2, "ret_typ": "indices",
                                                     "is_ascend": True})
    case("topk_both", "topk", [("data", tk)], {"k": 3, "ret_typ": "both"})
    case("topk_mask", "topk", [("data", tk)], {"k": 2, "ret_typ": "mask"})
    case("topk_axis0", "topk", [("data", tk)], {"k": 1, "axis": 0, "ret_typ": "value"})
    case("topk_axis_none", "topk", [("data", tk)], {"k": 3, "axis": None, "ret_typ": "indices"},
         note="axis=None: indices into the flattened array")
    case("topk_i32_dtype", "topk", [("data", tk)], {"k": 2, "dtype": "int32"})
    case("sort_default", "sort", [("data", tk)])
    case("sort_desc_ax0", "sort", [("data", tk)], {"axis": 0, "is_ascend": False})
    case("argsort_default", "argsort", [("data", tk)], note="output float32")
    case("argsort_desc", "argsort", [("data", tk)], {"is_ascend": False, "dtype": "int32"})
    gd = U((3, 4))
    case("gather_nd_2", "gather_nd", [("data", gd), ("indices", I([[0, 2, 1], [3, 0, 1]]))],
         nograd=("indices",), note="indices shape (M, ...) index the first M axes")
    case("gather_nd_1", "gather_nd", [("data", gd), ("indices", I([[2, 0, 2]]))],
         nograd=("indices",), note="duplicate rows accumulate gradient")
    case("shape_array", "shape_array", [("data", x)], note="int64 output")
    case("size_array", "size_array", [("data", x)], note="int64 output, shape (1,)")
