"""The kernel-width sweep: one sample set, one model query, a surrogate per kernel width.

Flags the features whose weight changes sign as the neighbourhood grows. No Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..conditions import condition_in_words
from ..lime_tabular import LimeExplanation, TabularLime
from .probabilities import TableProba, label_probabilities
from .seeds import TOP_K

__all__ = ["WIDTH_FACTORS", "KernelSweep", "SignFlip", "kernel_sweep", "sign_flip_words"]

WIDTH_FACTORS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class SignFlip:
    """A feature whose weight changes sign; ``widths`` are those where it differs from the previous one."""

    feature: str
    condition: str
    widths: tuple[float, ...]


@dataclass(frozen=True)
class KernelSweep:
    """Weights of the top features at each kernel width (one sample set, one model query).

    ``weights[i][j]`` is feature ``features[i]``'s weight at ``widths[j]``;
    NaN when the feature was not among the ``num_features`` LIME chose at
    that width.
    """

    widths: tuple[float, ...]
    default_width: float
    features: tuple[str, ...]
    conditions: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...]
    scores: tuple[float, ...]
    sign_flips: tuple[SignFlip, ...]

    def to_dict(self) -> dict:
        """JSON-ready dict (the CLI's ``kernel_width_sweep``); NaN becomes None."""
        return {
            "widths": [float(w) for w in self.widths],
            "default_width": float(self.default_width),
            "features": [
                {
                    "feature": f,
                    "condition": c,
                    "weights": [None if math.isnan(w) else float(w) for w in ws],
                }
                for f, c, ws in zip(self.features, self.conditions, self.weights, strict=True)
            ],
            "scores": [float(s) for s in self.scores],
            "sign_flips": [
                {"feature": s.feature, "condition": s.condition, "widths": [float(w) for w in s.widths]}
                for s in self.sign_flips
            ],
        }


def kernel_sweep(
    lime: TabularLime,
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    label: int,
    widths: Sequence[float] | None = None,
    num_samples: int = 5000,
    num_features: int = 10,
    top: int = TOP_K,
    random_state: int = 0,
) -> KernelSweep:
    """The explanation at several kernel widths, reusing ONE sample set and ONE model query.

    Only the kernel weights depend on the width, so each width's result is
    exactly ``lime.explain(..., kernel_width=w, random_state=random_state)``.
    Tracks the ``top`` features of the default-width explanation. Default
    widths: the default width times :data:`WIDTH_FACTORS`.
    """
    default = lime.default_kernel_width
    widths = tuple(sorted(float(w) for w in (widths or [default * f for f in WIDTH_FACTORS])))
    samples = lime.sample(row, num_samples=num_samples, random_state=random_state)
    y = label_probabilities(predict_proba, samples.frame, int(label))

    def fit(width: float) -> LimeExplanation:
        return lime.fit_surrogate(samples, y, label=label, num_features=num_features, kernel_width=width)

    at_width = [fit(w) for w in widths]
    reference = next((e for w, e in zip(widths, at_width, strict=True) if w == default), None) or fit(default)
    tracked = [w.feature for w in reference.weights[:top]]
    conditions = tuple(samples.conditions[f] for f in tracked)
    table = []
    flips = []
    for feature, condition in zip(tracked, conditions, strict=True):
        series = []
        for e in at_width:
            found = [w.weight for w in e.weights if w.feature == feature]
            series.append(found[0] if found else math.nan)
        table.append(tuple(series))
        where = []
        previous = 0.0
        for width, w in zip(widths, series, strict=True):
            sign = 0.0 if math.isnan(w) else float(np.sign(w))
            if sign != 0.0:
                if previous != 0.0 and sign != previous:
                    where.append(width)
                previous = sign
        if where:
            flips.append(SignFlip(feature=feature, condition=condition, widths=tuple(where)))
    return KernelSweep(
        widths=widths,
        default_width=float(default),
        features=tuple(tracked),
        conditions=conditions,
        weights=tuple(table),
        scores=tuple(e.score for e in at_width),
        sign_flips=tuple(flips),
    )


def sign_flip_words(sweep: KernelSweep) -> list[str]:
    """One plain sentence per sign flip (empty when no weight changes sign)."""
    out = []
    for flip in sweep.sign_flips:
        at = ", ".join(f"{w:.2f}" for w in flip.widths)
        out.append(
            f"“{condition_in_words(flip.condition)}” changes direction (toward / away from the class) "
            f"as the neighbourhood size changes (at width {at}; the default is {sweep.default_width:.2f}): "
            "do not rely on its direction."
        )
    return out
