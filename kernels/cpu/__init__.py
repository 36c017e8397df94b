"""Hand-written Numba CPU kernels, one module per op family."""
