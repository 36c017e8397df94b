"""Kernel generation from scalar expressions: one source for the CPU and CUDA targets."""
