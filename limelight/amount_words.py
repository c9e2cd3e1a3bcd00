"""Amounts in words: a predicted number with its unit, and an amount model's hold-out scores in sentences.

The counterpart of :mod:`limelight.holdout` for models that predict an amount (a weight, a
price) rather than a category: the mean absolute error in the target's own unit ("off by
310 g on average"), R² said for people who do not know it, and the baseline of always
predicting the training rows' average beside them. Plain code (no Django, no scikit-learn): it
reads the metrics that :mod:`limelight.fitting` stored, so every page, the model's warnings and
exports say the same thing from the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Fewer held-out rows than this and the scores are said with how few rows they rest on (the same
# floor as for categories, limelight.holdout.FEW_ROWS).
FEW_ROWS = 30
SIGNIFICANT = 3  # digits an amount is shown with: 4,213.7 g -> "4,214 g", 0.04567 -> "0.0457"
MINUS = "\u2212"  # a real minus sign, as the charts draw it


def number(value: float) -> str:
    """A number with three significant digits, never fewer than its whole part, thousands grouped:
    4213.7 -> "4,214", 65.43 -> "65.4", 0.04567 -> "0.0457", -12.0 -> "−12"."""
    value = float(value)
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, SIGNIFICANT - 1 - magnitude)
    shown = f"{abs(value):,.{decimals}f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    if shown in ("0", ""):
        return "0"
    return f"{MINUS}{shown}" if value < 0 else shown


def amount(value: float, unit: str = "") -> str:
    """A number with its unit: (4213.7, "g") -> "4,214 g"; (12.5, "%") -> "12.5%"; (3.2, "") -> "3.2"."""
    shown = number(value)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"


def signed_amount(value: float, unit: str = "") -> str:
    """An effect with its direction: (650, "g") -> "+650 g", (-12, "g") -> "−12 g"."""
    shown = amount(value, unit)
    return shown if shown.startswith(MINUS) or float(value) == 0 else f"+{shown}"


def effect_words(value: float, unit: str = "") -> str:
    """What one reason does to the predicted amount: "adds about 650 g", "takes away about 12 g"."""
    if float(value) >= 0:
        return f"adds about {amount(value, unit)}"
    return f"takes away about {amount(-float(value), unit)}"


@dataclass(frozen=True)
class AmountScores:
    """An amount model's hold-out scores with what they mean."""

    target: str
    unit: str
    mae: float  # mean absolute error on the held-out rows, in the target's unit
    r2: float
    baseline_mae: float  # the same error for always predicting the training rows' average
    n_test: int
    cases: str  # what a row is called: "rows", "texts"
    average: float | None = None  # the training rows' average, when the metrics keep it

    @property
    def mae_amount(self) -> str:
        return amount(self.mae, self.unit)

    @property
    def baseline_amount(self) -> str:
        return amount(self.baseline_mae, self.unit)

    @property
    def no_better(self) -> bool:
        """Not closer on average than always predicting the average (or R² at or below 0, the same thing
        measured with squares): its explanations describe a model that has learnt nothing useful."""
        return self.mae >= self.baseline_mae or self.r2 <= 0

    @property
    def few_rows(self) -> bool:
        return self.n_test < FEW_ROWS

    @property
    def mae_words(self) -> str:
        """'Off by 310 g on average on the 84 held-out rows.'"""
        return f"Off by {self.mae_amount} on average on the {self.n_test:,} held-out {self.cases}."

    @property
    def baseline_words(self) -> str:
        """'Always predicting the average “body_mass_g” (4,202 g) would be off by 650 g on average; this model
        is off by 310 g.'"""
        average = f" ({amount(self.average, self.unit)})" if self.average is not None else ""
        return (
            f"Always predicting the average “{self.target}”{average} would be off by {self.baseline_amount} "
            f"on average; this model is off by {self.mae_amount}."
        )

    @property
    def r2_words(self) -> str:
        """R² in words: the share of the differences between rows that the model accounts for."""
        if self.r2 <= 0:
            return f"It accounts for none of how “{self.target}” differs from one {self._case} to the next."
        share = _percent(self.r2)
        return f"It accounts for {share} of how “{self.target}” differs from one {self._case} to the next."

    @property
    def warnings(self) -> list[str]:
        found = []
        if self.no_better:
            found.append(
                f"This model does no better than always predicting the average “{self.target}”: "
                "do not trust its explanations."
            )
        if self.few_rows:
            found.append(f"The scores rest on only {self.n_test} held-out {self.cases} — too few to be sure of them.")
        return found

    @property
    def _case(self) -> str:
        return self.cases.removesuffix("s") if self.cases != "images" else "image"


def _percent(share: float) -> str:
    # Never a bare 100% (or 0%) the score did not reach (limelight.holdout.percent's rule).
    value = round(100 * share)
    if value >= 100 and share < 1:
        return "over 99%"
    if value <= 0 < share:
        return "under 1%"
    return f"{value}%"


def amount_scores(
    metrics: Mapping[str, Any], *, target: str, unit: str = "", cases: str = "rows"
) -> AmountScores | None:
    """The scores of an amount model's stored ``metrics``; None when they lack them (not trained)."""
    if not all(name in metrics for name in ("mae", "r2", "baseline_mae")) or not metrics.get("n_test"):
        return None
    average = metrics.get("train_mean", metrics.get("baseline_value"))
    return AmountScores(
        target=target,
        unit=unit,
        mae=float(metrics["mae"]),
        r2=float(metrics["r2"]),
        baseline_mae=float(metrics["baseline_mae"]),
        n_test=int(metrics["n_test"]),
        cases=cases,
        average=None if average is None else float(average),
    )
