"""Type-check every CUDA kernel without a GPU: `python -m kernels.cuda.ptxcheck [--quick]`.

The simulator runs kernels as Python, so it never type-checks them.  This tool runs the op
kernels of kernels/cuda/dispatch.py on fake device arrays (shape and dtype only) and turns
every kernel launch into `cuda.compile_ptx` for the argument types of that launch: the
typing and lowering errors a real GPU would hit at first launch show up here, on any
machine with numba-cuda[cu13] (NVVM) installed.  Needs NUMBA_ENABLE_CUDASIM unset.  Exits 0
with a "skipped" line when NVVM is missing, 1 when a kernel fails to compile.

Without a GPU, numba-cuda asks the (absent) driver for the compute capability when it
compiles a device function or an overload called by a kernel; the check answers with CC.
"""
import argparse
import os
import sys
import time

import numpy as np

CC = (8, 0)


class FakeDeviceArray:
    """Shape and dtype of a device array, enough for the launch wrappers and their checks."""

    def __init__(self, shape, dtype, data=None):
        self.data = data
        self.shape = tuple(int(s) for s in (shape if isinstance(shape, tuple) else (shape,)))
        self.dtype = np.dtype(dtype)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.ndim = len(self.shape)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        return FakeDeviceArray(shape, self.dtype)

    def is_c_contiguous(self):
        return True

    def copy_to_host(self):
        return np.zeros(self.shape, self.dtype) if self.data is None else self.data.copy()

    def copy_to_device(self, other):
        """A driver copy (no kernel to compile)."""

    def __getitem__(self, item):
        return FakeDeviceArray(len(range(*item.indices(self.size))), self.dtype)

    def view(self, dtype):
        """A 1-D reinterpretation (pool arenas are uint8 buffers viewed as typed arrays)."""
        return FakeDeviceArray(self.size * self.dtype.itemsize // np.dtype(dtype).itemsize,
                               dtype)


def _numba_type(value):
    from numba import typeof, types
    from numba.np.numpy_support import from_dtype
    if isinstance(value, FakeDeviceArray):
        return types.Array(from_dtype(value.dtype), value.ndim, "C")
    return typeof(value)


class Recorder:
    """Replaces kernel launches by PTX compiles (deduplicated by function and signature)."""

    def __init__(self):
        self.done = {}
        self.failures = []

    def compile(self, dispatcher, args):
        from numba import cuda
        sig = tuple(_numba_type(a) for a in args)
        key = (dispatcher.py_func, sig)
        if key in self.done:
            return
        name = "%s.%s%s" % (dispatcher.py_func.__module__, dispatcher.py_func.__name__,
                            tuple(str(s) for s in sig))
        try:
            cuda.compile_ptx(dispatcher.py_func, sig, cc=CC)
            self.done[key] = "ok"
        except Exception as err:                  # report every failing kernel, go on
            self.done[key] = "FAIL"
            self.failures.append((name, "%s: %s" % (type(err).__name__, str(err)[:600])))


def install(recorder):
    """Patch numba.cuda so that launches compile PTX and allocations make fake arrays."""
    from numba import cuda
    from numba.cuda import dispatcher as disp

    class _Dev:
        compute_capability = CC

    if not cuda.is_available():
        disp.get_current_device = lambda: _Dev()

    def getitem(self, config):
        return lambda *args: recorder.compile(self, args)

    disp.CUDADispatcher.__getitem__ = getitem
    cuda.device_array = lambda shape, dtype=np.float64, **kw: FakeDeviceArray(shape, dtype)
    cuda.to_device = lambda a, **kw: FakeDeviceArray(np.shape(a), np.asarray(a).dtype,
                                                     np.array(a))


def _fake(shape, dtype):
    return FakeDeviceArray(tuple(shape), dtype)


