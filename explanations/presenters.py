"""Turn a finished explanation into what the result page shows, in plain words."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from classifiers.artifacts import StoredFile
from classifiers.kinds import DataKind
from limelight.amount_words import amount, effect_words, signed_amount
from limelight.amounts import unit_of
from limelight.confidence import wilson
from limelight.explainers.verdict import GOOD_FIT, POOR_FIT, Verdict

from .capabilities import Capabilities, capabilities_of
from .disclosure import Disclosure, shown_subject, shown_values
from .files import stored_result_file
from .models import Explanation
from .request_settings import ExplanationSettings
from .verdicts import Outcome, outcome_of, verdict_of


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
    effect: str = ""  # an amount model: what it does to the prediction, "adds about 650 g"
    signed: str = ""  # an amount model: the weight in the target's unit, "+650 g"


@dataclass(frozen=True)
class RuleView:
    """An Anchors rule, in words."""

    conditions: list[str]
    precision: float
    precision_in_100: int
    precision_low: float
    precision_high: float
    low_in_100: int  # the interval in whole percent, rounded outward: 99.8% is "99", never "100"
    high_in_100: int
    coverage_percent: float | None
    threshold_in_100: int
    threshold_is_default: bool  # left as it was: the page does not say the person asked for it
    meets_threshold: bool
    support: int | None  # fresh cases the precision rests on (None: a result from before it was recorded)
    checked_on: str  # "rows" (of the file, unseen by the search) or "samples" (made-up variations)
    file_rows: int | None  # rows of the file that meet the rule (tables)
    file_rows_kept: int | None
    file_rows_too_few: bool  # even if all kept, those rows alone could not reach the threshold
    is_empty: bool
    examples_kept: list
    examples_changed: list
    samples_used: int
    candidates_tried: int
    band: tuple[str, str] | None = None  # an amount: the band its prediction stays in ("3,900 g", "4,500 g")
    band_is_default: bool = True  # the model's usual band, not one the person set
    band_half: str = ""  # the band's half-width in the unit: "300 g"


@dataclass(frozen=True)
class Highlight:
    """One piece of the original text, with its weight's direction and strength (0 = none)."""

    text: str
    toward: bool
    strength: int
    weight: float | None


@dataclass(frozen=True)
class ExplanationView:
    capabilities: Capabilities
    kind: DataKind  # the model's kind of data (classifiers.kinds): its words and what it shows
    partial: str  # the template that shows this explainer's result for this kind
    shows_trust: bool  # trust checks were asked for this kind and explainer
    shows_instance: bool  # the case is also listed as a table of values
    subject: str  # how the page names the case: "row 17", or "this row" on a link that does not say which
    values: dict[str, str]  # the case's values as listed: on a share link, only the model's columns
    predicted: str
    explained: str
    confidence_percent: float
    probabilities: list[ClassProbability]
    reasons: list[Reason]
    fit_score: float | None
    fit_words: str
    intercept: float
    local_prediction: float
    rule: RuleView | None = None
    highlights: list[Highlight] | None = None
    outcome: Outcome | None = None  # the file's true class against the prediction, when known and shown
    verdict: Verdict | None = None  # every check weighed into trust / look closer / do not trust
    amount: bool = False  # the model predicts an amount: ``predicted`` is "4,214 g", weights are in its unit
    unit: str = ""  # the target's unit ("" when its name carries none)


def fit_in_words(score: float) -> str:
    """The local surrogate's R², said for people who do not know what R² is."""
    if score >= GOOD_FIT:
        return "The simple model behind this chart imitates the classifier well around this case."
    if score >= POOR_FIT:
        return (
            "The simple model behind this chart imitates the classifier only roughly around this case; "
            "read the weights as hints."
        )
    return (
        "The simple model behind this chart imitates the classifier poorly around this case; "
        "do not lean on these weights."
    )


def present(explanation: Explanation, disclosure: Disclosure | None = None) -> ExplanationView:
    """The owner's view of a result (``disclosure=None``), or what a share link shows of it."""
    if explanation.model.predicts_amount:
        return _present_amount(explanation, disclosure)
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
    score = explanation.result.get("score")  # None: nothing to judge (KernelSHAP, Anchors)
    best = max(range(len(names)), key=lambda index: explanation.probabilities[index])
    kind = explanation.model.data_kind
    return ExplanationView(
        capabilities=capabilities_of(explanation),
        kind=kind,
        partial=kind.result_partial(explanation.explainer),
        shows_trust=kind.diagnosed and explanation.explainer == "lime",
        shows_instance=explanation.explainer in kind.instance_shown_with,
        subject=shown_subject(explanation, disclosure),
        values=shown_values(explanation, disclosure),
        rule=_rule(explanation.result) if explanation.explainer == "anchor" else None,
        highlights=_highlights(explanation) if "spans" in (explanation.result or {}) else None,
        predicted=names[best],
        explained=explanation.label_name,
        confidence_percent=100 * explanation.probabilities[best],
        probabilities=probabilities,
        reasons=reasons,
        fit_score=score,
        fit_words="" if score is None else fit_in_words(float(score)),
        intercept=float(explanation.result.get("intercept", 0.0)),
        local_prediction=float(explanation.result.get("local_prediction", 0.0)),
        outcome=outcome_of(explanation, disclosure),
        verdict=verdict_of(explanation, disclosure),
    )


