"""Benchmarks. Not part of the product: nothing in the product imports from here."""
