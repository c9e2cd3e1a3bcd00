"""The room a counterfactual search moves in: each column's values, spread and limits.

:class:`Space` is built once per model from the training rows (no Django). For each column it
keeps what a change may be and how far it goes:

* a number's **spread** (the median absolute deviation, scaled to match a standard deviation on
  normal data; the standard deviation when half the values are equal; 1 when the column is
  constant), so "how far" is counted in spreads and a change in age weighs like a change in
  income (Wachter et al. 2017; DiCE's proximity);
* its **precision**: whole numbers stay whole, and a value never has more decimals than the
  file writes (up to :data:`MOST_DECIMALS`), so a suggestion reads like a value of the file;
* a **grid** of values to try: the column's quantiles, its lowest and highest value, and where
  the model's trees split (read by :func:`split_points`: the exact place an answer changes);
* a category's **values seen in the data** (a change is only ever to one of them).

Distances mix both: a number counts ``|change| / spread``, a category 1 when it differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from limelight.values import is_missing

MOST_DECIMALS = 4  # a file's 12.345678 is suggested as 12.3457 at most
GRID_QUANTILES = np.linspace(0, 1, 41)  # every 2.5% of a column's values
MAD_TO_SD = 1.4826  # the MAD of normal data times this is its standard deviation


@dataclass(frozen=True)
class NumberColumn:
    name: str
    spread: float
    decimals: int  # 0: whole numbers
    low: float  # the lowest and highest value in the data
    high: float
    grid: np.ndarray  # values to try, sorted, already at the column's precision

    def rounded(self, values: np.ndarray) -> np.ndarray:
        return np.round(values, self.decimals)

    @property
    def step(self) -> float:
        return 10.0 ** (-self.decimals)


@dataclass(frozen=True)
class CategoryColumn:
    name: str
    values: tuple  # the categories seen in the data, most common first
    coded_as_numbers: bool = False  # a category the file writes as numbers (0/1): it reaches the model as one


@dataclass
class Space:
    """Every column of the model in the model's order, with what a change to it may be."""

    columns: list[str]
    numbers: dict[str, NumberColumn]
    categories: dict[str, CategoryColumn]
    # Real rows (coded: numbers as floats, categories as codes with -1 for missing) per class,
    # to say how near a suggestion is to real cases of the class it reaches.
    reference: dict[int, np.ndarray] = field(default_factory=dict)
    typical_gaps: dict[int, tuple[float, float]] = field(default_factory=dict)  # (median, 90th percentile)

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        labels: Sequence[int] | np.ndarray | None = None,
        reference_rows: int = 2000,
        random_state: int = 0,
    ) -> Space:
        numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
        columns = [str(c) for c in frame.columns if str(c) in set(numeric) | set(categorical)]
        numbers = {name: _number_column(name, frame[name]) for name in numeric}
        categories = {
            name: CategoryColumn(
                name,
                tuple(frame[name].dropna().value_counts(sort=True).index),
                pd.api.types.is_numeric_dtype(frame[name].dtype),
            )
            for name in categorical
        }
        space = cls(columns, numbers, categories)
        if labels is not None:
            space._fit_reference(frame, np.asarray(labels), reference_rows, random_state)
        return space

    # -- coding rows for distances -------------------------------------------------------------
    def coded(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows as floats: numbers as they are, categories as their index among the values seen (-1: other)."""
        out = np.empty((len(frame), len(self.columns)))
        for j, name in enumerate(self.columns):
            if name in self.numbers:
                out[:, j] = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
            else:
                index = {value: code for code, value in enumerate(self.categories[name].values)}
                out[:, j] = [index.get(value, -1) if not is_missing(value) else -1 for value in frame[name]]
        return out

    def distances(self, rows: np.ndarray, to: np.ndarray) -> np.ndarray:
        """Mixed distance from each coded row to each coded row of ``to``: (len(rows), len(to))."""
        total = np.zeros((len(rows), len(to)))
        for j, name in enumerate(self.columns):
            a, b = rows[:, j][:, None], to[:, j][None, :]
            if name in self.numbers:
                gap = np.abs(a - b) / self.numbers[name].spread
                one_missing = np.isnan(a) ^ np.isnan(b)
                total += np.where(one_missing, 1.0, np.nan_to_num(gap, nan=0.0))
            else:
                total += (a != b).astype(float)
        return total

    def _fit_reference(self, frame: pd.DataFrame, labels: np.ndarray, most: int, random_state: int) -> None:
        coded = self.coded(frame)
        for label in np.unique(labels[labels >= 0]):
            rows = self.real_rows(coded[labels == label], most=most, random_state=random_state)
            self.reference[int(label)] = rows
            gaps = self.gaps(rows, random_state=random_state)
            if gaps is not None:
                self.typical_gaps[int(label)] = gaps

    @staticmethod
    def real_rows(coded: np.ndarray, *, most: int = 2000, random_state: int = 0) -> np.ndarray:
        """At most ``most`` of the coded rows (a seeded sample), for guiding a search and judging plausibility."""
        if len(coded) <= most:
            return coded
        return coded[np.random.default_rng(random_state).choice(len(coded), size=most, replace=False)]

    def gaps(self, rows: np.ndarray, *, random_state: int = 0) -> tuple[float, float] | None:
        """How far a real row usually is from its nearest other real row: (median, 90th percentile)."""
        if len(rows) < 3:
            return None
        rng = np.random.default_rng(random_state)
        probe = rows[rng.choice(len(rows), size=min(300, len(rows)), replace=False)]
        gaps = self.distances(probe, rows)
        gaps[gaps == 0] = np.inf  # a row is not its own neighbour (nor its exact twin)
        nearest = gaps.min(axis=1)
        nearest = nearest[np.isfinite(nearest)]
        if not len(nearest):
            return None
        return float(np.median(nearest)), float(np.quantile(nearest, 0.9))


def _number_column(name: str, column: pd.Series) -> NumberColumn:
    x = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return NumberColumn(name, 1.0, 0, 0.0, 0.0, np.array([0.0]))
    decimals = _decimals(x)
    median = float(np.median(x))
    spread = MAD_TO_SD * float(np.median(np.abs(x - median)))
    if spread <= 0:
        spread = float(np.std(x))
    if spread <= 0:
        spread = 1.0
    grid = np.unique(np.round(np.quantile(x, GRID_QUANTILES), decimals))
    return NumberColumn(name, spread, decimals, float(x.min()), float(x.max()), grid)


def _decimals(x: np.ndarray) -> int:
    """The fewest decimals that write every value of the column (at most MOST_DECIMALS)."""
    sample = x[:5000]
    for decimals in range(MOST_DECIMALS + 1):
        scaled = sample * 10**decimals
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6 * np.maximum(1, np.abs(scaled))):
            return decimals
    return MOST_DECIMALS


def either_side(column: NumberColumn, points: Sequence[float]) -> np.ndarray:
    """For each split point, the nearest value at the column's precision on each side of it.

    A tree sends ``x <= t`` left, so the two values that straddle ``t`` are the smallest changes
    that move a row from one side to the other."""
    out = []
    for t in points:
        if not math.isfinite(t):
            continue
        below = math.floor(t / column.step + 1e-9) * column.step
        above = below + column.step
        out += [below, above]
    return column.rounded(np.array(out, dtype=float))


def split_points(pipeline: Any, numeric: Sequence[str]) -> dict[str, list[float]]:
    """Where a pipeline's trees split each number column, in the column's own units.

    Reads the fitted ``preprocess`` step's output names (``numeric__age``) and the estimator's
    ``tree_`` (one tree) or ``estimators_`` (a forest); a scaler in the number steps is undone.
    Any other model, or any shape this does not know, gives ``{}``: the grid alone is searched.
    """
    try:
        steps = dict(pipeline.named_steps)
        preprocess, model = steps["preprocess"], steps["model"]
        names = [str(n) for n in preprocess.get_feature_names_out()]
        trees = [model.tree_] if hasattr(model, "tree_") else [e.tree_ for e in getattr(model, "estimators_", [])]
        if not trees:
            return {}
        numeric_steps = preprocess.named_transformers_.get("numeric")
        scaler = getattr(numeric_steps, "named_steps", {}).get("scale") if numeric_steps is not None else None
        position = {f"numeric__{name}": i for i, name in enumerate(numeric)}
        found: dict[str, set[float]] = {}
        for tree in trees:
            for feature, threshold in zip(tree.feature, tree.threshold, strict=True):
                if feature < 0:
                    continue
                i = position.get(names[feature])
                if i is None:
                    continue
                value = float(threshold)
                if scaler is not None:
                    value = value * float(scaler.scale_[i]) + float(scaler.mean_[i])
                found.setdefault(numeric[i], set()).add(value)
        return {name: sorted(values) for name, values in found.items()}
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return {}


def bounded(space: Space, ranges: Mapping[str, tuple[float | None, float | None]]) -> dict[str, tuple[float, float]]:
    """Each number column's allowed (low, high): the range asked for, else the data's own."""
    limits = {}
    for name, column in space.numbers.items():
        low, high = ranges.get(name, (None, None))
        limits[name] = (column.low if low is None else float(low), column.high if high is None else float(high))
    return limits
