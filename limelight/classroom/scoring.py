"""A fitted model measured on a lesson's hidden clean test set, with what the numbers rest on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from limelight.confidence import wilson
from limelight.fitting import predict_proba

__all__ = ["clean_test_scores"]


def clean_test_scores(pipeline: Any, class_names: Sequence[str], inputs: Any, truths: np.ndarray) -> dict[str, Any]:
    """Accuracy (with its Wilson 95% range and the count it rests on), balanced accuracy and the
    baseline: the accuracy of always guessing the clean set's most common class."""
    predicted = np.asarray(class_names, dtype=object)[np.argmax(predict_proba(pipeline, inputs, chunk=200), axis=1)]
    truths = np.asarray(truths, dtype=object)
    correct = int(np.sum(predicted == truths))
    low, high = wilson(correct, len(truths))
    _, counts = np.unique(truths, return_counts=True)
    return {
        "accuracy": correct / len(truths),
        "accuracy_low": low,
        "accuracy_high": high,
        "correct": correct,
        "n": len(truths),
        "balanced_accuracy": float(balanced_accuracy_score(truths.astype(str), predicted.astype(str))),
        "baseline_accuracy": float(counts.max() / len(truths)),
    }