def run_op(name, attrs, shapes, dtypes, is_train=True):
    """Run op `name`'s CUDA kernel on fake arrays of the inferred output shapes/dtypes."""
    from compiler.ops import registry
    from compiler.ops.registry import OpContext
    from kernels.cuda.dispatch import kernel
    op = registry.get(name)
    parsed = op.parse(attrs)
    _, out_shapes = op.infer_shape(parsed, [tuple(s) for s in shapes])
    _, out_types = op.infer_type(parsed, list(dtypes))
    inputs = [_fake(s, t) for s, t in zip(shapes, dtypes)]
    outputs = [_fake(s, t) for s, t in zip(out_shapes, out_types)]
    octx = OpContext(is_train=is_train, rng=np.random.default_rng(0))
    kernel(op)(parsed, inputs, outputs, octx)


def elementwise_cases(quick):
    """(name, attrs, shapes, dtypes) for every elementwise op: same-shape and broadcast."""
    from compiler.ops import registry
    from kernels.cuda.dispatch import coverage
    cases = []
    dtypes = ("float32",) if quick else ("float32", "float64", "int32")
    for name, how in sorted(coverage().items()):
        if how != "elementwise":
            continue
        op = registry.get(name)
        attrs = _default_attrs(op)
        if attrs is None:
            continue
        parsed = op.parse(attrs)
        n = len(op.input_names(parsed))
        for dt in dtypes:
            try:
                op.infer_type(parsed, [dt] * n)
            except Exception:            # the op does not take this dtype
                continue
            shapes = [(2, 3)] * n
            if n == 2 and name.startswith("broadcast_"):
                shapes = [(2, 3), (1, 3)]
            cases.append((name, attrs, shapes, [dt] * n))
    return cases


def _default_attrs(op):
    from compiler.ops.attrs import REQUIRED
    attrs = {}
    if "act_type" in op.attrs:
        choices = op.attrs["act_type"].choices or ("relu",)
        attrs["act_type"] = "relu" if "relu" in choices else sorted(choices)[0]
    for key, spec in op.attrs.items():
        if spec.default is REQUIRED and key not in attrs:
            return None
    if "scalar" in op.attrs:
        attrs["scalar"] = "2"
    if op.variadic:
        attrs[op.variadic] = "2"
    return attrs


