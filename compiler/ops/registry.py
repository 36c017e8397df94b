"""The operator registry: every operator is declared once, as a subclass of `Op`.

A declaration holds everything the rest of the system needs: MXNet name, aliases and
argument names, the attribute schema, shape and dtype inference, the gradient (built
from other registered ops through a namespace `F`, which is `mx.nd` for autograd and a
graph builder for the compiler), in-place and aux-mutation traits, the NumPy reference,
the scalar expression of elementwise ops, and the kernels per target ("cpu", "cuda").
"""
import numpy as np

from compiler.errors import MXNetError, MXNetValueError, MXNetTypeError
from .attrs import Attr, parse_attrs, REQUIRED  # noqa: F401  (re-exported for op files)

_REGISTRY = {}


class OpError(MXNetValueError):
    """Raised by an op's inference or kernel; callers prefix the op and node name."""


def fail(msg, *args):
    """Raise an OpError; the dispatcher adds the operator and node name."""
    raise OpError(msg % args if args else msg)


class OpContext:
    """What a kernel or reference needs besides its arrays."""

    __slots__ = ("is_train", "rng", "ctx")

    def __init__(self, is_train=False, rng=None, ctx=None):
        self.is_train = is_train
        self.rng = rng
        self.ctx = ctx


class Op:
    """Base declaration. Subclasses override class attributes and methods as needed."""

    name = None                 # MXNet operator name, e.g. "FullyConnected"
    aliases = ()                # other names of the same op in mx.nd / mx.sym ("flatten")
    attrs = {}                  # attribute name -> Attr
    arguments = ("data",)       # input names (see input_names for attr-dependent inputs)
    variadic = None             # attribute holding the input count (e.g. "num_args")
    aux = ()                    # input names that are auxiliary states (BatchNorm stats)
    mutates_aux = False         # kernels update the aux inputs in place in training
    random = False              # draws from octx.rng: passes never merge (CSE) such nodes
    outputs = ("output",)       # output names (see output_names)
    num_visible = None          # visible outputs; None = all (BatchNorm shows 1 of 3)
    inplace = ()                # (input index, output index) pairs that may share memory
    identity_view = False       # output = input 0's elements reshaped (MXNet FInplaceIdentity):
                                # may alias the input where the result is not user-visible
    scalar_expr = None          # elementwise ops: scalar expression over inputs and attrs
    differentiable = True
    kernels = {}                # target -> fn(attrs, inputs, outputs, octx)

    # --- signature -------------------------------------------------------------------
    def input_names(self, attrs):
        if self.variadic:
            return ["arg%d" % i for i in range(attrs[self.variadic])]
        return list(self.arguments)

    def output_names(self, attrs):
        return list(self.outputs)

    def num_outputs(self, attrs):
        return len(self.output_names(attrs))

    def num_visible_outputs(self, attrs):
        return self.num_visible if self.num_visible is not None else self.num_outputs(attrs)

    def json_num_outputs(self, attrs):
        """Outputs MXNet counts in symbol JSON's node_row_ptr (an op may keep one more
        hidden output than MXNet's build has, e.g. RNN's reserve space)."""
        return self.num_outputs(attrs)

    def parse(self, values):
        return parse_attrs(self.name, self.attrs, values)

    # --- inference -------------------------------------------------------------------
    def infer_shape(self, attrs, in_shapes):
        """Return (in_shapes, out_shapes); None marks an unknown shape."""
        raise NotImplementedError("%s must declare infer_shape()" % self.name)

    def infer_type(self, attrs, in_types):
        """Default: every input and output shares the first known dtype."""
        known = next((t for t in in_types if t is not None), None)
        n_out = self.num_outputs(attrs)
        if known is None:
            return list(in_types), [None] * n_out
        for name, t in zip(self.input_names(attrs), in_types):
            if t is not None and t != known:
                fail("input '%s' has dtype %s but expected %s", name, t, known)
        return [known] * len(in_types), [known] * n_out

    # --- semantics -------------------------------------------------------------------
    def reference(self, attrs, inputs, octx):
        """NumPy oracle: list of input arrays -> list of output arrays."""
        raise NotImplementedError("%s must declare reference()" % self.name)

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        """Input gradients (None = zero / not differentiable) from registered ops via F."""
        raise MXNetError("%s: gradient is not defined" % self.name)

    def kernel(self, target):
        fn = self.kernels.get(target)
        if fn is None and target in ("cuda", "gpu"):    # "gpu": the device name, same kernels
            # ops that declare no "cuda" kernel take the CUDA library's (kernels/cuda/
            # dispatch.py: hand-written families by name, generated elementwise kernels)
            fn = self.kernels.get("cuda")
            if fn is None:
                from kernels.cuda.dispatch import lookup
                fn = lookup(self)
        if fn is None:
            raise MXNetError("%s: no %s kernel is implemented yet" % (self.name, target))
        return fn

    def __repr__(self):
        return "<Op %s>" % self.name


