"""Deletion and insertion curves: the probability as features or superpixels are hidden, then put back.

Hidden means replaced by a typical value (:func:`typical_values`) or, for
images, by the fill. The explanation's order is compared with random orders
of as many items, by the areas under the curves. No Django.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .probabilities import TableProba, label_probabilities

__all__ = [
    "CurvePair",
    "CurveResult",
    "deletion_insertion_image",
    "deletion_insertion_tabular",
    "deletion_order",
    "typical_values",
]

ImageProba = Callable[[np.ndarray], np.ndarray]

# Areas closer than this (on a 0..1 scale) count as "about the same as random".
_AUC_TIE = 0.02
# Band of the random orders' curves: 10th to 90th percentile.
_BAND = (10.0, 90.0)
# A model this sure of the row (a forest whose every tree agrees) may not move however its
# features are hidden; when no order moves it by more than _AUC_TIE, the comparison of orders
# cannot tell a good explanation from a bad one, and says so instead of failing it. Defined from the
# probability and the curves themselves, so it holds for any classifier.
SATURATED = 0.99


@dataclass(frozen=True)
class CurveResult:
    """p(label) as features are removed (``deletion``) or put back (``insertion``) step by step.

    ``x`` is the share of the order done (0..1); ``explanation`` follows the
    explanation's order, ``random_mean`` (with a 10th–90th percentile band)
    random orders of the same length. Areas are trapezoids over ``x``. A
    good explanation has a LOWER deletion area and a HIGHER insertion area
    than random.
    """

    kind: str
    label: int
    order: tuple[Any, ...]
    x: tuple[float, ...]
    explanation: tuple[float, ...]
    random_mean: tuple[float, ...]
    random_low: tuple[float, ...]
    random_high: tuple[float, ...]
    auc: float
    random_auc: float
    better_than_random: bool
    verdict: str
    saturated: bool = False  # no order moves the probability: this check cannot tell

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "kind": self.kind,
            "label": int(self.label),
            "order": [o if isinstance(o, int | str) else str(o) for o in self.order],
            "x": list(self.x),
            "explanation": list(self.explanation),
            "random_mean": list(self.random_mean),
            "random_band": [list(self.random_low), list(self.random_high)],
            "auc": float(self.auc),
            "random_auc": float(self.random_auc),
            "better_than_random": bool(self.better_than_random),
            "verdict": self.verdict,
            "saturated": bool(self.saturated),
        }


@dataclass(frozen=True)
class CurvePair:
    """Deletion and insertion curves of one explanation."""

    deletion: CurveResult
    insertion: CurveResult


def _auc(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


def _verdict(
    kind: str, auc: float, random_auc: float, unit: str, *, tie: float = _AUC_TIE, quantity: str = "probability"
) -> tuple[bool, str]:
    diff = auc - random_auc if kind == "insertion" else random_auc - auc
    areas = f"(area {auc:.3g} against {random_auc:.3g} for random orders)"
    if quantity != "probability":  # "the probability" below is what the model outputs: an amount here
        return _amount_verdict(kind, diff, areas, unit, tie)
    areas = f"(area {auc:.2f} against {random_auc:.2f} for random orders)"
    if kind == "deletion":
        if diff > _AUC_TIE:
            return True, (
                f"Hiding the {unit} in the explanation's order lowers the probability faster than "
                f"hiding them in a random order {areas}: the explanation points at what the model uses."
            )
        if diff >= -_AUC_TIE:
            return False, (
                f"Hiding the {unit} in the explanation's order lowers the probability about as fast as "
                f"a random order {areas}: the explanation is no better than chance here."
            )
        return False, (
            f"Hiding the {unit} in the explanation's order lowers the probability more slowly than a "
            f"random order {areas}: treat this explanation with suspicion."
        )
    if diff > _AUC_TIE:
        return True, (
            f"Putting back the {unit} in the explanation's order raises the probability faster than "
            f"in a random order {areas}: the explanation points at what the model uses."
        )
    if diff >= -_AUC_TIE:
        return False, (
            f"Putting back the {unit} in the explanation's order raises the probability about as fast "
            f"as a random order {areas}: the explanation is no better than chance here."
        )
    return False, (
        f"Putting back the {unit} in the explanation's order raises the probability more slowly than "
        f"a random order {areas}: treat this explanation with suspicion."
    )


def _amount_verdict(kind: str, diff: float, areas: str, unit: str, tie: float) -> tuple[bool, str]:
    """The curves' verdict for a model that predicts an amount: hiding what pushes it up should lower it."""
    moves = (
        f"Hiding the {unit} in the explanation's order lowers the predicted amount"
        if kind == "deletion"
        else f"Putting back the {unit} in the explanation's order raises the predicted amount"
    )
    if diff > tie:
        return True, f"{moves} faster than a random order {areas}: the explanation points at what the model uses."
    if diff >= -tie:
        return False, f"{moves} about as fast as a random order {areas}: the explanation is no better than chance here."
    return False, f"{moves} more slowly than a random order {areas}: treat this explanation with suspicion."


