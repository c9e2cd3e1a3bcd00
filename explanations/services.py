"""Writes for explanations: request a job, and run it through the engine."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction

from classifiers.models import TrainedModel
from classifiers.selectors import display_value
from classifiers.services import dataset_frame, model_folder, model_pipeline, model_rows
from jobs.services import JobError, ProgressReporter, job_dispatch

from .engine.charts import weights_chart
from .engine.lime_tabular import TabularLime
from .models import Explainer, Explanation

LIMITS = {"num_samples": (100, 50_000), "num_features": (1, 30)}


class RequestError(ValueError):
    """An explanation that cannot be asked for, phrased for the user."""


def explanation_request(
    *,
    model: TrainedModel,
    row_index: int,
    explainer: str = Explainer.LIME,
    num_samples: int = 5000,
    num_features: int = 10,
    random_state: int = 0,
    dispatch: bool = True,
) -> Explanation:
    """Create an explanation job for one row and send it to a worker once committed."""
    if not model.succeeded:
        raise RequestError("This model has not finished training yet.")
    if explainer not in Explainer.values:
        raise RequestError(f"Unknown explainer “{explainer}”.")
    n_rows = model.dataset.n_rows
    if not 0 <= row_index < n_rows:
        raise RequestError(f"Row {row_index} does not exist: rows are numbered 0 to {n_rows - 1}.")
    for name, value in {"num_samples": num_samples, "num_features": num_features}.items():
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise RequestError(f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}.")
    with transaction.atomic():
        explanation = Explanation.objects.create(
            model=model,
            row_index=row_index,
            explainer=explainer,
            num_samples=num_samples,
            num_features=num_features,
            random_state=random_state,
        )
        if dispatch:
            job_dispatch(job=explanation)
    return explanation


def explanation_run(explanation: Explanation, on_progress: ProgressReporter) -> dict[str, Any]:
    """The explanation job: perturb around the row, query the model, fit the surrogate, draw."""
    started = time.perf_counter()
    model = explanation.model
    on_progress(0, explanation.num_samples, "Loading the model")
    pipeline = model_pipeline(model)
    frame = dataset_frame(model.dataset)
    if explanation.row_index >= len(frame):
        raise JobError("This row is no longer in the data file.")
    row = frame.iloc[[explanation.row_index]][list(model.features)]
    probabilities = pipeline.predict_proba(row)[0]
    label = int(np.argmax(probabilities))
    lime = tabular_lime_for(model)
    on_progress(0, explanation.num_samples, "Asking the model about similar cases")
    result = lime.explain(
        row.iloc[0],
        pipeline.predict_proba,
        label=label,
        num_samples=explanation.num_samples,
        num_features=explanation.num_features,
        random_state=explanation.random_state,
        on_progress=lambda done, total: on_progress(done, total, "Asking the model about similar cases"),
    )
    on_progress(explanation.num_samples, explanation.num_samples, "Drawing the chart")
    chart = Path("explanations") / str(explanation.pk) / "weights.svg"
    absolute = Path(settings.MEDIA_ROOT) / chart
    absolute.parent.mkdir(parents=True, exist_ok=True)
    absolute.write_bytes(
        weights_chart(
            [(weight.condition, weight.weight) for weight in result.weights],
            title=model.class_names[label],
        )
    )
    source = frame.iloc[explanation.row_index]
    return {
        "label": label,
        "probabilities": [float(p) for p in probabilities],
        "result": result.to_dict(),
        "instance": {str(column): display_value(source[column]) for column in frame.columns},
        "chart": str(chart),
        "explaining_seconds": time.perf_counter() - started,
    }


def tabular_lime_for(model: TrainedModel) -> TabularLime:
    """LIME's training statistics for a model: built once, kept beside the model, cached per process."""
    path = model_folder(model) / "lime.joblib"
    if not path.exists():
        frame = dataset_frame(model.dataset)
        training_rows = frame[model_rows(model).in_training][list(model.features)]
        lime = TabularLime.fit(training_rows, numeric=model.numeric, categorical=model.categorical)
        partial = path.with_suffix(".partial")
        joblib.dump(lime, partial)
        partial.replace(path)  # atomic: a concurrent job never reads half a file
    return _load_cached(str(path), path.stat().st_mtime)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime: float) -> TabularLime:
    return joblib.load(path)
