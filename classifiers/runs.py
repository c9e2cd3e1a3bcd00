"""What a worker runs for classifiers: training a model and storing its artifacts.

Kept apart from :mod:`classifiers.services` (the writes a web request makes) so
only the worker and the CLI import scikit-learn and matplotlib for training.
"""

from __future__ import annotations

import time
from typing import Any

from jobs.services import JobError, ProgressReporter
from limelight.drawing.charts import confusion_matrix_chart
from limelight.errors import InputError

from .artifacts import ModelRows, store_model
from .kinds import kind_of
from .models import TrainedModel


def model_train(model: TrainedModel, on_progress: ProgressReporter) -> dict[str, Any]:
    """The training job: fit, measure on held-out rows, look for leaks, store the artifact."""
    started = time.perf_counter()
    on_progress(0, 4, "Reading the data")
    kind = kind_of(model)
    try:
        result = kind.train(model, on_progress)
    except InputError as error:
        raise JobError(str(error)) from error
    # Once, right after the fit: the features that alone give the answer away (a leak).
    leaks = kind.find_leaks(model, result, on_progress)
    on_progress(4, 4, "Done")
    rows = ModelRows(
        predictions=result.predictions,
        truths=result.truths,
        confidence=result.confidence,
        in_training=result.in_training,
    )
    # An amount has no classes to confuse: its predicted-against-actual pairs are in the metrics.
    pictures = (
        {}
        if model.predicts_amount
        else {"confusion.svg": confusion_matrix_chart(result.metrics["confusion_matrix"], result.class_names)}
    )
    artifact = store_model(model, pipeline=result.pipeline, rows=rows, pictures=pictures)
    return {
        "artifact": artifact,
        "class_names": list(result.class_names),
        "metrics": result.metrics,
        "leaks": leaks,
        "training_seconds": time.perf_counter() - started,
    }