def register(cls):
    """Class decorator: instantiate and register an Op under its name and aliases."""
    op = cls()
    for name in (op.name,) + tuple(op.aliases):
        if name in _REGISTRY:
            raise RuntimeError("operator %s registered twice" % name)
        _REGISTRY[name] = op
    return cls


def get(name):
    """The Op registered under `name` (or alias); MXNetError if unknown."""
    op = _REGISTRY.get(name)
    if op is None:
        raise MXNetValueError("unknown operator '%s'" % name)
    return op


def all_names():
    """Every registered name, aliases included."""
    return sorted(_REGISTRY)


def all_ops():
    """Each registered Op once."""
    seen = {}
    for op in _REGISTRY.values():
        seen[id(op)] = op
    return sorted(seen.values(), key=lambda o: o.name)


# --- helpers shared by op declarations ------------------------------------------------

def same_shape(attrs, in_shapes, n_out=1, names=None):
    """Elementwise inference: every input and output has one shape."""
    known = next((s for s in in_shapes if s is not None), None)
    if known is None:
        return list(in_shapes), [None] * n_out
    for i, s in enumerate(in_shapes):
        if s is not None and tuple(s) != tuple(known):
            label = names[i] if names else "input %d" % i
            fail("%s shape %s does not match %s", label, tuple(s), tuple(known))
    return [tuple(known)] * len(in_shapes), [tuple(known)] * n_out


def normalize_axis(axis, ndim, what="axis"):
    """Map a possibly negative axis into [0, ndim); OpError when out of range."""
    if not -ndim <= axis < max(ndim, 1):
        fail("%s %d is out of range for %d-d input", what, axis, ndim)
    return axis % ndim if ndim else 0


def check_dtype(name, dtype, allowed):
    if dtype is not None and dtype not in allowed:
        raise MXNetTypeError("input '%s' has dtype %s; supported: %s" % (name, dtype, ", ".join(allowed)))


FLOAT_TYPES = ("float16", "float32", "float64")


def float_types(op, attrs, in_types, names):
    """Default dtype inference after checking that every input named has a float dtype."""
    for name, t in zip(names, in_types):
        check_dtype(name, t, FLOAT_TYPES)
    return Op.infer_type(op, attrs, in_types)


def match_shapes(names, in_shapes, data, wants):
    """Check each known input shape against the one required; returns `wants`."""
    for name, s, w in zip(names, in_shapes, wants):
        if s is not None and tuple(s) != tuple(w):
            fail("%s shape %s does not match data shape %s: expected %s",
                 name, tuple(s), tuple(data), tuple(w))
    return wants
ALL_TYPES = ("float16", "float32", "float64", "uint8", "int8", "int32", "int64", "bool")


def np_dtype(name):
    return np.dtype(name)


_DTYPE_NAMES = {np.dtype(n): n for n in ALL_TYPES}


def dtype_name(dtype):
    """np.dtype -> its name; a dict lookup (numpy's dtype.name costs microseconds)."""
    name = _DTYPE_NAMES.get(dtype)
    return name if name is not None else np.dtype(dtype).name
