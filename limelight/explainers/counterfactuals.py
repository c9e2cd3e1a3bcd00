"""“What would change it”: counterfactual explanations for a table row (no Django).

For one row and a class wanted (by default the likeliest other one), up to ``count`` small,
different sets of changed values that make the model say that class: “if glucose were 118
instead of 148, the model would say No (p = 0.71)”. Each is found by
:mod:`.counterfactual_search` and checked by calling the model on the changed row; none that
misses the class wanted is ever returned. The person's limits are kept: columns that cannot
change are never touched, numbers stay within the range asked (else the data's own), whole
numbers stay whole, categories change only to values seen in the data.

Each counterfactual reports its **validity** (checked: the class wanted, with its probability),
**sparsity** (columns changed), **proximity** (the distance in spreads, :mod:`.counterfactual_space`)
and **plausibility** (the distance to the nearest real row of the class wanted, beside how far
real rows of that class usually are from each other). When none is found the result says so and
names what blocks it (a column marked “cannot change”, a range), found by searching again
without that limit. :func:`stability` repeats the search with other seeds; :func:`lime_agreement`
compares the columns changed with LIME's top reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from limelight.errors import InputError
from limelight.values import is_missing, json_value, value_text

from .counterfactual_search import Found, Goal, PredictProba, Search, diverse
from .counterfactual_space import Space, bounded

__all__ = [
    "Change",
    "STABILITY_REPEATS",
    "Counterfactual",
    "CounterfactualExplanation",
    "Goal",
    "TabularCounterfactuals",
    "lime_agreement",
]

STABILITY_REPEATS = 2  # other seeds the search is repeated with


@dataclass(frozen=True)
class Change:
    feature: str
    before: Any  # as JSON: numbers stay numbers, missing is None
    after: Any
    before_text: str  # as the file writes it
    after_text: str
    spreads: float | None  # how far a number moved, in the column's spreads (None: a category)


@dataclass(frozen=True)
class Counterfactual:
    changes: tuple[Change, ...]
    values: dict[str, Any]  # the whole changed row, as JSON (to open it in the what-if page)
    label: int | None  # the class reached (None: an amount)
    probability: float | None  # the model's probability of ``label`` for the changed row, checked
    value: float | None  # a model of amounts: its amount for the changed row, checked
    distance: float  # proximity: the sum of the changes, in spreads (a category counts 1)
    nearest_real: float | None  # plausibility: distance to the nearest real row of ``label``

    @property
    def features(self) -> list[str]:
        return [change.feature for change in self.changes]


@dataclass(frozen=True)
class CounterfactualExplanation:
    desired: int | None  # the class to reach (None: an amount above or below a value)
    found: bool
    counterfactuals: tuple[Counterfactual, ...]
    message: str  # why none was found (and what blocks it), or that fewer than asked differ
    blocking: tuple[str, ...]  # the columns whose limits block every way found without them
    fixed: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]  # the number ranges the search kept to (asked or the data's)
    count: int
    tried: int  # changed rows the model was asked about
    calls: int
    typical_gap: float | None  # how far a real row of the class wanted usually is from its nearest neighbour
    usual_gap_high: float | None  # … and the 90th percentile of that
    stability: dict[str, Any] | None = None
    lime: dict[str, Any] | None = None

    @property
    def changed_columns(self) -> list[str]:
        return sorted({name for cf in self.counterfactuals for name in cf.features})

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["counterfactuals"] = [
            {
                **asdict(cf),
                "changes": [asdict(change) for change in cf.changes],
                "features_changed": len(cf.changes),
                "plausible": _plausible(cf.nearest_real, self.usual_gap_high),
            }
            for cf in self.counterfactuals
        ]
        document["ranges"] = {name: list(limits) for name, limits in self.ranges.items()}
        document["changed_columns"] = self.changed_columns
        return document


def _plausible(nearest: float | None, usual_high: float | None) -> bool | None:
    """As near to real rows of the class as they are to each other (within their 90th percentile)."""
    if nearest is None or usual_high is None:
        return None
    return nearest <= usual_high


class TabularCounterfactuals:
    """The search's room for one model (:class:`Space`); build once per model with :meth:`fit`."""

    def __init__(self, space: Space) -> None:
        self.space = space

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        labels: Sequence[int] | np.ndarray | None = None,
        random_state: int = 0,
    ) -> TabularCounterfactuals:
        """``frame``: the training rows over the model's columns; ``labels``: their classes (for plausibility)."""
        return cls(Space.fit(frame, numeric=numeric, categorical=categorical, labels=labels, random_state=random_state))

    def explain(
        self,
        row: pd.Series,
        predict_proba: PredictProba,
        *,
        desired: int | None = None,
        class_name: str = "",
        goal: Goal | None = None,
        fixed: Sequence[str] = (),
        ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
        count: int = 3,
        splits: Mapping[str, Sequence[float]] | None = None,
        random_state: int = 0,
        repeats: int = 0,
        real_rows: pd.DataFrame | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> CounterfactualExplanation:
        """Up to ``count`` verified counterfactuals for ``row`` reaching class ``desired`` (named ``class_name``),
        or the ``goal`` given (an amount above or below a value: :class:`Goal`).

        ``fixed``: columns never changed; ``ranges``: a number column's (low, high), either end
        None for the data's own; ``splits``: where the model's trees split (:func:`split_points`);
        ``repeats``: the search repeated with that many other seeds for :attr:`stability`;
        ``real_rows``: real rows that reach the goal (an amount's: the rows whose true amount does),
        which guide the search and judge plausibility (default: the training rows of class ``desired``).
        """
        space = self.space
        goal = goal or Goal(words=f"make the model say “{class_name}”", label=desired)
        if real_rows is not None:
            real = space.real_rows(space.coded(real_rows[space.columns]), random_state=random_state)
            gaps = space.gaps(real, random_state=random_state)
        else:
            real, gaps = space.reference.get(goal.label), space.typical_gaps.get(goal.label)
        unknown = sorted(set(fixed) - set(space.columns))
        if unknown:
            raise InputError(f"The model has no column “{unknown[0]}” to keep as it is.")
        ranges = dict(ranges or {})
        for name, (low, high) in ranges.items():
            if name not in space.numbers:
                raise InputError(f"A range can be set for a number column; “{name}” is not one.")
            if low is not None and high is not None and low > high:
                raise InputError(f"The range for “{name}” starts above where it ends.")
        case = {name: row[name] for name in space.columns}
        limits = bounded(space, ranges)
        mutable = [name for name in space.columns if name not in set(fixed)]
        splits = dict(splits or {})

        def run(columns: Sequence[str], limits: Mapping[str, tuple[float, float]], seed: int, progress=None):
            return Search(
                space, case, predict_proba, goal=goal, mutable=columns, limits=limits, splits=splits,
                random_state=seed, real=real,
            ).run(progress)  # fmt: skip

        if mutable:
            first = run(mutable, limits, random_state, on_progress)
            case_reaches = first.case_reaches
        else:
            first = None
            own = Search(space, case, predict_proba, goal=goal, mutable=(), limits=limits, splits={}, random_state=0)
            case_reaches = bool(own.ask([{}])[0][0])
        if case_reaches:
            if goal.label is None:
                raise InputError(
                    f"The prediction for this case is already {'above' if goal.above else 'below'} that value: "
                    "choose a value it does not reach yet."
                )
            raise InputError(f"The model already says “{class_name}” for this case: choose another outcome to reach.")
        found = diverse(first.found, count, list(space.numbers)) if first else []
        tried, calls = (first.tried, first.calls) if first else (0, 0)
        counterfactuals = tuple(self._counterfactual(case, f, goal.label, real) for f in found)
        blocking: tuple[str, ...] = ()
        if counterfactuals:
            message = "" if len(counterfactuals) >= count else _fewer(len(counterfactuals), count)
        else:
            blocking, message, extra = self._why_none(case, run, mutable, fixed, ranges, limits, goal.words)
            tried += extra
        explanation = CounterfactualExplanation(
            desired=desired,
            found=bool(counterfactuals),
            counterfactuals=counterfactuals,
            message=message,
            blocking=blocking,
            fixed=tuple(name for name in space.columns if name in set(fixed)),
            ranges={name: limits[name] for name in ranges},
            count=count,
            tried=tried,
            calls=calls,
            typical_gap=None if gaps is None else gaps[0],
            usual_gap_high=None if gaps is None else gaps[1],
        )
        if repeats and counterfactuals:
            again = [
                diverse(run(mutable, limits, random_state + 1 + i).found, count, list(space.numbers))
                for i in range(repeats)
            ]
            explanation = _with(explanation, stability=stability(counterfactuals, again))
        return explanation

    def _counterfactual(
        self, case: Mapping[str, Any], found: Found, desired: int | None, real: np.ndarray | None
    ) -> Counterfactual:
        space = self.space
        changes = []
        for name in space.columns:
            if name not in found.changes:
                continue
            before, after = case[name], found.changes[name]
            spreads = None
            if name in space.numbers and not is_missing(before) and not is_missing(after):
                spreads = abs(float(after) - float(before)) / space.numbers[name].spread
            changes.append(
                Change(
                    name,
                    json_value(_plain(before)),
                    json_value(_plain(after)),
                    value_text(before),
                    value_text(after),
                    spreads,
                )  # fmt: skip
            )
        values = {name: json_value(_plain(found.changes.get(name, case[name]))) for name in space.columns}
        nearest = None
        if real is not None and len(real):
            coded = space.coded(pd.DataFrame([{**case, **found.changes}], columns=space.columns))
            nearest = float(space.distances(coded, real).min())
        probability, value = (found.output, None) if desired is not None else (None, found.output)
        return Counterfactual(tuple(changes), values, desired, probability, value, found.distance, nearest)

    def _why_none(self, case, run, mutable, fixed, ranges, limits, wanted) -> tuple[tuple[str, ...], str, int]:
        """What blocks every counterfactual: search again without the person's limits, one kind at a time."""
        space = self.space
        if not mutable:
            return tuple(fixed), f"Every column is marked “cannot change”, so nothing can {wanted}.", 0
        data_limits = bounded(space, {})
        tried = 0
        attempts = []
        if fixed:
            attempts.append(("fixed", space.columns, limits))
        if ranges:
            attempts.append(("ranges", mutable, data_limits))
        if fixed and ranges:
            attempts.append(("both", space.columns, data_limits))
        for what, columns, bounds in attempts:
            outcome = run(columns, bounds, 0)
            tried += outcome.tried
            if not outcome.found:
                continue
            used = {name for f in outcome.found for name in f.changes}
            if what == "fixed":
                names = [name for name in fixed if name in used] or list(fixed)
                return (
                    tuple(names),
                    (
                        f"No change to the columns you allowed can {wanted}: every way found moves "
                        f"{_names(names)}, which you marked as “cannot change”."
                    ),
                    tried,
                )
            if what == "ranges":
                names = [name for name in ranges if name in used] or list(ranges)
                return (
                    tuple(names),
                    (
                        f"No change within the ranges you set can {wanted}: every way found takes "
                        f"{_names(names)} outside {'its range' if len(names) == 1 else 'their ranges'}."
                    ),
                    tried,
                )
            names = [name for name in [*fixed, *ranges] if name in used] or [*fixed, *ranges]
            return (
                tuple(names),
                (
                    f"No change within your limits can {wanted}: every way found needs {_names(names)}, "
                    "which you marked as “cannot change” or kept to a range."
                ),
                tried,
            )
        return (
            (),
            (
                f"No change of the values seen in the data was found that would {wanted}: near this case the "
                "model may give that answer for no values at all. The search is not proof that none exists."
            ),
            tried,
        )


def _with(explanation: CounterfactualExplanation, **changes: Any) -> CounterfactualExplanation:
    return replace(explanation, **changes)


def _fewer(found: int, count: int) -> str:
    ways = "1 way was" if found == 1 else f"{found} ways were"
    return (
        f"Only {ways} found of the {count} asked for: any other change that works moves the same "
        "columns by other amounts."
    )


def _names(names: Sequence[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def stability(main: Sequence[Counterfactual], repeats: Sequence[Sequence[Found]]) -> dict[str, Any]:
    """Do the same columns change when the search is repeated with other seeds?

    ``agreement``: the mean Jaccard overlap between the columns changed in this result and in each
    repeat (1: the same columns every time); ``differing``: columns changed in some runs only.
    """
    columns = {name for cf in main for name in cf.features}
    agreements, differing = [], set()
    for found in repeats:
        other = {name for f in found for name in f.changes}
        union = columns | other
        agreements.append(len(columns & other) / len(union) if union else 1.0)
        differing |= columns ^ other
    return {
        "repeats": len(repeats),
        "agreement": float(np.mean(agreements)) if agreements else 1.0,
        "same_in": sum(a == 1.0 for a in agreements),
        "differing": sorted(differing),
    }


def lime_agreement(changed: Sequence[str], weights: Sequence[tuple[str, float]], top: int = 3) -> dict[str, Any]:
    """Are the columns a counterfactual changes among LIME's ``top`` reasons (by |weight|)?

    Not agreeing is not an error: LIME weighs what matters near the case, a counterfactual what
    is enough to cross the line, and a column can matter little here yet be the nearest way over.
    """
    ranked: list[str] = []
    for feature, _ in sorted(weights, key=lambda item: -abs(item[1])):
        if feature not in ranked:
            ranked.append(feature)
    top_features = ranked[:top]
    inside = [name for name in changed if name in top_features]
    return {
        "top": top_features,
        "changed_in_top": inside,
        "changed_not_in_top": [name for name in changed if name not in top_features],
        "agrees": bool(changed) and len(inside) == len(changed),
    }
