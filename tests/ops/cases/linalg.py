"""Cases for the linear-algebra ops (linalg.py)."""
from tests.ops.harness import Case

F = ("float32", "float64")
F16 = ("float16", "float32", "float64")
INT = F + ("int32",)

CASES = [
    # dot: 2-D with every transpose combination, vectors, N-D contractions
    Case("dot", [(2, 3), (3, 4)], dtypes=F16 + ("int32",)),
    Case("dot", [(3, 2), (3, 4)], {"transpose_a": True}, name="ta"),
    Case("dot", [(2, 3), (4, 3)], {"transpose_b": True}, name="tb"),
    Case("dot", [(3, 2), (4, 3)], {"transpose_a": True, "transpose_b": True}, name="ta-tb"),
    Case("dot", [(4,), (4,)], name="vec-vec"),
    Case("dot", [(3,), (3, 2)], name="vec-mat"),
    Case("dot", [(2, 3), (3,)], name="mat-vec"),
    Case("dot", [(3,), (2, 3)], {"transpose_b": True}, name="vec-tb"),
    Case("dot", [(2, 3, 2), (2, 3)], name="nd"),
    Case("dot", [(2, 2, 3), (2, 3)], {"transpose_a": True}, name="nd-ta"),
    Case("dot", [(2, 3, 2), (3, 2, 2)], {"transpose_b": True}, name="nd-tb"),
    Case("_backward_dot", [(2, 4), (2, 3), (3, 4)], dtypes=F16, grad=False),
    Case("_backward_dot", [(3, 4), (2, 3), (4, 2)], {"transpose_a": True, "transpose_b": True},
         grad=False, name="ta-tb"),
    Case("_backward_dot", [(2, 3, 2), (2, 2, 3), (2, 2)], {"transpose_a": True}, grad=False,
         name="nd-ta"),
    Case("_backward_dot", [(2, 3, 3, 2), (2, 3, 2), (3, 2, 2)], {"transpose_b": True}, grad=False,
         name="nd-tb"),
    Case("_backward_dot", [(1,), (3,), (3,)], grad=False, name="vec"),
    # batch_dot: 3-D with every transpose combination, 4-D batches
    Case("batch_dot", [(2, 2, 3), (2, 3, 4)], dtypes=F16 + ("int32",)),
    Case("batch_dot", [(2, 3, 2), (2, 3, 4)], {"transpose_a": True}, name="ta"),
    Case("batch_dot", [(2, 2, 3), (2, 4, 3)], {"transpose_b": True}, name="tb"),
    Case("batch_dot", [(2, 3, 2), (2, 4, 3)], {"transpose_a": True, "transpose_b": True},
         name="ta-tb"),
    Case("batch_dot", [(2, 1, 2, 3), (2, 1, 3, 2)], name="4d"),
    # FullyConnected: flatten of N-D data, no_bias, flatten=False on the last axis
    Case("FullyConnected", [(3, 4), (5, 4), (5,)], {"num_hidden": 5}, dtypes=F16 + ("int32",)),
    Case("FullyConnected", [(2, 3, 2), (4, 6), (4,)], {"num_hidden": 4}, name="flatten-3d"),
    Case("FullyConnected", [(3, 4), (2, 4)], {"num_hidden": 2, "no_bias": True}, name="no-bias"),
    Case("FullyConnected", [(2, 3, 4), (5, 4), (5,)], {"num_hidden": 5, "flatten": False},
         dtypes=F16, name="no-flatten"),
    Case("FullyConnected", [(4,), (3, 4)], {"num_hidden": 3, "flatten": False, "no_bias": True},
         name="vector"),
]
