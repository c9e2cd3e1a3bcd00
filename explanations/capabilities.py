"""What a finished explanation can show and export, declared in one place.

Pages, exports and views ask :func:`capabilities_of` instead of assuming LIME
weights: an Anchors result has a rule (its picture and its conditions are what
it exports), a KernelSHAP result has weights but no local-fit score to judge,
and the what-if curve needs only the model and a table row, so every table
result has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Explanation


@dataclass(frozen=True)
class Capabilities:
    weights: bool  # ranked reasons with signed weights (LIME, KernelSHAP): the bar chart
    rule: bool  # an if-then rule with its precision and coverage (Anchors)
    fit_score: bool  # a local surrogate's R² that can be judged in words
    what_if: bool  # one column of the row varied, the prediction as a curve (tables)
    picture_formats: tuple[str, ...] = ("png", "svg")  # the chart, or the rule as a picture
    number_formats: tuple[str, ...] = ("csv", "json")

    @property
    def exports(self) -> tuple[str, ...]:
        return self.picture_formats + self.number_formats


def capabilities_of(explanation: Explanation) -> Capabilities:
    result = explanation.result or {}
    return Capabilities(
        weights=bool(result.get("weights")),
        rule="rule" in result,
        fit_score=result.get("score") is not None,
        what_if=explanation.model.data_kind.what_if_curve,
        # “What would change it” is a table of changed values: no chart, its numbers only.
        **({"picture_formats": ()} if "counterfactuals" in result else {}),
    )


def what_if_feature(explanation: Explanation, asked: str | None) -> str:
    """The column to vary: the one asked for, else the first reason or rule condition, else the first column."""
    if asked:
        return asked
    result = explanation.result or {}
    for candidate in [w.get("feature") for w in result.get("weights", [])] + list(result.get("features", [])):
        if candidate in explanation.model.features:
            return candidate
    return explanation.model.features[0]
