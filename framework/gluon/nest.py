"""Flatten nested lists of NDArrays/Symbols into a flat list plus a format, and back
(MXNet's gluon.block._flatten / _regroup)."""
from ..base import MXNetValueError
from ..ndarray.ndarray import NDArray
from ..symbol.symbol import Symbol


def flatten(args, inout_str):
    """(flat list, format): format 0 = one array, n > 0 = a Symbol with n outputs,
    -1 = None, a list = nested formats."""
    if isinstance(args, NDArray):
        return [args], 0
    if isinstance(args, Symbol):
        length = len(args.list_outputs())
        return [args], (length if length > 1 else 0)
    if args is None:
        return [None], -1
    if not isinstance(args, (list, tuple)):
        raise MXNetValueError("When hybridized, the input of HybridBlock {} must be (nested) list "
                              "of Symbol or NDArray, but got {} of type {}"
                              .format(inout_str, str(args), str(type(args))))
    flat, fmts = [], []
    for i in args:
        arg, fmt = flatten(i, inout_str)
        flat.extend(arg)
        fmts.append(fmt)
    return flat, fmts


def regroup(args, fmt):
    """Inverse of flatten: rebuild the nested structure described by `fmt`."""
    def merge(args, fmt):
        if isinstance(fmt, int):
            if fmt < -1:
                raise MXNetValueError("Unsupported encoded format {}.".format(fmt))
            if fmt == 0:
                return args[0], args[1:]
            if fmt == -1:
                if args[0] is not None:
                    raise MXNetValueError(
                        "We do not support passing types that are not None when the initial "
                        "HybridBlock has received NoneType and has been hybridized. Received "
                        "arg = {}, fmt = {}.".format(args[0], fmt))
                return None, args[1:]
            return args[:fmt], args[fmt:]
        if not isinstance(args, (list, tuple)):
            raise MXNetValueError("When hybridized, the output of HybridBlock must be (nested) "
                                  "list of Symbol or NDArray, but got {} of type {}"
                                  .format(args, type(args)))
        ret = []
        for i in fmt:
            res, args = merge(args, i)
            ret.append(res)
        return ret, args
    return merge(args, fmt)[0]
