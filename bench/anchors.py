"""Anchors cases: ours vs. anchor-exp, each against its own floor, like for like.

* **Same search width.** anchor-exp 0.0.2.0's ``explain_instance`` takes
  ``beam_size`` but never passes it to ``AnchorBaseBeam.anchor_beam``, which
  then searches with its own default of 1. The reference here builds the
  sample function as ``explain_instance`` does and calls ``anchor_beam`` with
  ``beam_size=BEAM_WIDTH`` itself; ours runs with the same width.
* **A floor for each.** Every model call of both searches is logged (its row
  count). Our floor replays our calls on training rows of the same sizes;
  anchor-exp's floor is its number of calls of each size times the cost of
  one call of that size (almost all are 100 rows). "x / floor" is then how
  much a search costs beyond the model it has to ask.
* **Repeated, interleaved.** ours, our floor, anchor-exp, its floor, then
  again; medians over the repeats. Both searches are seeded, so each repeat
  is the same search.
* **Precision judged on fresh samples.** Both rules are judged on
  ``EVAL_SAMPLES`` cases from D(.|rule) as the Anchors paper defines it: a
  random training row whose anchored features' values are replaced, together,
  by those of a random training row that meets the rule. The draws use a seed
  neither search used, and the same random numbers for both rules (same base
  rows, same donor quantiles). Each precision has a Wilson 95% interval.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from limelight.explainers.anchor_tabular import TabularAnchors

from .reference import TableCodec
from .tabular import DATASETS, MODELS, Case, Fitted, fit_case
from .timing import peak_mb, wall

THRESHOLD = 0.95
BEAM_WIDTH = 2  # our engine's default; anchor-exp gets the same (see AnchorReference.explain)
BATCH_SIZE = 100  # both searches' default
SEARCH_SEED = 0  # ours: random_state; anchor-exp: numpy's global seed
EVAL_SEED = 20_240_614  # the fresh samples that judge both rules (no search uses it)
EVAL_SAMPLES = 2000
ROWS = 1  # test rows per dataset x model: anchor-exp takes 3-50 s per search
# Interleaved repeats. anchor-exp needs ~3 min per pass over the 8 cases (breast
# cancer: 20-55 s each), so the LIME areas' 7 (or even 3) would push `make
# bench` past 15 minutes; `--repeats N` asks for more.
REPEATS = 2
QUICK_REPEATS = 1
FLOOR_CALLS = 5  # timings of one call of each size, per repeat (median taken)
_Z95 = 1.959963984540054


def _rows(fitted: Fitted, n: int) -> list[pd.Series]:
    test = fitted.data.frame[fitted.data.features].drop(fitted.train.index)
    return [test.iloc[i] for i in range(n)]


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson 95% interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = _Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# -- our rules on a frame -------------------------------------------------------

_NUM = r"-?[\d.]+(?:e-?\d+)?"
_PATTERNS = [
    (re.compile(rf"^(?P<a>{_NUM}) < (?P<f>.+) <= (?P<b>{_NUM})$"), "range"),
    (re.compile(rf"^(?P<f>.+) <= (?P<b>{_NUM})$"), "le"),
    (re.compile(rf"^(?P<f>.+) > (?P<a>{_NUM})$"), "gt"),
    (re.compile(r"^(?P<f>.+) is not missing$"), "present"),
    (re.compile(r"^(?P<f>.+) is missing$"), "missing"),
    (re.compile(r"^(?P<f>.+) = (?P<v>.+)$"), "eq"),
]
MISSING_TEXT = "(missing)"


def rule_mask(frame: pd.DataFrame, rule: list[str]) -> np.ndarray:
    """Rows of ``frame`` where every condition of one of our rules holds (the text is the test)."""
    mask = np.ones(len(frame), dtype=bool)
    for condition in rule:
        for pattern, kind in _PATTERNS:
            m = pattern.match(condition)
            if not m:
                continue
            values = frame[m["f"]]
            if kind == "range":
                held = (values > float(m["a"])) & (values <= float(m["b"]))
            elif kind == "le":
                held = values <= float(m["b"])
            elif kind == "gt":
                held = values > float(m["a"])
            elif kind == "present":
                held = values.notna()
            elif kind == "missing" or m["v"] == MISSING_TEXT:
                held = values.isna()
            else:
                held = values.astype(str) == m["v"]
            mask &= held.to_numpy()
            break
        else:
            raise ValueError(f"unreadable condition {condition!r}")
    return mask


# -- the model, counted ---------------------------------------------------------


class CallLog:
    """A ``predict_proba`` that logs the row count of every call."""

    def __init__(self, predict_proba: Callable[[pd.DataFrame], np.ndarray]) -> None:
        self.predict_proba = predict_proba
        self.sizes: list[int] = []

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        self.sizes.append(len(frame))
        return self.predict_proba(frame)


class Floor:
    """The model alone: calls on training rows of the sizes a search asked for."""

    def __init__(self, train: pd.DataFrame, predict_proba: Callable[[pd.DataFrame], np.ndarray]) -> None:
        self.train = train
        self.predict_proba = predict_proba
        self._frames: dict[tuple[int, int], pd.DataFrame] = {}

    def _frame(self, n: int, k: int = 0) -> pd.DataFrame:
        if (n, k) not in self._frames:
            rows = self.train.sample(n=n, replace=True, random_state=np.random.default_rng([n, k]))
            self._frames[n, k] = rows.reset_index(drop=True)
        return self._frames[n, k]

    def replay(self, sizes: list[int]) -> float:
        """Seconds for the same calls, one by one (our searches: 1-30 calls)."""
        frames = [self._frame(n) for n in sizes]
        start = time.perf_counter()
        for frame in frames:
            self.predict_proba(frame)
        return time.perf_counter() - start

    def per_size(self, sizes: list[int]) -> float:
        """Σ over call sizes of (calls of that size) x (median seconds of one such call, on different rows)."""
        total = 0.0
        for n, count in Counter(sizes).items():
            frames = [self._frame(n, k) for k in range(FLOOR_CALLS)]
            one = statistics.median(wall(lambda frame=frame: self.predict_proba(frame))[0] for frame in frames)
            total += count * one
        return total


# -- the reference --------------------------------------------------------------


class AnchorReference:
    """anchor-exp's explainer on the label-encoded table (built once per model)."""

    def __init__(self, fitted: Fitted) -> None:
        from anchor import anchor_tabular

        self.codec = TableCodec(fitted.train, fitted.data.categorical)
        self.explainer = anchor_tabular.AnchorTabularExplainer(
            ["0", "1"], self.codec.columns, self.codec.encode(fitted.train), self.codec.categorical_names()
        )
        self.log = CallLog(fitted.pipeline.predict_proba)
        self.conditions: list[tuple[int, str, float]] = []
        self.sample_fn: Callable[..., Any] | None = None
        self.present: list[int] = []

    def predict(self, array: np.ndarray) -> np.ndarray:
        """The classifier_fn anchor-exp calls: decode (its price), the pipeline (logged), argmax."""
        return self.log(self.codec.decode(array)).argmax(axis=1)

    def explain(self, row: pd.Series, beam_size: int = BEAM_WIDTH, seed: int = SEARCH_SEED) -> Any:
        """``explain_instance``'s steps, with ``beam_size`` reaching ``anchor_beam``.

        anchor-exp's ``explain_instance(..., beam_size=4, **kwargs)`` passes
        only ``**kwargs`` to ``anchor_beam``, whose own ``beam_size=1`` then
        applies; ``beam_size`` cannot travel in ``kwargs`` either (the named
        parameter catches it). Same defaults otherwise: delta 0.1, tau 0.15,
        batch 100, no size cap.
        """
        from anchor import anchor_base, anchor_explanation

        np.random.seed(seed)  # anchor-exp draws from numpy's global generator
        self.log.sizes = []
        encoded = self.codec.encode(row.to_frame().T)[0]
        sample_fn, mapping = self.explainer.get_sample_fn(encoded, self.predict)
        exp = anchor_base.AnchorBaseBeam.anchor_beam(
            sample_fn,
            delta=0.1,
            epsilon=0.15,
            batch_size=BATCH_SIZE,
            desired_confidence=THRESHOLD,
            max_anchor_size=None,
            beam_size=beam_size,
        )
        self.sample_fn, self.present = sample_fn, list(exp["feature"])  # before add_names_to_exp rewrites them
        self.conditions = [mapping[i] for i in self.present]
        self.explainer.add_names_to_exp(encoded, exp, mapping)
        exp["instance"] = encoded
        exp["prediction"] = self.predict(encoded.reshape(1, -1))[0]
        return anchor_explanation.AnchorExplanation("tabular", exp, self.explainer.as_html)

    def rule_mask(self) -> np.ndarray:
        """Training rows meeting the last rule, tested as anchor-exp tests it (its bins, its codes)."""
        d_train = self.explainer.d_train
        mask = np.ones(len(d_train), dtype=bool)
        for f, op, v in self.conditions:
            if op == "eq":
                mask &= d_train[:, f] == v
            elif op == "leq":
                mask &= d_train[:, f] <= v
            else:
                mask &= d_train[:, f] > v
        return mask

    def rule_features(self) -> list[str]:
        return list(dict.fromkeys(self.codec.columns[f] for f, _, _ in self.conditions))

    def own_sampler_precision(self) -> float:
        """The last rule on ``EVAL_SAMPLES`` fresh draws of anchor-exp's own sampler (seed ``EVAL_SEED``).

        anchor-exp's reported precision pools the samples of a rule's parents;
        fresh draws from the same sampler show what that costs.
        """
        np.random.seed(EVAL_SEED)
        _, _, labels = self.sample_fn(self.present, EVAL_SAMPLES)
        return float(np.mean(labels))


