"""Where the model is wrong: a shallow decision tree on the hold-out's columns learns which rows the
model gets wrong, and each leaf is read as a group ("wrong on 31% of rows with temp_max ≤ 8, 40 of
129"), beside the overall error rate, with a 95% interval on each group's rate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from limelight.confidence import wilson
from limelight.holdout import percent as _percent

DEPTH = 3  # at most three conditions per group: still one sentence
MIN_SHARE = 0.02  # a group holds at least 2% of the hold-out …
MIN_ROWS = 10  # … and at least this many rows, so its rate is more than one row's luck
MIN_WRONG = 5  # a group is named in the summary only with at least this many errors
MAX_CATEGORIES = 20  # the commonest values of a category column the tree may split on


@dataclass
class _Bounds:
    """What one column is limited to on the path to a leaf."""

    above: float | None = None
    at_most: float | None = None
    equals: str | None = None
    not_equal: list[str] = field(default_factory=list)
    or_missing: bool | None = None  # None: the column has no missing values


def _encode(frame: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]):
    """Numbers as they are (missing stays missing: the tree sends it one way), and one 0/1 column per
    common category, so every split reads as a condition on the file's own values."""
    columns, meaning = {}, []
    for name in frame.columns:
        if name in numeric:
            columns[f"n{len(meaning)}"] = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
            meaning.append((name, None))
        elif name in categorical:
            values = frame[name].astype("string")
            for value in values.value_counts().index[:MAX_CATEGORIES]:
                columns[f"c{len(meaning)}"] = (values == value).fillna(False).to_numpy(dtype=float)
                meaning.append((name, str(value)))
    return pd.DataFrame(columns), meaning


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _condition(name: str, bounds: _Bounds) -> str:
    if bounds.equals is not None:
        return f"{name} = {bounds.equals}"
    if bounds.not_equal:
        return f"{name} is not {' or '.join(bounds.not_equal)}"
    if bounds.above is not None and bounds.at_most is not None:
        text = f"{_number(bounds.above)} < {name} ≤ {_number(bounds.at_most)}"
    elif bounds.above is not None:
        text = f"{name} > {_number(bounds.above)}"
    else:
        text = f"{name} ≤ {_number(bounds.at_most)}"
    if bounds.or_missing is True:
        text += " or missing"
    return text


def error_groups(
    frame: pd.DataFrame,
    wrong: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str],
    cases: str = "rows",
    random_state: int = 0,
) -> dict:
    """The hold-out's error rate and the groups a shallow tree finds, most wrong first.

    ``frame`` is the hold-out's columns and ``wrong`` whether the model was wrong on each row.
    """
    wrong = np.asarray(wrong, dtype=bool)
    n, n_wrong = len(wrong), int(wrong.sum())
    rate = n_wrong / n if n else 0.0
    summary = {"rows": n, "wrong": n_wrong, "rate": rate, "groups": []}
    if n_wrong == 0 or n_wrong == n:
        summary["sentence"] = (
            f"The model is {'right' if n_wrong == 0 else 'wrong'} on every one of the {n} held-out {cases}, "
            "so there is no group to single out."
        )
        return summary
    encoded, meaning = _encode(frame, numeric, categorical)
    has_missing = {name for name in numeric if name in frame and frame[name].isna().any()}
    tree = DecisionTreeClassifier(
        max_depth=DEPTH, min_samples_leaf=max(MIN_ROWS, int(MIN_SHARE * n)), random_state=random_state
    ).fit(encoded, wrong)
    structure = tree.tree_
    leaves = tree.apply(encoded)

    def walk(node: int, path: dict[str, _Bounds]) -> None:
        if structure.children_left[node] == -1:
            inside = leaves == node
            rows, errors = int(inside.sum()), int(wrong[inside].sum())
            low, high = wilson(errors, rows)
            conditions = [_condition(name, bounds) for name, bounds in path.items()]
            where = " and ".join(conditions) if conditions else "every row"
            summary["groups"].append(
                {
                    "conditions": conditions,
                    "text": f"wrong on {_percent(errors / rows)} of {cases} with {where} ({errors:,} of {rows:,})",
                    "rows": rows,
                    "wrong": errors,
                    "rate": errors / rows,
                    "low": low,
                    "high": high,
                }
            )
            return
        name, category = meaning[structure.feature[node]]
        threshold = float(structure.threshold[node])
        missing_left = bool(structure.missing_go_to_left[node])
        for child, left in ((structure.children_left[node], True), (structure.children_right[node], False)):
            branch = {key: _Bounds(**vars(value)) for key, value in path.items()}
            bounds = branch.setdefault(name, _Bounds())
            bounds.not_equal = list(bounds.not_equal)
            if category is not None:  # a 0/1 column: left is "not this value", right is "this value"
                if left:
                    bounds.not_equal.append(category)
                else:
                    bounds.equals, bounds.not_equal = category, []
            else:
                if left:
                    bounds.at_most = threshold if bounds.at_most is None else min(bounds.at_most, threshold)
                else:
                    bounds.above = threshold if bounds.above is None else max(bounds.above, threshold)
                if name in has_missing:
                    goes_here = missing_left == left
                    bounds.or_missing = goes_here if bounds.or_missing in (None, True) else False
            walk(int(child), branch)

    walk(0, {})
    summary["groups"].sort(key=lambda group: (-group["rate"], -group["rows"]))
    worst = summary["groups"][0]
    overall = f"Overall the model is wrong on {_percent(rate)} of held-out {cases} ({n_wrong:,} of {n:,})."
    # Named only when its rate is clearly above the baseline and rests on more than a couple of errors.
    if worst["conditions"] and worst["low"] > rate and worst["wrong"] >= MIN_WRONG:
        where = " and ".join(worst["conditions"])
        rate_words = f"{_percent(worst['rate'])} ({worst['wrong']:,} of {worst['rows']:,})"
        summary["sentence"] = f"{overall} It is wrong most often on {cases} with {where}: {rate_words}."
    else:
        summary["sentence"] = f"{overall} No group of {cases} stands out: the errors are spread evenly enough."
    return summary


def class_error_groups(truths: np.ndarray, wrong: np.ndarray, class_names: Sequence[str], *, cases: str) -> dict:
    """For texts and images (no columns to split on): the errors grouped by the true class."""
    wrong = np.asarray(wrong, dtype=bool)
    n, n_wrong = len(wrong), int(wrong.sum())
    rate = n_wrong / n if n else 0.0
    groups = []
    for index, name in enumerate(class_names):
        inside = truths == index
        rows, errors = int(inside.sum()), int(wrong[inside].sum())
        if rows == 0:
            continue
        low, high = wilson(errors, rows)
        condition = f"the class “{name}”"
        groups.append(
            {"conditions": [condition], "text": f"wrong on {_percent(errors / rows)} of {cases} of {condition} "
             f"({errors} of {rows})", "rows": rows, "wrong": errors, "rate": errors / rows, "low": low, "high": high}
        )  # fmt: skip
    groups.sort(key=lambda group: (-group["rate"], -group["rows"]))
    sentence = f"Overall the model is wrong on {_percent(rate)} of held-out {cases} ({n_wrong:,} of {n:,})."
    if groups and groups[0]["low"] > rate:
        sentence += (
            f" It is wrong most often on {cases} of {groups[0]['conditions'][0]}: {_percent(groups[0]['rate'])}."
        )
    return {"rows": n, "wrong": n_wrong, "rate": rate, "groups": groups, "sentence": sentence}
