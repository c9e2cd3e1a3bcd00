"""SP-LIME: Ribeiro et al.'s submodular pick of a few explanations that together cover the important features.

No Django.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["coverage_complete", "sp_lime_pick"]


def _matrix(explanations: Sequence[Mapping[Any, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Which features each explanation uses (rows x features) and each feature's importance."""
    features: dict[Any, int] = {}
    for e in explanations:
        for f in e:
            features.setdefault(f, len(features))
    W = np.zeros((len(explanations), len(features)))
    for i, e in enumerate(explanations):
        for f, w in e.items():
            W[i, features[f]] = abs(float(w))
    return W > 0, np.sqrt(W.sum(axis=0))


def sp_lime_pick(
    explanations: Sequence[Mapping[Any, float]], budget: int, classes: Sequence[Hashable] | None = None
) -> list[int]:
    """Ribeiro et al. (2016) submodular pick: up to ``budget`` explanations covering the important features.

    Global importance ``I_j = sqrt(sum_i |W_ij|)``; greedily add the
    explanation that most increases the coverage ``sum_j I_j [some picked
    explanation uses feature j]``. Ties go to the lower index. Stops early
    when no explanation adds coverage (every used feature is covered).

    With ``classes`` (each explanation's predicted class), the pick first shows every class once,
    each time the best-covering row of a class not shown yet, even if it adds no feature: a tour
    of the model that repeats one class before reaching another would hide what it does there.
    """
    if budget < 0:
        raise ValueError("budget must be non-negative")
    used, importance = _matrix(explanations)
    covered = np.zeros(used.shape[1], dtype=bool)
    picked: list[int] = []
    for _ in range(min(budget, len(explanations))):
        gains = ((used & ~covered) * importance).sum(axis=1)
        gains[picked] = -1.0
        if classes is not None:
            shown = {classes[i] for i in picked}
            unshown = np.array([c not in shown for c in classes])
            if unshown.any():
                best = int(np.argmax(np.where(unshown, gains, -np.inf)))  # first maximum among them
                picked.append(best)
                covered |= used[best]
                continue
        best = int(np.argmax(gains))  # first maximum: lowest index on ties
        if gains[best] <= 0:
            break
        picked.append(best)
        covered |= used[best]
    return picked


def coverage_complete(explanations: Sequence[Mapping[Any, float]], picked: Sequence[int]) -> bool:
    """True when the picked explanations use every feature any explanation uses: the next best adds nothing."""
    used, _ = _matrix(explanations)
    if not len(picked):
        return not used.any()
    return bool(np.all(used[list(picked)].any(axis=0) >= used.any(axis=0)))
