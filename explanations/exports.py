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
    """The rule's conditions for an Anchors result, else the weights."""
    return rule_csv(explanation) if "rule" in explanation.result else weights_csv(explanation)


def rule_csv(explanation: Explanation) -> str:
    """An Anchors rule as CSV: one condition a line, each with the rule's precision, interval and coverage."""
    result = explanation.result
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    facts = ["precision", "precision_low", "precision_high", "support", "coverage", "threshold", "meets_threshold"]
    writer.writerow(["condition", *facts, "class predicted"])
    conditions = result.get("conditions") or result.get("rule") or ["(no condition needed)"]
    for condition in conditions:
        writer.writerow(
            [safe_cell(cell) for cell in [condition, *(result.get(f) for f in facts), explanation.label_name]]
        )
    return buffer.getvalue()


def weights_csv(explanation: Explanation) -> str:
    """The explanation's reasons as CSV: feature, condition, weight (toward the explained class)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["feature", "condition", "weight", "class explained"])
    for weight in explanation.result.get("weights", []):
        row = [weight.get("feature", weight.get("segment")), weight.get("condition", ""), weight["weight"]]
        writer.writerow([safe_cell(cell) for cell in [*row, explanation.label_name]])
    return buffer.getvalue()
