"""Plain-Python image engine: read an untrusted ZIP of images, compute features, train a classifier.

Imports no Django, so the worker, the CLI, the benchmarks and the unit tests
can all use it as is. Import the module you need (``archive``, ``features``,
``training``, ``demos``): this package imports nothing itself, so reading a
ZIP on a web page does not load scikit-learn or scikit-image.
"""
