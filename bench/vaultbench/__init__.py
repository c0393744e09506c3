"""Bench-only Django app: the plaintext twin of cases.Case that vault_bench.py compares with."""
