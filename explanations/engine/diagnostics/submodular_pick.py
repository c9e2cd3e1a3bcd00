"""SP-LIME: Ribeiro et al.'s submodular pick of a few explanations that together cover the important features.

No Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["sp_lime_pick"]


def sp_lime_pick(explanations: Sequence[Mapping[Any, float]], budget: int) -> list[int]:
    """Ribeiro et al. (2016) submodular pick: up to ``budget`` explanations covering the important features.

    Global importance ``I_j = sqrt(sum_i |W_ij|)``; greedily add the
    explanation that most increases the coverage ``sum_j I_j [some picked
    explanation uses feature j]``. Ties go to the lower index. Stops early
    when no explanation adds coverage (every used feature is covered).
    """
    if budget < 0:
        raise ValueError("budget must be non-negative")
    features: dict[Any, int] = {}
    for e in explanations:
        for f in e:
            features.setdefault(f, len(features))
    W = np.zeros((len(explanations), len(features)))
    for i, e in enumerate(explanations):
        for f, w in e.items():
            W[i, features[f]] = abs(float(w))
    importance = np.sqrt(W.sum(axis=0))
    used = W > 0
    covered = np.zeros(len(features), dtype=bool)
    picked: list[int] = []
    for _ in range(min(budget, len(explanations))):
        gains = ((used & ~covered) * importance).sum(axis=1)
        gains[picked] = -1.0
        best = int(np.argmax(gains))  # first maximum: lowest index on ties
        if gains[best] <= 0:
            break
        picked.append(best)
        covered |= used[best]
    return picked
