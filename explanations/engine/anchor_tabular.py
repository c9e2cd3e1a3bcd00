"""Anchors (Ribeiro et al. 2018) for tables: if-then rules that keep the prediction.

An anchor is a set of conditions on the instance's own values ("workclass =
Private", "28.00 < age <= 37.00") such that the model keeps predicting the
instance's class on almost every case where the conditions hold (precision),
while applying to as many cases as possible (coverage).

Predicates are those of ``anchor-exp`` (``AnchorTabularExplainer``): from
quartile bins of the training data, "feature <= edge" for each edge at or
above the instance's bin and "feature > edge" for each edge below it (they
compose into ranges), "feature = value" for a category, "feature is missing"
for a missing value. The search is anchor-exp's beam search over rules of
growing size (``beam_size`` rules kept per size), stopping at the first size
where a rule is certified: precision >= threshold and its KL lower bound
(anchor-exp's ``delta`` and ``epsilon_stop``) >= threshold - 0.05, taking the
largest coverage among the certified rules.

The sampling distribution is "training rows where the rule holds" (the
distribution the paper defines, and the one a person can check by filtering
the data file). anchor-exp instead replaces the anchored values of random
rows, but then reuses a parent rule's samples for its children, which mixes
real correlated rows into the estimate (on breast cancer with a random forest
its reported precision of 1.0 re-measures at about 0.64 on its own sampler).
Over a fixed pool of training rows (kept at fit time, shuffled) the search
is exact and cheap:

* each pool row is given to the model at most once; the search first
  predicts a random prefix of the pool (``20 * batch_size`` rows) in one
  call and only asks for more rows (x4, up to the pool) when no rule can be
  certified on the prefix, so the model is called 1-4 times, not 500-830;
* precision and coverage of every candidate come from boolean masks over
  the predicted rows, for all candidates of a parent at once; candidates
  are ranked by their KL lower bound (vectorised bisection), so a rule that
  is precise only on a handful of rows cannot crowd out well-supported ones;
* the reported precision is measured on cases the search never saw: the
  pool rows where the rule holds beyond the searched prefix when there are
  at least ``FRESH_ROWS_ENOUGH`` of them, else ``check_samples`` made-up
  variations drawn as the Anchors paper defines D(.|A) (a random row of the
  data with the anchored features' values taken from a row that meets the
  rule). Its Wilson 95% interval rests on that ``support``, and the rule
  *meets the threshold* only when the interval's lower end reaches it (the
  paper's definition), never on the raw ratio. How the rule does on the
  file's own rows ("holds for 18 of 18 similar rows in your file") is
  reported beside it, as what a person can check, not as the verdict.

Bin edges are rounded to 4 significant digits *before* binning, so each
condition's text is exactly the test the engine applies; coverage is the
share of pool rows satisfying the rule (exact for tables up to
``pool_size`` rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .confidence import kl_lower, wilson
from .lime_tabular import _category, _is_missing

__all__ = ["AnchorExplanation", "TabularAnchors"]

PredictProba = Callable[[pd.DataFrame], np.ndarray]
ProgressCallback = Callable[[int, int, str], None]

_QUARTILES = (25, 50, 75)
_EDGE_DIGITS = 4  # significant digits kept in a bin edge (and shown)
MIN_THRESHOLD, MAX_THRESHOLD = 0.5, 0.999
# anchor-exp's confidence delta. Unlike anchor-exp (whose ``epsilon_stop``
# lets the lower bound fall 0.05 short), a rule is certified only when its
# lower bound reaches the threshold: the final check asks the same of it.
_DELTA = 0.1
# The search on made-up variations: a first batch per candidate, then more
# (doubling) for candidates that might still be certified, up to a cap.
_MAX_VARIATIONS_PER_RULE = 3200
_MAX_VARIATIONS = 200_000
# The first prefix of the pool is this many batches; each extension is x4.
_FIRST_BATCHES = 20
_GROWTH = 4
N_EXAMPLES = 5
# Made-up variations that judge a rule when the file's unseen rows cannot.
CHECK_SAMPLES = 2000
MISSING_TEXT = "(missing)"


@dataclass(frozen=True)
class AnchorExplanation:
    """Result of :meth:`TabularAnchors.explain`.

    ``rule`` holds one condition per feature, each checkable on its own
    against the data file; ``precision`` (with its 95% interval) is measured
    after the search on ``support`` cases it never saw: unseen file rows
    (``checked_on == "rows"``) or made-up variations (``"samples"``).
    ``meets_threshold`` is ``precision_low >= threshold``. ``file_rows`` rows
    of the file (its first ``pool_size``) meet the rule and the model keeps
    ``label`` on ``file_rows_kept`` of them. ``coverage`` is the share of
    training rows the rule applies to. ``is_empty`` means the model predicts
    ``label`` almost everywhere, so no condition is needed.
    """

    label: int
    rule: tuple[str, ...]
    features: tuple[str, ...]
    precision: float
    precision_low: float
    precision_high: float
    coverage: float
    threshold: float
    meets_threshold: bool
    support: int
    checked_on: str
    file_rows: int
    file_rows_kept: int
    is_empty: bool
    examples_kept: tuple[dict[str, str], ...]
    examples_changed: tuple[dict[str, str], ...]
    samples_used: int
    candidates_tried: int
    model_calls: int

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (plain Python numbers, strings and lists)."""
        return {
            "label": int(self.label),
            "rule": list(self.rule),
            "features": list(self.features),
            "precision": float(self.precision),
            "precision_low": float(self.precision_low),
            "precision_high": float(self.precision_high),
            "coverage": float(self.coverage),
            "threshold": float(self.threshold),
            "meets_threshold": bool(self.meets_threshold),
            "support": int(self.support),
            "checked_on": self.checked_on,
            "file_rows": int(self.file_rows),
            "file_rows_kept": int(self.file_rows_kept),
            "is_empty": bool(self.is_empty),
            "examples_kept": [dict(e) for e in self.examples_kept],
            "examples_changed": [dict(e) for e in self.examples_changed],
            "samples_used": int(self.samples_used),
            "candidates_tried": int(self.candidates_tried),
            "model_calls": int(self.model_calls),
        }