def family_cases():
    """Hand-written kernels: one case per op and dtype (float32, float64)."""
    c = []
    for dt in ("float32", "float64"):
        c += [("sum", {"axis": "1"}, [(3, 5)], [dt]), ("max", {"axis": "0"}, [(3, 5)], [dt]),
              ("mean", {}, [(2, 3, 4)], [dt]), ("prod", {"axis": "(0, 2)"}, [(2, 3, 4)], [dt]),
              ("nansum", {"axis": "1"}, [(3, 5)], [dt]), ("norm", {"axis": "1"}, [(3, 4)], [dt]),
              ("softmax", {}, [(3, 5)], [dt]), ("log_softmax", {"axis": "0"}, [(3, 5)], [dt]),
              ("softmax", {"use_length": "True"}, [(3, 5), (3,)], [dt, "int32"]),
              ("_backward_softmax", {}, [(3, 5), (3, 5)], [dt, dt]),
              ("_backward_log_softmax", {}, [(3, 5), (3, 5)], [dt, dt]),
              ("SoftmaxActivation", {}, [(3, 5)], [dt]),
              ("dot", {}, [(4, 3), (3, 5)], [dt, dt]),
              ("_backward_dot", {"transpose_a": "True"}, [(3, 5), (4, 3), (4, 5)], [dt] * 3),
              ("batch_dot", {"transpose_b": "True"}, [(2, 3, 4), (2, 5, 4)], [dt, dt]),
              ("FullyConnected", {"num_hidden": "5"}, [(2, 4), (5, 4), (5,)], [dt] * 3),
              ("Convolution", {"kernel": "(3, 3)", "num_filter": "4", "pad": "(1, 1)"},
               [(2, 3, 5, 5), (4, 3, 3, 3), (4,)], [dt] * 3),
              ("_backward_Convolution", {"kernel": "(3, 3)", "num_filter": "4"},
               [(2, 4, 3, 3), (2, 3, 5, 5), (4, 3, 3, 3)], [dt] * 3),
              ("Pooling", {"kernel": "(2, 2)"}, [(1, 2, 4, 4)], [dt]),
              ("Pooling", {"kernel": "(2, 2)", "pool_type": "lp", "p_value": "3"},
               [(1, 2, 4, 4)], [dt]),
              ("_backward_Pooling", {"kernel": "(2, 2)", "pool_type": "avg"},
               [(1, 2, 3, 3), (1, 2, 4, 4), (1, 2, 3, 3)], [dt] * 3),
              ("_backward_Pooling", {"kernel": "(2, 2)"},
               [(1, 2, 3, 3), (1, 2, 4, 4), (1, 2, 3, 3)], [dt] * 3),
              ("BatchNorm", {}, [(2, 3, 4)] + [(3,)] * 4, [dt] * 5),
              ("_backward_BatchNorm", {}, [(2, 3, 4), (2, 3, 4)] + [(3,)] * 5, [dt] * 7),
              ("LayerNorm", {}, [(2, 5), (5,), (5,)], [dt] * 3),
              ("_backward_LayerNorm", {}, [(2, 5), (2, 5), (5,), (2, 1), (2, 1)], [dt] * 5),
              ("Dropout", {"p": "0.3"}, [(3, 4)], [dt]),
              ("take", {"mode": "raise"}, [(4, 3), (2,)], [dt, "float32"]),
              ("take", {"mode": "wrap"}, [(4, 3), (2,)], [dt, "int64"]),
              ("_backward_take", {}, [(2, 3), (2,), (4, 3)], [dt, "float32", dt]),
              ("Embedding", {"input_dim": "4", "output_dim": "3"}, [(2,), (4, 3)],
               ["float32", dt]),
              ("one_hot", {"depth": "4", "dtype": dt}, [(3,)], ["float32"]),
              ("sgd_update", {"lr": "0.1"}, [(4,), (4,)], [dt, dt]),
              ("sgd_mom_update", {"lr": "0.1", "momentum": "0.9"}, [(4,)] * 3, [dt] * 3),
              ("adam_update", {"lr": "0.1"}, [(4,)] * 4, [dt] * 4)]
        c += optimizer_cases(dt) + layout_norm_cases(dt) + rnn_cases(dt)
        c += [("Reshape", {"shape": "(-1,)"}, [(2, 3)], [dt]), ("zeros_like", {}, [(2, 3)], [dt]),
              ("_full", {"shape": "(2, 3)", "value": "1.5", "dtype": dt}, [], []),
              ("broadcast_to", {"shape": "(2, 3)"}, [(1, 3)], [dt]),
              ("transpose", {}, [(2, 3, 4)], [dt]), ("SwapAxis", {"dim2": "1"}, [(2, 3)], [dt]),
              ("_backward_sum", {"axis": "1"}, [(2,), (2, 3)], [dt, dt]),
              ("_backward_mean", {"axis": "1"}, [(2,), (2, 3)], [dt, dt]),
              ("_reduce_sum_like", {}, [(2, 3), (1, 3)], [dt, dt]),
              ("where", {}, [(2,), (2, 3), (2, 3)], ["float32", dt, dt]),
              ("_backward_where", {}, [(2, 3), (2, 3)], [dt, "float32"]),
              ("LeakyReLU", {"act_type": "prelu"}, [(2, 3, 4), (3,)], [dt, dt]),
              ("LeakyReLU", {"act_type": "rrelu"}, [(2, 3)], [dt]),
              ("_backward_LeakyReLU", {"act_type": "prelu"}, [(2, 3), (2, 3), (3,)], [dt] * 3),
              ("Concat", {"num_args": "2"}, [(2, 3), (2, 2)], [dt, dt]),
              ("_backward_Concat", {"num_args": "3"}, [(2, 5), (2, 3), (2, 2)], [dt] * 3),
              ("SliceChannel", {"num_outputs": "2"}, [(2, 4)], [dt]),
              ("stack", {"num_args": "2", "axis": "1"}, [(2, 3), (2, 3)], [dt, dt]),
              ("argmax", {"axis": "1"}, [(3, 4)], [dt]), ("argmin", {}, [(3, 4)], [dt]),
              ("SoftmaxOutput", {}, [(3, 4), (3,)], [dt, dt]),
              ("_backward_SoftmaxOutput", {"normalization": "valid", "smooth_alpha": "0.1"},
               [(3, 4), (3,)], [dt, dt]),
              ("_backward_SoftmaxOutput", {"out_grad": "True"}, [(3, 4), (3, 4)], [dt, dt]),
              ("pick", {"axis": "1"}, [(3, 4), (3,)], [dt, "float32"]),
              ("_backward_pick", {"axis": "0", "mode": "wrap"}, [(4,), (4,), (3, 4)],
               [dt, "int32", dt]),
              ("slice", {"begin": "(0, 3)", "end": "(2, None)", "step": "(1, -2)"},
               [(3, 5)], [dt]),
              ("slice_axis", {"axis": "1", "begin": "1", "end": "3"}, [(2, 4, 3)], [dt]),
              ("_backward_slice", {"begin": "(1,)", "end": "(3,)"}, [(2, 4), (3, 4)], [dt, dt]),
              ("reverse", {"axis": "(0, 2)"}, [(2, 3, 4)], [dt]),
              ("LogisticRegressionOutput", {}, [(3, 2), (3, 2)], [dt, dt]),
              ("_backward_MAERegressionOutput", {}, [(3, 1), (3,)], [dt, dt]),
              ("_backward_LinearRegressionOutput", {}, [(3, 2), (3, 2)], [dt, dt]),
              ("_backward_MakeLoss", {"normalization": "valid"}, [(3, 2)], [dt]),
              ("_random_uniform", {"shape": "(3, 5)", "dtype": dt}, [], []),
              ("_random_normal", {"shape": "(7,)", "dtype": dt}, [], [])]
    c += [("_backward_mean", {"axis": "1"}, [(2,), (2, 3)], ["int32", "int32"]),
          ("argmax", {"axis": "0"}, [(3, 4)], ["int32"]),
          ("sum", {"axis": "1"}, [(3, 5)], ["int8"]), ("sum", {}, [(3, 5)], ["float16"]),
          ("max", {"axis": "1"}, [(3, 5)], ["int32"]), ("mean", {}, [(3, 5)], ["int64"]),
          ("softmax", {}, [(3, 5)], ["float16"]), ("relu", {}, [(3, 5)], ["float16"]),
          ("_random_randint", {"low": "-2", "high": "9", "shape": "(5,)", "dtype": "int32"},
           [], []),
          ("_random_randint", {"low": "0", "high": "9", "shape": "(5,)", "dtype": "int64"},
           [], []),
          ("slice", {"begin": "(0,)", "end": "(2,)"}, [(3, 5)], ["int32"]),
          ("_backward_MakeLoss", {"normalization": "valid"}, [(3, 2)], ["float16"]),
          ("pick", {"axis": "0"}, [(3, 4), (4,)], ["float16", "int64"])]
    return c


