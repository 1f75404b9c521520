"""Benchmarks, run by hand from the repository root as modules (python -m bench.NAME); each prints a table."""
