"""The operator registry and every operator family (importing this registers them all)."""
from . import registry  # noqa: F401
from . import init, unary, unary_math, binary, binary_scalar, reduce, tensor, tensor_slice, tensor_more, indexing, linalg, nn, nn_pool, norm, activation, loss, softmax, dropout, norm_local  # noqa: F401
from . import optimizer  # noqa: F401
from . import rnn  # noqa: F401
from . import norm_group  # noqa: F401

get = registry.get
