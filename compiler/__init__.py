"""The compiler: operator registry, graph IR, passes and the reference interpreter."""
