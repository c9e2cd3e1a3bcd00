"""Limelight's benchmark harness: ``make bench`` / ``python -m bench``.

Every row compares, measured in one run and pair by pair, our explanation
time with the *floor* (one batch prediction of the same number of rows) and
with the reference library (lime). See DESIGN.md, "Performance model".
"""
