"""Turn a finished explanation into what the result page shows, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .engine.charts import weights_chart
from .models import Explanation


@dataclass(frozen=True)
class ClassProbability:
    name: str
    percent: float
    predicted: bool


@dataclass(frozen=True)
class Reason:
    condition: str
    feature: str
    weight: float
    toward: bool
    bar_percent: float  # |weight| relative to the largest, for the table's inline bar


@dataclass(frozen=True)
class ExplanationView:
    predicted: str
    explained: str
    confidence_percent: float
    probabilities: list[ClassProbability]
    reasons: list[Reason]
    fit_score: float
    fit_words: str
    intercept: float
    local_prediction: float


def fit_in_words(score: float) -> str:
    """The local surrogate's R², said for people who do not know what R² is."""
    if score >= 0.7:
        return "The simple model behind this chart imitates the classifier well around this case."
    if score >= 0.4:
        return (
            "The simple model behind this chart imitates the classifier only roughly around this case; "
            "read the weights as hints."
        )
    return (
        "The simple model behind this chart imitates the classifier poorly around this case; "
        "do not lean on these weights."
    )


def present(explanation: Explanation) -> ExplanationView:
    names = explanation.model.class_names
    probabilities = [
        ClassProbability(name=name, percent=100 * p, predicted=index == explanation.label)
        for index, (name, p) in enumerate(zip(names, explanation.probabilities, strict=True))
    ]
    probabilities.sort(key=lambda item: item.percent, reverse=True)
    weights = explanation.result.get("weights", [])
    largest = max((abs(w["weight"]) for w in weights), default=0.0) or 1.0
    reasons = [
        Reason(
            condition=w["condition"],
            feature=w["feature"],
            weight=w["weight"],
            toward=w["weight"] >= 0,
            bar_percent=round(100 * abs(w["weight"]) / largest, 1),
        )
        for w in weights
    ]
    score = float(explanation.result.get("score", 0.0))
    best = max(range(len(names)), key=lambda index: explanation.probabilities[index])
    return ExplanationView(
        predicted=names[best],
        explained=explanation.label_name,
        confidence_percent=100 * explanation.probabilities[best],
        probabilities=probabilities,
        reasons=reasons,
        fit_score=score,
        fit_words=fit_in_words(score),
        intercept=float(explanation.result.get("intercept", 0.0)),
        local_prediction=float(explanation.result.get("local_prediction", 0.0)),
    )


def chart_path(explanation: Explanation) -> Path | None:
    if not explanation.chart:
        return None
    path = Path(settings.MEDIA_ROOT) / explanation.chart
    return path if path.exists() else None


def chart_bytes(explanation: Explanation, fmt: str) -> bytes:
    """The explanation's chart as SVG or PNG, drawn again from the stored weights."""
    weights = [(w["condition"], w["weight"]) for w in explanation.result.get("weights", [])]
    return weights_chart(weights, title=explanation.label_name, format=fmt)
