"""What a model's hold-out scores mean, in sentences: the baseline, the accuracy's interval, the
classes it cannot find and hold-outs too small to be sure of.

Plain code (no Django, no scikit-learn): it reads the metrics that :mod:`limelight.fitting`
stored, so models trained before these sentences existed get them too, and a change of wording
or floor reaches every model at once. The pages, the model's ``warnings`` and the CLI all read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from limelight.confidence import wilson

# A class the model finds in fewer than half of its held-out rows is named in a warning: below
# that, for a row of that class, the model is more often wrong than right.
RECALL_FLOOR = 0.5
# Fewer held-out rows than this and the accuracy is said with how few rows it rests on: at 30
# rows the 95% interval of a 90% accuracy is still 74% to 97%.
FEW_ROWS = 30
NAMED_CLASSES = 5  # weak classes named one by one; the rest are counted


@dataclass(frozen=True)
class WeakClass:
    name: str
    recall: float
    found: int
    support: int


@dataclass(frozen=True)
class HoldoutReport:
    """A trained model's hold-out scores with what they mean."""

    accuracy: float
    n_test: int
    n_right: int
    interval: tuple[float, float]  # Wilson 95% interval of the accuracy
    baseline: float  # held-out accuracy of always guessing ``baseline_class``
    baseline_class: str
    no_better: bool  # see :func:`no_better_than_baseline`
    few_rows: bool
    weak_classes: tuple[WeakClass, ...]
    cases: str  # what a row is called: "rows", "images", "texts"

    @property
    def accuracy_percent(self) -> str:
        return percent(self.accuracy)

    @property
    def baseline_percent(self) -> str:
        return percent(self.baseline)

    @property
    def baseline_words(self) -> str:
        """'Always saying “sun” is right 49% of the time; this model is right 63% of the time.'"""
        return (
            f"Always saying “{self.baseline_class}” is right {percent(self.baseline)} of the time; "
            f"this model is right {percent(self.accuracy)} of the time."
        )

    @property
    def score_words(self) -> str:
        """How many held-out cases the accuracy rests on, with its interval; says when they are too few."""
        low, high = (percent(bound) for bound in self.interval)
        counted = f"Right on {self.n_right} of {self.n_test} held-out {self.cases}"
        if self.few_rows:
            return f"{counted} — too few to be sure: the true accuracy could be anywhere from {low} to {high}."
        return f"{counted} (95% interval {low} to {high})."

    @property
    def no_better_words(self) -> str:
        return f"This model does no better than always guessing “{self.baseline_class}”: do not trust its explanations."

    @property
    def warnings(self) -> list[str]:
        """Plain sentences for what the hold-out shows is wrong; empty when nothing is."""
        found: list[str] = []
        if self.no_better:
            found.append(self.no_better_words)
        if self.few_rows:
            low, high = (percent(bound) for bound in self.interval)
            found.append(
                f"The scores rest on only {self.n_test} held-out {self.cases} — too few to be sure: right on "
                f"{self.n_right} of {self.n_test}, the true accuracy could be anywhere from {low} to {high}."
            )
        for weak in self.weak_classes[:NAMED_CLASSES]:
            found.append(weak_class_words(weak, self.cases))
        more = len(self.weak_classes) - NAMED_CLASSES
        if more > 0:
            found.append(f"It also finds fewer than half of the {self.cases} of {more} more classes.")
        return found

    def recall_of(self, name: str) -> float | None:
        weak = next((w for w in self.weak_classes if w.name == name), None)
        return None if weak is None else weak.recall


def percent(share: float) -> str:
    """A share as a whole percent that never rounds up to a bare 100% (or down to 0%) it did not reach."""
    value = round(100 * share)
    if value == 100 and share < 1:
        return "over 99%"
    if value == 0 and share > 0:
        return "under 1%"
    return f"{value}%"


def weak_class_words(weak: WeakClass, cases: str) -> str:
    counted = f"({weak.found} of {weak.support} held out)"
    if weak.found == 0:
        return f"It never finds the “{weak.name}” {cases} {counted}."
    return f"It finds only {percent(weak.recall)} of the “{weak.name}” {cases} {counted}."


def no_better_than_baseline(accuracy: float, baseline: float, n_test: int) -> bool:
    """True when the model's hold-out accuracy is not above the baseline by more than one standard error.

    The standard error is the binomial one, sqrt(b(1-b)/n), of the accuracy a model would score on
    ``n_test`` rows if it were right as often as the baseline ``b``: a gain smaller than that is
    what luck in the choice of held-out rows gives. (It does not collapse to 0 when the model is
    right on every held-out row, as the model's own sqrt(p(1-p)/n) would.)
    """
    standard_error = math.sqrt(baseline * (1 - baseline) / n_test) if n_test else 1.0
    return accuracy <= baseline + standard_error


def holdout_report(
    metrics: Mapping[str, Any], class_names: Sequence[str], *, cases: str = "rows"
) -> HoldoutReport | None:
    """The report of a model's stored ``metrics``; None when they lack the scores (not trained)."""
    if "accuracy" not in metrics or "baseline_accuracy" not in metrics or not metrics.get("n_test"):
        return None
    accuracy = float(metrics["accuracy"])
    n_test = int(metrics["n_test"])
    n_right = round(accuracy * n_test)
    baseline = float(metrics["baseline_accuracy"])
    per_class = metrics.get("per_class", [])
    weak = tuple(
        WeakClass(
            name=str(item["class"]),
            recall=float(item["recall"]),
            found=round(float(item["recall"]) * int(item["support"])),
            support=int(item["support"]),
        )
        for item in per_class
        if item.get("support") and float(item["recall"]) < RECALL_FLOOR
    )
    return HoldoutReport(
        accuracy=accuracy,
        n_test=n_test,
        n_right=n_right,
        interval=wilson(n_right, n_test),
        baseline=baseline,
        baseline_class=str(metrics.get("baseline_class") or _largest_class(per_class, class_names)),
        no_better=no_better_than_baseline(accuracy, baseline, n_test),
        few_rows=n_test < FEW_ROWS,
        weak_classes=tuple(sorted(weak, key=lambda w: w.recall)),
        cases=cases,
    )


def _largest_class(per_class: Sequence[Mapping[str, Any]], class_names: Sequence[str]) -> str:
    # Models trained before the baseline's class was stored: the held-out split is stratified,
    # so its largest class is the training split's too (the first of a tie, as the baseline takes).
    if not per_class:
        return class_names[0] if class_names else ""
    return str(max(per_class, key=lambda item: item["support"])["class"])