def _order_masks(orders: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Deletion and insertion masks (True = replaced), shape (orders, steps, items)."""
    n_orders, k = orders.shape
    deletion = np.zeros((n_orders, k + 1, n_items), dtype=bool)
    for step in range(1, k + 1):
        deletion[:, step] = deletion[:, step - 1]
        deletion[np.arange(n_orders), step, orders[:, step - 1]] = True
    insertion = ~deletion  # starts from everything replaced, puts back in order
    return deletion, insertion


def _curves(
    kind: str,
    label: int,
    order: Sequence[Any],
    y: np.ndarray,
    unit: str,
    p_row: float,
    amount_spread: float | None = None,
) -> CurveResult:  # y: (orders, steps); row 0 is the explanation's order; p_row: p(label) of the row itself
    k = y.shape[1] - 1
    x = np.linspace(0.0, 1.0, k + 1)
    rand = y[1:]
    auc = _auc(x, y[0])
    random_auc = float(np.mean([_auc(x, r) for r in rand]))
    if amount_spread is not None:
        # An amount: areas are in its unit, so "about the same" is 2% of its spread (as 0.02 is of
        # a probability's 0..1); "too sure to move" is a probability's notion and never said.
        better, verdict = _verdict(kind, auc, random_auc, unit, tie=_AUC_TIE * amount_spread, quantity="amount")
        return _curve_result(kind, label, order, x, y, rand, auc, random_auc, better, verdict, saturated=False)
    saturated = p_row >= SATURATED and bool(np.all(np.abs(y - p_row) <= _AUC_TIE))
    if saturated:
        what = "hiding" if kind == "deletion" else "putting back"
        better, verdict = (
            False,
            (
                f"The model is so sure ({p_row:.0%}) that {what} these {unit} one at a time does not move it, "
                f"nor does {what} others at random: this check cannot tell here."
            ),
        )
    else:
        better, verdict = _verdict(kind, auc, random_auc, unit)
    return _curve_result(kind, label, order, x, y, rand, auc, random_auc, better, verdict, saturated=saturated)


def _curve_result(kind, label, order, x, y, rand, auc, random_auc, better, verdict, *, saturated) -> CurveResult:
    return CurveResult(
        kind=kind,
        label=int(label),
        order=tuple(order),
        x=tuple(float(v) for v in x),
        explanation=tuple(float(v) for v in y[0]),
        random_mean=tuple(float(v) for v in rand.mean(axis=0)),
        random_low=tuple(float(v) for v in np.percentile(rand, _BAND[0], axis=0)),
        random_high=tuple(float(v) for v in np.percentile(rand, _BAND[1], axis=0)),
        auc=auc,
        random_auc=random_auc,
        better_than_random=better,
        verdict=verdict,
        saturated=saturated,
    )


def deletion_order(weights: Sequence[tuple[Any, float]]) -> list[Any]:
    """The order in which to hide an explanation's items: what speaks FOR the label first.

    ``weights`` pairs each item with its signed weight for the explained label. Deletion asks
    whether hiding the explanation's reasons lowers the probability faster than hiding others;
    an item whose weight is negative argues against the label, so hiding it first RAISES the
    probability, and an explanation whose largest weights are against the prediction (the
    prediction holds despite them) would be judged worse than random although every weight is
    right. Most supporting first, then the rest by weight, so those most against come last.
    """
    return [item for item, _ in sorted(weights, key=lambda pair: -pair[1])]


def _orders(explained: Sequence[int], n_items: int, random_orders: int, random_state: int) -> np.ndarray:
    """The explanation's order first, then random orders of as many items drawn from all items."""
    if random_orders < 1:
        raise ValueError("random_orders must be at least 1")
    rng = np.random.default_rng(random_state)
    k = len(explained)
    rows = [np.asarray(explained, dtype=np.intp)]
    rows += [rng.permutation(n_items)[:k] for _ in range(random_orders)]
    return np.stack(rows)


def typical_values(frame: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]) -> dict[str, object]:
    """A typical value per column: the median of a number, the most frequent category.

    Missing values are ignored (a column with nothing else gives NaN / None);
    ties between categories go to the first in text order.
    """
    out: dict[str, object] = {}
    for col in numeric:
        values = pd.to_numeric(frame[col], errors="coerce").dropna()
        out[col] = float(values.median()) if len(values) else math.nan
    for col in categorical:
        counts = frame[col].dropna().value_counts(sort=False)
        if not len(counts):
            out[col] = None
            continue
        top = counts.max()
        out[col] = sorted((v for v, c in counts.items() if c == top), key=str)[0]
    return out


