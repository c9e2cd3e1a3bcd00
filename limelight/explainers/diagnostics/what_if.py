"""What-if curves: individual conditional expectation of one feature, for one model or several. No Django."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..tabular_statistics import is_missing
from .probabilities import TableProba, label_probabilities

__all__ = [
    "WHAT_IF_MAX_CATEGORIES",
    "WHAT_IF_POINTS",
    "Curve",
    "what_if_curve",
    "what_if_curves_for_models",
    "what_if_grid",
]

WHAT_IF_POINTS = 30
WHAT_IF_MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Curve:
    """p(label) as one feature of one row takes each of ``values``, the rest held fixed."""

    feature: str
    label: int
    values: tuple[Any, ...]
    probabilities: tuple[float, ...]
    current_value: Any
    current_probability: float
    categorical: bool

    def to_dict(self) -> dict:
        """JSON-ready dict (numbers as floats, categories as text; NaN becomes None)."""

        def plain(v: Any) -> Any:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return None
            return str(v) if self.categorical else float(v)

        return {
            "feature": self.feature,
            "label": int(self.label),
            "categorical": self.categorical,
            "values": [plain(v) for v in self.values],
            "probabilities": [float(p) for p in self.probabilities],
            "current_value": plain(self.current_value),
            "current_probability": float(self.current_probability),
        }


def what_if_grid(
    frame: pd.DataFrame, feature: str, current: Any, *, categorical: bool | None = None
) -> tuple[tuple[Any, ...], bool]:
    """The values a what-if curve tries, and whether the feature is treated as categories.

    Numbers: :data:`WHAT_IF_POINTS` quantile-spaced values from the 1st to
    the 99th percentile, plus the row's value. Categories: the
    :data:`WHAT_IF_MAX_CATEGORIES` most frequent ones (in text order) plus
    the row's.
    """
    column = frame[feature]
    if categorical is None:
        categorical = not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))
    if categorical:
        counts = column.dropna().value_counts(sort=False)
        ranked = sorted(counts.items(), key=lambda vc: (-vc[1], str(vc[0])))[:WHAT_IF_MAX_CATEGORIES]
        values = {v for v, _ in ranked}
        if not is_missing(current):
            values.add(current)
        return tuple(sorted(values, key=str)), True
    present = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=np.float64)
    if not len(present):
        raise ValueError(f"the column {feature!r} has no numbers to vary")
    grid = np.quantile(present, np.linspace(0.01, 0.99, WHAT_IF_POINTS))
    if not is_missing(current):
        grid = np.append(grid, float(current))
    return tuple(float(v) for v in np.unique(grid)), False


def _what_if_frame(row: Mapping[str, object], feature: str, values: Sequence[Any]) -> pd.DataFrame:
    columns = list(row.index if isinstance(row, pd.Series) else row)
    if feature not in columns:
        raise ValueError(f"the row has no column {feature!r}")
    n = len(values) + 1  # the last row is the row itself
    data = {}
    for col in columns:
        column = np.empty(n, dtype=object)
        column[:] = [row[col]]
        if col == feature:
            column[:-1] = list(values)
        data[col] = column
    return pd.DataFrame(data, columns=columns).infer_objects()


def what_if_curves_for_models(
    row: Mapping[str, object] | pd.Series,
    models: Mapping[str, TableProba],
    *,
    feature: str,
    label: int,
    values: Sequence[Any] | None = None,
    frame: pd.DataFrame | None = None,
    categorical: bool | None = None,
) -> dict[str, Curve]:
    """:func:`what_if_curve` for several models over the same grid (one predict call per model)."""
    current = row[feature]
    if values is None:
        if frame is None:
            raise ValueError("give either the values to try or the frame to take them from")
        values, categorical = what_if_grid(frame, feature, current, categorical=categorical)
    else:
        values = tuple(values)
        if categorical is None:
            categorical = not all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in values)
    batch = _what_if_frame(row, feature, values)
    out = {}
    for name, predict_proba in models.items():
        p = label_probabilities(predict_proba, batch, int(label))
        out[name] = Curve(
            feature=feature,
            label=int(label),
            values=tuple(values),
            probabilities=tuple(float(v) for v in p[:-1]),
            current_value=current,
            current_probability=float(p[-1]),
            categorical=bool(categorical),
        )
    return out


def what_if_curve(
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    feature: str,
    label: int,
    values: Sequence[Any] | None = None,
    frame: pd.DataFrame | None = None,
    categorical: bool | None = None,
) -> Curve:
    """Individual conditional expectation: p(label) as ``feature`` varies, the rest of ``row`` fixed.

    ``values`` to try, or a ``frame`` (e.g. the training rows) to take them
    from (:func:`what_if_grid`). The row itself is scored in the same single
    predict call, so the current value is marked even when it is missing.
    """
    curves = what_if_curves_for_models(
        row,
        {"model": predict_proba},
        feature=feature,
        label=label,
        values=values,
        frame=frame,
        categorical=categorical,
    )
    return curves["model"]