# -- text --------------------------------------------------------------------


def _round_edge(x: float) -> float:
    return float(f"{x:.{_EDGE_DIGITS}g}")


def _edge_text(x: float) -> str:
    """An edge with at least two decimals and every digit it has (so the text is the edge)."""
    shortest = np.format_float_positional(x, trim="-")
    decimals = len(shortest.split(".")[1]) if "." in shortest else 0
    return f"{x:.{max(2, decimals)}f}"


def _value_text(value: object) -> str:
    if _is_missing(value):
        return MISSING_TEXT
    if isinstance(value, float | np.floating):
        if float(value).is_integer():
            return str(int(value))
        return np.format_float_positional(float(value), precision=6, unique=True, fractional=False, trim="-")
    return str(value)


# -- training statistics -----------------------------------------------------


@dataclass(frozen=True)
class _Feature:
    """One column's coding: every value maps to a small integer code.

    Numeric: code 0 is "missing", code ``k >= 1`` is quartile bin ``k - 1``
    (``edges[k - 2] < x <= edges[k - 1]``). Categorical: the index into
    ``values`` (``None`` stands for missing). Every predicate is then a code
    range ``lo <= code <= hi``.
    """

    name: str
    numeric: bool
    edges: np.ndarray  # numeric only
    values: tuple  # categorical only

    @property
    def n_codes(self) -> int:
        return len(self.edges) + 2 if self.numeric else len(self.values)

    def codes(self, column: pd.Series | np.ndarray) -> np.ndarray:
        if self.numeric:
            x = np.asarray(column, dtype=np.float64)
            codes = np.searchsorted(self.edges, x, side="left") + 1
            return np.where(np.isnan(x), 0, codes).astype(np.int16)
        index = {v: i for i, v in enumerate(self.values) if v is not None}
        missing = self.values.index(None) if None in self.values else len(self.values)
        return np.array([missing if _is_missing(v) else index.get(v, len(self.values)) for v in column], dtype=np.int16)

    def condition(self, lo: int, hi: int) -> str:
        """The text of ``lo <= code <= hi`` (the instance's code is inside the range)."""
        name = self.name
        if not self.numeric:
            value = self.values[lo] if lo < len(self.values) else None
            return f"{name} is missing" if value is None else f"{name} = {_category(value)}"
        if hi == 0:
            return f"{name} is missing"
        top = len(self.edges) + 1
        lower = _edge_text(self.edges[lo - 2]) if lo > 1 else None
        upper = _edge_text(self.edges[hi - 1]) if hi < top else None
        if lower and upper:
            return f"{lower} < {name} <= {upper}"
        if lower:
            return f"{name} > {lower}"
        if upper:
            return f"{name} <= {upper}"
        return f"{name} is not missing"


