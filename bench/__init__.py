"""Benchmarks of docs/benchmarks.md. `make bench` (python -m bench) runs them all; each prints a table."""
