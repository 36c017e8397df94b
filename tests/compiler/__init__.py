"""Tests of the compiler IR, passes and reference interpreter."""
