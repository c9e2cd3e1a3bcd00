"""One object for the settings of an explanation request, checked once.

The form, the command line and "explain the same case again" all build an
:class:`ExplanationSettings`; :meth:`ExplanationSettings.checked` is the only
place a setting's range is enforced, and :data:`BOUNDS` is where the form and
the CLI read those ranges. Copies keep every setting (kernel width, segmenter,
hide colour, …), not the few someone remembered to pass on.

Django-free: it raises :class:`limelight.errors.InputError` with a sentence for
the person, and knows nothing of models or rows (those are checked by the
service, which knows the model).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from limelight.errors import InputError
from limelight.explainers.choices import DISCRETIZERS, HIDE_COLORS, SEGMENTERS
from limelight.training_settings import SEED_RANGE

EXPLAINERS: tuple[str, ...] = ("lime", "anchor", "shap", "counterfactual")
AMOUNT_GOALS: tuple[str, ...] = ("", "above", "below")  # "": not a model of amounts, or the default (above)

# name -> (lowest, highest) accepted value, inclusive.
BOUNDS: dict[str, tuple[float, float]] = {
    "num_samples": (100, 50_000),
    "num_features": (1, 30),
    "kernel_width": (0.01, 100.0),
    "threshold": (0.8, 0.99),
    "max_anchor_size": (1, 30),
    "top_segments": (1, 20),
    "random_state": SEED_RANGE,
    "counterfactual_count": (1, 10),
}
# The segmenters' own knobs, each with its range.
SEGMENT_KNOBS: dict[str, dict[str, tuple[float, float]]] = {
    "quickshift": {"kernel_size": (1, 20), "max_dist": (1, 1000)},
    "slic": {"n_segments": (2, 500), "compactness": (0.01, 100)},
    "felzenszwalb": {"scale": (1, 5000), "min_size": (1, 5000)},
}
# How a setting is said to a person in an error message.
_WORDS = {
    "num_samples": "The number of similar cases",
    "num_features": "The number of reasons",
    "kernel_width": "The neighbourhood width",
    "threshold": "The rule's precision threshold",
    "max_anchor_size": "The number of conditions in a rule",
    "top_segments": "The number of regions to highlight",
    "random_state": "The random seed",
    "counterfactual_count": "The number of ways to find",
}


@dataclass(frozen=True)
class ExplanationSettings:
    """Everything an explanation request can set besides the model and the case."""

    explainer: str = "lime"
    requested_label: int | None = None  # None: the predicted class
    num_samples: int = 5000
    num_features: int = 10
    kernel_width: float | None = None  # None: LIME's default
    discretizer: str = "quartile"
    threshold: float = 0.95
    max_anchor_size: int | None = None  # None: as many conditions as needed
    segmenter: str = "quickshift"
    segment_params: dict[str, float] = field(default_factory=dict)
    top_segments: int = 5
    hide_color: str = "grey"
    diagnostics: bool = True
    auto_samples: bool = False
    random_state: int = 0
    # Anchors for an amount: the ± half-width of the band the prediction must stay in (None: the model's default).
    band_width: float | None = None
    # What would change it (counterfactuals): the class to reach (None: the likeliest other one),
    # the columns that cannot change, a number column's (lowest, highest) (None: the data's), how many ways.
    desired_label: int | None = None
    fixed_columns: tuple[str, ...] = ()
    value_ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    counterfactual_count: int = 3
    # … for a model of amounts: bring the prediction "above" or "below" amount_target (None: the
    # prediction plus or minus the model's usual band).
    amount_goal: str = ""
    amount_target: float | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def of(cls, source: Any) -> ExplanationSettings:
        """The settings stored on an earlier request (any object with these attributes), whole."""
        values = {name: getattr(source, name) for name in cls.names()}
        values["segment_params"] = dict(values["segment_params"] or {})
        values["fixed_columns"] = tuple(values["fixed_columns"] or ())
        values["value_ranges"] = {name: tuple(pair) for name, pair in (values["value_ranges"] or {}).items()}
        return cls(**values)

    def replace(self, **changes: Any) -> ExplanationSettings:
        return dataclasses.replace(self, **changes)

    def as_fields(self) -> dict[str, Any]:
        """The settings as the explanation row's fields."""
        fields = {name: getattr(self, name) for name in self.names()}
        fields["fixed_columns"] = list(self.fixed_columns)
        fields["value_ranges"] = {name: list(pair) for name, pair in self.value_ranges.items()}
        return fields

    def checked(self) -> ExplanationSettings:
        """These settings if every one is in range, else :class:`InputError` naming the first that is not."""
        _choice(self.explainer, EXPLAINERS, "Unknown explainer")
        _choice(self.discretizer, DISCRETIZERS, "Unknown way of splitting numbers")
        _choice(self.segmenter, SEGMENTERS, "Unknown way of cutting an image into regions")
        _choice(self.hide_color, HIDE_COLORS, "Unknown way of hiding a region")
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if value is None and name in ("kernel_width", "max_anchor_size"):
                continue
            _in_range(value, low, high, _WORDS[name], whole=name != "kernel_width" and name != "threshold")
        if self.requested_label is not None and (isinstance(self.requested_label, bool) or self.requested_label < 0):
            raise InputError("Choose one of the model's classes to explain.")
        if self.band_width is not None:
            _in_range(self.band_width, -math.inf, math.inf, "The band around the prediction", whole=False)
            if self.band_width <= 0:
                raise InputError("The band around the prediction must be over 0; leave it empty for the usual one.")
        knobs = SEGMENT_KNOBS[self.segmenter]
        for name, value in self.segment_params.items():
            if name not in knobs:
                raise InputError(f"The {self.segmenter} way of cutting regions has no setting “{name}”.")
            _in_range(value, *knobs[name], f"The region setting “{name}”", whole=name in ("n_segments", "min_size"))
        self._check_counterfactual_limits()
        return self

    def _check_counterfactual_limits(self) -> None:
        _choice(self.amount_goal, AMOUNT_GOALS, "Unknown way to move an amount")
        if self.amount_target is not None:
            _in_range(self.amount_target, -math.inf, math.inf, "The value to reach", whole=False)
        if self.desired_label is not None and (
            isinstance(self.desired_label, bool) or not isinstance(self.desired_label, int) or self.desired_label < 0
        ):
            raise InputError("Choose one of the model's classes as the answer to reach.")
        if not all(isinstance(name, str) for name in self.fixed_columns):
            raise InputError("Name the columns that cannot change by their names.")
        for name, pair in self.value_ranges.items():
            if len(pair) != 2:
                raise InputError(f"The range for “{name}” needs a lowest and a highest value.")
            for end in pair:
                if end is not None:
                    _in_range(end, -math.inf, math.inf, f"The range for “{name}”", whole=False)
            low, high = pair
            if low is not None and high is not None and low > high:
                raise InputError(f"The range for “{name}” starts above where it ends ({low:g} > {high:g}).")


