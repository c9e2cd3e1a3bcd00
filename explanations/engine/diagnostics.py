"""Trust diagnostics: how much to believe an explanation (issue 7).

Plain functions over a ``predict_proba`` callable and the engine's
explanation objects; no Django, no Celery. Every function that needs
randomness takes a seed, and the same inputs give the same result.

* :func:`fidelity_words` — the local surrogate's weighted R² said plainly.
* :func:`stability` / :func:`stability_tabular` — the explanation repeated
  with several seeds: each weight's mean with a 95% interval, how often a
  feature is in the top 5, uncertain signs, and the top-5 agreement
  (mean pairwise Jaccard). The tabular version draws every seed's samples
  first and queries the model once on all of them.
* :func:`auto_samples` — raise the number of samples until the top 5 agree.
* :func:`kernel_sweep` — one sample set, one model query, a surrogate per
  kernel width; sign flips flagged.
* :func:`deletion_insertion_tabular` / :func:`deletion_insertion_image` —
  the probability as features (superpixels) are replaced by typical values
  (the fill) in the explanation's order vs random orders, with areas.
* :func:`sp_lime_pick` — Ribeiro et al.'s submodular pick of representative rows.
* :func:`what_if_curve` — individual conditional expectation for one feature.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .lime_tabular import LimeExplanation, TabularLime

__all__ = [
    "AutoSamples",
    "Curve",
    "CurvePair",
    "CurveResult",
    "FeatureStability",
    "KernelSweep",
    "SignFlip",
    "Stability",
    "auto_samples",
    "deletion_insertion_image",
    "deletion_insertion_tabular",
    "fidelity_level",
    "fidelity_words",
    "kernel_sweep",
    "sign_flip_words",
    "sp_lime_pick",
    "stability",
    "stability_tabular",
    "typical_values",
    "what_if_curve",
    "what_if_curves_for_models",
]

TableProba = Callable[[pd.DataFrame], np.ndarray]
ImageProba = Callable[[np.ndarray], np.ndarray]

TOP_K = 5
DEFAULT_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
AUTO_STEPS: tuple[int, ...] = (1000, 2000, 5000, 10000, 20000)
AUTO_TARGET = 0.95
WIDTH_FACTORS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
WHAT_IF_POINTS = 30
WHAT_IF_MAX_CATEGORIES = 50
# Areas closer than this (on a 0..1 scale) count as "about the same as random".
_AUC_TIE = 0.02
# Band of the random orders' curves: 10th to 90th percentile.
_BAND = (10.0, 90.0)


# -- fidelity ---------------------------------------------------------------


def fidelity_level(score: float) -> str:
    """``"well"`` (R² ≥ 0.7), ``"roughly"`` (≥ 0.4), ``"poorly"``, or ``"unknown"`` for NaN."""
    score = float(score)
    if math.isnan(score):
        return "unknown"
    if score >= 0.7:
        return "well"
    if score >= 0.4:
        return "roughly"
    return "poorly"


def fidelity_words(score: float) -> str:
    """The local surrogate's weighted R² in one plain sentence (the single source for the pages)."""
    level = fidelity_level(score)
    if level == "unknown":
        return "How closely the simple model follows the classifier around this case could not be measured."
    tail = {
        "well": "so the weights describe the classifier's behaviour here faithfully.",
        "roughly": "so read the weights as a rough guide.",
        "poorly": "so the weights say little about why the classifier decided as it did here.",
    }[level]
    return (
        f"The simple model reproduces the classifier {level} around this case "
        f"(it explains {max(float(score), 0.0):.0%} of the variation in the nearby predictions), {tail}"
    )


# -- stability --------------------------------------------------------------


@dataclass(frozen=True)
class FeatureStability:
    """One feature across the runs; a run that did not report it counts as weight 0."""

    feature: Any
    condition: str
    mean: float
    low: float
    high: float
    top5_share: float
    sign_uncertain: bool
    weights: tuple[float, ...]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "feature": self.feature if isinstance(self.feature, int | str) else str(self.feature),
            "condition": self.condition,
            "mean": float(self.mean),
            "interval": [float(self.low), float(self.high)],
            "top5_share": float(self.top5_share),
            "sign_uncertain": bool(self.sign_uncertain),
            "weights": [float(w) for w in self.weights],
        }


