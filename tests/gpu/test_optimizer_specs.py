"""One source, two targets: every update formula of kernels/codegen/optimizer.py (the update
ops' and the dense AdaGrad/AdaDelta/Adamax/Nadam/DCASGD/LAMB steps') gives the same bits
from its generated CUDA kernel as from its generated CPU kernel, NaN, inf, signed zeros and
clipping included."""
import numpy as np
import pytest
from numba import cuda

from kernels.codegen import optimizer as F
from kernels.codegen.elementwise import generate_source
from kernels.cpu.optimizer import run as run_cpu
from kernels.cuda.optimizer import run as run_cuda

N = 7


def _arrays(spec, dtype, seed):
    rng = np.random.default_rng(seed)
    out = [np.zeros(N, dtype) for _ in spec.fresh_outputs()]
    for name in spec.inputs:
        a = rng.uniform(-2, 2, N)
        if name in ("w", "g"):
            a[:3] = (np.nan, -0.0, np.inf)
        else:                       # states that are square roots' arguments stay positive
            a = np.abs(a) + 0.1
        out.append(a.astype(dtype))
    return out


def _params(spec, dtype, clip):
    values = []
    for name, v in zip(spec.params, F.example_params(spec, dtype)):
        if name in ("clip", "clip_w"):
            v = np.dtype(dtype).type(clip)
        values.append(v)
    return values


@pytest.mark.parametrize("tag", sorted(F.SPECS))
def test_cuda_kernel_equals_cpu_kernel_bit_for_bit(tag):
    spec = F.SPECS[tag]
    for dtype, clip in ((np.float32, 0.6), (np.float64, -1.0)):
        host = _arrays(spec, dtype, seed=len(tag))
        params = _params(spec, dtype, clip)
        want = [a.copy() for a in host]
        with np.errstate(all="ignore"):
            run_cpu(spec, want, params)
        dev = [cuda.to_device(a) for a in host]
        run_cuda(spec, dev, params, op=tag)
        for k, (d, w) in enumerate(zip(dev, want)):
            got = d.copy_to_host()
            assert got.tobytes() == w.tobytes(), (tag, np.dtype(dtype).name, k, got, w)


def test_in_place_outputs_take_no_array_argument():
    cpu = generate_source(F.SGD_MOM, 1, False)
    gpu = generate_source(F.SGD_MOM, 1, False, target="cuda")
    assert "def kernel(in0, in1, in2, p_momentum" in cpu and "fastmath=False" in cpu
    assert "in0[i0] = w + m" in cpu and "in2[i0] = m" in cpu
    assert "def kernel(in0, in1, in2, p_momentum" in gpu and "in0[_i] = w + m" in gpu
    lamb = generate_source(F.LAMB_PHASE1, 1, False, target="cuda")
    assert "def kernel(out0, in0, in1, in2, in3, p_b1" in lamb
