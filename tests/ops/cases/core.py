"""Cases for the ops declared with the core: relu, _copy, elemwise_add, broadcast_add ..."""
from tests.ops.harness import Case

CASES = [
    Case("relu", [(3, 4)]),
    Case("_backward_relu", [(3, 4), (3, 4)], grad=False),
    Case("_copy", [(2, 3, 4)]),
    Case("elemwise_add", [(3, 4), (3, 4)]),
    Case("broadcast_add", [(3, 4), (1, 4)], name="row"),
    Case("broadcast_add", [(2, 3, 1), (3, 5)], name="both"),
    Case("_plus_scalar", [(3, 4)], {"scalar": 2.5}),
    Case("_reduce_sum_like", [(2, 3, 4), (3, 1)]),
    Case("_zeros", [], {"shape": (2, 3)}, grad=False),
    Case("_ones", [], {"shape": (2, 3)}, grad=False),
    Case("_full", [], {"shape": (2, 3), "value": 1.5}, grad=False),
    Case("_arange", [], {"start": 1, "stop": 7, "step": 1.5, "repeat": 2}, grad=False),
    Case("_linspace", [], {"start": 0, "stop": 1, "num": 5}, grad=False),
    Case("_eye", [], {"N": 3, "M": 4, "k": 1}, grad=False),
    Case("_random_uniform", [], {"low": -1, "high": 2, "shape": (3, 4)}, grad=False),
    Case("_random_normal", [], {"loc": 1, "scale": 2, "shape": (3, 4)}, grad=False),
    Case("_random_randint", [], {"low": -3, "high": 9, "shape": (3, 4), "dtype": "int32"},
         dtypes=("int32",), grad=False),
    Case("_shuffle", [(5, 2)], grad=False),
]