# -- judging a rule ---------------------------------------------------------------


def fresh_precision(
    fitted: Fitted, row: pd.Series, rules: list[tuple[np.ndarray, list[str], int]]
) -> list[dict[str, float]]:
    """Each rule's precision on ``EVAL_SAMPLES`` draws from D(.|rule), with common random numbers.

    ``rules`` holds (training rows meeting the rule, anchored columns, label).
    A rule no training row meets gets the instance's own values.
    """
    train = fitted.train
    rng = np.random.default_rng(EVAL_SEED)
    base = rng.integers(0, len(train), EVAL_SAMPLES)
    quantile = rng.random(EVAL_SAMPLES)
    out = []
    for mask, columns, label in rules:
        frame = train.iloc[base].reset_index(drop=True)
        meeting = np.flatnonzero(mask)
        if columns and len(meeting):
            donors = train.iloc[meeting[(quantile * len(meeting)).astype(np.intp)]]
            for col in columns:
                frame[col] = donors[col].to_numpy()
        elif columns:
            for col in columns:
                frame[col] = row[col]
        kept = int((fitted.pipeline.predict_proba(frame).argmax(axis=1) == label).sum())
        low, high = wilson(kept, EVAL_SAMPLES)
        out.append({"precision": kept / EVAL_SAMPLES, "low": low, "high": high, "donors": len(meeting)})
    return out


