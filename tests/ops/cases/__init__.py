"""Test cases per operator family (see tests/ops/harness.py)."""
