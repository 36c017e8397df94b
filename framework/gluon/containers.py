"""Container and function blocks: Sequential, HybridSequential, Lambda, HybridLambda
(mx.gluon.nn.* in MXNet 1.9.1)."""
import warnings

from .. import ndarray as _nd
from .. import symbol as _sym
from ..base import MXNetAssertionError, MXNetValueError
from .block import Block, HybridBlock
from .parameter import _indent

__all__ = ["Sequential", "HybridSequential", "Lambda", "HybridLambda"]


def _children_repr(block):
    modstr = "\n".join("  ({key}): {block}".format(key=key, block=_indent(repr(b), 2))
                       for key, b in block._children.items())
    return "{name}(\n{modstr}\n)".format(name=block.__class__.__name__, modstr=modstr)


def _getitem(self, key):
    layers = list(self._children.values())[key]
    if isinstance(layers, list):
        net = type(self)(prefix=self._prefix)
        with net.name_scope():
            net.add(*layers)
        return net
    return layers


class Sequential(Block):
    """Stacks Blocks: `net.add(a, b)`; forward runs them in order."""

    def add(self, *blocks):
        for block in blocks:
            self.register_child(block)

    def forward(self, x, *args):
        for block in self._children.values():
            x = block(x, *args)
            args = []
            if isinstance(x, (tuple, list)):
                args = x[1:]
                x = x[0]
        if args:
            x = tuple([x] + list(args))
        return x

    __repr__ = _children_repr
    __getitem__ = _getitem

    def __len__(self):
        return len(self._children)

    def hybridize(self, active=True, **kwargs):
        if self._children and all(isinstance(c, HybridBlock) for c in self._children.values()):
            warnings.warn("All children of this Sequential layer '%s' are HybridBlocks. "
                          "Consider using HybridSequential for the best performance."
                          % self.prefix, stacklevel=2)
        super().hybridize(active, **kwargs)


class HybridSequential(HybridBlock):
    """Stacks HybridBlocks; hybridizes into one graph."""

    def add(self, *blocks):
        for block in blocks:
            self.register_child(block)

    def hybrid_forward(self, F, x, *args):
        for block in self._children.values():
            x = block(x, *args)
            args = []
            if isinstance(x, (tuple, list)):
                args = x[1:]
                x = x[0]
        if args:
            x = tuple([x] + list(args))
        return x

    __repr__ = _children_repr
    __getitem__ = _getitem

    def __len__(self):
        return len(self._children)


class Lambda(Block):
    """Wraps a function (or the name of an mx.nd function) as a Block."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            if not hasattr(_nd, function):
                raise MXNetAssertionError("Function name %s is not found in ndarray." % function)
            self._func_impl = getattr(_nd, function)
        elif callable(function):
            self._func_impl = function
        else:
            raise MXNetValueError("Unrecognized function in lambda: {} of type {}"
                                  .format(function, type(function)))

    def forward(self, *args):
        return self._func_impl(*args)

    def __repr__(self):
        return "{name}({function})".format(name=self.__class__.__name__,
                                           function=self._func_impl.__name__)


class HybridLambda(HybridBlock):
    """Wraps `function(F, x, *args)` (or the name of an op in both mx.nd and mx.sym)."""

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            if not (hasattr(_nd, function) and hasattr(_sym, function)):
                raise MXNetAssertionError("Function name %s is not found in symbol/ndarray."
                                          % function)
            func_dict = {_sym: getattr(_sym, function), _nd: getattr(_nd, function)}
            self._func = lambda F, *args: func_dict[F](*args)
            self._func_name = function
        elif callable(function):
            self._func = function
            self._func_name = function.__name__
        else:
            raise MXNetValueError("Unrecognized function in lambda: {} of type {}"
                                  .format(function, type(function)))

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)

    def __repr__(self):
        return "{name}({function})".format(name=self.__class__.__name__,
                                           function=self._func_name)
