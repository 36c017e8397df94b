"""Cases for the unary elementwise ops (compiler/ops/unary.py, unary_math.py)."""
import numpy as np

from tests.ops.harness import Case

F = ("float32", "float64")
F16 = ("float16", "float32", "float64")
INTS = ("int32", "int64", "uint8", "int8")

# op: (low, high, dtypes) for the forward check and the gradient check
UNARY = {
    "relu": (-2, 2, F16 + INTS),
    "sigmoid": (-3, 3, F16 + ("int32",)),
    "tanh": (-2, 2, F16),
    "softsign": (-2, 2, F + ("int32",)),
    "exp": (-2, 2, F16 + ("int32",)),
    "log": (0.5, 3, F16),
    "log10": (0.5, 3, F),
    "log2": (0.5, 3, F + ("int32",)),
    "log1p": (-0.5, 2, F),
    "expm1": (-2, 2, F),
    "sqrt": (0.5, 3, F16 + ("int32",)),
    "rsqrt": (0.5, 3, F),
    "cbrt": (0.5, 3, F + ("int32",)),
    "rcbrt": (0.5, 3, F),
    "square": (-2, 2, F16 + INTS),
    "abs": (-2, 2, F16 + ("int32", "int64", "int8")),
    "sign": (-2, 2, F16 + ("int32", "int64", "int8")),
    "negative": (-2, 2, F16 + INTS),
    "reciprocal": (0.5, 3, F),
    "round": (-3, 3, F16 + ("int32",)),
    "rint": (-3, 3, F16 + ("int32",)),
    "floor": (-3, 3, F16 + ("int32",)),
    "ceil": (-3, 3, F + ("int32",)),
    "trunc": (-3, 3, F),
    "fix": (-3, 3, F),
    "sin": (-3, 3, F16),
    "cos": (-3, 3, F),
    "tan": (-1.2, 1.2, F),
    "arcsin": (-0.9, 0.9, F),
    "arccos": (-0.9, 0.9, F),
    "arctan": (-3, 3, F),
    "sinh": (-2, 2, F),
    "cosh": (-2, 2, F),
    "arcsinh": (-3, 3, F),
    "arccosh": (1.2, 3, F),
    "arctanh": (-0.9, 0.9, F),
    "degrees": (-3, 3, F + ("int32",)),
    "radians": (-200, 200, F + ("int32",)),
    "erf": (-2, 2, F16),
    "erfinv": (-0.95, 0.95, F),
    "gamma": (0.3, 4, F),
    "gammaln": (0.3, 4, F),
    "logical_not": (-1, 1, F16 + ("int32", "uint8")),
}

CASES = [
    Case("softrelu", [(3, 4)], low=-3, high=25),
    Case("_backward_softrelu", [(3, 4), (3, 4)], low=0.1, high=3, grad=False),
] + [Case(op, [(3, 4)], low=lo, high=hi, dtypes=dts) for op, (lo, hi, dts) in UNARY.items()]

# negative domains and special inputs
CASES += [
    Case("cbrt", [(2, 3)], low=-3, high=-0.5, name="neg"),
    Case("rcbrt", [(2, 3)], low=-3, high=-0.5, name="neg"),
    Case("gamma", [(2, 3)], low=-0.95, high=-0.05, name="neg"),
    Case("gamma", [(2, 3)], low=-2.9, high=-2.1, name="neg2"),
    Case("gammaln", [(2, 3)], low=-1.9, high=-1.1, name="neg"),
    Case("log1p", [(2, 3)], low=-0.9, high=-0.1, name="neg"),
    Case("round", [], inputs=lambda rng, dt: [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.4,
                                                        0.49999997, 3.7, -3.7], dtype=dt)],
         grad=False, dtypes=F16, name="halves"),
    Case("rint", [], inputs=lambda rng, dt: [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.4,
                                                       0.6, 3.7, -3.7], dtype=dt)],
         grad=False, dtypes=F16, name="halves"),
    Case("relu", [], inputs=lambda rng, dt: [np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, 1.0],
                                                      dtype=dt)],
         grad=False, name="special"),
    Case("sign", [], inputs=lambda rng, dt: [np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, 1.0],
                                                      dtype=dt)],
         grad=False, name="special"),
    Case("erfinv", [], inputs=lambda rng, dt: [np.array([-1, -0.999, 0, 0.9999, 1, 1.5, -2],
                                                        dtype=dt)],
         grad=False, name="edges"),
    Case("sqrt", [(2, 3)], low=0, high=100, dtypes=("int32", "uint8", "int64"), grad=False,
         name="ints"),
]