_RANGE = re.compile(r"^(?P<name>.+?)\s*:?\s+(?P<low>-?[\d.]+)?\s*to\s*(?P<high>-?[\d.]+)?$")


def ranges_from_text(text: str) -> dict[str, tuple[float | None, float | None]]:
    """“age 18 to 65; bmi 18.5 to” (one range a line or after a semicolon; an end left out: the data's own)
    as ``{"age": (18.0, 65.0), "bmi": (18.5, None)}``; :class:`InputError` names a piece it cannot read."""
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for piece in re.split(r"[;\n]", text or ""):
        piece = piece.strip()
        if not piece:
            continue
        match = _RANGE.match(piece)
        try:
            low, high = (None if match[end] is None else float(match[end]) for end in ("low", "high")) if match else ()
        except ValueError:
            match = None
        if match is None or (low is None and high is None):
            raise InputError(f"Write a range as “column 18 to 65” (either end may be left out), not “{piece}”.")
        ranges[match["name"].strip()] = (low, high)
    return ranges


def _choice(value: str, allowed: tuple[str, ...], words: str) -> None:
    if value not in allowed:
        raise InputError(f"{words} “{value}”: choose one of {', '.join(allowed)}.")


def _in_range(value: Any, low: float, high: float, words: str, *, whole: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{words} must be a number.")
    if whole and int(value) != value:
        raise InputError(f"{words} must be a whole number.")
    if not low <= value <= high:
        shown = (f"{low:g}", f"{high:g}") if not whole else (f"{int(low):,}", f"{int(high):,}")
        raise InputError(f"{words} must be between {shown[0]} and {shown[1]}.")
