"""Compiler passes: each a pure function Graph -> Graph in its own file.

infer_shape, infer_type: shape and dtype inference (results in graph.attrs).
"""
from .infer_shape import infer_shape  # noqa: F401
from .infer_type import infer_type  # noqa: F401
