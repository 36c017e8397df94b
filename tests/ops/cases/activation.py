"""Cases for Activation, LeakyReLU, the softmax family, Dropout and their backward ops."""
import numpy as np

from compiler.ops import registry
from tests.ops.harness import Case

F3 = ("float16", "float32", "float64")


def _away_from_zero(shape):
    """Data with |x| >= 0.1: kinks at 0 (relu, leaky, prelu) stay out of the FD step."""
    def make(rng, dtype):
        x = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        return [x.astype(dtype)]
    return make


def _prelu_inputs(shape, gshape):
    def make(rng, dtype):
        x = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        return [x.astype(dtype), rng.uniform(0.05, 0.5, gshape).astype(dtype)]
    return make


def _backward_inputs(op_name, attrs, shape, extra=None):
    """(ograd, data, output) with output = op(data) computed by the reference."""
    def make(rng, dtype):
        op = registry.get(op_name)
        x = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        x = x.astype(dtype)
        y = op.reference(op.parse(attrs), [x], None)[0]
        og = rng.uniform(-1, 1, shape).astype(dtype)
        return [og, x, y] if extra is None else [og] + extra(x, y)
    return make


def _softmax_backward_inputs(shape, axis, log=False, with_data=False):
    def make(rng, dtype):
        x = rng.uniform(-2, 2, shape)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        y = np.log(y) if log else y
        og = rng.uniform(-1, 1, shape)
        arrays = [og.astype(dtype), y.astype(dtype)]
        return arrays + [x.astype("float16")] if with_data else arrays
    return make


def _with_lengths(shape, lengths):
    def make(rng, dtype):
        return [rng.uniform(-2, 2, shape).astype(dtype), np.array(lengths, np.int32)]
    return make


