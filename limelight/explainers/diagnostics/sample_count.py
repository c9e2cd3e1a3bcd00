"""The automatic sample count: raise the number of samples until repeated runs agree. No Django."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..lime_tabular import TabularLime
from .probabilities import TableProba
from .seeds import DEFAULT_SEEDS, Stability, stability_tabular

__all__ = ["AUTO_STEPS", "AUTO_TARGET", "AutoSamples", "auto_samples"]

AUTO_STEPS: tuple[int, ...] = (1000, 2000, 5000, 10000, 20000)
AUTO_TARGET = 0.95


@dataclass(frozen=True)
class AutoSamples:
    """The sample count :func:`auto_samples` chose, and what it measured on the way.

    ``reached`` is False when even the largest count stayed below the target.
    ``tried`` is ``(num_samples, reasons_jaccard)`` per step: the agreement of
    the main reasons across seeds (see :class:`Stability`).
    """

    num_samples: int
    reasons_jaccard: float
    reached: bool
    tried: tuple[tuple[int, float], ...]
    stability: Stability = field(repr=False, compare=False)


def auto_samples(
    lime: TabularLime,
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    label: int,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    steps: Sequence[int] = AUTO_STEPS,
    target: float = AUTO_TARGET,
    num_features: int = 10,
    kernel_width: float | None = None,
) -> AutoSamples:
    """Raise ``num_samples`` through ``steps`` until the main reasons agree across ``seeds`` (``target``)."""
    if not steps:
        raise ValueError("steps must name at least one sample count")
    tried = []
    result = None
    for n in steps:
        result = stability_tabular(
            lime,
            row,
            predict_proba,
            label=label,
            seeds=seeds,
            num_samples=int(n),
            num_features=num_features,
            kernel_width=kernel_width,
        )
        tried.append((int(n), result.reasons_jaccard))
        if result.reasons_jaccard >= target:
            break
    assert result is not None
    return AutoSamples(
        num_samples=tried[-1][0],
        reasons_jaccard=result.reasons_jaccard,
        reached=result.reasons_jaccard >= target,
        tried=tuple(tried),
        stability=result,
    )
