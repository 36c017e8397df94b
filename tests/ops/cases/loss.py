"""Cases for the loss layers and their backward ops.

The loss layers' gradients ignore the head gradient (as MXNet's), so the finite-difference
check does not apply (grad=False); tests/ops/test_loss_semantics.py checks their gradients
against MXNet's formulas instead.
"""
import numpy as np

from tests.ops.harness import Case

F3 = ("float16", "float32", "float64")


def _data_label(dshape, lshape, k, labels=None):
    """Float data and float class-index labels in [0, k) (or the given label values)."""
    def make(rng, dtype):
        x = rng.uniform(-2, 2, dshape).astype(dtype)
        lab = rng.integers(0, k, lshape) if labels is None else np.array(labels).reshape(lshape)
        return [x, lab.astype(dtype)]
    return make


def _prob_label(shape):
    def make(rng, dtype):
        p = rng.uniform(0, 1, shape)
        return [rng.uniform(-2, 2, shape).astype(dtype), (p / p.sum(-1, keepdims=True)).astype(dtype)]
    return make


def _softmax_label(dshape, lshape, k, axis=-1, labels=None):
    """(output, label) for the backward op: output is a softmax of random data."""
    def make(rng, dtype):
        x = rng.uniform(-2, 2, dshape)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        lab = rng.integers(0, k, lshape) if labels is None else np.array(labels).reshape(lshape)
        return [(e / e.sum(axis=axis, keepdims=True)).astype(dtype), lab.astype(dtype)]
    return make


def _sce_backward(n, k):
    def make(rng, dtype):
        return [np.array([rng.uniform(0.5, 2)]).astype(dtype),
                rng.uniform(-2, 2, (n, k)).astype(dtype), rng.integers(0, k, n).astype(dtype)]
    return make


MULTI_LABELS = [[0, 1, 2, 0], [2, -1, 1, 0]]

CASES = [
    # --- SoftmaxOutput (alias Softmax) ---
    Case("SoftmaxOutput", [], {}, grad=False, dtypes=F3, inputs=_data_label((4, 5), (4,), 5)),
    Case("Softmax", [], {"grad_scale": 2.0}, grad=False, inputs=_data_label((4, 5), (4,), 5),
         name="alias"),
    Case("SoftmaxOutput", [], {"multi_output": True}, grad=False,
         inputs=_data_label((2, 3, 4), (2, 4), 3), name="multi"),
    Case("SoftmaxOutput", [], {"preserve_shape": True}, grad=False,
         inputs=_data_label((2, 3, 4), (2, 3), 4), name="preserve"),
    Case("SoftmaxOutput", [], {}, grad=False, inputs=_data_label((2, 3, 4), (2, 3), 4),
         name="flatten3d"),
    Case("SoftmaxOutput", [], {}, grad=False, inputs=_prob_label((3, 4)), name="prob_label"),
    Case("_backward_SoftmaxOutput", [], {}, grad=False, dtypes=F3,
         inputs=_softmax_label((4, 5), (4,), 5)),
    Case("_backward_SoftmaxOutput", [], {"use_ignore": True, "ignore_label": 1,
                                         "normalization": "valid", "grad_scale": 3.0},
         grad=False, inputs=_softmax_label((5, 3), (5,), 3, labels=[0, 1, 2, 1, 0]),
         name="ignore_valid"),
    Case("_backward_SoftmaxOutput", [], {"normalization": "batch", "smooth_alpha": 0.2},
         grad=False, inputs=_softmax_label((4, 3), (4,), 3), name="batch_smooth"),
    Case("_backward_SoftmaxOutput", [], {"out_grad": True}, grad=False,
         inputs=_softmax_label((4, 3), (4,), 3, labels=[0, 5, -1, 2]), name="out_grad_oor"),
    Case("_backward_SoftmaxOutput", [], {"multi_output": True, "use_ignore": True},
         grad=False, inputs=_softmax_label((2, 3, 4), (2, 4), 3, axis=1, labels=MULTI_LABELS),
         name="multi"),
    Case("_backward_SoftmaxOutput", [], {"multi_output": True, "normalization": "batch"},
         grad=False, inputs=_softmax_label((2, 3, 4), (2, 4), 3, axis=1), name="multi_batch"),
    Case("_backward_SoftmaxOutput", [], {"preserve_shape": True, "normalization": "valid"},
         grad=False, inputs=_softmax_label((2, 3, 4), (2, 3), 4), name="preserve"),
    Case("_backward_SoftmaxOutput", [], {"grad_scale": 0.5}, grad=False,
         inputs=_prob_label((3, 4)), name="prob_label"),

    # --- regression outputs ---
    Case("LinearRegressionOutput", [(3, 2), (3, 2)], grad=False, dtypes=F3),
    Case("LinearRegressionOutput", [(3, 1), (3,)], grad=False, name="label_1d"),
    Case("LogisticRegressionOutput", [(3, 2), (3, 2)], grad=False, dtypes=F3, low=-30, high=30),
    Case("MAERegressionOutput", [(3, 2), (3, 2)], grad=False, dtypes=F3),
    Case("_backward_LinearRegressionOutput", [(3, 2), (3, 2)], {"grad_scale": 2.0}, grad=False,
         dtypes=F3),
    Case("_backward_LinearRegressionOutput", [(3, 2, 2), (3, 4)], grad=False, name="reshaped"),
    Case("_backward_LogisticRegressionOutput", [(3, 2), (3, 2)], grad=False, low=0, high=1),
    Case("_backward_MAERegressionOutput", [(3, 2), (3, 2)], {"grad_scale": 3.0}, grad=False,
         dtypes=F3),

    # --- MakeLoss, BlockGrad ---
    Case("MakeLoss", [(2, 3)], {"grad_scale": 2.0}, grad=False, dtypes=F3),
    Case("_backward_MakeLoss", [(2, 3)], {}, grad=False, dtypes=F3),
    Case("_backward_MakeLoss", [(4, 3)], {"normalization": "batch", "grad_scale": 2.0},
         grad=False, name="batch"),
    Case("_backward_MakeLoss", [(2, 3)], {"normalization": "valid", "valid_thresh": 0.1},
         grad=False, name="valid"),
    Case("BlockGrad", [(2, 3)], grad=False, dtypes=F3),
    Case("stop_gradient", [(2, 3)], grad=False, name="alias"),
    Case("make_loss", [(2, 3)], grad=False, dtypes=F3),

    # --- softmax_cross_entropy (its gradient does use the head gradient) ---
    Case("softmax_cross_entropy", [], dtypes=F3, grad_inputs=[0],
         inputs=_data_label((3, 4), (3,), 4)),
    Case("_backward_softmax_cross_entropy", [], grad=False, dtypes=F3, inputs=_sce_backward(3, 4)),
]
