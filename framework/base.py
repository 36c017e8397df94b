"""Errors and small helpers shared by the whole package (mx.base)."""


from compiler.errors import MXNetError, MXNetValueError, MXNetTypeError, MXNetIndexError  # noqa: F401


class _Null:
    """Marker for 'argument not given' (MXNet's `_Null`)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "_Null"

    def __bool__(self):
        return False


_Null = _Null()

string_types = (str,)
numeric_types = (float, int)
integer_types = (int,)
