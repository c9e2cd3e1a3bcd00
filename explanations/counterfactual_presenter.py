"""“What would change it” in plain words: the before/after table and each way's numbers said.

Reads a finished counterfactual result (:mod:`limelight.explainers.counterfactuals`' document)
and says each number with its baseline: a change's size in spreads, a way's distance beside
how far real rows of the class reached are from each other, the search's repeats beside the
columns it changed, LIME's top reasons beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from limelight.amount_words import amount
from limelight.amounts import unit_of
from limelight.holdout import percent
from limelight.values import MISSING_TEXT

from .models import Explanation

# Of two classes, one reached with under this probability only just wins (under 60 against over 40).
NARROW = 0.6


@dataclass(frozen=True)
class Cell:
    text: str
    changed: bool


@dataclass(frozen=True)
class TableRow:
    column: str
    before: str
    after: list[Cell]  # one per way
    fixed: bool  # marked “cannot change”


@dataclass(frozen=True)
class Way:
    number: int
    index: int  # 0-based, to open it in the what-if page
    sentence: str  # “If x1 were 5.1 instead of 3, the model would say “1” (probability 97%).”
    probability: str  # whole percent, never a bare 100%; for an amount, the amount in its unit
    says: str  # the model's answer for the changed case: “yes (52%)”, or “312 g”
    narrow: bool  # the class wanted only just wins: a small step back would undo it
    features_changed: int
    distance: float
    nearest_real: float | None
    plausible: bool | None
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class CounterfactualView:
    desired: str  # the class to reach, or for an amount “above 300 g”
    amount: bool  # a model of amounts
    case_says: str  # the model's answer for the case itself: “no (96%)”, or “288 g”
    found: bool
    message: str
    ways: list[Way]
    table: list[TableRow]
    fixed: list[str]
    ranges: list[str]  # “age 18 to 65”
    plausibility_words: str
    has_plausibility: bool  # some way was measured against real rows (an amount: those already past the value)
    stability_words: str
    lime_words: str
    lime_agrees: bool | None
    tried: int


def counterfactual_view(explanation: Explanation) -> CounterfactualView:
    result = explanation.result or {}
    model = explanation.model
    desired = str(result.get("desired_name", ""))
    unit = unit_of(model.target) if model.predicts_amount else None
    two = len(model.class_names) == 2
    ways = [_way(i, cf, desired, two, unit) for i, cf in enumerate(result.get("counterfactuals", []))]
    fixed = list(result.get("fixed", []))
    if unit is None:
        best = max(range(len(explanation.probabilities)), key=lambda i: explanation.probabilities[i], default=0)
        case_says = f"{model.class_names[best]} ({percent(explanation.probabilities[best])})"
    else:
        case_says = amount(float(result.get("value", 0.0)), unit)
    return CounterfactualView(
        desired=desired,
        amount=unit is not None,
        case_says=case_says,
        found=bool(result.get("found")),
        message=str(result.get("message", "")),
        ways=ways,
        table=_table(explanation, result, fixed),
        fixed=fixed,
        ranges=[f"{name} {low:g} to {high:g}" for name, (low, high) in result.get("ranges", {}).items()],
        plausibility_words=_plausibility(result, desired if unit is None else f"“{model.target}” {desired}"),
        has_plausibility=any(way.nearest_real is not None for way in ways),
        stability_words=_stability(result.get("stability")),
        lime_words=_lime(result.get("lime")),
        lime_agrees=None if result.get("lime") is None else bool(result["lime"]["agrees"]),
        tried=int(result.get("tried", 0)),
    )


def _way(index: int, cf: dict[str, Any], desired: str, two_classes: bool, unit: str | None) -> Way:
    """One way in words; ``unit`` is None for a class, the target's unit ("" for none) for an amount."""
    changes = cf["changes"]
    parts = [f"{c['feature']} were {c['after_text']} instead of {c['before_text']}" for c in changes]
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if unit is not None:  # an amount: the predicted amount, beside the value it had to pass
        value = amount(float(cf["value"]), unit)
        sentence, probability, says, narrow = (
            f"If {said}, the model would predict {value} ({desired}).",
            value,
            value,
            False,
        )
    else:
        probability = percent(cf["probability"])
        narrow = two_classes and cf["probability"] < NARROW
        margin = ", just over the line" if narrow else ""
        sentence = f"If {said}, the model would say “{desired}” (probability {probability}{margin})."
        says = f"{desired} ({probability})"
    return Way(
        number=index + 1,
        index=index,
        sentence=sentence,
        probability=probability,
        says=says,
        narrow=narrow,
        features_changed=len(changes),
        distance=float(cf["distance"]),
        nearest_real=cf.get("nearest_real"),
        plausible=cf.get("plausible"),
        changes=changes,
    )


def _table(explanation: Explanation, result: dict[str, Any], fixed: list[str]) -> list[TableRow]:
    """Every column the model reads: the case's value, then each way's (changed cells marked)."""
    counterfactuals = result.get("counterfactuals", [])
    before = {name: (explanation.instance or {}).get(name, MISSING_TEXT) for name in explanation.model.features}
    rows = []
    for name in explanation.model.features:
        after = []
        for cf in counterfactuals:
            change = next((c for c in cf["changes"] if c["feature"] == name), None)
            after.append(Cell(change["after_text"], True) if change else Cell(str(before[name]), False))
        rows.append(TableRow(name, str(before[name]), after, name in fixed))
    # The changed columns first: they are what the table is about.
    rows.sort(key=lambda row: not any(cell.changed for cell in row.after))
    return rows


def _plausibility(result: dict[str, Any], reached: str) -> str:
    """``reached``: “yes” for a class (quoted here), or “mass_g” above 300 g for an amount (quoted already)."""
    typical, high = result.get("typical_gap"), result.get("usual_gap_high")
    if typical is None or not result.get("counterfactuals"):
        return ""
    rows = f"row with {reached}" if reached.startswith("“") else f"“{reached}” row"
    return (
        f"For comparison, a real {rows} of the file is usually {typical:.2f} spreads from the nearest "
        f"other such row (9 in 10 are within {high:.2f}). A way further than that from every real one "
        "is a combination of values the data seldom shows."
    )


def _stability(stability: dict[str, Any] | None) -> str:
    if not stability:
        return ""
    repeats = stability["repeats"]
    seeds = "another seed" if repeats == 1 else f"{repeats} other seeds"
    if stability["same_in"] == repeats:
        return f"Repeated with {seeds}, the search changed the same columns every time (stable)."
    differing = ", ".join(f"“{name}”" for name in stability["differing"])
    return (
        f"Repeated with {seeds}, the search changed the same columns in {stability['same_in']} of {repeats} "
        f"repeats (overlap {stability['agreement']:.2f}; differing: {differing}): there is more than one way, "
        "and which are found depends on chance, so look at the others too."
    )


def _lime(lime: dict[str, Any] | None) -> str:
    if not lime:
        return ""
    top = ", ".join(f"“{name}”" for name in lime["top"])
    if lime["agrees"]:
        return f"Every column changed is among LIME's top {len(lime['top'])} reasons for this case ({top})."
    outside = ", ".join(f"“{name}”" for name in lime["changed_not_in_top"])
    return (
        f"{outside} {'is' if len(lime['changed_not_in_top']) == 1 else 'are'} not among LIME's top "
        f"{len(lime['top'])} reasons for this case ({top}). That is not an error: LIME weighs what matters "
        "near this case, a counterfactual finds what is enough to cross the line, and a column that matters "
        "little here can still be the shortest way over. Worth a look."
    )