def optimizer_cases(dt):
    """The optimizer update ops of optimizer.py (mp_*: float32 master weight and state)."""
    lr, mom = {"lr": "0.1"}, {"lr": "0.1", "momentum": "0.9"}
    c = [("nag_mom_update", mom, [(4,)] * 3, [dt] * 3),
         ("rmsprop_update", lr, [(4,)] * 3, [dt] * 3),
         ("rmspropalex_update", lr, [(4,)] * 5, [dt] * 5),
         ("ftrl_update", lr, [(4,)] * 4, [dt] * 4),
         ("ftml_update", {"lr": "0.1", "t": "2"}, [(4,)] * 5, [dt] * 5),
         ("signsgd_update", lr, [(4,)] * 2, [dt] * 2),
         ("signum_update", mom, [(4,)] * 3, [dt] * 3)]
    for wdt in (dt, "float16") if dt == "float32" else (dt,):
        c += [("mp_sgd_update", lr, [(4,)] * 3, [wdt, wdt, "float32"]),
              ("mp_sgd_mom_update", mom, [(4,)] * 4, [wdt, wdt, "float32", "float32"]),
              ("mp_nag_mom_update", mom, [(4,)] * 4, [wdt, wdt, "float32", "float32"])]
    return c


def rnn_cases(dt):
    """RNN and _backward_RNN (rnn.py, rnn_steps.py): every mode, projection + clipping,
    sequence lengths, dropout; float16 (computed in float32) with the float32 cases."""
    from compiler.ops import registry
    from kernels.cpu.rnn_layout import RnnLayout
    T, N, C, H = 3, 2, 3, 4
    c = []
    for mode, extra in (("rnn_relu", {}), ("rnn_tanh", {"use_sequence_length": "True"}),
                        ("gru", {"p": "0.3"}),
                        ("lstm", {"projection_size": "2", "lstm_state_clip_min": "-1",
                                  "lstm_state_clip_max": "1", "use_sequence_length": "True"})):
        attrs = dict(extra, state_size=str(H), num_layers="2", bidirectional="True", mode=mode,
                     state_outputs="True")
        lay = RnnLayout.of(registry.get("RNN").parse(attrs), (T, N, C))
        shapes = [(T, N, C), (lay.param_size,), lay.state_shape()]
        shapes += [lay.cell_shape()] if mode == "lstm" else []
        states = [lay.state_shape()] + ([lay.cell_shape()] if mode == "lstm" else [])
        n = len(shapes)
        seq = [(N,)] if "use_sequence_length" in extra else []
        for wdt in (dt, "float16") if dt == "float32" and mode == "lstm" else (dt,):
            rdt = "float32" if wdt == "float16" else wdt
            c.append(("RNN", attrs, shapes + seq, [wdt] * n + ["int32"] * len(seq)))
            c.append(("_backward_RNN", attrs,
                      shapes + seq + [lay.out_shape(), (lay.reserve_size,), lay.out_shape()]
                      + states, [wdt] * n + ["int32"] * len(seq) + [wdt, rdt, wdt]
                      + [wdt] * len(states)))
    return c


