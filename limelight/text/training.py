"""Train scikit-learn pipelines that read free text and return class probabilities.

The whole text processing lives inside the pipeline (TF-IDF over word 1–2
grams, optionally joined by character 3–5 grams), so the fitted model is a
black box from a list of strings to probabilities: exactly what LIME and
Anchors on text need, since they only ever hand it edited copies of a text.
Words are cut with :data:`limelight.text.tokens.WORD_PATTERN`, the same
pattern the explainers use, so an explanation's words are the model's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC, LinearSVR

from limelight.tabular.profiling import MIN_LABELLED_ROWS, sorted_classes
from limelight.tabular.reading import TableError

# The tabular engine's class checks and metrics, so both kinds of dataset
# say the same things in the same words and fill the same metrics page.
from limelight.tabular.training import CalibratedSVM, check_classes
from limelight.values import is_missing, value_text

from ..amounts import AmountModel, amount_truths
from ..catalogue import TEXT_CLASSIFIERS, TEXT_REGRESSORS, wrong_task_message
from ..fitting import fit_and_measure, holdout_split
from ..tabular.tasks import CLASSIFICATION, REGRESSION, check_amount_target
from .tokens import WORD_PATTERN

_WORD = re.compile(WORD_PATTERN)

__all__ = [
    "TEXT_CLASSIFIERS",
    "CalibratedLinearSVC",
    "TextTrainingResult",
    "build_text_pipeline",
    "train_text_classifier",
]


_STAGES = 4
_TARGET = "label"

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class TextTrainingResult:
    """A fitted text pipeline and how well it did on held-out texts.

    ``metrics`` has the tabular engine's shape (accuracy, balanced_accuracy,
    macro_f1, confusion_matrix, per_class, n_train, n_test). ``predictions``
    and ``truths`` (-1 where the label is missing) are class indices into
    ``class_names``, one per input text; ``in_training`` marks the texts the
    model was fitted on.
    """

    pipeline: Any  # a Pipeline, or an AmountModel around one for an amount
    class_names: tuple[str, ...]
    metrics: dict[str, Any]
    predictions: np.ndarray
    truths: np.ndarray
    in_training: np.ndarray
    confidence: np.ndarray  # the predicted class's probability, per text


class CalibratedLinearSVC(CalibratedSVM):
    """A linear SVM with calibrated probabilities (fast on thousands of TF-IDF columns)."""

    def __init__(self, C: float = 1.0, max_folds: int = 3, random_state: int = 0) -> None:
        self.C = C
        self.max_folds = max_folds
        self.random_state = random_state

    def _svm(self) -> BaseEstimator:
        return LinearSVC(C=self.C, random_state=self.random_state)


def without_words(X: Any, words: Sequence[str] = ()) -> list[str]:
    """The texts with every one of ``words`` (matched whole, in any case) taken out."""
    leave_out = frozenset(words)
    return [_WORD.sub(lambda match: "" if match.group().lower() in leave_out else match.group(), text) for text in X]


def as_texts(X: Any) -> list[str]:
    """Any sequence, array, Series or one-column frame of texts as a list of str; missing -> ""."""
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError("a text model reads one column of texts")
        X = X.iloc[:, 0]
    if isinstance(X, str):
        raise TypeError("pass a list of texts, not one string")
    values = X.tolist() if hasattr(X, "tolist") else list(X)
    return ["" if is_missing(value) else str(value) for value in values]


def build_text_pipeline(
    classifier: str,
    *,
    char_ngrams: bool = False,
    random_state: int = 0,
    task: str = CLASSIFICATION,
    left_out_words: Sequence[str] = (),
) -> Any:
    """An unfitted pipeline from a list of texts to ``classifier``'s probabilities.

    TF-IDF over lowercased word unigrams and bigrams (sublinear term
    frequency), optionally joined by character 3–5 grams inside word
    boundaries (``char_wb``), which help with typos and word endings. Missing
    texts (None, NaN) read as empty. For an amount (``task="regression"``) the
    pipeline ends in a regressor and is wrapped in :class:`limelight.amounts.AmountModel`.
    ``left_out_words`` (lowercase) are taken out of every text before anything reads it, so the
    model never sees them (a signature that gives the class away, say). Raises
    :class:`TableError` for an unknown classifier name.
    """
    if task == REGRESSION:
        refused = wrong_task_message(classifier, task, TEXT_REGRESSORS)
        if refused:
            raise TableError(refused)
    elif classifier not in TEXT_CLASSIFIERS:
        known = ", ".join(TEXT_CLASSIFIERS)
        raise TableError(f'There is no text classifier called "{classifier}". Choose one of: {known}.')
    word_tfidf = TfidfVectorizer(
        token_pattern=WORD_PATTERN, lowercase=True, ngram_range=(1, 2), sublinear_tf=True, min_df=1
    )
    features: Any = word_tfidf
    if char_ngrams:
        char_tfidf = TfidfVectorizer(
            analyzer="char_wb", lowercase=True, ngram_range=(3, 5), sublinear_tf=True, min_df=1
        )
        features = FeatureUnion([("words", word_tfidf), ("chars", char_tfidf)])
    model = _regressor(classifier, random_state) if task == REGRESSION else _estimator(classifier, random_state)
    steps: list[tuple[str, Any]] = [("as_text", FunctionTransformer(as_texts))]
    if left_out_words:
        words = sorted({word.lower() for word in left_out_words})
        steps.append(("leave_out", FunctionTransformer(without_words, kw_args={"words": words})))
    pipeline = Pipeline([*steps, ("tfidf", features), ("model", model)])
    return AmountModel(pipeline) if task == REGRESSION else pipeline


def _regressor(classifier: str, random_state: int) -> BaseEstimator:
    match classifier:
        case "linear_regression":
            # TF-IDF rows are unit length, so a word's column is small and needs a large weight: alpha 1
            # shrank it away (held-out R² 0.66 on prices set by two words, tests/web/test_amounts_training.py),
            # 0.1 kept it (0.84) without following the noise.
            return Ridge(alpha=0.1)
        case "svm":
            # The amount standardised, so the margin (epsilon 0) and C mean the same for grams or euros.
            return TransformedTargetRegressor(
                regressor=LinearSVR(C=1.0, random_state=random_state, max_iter=5000), transformer=StandardScaler()
            )
        case "random_forest":
            return RandomForestRegressor(n_estimators=200, n_jobs=1, random_state=random_state)
    raise AssertionError(classifier)


def _estimator(classifier: str, random_state: int) -> BaseEstimator:
    match classifier:
        case "logistic_regression":
            # TF-IDF rows are unit length, so the weights need room (C=10)
            # for a few deciding words to give confident probabilities.
            return LogisticRegression(C=10.0, max_iter=2000, random_state=random_state)
        case "naive_bayes":
            # Multinomial NB reads TF-IDF weights as fractional counts; a
            # small alpha keeps rare deciding words from being smoothed away.
            return MultinomialNB(alpha=0.1)
        case "svm":
            return CalibratedLinearSVC(C=1.0, random_state=random_state)
        case "random_forest":
            # One thread: each worker process is already one unit of parallelism.
            return RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=random_state)
    raise AssertionError(classifier)


def train_text_classifier(
    texts: Sequence[str],
    labels: Sequence[object],
    *,
    classifier: str = "logistic_regression",
    char_ngrams: bool = False,
    random_state: int = 0,
    test_size: float = 0.25,
    on_progress: ProgressCallback | None = None,
    target: str = _TARGET,
    task: str = CLASSIFICATION,
    left_out_words: Sequence[str] = (),
) -> TextTrainingResult:
    """Train ``classifier`` to predict ``labels`` from ``texts`` and measure it on held-out texts.

    Texts whose label is missing are left out of training and evaluation but
    still get a prediction; missing texts read as empty. The split is
    stratified by class with ``random_state``: the same inputs and seed give
    the same model. ``on_progress(done, total, stage)`` is called as the
    stages complete. ``target`` names the label column in messages. Raises
    :class:`TableError` for problems the user can fix: an unknown classifier,
    one class only, a class with a single text, too few labelled texts, or
    texts without a single word.
    """

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, _STAGES, stage)

    report(0, "Preparing texts")
    if task == REGRESSION:
        refused = wrong_task_message(classifier, task, TEXT_REGRESSORS)
        if refused:
            raise TableError(refused)
    elif classifier not in TEXT_CLASSIFIERS:
        known = ", ".join(TEXT_CLASSIFIERS)
        raise TableError(f'There is no text classifier called "{classifier}". Choose one of: {known}.')
    texts = as_texts(texts)
    label_series = pd.Series(list(labels) if not isinstance(labels, pd.Series) else labels.to_numpy())
    if len(label_series) != len(texts):
        raise ValueError("texts and labels must have the same length")  # the caller's bookkeeping
    if not any(text.strip() for text in texts):
        raise TableError("The text column is empty in every row, so there is nothing to learn from.")

    if task == REGRESSION:
        check_amount_target(pd.DataFrame({target: label_series}), target)
        class_names: tuple[str, ...] = (target,)
        truths = amount_truths(label_series)
    else:
        labelled = label_series.notna().to_numpy()
        present = label_series[labelled]
        class_values = sorted_classes(present)
        class_names = tuple(value_text(value) for value in class_values)
        check_classes(present, class_values, class_names, target)
        n_labelled = int(labelled.sum())
        if n_labelled < MIN_LABELLED_ROWS:
            raise TableError(
                f'Only {n_labelled} rows have a value in "{target}"; at least {MIN_LABELLED_ROWS} '
                "are needed to train and test a model."
            )
        position = {value: index for index, value in enumerate(class_values)}
        truths = np.full(len(texts), -1, dtype=np.int64)
        truths[labelled] = [position[value] for value in present]

    train_rows, test_rows = holdout_split(
        truths,
        test_size=test_size,
        random_state=random_state,
        too_few=(
            "There are too few rows to train and test a model that tells {n_classes} "
            "classes apart. Add rows or choose a column with fewer classes."
        ),
        error=TableError,
        task=task,
    )
    # Texts are fitted in file order, as they always were: the same seed gives the same model.
    pipeline = build_text_pipeline(
        classifier, char_ngrams=char_ngrams, random_state=random_state, task=task, left_out_words=left_out_words
    )
    try:
        fitted = fit_and_measure(
            pipeline,
            np.array(texts, dtype=object),
            truths,
            class_names,
            np.sort(train_rows),
            np.sort(test_rows),
            nouns="texts",
            on_progress=on_progress,
            task=task,
            random_state=random_state,
        )
    except ValueError as error:
        if "empty vocabulary" in str(error):
            raise TableError(
                "The texts used for training contain no words (only spaces, punctuation "
                "or symbols), so there is nothing to learn from."
            ) from error
        raise
    return TextTrainingResult(
        pipeline=pipeline,
        class_names=class_names,
        metrics=fitted.metrics,
        predictions=fitted.predictions,
        truths=truths,
        in_training=fitted.in_training,
        confidence=fitted.confidence,
    )
