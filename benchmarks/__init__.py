"""Benchmark suite: one runner, workloads as modules, results as JSON + a readable table.

    python -m benchmarks --suite ops --compare numpy,torch --json bench-ops.json

A workload (benchmarks.workload.Workload) is one computation implemented per library
("ours" = framework's mx.nd, "numpy", "torch", "torch.compile", "mxnet"); suites are the
modules of benchmarks/workloads/ that define `WORKLOADS`.  See benchmarks/README.md.

This package must stay cheap to import: `python -m benchmarks` sets the thread-count
environment variables before NumPy, Numba or torch are imported, so nothing here may
import them at module level.
"""
from .workload import Workload, Probe, NotAvailable  # noqa: F401

__all__ = ["Workload", "Probe", "NotAvailable"]
