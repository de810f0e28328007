"""Benchmarks for AURA (not tests): `python -m bench.tracker`, `python -m bench.e2e`."""