def _rows_frame(
    columns: Sequence[str], row: Mapping[str, object], baseline: Mapping[str, object], masks: np.ndarray
) -> pd.DataFrame:
    """One frame row per mask: the baseline's value where the mask is True, else the row's."""
    data = {}
    for j, col in enumerate(columns):
        values = np.empty(len(masks), dtype=object)
        values[:] = [row[col]]
        values[masks[:, j]] = baseline[col]
        data[col] = values
    return pd.DataFrame(data, columns=list(columns)).infer_objects()


def _unique_masks(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct masks and, per original mask, its index among them (the model is asked once per mask)."""
    unique, inverse = np.unique(masks, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)


def deletion_insertion_tabular(
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    label: int,
    order: Sequence[str],
    baseline: Mapping[str, object],
    random_orders: int = 20,
    random_state: int = 0,
    columns: Sequence[str] | None = None,
    amount_spread: float | None = None,
) -> CurvePair:
    """Deletion and insertion curves of a table row, with ONE batched predict call.

    Deletion replaces the features of ``order`` (the explanation's, largest
    first) one by one by their ``baseline`` (:func:`typical_values`) and
    records p(label) after each step; insertion starts from all typical
    values and puts the row's values back in the same order. Random orders
    draw as many features from all ``columns`` (default: the row's).
    For a model that predicts an amount (``limelight.amounts``: its one output, label 0),
    ``amount_spread`` is the spread of its amounts (5th to 95th percentile): the curves are in
    the amount's unit and a difference of areas counts from 2% of that spread.
    """
    columns = list(columns if columns is not None else (row.index if isinstance(row, pd.Series) else row))
    missing = [c for c in columns if c not in baseline]
    if missing:
        raise ValueError(f"the baseline lacks columns: {missing}")
    unknown = [c for c in order if c not in columns]
    if unknown or len(set(order)) != len(order) or not order:
        raise ValueError("order must list distinct columns of the row (at least one)")
    position = {c: j for j, c in enumerate(columns)}
    orders = _orders([position[c] for c in order], len(columns), random_orders, random_state)
    deletion, insertion = _order_masks(orders, len(columns))
    all_masks = np.concatenate([deletion, insertion]).reshape(-1, len(columns))
    unique, inverse = _unique_masks(all_masks)
    p = label_probabilities(predict_proba, _rows_frame(columns, row, baseline, unique), int(label))[inverse]
    p = p.reshape(2, len(orders), len(order) + 1)
    return CurvePair(
        deletion=_curves("deletion", label, order, p[0], "features", float(p[0, 0, 0]), amount_spread),
        insertion=_curves("insertion", label, order, p[1], "features", float(p[0, 0, 0]), amount_spread),
    )


def deletion_insertion_image(
    image: np.ndarray,
    segments: np.ndarray,
    predict_proba: ImageProba,
    *,
    label: int,
    order: Sequence[int],
    fill: np.ndarray,
    random_orders: int = 10,
    random_state: int = 0,
    batch_size: int = 256,
) -> CurvePair:
    """Deletion and insertion curves over superpixels (removed = replaced by ``fill``).

    ``segments`` is a label map ``0..k-1`` of the image's size; ``order``
    the superpixels in the explanation's order. The model sees uint8 batches
    of at most ``batch_size`` distinct images (``ceil(distinct / batch_size)``
    calls), so memory follows the batch size.
    """
    image = np.asarray(image)
    segments = np.asarray(segments)
    if image.ndim != 3 or segments.shape != image.shape[:2] or fill.shape != image.shape:
        raise ValueError("image and fill must be H x W x C and segments H x W")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    k = int(segments.max()) + 1
    order = [int(s) for s in order]
    if not order or len(set(order)) != len(order) or not all(0 <= s < k for s in order):
        raise ValueError("order must list distinct segment numbers (at least one)")
    orders = _orders(order, k, random_orders, random_state)
    deletion, insertion = _order_masks(orders, k)
    unique, inverse = _unique_masks(np.concatenate([deletion, insertion]).reshape(-1, k))
    p = np.empty(len(unique))
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        hidden = chunk[:, segments]  # (m, H, W): True where the fill shows
        batch = np.where(hidden[..., None], fill[None], image[None]).astype(image.dtype, copy=False)
        proba = np.asarray(predict_proba(batch), dtype=np.float64)
        if proba.ndim != 2 or proba.shape[0] != len(chunk) or not 0 <= label < proba.shape[1]:
            raise ValueError(f"predict_proba returned shape {proba.shape} for {len(chunk)} images")
        p[start : start + len(chunk)] = proba[:, label]
    p = p[inverse].reshape(2, len(orders), len(order) + 1)
    return CurvePair(
        deletion=_curves("deletion", label, order, p[0], "regions", float(p[0, 0, 0])),
        insertion=_curves("insertion", label, order, p[1], "regions", float(p[0, 0, 0])),
    )
