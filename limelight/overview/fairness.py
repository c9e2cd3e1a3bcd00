"""Fairness by group when a person names a sensitive column: per group of the hold-out, its rows, the
share predicted in the positive class, accuracy and recall (fairlearn's MetricFrame), the largest
gap in words, and every small group kept and said to be small, with 95% intervals on its rates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame

from limelight.confidence import wilson
from limelight.holdout import FEW_ROWS
from limelight.holdout import percent as _percent

MISSING = "(missing)"
MAX_NUMBER_GROUPS = 8  # a number column with more values than this is cut into bands
BANDS = 4


def positive_class(truths: np.ndarray, class_names: Sequence[str]) -> int:
    """The class whose share is compared between groups: the clearly rarer one (">50K", "sick"), as the
    one a decision usually turns on; when the classes are about as common, the last ("yes" after "no")."""
    counts = np.bincount(truths[truths >= 0], minlength=len(class_names)).astype(float)
    rarest = int(np.argmin(np.where(counts > 0, counts, np.inf)))
    if counts[rarest] >= 0.9 * counts[-1]:  # within 10%: no class is clearly the rare one
        return len(class_names) - 1
    return rarest


def groups_of(column: pd.Series) -> np.ndarray:
    """Each row's group as text, with missing values a group of their own (never dropped).

    A number column with many values (age) is cut at its quartiles into bands ("17 to 28"), since a
    group per value would leave every group small; whole numbers read without ".0".
    """
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > MAX_NUMBER_GROUPS:
        edges = np.unique(np.nanquantile(column.to_numpy(dtype=float), np.linspace(0, 1, BANDS + 1)))
        bands = pd.cut(column, edges, include_lowest=True, duplicates="drop")
        names = {band: f"{_whole(band.left if i else column.min())} to {_whole(band.right)}"
                 for i, band in enumerate(bands.cat.categories)}  # fmt: skip
        return bands.map(names).astype("string").fillna(MISSING).to_numpy(dtype=object)
    if pd.api.types.is_numeric_dtype(column):
        return column.map(_whole, na_action="ignore").astype("string").fillna(MISSING).to_numpy(dtype=object)
    return column.astype("string").fillna(MISSING).to_numpy(dtype=object)


def _whole(value: float) -> str:
    value = float(value)
    return f"{value:g}" if not value.is_integer() else str(int(value))


def fairness_table(
    groups: np.ndarray,
    truths: np.ndarray,
    predictions: np.ndarray,
    *,
    column: str,
    class_names: Sequence[str],
    positive: int | None = None,
) -> dict:
    """Per group: ``rows``, ``positive_rate``, ``accuracy``, ``recall`` (None when the group has no row of
    the positive class), their intervals, ``small``; and ``gap``, the largest difference in words."""
    truths, predictions = np.asarray(truths), np.asarray(predictions)
    positive = positive_class(truths, class_names) if positive is None else positive
    frame = MetricFrame(
        metrics={
            "rows": lambda t, p: len(t),
            "predicted_positive": lambda t, p: int(np.sum(p == positive)),
            "right": lambda t, p: int(np.sum(p == t)),
            "actual_positive": lambda t, p: int(np.sum(t == positive)),
            "found": lambda t, p: int(np.sum((t == positive) & (p == positive))),
        },
        y_true=truths,
        y_pred=predictions,
        sensitive_features=pd.Series(groups, name=column),
    )
    counts = frame.by_group
    rows = []
    for group, count in counts.iterrows():
        n, actual = int(count["rows"]), int(count["actual_positive"])
        rate_low, rate_high = wilson(int(count["predicted_positive"]), n)
        recall_low, recall_high = wilson(int(count["found"]), actual)
        rows.append(
            {
                "group": str(group),
                "rows": n,
                "positive_rate": int(count["predicted_positive"]) / n,
                "positive_low": rate_low,
                "positive_high": rate_high,
                "accuracy": int(count["right"]) / n,
                "recall": int(count["found"]) / actual if actual else None,
                "recall_low": recall_low if actual else None,
                "recall_high": recall_high if actual else None,
                "recall_rows": actual,
                "small": n < FEW_ROWS,
            }
        )
    rows.sort(key=lambda row: -row["rows"])
    name = class_names[positive]
    notes = [
        f"“{row['group']}” has only {row['rows']} held-out rows: its rates could be far off "
        f"(share predicted “{name}” {_percent(row['positive_low'])} to {_percent(row['positive_high'])})."
        for row in rows
        if row["small"]
    ]
    return {
        "column": column,
        "positive_class": name,
        "groups": rows,
        "gap": gap_words(rows, name),
        "notes": notes,
    }


def gap_words(rows: Sequence[dict], positive: str) -> str:
    """The largest gap in the share predicted positive, between groups large enough to say it of."""
    compared = [row for row in rows if not row["small"]] or list(rows)
    if len(compared) < 2:
        return "There is only one group large enough to compare, so no gap can be measured."
    high = max(compared, key=lambda row: row["positive_rate"])
    low = min(compared, key=lambda row: row["positive_rate"])
    shares = f"{_percent(low['positive_rate'])} vs {_percent(high['positive_rate'])}"
    if high["positive_rate"] == low["positive_rate"]:
        return f"Every group is predicted “{positive}” equally often ({_percent(high['positive_rate'])})."
    if low["positive_rate"] == 0:
        sentence = (
            f"“{low['group']}” rows are never predicted “{positive}”, against "
            f"{_percent(high['positive_rate'])} of “{high['group']}” rows"
        )
    else:
        times = high["positive_rate"] / low["positive_rate"]
        sentence = (
            f"“{low['group']}” rows are predicted “{positive}” {times:.1f}× less often than “{high['group']}” rows "
            f"({shares})"
        )
    if low["recall"] is not None and high["recall"] is not None:
        sentence += f"; recall {low['recall']:.2f} vs {high['recall']:.2f}"
    if not (low["positive_high"] < high["positive_low"]):
        sentence += "; the two shares' 95% ranges overlap, so this gap could be chance"
    return sentence + "."


def amount_table(groups: np.ndarray, truths: np.ndarray, predictions: np.ndarray, *, column: str, unit: str) -> dict:
    """For a model that predicts an amount: per group its rows, mean prediction, mean actual value and
    mean absolute error, and the largest gap in the mean prediction."""
    frame = MetricFrame(
        metrics={
            "rows": lambda t, p: len(t),
            "mean_prediction": lambda t, p: float(np.mean(p)),
            "mean_actual": lambda t, p: float(np.mean(t)),
            "mae": lambda t, p: float(np.mean(np.abs(p - t))),
        },
        y_true=np.asarray(truths, dtype=float),
        y_pred=np.asarray(predictions, dtype=float),
        sensitive_features=pd.Series(groups, name=column),
    )
    rows = [
        {"group": str(group), "rows": int(v["rows"]), "mean_prediction": float(v["mean_prediction"]),
         "mean_actual": float(v["mean_actual"]), "mae": float(v["mae"]), "small": int(v["rows"]) < FEW_ROWS}
        for group, v in frame.by_group.iterrows()
    ]  # fmt: skip
    rows.sort(key=lambda row: -row["rows"])
    compared = [row for row in rows if not row["small"]] or rows
    suffix = f" {unit}" if unit else ""
    if len(compared) < 2:
        gap = "There is only one group large enough to compare, so no gap can be measured."
    else:
        high = max(compared, key=lambda row: row["mean_prediction"])
        low = min(compared, key=lambda row: row["mean_prediction"])
        gap = (
            f"The model predicts {high['mean_prediction'] - low['mean_prediction']:.3g}{suffix} more on average for "
            f"“{high['group']}” than for “{low['group']}” rows (their actual values differ by "
            f"{high['mean_actual'] - low['mean_actual']:.3g}{suffix})."
        )
    notes = [
        f"“{row['group']}” has only {row['rows']} held-out rows: its averages could be far off."
        for row in rows
        if row["small"]
    ]
    return {"column": column, "positive_class": None, "groups": rows, "gap": gap, "notes": notes}
