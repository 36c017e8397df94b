"""CUDA kernels (numba-cuda): generated elementwise kernels (codegen.py) and hand-written
kernels per op family; `dispatch.lookup(op)` gives an op's CUDA kernel.  Importing a module
of this package needs numba-cuda; `kernels.cuda.runtime.require()` raises a clear MXNetError
when it is missing.  See docs/CUDA.md."""
