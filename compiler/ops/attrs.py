"""Attribute schemas: MXNet passes attributes as strings (JSON stores "(3, 3)", "True").

Every operator declares its attributes once with `Attr`; `parse_attrs` turns user values
(Python objects or MXNet strings) into typed values in one place, and `format_attr` turns
them back into the strings MXNet writes.
"""
import re

import numpy as np

from compiler.errors import MXNetValueError

REQUIRED = object()

_DTYPE_NAMES = ("float32", "float64", "float16", "uint8", "int8", "int32", "int64", "bool")
_NONE_STRINGS = ("None", "none", "")


class Attr:
    """One attribute: its kind, default (REQUIRED if none) and allowed choices."""

    KINDS = ("int", "float", "bool", "str", "shape", "int_or_none", "float_or_none",
             "shape_or_none", "dtype", "dtype_or_none", "axes", "bool_or_none", "str_or_none")

    def __init__(self, kind, default=REQUIRED, choices=None, doc=""):
        if kind not in self.KINDS:
            raise ValueError("unknown attribute kind %r" % kind)
        self.kind = kind
        self.default = default
        self.choices = tuple(choices) if choices else None
        self.doc = doc

    @property
    def required(self):
        return self.default is REQUIRED

    def parse(self, value):
        """Return the typed value of `value` (a Python value or an MXNet string)."""
        kind = self.kind
        if kind.endswith("_or_none"):
            if value is None or (isinstance(value, str) and value.strip() in _NONE_STRINGS):
                return None
            kind = kind[: -len("_or_none")]
        parsed = _PARSERS[kind](value)
        if self.choices is not None and parsed not in self.choices:
            raise ValueError("must be one of %s" % (", ".join(map(str, self.choices))))
        return parsed


def _parse_int(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise ValueError("expected an integer")


def _parse_float(value):
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
    raise ValueError("expected a number")


def _parse_bool(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    raise ValueError("expected a boolean (True/False/1/0)")


def _parse_str(value):
    if isinstance(value, str):
        return value
    raise ValueError("expected a string")


def parse_int_tuple(text, allow_none=False):
    """Parse "(3, 3)", "[3,3]", "3", "()", "(0, None)" without eval; ValueError if malformed."""
    text = text.strip()
    if text[:1] in "([" and text[-1:] in ")]":
        text = text[1:-1]
    elif text[:1] in "([" or text[-1:] in ")]":
        raise ValueError("unbalanced brackets")
    items = [t.strip() for t in text.split(",")]
    if items and items[-1] == "":
        items.pop()                      # "(3,)"
    out = []
    for item in items:
        item = item[:-1] if item.endswith("L") else item
        if allow_none and item == "None":
            out.append(None)
        elif re.fullmatch(r"[+-]?\d+", item):
            out.append(int(item))
        else:
            raise ValueError("expected integers%s, got %r" % (" or None" if allow_none else "", item))
    return tuple(out)


def _parse_shape(value):
    """A tuple of ints: (3, 3), [3, 3], "(3, 3)", "[3,3]", "3", 3, "()"."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, (tuple, list)):
        return tuple(_parse_int(v) for v in value)
    if isinstance(value, str):
        try:
            return parse_int_tuple(value)
        except ValueError:
            pass
    raise ValueError("expected a shape such as (3, 3)")


def _parse_dtype(value):
    if isinstance(value, str):
        name = value.strip()
    else:
        try:
            name = np.dtype(value).name
        except TypeError:
            raise ValueError("expected a dtype") from None
    if name not in _DTYPE_NAMES:
        raise ValueError("expected one of %s" % ", ".join(_DTYPE_NAMES))
    return name


_PARSERS = {
    "int": _parse_int, "float": _parse_float, "bool": _parse_bool, "str": _parse_str,
    "shape": _parse_shape, "axes": _parse_shape, "dtype": _parse_dtype,
}


class Attrs(dict):
    """Parsed attributes with attribute access (`attrs.num_hidden`); hashable."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __hash__(self):
        return hash(tuple(sorted(self.items())))

    def key(self):
        return tuple(sorted(self.items()))


def is_hidden(name):
    """MXNet's hidden attributes (`__lr_mult__`, `__shape__`) and legacy `ctx_group` etc."""
    return name.startswith("__") and name.endswith("__")


def parse_attrs(op_name, schema, values):
    """Validate and parse `values` (dict) against `schema`; hidden attributes are skipped.

    Raises MXNetValueError naming the operator and attribute on any problem."""
    out = Attrs()
    for name, value in values.items():
        if is_hidden(name):
            continue
        spec = schema.get(name)
        if spec is None:
            raise MXNetValueError(
                "%s: unknown attribute '%s' (valid: %s)"
                % (op_name, name, ", ".join(sorted(schema)) or "none"))
        try:
            out[name] = spec.parse(value)
        except (ValueError, SyntaxError) as err:
            raise MXNetValueError(
                "%s: attribute '%s' has invalid value %r: %s" % (op_name, name, value, err)) from None
    for name, spec in schema.items():
        if name not in out:
            if spec.required:
                raise MXNetValueError("%s: required attribute '%s' is missing" % (op_name, name))
            out[name] = spec.default
    return out


def format_attr(value):
    """The string MXNet's Python frontend stores for a value (`str(v)`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, list):
        value = tuple(value)
    return str(value)