def _present_amount(explanation: Explanation, disclosure: Disclosure | None) -> ExplanationView:
    """An amount model's result: the prediction as a number in the target's unit, each reason's weight as
    what it adds to (or takes from) that number, and an Anchors rule's band in the same unit."""
    model = explanation.model
    unit = unit_of(model.target)
    result = explanation.result or {}
    weights = result.get("weights", [])
    largest = max((abs(w["weight"]) for w in weights), default=0.0) or 1.0
    reasons = [
        Reason(
            condition=w["condition"],
            feature=w["feature"],
            weight=w["weight"],
            toward=w["weight"] >= 0,
            bar_percent=round(100 * abs(w["weight"]) / largest, 1),
            effect=effect_words(w["weight"], unit),
            signed=signed_amount(w["weight"], unit),
        )
        for w in weights
    ]
    value = result.get("value")
    score = result.get("score")
    kind = model.data_kind
    rule = None
    if explanation.explainer == "anchor":
        rule = _rule(result)
        band = result.get("band")
        if band:
            rule = dataclasses.replace(
                rule,
                band=(amount(band[0], unit), amount(band[1], unit)),
                band_half=amount((float(band[1]) - float(band[0])) / 2, unit),
                band_is_default=getattr(explanation, "band_width", None) is None,
            )
    return ExplanationView(
        capabilities=capabilities_of(explanation),
        kind=kind,
        partial=kind.result_partial(explanation.explainer),
        shows_trust=kind.diagnosed and explanation.explainer == "lime",
        shows_instance=explanation.explainer in kind.instance_shown_with,
        subject=shown_subject(explanation, disclosure),
        values=shown_values(explanation, disclosure),
        rule=rule,
        highlights=_highlights(explanation) if "spans" in result else None,
        predicted="" if value is None else amount(value, unit),
        explained=model.target,
        confidence_percent=0.0,
        probabilities=[],
        reasons=reasons,
        fit_score=score,
        # The same judgement as for a classifier, said of "the model" (it does not classify).
        fit_words="" if score is None else fit_in_words(float(score)).replace("the classifier", "the model"),
        intercept=float(result.get("intercept", 0.0)),
        local_prediction=float(result.get("local_prediction", 0.0)),
        outcome=outcome_of(explanation, disclosure),
        verdict=verdict_of(explanation, disclosure),
        amount=True,
        unit=unit,
    )


def _rule(result: dict) -> RuleView:
    coverage = result.get("coverage")
    file_rows = result.get("file_rows")
    threshold = result["threshold"]
    return RuleView(
        conditions=result.get("conditions") or result.get("rule", []),
        precision=result["precision"],
        precision_in_100=round(100 * result["precision"]),
        precision_low=result["precision_low"],
        precision_high=result["precision_high"],
        low_in_100=math.floor(100 * result["precision_low"] + 1e-9),
        high_in_100=math.ceil(100 * result["precision_high"] - 1e-9),
        coverage_percent=None if coverage is None else 100 * coverage,
        threshold_in_100=round(100 * threshold),
        threshold_is_default=math.isclose(threshold, ExplanationSettings.threshold),
        # Results stored before issue 14 compared the raw share: never say "met" without the bound.
        meets_threshold=bool(result["meets_threshold"]) and result["precision_low"] >= threshold,
        support=result.get("support"),
        checked_on=result.get("checked_on", "samples" if result.get("conditions") else "rows"),
        file_rows=file_rows,
        file_rows_kept=result.get("file_rows_kept"),
        file_rows_too_few=file_rows is not None and wilson(file_rows, file_rows)[0] < threshold,
        is_empty=result["is_empty"],
        examples_kept=result.get("examples_kept", []),
        examples_changed=result.get("examples_changed", []),
        samples_used=result.get("samples_used", 0),
        candidates_tried=result.get("candidates_tried", 0),
    )


def _highlights(explanation: Explanation) -> list[Highlight]:
    """The text cut at each word, each piece marked by its weight (4 strengths, both signs)."""
    text = explanation.instance.get(explanation.model.text_column, "")
    spans = explanation.result.get("spans", [])
    largest = max((abs(w) for _, _, w in spans if w is not None), default=0.0) or 1.0
    pieces = []
    for start, end, weight in spans:
        strength = 0 if weight is None else max(1, min(4, round(4 * abs(weight) / largest)))
        pieces.append(Highlight(text[start:end], weight is not None and weight >= 0, strength, weight))
    return pieces


def media_path(relative: str) -> StoredFile | None:
    """A file this app stored (a result names it), if it is still there; read through the storage."""
    return stored_result_file(relative)


def chart_path(explanation: Explanation) -> StoredFile | None:
    return stored_result_file(explanation.chart)


def chart_bytes(explanation: Explanation, fmt: str) -> bytes:
    """The explanation's picture as SVG or PNG: the rule for Anchors, else the chart of the stored weights."""
    # Imported here: drawing needs matplotlib, which a web process loads only for an export, never at start.
    from limelight.drawing.charts import rule_chart, weights_chart

    model = explanation.model
    unit = unit_of(model.target) if model.predicts_amount else None
    if capabilities_of(explanation).rule:
        rule = _rule(explanation.result)
        band = explanation.result.get("band")
        predicted = f"between {amount(band[0], unit)} and {amount(band[1], unit)}" if band else explanation.label_name
        return rule_chart(
            rule.conditions,
            predicted=predicted,
            precision=(rule.precision, rule.precision_low, rule.precision_high),
            support=rule.support,
            coverage=explanation.result.get("coverage"),
            meets_threshold=rule.meets_threshold,
            format=fmt,
        )
    weights = [(w["condition"], w["weight"]) for w in explanation.result.get("weights", [])]
    if unit is not None:  # an amount: the weights are in its unit
        return weights_chart(weights, title=model.target, format=fmt, amount_unit=unit)
    return weights_chart(weights, title=explanation.label_name, format=fmt)