# -- one case ---------------------------------------------------------------------


def run_case(case: Case, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Ours and anchor-exp (same width) on ``ROWS`` test rows of one dataset x model."""
    fitted = fit_case(case)
    stats_s, anchors = wall(
        lambda: TabularAnchors.fit(
            fitted.train, numeric=list(fitted.data.numeric), categorical=list(fitted.data.categorical)
        )
    )
    ref = AnchorReference(fitted)
    ours_log = CallLog(fitted.pipeline.predict_proba)
    floor = Floor(fitted.train, fitted.pipeline.predict_proba)
    med = statistics.median
    rows = []
    for row in _rows(fitted, ROWS):

        def ours(row: pd.Series = row) -> Any:
            ours_log.sizes = []
            settings = {"threshold": THRESHOLD, "beam_size": BEAM_WIDTH, "batch_size": BATCH_SIZE}
            return anchors.explain(row, ours_log, **settings, random_state=SEARCH_SEED)

        times: dict[str, list[float]] = {"ours": [], "ours_floor": [], "ref": [], "ref_floor": []}
        ours_rules, ref_rules = set(), set()
        for _ in range(repeats):  # interleaved: ours, its floor, anchor-exp, its floor
            seconds, exp = wall(ours)
            times["ours"].append(seconds)
            times["ours_floor"].append(floor.replay(ours_log.sizes))
            seconds, ref_exp = wall(lambda row=row: ref.explain(row))
            times["ref"].append(seconds)
            times["ref_floor"].append(floor.per_size(ref.log.sizes))
            ours_rules.add(exp.rule)
            ref_rules.add(tuple(ref_exp.names()))
        ours_sizes, ref_sizes = list(ours_log.sizes), list(ref.log.sizes)
        ref_own_sampler = ref.own_sampler_precision()
        ref_mask, ref_label = ref.rule_mask(), int(ref_exp.exp_map["prediction"])
        ours_mask = rule_mask(fitted.train, list(exp.rule))
        fresh_ours, fresh_ref = fresh_precision(
            fitted,
            row,
            [(ours_mask, list(exp.features), exp.label), (ref_mask, ref.rule_features(), ref_label)],
        )
        ours_s, ours_floor, ref_s, ref_floor = (med(times[k]) for k in ("ours", "ours_floor", "ref", "ref_floor"))
        rows.append(
            {
                "ours_s": ours_s,
                "floor_s": ours_floor,
                "ref_s": ref_s,
                "ref_floor_s": ref_floor,
                "ours_times": times["ours"],
                "ref_times": times["ref"],
                "ours_fresh": fresh_ours,
                "ref_fresh": fresh_ref,
                "ours_precision_own": exp.precision,
                "ref_precision_own": float(ref_exp.precision()),
                "ref_precision_own_sampler": ref_own_sampler,
                "ours_coverage": float(ours_mask.mean()),
                "ref_coverage": float(ref_mask.mean()),
                "ours_calls": len(ours_sizes),
                "ours_rows_asked": sum(ours_sizes),
                "ref_calls": len(ref_sizes),
                "ref_rows_asked": sum(ref_sizes),
                "ref_call_sizes": dict(Counter(ref_sizes).most_common(3)),
                "ours_rule": list(exp.rule),
                "ref_rule": list(ref_exp.names()),
                "labels": [exp.label, ref_label],
                "ours_meets": exp.meets_threshold,
                "ours_checked_on": getattr(exp, "checked_on", ""),  # the engine's fast path is "rows"
                "same_search_each_repeat": len(ours_rules) == 1 and len(ref_rules) == 1,
            }
        )
        log(
            f"    ours {ours_s:.3f} s (floor {ours_floor:.3f}) {len(ours_sizes)} calls "
            f"checked on {getattr(exp, 'checked_on', '?')} "
            f"p={fresh_ours['precision']:.3f} {list(exp.rule)}\n"
            f"    anchor-exp {ref_s:.2f} s (floor {ref_floor:.2f}) {len(ref_sizes)} calls "
            f"p={fresh_ref['precision']:.3f} {ref_exp.names()}"
        )

    def median_of(key: str, sub: str | None = None) -> float:
        return med(r[key][sub] if sub else r[key] for r in rows)

    first_row = _rows(fitted, 1)[0]
    return {
        "case": f"anchors/{case.dataset}/{case.model}",
        "dataset": case.dataset,
        "model": case.model,
        "explainer": "TabularAnchors",
        "settings": f"threshold={THRESHOLD} beam={BEAM_WIDTH} (both) rows={ROWS} repeats={repeats}",
        "beam_width": BEAM_WIDTH,
        "repeats": repeats,
        "ours_s": median_of("ours_s"),
        "floor_s": median_of("floor_s"),
        "ours_over_floor": med(r["ours_s"] / r["floor_s"] for r in rows),
        "reference_s": median_of("ref_s"),
        "ref_floor_s": median_of("ref_floor_s"),
        "ref_over_floor": med(r["ref_s"] / r["ref_floor_s"] for r in rows),
        "ours_over_reference": med(r["ours_s"] / r["ref_s"] for r in rows),
        "ours_precision": median_of("ours_fresh", "precision"),
        "ours_precision_low": median_of("ours_fresh", "low"),
        "ours_precision_high": median_of("ours_fresh", "high"),
        "ref_precision": median_of("ref_fresh", "precision"),
        "ref_precision_low": median_of("ref_fresh", "low"),
        "ref_precision_high": median_of("ref_fresh", "high"),
        "ours_precision_own": median_of("ours_precision_own"),
        "ref_precision_own": median_of("ref_precision_own"),
        "ref_precision_own_sampler": median_of("ref_precision_own_sampler"),
        "ours_coverage": median_of("ours_coverage"),
        "ref_coverage": median_of("ref_coverage"),
        "ours_calls": median_of("ours_calls"),
        "ref_calls": median_of("ref_calls"),
        "ours_meets": sum(r["ours_meets"] for r in rows),
        "ours_checked_on": "/".join(sorted({r["ours_checked_on"] for r in rows})),
        "peak_mb": peak_mb(lambda: anchors.explain(first_row, fitted.pipeline.predict_proba, beam_size=BEAM_WIDTH)),
        "stats_build_s": stats_s,
        "eval": f"{EVAL_SAMPLES} draws from D(.|rule), seed {EVAL_SEED}, same for both rules",
        "rows": rows,
        "notes": list(fitted.notes),
    }


def cases(quick: bool) -> list[Case]:
    """All dataset x model pairs; a small subset for ``--quick``."""
    if quick:
        return [Case("breast_cancer", "random_forest"), Case("mixed_30k", "logistic_regression")]
    return [Case(ds, model) for ds in DATASETS for model in MODELS]


def run(quick: bool, log: Callable[[str], None], repeats: int | None = None) -> dict[str, Any]:
    """Run every Anchors case; returns ``{"rows": [...]}``."""
    repeats = repeats or (QUICK_REPEATS if quick else REPEATS)
    out = []
    for case in cases(quick):
        log(f"  anchors/{case.dataset}/{case.model} ...")
        out.append(run_case(case, repeats, log))
    return {"rows": out, "repeats": repeats}