class TabularAnchors:
    """Training statistics for tabular Anchors; build once per model with :meth:`fit`."""

    def __init__(
        self,
        columns: Sequence[str],
        features: Sequence[_Feature],
        pool_codes: np.ndarray,
        pool_numbers: np.ndarray,
        n_rows: int,
    ) -> None:
        self.columns = list(columns)
        self.features = list(features)
        self.pool_codes = pool_codes
        self.pool_numbers = pool_numbers  # (pool, n_numeric) in the order of numeric features
        self.n_rows = n_rows

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        random_state: int = 0,
        pool_size: int = 10_000,
    ) -> TabularAnchors:
        """Quartile edges, category lists and a pool of up to ``pool_size`` training rows.

        ``numeric + categorical`` must be exactly the frame's columns; the
        frame's column order is kept for the frames passed to ``predict_proba``.
        """
        numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
        if set(numeric) & set(categorical):
            raise ValueError(
                f"columns listed as both numeric and categorical: {sorted(set(numeric) & set(categorical))}"
            )
        if len(set(numeric) | set(categorical)) != len(numeric) + len(categorical):
            raise ValueError("duplicate column names")
        if set(numeric) | set(categorical) != {str(c) for c in frame.columns} or frame.columns.has_duplicates:
            raise ValueError("numeric + categorical must list exactly the frame's columns")
        if len(frame) == 0:
            raise ValueError("the training frame is empty")
        if int(pool_size) != pool_size or pool_size < 100:
            raise ValueError("pool_size must be an integer >= 100")
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        features = []
        for col in frame.columns:
            if col in numeric:
                x = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
                present = x[~np.isnan(x)]
                edges = (
                    np.unique([_round_edge(e) for e in np.percentile(present, _QUARTILES)])
                    if len(present)
                    else np.empty(0)
                )
                features.append(_Feature(col, True, edges, ()))
            else:
                seen = {None if _is_missing(v) else v for v in frame[col].unique()}
                # Deterministic order: by value text, missing last.
                values = tuple(sorted(seen, key=lambda v: (v is None, "" if v is None else str(v))))
                features.append(_Feature(col, False, np.empty(0), values))
        # A shuffled pool, so that any prefix of it is a random sample of the rows.
        rng = np.random.default_rng(random_state)
        rows = rng.permutation(len(frame))[: int(pool_size)]
        pool = frame.iloc[rows]
        pool_codes = np.column_stack([f.codes(pool[f.name]) for f in features]).astype(np.int16)
        num_cols = [f.name for f in features if f.numeric]
        pool_numbers = (
            np.column_stack([pd.to_numeric(pool[c], errors="coerce").to_numpy(dtype=np.float64) for c in num_cols])
            if num_cols
            else np.empty((len(pool), 0))
        )
        return cls(list(frame.columns), features, np.ascontiguousarray(pool_codes), pool_numbers, len(frame))

    @property
    def pool_size(self) -> int:
        return len(self.pool_codes)

    # -- explanation -------------------------------------------------------

    def explain(
        self,
        row: Mapping[str, object] | pd.Series,
        predict_proba: PredictProba,
        *,
        threshold: float = 0.95,
        max_anchor_size: int | None = None,
        beam_size: int = 2,
        batch_size: int = 100,
        check_samples: int = CHECK_SAMPLES,
        random_state: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> AnchorExplanation:
        """Find an anchor for the model's prediction on ``row``.

        ``predict_proba`` receives a frame with the training columns (numbers
        as float64 with NaN for missing, categories as objects) and returns
        an ``(n, n_classes)`` array; the rule keeps the instance's argmax class.
        ``check_samples`` made-up variations judge the rule when the file has
        too few rows meeting it that the search did not see.
        """
        if isinstance(threshold, bool) or not MIN_THRESHOLD <= float(threshold) <= MAX_THRESHOLD:
            raise ValueError(f"threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}")
        if max_anchor_size is not None and (int(max_anchor_size) != max_anchor_size or max_anchor_size < 1):
            raise ValueError("max_anchor_size must be None or an integer >= 1")
        if int(beam_size) != beam_size or beam_size < 1:
            raise ValueError("beam_size must be an integer >= 1")
        if int(batch_size) != batch_size or batch_size < 10:
            raise ValueError("batch_size must be an integer >= 10")
        if int(check_samples) != check_samples or check_samples < 100:
            raise ValueError("check_samples must be an integer >= 100")
        missing = [c for c in self.columns if c not in row]
        if missing:
            raise ValueError(f"the row lacks columns: {missing}")
        search = _Search(
            self,
            row,
            predict_proba,
            threshold=float(threshold),
            max_size=len(self.features) if max_anchor_size is None else int(max_anchor_size),
            beam_size=int(beam_size),
            batch_size=int(batch_size),
            check_samples=int(check_samples),
            random_state=random_state,
            on_progress=on_progress,
        )
        return search.run()

    def _frame(self, codes: np.ndarray, numbers: np.ndarray, lookups: list[np.ndarray | None]) -> pd.DataFrame:
        """Rows with the training columns: numbers as float64, categories as objects."""
        num_cols = [f.name for f in self.features if f.numeric]
        frame = pd.DataFrame(numbers, columns=num_cols, copy=False)
        for j, f in enumerate(self.features):
            if not f.numeric:
                frame[f.name] = lookups[j][codes[:, j]]
        if list(frame.columns) != self.columns:
            frame = frame[self.columns]
        return frame


@dataclass(eq=False)
class _Rule:
    """A candidate: per-feature code ranges, its pool mask and its counts on the predicted rows."""

    ranges: dict[int, tuple[int, int]]  # feature index -> (lo, hi)
    order: tuple[int, ...]  # features in the order they were added
    mask: np.ndarray  # pool rows where the rule holds
    n: int = 0  # predicted rows where it holds
    hits: int = 0  # ... and the model keeps the label

    @property
    def key(self) -> tuple:
        return tuple(sorted(self.ranges.items()))

    @property
    def precision(self) -> float:
        return self.hits / self.n if self.n else 0.0

    @property
    def coverage(self) -> float:
        return float(self.mask.mean())


class _Search:
    """One explanation: the instance's predicates, the predicted pool rows, the beam."""

    def __init__(
        self,
        stats: TabularAnchors,
        row: Mapping[str, object] | pd.Series,
        predict_proba: PredictProba,
        *,
        threshold: float,
        max_size: int,
        beam_size: int,
        batch_size: int,
        check_samples: int,
        random_state: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.s = stats
        self.predict_proba = predict_proba
        self.tau = threshold
        self.max_size = max_size
        self.beam_size = beam_size
        self.on_progress = on_progress
        feats = stats.features
        n_pool = stats.pool_size
        # The seed picks which random part of the pool is asked about first,
        # and (from a stream of its own) the variations of the final check.
        self.order = np.random.default_rng(random_state).permutation(n_pool)
        self.variation_rng = np.random.default_rng([random_state, 1])
        self.check_rng = np.random.default_rng([random_state, 2])
        self.check_samples = check_samples
        self.batch_size = batch_size
        self.variations_drawn = 0
        numeric = [j for j, f in enumerate(feats) if f.numeric]
        self.number_column = {j: k for k, j in enumerate(numeric)}
        # The search sees at most half of the pool: the other half stays
        # fresh, to judge the rule it chooses.
        self.searchable = max(1, n_pool // 2)
        self.first = min(self.searchable, _FIRST_BATCHES * batch_size)

        # The instance's codes and values; an unseen category gets a code of its own.
        self.x_codes = np.zeros(len(feats), dtype=np.int16)
        x_numbers = []
        self.lookups: list[np.ndarray | None] = []
        for f in feats:
            value = row[f.name]
            if f.numeric:
                v = np.nan if _is_missing(value) else float(value)
                x_numbers.append(v)
                self.x_codes[len(self.lookups)] = f.codes(np.array([v]))[0]
                self.lookups.append(None)
            else:
                self.x_codes[len(self.lookups)] = f.codes([value])[0]
                lookup = np.empty(len(f.values) + 1, dtype=object)
                lookup[:] = [np.nan if v is None else v for v in f.values] + [np.nan if _is_missing(value) else value]
                self.lookups.append(lookup)
        self.x_numbers = np.array(x_numbers, dtype=np.float64).reshape(1, -1)

        self.predicates = self._predicates()
        pool = stats.pool_codes
        # One boolean column per predicate over the pool.
        self.pred_masks = (
            np.column_stack([(pool[:, j] >= lo) & (pool[:, j] <= hi) for j, lo, hi in self.predicates])
            if self.predicates
            else np.zeros((n_pool, 0), dtype=bool)
        )
        self.known = np.zeros(n_pool, dtype=bool)  # rows the model has been asked about
        self.correct = np.zeros(n_pool, dtype=bool)  # ... and it predicted the label
        self.label = -1
        self.model_calls = 0
        self.rows_predicted = 0
        self.candidates_tried = 0
        # anchor-exp's confidence level for accepting a rule (a union bound
        # over the beam's choices).
        self.level = math.log((1 + (beam_size - 1) * max(1, len(self.predicates))) / _DELTA)

    # -- predicates and the model ------------------------------------------

    def _predicates(self) -> list[tuple[int, int, int]]:
        """(feature, lo, hi) code ranges that hold for the instance (anchor-exp's mapping)."""
        preds = []
        pool = self.s.pool_codes
        for j, f in enumerate(self.s.features):
            c = int(self.x_codes[j])
            if not f.numeric:
                preds.append((j, c, c))
                continue
            top = len(f.edges) + 1
            if c == 0:
                preds.append((j, 0, 0))
            elif len(f.edges) == 0:
                if (pool[:, j] == 0).any():  # "is not missing" says something
                    preds.append((j, 1, top))
            else:
                for v in range(len(f.edges)):
                    # bin b = c - 1; anchor-exp: "bin <= v" when b <= v, else "bin > v".
                    preds.append((j, 1, v + 1) if c - 1 <= v else (j, v + 2, top))
        return preds

    def _pool_frame(self, rows: np.ndarray) -> pd.DataFrame:
        return self.s._frame(self.s.pool_codes[rows], self.s.pool_numbers[rows], self.lookups)

    def _ask(self, rows: np.ndarray, *, with_instance: bool = False) -> None:
        """Predict pool ``rows`` (and the instance first) in one model call."""
        rows = rows[~self.known[rows]]
        if not len(rows) and not with_instance:
            return
        frame = self._pool_frame(rows)
        if with_instance:
            x = self.s._frame(self.x_codes.reshape(1, -1), self.x_numbers, self.lookups)
            frame = pd.concat([x, frame], ignore_index=True)
        proba = np.asarray(self.predict_proba(frame), dtype=np.float64)
        self.model_calls += 1
        if proba.ndim != 2 or proba.shape[0] != len(frame):
            raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({len(frame)}, n_classes)")
        pred = proba.argmax(axis=1)
        if with_instance:
            self.label = int(pred[0])
            pred = pred[1:]
        self.known[rows] = True
        self.correct[rows] = pred == self.label
        self.rows_predicted += len(rows)

    # -- statistics ----------------------------------------------------------

    def _lower(self, hits: np.ndarray, n: np.ndarray) -> np.ndarray:
        n = np.maximum(n, 1)
        return kl_lower(hits / n, self.level / n)

    def _certified(self, rules: Sequence[_Rule]) -> list[_Rule]:
        hits = np.array([r.hits for r in rules], dtype=np.float64)
        n = np.array([r.n for r in rules], dtype=np.float64)
        lb = self._lower(hits, n)
        ok = (n > 0) & (hits >= self.tau * n) & (lb >= self.tau)
        return [r for r, good in zip(rules, ok, strict=True) if good]

    def _children(self, beam: Sequence[_Rule], seen: set) -> list[_Rule]:
        """Every rule one predicate longer than a beam rule, counted on the predicted rows."""
        out = []
        for parent in beam:
            # Counts of all predicates at once within the parent's predicted rows.
            inside = parent.mask & self.known
            n_all = self.pred_masks[inside].sum(axis=0)
            hits_all = self.pred_masks[inside & self.correct].sum(axis=0)
            for p, (j, lo, hi) in enumerate(self.predicates):
                ranges = dict(parent.ranges)
                if j in ranges:
                    old = ranges[j]
                    new = (max(old[0], lo), min(old[1], hi))
                    if new == old:
                        continue  # a looser edge of a feature already in the rule
                    ranges[j] = new
                    order = parent.order
                else:
                    if len(ranges) >= self.max_size:
                        continue
                    ranges[j] = (lo, hi)
                    order = (*parent.order, j)
                key = tuple(sorted(ranges.items()))
                if key in seen:
                    continue
                seen.add(key)
                rule = _Rule(ranges, order, parent.mask & self.pred_masks[:, p])
                rule.n, rule.hits = int(n_all[p]), int(hits_all[p])
                out.append(rule)
        return out

    def _recount(self, rule: _Rule) -> None:
        inside = rule.mask & self.known
        rule.n, rule.hits = int(inside.sum()), int((inside & self.correct).sum())

    # -- search ------------------------------------------------------------

    def _progress(self, stage: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.candidates_tried, 0, f"{stage} ({self.rows_predicted:,} rows asked)")

    def _beam_search(self) -> tuple[_Rule, bool]:
        """The best rule on the rows predicted so far, and whether it is certified."""
        empty = _Rule({}, (), np.ones(self.s.pool_size, dtype=bool))
        self._recount(empty)
        if self._certified([empty]):
            return empty, True
        beam, tried, seen, size = [empty], [], set(), 0
        while size < self.max_size:
            size += 1
            candidates = self._children(beam, seen)
            if not candidates:
                break
            self.candidates_tried += len(candidates)
            self._progress(f"Trying rules with {size} condition{'s' if size > 1 else ''}")
            certified = self._certified(candidates)
            if certified:
                # Largest coverage; ties go to the more precise rule, then the first found.
                return max(certified, key=lambda r: (r.coverage, r.precision)), True
            # Keep the rules most surely precise (KL lower bound), not the ones
            # that are precise on a handful of rows.
            lb = self._lower(
                np.array([r.hits for r in candidates], dtype=np.float64),
                np.array([r.n for r in candidates], dtype=np.float64),
            )
            best = np.argsort(-lb, kind="stable")[: self.beam_size]
            beam = [candidates[i] for i in best]
            tried += beam
        if not tried:
            return empty, False
        return max(tried, key=lambda r: (r.precision, r.coverage)), False

    def _variations(self, rule: _Rule, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` cases from D(.|rule) as the Anchors paper draws them, as (codes, numbers).

        Each is a random row of the pool whose anchored features are replaced,
        together, by those of a random pool row that meets the rule (the
        instance's own values when no row does).
        """
        s = self.s
        base = rng.integers(0, s.pool_size, n)
        codes, numbers = s.pool_codes[base].copy(), s.pool_numbers[base].copy()
        if not rule.ranges:
            return codes, numbers
        meeting = np.flatnonzero(rule.mask)
        if len(meeting):
            donors = meeting[rng.integers(0, len(meeting), n)]
            donor_codes, donor_numbers = s.pool_codes[donors], s.pool_numbers[donors]
        else:
            donor_codes = np.broadcast_to(self.x_codes, codes.shape)
            donor_numbers = np.broadcast_to(self.x_numbers, numbers.shape)
        for j in rule.ranges:
            codes[:, j] = donor_codes[:, j]
            if j in self.number_column:
                k = self.number_column[j]
                numbers[:, k] = donor_numbers[:, k]
        return codes, numbers

    def _keeps(self, codes: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """Whether the model keeps the label on each made-up case (one model call)."""
        proba = np.asarray(self.predict_proba(self.s._frame(codes, numbers, self.lookups)), dtype=np.float64)
        self.model_calls += 1
        self.rows_predicted += len(codes)
        return proba.argmax(axis=1) == self.label

    def _judge_on_variations(self, rules: Sequence[_Rule], count: int) -> None:
        """Add ``count`` made-up variations to each rule's counts, all in one model call."""
        drawn = [self._variations(r, count, self.variation_rng) for r in rules]
        codes = np.concatenate([c for c, _ in drawn])
        self.variations_drawn += len(codes)
        kept = self._keeps(codes, np.concatenate([x for _, x in drawn])).reshape(len(rules), count).sum(axis=1)
        for r, k in zip(rules, kept, strict=True):
            r.n += count
            r.hits += int(k)

    def _variation_search(self) -> tuple[_Rule, bool]:
        """The Anchors paper's search, for when the file's rows cannot certify a rule.

        Each candidate is judged on its own made-up variations from D(.|rule)
        (all candidates of a size in one model call per round); candidates
        that might still be certified get twice as many until their lower
        bound settles or the cap is reached.
        """
        empty = _Rule({}, (), np.ones(self.s.pool_size, dtype=bool))
        beam, tried, seen, size = [empty], [], set(), 0
        while size < self.max_size and self.variations_drawn < _MAX_VARIATIONS:
            size += 1
            candidates = self._children(beam, seen)
            if not candidates:
                break
            for r in candidates:
                r.n = r.hits = 0
            self.candidates_tried += len(candidates)
            self._progress(f"Trying rules with {size} condition{'s' if size > 1 else ''} on made-up variations")
            self._judge_on_variations(candidates, self.batch_size)
            while self.variations_drawn < _MAX_VARIATIONS:
                lb = self._lower(*self._counts(candidates))
                unsure = [
                    r
                    for r, low in zip(candidates, lb, strict=True)
                    if r.precision >= self.tau and low < self.tau and r.n < _MAX_VARIATIONS_PER_RULE
                ]
                if not unsure:
                    break
                self._judge_on_variations(unsure, unsure[0].n)
            certified = self._certified(candidates)
            if certified:
                return max(certified, key=lambda r: (r.coverage, r.precision)), True
            lb = self._lower(*self._counts(candidates))
            beam = [candidates[i] for i in np.argsort(-lb, kind="stable")[: self.beam_size]]
            tried += beam
        if not tried:
            return empty, False
        lb = self._lower(*self._counts(tried))
        return tried[int(np.argmax(lb))], False

    @staticmethod
    def _counts(rules: Sequence[_Rule]) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([r.hits for r in rules], dtype=np.float64),
            np.array([r.n for r in rules], dtype=np.float64),
        )

    def run(self) -> AnchorExplanation:
        asked = self.first
        self._progress("Asking the model about the training rows")
        self._ask(self.order[:asked], with_instance=True)
        while True:
            rule, certified = self._beam_search()
            if certified or asked >= self.searchable:
                break
            # Nothing certified on this part of the pool: more rows give
            # narrower intervals (and rarer rules enough support).
            asked = min(self.searchable, asked * _GROWTH)
            self._progress("Asking the model about more training rows")
            self._ask(self.order[:asked])
        if certified:
            meeting = np.flatnonzero(rule.mask)
            unseen = meeting[~self.known[meeting]]
            if wilson(len(unseen), len(unseen))[0] >= self.tau:
                self._progress("Checking the rule on rows the search did not see")
                self._ask(unseen)
                return self._finish(rule, int(self.correct[unseen].sum()), len(unseen), "rows")
        # The file's rows are too few to be sure of a rule (or to check one):
        # search and check as the paper does, on made-up variations. The best
        # rule is shown even when it falls short.
        rule, _ = self._variation_search()
        self._progress("Checking the rule on made-up variations the search did not see")
        kept = self._keeps(*self._variations(rule, self.check_samples, self.check_rng))
        return self._finish(rule, int(kept.sum()), len(kept), "samples")

    def _finish(self, rule: _Rule, kept: int, support: int, checked_on: str) -> AnchorExplanation:
        """The result: the fresh check's precision and interval, the file's own count, examples."""
        rows = np.flatnonzero(rule.mask)
        self._ask(rows)
        keep = self.correct[rows]
        precision = kept / support
        low, high = wilson(kept, support)
        feats = self.s.features

        def examples(chosen: np.ndarray) -> tuple[dict[str, str], ...]:
            chosen = chosen[:N_EXAMPLES]
            if not len(chosen):
                return ()
            frame = self._pool_frame(chosen)
            return tuple({c: _value_text(frame[c].iat[i]) for c in self.s.columns} for i in range(len(frame)))

        # Rows in the pool's shuffled order: a random, seed-independent choice.
        result = AnchorExplanation(
            label=self.label,
            rule=tuple(feats[j].condition(*rule.ranges[j]) for j in rule.order),
            features=tuple(feats[j].name for j in rule.order),
            precision=precision,
            precision_low=low,
            precision_high=high,
            coverage=rule.coverage,
            threshold=self.tau,
            meets_threshold=low >= self.tau,
            support=support,
            checked_on=checked_on,
            file_rows=len(rows),
            file_rows_kept=int(keep.sum()),
            is_empty=not rule.ranges,
            examples_kept=examples(rows[keep]),
            examples_changed=examples(rows[~keep]),
            samples_used=self.rows_predicted,
            candidates_tried=self.candidates_tried,
            model_calls=self.model_calls,
        )
        self._progress("Done")
        return result
