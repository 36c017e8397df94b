"""The operator registry and every operator family (importing this registers them all)."""
from . import registry  # noqa: F401
from . import init, unary, binary, reduce, tensor, indexing, linalg, nn, norm, activation, loss  # noqa: F401

get = registry.get
