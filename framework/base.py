"""Errors and small helpers shared by the whole package (mx.base)."""


from compiler.errors import (MXNetError, MXNetValueError, MXNetTypeError,  # noqa: F401
                             MXNetIndexError, MXNetAssertionError)


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


class NotImplementedForSymbol(MXNetError):
    """An NDArray-only operation was used on a Symbol (MXNet's mx.base.NotImplementedForSymbol)."""

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function = function.__name__
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self):
        msg = "Function {}".format(self.function)
        if self.alias:
            msg += ' (namely operator "{}")'.format(self.alias)
        if self.args:
            msg += " with arguments ({})".format(", ".join(self.args))
        return msg + " is not implemented for Symbol and only available in NDArray."
