"""Exports of an explanation's numbers, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from .models import Explanation

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def numbers_csv(explanation: Explanation) -> str:
    """The rule's conditions for an Anchors result, the changes for “what would change it”, else the weights."""
    if "counterfactuals" in explanation.result:
        return counterfactuals_csv(explanation)
    return rule_csv(explanation) if "rule" in explanation.result else weights_csv(explanation)


def counterfactuals_csv(explanation: Explanation) -> str:
    """One line per changed value: which way, the column, from, to, and the way's checked answer and numbers."""
    result = explanation.result
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["way", "feature", "from", "to", "class reached", "probability or amount", "features changed",
                     "distance (spreads)", "nearest real row (spreads)", "note"])  # fmt: skip
    for number, way in enumerate(result.get("counterfactuals", []), start=1):
        for change in way["changes"]:
            row = [number, change["feature"], change["before_text"], change["after_text"], result.get("desired_name"),
                   _answer(way), len(way["changes"]), way["distance"], way.get("nearest_real"), ""]  # fmt: skip
            writer.writerow([safe_cell(cell) for cell in row])
    if not result.get("counterfactuals"):
        writer.writerow(["", "", "", "", result.get("desired_name"), "", "", "", "", result.get("message", "")])
    return buffer.getvalue()


def _answer(way: dict[str, Any]) -> Any:
    """A way's checked answer: the probability of the class reached, or a model's amount."""
    return way["probability"] if way.get("probability") is not None else way.get("value")


def rule_csv(explanation: Explanation) -> str:
    """An Anchors rule as CSV: one condition a line, each with the rule's precision, interval and coverage."""
    result = explanation.result
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    facts = ["precision", "precision_low", "precision_high", "support", "coverage", "threshold", "meets_threshold"]
    band = result.get("band")
    if explanation.model.predicts_amount and band:  # an amount: the band the rule keeps its prediction in
        writer.writerow(["condition", *facts, "amount predicted", "band_low", "band_high"])
        kept = [result.get("value"), *band]
    else:
        writer.writerow(["condition", *facts, "class predicted"])
        kept = [explanation.label_name]
    conditions = result.get("conditions") or result.get("rule") or ["(no condition needed)"]
    for condition in conditions:
        writer.writerow([safe_cell(cell) for cell in [condition, *(result.get(f) for f in facts), *kept]])
    return buffer.getvalue()


def weights_csv(explanation: Explanation) -> str:
    """The explanation's reasons as CSV: feature, condition, weight (toward the explained class)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # An amount's weights are in its own unit: what each reason adds to the predicted amount.
    amount = explanation.model.predicts_amount
    writer.writerow(["feature", "condition", "weight", "amount explained" if amount else "class explained"])
    for weight in explanation.result.get("weights", []):
        row = [weight.get("feature", weight.get("segment")), weight.get("condition", ""), weight["weight"]]
        writer.writerow([safe_cell(cell) for cell in [*row, explanation.label_name]])
    return buffer.getvalue()
