"""The vocabulary of tabular Anchors: how a column's values become codes, how a
code range reads as a condition ("28.00 < age <= 37.00", "workclass = Private"),
and the result a search returns. See :mod:`.anchor_tabular` for the method."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from limelight.values import edge_text, is_missing, value_text

PredictProba = Callable[[pd.DataFrame], np.ndarray]
ProgressCallback = Callable[[int, int, str], None]

_EDGE_DIGITS = 4  # significant digits kept in a bin edge (and shown)


@dataclass(frozen=True)
class AnchorExplanation:
    """Result of :meth:`TabularAnchors.explain`.

    ``rule`` holds one condition per feature, each checkable on its own
    against the data file; ``precision`` (with its 95% interval) is measured
    after the search on ``support`` cases it never saw: unseen file rows
    (``checked_on == "rows"``) or made-up variations (``"samples"``).
    ``meets_threshold`` is ``precision_low >= threshold``. ``file_rows`` rows
    of the file (its first ``pool_size``) meet the rule and the model keeps
    ``label`` on ``file_rows_kept`` of them. ``coverage`` is the share of
    training rows the rule applies to. ``is_empty`` means the model predicts
    ``label`` almost everywhere, so no condition is needed.
    """

    label: int
    rule: tuple[str, ...]
    features: tuple[str, ...]
    precision: float
    precision_low: float
    precision_high: float
    coverage: float
    threshold: float
    meets_threshold: bool
    support: int
    checked_on: str
    file_rows: int
    file_rows_kept: int
    is_empty: bool
    examples_kept: tuple[dict[str, str], ...]
    examples_changed: tuple[dict[str, str], ...]
    samples_used: int
    candidates_tried: int
    model_calls: int

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (plain Python numbers, strings and lists)."""
        return {
            "label": int(self.label),
            "rule": list(self.rule),
            "features": list(self.features),
            "precision": float(self.precision),
            "precision_low": float(self.precision_low),
            "precision_high": float(self.precision_high),
            "coverage": float(self.coverage),
            "threshold": float(self.threshold),
            "meets_threshold": bool(self.meets_threshold),
            "support": int(self.support),
            "checked_on": self.checked_on,
            "file_rows": int(self.file_rows),
            "file_rows_kept": int(self.file_rows_kept),
            "is_empty": bool(self.is_empty),
            "examples_kept": [dict(e) for e in self.examples_kept],
            "examples_changed": [dict(e) for e in self.examples_changed],
            "samples_used": int(self.samples_used),
            "candidates_tried": int(self.candidates_tried),
            "model_calls": int(self.model_calls),
        }


# -- text --------------------------------------------------------------------


def round_edge(x: float) -> float:
    return float(f"{x:.{_EDGE_DIGITS}g}")


# -- training statistics -----------------------------------------------------


@dataclass(frozen=True)
class CodedFeature:
    """One column's coding: every value maps to a small integer code.

    Numeric: code 0 is "missing", code ``k >= 1`` is quartile bin ``k - 1``
    (``edges[k - 2] < x <= edges[k - 1]``). Categorical: the index into
    ``values`` (``None`` stands for missing). Every predicate is then a code
    range ``lo <= code <= hi``.
    """

    name: str
    numeric: bool
    edges: np.ndarray  # numeric only
    values: tuple  # categorical only

    @property
    def n_codes(self) -> int:
        return len(self.edges) + 2 if self.numeric else len(self.values)

    def codes(self, column: pd.Series | np.ndarray) -> np.ndarray:
        if self.numeric:
            x = np.asarray(column, dtype=np.float64)
            codes = np.searchsorted(self.edges, x, side="left") + 1
            return np.where(np.isnan(x), 0, codes).astype(np.int16)
        index = {v: i for i, v in enumerate(self.values) if v is not None}
        missing = self.values.index(None) if None in self.values else len(self.values)
        return np.array([missing if is_missing(v) else index.get(v, len(self.values)) for v in column], dtype=np.int16)

    def condition(self, lo: int, hi: int) -> str:
        """The text of ``lo <= code <= hi`` (the instance's code is inside the range)."""
        name = self.name
        if not self.numeric:
            value = self.values[lo] if lo < len(self.values) else None
            return f"{name} is missing" if value is None else f"{name} = {value_text(value)}"
        if hi == 0:
            return f"{name} is missing"
        top = len(self.edges) + 1
        lower = edge_text(self.edges[lo - 2]) if lo > 1 else None
        upper = edge_text(self.edges[hi - 1]) if hi < top else None
        if lower and upper:
            return f"{lower} < {name} <= {upper}"
        if lower:
            return f"{name} > {lower}"
        if upper:
            return f"{name} <= {upper}"
        return f"{name} is not missing"
