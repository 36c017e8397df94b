"""Cases for GroupNorm and _backward_GroupNorm."""
from compiler.ops import registry
from tests.ops.harness import Case

F3 = ("float16", "float32", "float64")


def _inputs(shape, groups):
    def make(rng, dtype):
        return [rng.uniform(-2, 2, shape).astype(dtype),
                rng.uniform(0.5, 1.5, (groups,)).astype(dtype),
                rng.uniform(-1, 1, (groups,)).astype(dtype)]
    return make


def _backward_inputs(shape, attrs):
    def make(rng, dtype):
        op = registry.get("GroupNorm")
        x, gamma, beta = _inputs(shape, attrs["num_groups"])(rng, dtype)
        outs = op.reference(op.parse(attrs), [x, gamma, beta], None)
        og = rng.uniform(-1, 1, shape).astype(dtype)
        return [og, x, gamma, outs[1], outs[2]]
    return make


CASES = [
    Case("GroupNorm", [], {"num_groups": 2}, dtypes=F3, inputs=_inputs((2, 4, 3), 2)),
    Case("GroupNorm", [], {"num_groups": 1, "eps": 1e-3}, inputs=_inputs((2, 3, 2, 2), 1),
         name="one_group_4d"),
    # as in MXNet, the gradient ignores head gradients of the mean/std outputs
    Case("GroupNorm", [], {"num_groups": 3, "output_mean_var": True}, grad=False,
         inputs=_inputs((1, 6, 2), 3), name="mean_var"),
    Case("_backward_GroupNorm", [], {"num_groups": 2}, grad=False, dtypes=F3,
         inputs=_backward_inputs((2, 4, 3), {"num_groups": 2})),
]
