"""Plain-Python tabular engine: read a CSV, profile its columns, train a classifier.

Imports no Django, so the worker, the CLI, the benchmarks and the unit tests
can all use it as is.
"""

from .demos import DEMOS, Demo, demo_csv_bytes, demo_frame
from .profiling import (
    OVERRIDABLE_KINDS,
    ColumnKind,
    ColumnProfile,
    TargetSummary,
    check_target,
    default_target,
    describe_kind,
    profile_columns,
)
from .reading import MISSING_MARKERS, TableError, read_table
from .training import (
    CLASSIFIER_CARDS,
    CLASSIFIERS,
    ClassifierCard,
    Knob,
    TrainingResult,
    build_pipeline,
    clean_params,
    train_classifier,
)

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_CARDS",
    "DEMOS",
    "MISSING_MARKERS",
    "OVERRIDABLE_KINDS",
    "ClassifierCard",
    "ColumnKind",
    "ColumnProfile",
    "Demo",
    "Knob",
    "TableError",
    "TargetSummary",
    "TrainingResult",
    "build_pipeline",
    "check_target",
    "clean_params",
    "default_target",
    "demo_csv_bytes",
    "demo_frame",
    "describe_kind",
    "profile_columns",
    "read_table",
    "train_classifier",
]
