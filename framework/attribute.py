"""Attribute scoping (mx.AttrScope / mx.attribute.AttrScope), as in MXNet 1.9.1.

Inside `with mx.AttrScope(ctx_group='dev1'):` every symbol created gets those attributes
(op attributes go through the same renaming as MXNet's: `ctx_group` -> `__ctx_group__`).
"""
import threading


class AttrScope:
    """Attributes (string values) added to every symbol created inside the scope."""

    _current = threading.local()

    def __init__(self, **kwargs):
        self._old_scope = None
        for value in kwargs.values():
            if not isinstance(value, str):
                raise ValueError("Attributes need to be string")
        self._attr = kwargs

    def get(self, attr):
        """The scope's attributes updated with `attr` (the user's, which win)."""
        if self._attr:
            ret = self._attr.copy()
            if attr:
                ret.update(attr)
            return ret
        return attr if attr else {}

    def __enter__(self):
        if not hasattr(AttrScope._current, "value"):
            AttrScope._current.value = AttrScope()
        self._old_scope = AttrScope._current.value
        attr = AttrScope._current.value._attr.copy()
        attr.update(self._attr)
        self._attr = attr
        AttrScope._current.value = self
        return self

    def __exit__(self, ptype, value, trace):
        assert self._old_scope
        AttrScope._current.value = self._old_scope


def current():
    """The AttrScope in effect on this thread."""
    if not hasattr(AttrScope._current, "value"):
        AttrScope._current.value = AttrScope()
    return AttrScope._current.value


AttrScope._current.value = AttrScope()