@dataclass(frozen=True)
class Stability:
    """The same explanation repeated with ``seeds``; ``features`` largest |mean| first.

    ``low``/``high`` are a 95% t-interval of the mean weight over the runs.
    ``top5_jaccard`` is the mean pairwise Jaccard index of the runs' top-5
    feature sets (1 = every run names the same five). ``explanations`` holds
    the runs themselves, in seed order.
    """

    features: tuple[FeatureStability, ...]
    top5_jaccard: float
    runs: int
    seeds: tuple[int, ...]
    scores: tuple[float, ...]
    explanations: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def uncertain(self) -> tuple[FeatureStability, ...]:
        """Features whose sign is uncertain, largest |mean| first."""
        return tuple(f for f in self.features if f.sign_uncertain)

    def to_dict(self) -> dict:
        """JSON-ready dict (the CLI's ``stability``)."""
        return {
            "runs": int(self.runs),
            "seeds": [int(s) for s in self.seeds],
            "top5_jaccard": float(self.top5_jaccard),
            "scores": [float(s) for s in self.scores],
            "features": [f.to_dict() for f in self.features],
        }


def _items(explanation: Any) -> list[tuple[Any, str, float]]:
    """``(key, condition, weight)`` per reported weight, largest |weight| first.

    Accepts tabular weights (``.feature``, ``.condition``), text weights
    (``.word``) and image weights (``(segment, weight)`` pairs).
    """
    out = []
    for w in explanation.weights:
        if hasattr(w, "feature"):
            out.append((w.feature, str(getattr(w, "condition", w.feature)), float(w.weight)))
        elif hasattr(w, "word"):
            out.append((w.word, str(w.word), float(w.weight)))
        else:
            key, weight = w
            out.append((key, str(key), float(weight)))
    out.sort(key=lambda item: -abs(item[2]))  # stable: keeps the explanation's tie order
    return out


def _jaccard(a: set, b: set) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def top_jaccard(explanations: Sequence[Any], k: int = TOP_K) -> float:
    """Mean pairwise Jaccard index of the explanations' top-``k`` feature sets."""
    tops = [{key for key, _, _ in _items(e)[:k]} for e in explanations]
    pairs = list(itertools.combinations(tops, 2))
    return float(np.mean([_jaccard(a, b) for a, b in pairs])) if pairs else 1.0


def stability_of(explanations: Sequence[Any], seeds: Sequence[int]) -> Stability:
    """Summarise explanations already computed with ``seeds`` (one each, at least two)."""
    seeds = tuple(int(s) for s in seeds)
    if len(explanations) != len(seeds):
        raise ValueError("one explanation per seed")
    runs = len(explanations)
    if runs < 2:
        raise ValueError("stability needs at least two seeds")
    items = [_items(e) for e in explanations]
    keys: dict[Any, str] = {}  # first appearance order, for ties
    for run in items:
        for key, condition, _ in run:
            keys.setdefault(key, condition)
    matrix = np.zeros((runs, len(keys)))
    in_top = np.zeros((runs, len(keys)), dtype=bool)
    index = {key: j for j, key in enumerate(keys)}
    for i, run in enumerate(items):
        for rank, (key, _, weight) in enumerate(run):
            matrix[i, index[key]] = weight
            in_top[i, index[key]] = rank < TOP_K
    mean = matrix.mean(axis=0)
    sem = matrix.std(axis=0, ddof=1) / math.sqrt(runs)
    half = float(sps.t.ppf(0.975, runs - 1)) * sem
    features = []
    for key, j in index.items():
        column = matrix[:, j]
        low, high = float(mean[j] - half[j]), float(mean[j] + half[j])
        signs = {np.sign(w) for w in column if w != 0}
        features.append(
            FeatureStability(
                feature=key,
                condition=keys[key],
                mean=float(mean[j]),
                low=low,
                high=high,
                top5_share=float(in_top[:, j].mean()),
                sign_uncertain=bool(low <= 0.0 <= high or len(signs) > 1),
                weights=tuple(float(w) for w in column),
            )
        )
    features.sort(key=lambda f: -abs(f.mean))
    return Stability(
        features=tuple(features),
        top5_jaccard=top_jaccard(explanations),
        runs=runs,
        seeds=seeds,
        scores=tuple(float(getattr(e, "score", math.nan)) for e in explanations),
        explanations=tuple(explanations),
    )


