"""The search for small changes that make a model give another answer (no Django).

Sparsity first, then proximity, every step checked by the model, in a few large batches:

All of 1-3 go to the model in one batch; 4 takes a batch a round.

1. **One column at a time**: every value of each column that may change (the grid of
   :mod:`.counterfactual_space`, with both sides of each tree split), in one batch. On a tree
   this is exact: the smallest change of one column that crosses a split is among them.
2. **Several columns at once**, at random: two to five columns, each set to a value of its grid
   or to a real row's value of the class wanted (a random search over growing sets of columns,
   like DiCE's random method, but guided by real rows).
3. **The nearest real rows of the class wanted**, every column that
   may change taken from them (a growing sphere around the case that ends on real cases).
4. **Shrinking** each success: drop every change the answer does not need (sparsity), then pull
   each number back toward its value in the case (a tenth to nine tenths of the way, at the
   column's precision), a few rounds while the answer holds (proximity).

A change counts only where it reaches the :class:`Goal`: the model's probability of the class
wanted above every other class's, or (a model of amounts) its amount above or below a value;
every row returned was given to the model exactly as it is returned (its answer is
its check).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from limelight.values import is_missing

from .counterfactual_space import Space, either_side

PredictProba = Callable[[pd.DataFrame], np.ndarray]
Changes = dict[str, Any]  # column -> its new value

RANDOM_PER_COLUMN = 50  # random candidates per column that may change (stage 2)
MOST_RANDOM = 800
NEAREST_SPLITS = 16  # a forest splits a column in hundreds of places: the nearest on each side of the case
NEAREST_REAL = 50  # real rows of the class wanted tried in stage 3
SHRINK_KEPT = 12  # successes shrunk in stage 4
SHRINK_ROUNDS = 3
PULL_BACK = np.linspace(0.1, 0.9, 9)  # how far toward the case's own value a number is pulled each round


@dataclass(frozen=True)
class Goal:
    """What a change must reach: class ``label``, or (``label`` None) an amount above or below ``threshold``.

    ``words`` say it for a sentence (“make the model say “yes””, “bring the predicted price above
    300 g”); ``label`` also picks the real rows that guide the search and judge plausibility."""

    words: str
    label: int | None = None
    threshold: float | None = None
    above: bool = True

    def reached(self, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(reaches it, the output it is judged by: the class's probability or the amount) per row."""
        if self.label is None:
            amount = outputs[:, 0]
            return (amount > self.threshold) if self.above else (amount < self.threshold), amount
        wanted = outputs[:, self.label]
        others = np.delete(outputs, self.label, axis=1)
        best_other = others.max(axis=1) if others.shape[1] else np.zeros(len(wanted))
        reached = wanted > best_other
        return reached, wanted


@dataclass(frozen=True)
class Found:
    changes: Changes
    output: float  # the probability of the class wanted, or the amount
    distance: float


@dataclass(frozen=True)
class SearchOutcome:
    found: tuple[Found, ...]  # shrunk, each checked by the model, best first (fewest changes, then nearest)
    tried: int  # rows the model was asked about
    calls: int  # batches
    case_reaches: bool = False  # the case itself already gets the class wanted


