"""Helpers of ``bench/bench_identity.py``."""
