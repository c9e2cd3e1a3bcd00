"""Whether a result can be trusted: was the prediction right, and one verdict over every check.

Gathers what :func:`limelight.explainers.verdict.trust_verdict` weighs from an explanation, its
model's hold-out report and its trust checks. A share link that does not show the case's true
value does not say whether the model got it right either (the one would give the other away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from classifiers.artifacts import model_rows
from jobs.services import JobError
from limelight.amount_words import amount, amount_scores
from limelight.amounts import unit_of
from limelight.explainers.conditions import condition_in_words
from limelight.explainers.verdict import TrustSignals, Verdict, trust_verdict, unsure_reasons
from limelight.explainers.verdict import which_to_believe as engine_which_to_believe
from limelight.leaks import leaned_on

from .disclosure import Disclosure
from .models import Explainer, Explanation

TOP_REASONS = 3  # an unsure direction counts against the verdict among this many largest reasons


@dataclass(frozen=True)
class Outcome:
    """The case's true class (from the file) against the model's prediction."""

    actual: int
    actual_name: str
    correct: bool  # an amount: within the model's usual band (a tenth of the amounts' spread) of the file's value
    off_by: str = ""  # an amount: how far the prediction is from the file's value, in its unit ("310 g")


def actual_label(explanation: Explanation) -> int | None:
    """The class the file gives the explained case; None for typed-in values, unlabelled or missing ones."""
    if explanation.row_index is None or not explanation.model.succeeded:
        return None
    try:
        truths = model_rows(explanation.model).truths
    except JobError:  # the model's files are gone: nothing to compare with
        return None
    if explanation.row_index >= len(truths) or truths[explanation.row_index] < 0:
        return None
    return int(truths[explanation.row_index])


def predicted_label(explanation: Explanation) -> int:
    """The class the model predicts for the case (the most probable; not necessarily the one explained)."""
    probabilities = explanation.probabilities
    return max(range(len(probabilities)), key=lambda index: probabilities[index])


def outcome_of(explanation: Explanation, disclosure: Disclosure | None = None) -> Outcome | None:
    """Whether the model got the case right; None when unknown or not shown on this share link."""
    if disclosure is not None and not disclosure.true_value:
        return None
    if explanation.model.predicts_amount:
        return _amount_outcome(explanation)
    actual = actual_label(explanation)
    if actual is None or not explanation.probabilities:
        return None
    names = explanation.model.class_names
    return Outcome(actual=actual, actual_name=names[actual], correct=actual == predicted_label(explanation))


def _amount_outcome(explanation: Explanation) -> Outcome | None:
    """The file's amount for the case against the prediction: near enough when within the model's usual band."""
    model = explanation.model
    value = (explanation.result or {}).get("value")
    if explanation.row_index is None or value is None or not model.succeeded:
        return None
    try:
        truths = model_rows(model).truths
    except JobError:
        return None
    if explanation.row_index >= len(truths) or not math.isfinite(float(truths[explanation.row_index])):
        return None
    truth, unit = float(truths[explanation.row_index]), unit_of(model.target)
    off = abs(float(value) - truth)
    band = float(model.metrics.get("default_band") or 0.0)
    return Outcome(actual=-1, actual_name=amount(truth, unit), correct=off <= band, off_by=amount(off, unit))


def verdict_of(explanation: Explanation, disclosure: Disclosure | None = None) -> Verdict:
    """The one trust verdict of a finished explanation, as its pages and the CLI show it."""
    return trust_verdict(signals_of(explanation, disclosure))


def signals_of(explanation: Explanation, disclosure: Disclosure | None = None) -> TrustSignals:
    model = explanation.model
    holdout = model.holdout
    outcome = outcome_of(explanation, disclosure)
    result = explanation.result or {}
    explained = explanation.label_name
    signals: dict = {
        "explained": explained,
        "correct": None if outcome is None else outcome.correct,
        "actual": None if outcome is None else outcome.actual_name,
        "target": model.target,
        "leaks": leaned_on(model.leaks, result),
    }
    scores = amount_scores(model.metrics, target=model.target) if model.predicts_amount and model.succeeded else None
    if scores is not None:  # an amount: the baseline is always predicting its average
        signals |= {
            "baseline_class": f"the average {model.target}",
            "model_no_better": scores.no_better,
            "few_test_rows": scores.few_rows,
        }
    if holdout is not None:
        signals |= {
            "baseline_class": holdout.baseline_class,
            "model_no_better": holdout.no_better,
            "few_test_rows": holdout.few_rows,
            "explained_class_recall": holdout.recall_of(explained),
        }
    if explanation.explainer == Explainer.ANCHOR and "threshold" in result:
        signals |= {
            "rule_meets_threshold": bool(result.get("meets_threshold"))
            and result["precision_low"] >= result["threshold"],
            "rule_conditions": tuple(result.get("rule", ())),
            "rule_file_rows": result.get("file_rows"),  # tables only: rows of the file meeting the rule
            "rule_coverage": result.get("coverage"),
            "rule_precision": result.get("precision"),
            "rule_support": result.get("support"),
        }
    elif explanation.explainer == Explainer.SHAP and "base_value" in result:
        signals["shap_sum"] = (float(result["base_value"]), float(result["prediction"]))
    elif explanation.explainer == Explainer.COUNTERFACTUAL and "found" in result:
        signals |= {
            "counterfactuals_found": bool(result["found"]),
            "counterfactual_agreement": (result.get("stability") or {}).get("agreement"),
        }
    elif result.get("score") is not None:
        signals["fit_score"] = float(result["score"])
    diagnosis = getattr(explanation, "diagnosis", None)  # the trust checks, when they were asked for
    if diagnosis is not None and diagnosis.succeeded:
        signals |= _diagnosed(diagnosis.result)
    elif diagnosis is not None and diagnosis.status in ("queued", "running"):
        signals["checks_pending"] = True
    return TrustSignals(**signals)


def which_to_believe(lime: Explanation, rule: Explanation) -> str:
    """For a LIME result and an Anchors rule of the same case: which to believe and why ('' if they agree)."""
    return engine_which_to_believe(signals_of(lime), signals_of(rule))


def _diagnosed(found: dict) -> dict:
    signals: dict = {}
    if "stability" in found:
        stability = found["stability"]
        top = stability.get("features", [])[:TOP_REASONS]
        signals["agreement"] = float(stability["reasons_jaccard"])
        signals["unsure"] = tuple(condition_in_words(condition) for condition in unsure_reasons(top))
        flips = found.get("kernel", {}).get("sign_flips", [])
        signals["sign_flips"] = tuple(condition_in_words(flip["condition"]) for flip in flips)
    curves = found.get("curves", {})
    if "deletion" in curves and "insertion" in curves:
        signals["deletion_better"] = bool(curves["deletion"]["better_than_random"])
        signals["insertion_better"] = bool(curves["insertion"]["better_than_random"])
        # Checks stored before issue 23 did not look for saturation: they read as before.
        signals["deletion_saturated"] = bool(curves["deletion"].get("saturated"))
        signals["insertion_saturated"] = bool(curves["insertion"].get("saturated"))
    return signals
