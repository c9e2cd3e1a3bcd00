"""Whether a column to predict is an amount (a number to estimate) or a category (a class to pick).

The rule and its thresholds live here and only here. A column is read as numbers when
its values are numbers (the file's decimal already applied by the reader):

* it is an **amount by default** when it holds more than :data:`AMOUNT_MIN_DISTINCT`
  different numbers (a weight, a price, a length of stay): too many to be classes
  anyone wants picked one by one;
* it **may be either** when it holds from :data:`EITHER_MIN_DISTINCT` up to that many
  numbers (a 1-5 rating, a count of 0-4 children): a person may want "which rating"
  or "how high a rating", so the page offers the switch;
* two numbers (0/1) are a yes/no answer, never an amount; text is never an amount.

:func:`check_amount_target` is what :func:`.profiling.check_target` is for categories:
whether the column can be learned as an amount, refused with the numbers if not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from limelight.values import value_text

from .profiling import MIN_LABELLED_ROWS, TargetError
from .reading import TableError

__all__ = [
    "AMOUNT_MIN_DISTINCT",
    "CLASSIFICATION",
    "EITHER_MIN_DISTINCT",
    "REGRESSION",
    "TASKS",
    "AmountSummary",
    "check_amount_target",
    "choose_task",
    "default_task",
    "tasks_possible",
]

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
# One value held by at least this share of the rows (a zero-inflated count, a capped price) makes an
# amount model mostly predict that value: said as a warning, with the share and the value.
DOMINANT_SHARE = 0.5
# Over 20 different numbers a column is a measurement (targets.py calls over 20 values "many",
# as codes and measurements have); 3 to 20 may be either (ratings, small counts); 2 is yes/no.
AMOUNT_MIN_DISTINCT = 21
EITHER_MIN_DISTINCT = 3


def _numbers(frame: pd.DataFrame, target: str) -> pd.Series | None:
    """The column's values as floats without the missing ones; None when it is not a number column."""
    if target not in frame.columns:
        raise TableError(f"The table has no column called “{target}”.")
    column = frame[target]
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return None
    return column.dropna().astype(float)


def default_task(frame: pd.DataFrame, target: str) -> str:
    """The task a column is read as unless the person chooses: an amount for many different numbers."""
    values = _numbers(frame, target)
    if values is not None and values.nunique() >= AMOUNT_MIN_DISTINCT:
        return REGRESSION
    return CLASSIFICATION


def tasks_possible(frame: pd.DataFrame, target: str) -> tuple[str, ...]:
    """The tasks that make sense for this column, the default first: both for a 1-5 rating."""
    first = default_task(frame, target)
    values = _numbers(frame, target)
    if first == CLASSIFICATION and values is not None and values.nunique() >= EITHER_MIN_DISTINCT:
        return (CLASSIFICATION, REGRESSION)
    return (first,)


def choose_task(frame: pd.DataFrame, target: str, asked: str = "") -> str:
    """The task to train: the person's choice when it makes sense for the column, else the default.

    Raises :class:`TableError` with a sentence when the person asked for one that does not.
    """
    if not asked:
        return default_task(frame, target)
    if asked not in TASKS:
        raise TableError(f"“{asked}” is not a task: predict an amount or a category.")
    if asked in tasks_possible(frame, target):
        return asked
    if asked == REGRESSION:
        raise TableError(
            f"“{target}” cannot be predicted as an amount: it needs numbers with at least "
            f"{EITHER_MIN_DISTINCT} different values. Predict it as a category."
        )
    raise TableError(f"“{target}” has too many different numbers to be categories; predict it as an amount.")


@dataclass(frozen=True)
class AmountSummary:
    """An amount to predict: its spread on the rows that have it, and any warnings."""

    n_values: int
    low: float
    high: float
    warnings: tuple[str, ...]


def check_amount_target(frame: pd.DataFrame, target: str) -> AmountSummary:
    """Whether ``target`` can be learned as an amount; raises :class:`.profiling.TargetError` if not."""
    values = _numbers(frame, target)
    if values is None:
        raise TargetError(target, "not numbers", "the column holds text, so it cannot be predicted as an amount.")
    values = values[np.isfinite(values)]
    if len(values) < MIN_LABELLED_ROWS:
        raise TargetError(
            target,
            "too few rows",
            f"only {len(values)} rows have a value; at least {MIN_LABELLED_ROWS} are needed, "
            "so that some can be held out to test the model. Add rows to the file.",
        )
    if values.nunique() < EITHER_MIN_DISTINCT:
        raise TargetError(
            target,
            "one value" if values.nunique() == 1 else "two values",
            f"the column has only {values.nunique()} different value(s); predict it as a category.",
        )
    counts = values.value_counts()
    share = float(counts.iloc[0]) / len(values)
    warnings = ()
    if share >= DOMINANT_SHARE:
        warnings = (
            f"{share:.0%} of the rows have the same “{target}”, {value_text(counts.index[0])}: the model may "
            "learn to predict it and little else, so read its average error beside that of always predicting "
            "the average.",
        )
    return AmountSummary(n_values=len(values), low=float(values.min()), high=float(values.max()), warnings=warnings)
