"""Running registry ops through their CUDA kernels on device arrays, against the references."""
import numpy as np
from numba import cuda

from compiler.ops import registry
from compiler.ops.registry import OpContext

TOLERANCE = {"float16": (2e-2, 2e-2), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-11)}


def infer_outputs(op, attrs, arrays):
    """Output shapes and dtypes of `op` for these inputs (the registry's inference)."""
    _, shapes = op.infer_shape(attrs, [a.shape for a in arrays])
    _, types = op.infer_type(attrs, [a.dtype.name for a in arrays])
    return shapes, types


def run_cuda(name, attrs, arrays, is_train=False, seed=1234):
    """(outputs, inputs after the call) of op `name`'s CUDA kernel, as NumPy arrays."""
    op = registry.get(name)
    parsed = op.parse(attrs)
    shapes, types = infer_outputs(op, parsed, arrays)
    inputs = [cuda.to_device(np.ascontiguousarray(a)) for a in arrays]
    outputs = [cuda.device_array(tuple(s), np.dtype(t)) for s, t in zip(shapes, types)]
    octx = OpContext(is_train, np.random.default_rng(seed))
    op.kernel("cuda")(parsed, inputs, outputs, octx)
    n = op.num_visible_outputs(parsed)
    return [o.copy_to_host() for o in outputs[:n]], [x.copy_to_host() for x in inputs]


def run_reference(name, attrs, arrays, is_train=False, seed=1234):
    op = registry.get(name)
    parsed = op.parse(attrs)
    copies = [a.copy() for a in arrays]
    outs = op.reference(parsed, copies, OpContext(is_train, np.random.default_rng(seed)))
    return [np.asarray(o) for o in list(outs)[:op.num_visible_outputs(parsed)]], copies


def assert_matches(name, attrs, arrays, is_train=False, rtol=None, atol=None):
    """The CUDA kernel's outputs (and aux inputs after the call) equal the reference's."""
    ours, ours_in = run_cuda(name, attrs, arrays, is_train)
    ref, ref_in = run_reference(name, attrs, arrays, is_train)
    dt = arrays[0].dtype.name if arrays else "float32"
    r, a = TOLERANCE.get(dt, (0, 0))
    rtol = r if rtol is None else rtol
    atol = a if atol is None else atol
    assert len(ours) == len(ref)
    for k, (x, y) in enumerate(zip(ours, ref)):
        assert x.shape == y.shape, "%s output %d: shape %s vs %s" % (name, k, x.shape, y.shape)
        assert x.dtype == y.dtype, "%s output %d: dtype %s vs %s" % (name, k, x.dtype, y.dtype)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg="%s output %d" % (name, k))
    for k, (x, y) in enumerate(zip(ours_in, ref_in)):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol,
                                   err_msg="%s input %d after the call" % (name, k))


def run_graph_cuda(graph, arrays, is_train=False, seed=0):
    """Evaluate an inferred Graph with every node's CUDA kernel: inputs are copied to the
    device once, every value stays there, the graph outputs are copied back at the end."""
    shapes, dtypes = graph.attrs["shape"], graph.attrs["dtype"]
    octx = OpContext(is_train=is_train, rng=np.random.default_rng(seed))
    values = {}
    for node in graph.nodes:
        if node.is_variable:
            values[(id(node), 0)] = cuda.to_device(np.ascontiguousarray(arrays[node.name]))
            continue
        ins = [values[e.key()] for e in node.inputs]
        outs = [cuda.device_array(tuple(shapes[(id(node), i)]), np.dtype(dtypes[(id(node), i)]))
                for i in range(node.num_outputs())]
        node.op.kernel("cuda")(node.parsed(), ins, outs, octx)
        for i, out in enumerate(outs):
            values[(id(node), i)] = out
    return [values[e.key()].copy_to_host() for e in graph.outputs]
