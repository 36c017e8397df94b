"""Tests of the Symbol API (mx.sym)."""
