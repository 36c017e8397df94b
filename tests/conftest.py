"""The default test run leaves out tests/gpu: it needs the CUDA simulator switched on before
numba is imported, so .ci/run starts it as a separate process
(`NUMBA_ENABLE_CUDASIM=1 python -m pytest -q tests/gpu`).  Paths named on the command line
are still collected (pytest applies collect_ignore to directories it walks into only)."""
collect_ignore = ["gpu"]
