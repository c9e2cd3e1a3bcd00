"""Amounts (regression) seen through the same door as categories.

Every explainer and trust check reads a model as ``predict_proba(inputs)[:, label]``. An
amount model is stored as an :class:`AmountModel`: its ``predict_proba`` is the predicted
amount as a one-column output, and the label is always 0. LIME then fits the amount,
KernelSHAP splits it, the deletion curves follow it and Anchors asks whether it stays
in a band; no explainer has a second copy for amounts.

Also here: what an amount model is measured by (:func:`amount_metrics`), the default
band of Anchors (:func:`default_band`) and the unit a column's name carries (:func:`unit_of`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "AmountModel",
    "InBand",
    "actual_predicted",
    "amount_truths",
    "amount_metrics",
    "default_band",
    "unit_of",
]

# The most hold-out pairs kept for the predicted-against-actual chart.
MAX_CHART_PAIRS = 500
# The default band of Anchors: this share of the spread between the 5th and 95th percentiles.
BAND_SHARE = 0.1


class AmountModel:
    """A regressor (usually a scikit-learn pipeline) answering ``predict_proba`` with its amount.

    The one column is the amount, not a probability: it may be any number. ``fit`` and
    ``predict`` pass through, so the training path fits it like any pipeline.
    """

    def __init__(self, regressor: Any) -> None:
        self.regressor = regressor

    def fit(self, X: Any, y: Any) -> AmountModel:
        self.regressor.fit(X, np.asarray(y, dtype=float))
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.regressor.predict(X), dtype=float).reshape(-1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The predicted amount as a one-column array (label 0), for the explainers."""
        return self.predict(X).reshape(-1, 1)


class InBand:
    """Whether a model's amount falls within ``[low, high]``: a yes/no model for Anchors.

    Column 1 is "in the band", column 0 "outside", so the explained case (inside its own
    band) has label 1 and a rule's precision is the share of its rows predicted inside.
    """

    def __init__(self, predict_proba: Any, low: float, high: float) -> None:
        self.predict_proba_amount = predict_proba
        self.low, self.high = float(low), float(high)

    def predict_proba(self, X: Any) -> np.ndarray:
        amounts = np.asarray(self.predict_proba_amount(X), dtype=float)[:, 0]
        inside = ((amounts >= self.low) & (amounts <= self.high)).astype(float)
        return np.column_stack([1.0 - inside, inside])


def amount_truths(values: Any) -> np.ndarray:
    """A column's amounts as floats, NaN where missing, not a number or not finite: an "inf" cell is
    not an amount to learn from or to score on (it is predicted, like a missing one)."""
    truths = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, copy=True)
    truths[~np.isfinite(truths)] = np.nan
    return truths


def default_band(train_truths: np.ndarray) -> float:
    """The default half-width of Anchors' band: a tenth of the 5th-95th percentile spread.

    Percentiles rather than min and max, so one extreme row does not widen every band.
    When the spread is 0 (nearly every value the same), a tenth of the full range instead.
    """
    values = np.asarray(train_truths, dtype=float)
    values = values[np.isfinite(values)]
    low, high = np.percentile(values, [5, 95])
    spread = float(high - low) or float(values.max() - values.min())
    return BAND_SHARE * spread


def amount_metrics(
    train_truths: np.ndarray, test_truths: np.ndarray, test_predictions: np.ndarray, *, random_state: int = 0
) -> dict[str, Any]:
    """Held-out scores of an amount model, JSON-ready.

    ``mae`` (mean absolute error, in the target's unit), ``r2`` (1 - squared error over the
    squared error of predicting the hold-out's own mean), ``baseline_mae`` (the mean absolute
    error of always predicting the training mean: what a model must beat),
    ``default_band`` and ``actual_predicted`` (at most :data:`MAX_CHART_PAIRS` hold-out pairs,
    a seeded sample, for the chart).
    """
    truths = np.asarray(test_truths, dtype=float)
    predictions = np.asarray(test_predictions, dtype=float)
    errors = truths - predictions
    spread = float(np.sum((truths - truths.mean()) ** 2))
    mean = float(np.mean(train_truths))
    return {
        "mae": float(np.mean(np.abs(errors))),
        "r2": 1.0 - float(np.sum(errors**2)) / spread if spread > 0 else 0.0,
        "baseline_mae": float(np.mean(np.abs(truths - mean))),
        "baseline_value": mean,
        "default_band": default_band(train_truths),
        "actual_predicted": actual_predicted(truths, predictions, random_state=random_state),
    }


def actual_predicted(truths: np.ndarray, predictions: np.ndarray, *, random_state: int = 0) -> list[list[float]]:
    """Hold-out pairs [actual, predicted], all of them or a seeded sample of :data:`MAX_CHART_PAIRS`."""
    positions = np.arange(len(truths))
    if len(positions) > MAX_CHART_PAIRS:
        positions = np.sort(np.random.default_rng(random_state).choice(positions, MAX_CHART_PAIRS, replace=False))
    return [[float(truths[i]), float(predictions[i])] for i in positions]


# Units people write at the end of a column's name, as whole words: body_mass_g, price_usd, length (cm).
_UNITS = {
    "g": "g", "kg": "kg", "mg": "mg", "lb": "lb", "lbs": "lb", "oz": "oz",
    "mm": "mm", "cm": "cm", "m": "m", "km": "km", "inches": "in", "ft": "ft", "mi": "mi",
    "s": "s", "ms": "ms", "sec": "s", "secs": "s", "seconds": "s", "min": "min", "mins": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hours": "h", "days": "days", "weeks": "weeks", "months": "months",
    "years": "years", "yrs": "years",
    "usd": "USD", "eur": "EUR", "gbp": "GBP", "dollars": "$", "euros": "€", "pct": "%", "percent": "%",
    "ml": "ml", "l": "l", "kwh": "kWh", "kw": "kW", "degc": "°C", "celsius": "°C", "fahrenheit": "°F",
    "mph": "mph", "kmh": "km/h", "bpm": "bpm", "mmhg": "mmHg", "cal": "cal", "kcal": "kcal",
}  # fmt: skip
_BRACKETED = re.compile(r"[(\[]\s*([^()\[\]]{1,12}?)\s*[)\]]\s*$")
_LAST_WORD = re.compile(r"[_\s.-]([A-Za-z]+)$")


def unit_of(target: str) -> str:
    """The unit a column's name carries ("body_mass_g" -> "g", "price (€)" -> "€"); "" when unsure.

    Only a unit in brackets at the end, or a known unit as the name's last word after
    another word: a column called "m" or "days" alone says nothing for sure.
    """
    bracketed = _BRACKETED.search(target)
    if bracketed:
        inside = bracketed.group(1)
        # A known unit, or a symbol ("€", "m²", "°C"); a plain word in brackets ("log", "est.") is not one.
        return _UNITS.get(inside.lower(), inside if not inside.replace(".", "").isalpha() else "")
    word = _LAST_WORD.search(target)
    if word:
        return _UNITS.get(word.group(1).lower(), "")
    return ""