def stability(explain: Callable[[int], Any], seeds: Sequence[int] = DEFAULT_SEEDS) -> Stability:
    """Run ``explain(seed)`` for every seed and summarise (any explainer with ``.weights``).

    For tables prefer :func:`stability_tabular`, which gives the same result
    with a single model query.
    """
    seeds = tuple(int(s) for s in seeds)
    return stability_of([explain(s) for s in seeds], seeds)


def _query(predict_proba: TableProba, frame: pd.DataFrame, label: int) -> np.ndarray:
    proba = np.asarray(predict_proba(frame), dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != len(frame):
        raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({len(frame)}, n_classes)")
    if not 0 <= label < proba.shape[1]:
        raise ValueError(f"label {label} out of range for {proba.shape[1]} classes")
    return proba[:, label]


def explain_seeds(
    lime: TabularLime,
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    label: int,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    num_samples: int = 5000,
    num_features: int = 10,
    kernel_width: float | None = None,
) -> list[LimeExplanation]:
    """``[lime.explain(row, ..., random_state=s) for s in seeds]`` with ONE model query.

    Every seed's samples are drawn first and the model is asked once on their
    concatenation (per-call overhead paid once, and a big batch is what
    scikit-learn is fast at); each seed's surrogate is then fitted to its own
    slice. The results equal separate :meth:`TabularLime.explain` calls.
    """
    samples = [lime.sample(row, num_samples=num_samples, random_state=int(s)) for s in seeds]
    frame = pd.concat([s.frame for s in samples], ignore_index=True)
    y = _query(predict_proba, frame, int(label))
    out = []
    for i, s in enumerate(samples):
        part = y[i * num_samples : (i + 1) * num_samples]
        out.append(lime.fit_surrogate(s, part, label=label, num_features=num_features, kernel_width=kernel_width))
    return out


def stability_tabular(
    lime: TabularLime,
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    label: int,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    num_samples: int = 5000,
    num_features: int = 10,
    kernel_width: float | None = None,
) -> Stability:
    """:func:`stability` of tabular LIME with one model query for all seeds (see :func:`explain_seeds`)."""
    seeds = tuple(int(s) for s in seeds)
    explanations = explain_seeds(
        lime,
        row,
        predict_proba,
        label=label,
        seeds=seeds,
        num_samples=num_samples,
        num_features=num_features,
        kernel_width=kernel_width,
    )
    return stability_of(explanations, seeds)


@dataclass(frozen=True)
class AutoSamples:
    """The sample count :func:`auto_samples` chose, and what it measured on the way.

    ``reached`` is False when even the largest count stayed below the target.
    ``tried`` is ``(num_samples, top5_jaccard)`` per step.
    """

    num_samples: int
    top5_jaccard: float
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
    """Raise ``num_samples`` through ``steps`` until the top-5 Jaccard across ``seeds`` reaches ``target``."""
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
        tried.append((int(n), result.top5_jaccard))
        if result.top5_jaccard >= target:
            break
    assert result is not None
    return AutoSamples(
        num_samples=tried[-1][0],
        top5_jaccard=result.top5_jaccard,
        reached=result.top5_jaccard >= target,
        tried=tuple(tried),
        stability=result,
    )


# -- kernel width -------------------------------------------------------------


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
    y = _query(predict_proba, samples.frame, int(label))

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
            f"'{flip.condition}' changes direction (toward / away from the class) as the neighbourhood "
            f"size changes (at width {at}; the default is {sweep.default_width:.2f}): do not rely on "
            "its direction."
        )
    return out


