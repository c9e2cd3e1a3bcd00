"""Vectorised LIME for text classifiers (Ribeiro et al. 2016).

Follows ``lime.lime_text.LimeTextExplainer`` with its defaults (``bow=True``):

* the interpretable features are the text's DISTINCT words; a perturbed text
  removes a random number (1 to all) of distinct words, every occurrence of
  each, and the first sample is the original text;
* the distance is the cosine distance (×100) between a sample's 0/1 word
  vector and the original's all-ones vector, weighted by the kernel
  ``sqrt(exp(-d² / width²))`` with width 25;
* ``'highest_weights'`` selection (a nearly unregularised weighted ridge
  ranks the words) and a weighted ``Ridge(alpha=1)`` surrogate on the chosen
  words, whose coefficients are the reported weights.

Differences, on purpose:

* words come from :mod:`limelight.text.tokens` (``\\w+`` with inner
  apostrophes, any script), the same pattern the text pipelines use, and are
  compared lowercased ("Great" and "great" are one word, as the lowercasing
  TF-IDF sees them); lime splits on ``\\W+`` and is case-sensitive;
* removing a word removes its characters and keeps the separators around it
  (as lime does), so neighbouring words are never glued together;
* the perturbed texts are built all at once by
  :class:`limelight.text.tokens.WordMasker` (one boolean mask per sample
  over the text's code points) instead of lime's per-sample Python loop, and
  the model is queried once on all of them.

The engine keeps the text as data: nothing is escaped or interpreted here
(spans are character offsets into the original string); escaping is the page
template's job.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from limelight.errors import InputError
from limelight.text.tokens import WordMasker

__all__ = ["MIN_SAMPLES", "TextLimeExplanation", "WordWeight", "explain_text"]

MIN_SAMPLES = 50
# As lime: a nearly unregularised ridge ranks the words, the reported
# surrogate is Ridge(alpha=1) on the chosen ones.
_SELECTION_ALPHA = 0.01
_SURROGATE_ALPHA = 1.0

ProgressCallback = Callable[[int, int], None]
TextPredictProba = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class WordWeight:
    """One term of the local surrogate: the text contains ``word`` (lowercased)."""

    word: str
    weight: float


@dataclass(frozen=True)
class TextLimeExplanation:
    """Result of :func:`explain_text`; ``weights`` largest |weight| first.

    ``spans`` covers the whole original text, one ``(start, end, weight)``
    per token (character offsets); ``weight`` is the word's weight if the word
    is in ``weights``, else None (other words, spaces, punctuation).
    """

    label: int
    weights: tuple[WordWeight, ...]
    intercept: float
    score: float
    local_prediction: float
    num_samples: int
    spans: tuple[tuple[int, int, float | None], ...]

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (plain Python numbers and strings)."""
        return {
            "label": int(self.label),
            "weights": [
                {"feature": w.word, "condition": f'contains "{w.word}"', "weight": float(w.weight)}
                for w in self.weights
            ],
            "intercept": float(self.intercept),
            "score": float(self.score),
            "local_prediction": float(self.local_prediction),
            "num_samples": int(self.num_samples),
            "spans": [[int(start), int(end), None if w is None else float(w)] for start, end, w in self.spans],
        }


def explain_text(
    text: str,
    predict_proba: TextPredictProba,
    *,
    label: int,
    num_samples: int = 5000,
    num_features: int = 10,
    kernel_width: float = 25.0,
    random_state: int = 0,
    on_progress: ProgressCallback | None = None,
) -> TextLimeExplanation:
    """Explain ``predict_proba([text])[0, label]`` with a local linear surrogate over its words.

    ``predict_proba`` receives a list of ``num_samples`` strings (the first
    is ``text`` itself) and returns an ``(n, n_classes)`` array; it is called
    once. ``on_progress(done, total)`` is called before and after that call.
    Raises ValueError for bad settings or a text without any word.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    if int(num_samples) != num_samples or num_samples < MIN_SAMPLES:
        raise ValueError(f"num_samples must be an integer >= {MIN_SAMPLES}")
    if int(num_features) != num_features or num_features < 1:
        raise ValueError("num_features must be an integer >= 1")
    if int(label) != label or label < 0:
        raise ValueError("label must be a non-negative class index")
    kernel_width = float(kernel_width)
    if not kernel_width > 0 or not math.isfinite(kernel_width):
        raise ValueError("kernel_width must be a positive number")
    n, num_features, label = int(num_samples), int(num_features), int(label)

    masker = WordMasker(text)
    d = len(masker.words)
    if d == 0:
        raise InputError("The text has no words to explain.")

    rng = np.random.default_rng(random_state)
    # As lime: remove 1..d distinct words, chosen uniformly without
    # replacement. Ranking one uniform per word gives a random order; the
    # sample keeps the words ranked at or after its removal count.
    removed = rng.integers(1, d + 1, size=n - 1)
    ranks = np.argsort(np.argsort(rng.random((n - 1, d)), axis=1), axis=1)
    keep = np.ones((n, d), dtype=bool)
    keep[1:] = ranks >= removed[:, None]
    texts = masker.build(keep)

    if on_progress is not None:
        on_progress(0, n)
    proba = np.asarray(predict_proba(texts), dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != n:
        raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({n}, n_classes)")
    if label >= proba.shape[1]:
        raise ValueError(f"label {label} out of range for {proba.shape[1]} classes")
    if on_progress is not None:
        on_progress(n, n)
    y = proba[:, label]

    # Cosine distance between a 0/1 vector with k ones and the all-ones
    # vector is 1 - sqrt(k / d); an empty sample (k = 0) is at distance 1,
    # as scikit-learn's pairwise cosine gives for a zero row.
    z = keep.astype(np.float64)
    distances = (1.0 - np.sqrt(keep.sum(axis=1) / d)) * 100.0
    sample_weight = np.sqrt(np.exp(-(distances**2) / kernel_width**2))

    k = min(num_features, d)
    selector = Ridge(alpha=_SELECTION_ALPHA, fit_intercept=True)
    selector.fit(z, y, sample_weight=sample_weight)
    # Stable sort: ties keep the words' order in the text, so results are deterministic.
    used = np.argsort(-np.abs(selector.coef_), kind="stable")[:k]

    surrogate = Ridge(alpha=_SURROGATE_ALPHA, fit_intercept=True)
    zs = z[:, used]
    surrogate.fit(zs, y, sample_weight=sample_weight)
    score = float(surrogate.score(zs, y, sample_weight=sample_weight))
    coef = surrogate.coef_
    intercept = float(surrogate.intercept_)
    # The original text is all ones in the word representation.
    local_prediction = float(intercept + coef.sum())

    order = np.argsort(-np.abs(coef), kind="stable")
    weights = tuple(WordWeight(word=masker.words[used[i]], weight=float(coef[i])) for i in order)
    by_feature = {int(used[i]): float(coef[i]) for i in range(len(used))}
    spans = tuple(
        (token.start, token.end, by_feature.get(int(feature)) if feature >= 0 else None)
        for token, feature in zip(masker.tokens, masker.token_feature, strict=True)
    )
    return TextLimeExplanation(
        label=label,
        weights=weights,
        intercept=intercept,
        score=score,
        local_prediction=local_prediction,
        num_samples=n,
        spans=spans,
    )
