"""ParameterDict (mx.gluon.ParameterDict): an ordered name -> Parameter mapping with a prefix,
sharing, initialization and MXNet-compatible save/load."""
import re
from collections import OrderedDict

import numpy as np

from ..base import MXNetAssertionError, MXNetValueError
from ..ndarray.ndarray import NDArray
from .. import ndarray as nd
from .parameter import Parameter, Constant, _brief_print_list, _check, _default_init, _indent

__all__ = ["ParameterDict"]


class ParameterDict:
    """An ordered name -> Parameter mapping with a prefix (what Block.collect_params returns)."""

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        name = self._prefix + " " if self._prefix else ""
        return "{name}(\n{content}\n)".format(
            name=name, content="\n".join(_indent("  {0}".format(v), 2) for v in self.values()))

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._shared._params[name]
        return None

    def get(self, name, **kwargs):
        """The parameter `prefix + name`, created with `kwargs` when it does not exist yet."""
        name = self.prefix + name
        param = self._get_impl(name)
        if param is None:
            param = Parameter(name, **kwargs)
            self._params[name] = param
            return param
        for k, v in kwargs.items():
            if hasattr(param, k) and getattr(param, k) is not None:
                existing = getattr(param, k)
                if k == "shape" and v is not None and len(tuple(v)) == len(existing):
                    merged = _merge_shapes(tuple(v), existing)
                    if merged is not None:
                        param._shape = merged
                        continue
                elif k == "dtype" and np.dtype(v) == np.dtype(existing):
                    continue
                _check(v is None or v == existing,
                       "Cannot retrieve Parameter '%s' because desired attribute does not "
                       "match with stored for attribute '%s': desired '%s' vs stored '%s'."
                       % (name, k, str(v), str(getattr(param, k))))
            else:
                setattr(param, k, v)
        return param

    def get_constant(self, name, value=None):
        name = self.prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise KeyError("No constant named '{}'. Please specify value if you want to "
                               "create a new constant.".format(name))
            param = Constant(name, value)
            self._params[name] = param
        elif value is not None:
            _check(isinstance(param, Constant),
                   "Parameter '{}' already exists but it is not a constant.".format(name))
            value = value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)
            _check(param.shape == value.shape and (param.value.asnumpy() == value).all(),
                   "Constant '{}' already exists but it's value doesn't match new "
                   "value".format(name))
        return param

    def update(self, other):
        for k, v in other.items():
            if k in self._params:
                _check(self._params[k] is v,
                       "Cannot update self with other because they have different Parameters "
                       "with the same name '%s'" % k)
        for k, v in other.items():
            self._params[k] = v

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialize every parameter (those with their own `init` use it)."""
        if init is None:
            init = _default_init()
        if verbose and hasattr(init, "set_verbosity"):
            init.set_verbosity(verbose=verbose)
        for _, v in self.items():
            v.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for p in self.values():
            p.zero_grad()

    def reset_ctx(self, ctx):
        for p in self.values():
            p.reset_ctx(ctx)

    def list_ctx(self):
        s = set()
        for p in self.values():
            s.update(p.list_ctx())
        return list(s)

    def setattr(self, name, value):
        """Set an attribute (grad_req, lr_mult, wd_mult ...) on every parameter."""
        for p in self.values():
            setattr(p, name, value)

    def save(self, filename, strip_prefix=""):
        arg_dict = {}
        for param in self.values():
            weight = param._reduce()
            if not param.name.startswith(strip_prefix):
                raise MXNetValueError(
                    "Prefix '%s' is to be striped before saving, but Parameter's name '%s' "
                    "does not start with '%s'." % (strip_prefix, param.name, strip_prefix))
            arg_dict[param.name[len(strip_prefix):]] = weight
        nd.save(filename, arg_dict)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix="", cast_dtype=False, dtype_source="current"):
        if restore_prefix:
            for name in self.keys():
                _check(name.startswith(restore_prefix),
                       "restore_prefix is '%s' but Parameters name '%s' does not start with "
                       "'%s'" % (restore_prefix, name, restore_prefix))
        self.load_dict(nd.load(filename), ctx, allow_missing, ignore_extra, restore_prefix,
                       filename, cast_dtype, dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  restore_prefix="", filename=None, cast_dtype=False, dtype_source="current"):
        lprefix = len(restore_prefix)
        if isinstance(param_dict, (list, tuple)) and \
                not all(isinstance(i, (list, tuple)) and len(i) == 2 for i in param_dict):
            raise MXNetValueError("ParameterDict.load: %s holds an unnamed list of arrays, not "
                                  "a name -> array dict" % (filename or "param_dict"))
        items = param_dict.items() if isinstance(param_dict, dict) else param_dict
        loaded = [(k[4:] if k.startswith(("arg:", "aux:")) else k, v) for k, v in items]
        arg_dict = {restore_prefix + k: v for k, v in loaded}
        where = "file: %s" % filename if filename else "param_dict"
        if not allow_missing:
            missing = [n for n in self.keys() if n not in arg_dict]
            if missing:
                raise MXNetAssertionError(
                    "Parameter %s is missing in %s, which contains parameters: %s. Please make "
                    "sure source and target networks have the same prefix. Set "
                    "allow_missing=True to ignore missing parameters."
                    % (_brief_print_list(n[lprefix:] for n in missing), where,
                       _brief_print_list(arg_dict.keys())))
        extra = [n for n in arg_dict if n not in self._params]
        if extra and not ignore_extra:
            raise MXNetAssertionError(
                "Parameter %s loaded from %s is not present in ParameterDict, choices are: %s. "
                "Set ignore_extra to True to ignore. Please make sure source and target "
                "networks have the same prefix."
                % (_brief_print_list(n[lprefix:] for n in extra), where,
                   _brief_print_list(self._params.keys())))
        for name, value in arg_dict.items():
            if name in self._params:
                self[name]._load_init(value, ctx, cast_dtype=cast_dtype,
                                      dtype_source=dtype_source)


def _merge_shapes(desired, existing):
    """Combine two shapes where 0/-1 means unknown; None when they conflict."""
    merged = []
    for d1, d2 in zip(desired, existing):
        if d1 != d2 and d1 > 0 and d2 > 0:
            return None
        merged.append(d2 if d1 in (0, -1) else d1)
    return tuple(merged)


def select_params(params, select):
    """The items of `params` whose names match the regular expression `select`."""
    pattern = re.compile(select)
    return {name: value for name, value in params.items() if pattern.match(name)}