def update_spec_checks():
    """Every update formula of kernels/codegen/optimizer.py (the dense AdaGrad/AdaDelta/
    Adamax/Nadam/DCASGD/LAMB steps too), float32 and float64: (name, dtype, error) list."""
    from kernels.codegen.optimizer import SPECS, example_params
    from kernels.cuda.optimizer import run
    errors = []
    for tag, spec in sorted(SPECS.items()):
        for dt in ("float32", "float64"):
            arrays = [_fake((4,), dt) for _ in range(len(spec.fresh_outputs()) + len(spec.inputs))]
            try:
                run(spec, arrays, example_params(spec, dt), op=tag)
            except Exception as err:
                errors.append((tag, dt, "%s: %s" % (type(err).__name__, err)))
    return errors


def layout_norm_cases(dt):
    """tile / repeat / Pad (remap.py), Instance/Group/L2 norms (norm_rows.py), Deconvolution
    (deconv.py), topk / sort / argsort (sorting.py), LRN (lrn.py), UpSampling
    (upsampling.py), the Sequence ops (sequence.py), shape_array / size_array (shape.py),
    gather_nd / scatter_nd (gather_nd.py), softmax_cross_entropy (loss_sce.py),
    diag (diag.py), _shuffle (sorting.py), _rnn_param_concat (join.py)."""
    pw = {"pad_width": "(0, 0, 0, 0, 1, 2, 2, 1)"}
    c = [("tile", {"reps": "(2, 2)"}, [(2, 3)], [dt]),
         ("repeat", {"repeats": "2", "axis": "1"}, [(2, 3)], [dt]),
         ("Pad", dict(pw, mode="constant", constant_value="1.5"), [(1, 2, 3, 3)], [dt]),
         ("Pad", dict(pw, mode="reflect"), [(1, 2, 3, 3)], [dt]),
         ("_backward_Pad", dict(pw, mode="edge"), [(1, 2, 6, 6), (1, 2, 3, 3)], [dt, dt]),
         ("_backward_Pad", dict(pw, mode="constant"), [(1, 2, 6, 6), (1, 2, 3, 3)], [dt, dt]),
         ("InstanceNorm", {}, [(2, 3, 4), (3,), (3,)], [dt] * 3),
         ("_backward_InstanceNorm", {}, [(2, 3, 4), (2, 3, 4), (3,), (2, 3), (2, 3)], [dt] * 5),
         ("GroupNorm", {"num_groups": "2"}, [(2, 4, 3), (2,), (2,)], [dt] * 3),
         ("_backward_GroupNorm", {"num_groups": "2"},
          [(2, 4, 3), (2, 4, 3), (2,), (2, 2), (2, 2)], [dt] * 5),
         ("L2Normalization", {"mode": "channel"}, [(2, 3, 4)], [dt]),
         ("_backward_L2Normalization", {}, [(2, 3, 4), (2, 3, 4), (2,)], [dt] * 3),
         ("Deconvolution", {"kernel": "(3, 3)", "num_filter": "2", "no_bias": "False",
                            "stride": "(2, 2)", "adj": "(1, 1)"},
          [(2, 3, 3, 3), (3, 2, 3, 3), (2,)], [dt] * 3),
         ("_backward_Deconvolution", {"kernel": "(3, 3)", "num_filter": "2", "no_bias": "False"},
          [(2, 2, 5, 5), (2, 3, 3, 3), (3, 2, 3, 3)], [dt] * 3),
         ("LRN", {"nsize": "3"}, [(2, 5, 2, 3)], [dt]),
         ("_backward_LRN", {"nsize": "3"}, [(2, 5, 2, 3)] * 3, [dt] * 3),
         ("UpSampling", {"scale": "2", "sample_type": "nearest", "num_args": "2",
                         "multi_input_mode": "sum"}, [(2, 2, 2, 2), (2, 2, 4, 4)], [dt] * 2),
         ("_backward_UpSampling", {"scale": "2", "sample_type": "nearest", "num_args": "2"},
          [(2, 2, 4, 4), (2, 2, 2, 2)], [dt] * 2),
         ("UpSampling", {"scale": "2", "sample_type": "bilinear", "num_args": "2",
                         "num_filter": "2"}, [(1, 2, 3, 3), (2, 1, 4, 4)], [dt] * 2),
         ("_backward_UpSampling", {"scale": "2", "sample_type": "bilinear", "num_args": "3",
                                   "num_filter": "2"},
          [(1, 2, 6, 6), (1, 2, 3, 3), (2, 1, 4, 4)], [dt] * 3),
         ("SequenceMask", {"use_sequence_length": "True", "axis": "1", "value": "-1"},
          [(2, 3, 2), (2,)], [dt, "float32"]),
         ("SequenceMask", {}, [(3, 2)], [dt]),
         ("SequenceReverse", {"use_sequence_length": "True"}, [(3, 2, 2), (2,)], [dt, "int64"]),
         ("SequenceLast", {"use_sequence_length": "True"}, [(3, 2, 2), (2,)], [dt, "int32"]),
         ("_backward_SequenceLast", {"use_sequence_length": "True", "axis": "1"},
          [(2, 2), (2, 3, 2), (2,)], [dt, dt, dt]),
         ("size_array", {}, [(2, 3)], [dt]), ("shape_array", {}, [(2, 3)], [dt]),
         ("gather_nd", {}, [(2, 3, 4), (2, 3)], [dt, "float32"]),
         ("gather_nd", {}, [(3, 2), (2, 1, 2)], [dt, "int32"]),
         ("_backward_gather_nd", {"shape": "(3, 4)"}, [(3, 4), (1, 3)], [dt, "int64"]),
         ("scatter_nd", {"shape": "(2, 3)"}, [(3,), (2, 3)], [dt, "float32"]),
         ("softmax_cross_entropy", {}, [(3, 4), (3,)], [dt, dt]),
         ("_backward_softmax_cross_entropy", {}, [(1,), (3, 4), (3,)], [dt] * 3),
         ("diag", {"k": "1"}, [(3,)], [dt]), ("diag", {"k": "-1", "axis1": "2"}, [(2, 3, 4)], [dt]),
         ("_backward_diag", {"k": "1"}, [(4, 4), (3,)], [dt, dt]),
         ("_backward_diag", {}, [(4, 2), (2, 3, 4)], [dt, dt]),
         ("_shuffle", {}, [(5, 2)], [dt]),
         ("_rnn_param_concat", {"num_args": "2", "dim": "0"}, [(4,), (3,)], [dt, dt])]
    c += [("topk", {"k": "2", "ret_typ": "both"}, [(3, 5)], [dt]),
          ("topk", {"k": "2", "ret_typ": "mask", "axis": "0"}, [(3, 5)], [dt]),
          ("sort", {"is_ascend": "False"}, [(3, 4)], [dt]),
          ("argsort", {"axis": "None", "dtype": "int64"}, [(3, 4)], [dt]),
          ("_backward_topk", {}, [(3, 2), (3, 2), (3, 5)], [dt, "float32", dt])]
    if dt == "float32":
        c += [("topk", {"k": "2", "dtype": "uint8"}, [(3, 5)], ["float16"]),
              ("gather_nd", {}, [(3, 2), (1, 2)], ["float16", "int64"]),
              ("scatter_nd", {"shape": "(2, 3)"}, [(3,), (2, 3)], ["int32", "int32"]),
              ("sort", {}, [(3, 4)], ["int32"]),
              ("argsort", {"dtype": "float16"}, [(3, 4)], ["uint8"]),
              ("_backward_topk", {}, [(3, 2), (3, 2), (3, 5)], [dt, "int64", dt]),
              ("tile", {"reps": "(2,)"}, [(3,)], ["float16"]),
              ("repeat", {"repeats": "2"}, [(2, 3)], ["int32"]),
              ("Pad", dict(pw, mode="edge"), [(1, 2, 3, 3)], ["float16"])]
    return c


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="elementwise ops in float32 only")
    args = parser.parse_args(argv)
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        print("ptxcheck: skipped (NUMBA_ENABLE_CUDASIM is set: the simulator cannot compile PTX)")
        return 0
    try:
        from numba import cuda
        cuda.compile_ptx(lambda a: None, "void(float32[:])", cc=CC)
    except Exception as err:
        print("ptxcheck: skipped (no NVVM to compile with: pip install 'numba-cuda[cu13]'): %s"
              % str(err).splitlines()[0][:200])
        return 0
    import compiler.ops  # noqa: F401  (registers every op)
    recorder = Recorder()
    install(recorder)
    start = time.time()
    errors = []
    for case in family_cases() + elementwise_cases(args.quick):
        try:
            run_op(*case)
        except Exception as err:
            errors.append((case[0], case[1], "%s: %s" % (type(err).__name__, err)))
    errors += update_spec_checks()
    print("ptxcheck: %d kernel signatures compiled in %.0f s, %d failed; %d op cases raised"
          % (len(recorder.done), time.time() - start, len(recorder.failures), len(errors)))
    for name, msg in recorder.failures:
        print("FAIL", name, "\n    ", msg.replace("\n", "\n     "))
    for name, attrs, msg in errors:
        print("RAISED", name, attrs, msg[:300])
    return 1 if recorder.failures else 0


if __name__ == "__main__":
    sys.exit(main())
