"""One training path for every kind of data: hold-out split, fit, one prediction pass, metrics.

A kind supplies its inputs (a frame, texts, images), the class of each as an
index (-1 where it is missing) and an unfitted pipeline; this module does the
rest the same way for all of them. For an amount (``task="regression"``) the
truths are the amounts (NaN where missing), the pipeline a
:class:`limelight.amounts.AmountModel`, and the scores are the amount's
(:func:`limelight.amounts.amount_metrics`). Plain engine code: scikit-learn, no Django.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split

from limelight.amounts import amount_metrics
from limelight.errors import InputError
from limelight.tabular.tasks import REGRESSION

ProgressCallback = Callable[[int, int, str], None]
STAGES = 4


# eq=False: the fields hold arrays, which have no single truth value.
@dataclass(frozen=True, eq=False)
class Fitted:
    """A fitted pipeline and what one pass over every input found.

    ``predictions`` (argmax of the probabilities, so the predicted class is the
    one the page shows as most probable), ``confidence`` (that probability)
    and ``truths`` (-1 where the class is missing) are per input, in input
    order; ``in_training`` marks the inputs the pipeline was fitted on.
    ``train_rows`` are their positions, in the order they were fitted.
    For an amount, ``predictions`` and ``truths`` are amounts (NaN: missing)
    and ``confidence`` is NaN: an amount has no probability.
    """

    pipeline: Any
    metrics: dict[str, Any]
    predictions: np.ndarray
    confidence: np.ndarray
    truths: np.ndarray
    in_training: np.ndarray
    train_rows: np.ndarray
    test_rows: np.ndarray


def holdout_split(
    truths: np.ndarray,
    *,
    test_size: float = 0.25,
    random_state: int = 0,
    too_few: str,
    error: type[InputError] = InputError,
    task: str = "classification",
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the training and held-out inputs among those with a class, stratified by class.

    At least one input of every class is held out. ``too_few`` is the message
    (with ``{n_classes}``) when too few inputs are left to train on. The
    training positions come in the split's own (shuffled) order. Amounts have
    no classes to stratify by: a plain seeded split of the inputs with a value.
    """
    if task == REGRESSION:
        rows = np.flatnonzero(np.isfinite(truths))
        train_rows, test_rows = train_test_split(
            rows, test_size=max(math.ceil(test_size * len(rows)), 1), random_state=random_state
        )
        return np.asarray(train_rows), np.asarray(test_rows)
    rows = np.flatnonzero(truths >= 0)
    n_classes = int(truths.max()) + 1
    n_test = max(math.ceil(test_size * len(rows)), n_classes)
    if len(rows) - n_test < n_classes:
        raise error(too_few.format(n_classes=n_classes))
    train_rows, test_rows = train_test_split(rows, test_size=n_test, stratify=truths[rows], random_state=random_state)
    return np.asarray(train_rows), np.asarray(test_rows)


def fit_and_measure(
    pipeline: Any,
    inputs: Any,
    truths: np.ndarray,
    class_names: Sequence[str],
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    nouns: str = "rows",
    chunk: int | None = None,
    fit_context: Callable[[], Any] | None = None,
    on_progress: ProgressCallback | None = None,
    task: str = "classification",
    random_state: int = 0,
) -> Fitted:
    """Fit on ``train_rows``, predict every input once, score the held-out ones.

    ``inputs`` is a DataFrame (rows taken by position), a numpy array or a list.
    ``chunk`` bounds how many inputs are predicted at once (images); ``fit_context``
    wraps the fit (e.g. one BLAS thread). ``nouns`` names the inputs in the
    progress messages. ``random_state`` picks the hold-out pairs an amount's chart shows.
    """

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, STAGES, stage)

    report(1, "Training the model")
    with ExitStack() as stack:
        if fit_context is not None:
            stack.enter_context(fit_context())
        # Small uploads rarely let iterative solvers converge fully; the model
        # is still usable and the hold-out accuracy tells the user how good.
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(take(inputs, train_rows), truths[train_rows])

    report(2, f"Predicting every {nouns.removesuffix('s')}")
    probabilities = predict_proba(pipeline, inputs, chunk=chunk)
    if task == REGRESSION:
        report(3, f"Measuring the error on held-out {nouns}")
        predictions = probabilities[:, 0].astype(float)
        confidence = np.full(len(predictions), np.nan)
        metrics = amount_metrics(
            truths[train_rows], truths[test_rows], predictions[test_rows], random_state=random_state
        )
    else:
        predictions = np.argmax(probabilities, axis=1).astype(np.int64)
        confidence = probabilities.max(axis=1)
        report(3, f"Measuring accuracy on held-out {nouns}")
        metrics = classification_metrics(truths[test_rows], predictions[test_rows], tuple(class_names))
        metrics["baseline_accuracy"] = baseline_accuracy(truths[train_rows], truths[test_rows])
        metrics["baseline_class"] = class_names[most_common_class(truths[train_rows])]
    metrics["n_train"] = len(train_rows)
    metrics["n_test"] = len(test_rows)
    in_training = np.zeros(len(truths), dtype=bool)
    in_training[train_rows] = True

    report(4, "Done")
    return Fitted(
        pipeline=pipeline,
        metrics=metrics,
        predictions=predictions,
        confidence=confidence,
        truths=truths,
        in_training=in_training,
        train_rows=np.asarray(train_rows),
        test_rows=np.asarray(test_rows),
    )


def predict_proba(pipeline: Any, inputs: Any, *, chunk: int | None = None) -> np.ndarray:
    """Probabilities for every input, ``chunk`` at a time (bounded memory) or all at once."""
    if chunk is None:
        return np.asarray(pipeline.predict_proba(inputs))
    parts = [
        pipeline.predict_proba(take(inputs, np.arange(start, min(start + chunk, len(inputs)))))
        for start in range(0, len(inputs), chunk)
    ]
    return np.concatenate(parts)


def take(inputs: Any, positions: np.ndarray) -> Any:
    if isinstance(inputs, pd.DataFrame | pd.Series):
        return inputs.iloc[positions]
    if isinstance(inputs, np.ndarray):
        return inputs[positions]
    return [inputs[i] for i in positions]


def most_common_class(train_truths: np.ndarray) -> int:
    """The training split's most common class (the first of a tie): what the baseline always guesses."""
    return int(np.argmax(np.bincount(train_truths)))


def baseline_accuracy(train_truths: np.ndarray, test_truths: np.ndarray) -> float:
    """The held-out accuracy of always guessing the training split's most common class."""
    return float(np.mean(test_truths == most_common_class(train_truths)))


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: tuple[str, ...]) -> dict[str, Any]:
    """Held-out scores as plain Python numbers and lists, ready for a JSONField."""
    labels = list(range(len(class_names)))
    # zero_division=0: a class the model never predicts has precision 0, not
    # a warning; with a stratified split every class has support >= 1.
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).astype(int).tolist(),
        "per_class": [
            {
                "class": name,
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(class_names)
        ],
    }
