"""Cases for BatchNorm, LayerNorm, InstanceNorm, L2Normalization, LRN and their backward ops."""
import numpy as np

from compiler.ops import registry
from tests.ops.harness import Case

F3 = ("float16", "float32", "float64")


def _bn_inputs(shape, axis=1):
    """data, gamma, beta, moving_mean, moving_var (float32 params for float16 data)."""
    def make(rng, dtype):
        c = shape[axis]
        p = "float32" if dtype == "float16" else dtype
        return [rng.uniform(-2, 3, shape).astype(dtype), rng.uniform(0.5, 1.5, c).astype(p),
                rng.uniform(-1, 1, c).astype(p), rng.uniform(-0.5, 0.5, c).astype(p),
                rng.uniform(0.5, 2.0, c).astype(p)]
    return make


def _bn_backward_inputs(shape, axis=1):
    """ograd, data, gamma, mean, invstd (of data), moving_mean, moving_var."""
    def make(rng, dtype):
        x, gamma, _, mm, mv = _bn_inputs(shape, axis)(rng, dtype)
        red = tuple(i for i in range(len(shape)) if i != axis)
        xf = x.astype(np.float64)
        mean = xf.mean(axis=red).astype(gamma.dtype)
        invstd = (1.0 / np.sqrt(xf.var(axis=red) + 1e-3)).astype(gamma.dtype)
        og = rng.uniform(-1, 1, shape).astype(dtype)
        return [og, x, gamma, mean, invstd, mm, mv]
    return make


def _stats_backward_inputs(op_name, attrs, shape, gshape):
    """ograd, data, gamma and the forward's hidden statistics (computed by the reference)."""
    def make(rng, dtype):
        op = registry.get(op_name)
        x = rng.uniform(-2, 2, shape).astype(dtype)
        gamma = rng.uniform(0.5, 1.5, gshape).astype(dtype)
        beta = rng.uniform(-1, 1, gshape).astype(dtype)
        outs = op.reference(op.parse(attrs), [x, gamma, beta], None)
        og = rng.uniform(-1, 1, shape).astype(dtype)
        return [og, x, gamma, outs[1], outs[2]]
    return make


def _affine_inputs(shape, gshape):
    def make(rng, dtype):
        return [rng.uniform(-2, 2, shape).astype(dtype), rng.uniform(0.5, 1.5, gshape).astype(dtype),
                rng.uniform(-1, 1, gshape).astype(dtype)]
    return make


def _l2_backward_inputs(shape, mode):
    def make(rng, dtype):
        op = registry.get("L2Normalization")
        x = rng.uniform(-2, 2, shape).astype(dtype)
        y, norm = op.reference(op.parse({"mode": mode}), [x], None)
        return [rng.uniform(-1, 1, shape).astype(dtype), y, norm]
    return make


def _lrn_backward_inputs(shape, attrs):
    def make(rng, dtype):
        op = registry.get("LRN")
        x = rng.uniform(-2, 2, shape).astype(dtype)
        norm = op.reference(op.parse(attrs), [x], None)[1]
        return [rng.uniform(-1, 1, shape).astype(dtype), x, norm]
    return make


BN = [(4, 3, 2), (3,), (3,), (3,), (3,)]
LRN_ATTRS = {"nsize": 3, "alpha": 0.1, "beta": 0.75, "knorm": 1.5}

