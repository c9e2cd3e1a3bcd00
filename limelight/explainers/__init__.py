"""Explanation engine: plain numpy/pandas/matplotlib code, no Django imports."""
