"""Cases for Convolution, Deconvolution, Pooling, UpSampling and their backward ops."""

from compiler.ops import registry
from tests.ops.harness import Case

K3 = {"kernel": (3, 3), "num_filter": 4}


def _pool_backward_inputs(dshape, attrs, ties=False):
    """(ograd, data, output) where output really is Pooling(data): max routing is exercised."""
    def make(rng, dtype):
        op = registry.get("Pooling")
        parsed = op.parse(attrs)
        if ties:  # integer values: several maxima per window, the first one gets the gradient
            x = rng.integers(0, 3, dshape).astype(dtype)
        else:
            x = rng.uniform(-2, 2, dshape).astype(dtype)
        y = op.reference(parsed, [x], None)[0]
        og = rng.uniform(-1, 1, y.shape).astype(dtype)
        return [og, x, y]
    return make


def _pool_ties(rng, dtype):
    """Integer-valued data: many ties inside each window."""
    return [rng.integers(0, 3, (2, 2, 5, 5)).astype(dtype)]


CASES = [
    # --- Convolution ---
    Case("Convolution", [(2, 3, 5, 5), (4, 3, 3, 3), (4,)], K3,
         dtypes=("float16", "float32", "float64")),
    Case("Convolution", [(2, 3, 5, 5), (4, 3, 3, 3)], dict(K3, no_bias=True), name="no_bias"),
    Case("Convolution", [(2, 3, 5, 5), (4, 3, 3, 3), (4,)], dict(K3, stride=(2, 2), pad=(1, 1)),
         name="stride_pad"),
    Case("Convolution", [(2, 2, 6, 7), (3, 2, 3, 3), (3,)],
         {"kernel": (3, 3), "num_filter": 3, "dilate": (2, 2), "pad": (1, 0)}, name="dilate"),
    Case("Convolution", [(2, 2, 5, 6), (3, 2, 2, 3), (3,)],
         {"kernel": (2, 3), "num_filter": 3, "stride": (1, 2), "pad": (0, 1)}, name="asym"),
    Case("Convolution", [(2, 4, 4, 4), (6, 2, 3, 3), (6,)],
         {"kernel": (3, 3), "num_filter": 6, "num_group": 2, "pad": (1, 1)}, name="group"),
    Case("Convolution", [(2, 3, 4, 4), (2, 3, 1, 1), (2,)], {"kernel": (1, 1), "num_filter": 2},
         name="1x1"),
    Case("Convolution", [(2, 3, 7), (4, 3, 3), (4,)],
         {"kernel": (3,), "num_filter": 4, "stride": (2,), "pad": (1,)}, name="1d"),
    Case("Convolution", [(1, 2, 3, 4, 4), (2, 2, 2, 2, 2), (2,)],
         {"kernel": (2, 2, 2), "num_filter": 2, "pad": (0, 1, 0)}, name="3d"),
    Case("_backward_Convolution", [(2, 4, 3, 3), (2, 3, 5, 5), (4, 3, 3, 3)], K3, grad=False,
         dtypes=("float16", "float32", "float64")),
    Case("_backward_Convolution", [(2, 6, 2, 2), (2, 4, 4, 4), (6, 2, 3, 3)],
         {"kernel": (3, 3), "num_filter": 6, "num_group": 2, "stride": (2, 2), "pad": (1, 1),
          "no_bias": True},
         grad=False, name="group_no_bias"),
    Case("_backward_Convolution", [(2, 4, 3), (2, 3, 7), (4, 3, 3)],
         {"kernel": (3,), "num_filter": 4, "stride": (2,), "pad": (1,), "dilate": (2,)},
         grad=False, name="1d"),
    # --- Deconvolution ---
    Case("Deconvolution", [(2, 3, 3, 3), (3, 2, 3, 3)], {"kernel": (3, 3), "num_filter": 2},
         dtypes=("float16", "float32", "float64")),
    Case("Deconvolution", [(2, 3, 3, 3), (3, 2, 3, 3), (2,)],
         {"kernel": (3, 3), "num_filter": 2, "no_bias": False}, name="bias"),
    Case("Deconvolution", [(2, 3, 3, 3), (3, 2, 3, 3), (2,)],
         {"kernel": (3, 3), "num_filter": 2, "no_bias": False, "stride": (2, 2), "pad": (1, 1),
          "adj": (1, 1)}, name="stride_adj"),
    Case("Deconvolution", [(2, 3, 3, 3), (3, 2, 3, 3)],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "target_shape": (6, 5)},
         name="target_shape"),
    Case("Deconvolution", [(2, 4, 3, 3), (4, 3, 2, 2)],
         {"kernel": (2, 2), "num_filter": 6, "num_group": 2, "dilate": (2, 2)},
         name="group_dilate"),
    Case("Deconvolution", [(2, 3, 4), (3, 2, 3), (2,)],
         {"kernel": (3,), "num_filter": 2, "stride": (2,), "no_bias": False}, name="1d"),
    Case("_backward_Deconvolution", [(2, 2, 8, 8), (2, 3, 3, 3), (3, 2, 3, 3)],
         {"kernel": (3, 3), "num_filter": 2, "stride": (2, 2), "pad": (0, 0), "adj": (1, 1),
          "no_bias": False}, grad=False, dtypes=("float16", "float32", "float64")),
    Case("_backward_Deconvolution", [(2, 6, 4, 4), (2, 4, 3, 3), (4, 3, 2, 2)],
         {"kernel": (2, 2), "num_filter": 6, "num_group": 2}, grad=False, name="group"),
    # --- Pooling ---
    Case("Pooling", [(2, 3, 5, 5)], {"kernel": (2, 2), "stride": (2, 2)},
         dtypes=("float16", "float32", "float64")),
    Case("Pooling", [(2, 2, 5, 5)], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                     "pooling_convention": "full"}, name="max_full"),
    Case("Pooling", [(2, 2, 5, 5)], {"kernel": (2, 2)}, inputs=_pool_ties, grad=False,
         name="max_ties"),
    Case("Pooling", [(2, 2, 5, 5)], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                     "pool_type": "avg"}, name="avg_pad"),
    Case("Pooling", [(2, 2, 5, 5)], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                     "pool_type": "avg", "count_include_pad": False},
         name="avg_exclude_pad"),
    Case("Pooling", [(2, 2, 5, 5)], {"kernel": (3, 3), "stride": (3, 3), "pad": (1, 1),
                                     "pool_type": "avg", "pooling_convention": "full"},
         name="avg_full_empty"),
    Case("Pooling", [(2, 2, 5, 6)], {"kernel": (2, 3), "stride": (2, 2), "pool_type": "sum",
                                     "pooling_convention": "full"}, name="sum_full"),
    Case("Pooling", [(2, 2, 4, 4)], {"kernel": (2, 2), "pool_type": "lp", "p_value": 1},
         name="lp1"),
    Case("Pooling", [(2, 2, 4, 4)], {"kernel": (2, 2), "stride": (2, 2), "pool_type": "lp",
                                     "p_value": 2}, name="lp2"),
    Case("Pooling", [(2, 2, 4, 4)], {"kernel": (2, 2), "pool_type": "lp", "p_value": 3},
         low=0.5, high=2.0, name="lp3"),
    Case("Pooling", [(2, 3, 4, 5)], {"pool_type": "avg", "global_pool": True}, name="global_avg"),
    Case("Pooling", [(2, 3, 4, 5)], {"kernel": (2, 2), "global_pool": True}, name="global_max"),
    Case("Pooling", [(2, 3, 9)], {"kernel": (3,), "stride": (2,), "pad": (1,)}, name="1d"),
    Case("Pooling", [(1, 2, 4, 4, 5)], {"kernel": (2, 2, 3), "stride": (2, 1, 2),
                                        "pool_type": "avg"}, name="3d"),
    Case("Pooling", [(1, 2, 3, 3)], {"kernel": (1, 1), "stride": (2, 2), "pad": (1, 1)},
         grad=False, name="max_empty_window"),
    Case("_backward_Pooling", [], {"kernel": (2, 2), "stride": (1, 1)}, grad=False,
         inputs=_pool_backward_inputs((2, 2, 4, 4), {"kernel": (2, 2)}),
         dtypes=("float16", "float32", "float64")),
    Case("_backward_Pooling", [], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                   "pool_type": "avg", "pooling_convention": "full"}, grad=False,
         inputs=_pool_backward_inputs((2, 2, 5, 5), {"kernel": (3, 3), "stride": (2, 2),
                                                     "pad": (1, 1), "pool_type": "avg",
                                                     "pooling_convention": "full"}),
         name="avg_full"),
    Case("_backward_Pooling", [], {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1),
                                   "pooling_convention": "full"}, grad=False,
         inputs=_pool_backward_inputs((2, 2, 5, 5), {"kernel": (3, 3), "stride": (2, 2),
                                                     "pad": (1, 1), "pooling_convention": "full"},
                                      ties=True), name="max_ties"),
    Case("_backward_Pooling", [], {"kernel": (2, 2), "pool_type": "lp", "p_value": 2}, grad=False,
         inputs=_pool_backward_inputs((2, 2, 4, 4), {"kernel": (2, 2), "pool_type": "lp",
                                                     "p_value": 2}), name="lp2"),
    # --- UpSampling ---
    Case("UpSampling", [(2, 2, 2, 3)], {"scale": 2, "sample_type": "nearest", "num_args": 1},
         dtypes=("float16", "float32", "float64")),
    Case("UpSampling", [(2, 1, 2, 2), (2, 2, 4, 4)],
         {"scale": 2, "sample_type": "nearest", "num_args": 2}, name="concat"),
    Case("UpSampling", [(2, 2, 2, 2), (2, 2, 4, 4), (2, 2, 1, 1)],
         {"scale": 2, "sample_type": "nearest", "num_args": 3, "multi_input_mode": "sum"},
         name="sum"),
    Case("UpSampling", [(1, 2, 3, 3), (2, 1, 4, 4)],
         {"scale": 2, "sample_type": "bilinear", "num_filter": 2, "num_args": 2}, name="bilinear"),
    Case("UpSampling", [(1, 2, 2, 3), (2, 1, 5, 5)],
         {"scale": 3, "sample_type": "bilinear", "num_filter": 2, "num_args": 2},
         name="bilinear3"),
    Case("_backward_UpSampling", [(2, 3, 4, 4), (2, 1, 2, 2), (2, 2, 4, 4)],
         {"scale": 2, "sample_type": "nearest", "num_args": 3}, grad=False,
         dtypes=("float16", "float32", "float64")),
    Case("_backward_UpSampling", [(2, 2, 4, 4), (2, 2, 2, 2), (2, 2, 1, 1)],
         {"scale": 2, "sample_type": "nearest", "num_args": 3, "multi_input_mode": "sum"},
         grad=False, name="sum"),
    Case("_backward_UpSampling", [(1, 2, 6, 6), (1, 2, 3, 3), (2, 1, 4, 4)],
         {"scale": 2, "sample_type": "bilinear", "num_filter": 2, "num_args": 3}, grad=False,
         name="bilinear"),
]
