"""Global importance: how much the model's hold-out score falls when one column is shuffled
(scikit-learn's permutation importance, with its spread over repeats), beside the mean size of
the local weights in the explanations already made, and where the two orders disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

# Shuffling one column costs one prediction of every row per repeat: the hold-out is sampled down to
# this many rows (said in the report), which keeps Adult's 14 columns × 5 repeats near 10 seconds.
MAX_ROWS = 2000
REPEATS = 5
TOP = 3  # the first few of each order are compared in words


@dataclass(frozen=True)
class _Scorer:
    """The hold-out score as scikit-learn's permutation importance calls it: (estimator, X, y) -> higher is better.

    Accuracy for categories; minus the mean absolute error for amounts, so a column that matters
    shows a positive drop in both cases.
    """

    regression: bool

    def __call__(self, estimator: _Model, inputs: pd.DataFrame, truths: np.ndarray) -> float:
        predicted = estimator.predict(inputs)
        if self.regression:
            return -float(np.mean(np.abs(predicted - truths)))
        return float(np.mean(predicted == truths))


@dataclass(frozen=True)
class _Model:
    """Any ``predict`` callable in the shape scikit-learn's permutation importance asks for."""

    predict: Callable[[pd.DataFrame], np.ndarray]

    def fit(self, *args: object) -> _Model:  # never called: the model is already trained
        return self


def permutation_table(
    predict: Callable[[pd.DataFrame], np.ndarray],
    inputs: pd.DataFrame,
    truths: np.ndarray,
    *,
    regression: bool,
    random_state: int,
    repeats: int = REPEATS,
) -> list[dict[str, float | str]]:
    """``{feature, importance, low, high}`` per column, largest first: the mean drop of the score over
    ``repeats`` shuffles, and the smallest and largest drop seen (the spread a person can read)."""
    found = permutation_importance(
        _Model(predict),
        inputs,
        truths,
        scoring=_Scorer(regression),
        n_repeats=repeats,
        random_state=random_state,
    )
    table = [
        {
            "feature": str(name),
            "importance": float(found.importances_mean[i]),
            "low": float(found.importances[i].min()),
            "high": float(found.importances[i].max()),
        }
        for i, name in enumerate(inputs.columns)
    ]
    return sorted(table, key=lambda item: -float(item["importance"]))


def local_table(results: Iterable[Mapping]) -> list[dict[str, float | str | int]]:
    """``{feature, mean_abs_weight, explanations}``, largest first: the mean size of each feature's weight
    over the stored LIME / KernelSHAP results (a feature absent from a result counts as 0 there,
    since the explainer ranked it below the ones it kept)."""
    results = [result for result in results if result.get("weights")]
    sums: dict[str, float] = defaultdict(float)
    seen: dict[str, int] = defaultdict(int)
    for result in results:
        for weight in result["weights"]:
            name = str(weight.get("feature") or weight.get("condition"))
            sums[name] += abs(float(weight["weight"]))
            seen[name] += 1
    table = [
        {"feature": name, "mean_abs_weight": total / len(results), "explanations": seen[name]}
        for name, total in sums.items()
    ]
    return sorted(table, key=lambda item: -float(item["mean_abs_weight"]))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def agreement_words(global_order: Sequence[str], local: Sequence[Mapping], n_explanations: int) -> list[str]:
    """Where the shuffling order and the explanations' order disagree about the first few, in sentences."""
    if not local:
        return []
    local_order = [str(item["feature"]) for item in local]
    top_global, top_local = list(global_order[:TOP]), local_order[:TOP]
    rows = f"{n_explanations} explanation{'s' if n_explanations != 1 else ''}"
    if set(top_global) == set(top_local):
        names = ", ".join(f"“{name}”" for name in top_global)
        return [f"Both agree on the {len(top_global)} that matter most: {names}."]
    said = []
    for name in top_global:
        if name not in top_local:
            where = (
                f"ranked {_ordinal(local_order.index(name) + 1)}" if name in local_order else "never among the reasons"
            )
            said.append(
                f"Shuffling “{name}” hurts the model more than most ({_ordinal(top_global.index(name) + 1)}), "
                f"but in the {rows} made so far it weighs little ({where})."
            )
    for name in top_local:
        if name not in top_global:
            where = _ordinal(list(global_order).index(name) + 1) if name in global_order else "not a column"
            said.append(
                f"“{name}” weighs much in the {rows} made so far ({_ordinal(top_local.index(name) + 1)}), "
                f"but shuffling it changes the model's score less ({where}): it matters for those rows, "
                "not for the model as a whole."
            )
    return said
