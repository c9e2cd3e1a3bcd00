"""Plain-Python tabular engine: read a CSV, profile its columns, train a classifier.

Imports no Django, so the worker, the CLI, the benchmarks and the unit tests
can all use it as is. Import the module you need (``reading``, ``profiling``,
``training``, ``demos``): this package imports nothing itself, so reading a
CSV on a web page does not load scikit-learn.
"""
