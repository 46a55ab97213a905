"""Benchmarks of the engine and the report build: run ``python -m benchmarks.run`` from the repo root."""
