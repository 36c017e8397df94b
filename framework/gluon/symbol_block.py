"""SymbolBlock (mx.gluon.SymbolBlock): a HybridBlock made from a Symbol, e.g. a model exported
by HybridBlock.export (here or by MXNet 1.9.1) and loaded with `SymbolBlock.imports`."""
import copy
import warnings

import numpy as np

from .. import symbol as _sym_module
from ..base import MXNetError, MXNetAssertionError, MXNetValueError
from ..ndarray.ndarray import NDArray
from ..symbol.symbol import Symbol
from .block import HybridBlock, _name_block_in_error
from .nest import flatten, regroup
from .parameter import ParameterDict

__all__ = ["SymbolBlock"]


def _common_prefix(names):
    if not names:
        return ""
    prefix = names[0]
    for name in names:
        i = 0
        while i < len(prefix) and i < len(name) and prefix[i] == name[i]:
            i += 1
        prefix = prefix[:i]
    return prefix


class SymbolBlock(HybridBlock):
    """A HybridBlock made from a Symbol (e.g. loaded with `SymbolBlock.imports`)."""

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None, allow_missing=False,
                ignore_extra=False):
        """Load an exported model: `symbol_file` (-symbol.json) and `param_file` (.params)."""
        sym = _sym_module.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [_sym_module.var(i, dtype=np.float32) for i in input_names]
        else:
            inputs = [_sym_module.var(i) for i in input_names]
        ret = SymbolBlock(sym, inputs)
        if param_file is not None:
            ret.collect_params().load(param_file, ctx, allow_missing, ignore_extra,
                                      cast_dtype=True, dtype_source="saved")
        return ret

    def __repr__(self):
        s = "{name}(\n{modstr}\n)"
        modstr = "\n".join(["{block} : {numinputs} -> {numoutputs}".format(
            block=self._cached_graph[1], numinputs=len(self._cached_graph[0]),
            numoutputs=len(self._cached_graph[1].list_outputs()))])
        return s.format(name=self.__class__.__name__, modstr=modstr)

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix=None, params=None)
        self._prefix = ""
        self._params = ParameterDict("", params)
        if isinstance(inputs, Symbol) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        syms, self._in_format = flatten(inputs, "input")
        out, self._out_format = flatten(outputs, "output")
        out = _sym_module.Group(out)
        input_names = set()
        for i in syms:
            if len(i.get_internals().list_outputs()) != 1:
                raise MXNetAssertionError("Input symbols must be variable, but %s is an output "
                                          "of operators" % str(i))
            input_names.add(i.name)
        arg_params = out.list_arguments()
        aux_params = out.list_auxiliary_states()
        arg_types, aux_types = _infer_param_types(syms, out, arg_params, aux_params)
        for i, arg in enumerate(arg_params):
            if arg not in input_names:
                self.params.get(arg, allow_deferred_init=True, dtype=arg_types[i])
        for i, aux in enumerate(aux_params):
            if aux not in input_names:
                self.params.get(aux, grad_req="null", allow_deferred_init=True,
                                dtype=aux_types[i])
        self._cached_graph = syms, out
        len_prefix = len(_common_prefix(list(self._params.keys())))
        self._reg_params = {key[len_prefix:]: val for key, val in self._params.items()}

    def forward(self, x, *args):
        if isinstance(x, NDArray):
            with x.context:
                try:
                    return self._call_cached_op(x, *args)
                except MXNetError as e:
                    _name_block_in_error(self, e)
                    raise
        if not isinstance(x, Symbol):
            raise MXNetValueError("HybridBlock requires the first argument to forward be either "
                                  "Symbol or NDArray, but got %s" % type(x))
        flat, in_fmt = flatten([x] + list(args), "input")
        if in_fmt != self._in_format:
            raise MXNetValueError("Invalid input format")
        ret = copy.copy(self._cached_graph[1])
        ret._compose(**{k.name: v for k, v in zip(self._cached_graph[0], flat)})
        return regroup(list(ret), self._out_format)

    def _clear_cached_op(self):
        tmp = self._cached_graph
        super()._clear_cached_op()
        self._cached_graph = tmp

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise MXNetError("SymbolBlock runs its Symbol; hybrid_forward is not used")


def _infer_param_types(in_params, out_params, arg_params, aux_params, default=np.float32):
    """dtypes of the arguments and aux states, from the inputs' declared dtypes."""
    known = {}
    for p in in_params:
        attr = p.list_attr()
        if "__dtype__" in attr:
            from compiler.passes.infer_type import TYPE_FLAGS
            known[p.name] = TYPE_FLAGS[int(attr["__dtype__"])]
    default_name = np.dtype(default).name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            arg_types, _, aux_types = out_params.infer_type(**known)
        except MXNetError:
            arg_types = aux_types = None
    if arg_types is None or len(arg_types) != len(arg_params):
        arg_types = [default_name] * len(arg_params)
    if aux_types is None or len(aux_types) != len(aux_params):
        aux_types = [default_name] * len(aux_params)
    arg_types = [default_name if t is None else np.dtype(t).name for t in arg_types]
    aux_types = [default_name if t is None else np.dtype(t).name for t in aux_types]
    return arg_types, aux_types