# -- deletion / insertion -----------------------------------------------------


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
        }


@dataclass(frozen=True)
class CurvePair:
    """Deletion and insertion curves of one explanation."""

    deletion: CurveResult
    insertion: CurveResult


def _auc(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)


def _verdict(kind: str, auc: float, random_auc: float, unit: str) -> tuple[bool, str]:
    diff = auc - random_auc if kind == "insertion" else random_auc - auc
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
    kind: str, label: int, order: Sequence[Any], y: np.ndarray, unit: str
) -> CurveResult:  # y: (orders, steps); row 0 is the explanation's order
    k = y.shape[1] - 1
    x = np.linspace(0.0, 1.0, k + 1)
    rand = y[1:]
    auc = _auc(x, y[0])
    random_auc = float(np.mean([_auc(x, r) for r in rand]))
    better, verdict = _verdict(kind, auc, random_auc, unit)
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
    )


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
) -> CurvePair:
    """Deletion and insertion curves of a table row, with ONE batched predict call.

    Deletion replaces the features of ``order`` (the explanation's, largest
    first) one by one by their ``baseline`` (:func:`typical_values`) and
    records p(label) after each step; insertion starts from all typical
    values and puts the row's values back in the same order. Random orders
    draw as many features from all ``columns`` (default: the row's).
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
    p = _query(predict_proba, _rows_frame(columns, row, baseline, unique), int(label))[inverse]
    p = p.reshape(2, len(orders), len(order) + 1)
    return CurvePair(
        deletion=_curves("deletion", label, order, p[0], "features"),
        insertion=_curves("insertion", label, order, p[1], "features"),
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
        deletion=_curves("deletion", label, order, p[0], "regions"),
        insertion=_curves("insertion", label, order, p[1], "regions"),
    )


# -- SP-LIME ------------------------------------------------------------------


def sp_lime_pick(explanations: Sequence[Mapping[Any, float]], budget: int) -> list[int]:
    """Ribeiro et al. (2016) submodular pick: up to ``budget`` explanations covering the important features.

    Global importance ``I_j = sqrt(sum_i |W_ij|)``; greedily add the
    explanation that most increases the coverage ``sum_j I_j [some picked
    explanation uses feature j]``. Ties go to the lower index. Stops early
    when no explanation adds coverage (every used feature is covered).
    """
    if budget < 0:
        raise ValueError("budget must be non-negative")
    features: dict[Any, int] = {}
    for e in explanations:
        for f in e:
            features.setdefault(f, len(features))
    W = np.zeros((len(explanations), len(features)))
    for i, e in enumerate(explanations):
        for f, w in e.items():
            W[i, features[f]] = abs(float(w))
    importance = np.sqrt(W.sum(axis=0))
    used = W > 0
    covered = np.zeros(len(features), dtype=bool)
    picked: list[int] = []
    for _ in range(min(budget, len(explanations))):
        gains = ((used & ~covered) * importance).sum(axis=1)
        gains[picked] = -1.0
        best = int(np.argmax(gains))  # first maximum: lowest index on ties
        if gains[best] <= 0:
            break
        picked.append(best)
        covered |= used[best]
    return picked


# -- what-if ------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """p(label) as one feature of one row takes each of ``values``, the rest held fixed."""

    feature: str
    label: int
    values: tuple[Any, ...]
    probabilities: tuple[float, ...]
    current_value: Any
    current_probability: float
    categorical: bool

    def to_dict(self) -> dict:
        """JSON-ready dict (numbers as floats, categories as text; NaN becomes None)."""

        def plain(v: Any) -> Any:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return None
            return str(v) if self.categorical else float(v)

        return {
            "feature": self.feature,
            "label": int(self.label),
            "categorical": self.categorical,
            "values": [plain(v) for v in self.values],
            "probabilities": [float(p) for p in self.probabilities],
            "current_value": plain(self.current_value),
            "current_probability": float(self.current_probability),
        }


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def what_if_grid(
    frame: pd.DataFrame, feature: str, current: Any, *, categorical: bool | None = None
) -> tuple[tuple[Any, ...], bool]:
    """The values a what-if curve tries, and whether the feature is treated as categories.

    Numbers: :data:`WHAT_IF_POINTS` quantile-spaced values from the 1st to
    the 99th percentile, plus the row's value. Categories: the
    :data:`WHAT_IF_MAX_CATEGORIES` most frequent ones (in text order) plus
    the row's.
    """
    column = frame[feature]
    if categorical is None:
        categorical = not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))
    if categorical:
        counts = column.dropna().value_counts(sort=False)
        ranked = sorted(counts.items(), key=lambda vc: (-vc[1], str(vc[0])))[:WHAT_IF_MAX_CATEGORIES]
        values = {v for v, _ in ranked}
        if not _is_missing(current):
            values.add(current)
        return tuple(sorted(values, key=str)), True
    present = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=np.float64)
    if not len(present):
        raise ValueError(f"the column {feature!r} has no numbers to vary")
    grid = np.quantile(present, np.linspace(0.01, 0.99, WHAT_IF_POINTS))
    if not _is_missing(current):
        grid = np.append(grid, float(current))
    return tuple(float(v) for v in np.unique(grid)), False


def _what_if_frame(row: Mapping[str, object], feature: str, values: Sequence[Any]) -> pd.DataFrame:
    columns = list(row.index if isinstance(row, pd.Series) else row)
    if feature not in columns:
        raise ValueError(f"the row has no column {feature!r}")
    n = len(values) + 1  # the last row is the row itself
    data = {}
    for col in columns:
        column = np.empty(n, dtype=object)
        column[:] = [row[col]]
        if col == feature:
            column[:-1] = list(values)
        data[col] = column
    return pd.DataFrame(data, columns=columns).infer_objects()


def what_if_curves_for_models(
    row: Mapping[str, object] | pd.Series,
    models: Mapping[str, TableProba],
    *,
    feature: str,
    label: int,
    values: Sequence[Any] | None = None,
    frame: pd.DataFrame | None = None,
    categorical: bool | None = None,
) -> dict[str, Curve]:
    """:func:`what_if_curve` for several models over the same grid (one predict call per model)."""
    current = row[feature]
    if values is None:
        if frame is None:
            raise ValueError("give either the values to try or the frame to take them from")
        values, categorical = what_if_grid(frame, feature, current, categorical=categorical)
    else:
        values = tuple(values)
        if categorical is None:
            categorical = not all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in values)
    batch = _what_if_frame(row, feature, values)
    out = {}
    for name, predict_proba in models.items():
        p = _query(predict_proba, batch, int(label))
        out[name] = Curve(
            feature=feature,
            label=int(label),
            values=tuple(values),
            probabilities=tuple(float(v) for v in p[:-1]),
            current_value=current,
            current_probability=float(p[-1]),
            categorical=bool(categorical),
        )
    return out


def what_if_curve(
    row: Mapping[str, object] | pd.Series,
    predict_proba: TableProba,
    *,
    feature: str,
    label: int,
    values: Sequence[Any] | None = None,
    frame: pd.DataFrame | None = None,
    categorical: bool | None = None,
) -> Curve:
    """Individual conditional expectation: p(label) as ``feature`` varies, the rest of ``row`` fixed.

    ``values`` to try, or a ``frame`` (e.g. the training rows) to take them
    from (:func:`what_if_grid`). The row itself is scored in the same single
    predict call, so the current value is marked even when it is missing.
    """
    curves = what_if_curves_for_models(
        row,
        {"model": predict_proba},
        feature=feature,
        label=label,
        values=values,
        frame=frame,
        categorical=categorical,
    )
    return curves["model"]
