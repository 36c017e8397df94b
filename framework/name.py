"""Automatic naming of symbols (mx.name): NameManager and Prefix, as in MXNet 1.9.1.

An op created without a name gets `<hint><n>` where the hint is the lowercased function
name (`fullyconnected0`, `_plus1`) and n counts per hint in the current NameManager.
"""
import threading


class NameManager:
    """Gives each unnamed symbol `<hint><counter>`; `with NameManager():` starts fresh counters."""

    _current = threading.local()

    def __init__(self):
        self._counter = {}
        self._old_manager = None

    def get(self, name, hint):
        """The user's `name` if given, else `hint` followed by this manager's counter for it."""
        if name:
            return name
        if hint not in self._counter:
            self._counter[hint] = 0
        name = "%s%d" % (hint, self._counter[hint])
        self._counter[hint] += 1
        return name

    def __enter__(self):
        if not hasattr(NameManager._current, "value"):
            NameManager._current.value = NameManager()
        self._old_manager = NameManager._current.value
        NameManager._current.value = self
        return self

    def __exit__(self, ptype, value, trace):
        assert self._old_manager
        NameManager._current.value = self._old_manager


class Prefix(NameManager):
    """A NameManager that prepends `prefix` to every name, given or generated.

    >>> with mx.name.Prefix('mynet_'):
    ...     net = mx.sym.FullyConnected(data, num_hidden=10, name='fc1')
    >>> net.list_arguments()
    ['data', 'mynet_fc1_weight', 'mynet_fc1_bias']
    """

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        name = super().get(name, hint)
        return self._prefix + name


def current():
    """The NameManager in effect on this thread."""
    if not hasattr(NameManager._current, "value"):
        NameManager._current.value = NameManager()
    return NameManager._current.value


NameManager._current.value = NameManager()
