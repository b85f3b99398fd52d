"""Benchmarks: `python -m bench` prints one JSON figure per line against the large demo studio."""