class Search:
    """One search around one case; :meth:`run` does the stages above."""

    def __init__(
        self,
        space: Space,
        case: Mapping[str, Any],
        predict_proba: PredictProba,
        *,
        goal: Goal,
        mutable: Sequence[str],
        limits: Mapping[str, tuple[float, float]],
        splits: Mapping[str, Sequence[float]],
        random_state: int,
        real: np.ndarray | None = None,
    ) -> None:
        self.space = space
        # Real rows (coded) that reach the goal: they guide the search; by default, the class's own.
        self.real = space.reference.get(goal.label) if real is None else real
        self.case = dict(case)
        self.predict_proba = predict_proba
        self.goal = goal
        self.mutable = [name for name in space.columns if name in set(mutable)]
        self.limits = limits
        self.rng = np.random.default_rng(random_state)
        self.tried = 0
        self.calls = 0
        self.answers: dict[frozenset, float] = {}  # each row asked that reached the goal: its output
        self.options = {name: self._options(name, splits.get(name, ())) for name in self.mutable}

    # -- what each column may become ------------------------------------------------------------
    def _options(self, name: str, splits: Sequence[float]) -> list[Any]:
        own = self.case[name]
        if name in self.space.categories:
            return [value for value in self.space.categories[name].values if is_missing(own) or value != own]
        column = self.space.numbers[name]
        low, high = self.limits[name]
        inward = column.rounded(np.array([math.ceil(low / column.step - 1e-9) * column.step,
                                          math.floor(high / column.step + 1e-9) * column.step]))  # fmt: skip
        splits = np.asarray(splits, dtype=float)
        if len(splits) and not is_missing(own):
            x = float(own)
            below, above = np.sort(splits[splits <= x])[::-1], np.sort(splits[splits > x])
            splits = np.concatenate([below[:NEAREST_SPLITS], above[:NEAREST_SPLITS]])
        values = np.unique(np.concatenate([column.grid, either_side(column, splits), inward]))
        values = values[(values >= low - 1e-9) & (values <= high + 1e-9)]
        if not is_missing(own):
            values = values[values != float(own)]
        return [float(v) for v in values]

    # -- asking the model --------------------------------------------------------------------------
    def frame(self, candidates: Sequence[Changes]) -> pd.DataFrame:
        n = len(candidates)
        data = {}
        for name in self.space.columns:
            own = self.case[name]
            if name in self.space.numbers:
                column = np.full(n, np.nan if is_missing(own) else float(pd.to_numeric(own, errors="coerce")))
            else:
                column = np.empty(n, dtype=object)
                column[:] = [own] * n
            data[name] = column
        for i, changes in enumerate(candidates):
            for name, value in changes.items():
                data[name][i] = value
        frame = pd.DataFrame(data, columns=self.space.columns)
        for name, column in self.space.categories.items():
            if column.coded_as_numbers:
                frame[name] = pd.to_numeric(frame[name], errors="coerce")  # a category coded 0/1 stays a number
        return frame

    def ask(self, candidates: Sequence[Changes]) -> tuple[np.ndarray, np.ndarray]:
        """(reaches the goal, the output it is judged by) for each candidate."""
        if not candidates:
            return np.zeros(0, dtype=bool), np.zeros(0)
        outputs = np.asarray(self.predict_proba(self.frame(candidates)), dtype=float)
        self.tried += len(candidates)
        self.calls += 1
        reached, wanted = self.goal.reached(outputs)
        for i in np.flatnonzero(reached):  # only the rows that reach it can be returned
            self.answers[_key(candidates[i])] = float(wanted[i])
        return reached, wanted

    def distance(self, changes: Changes) -> float:
        total = 0.0
        for name, value in changes.items():
            own = self.case[name]
            if name in self.space.numbers:
                if _blank(own) or _blank(value):
                    total += 1.0
                else:
                    total += abs(float(value) - float(own)) / self.space.numbers[name].spread
            else:
                total += 1.0
        return total

    def cost(self, changes: Changes) -> tuple[int, float]:
        return len(changes), self.distance(changes)

    # -- the stages --------------------------------------------------------------------------------
    def run(self, on_progress: Callable[[int, int], None] | None = None) -> SearchOutcome:
        report = on_progress or (lambda done, total: None)
        report(0, 2)
        # The first three stages (and the case itself) in one batch: a call costs the model far more
        # than a row (a 100-tree forest: 0.10 s for 1 row, 0.17 s for 1,000), so rows are cheap, calls are not.
        singles = [{name: value} for name in self.mutable for value in self.options[name]]
        candidates = [{}, *singles, *self._random(), *self._nearest_real()]
        reached, _ = self.ask(candidates)
        if reached[0]:
            return SearchOutcome(found=(), tried=self.tried, calls=self.calls, case_reaches=True)
        successes = [c for c, ok in zip(candidates, reached, strict=True) if ok]
        report(1, 2)
        shrunk = self.shrink(successes)
        report(2, 2)
        return SearchOutcome(found=tuple(shrunk), tried=self.tried, calls=self.calls)

    def _random(self) -> list[Changes]:
        """Two to five columns at once (fewer more often), each set to a real row's value of the class
        wanted (half the time, when that is a change this search may make) or to a value of its grid.
        The draws are made for all candidates at once; only the dicts are built one by one."""
        m = len(self.mutable)
        if m < 2:
            return []
        rng = self.rng
        n = min(MOST_RANDOM, RANDOM_PER_COLUMN * m)
        sizes = np.arange(2, min(5, m) + 1)
        weights = 1.0 / sizes  # fewer columns more often: sparsity pressure from the start
        k = rng.choice(sizes, size=n, p=weights / weights.sum())
        order = np.argsort(rng.random((n, m)), axis=1)  # a random order of the columns per candidate
        real = self._real_values()
        donors = rng.integers(len(real[0]), size=n) if real else None
        from_real = rng.random((n, m)) < 0.5
        picks = rng.random((n, m))
        out = []
        for i in range(n):
            changes = {}
            for j in order[i, : k[i]]:
                name = self.mutable[j]
                value = real[j][donors[i]] if real and from_real[i, j] else None
                if value is None and self.options[name]:
                    value = self.options[name][int(picks[i, j] * len(self.options[name]))]
                if value is not None:
                    changes[name] = value
            if changes:
                out.append(changes)
        return out

    def _real_values(self, rows: np.ndarray | None = None) -> list[list[Any]]:
        """Per column that may change, each real row's value of it when that is a change this search
        may make (else None); the real rows of the class wanted unless ``rows`` are given. [] when none."""
        real = self.real if rows is None else rows
        if real is None or not len(real):
            return []
        out = []
        for name in self.mutable:
            codes = real[:, self.space.columns.index(name)]
            if name in self.space.categories:
                values, allowed = self.space.categories[name].values, set(map(repr, self.options[name]))
                seen = [values[int(c)] if 0 <= c < len(values) else None for c in codes]
                out.append([v if v is not None and repr(v) in allowed else None for v in seen])
                continue
            low, high = self.limits[name]
            own = self.case[name]
            numbers = self.space.numbers[name].rounded(codes)
            ok = np.isfinite(numbers) & (numbers >= low) & (numbers <= high)
            if not is_missing(own):
                ok &= numbers != float(own)
            out.append([float(v) if good else None for v, good in zip(numbers, ok, strict=True)])
        return out

    def _nearest_real(self) -> list[Changes]:
        """The nearest real rows of the class wanted, every column that may change taken from them."""
        real = self.real
        if real is None or not len(real):
            return []
        case = self.space.coded(pd.DataFrame([self.case], columns=self.space.columns))
        nearest = real[np.argsort(self.space.distances(case, real)[0])[:NEAREST_REAL]]
        values = self._real_values(nearest)
        out = []
        for i in range(len(nearest)):
            changes = {name: values[j][i] for j, name in enumerate(self.mutable) if values[j][i] is not None}
            if changes:
                out.append(changes)
        return out

    def shrink(self, successes: list[Changes]) -> list[Found]:
        """Each success with the changes it does not need dropped and its numbers pulled back."""
        unique = {_key(c): c for c in successes}
        ranked = sorted(unique.values(), key=self.cost)
        # The best few of each set of columns, so one crowded set cannot push out the others.
        per_set: dict[frozenset, int] = {}
        current = []
        for changes in ranked:
            columns = frozenset(changes)
            if per_set.get(columns, 0) < 2:
                per_set[columns] = per_set.get(columns, 0) + 1
                current.append(changes)
            if len(current) >= SHRINK_KEPT:
                break
        for _ in range(SHRINK_ROUNDS):
            variants, owners = [], []
            for i, changes in enumerate(current):
                for variant in self._smaller(changes):
                    variants.append(variant)
                    owners.append(i)
            if not variants:
                break
            reached, _ = self.ask(variants)
            improved = False
            best = {i: self.cost(current[i]) for i in range(len(current))}
            for variant, owner, ok in zip(variants, owners, reached, strict=True):
                if ok and self.cost(variant) < best[owner]:
                    best[owner] = self.cost(variant)
                    current[owner] = variant
                    improved = True
            if not improved:
                break
        # Every row kept was given to the model exactly as it is and reached the class: its answer
        # then is its check (asking again would only repeat it, at the cost of a call).
        final = list({_key(c): c for c in current}.values())
        answers = [self.answers.get(_key(changes)) for changes in final]
        found = [
            Found(changes, output, self.distance(changes))
            for changes, output in zip(final, answers, strict=True)
            if output is not None
        ]
        return sorted(found, key=lambda f: (len(f.changes), f.distance))

    def _smaller(self, changes: Changes) -> list[Changes]:
        out = []
        names = list(changes)
        if len(names) > 1:  # fewer columns: each one dropped, each one or two kept alone
            out += [{k: v for k, v in changes.items() if k != name} for name in names]
            out += [{name: changes[name]} for name in names]
            if len(names) > 3:
                out += [{a: changes[a], b: changes[b]} for a, b in itertools.combinations(names, 2)]
        for name, value in changes.items():
            own = self.case[name]
            if name not in self.space.numbers or _blank(own) or _blank(value):
                continue
            pulled = self.space.numbers[name].rounded(value + PULL_BACK * (float(own) - value))
            for step in dict.fromkeys(pulled.tolist()):
                if step not in (value, float(own)):
                    out.append({**changes, name: step})
        return out


def _key(changes: Changes) -> frozenset:
    return frozenset(changes.items())


def _blank(value: Any) -> bool:
    """Missing, the fast way for the values a search makes (None or NaN; never pandas' NA)."""
    return value is None or value != value


def diverse(found: Sequence[Found], count: int, numbers: Sequence[str]) -> list[Found]:
    """Up to ``count`` of the found changes, each a different way to the answer.

    Best first (fewest columns, then nearest); after it, a change moving the same columns by
    other amounts is not another way and is skipped (a change of category to another value is);
    a change that adds columns to one already chosen comes after those that do not.
    """
    chosen: list[Found] = []
    left = list(found)
    while left and len(chosen) < count:

        def rank(f: Found) -> tuple:
            superset = any(set(c.changes) < set(f.changes) for c in chosen)
            return (superset, len(f.changes), f.distance)

        left.sort(key=rank)
        pick = left.pop(0)
        if any(_same_way(pick, c, set(numbers)) for c in chosen):
            continue
        chosen.append(pick)
    return chosen


def _same_way(a: Found, b: Found, numbers: set[str]) -> bool:
    if set(a.changes) != set(b.changes):
        return False
    return all(name in numbers or a.changes[name] == b.changes[name] for name in a.changes)
