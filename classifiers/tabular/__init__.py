"""Plain-Python tabular engine: read a CSV, profile its columns, train a classifier.

Imports no Django, so the worker, the CLI, the benchmarks and the unit tests
can all use it as is.
"""

from .profiling import ColumnKind, ColumnProfile, default_target, profile_columns
from .reading import MISSING_MARKERS, TableError, read_table
from .training import CLASSIFIERS, TrainingResult, build_pipeline, train_classifier

__all__ = [
    "CLASSIFIERS",
    "MISSING_MARKERS",
    "ColumnKind",
    "ColumnProfile",
    "TableError",
    "TrainingResult",
    "build_pipeline",
    "default_target",
    "profile_columns",
    "read_table",
    "train_classifier",
]
