"""Errors raised by every layer.  framework.base re-exports them as mx.base.MXNetError.

They live here, in the lowest layer, so that compiler/ and kernels/ never import framework/.
Like MXNet 1.9, MXNetError derives from RuntimeError; the typed variants also derive from
the matching builtin so that `except ValueError` keeps working in user code.
"""


class MXNetError(RuntimeError):
    """The error raised for any invalid use of the framework."""


class MXNetValueError(MXNetError, ValueError):
    """A value (shape, attribute, argument) is invalid."""


class MXNetTypeError(MXNetError, TypeError):
    """A dtype or argument type is invalid."""


class MXNetIndexError(MXNetError, IndexError):
    """An index or axis is out of range."""


class MXNetAssertionError(MXNetError, AssertionError):
    """A check MXNet makes with `assert` failed (so `except AssertionError` keeps working)."""
