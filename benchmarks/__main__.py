"""python -m benchmarks: see benchmarks/README.md (runner.main does the work).

The runner sets the thread-count environment variables before NumPy, Numba or torch are
imported; keep this file free of such imports.
"""
import sys

from .runner import main

sys.exit(main())