CASES = [
    # --- BatchNorm: gradient of data, gamma, beta (the aux states get none) ---
    Case("BatchNorm", [], {"fix_gamma": False}, is_train=True, dtypes=F3, grad_inputs=[0, 1, 2],
         inputs=_bn_inputs((4, 3, 2)), name="train"),
    Case("BatchNorm", [], {}, is_train=True, grad_inputs=[0, 1, 2], inputs=_bn_inputs((4, 3, 2)),
         name="train_fix_gamma"),
    Case("BatchNorm", [], {"fix_gamma": False, "axis": -1, "eps": 1e-5, "momentum": 0.5},
         is_train=True, grad_inputs=[0, 1, 2], inputs=_bn_inputs((3, 2, 4), axis=2),
         name="train_axis_last"),
    Case("BatchNorm", [], {"fix_gamma": False}, is_train=True, grad_inputs=[0, 1, 2],
         inputs=_bn_inputs((3, 2, 2, 2)), name="train_4d"),
    Case("BatchNorm", [], {"fix_gamma": False, "use_global_stats": True}, is_train=True,
         grad_inputs=[0, 1, 2], inputs=_bn_inputs((4, 3, 2)), name="global_stats"),
    # inference forward; MXNet's backward follows the BACKWARD's training flag, so the
    # harness's train-mode backward would not be the derivative: checked in the semantics test
    Case("BatchNorm", [], {"fix_gamma": False}, dtypes=F3, grad=False,
         inputs=_bn_inputs((4, 3, 2)), name="eval"),
    Case("BatchNorm", [], {"fix_gamma": False, "output_mean_var": True}, is_train=True,
         grad=False, inputs=_bn_inputs((4, 3, 2)), name="output_mean_var"),
    Case("BatchNorm", [], {"fix_gamma": False}, is_train=True, grad=False,
         inputs=_bn_inputs((8, 16, 32, 20)), name="parallel"),
    Case("_backward_BatchNorm", [], {"fix_gamma": False}, is_train=True, grad=False, dtypes=F3,
         inputs=_bn_backward_inputs((4, 3, 2)), name="train"),
    Case("_backward_BatchNorm", [], {}, is_train=True, grad=False,
         inputs=_bn_backward_inputs((4, 3, 2)), name="train_fix_gamma"),
    Case("_backward_BatchNorm", [], {"fix_gamma": False, "axis": 0}, grad=False,
         inputs=_bn_backward_inputs((3, 4, 2), axis=0), name="eval_axis0"),
    Case("_backward_BatchNorm", [], {"fix_gamma": False}, is_train=True, grad=False,
         inputs=_bn_backward_inputs((8, 16, 32, 20)), name="parallel"),

    # --- LayerNorm ---
    Case("LayerNorm", [], {}, dtypes=F3, inputs=_affine_inputs((2, 3, 4), (4,))),
    Case("LayerNorm", [], {"axis": 1, "eps": 1e-3}, inputs=_affine_inputs((2, 3, 4), (3,)),
         name="axis1"),
    Case("LayerNorm", [], {"axis": 0, "output_mean_var": True}, grad=False,
         inputs=_affine_inputs((3, 4), (3,)), name="output_mean_var"),
    Case("LayerNorm", [], {}, grad=False, inputs=_affine_inputs((600, 128), (128,)),
         name="parallel"),
    Case("_backward_LayerNorm", [], {}, grad=False, dtypes=F3,
         inputs=_stats_backward_inputs("LayerNorm", {}, (2, 3, 4), (4,))),
    Case("_backward_LayerNorm", [], {"axis": 1}, grad=False,
         inputs=_stats_backward_inputs("LayerNorm", {"axis": 1}, (2, 3, 4), (3,)), name="axis1"),

    # --- InstanceNorm ---
    Case("InstanceNorm", [], {}, dtypes=F3, inputs=_affine_inputs((2, 3, 4), (3,))),
    Case("InstanceNorm", [], {"eps": 1e-5}, inputs=_affine_inputs((2, 2, 2, 3), (2,)),
         name="4d"),
    Case("_backward_InstanceNorm", [], {}, grad=False, dtypes=F3,
         inputs=_stats_backward_inputs("InstanceNorm", {}, (2, 3, 4), (3,))),

    # --- L2Normalization ---
    Case("L2Normalization", [(2, 3, 4)], {}, dtypes=F3, name="instance"),
    Case("L2Normalization", [(2, 3, 4)], {"mode": "channel"}, name="channel"),
    Case("L2Normalization", [(2, 3, 2, 2)], {"mode": "spatial", "eps": 1e-3}, name="spatial"),
    Case("L2Normalization", [(4,)], {}, name="instance_1d"),
    Case("_backward_L2Normalization", [], {"mode": "channel"}, grad=False, dtypes=F3,
         inputs=_l2_backward_inputs((2, 3, 4), "channel")),
    Case("_backward_L2Normalization", [], {"mode": "spatial"}, grad=False,
         inputs=_l2_backward_inputs((2, 3, 2, 2), "spatial"), name="spatial"),
    Case("_backward_L2Normalization", [], {}, grad=False,
         inputs=_l2_backward_inputs((2, 3, 4), "instance"), name="instance"),

    # --- LRN ---
    Case("LRN", [(2, 5, 2, 3)], LRN_ATTRS, dtypes=F3),
    Case("LRN", [(1, 6, 2, 2)], {"nsize": 4, "alpha": 0.2, "beta": 0.5}, name="even_nsize"),
    Case("LRN", [(1, 3, 2, 2)], {"nsize": 5}, name="default_params"),
    Case("_backward_LRN", [], LRN_ATTRS, grad=False, dtypes=F3,
         inputs=_lrn_backward_inputs((2, 5, 2, 3), LRN_ATTRS)),
    Case("_backward_LRN", [], {"nsize": 4, "alpha": 0.2, "beta": 0.5}, grad=False,
         inputs=_lrn_backward_inputs((1, 6, 2, 2), {"nsize": 4, "alpha": 0.2, "beta": 0.5}),
         name="even_nsize"),
]