CASES = [
    # --- Activation ---
    Case("Activation", [(3, 4)], {"act_type": "relu"}, dtypes=F3, inputs=_away_from_zero((3, 4)),
         name="relu"),
    Case("Activation", [(3, 4)], {"act_type": "sigmoid"}, dtypes=F3, name="sigmoid"),
    Case("Activation", [(3, 4)], {"act_type": "tanh"}, dtypes=F3, name="tanh"),
    Case("Activation", [(3, 4)], {"act_type": "softrelu"}, dtypes=F3, low=-5, high=25,
         name="softrelu"),
    Case("Activation", [(3, 4)], {"act_type": "softsign"}, dtypes=F3,
         inputs=_away_from_zero((3, 4)), name="softsign"),
    Case("_backward_Activation", [], {"act_type": "relu"}, grad=False, dtypes=F3,
         inputs=_backward_inputs("Activation", {"act_type": "relu"}, (3, 4)), name="relu"),
    Case("_backward_Activation", [], {"act_type": "sigmoid"}, grad=False,
         inputs=_backward_inputs("Activation", {"act_type": "sigmoid"}, (3, 4)), name="sigmoid"),
    Case("_backward_Activation", [], {"act_type": "tanh"}, grad=False,
         inputs=_backward_inputs("Activation", {"act_type": "tanh"}, (3, 4)), name="tanh"),
    Case("_backward_Activation", [], {"act_type": "softrelu"}, grad=False,
         inputs=_backward_inputs("Activation", {"act_type": "softrelu"}, (3, 4)), name="softrelu"),
    Case("_backward_Activation", [], {"act_type": "softsign"}, grad=False,
         inputs=_backward_inputs("Activation", {"act_type": "softsign"}, (3, 4)), name="softsign"),

    # --- LeakyReLU ---
    Case("LeakyReLU", [(2, 3, 4)], {}, dtypes=F3, inputs=_away_from_zero((2, 3, 4)), name="leaky"),
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "leaky", "slope": 0.1},
         inputs=_away_from_zero((2, 3, 4)), name="leaky01"),
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "elu"}, dtypes=F3,
         inputs=_away_from_zero((2, 3, 4)), name="elu"),
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "elu", "slope": 1.0},
         inputs=_away_from_zero((2, 3, 4)), name="elu1"),
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "gelu"}, dtypes=F3, name="gelu"),
    # MXNet's selu gradient is not the derivative (see activation.py); checked in
    # test_nn_layers_semantics.py against MXNet's formula instead
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "selu"}, dtypes=F3, grad=False, name="selu"),
    Case("LeakyReLU", [], {"act_type": "prelu"}, dtypes=F3,
         inputs=_prelu_inputs((2, 3, 4), (3,)), name="prelu"),
    Case("LeakyReLU", [], {"act_type": "prelu"}, inputs=_prelu_inputs((2, 3, 2, 2), (1,)),
         name="prelu_scalar"),
    Case("LeakyReLU", [], {"act_type": "prelu"}, inputs=_prelu_inputs((5,), (5,)),
         name="prelu_1d"),
    # inference rrelu: MXNet's gradient there is og * (x > 0 ? 1 : y) (semantics test)
    Case("LeakyReLU", [(2, 3, 4)], {"act_type": "rrelu"}, grad=False, name="rrelu_eval"),
    Case("LeakyReLU", [], {"act_type": "rrelu"}, is_train=True, dtypes=F3,
         inputs=_away_from_zero((2, 3, 4)), name="rrelu_train"),
    Case("_backward_LeakyReLU", [], {"act_type": "leaky", "slope": 0.1}, grad=False, dtypes=F3,
         inputs=_backward_inputs("LeakyReLU", {"slope": 0.1}, (2, 3),
                                 extra=lambda x, y: [x]), name="leaky"),
    Case("_backward_LeakyReLU", [], {"act_type": "elu"}, grad=False,
         inputs=_backward_inputs("LeakyReLU", {"act_type": "elu"}, (2, 3),
                                 extra=lambda x, y: [x]), name="elu"),
    Case("_backward_LeakyReLU", [], {"act_type": "selu"}, grad=False,
         inputs=_backward_inputs("LeakyReLU", {"act_type": "selu"}, (2, 3),
                                 extra=lambda x, y: [x]), name="selu"),
    Case("_backward_LeakyReLU", [], {"act_type": "gelu"}, grad=False,
         inputs=_backward_inputs("LeakyReLU", {"act_type": "gelu"}, (2, 3),
                                 extra=lambda x, y: [x]), name="gelu"),
    Case("_backward_LeakyReLU", [(2, 3, 4), (2, 3, 4), (2, 3, 4)], {"act_type": "rrelu"},
         grad=False, name="rrelu"),
    Case("_backward_LeakyReLU", [(2, 3, 4), (2, 3, 4), (3,)], {"act_type": "prelu"},
         grad=False, dtypes=F3, name="prelu"),

    # --- softmax family ---
    Case("softmax", [(3, 5)], dtypes=F3),
    Case("softmax", [(4, 3, 5)], {"axis": 1}, name="axis1"),
    Case("softmax", [(4, 3)], {"axis": 0}, name="axis0"),
    Case("softmax", [(2, 3, 4)], {"temperature": 2.5}, name="temperature"),
    Case("softmax", [(2, 3)], {"dtype": "float64"}, dtypes=("float16", "float32"),
         name="dtype64"),
    Case("softmax", [], {"use_length": True}, inputs=_with_lengths((3, 5), [2, 5, 0]),
         grad_inputs=[0], name="length"),
    Case("softmax", [], {"use_length": True, "axis": 0},
         inputs=_with_lengths((4, 3), [1, 4, 3]), grad_inputs=[0], name="length_axis0"),
    Case("softmax", [(300, 300)], grad=False, name="parallel"),
    Case("softmax", [(70, 40, 30)], {"axis": 1}, grad=False, name="parallel_strided"),
    Case("log_softmax", [(3, 5)], dtypes=F3),
    Case("log_softmax", [(4, 3)], {"axis": 0, "temperature": 0.5}, name="axis0_temp"),
    Case("log_softmax", [(2, 3, 4)], {"axis": 1, "dtype": "float64"}, dtypes=("float32",),
         name="axis1_dtype"),
    Case("softmin", [(3, 5)], dtypes=F3),
    Case("softmin", [(3, 4, 2)], {"axis": 1, "temperature": 2.0}, name="axis1_temp"),
    Case("SoftmaxActivation", [(3, 5)], dtypes=F3),
    Case("SoftmaxActivation", [(2, 3, 2, 2)], {"mode": "channel"}, name="channel"),
    # MXNet's backward reduces over axis 1 even in instance mode (semantics test)
    Case("SoftmaxActivation", [(2, 3, 4)], grad=False, name="instance3d"),
    Case("_backward_softmax", [], {"axis": 1}, grad=False, dtypes=F3,
         inputs=_softmax_backward_inputs((2, 3, 4), 1)),
    Case("_backward_softmax", [], {"temperature": 2.0}, grad=False,
         inputs=_softmax_backward_inputs((3, 4), -1), name="temp"),
    Case("_backward_softmax", [], {"dtype": "float32"}, grad=False, dtypes=("float32",),
         inputs=_softmax_backward_inputs((3, 4), -1, with_data=True), rtol=2e-3, atol=1e-3,
         name="dtype"),
    Case("_backward_log_softmax", [], {}, grad=False, dtypes=F3,
         inputs=_softmax_backward_inputs((3, 4), -1, log=True)),
    Case("_backward_log_softmax", [], {"axis": 0, "temperature": 0.5}, grad=False,
         inputs=_softmax_backward_inputs((3, 4), 0, log=True), name="axis0"),
    Case("_backward_softmin", [], {"temperature": 2.0}, grad=False,
         inputs=_softmax_backward_inputs((3, 4), -1)),
    Case("_backward_SoftmaxActivation", [], {}, grad=False,
         inputs=_softmax_backward_inputs((2, 3, 4), 1)),
    Case("_backward_SoftmaxActivation", [], {"mode": "channel"}, grad=False,
         inputs=_softmax_backward_inputs((4, 5), 1), name="2d"),

    # --- Dropout ---
    Case("Dropout", [(3, 4)], {"p": 0.5}, dtypes=F3, name="eval"),
    Case("Dropout", [(4, 5)], {"p": 0.5}, is_train=True, dtypes=F3, name="train"),
    Case("Dropout", [(4, 5)], {"p": 0.0}, is_train=True, name="p0"),
    Case("Dropout", [(2, 3, 4)], {"p": 0.3, "axes": (1,)}, is_train=True, name="axes"),
    Case("Dropout", [(3, 4)], {"p": 0.25, "mode": "always"}, name="always"),
    Case("Dropout", [(3, 4)], {"p": 1.0}, is_train=True, name="p1"),
    Case("_backward_Dropout", [(2, 3, 4), (2, 1, 4)], grad=False, dtypes=F3),
]