# clip (float32-rounded bounds), Cast, logical_not
CASES += [
    Case("clip", [(3, 4)], {"a_min": -1.0, "a_max": 0.7}, dtypes=F16 + ("int32", "int64")),
    Case("clip", [(3, 4)], {"a_min": -1.5, "a_max": 3.7}, low=0, high=6,
         dtypes=("uint8", "int8"), grad=False, name="uint"),
    Case("clip", [(3, 4)], {"a_min": 0.5, "a_max": -0.5}, name="reversed"),
    Case("clip", [], {"a_min": -0.3, "a_max": 0.1},
         inputs=lambda rng, dt: [np.array([0.5, -5, np.nan, 0.1, -0.3], dtype=dt)],
         grad=False, name="bounds"),
    Case("_backward_clip", [(3, 4), (3, 4)], {"a_min": -1.0, "a_max": 0.7}, grad=False),
    Case("Cast", [(3, 4)], {"dtype": "float64"}, dtypes=F16 + ("int32",)),
    Case("Cast", [(3, 4)], {"dtype": "float16"}, grad=False, name="f16"),
    Case("Cast", [(3, 4)], {"dtype": "int32"}, low=-300, high=300, grad=False, name="int32"),
    Case("cast", [(3, 4)], {"dtype": "uint8"}, low=-300, high=300, grad=False, name="uint8"),
    Case("Cast", [(3, 4)], {"dtype": "float32"}, dtypes=("int32", "uint8", "int64"),
         grad=False, name="from_int"),
    Case("_backward_cast", [], inputs=lambda rng, dt: [rng.uniform(-1, 1, (3, 4)).astype(dt),
                                                      rng.uniform(-1, 1, (3, 4)).astype("float16")],
         grad=False),
]


def _backward_inputs(low, high):
    def make(rng, dt):
        return [rng.uniform(-1, 1, (3, 4)).astype(dt), rng.uniform(low, high, (3, 4)).astype(dt)]
    return make


# backward ops: (ograd, data or output) with the second input in the function's domain
BACKWARD = {
    "sigmoid": (0.05, 0.95), "tanh": (-0.9, 0.9), "softsign": (-2, 2), "log": (0.5, 3),
    "log10": (0.5, 3), "log2": (0.5, 3), "log1p": (-0.5, 2), "expm1": (-2, 2),
    "sqrt": (0.5, 3), "rsqrt": (0.5, 3), "cbrt": (-3, 3), "rcbrt": (0.5, 3),
    "square": (-2, 2), "abs": (-2, 2), "reciprocal": (0.5, 3), "sin": (-3, 3),
    "cos": (-3, 3), "tan": (-2, 2), "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9),
    "arctan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "arcsinh": (-3, 3),
    "arccosh": (1.2, 3), "arctanh": (-0.9, 0.9), "degrees": (-3, 3), "radians": (-3, 3),
    "erf": (-2, 2), "erfinv": (-0.95, 0.95), "gamma": (0.3, 4), "gammaln": (0.3, 4),
}
CASES += [Case("_backward_" + op, [], inputs=_backward_inputs(lo, hi), grad=False,
               dtypes=F16 if op in ("sigmoid", "log", "abs") else F)
          for op, (lo, hi) in BACKWARD.items()]
CASES += [Case("_backward_gamma", [], inputs=_backward_inputs(-2.9, -2.1), grad=False, name="neg")]
