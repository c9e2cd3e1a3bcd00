"""Partial dependence with individual (ICE) curves: for a sample of rows, set one column to each
value of a grid, ask the model, and average.

Written over the model's ``predict_proba`` callable rather than scikit-learn's
``partial_dependence``, which needs a scikit-learn estimator: the amounts adapter and any future
model read the same way, missing values stay missing in the other columns, and categories keep
their own values as the file writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_ROWS = 500  # rows whose curves are computed (grid × rows predictions per column)
GRID = 20  # values of a number tried, at its quantiles …
SPREAD = 10  # … and evenly between its smallest and largest
MAX_CATEGORIES = 12  # the commonest categories of a column tried
CURVES_DRAWN = 50  # individual curves drawn behind the average


@dataclass(frozen=True, eq=False)
class Dependence:
    """One column's curves: ``outputs`` is rows × grid × outputs (classes, or one amount)."""

    feature: str
    categorical: bool
    grid: list
    outputs: np.ndarray

    @property
    def averages(self) -> np.ndarray:
        """grid × outputs: the partial dependence."""
        return self.outputs.mean(axis=0)


def value_grid(column: pd.Series, *, categorical: bool) -> list:
    """The values tried: the commonest categories, or a number's distinct quantiles and evenly spaced values."""
    present = column.dropna()
    if categorical:
        return list(present.value_counts().index[:MAX_CATEGORIES])
    numbers = present.to_numpy(dtype=float)
    # Quantiles follow where the rows are; evenly spaced values fill the gaps a skewed column leaves
    # (capital gains: nearly all 0, a few up to 99,999), where a straight line would be made up.
    values = np.unique(
        np.concatenate(
            [np.quantile(numbers, np.linspace(0.0, 1.0, GRID)), np.linspace(numbers.min(), numbers.max(), SPREAD)]
        )
    )
    return [float(value) for value in values]


def dependence(
    predict_proba: Callable[[pd.DataFrame], np.ndarray],
    rows: pd.DataFrame,
    feature: str,
    *,
    categorical: bool,
) -> Dependence:
    """Each row of ``rows`` with ``feature`` set to every grid value, predicted in one batch."""
    grid = value_grid(rows[feature], categorical=categorical)
    n = len(rows)
    # Grid value-major: block g holds every row with the column set to grid[g].
    repeated = pd.concat([rows] * len(grid), ignore_index=True)
    repeated[feature] = np.repeat(np.asarray(grid, dtype=object if categorical else float), n)
    probabilities = np.asarray(predict_proba(repeated), dtype=float)
    outputs = probabilities.reshape(len(grid), n, -1).transpose(1, 0, 2)
    return Dependence(feature=feature, categorical=categorical, grid=grid, outputs=outputs)


def movement_words(curve: Dependence, series: Sequence[str], *, output: int, what: str, unit: str = "") -> str:
    """How the average moves across the grid, in one sentence ("from 0.12 at 17 to 0.48 at 62")."""
    average = curve.averages[:, output]
    if len(average) < 2:
        return f"“{curve.feature}” has a single value here, so the model's answer cannot move with it."
    low, high = int(np.argmin(average)), int(np.argmax(average))
    spread = float(average[high] - average[low])
    shown = _value_words(unit)
    if curve.categorical:
        return (
            f"On average, {what} is highest when “{curve.feature}” is “{curve.grid[high]}” ({shown(average[high])}) "
            f"and lowest when it is “{curve.grid[low]}” ({shown(average[low])})."
        )
    first, last = float(average[0]), float(average[-1])
    trend = "rises" if last > first else "falls"
    if abs(last - first) < 0.25 * spread:
        trend = "goes up and down"
    return (
        f"As “{curve.feature}” goes from {_number(curve.grid[0])} to {_number(curve.grid[-1])}, {what} {trend} on "
        f"average: from {shown(first)} to {shown(last)} (range {shown(float(average[low]))} "
        f"to {shown(float(average[high]))})."
    )


def _value_words(unit: str) -> Callable[[float], str]:
    if unit == "%":  # a probability
        return lambda value: f"{100 * value:.0f}%"
    return lambda value: f"{_number(value)}{(' ' + unit) if unit else ''}"


def _number(value: float) -> str:
    value = float(value)
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"
