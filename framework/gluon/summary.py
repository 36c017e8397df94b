"""Block.summary: a table of each layer's output shape and parameter counts (MXNet's format)."""
from collections import OrderedDict

from ..base import MXNetAssertionError
from ..ndarray.ndarray import NDArray


def _shape_str(args):
    def flat(args):
        if not isinstance(args, (list, tuple)):
            return [args], 0
        out, fmts = [], []
        for i in args:
            a, f = flat(i)
            out.extend(a)
            fmts.append(f)
        return out, fmts

    def regroup(args, fmt):
        if isinstance(fmt, int):
            if fmt == 0:
                return args[0], args[1:]
            return args[:fmt], args[fmt:]
        ret = []
        for i in fmt:
            res, args = regroup(args, i)
            ret.append(res)
        return ret, args

    flat_args, fmts = flat(args)
    shapes = regroup([x.shape if isinstance(x, NDArray) else x for x in flat_args], fmts)[0]
    text = str(shapes)[1:-1] if isinstance(shapes, list) else str(shapes)
    return text.replace("L", "")


def print_summary(block, inputs):
    """Run `block(*inputs)` with hooks on every non-container child and print the table."""
    from .block import HybridBlock
    from .containers import Sequential, HybridSequential
    summary = OrderedDict()
    seen = set()
    hooks = []

    def register(blk):
        if isinstance(blk, HybridBlock) and blk._active:
            raise MXNetAssertionError('"{}" must not be hybridized to print summary.'
                                      .format(blk.name))

        def hook(blk, _, outputs):
            key = "%s-%i" % (blk.__class__.__name__, len(summary))
            row = summary[key] = OrderedDict()
            row["output_shape"] = _shape_str(outputs)
            params = trainable = shared = 0
            for p in blk.params.values():
                size = p.data().size
                params += size
                trainable += 0 if p.grad_req == "null" else size
                if p in seen:
                    shared += size
                else:
                    seen.add(p)
            row["trainable"], row["shared"], row["n_params"] = trainable, shared, params

        if not isinstance(blk, (Sequential, HybridSequential)):
            hooks.append(blk.register_forward_hook(hook))

    summary["Input"] = OrderedDict(output_shape=_shape_str(inputs), n_params=0, trainable=0,
                                   shared=0)
    try:
        block.apply(register)
        block(*inputs)
        line = "{:>20}  {:>42} {:>15}"
        print("-" * 80)
        print(line.format("Layer (type)", "Output Shape", "Param #"))
        print("=" * 80)
        total = trainable = shared = 0
        for layer, row in summary.items():
            print(line.format(layer, str(row["output_shape"]), row["n_params"]))
            total += row["n_params"]
            trainable += row["trainable"]
            shared += row["shared"]
        print("=" * 80)
        print("Parameters in forward computation graph, duplicate included")
        print("   Total params: " + str(total))
        print("   Trainable params: " + str(trainable))
        print("   Non-trainable params: " + str(total - trainable))
        print("Shared params in forward computation graph: " + str(shared))
        print("Unique parameters in model: " + str(total - shared))
        print("-" * 80)
    finally:
        for h in hooks:
            h.detach()
