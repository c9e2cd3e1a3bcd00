"""One tabular Anchors explanation: the beam search over a model's predictions on
the file's rows, the paper's search on made-up variations when the rows are too
few, and the final check on cases neither search saw. See :mod:`.anchor_tabular`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from limelight.confidence import kl_lower, wilson
from limelight.values import is_missing, value_text

from .anchor_rules import AnchorExplanation, CodedFeature, PredictProba, ProgressCallback


class RulePool(Protocol):
    """What a search reads of a fitted :class:`.anchor_tabular.TabularAnchors` (which builds on this module)."""

    features: Sequence[CodedFeature]
    pool_codes: np.ndarray

    @property
    def pool_size(self) -> int: ...


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


class RuleSearch:
    """One explanation: the instance's predicates, the predicted pool rows, the beam."""

    def __init__(
        self,
        stats: RulePool,
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
                v = np.nan if is_missing(value) else float(value)
                x_numbers.append(v)
                self.x_codes[len(self.lookups)] = f.codes(np.array([v]))[0]
                self.lookups.append(None)
            else:
                self.x_codes[len(self.lookups)] = f.codes([value])[0]
                lookup = np.empty(len(f.values) + 1, dtype=object)
                lookup[:] = [np.nan if v is None else v for v in f.values] + [np.nan if is_missing(value) else value]
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
            return tuple({c: value_text(frame[c].iat[i]) for c in self.s.columns} for i in range(len(frame)))

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
