"""Writes for explanations: request a job, and run it through the engine."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from classifiers.models import TrainedModel
from classifiers.selectors import display_value
from classifiers.services import dataset_frame, model_folder, model_pipeline, model_rows
from jobs.services import JobError, ProgressReporter, job_dispatch

from .engine.charts import weights_chart
from .engine.lime_tabular import DISCRETIZERS, TabularLime
from .models import Explainer, Explanation, ShareLink

LIMITS = {"num_samples": (100, 50_000), "num_features": (1, 30)}


class RequestError(ValueError):
    """An explanation that cannot be asked for, phrased for the user."""


def explanation_request(
    *,
    model: TrainedModel,
    row_index: int | None = None,
    custom_values: dict[str, Any] | None = None,
    explainer: str = Explainer.LIME,
    requested_label: int | None = None,
    num_samples: int = 5000,
    num_features: int = 10,
    kernel_width: float | None = None,
    discretizer: str = "quartile",
    random_state: int = 0,
    dispatch: bool = True,
) -> Explanation:
    """Create an explanation job for one row (or the user's own values); send it once committed."""
    if not model.succeeded:
        raise RequestError("This model has not finished training yet.")
    if explainer not in Explainer.values:
        raise RequestError(f"Unknown explainer “{explainer}”.")
    if (row_index is None) == (custom_values is None):
        raise RequestError("Choose a row to explain, or fill in your own values.")
    if row_index is not None and not 0 <= row_index < model.dataset.n_rows:
        raise RequestError(
            f"Row {row_index} does not exist: rows are numbered 0 to {model.dataset.n_rows - 1}."
        )
    if custom_values is not None:
        custom_values = _clean_custom_values(model, custom_values)
    if requested_label is not None and not 0 <= requested_label < len(model.class_names):
        raise RequestError("Choose one of the model's classes to explain.")
    if discretizer not in DISCRETIZERS:
        raise RequestError(f"Unknown way of splitting numbers “{discretizer}”.")
    for name, value in {"num_samples": num_samples, "num_features": num_features}.items():
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise RequestError(f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}.")
    with transaction.atomic():
        explanation = Explanation.objects.create(
            model=model,
            row_index=row_index,
            custom_values=custom_values,
            explainer=explainer,
            requested_label=requested_label,
            num_samples=num_samples,
            num_features=num_features,
            kernel_width=kernel_width,
            discretizer=discretizer,
            random_state=random_state,
        )
        if dispatch:
            job_dispatch(job=explanation)
    return explanation


def _clean_custom_values(model: TrainedModel, values: dict[str, Any]) -> dict[str, Any]:
    """Only the model's columns; numbers as numbers; missing as None."""
    unknown = sorted(set(values) - set(model.features))
    if unknown:
        raise RequestError(f"The model does not use the column “{unknown[0]}”.")
    cleaned: dict[str, Any] = {}
    for name in model.features:
        value = values.get(name)
        if value is None or value == "":
            cleaned[name] = None
        elif name in model.numeric:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise RequestError(f"“{name}” needs a number.") from None
            if not np.isfinite(number):
                raise RequestError(f"“{name}” needs a finite number.")
            cleaned[name] = number
        else:
            cleaned[name] = str(value)
    return cleaned


def explanation_instance(explanation: Explanation) -> pd.DataFrame:
    """The one-row frame to explain, over the model's columns and with the file's dtypes."""
    model = explanation.model
    frame = dataset_frame(model.dataset)
    features = list(model.features)
    if explanation.row_index is not None:
        if explanation.row_index >= len(frame):
            raise JobError("This row is no longer in the data file.")
        return frame.iloc[[explanation.row_index]][features]
    row = {}
    for name in features:
        value = explanation.custom_values.get(name)
        if value is not None and name not in model.numeric and pd.api.types.is_numeric_dtype(frame[name]):
            value = float(value)  # a category stored as numbers, such as 0/1
        row[name] = [np.nan if value is None else value]
    return pd.DataFrame(row).astype({name: frame[name].dtype for name in model.numeric})


def explanation_run(explanation: Explanation, on_progress: ProgressReporter) -> dict[str, Any]:
    """The explanation job: perturb around the row, query the model, fit the surrogate, draw."""
    started = time.perf_counter()
    model = explanation.model
    on_progress(0, explanation.num_samples, "Loading the model")
    pipeline = model_pipeline(model)
    row = explanation_instance(explanation)
    probabilities = pipeline.predict_proba(row)[0]
    label = explanation.requested_label
    if label is None:
        label = int(np.argmax(probabilities))
    lime = tabular_lime_for(model, explanation.discretizer)
    stage = "Asking the model about similar cases"
    on_progress(0, explanation.num_samples, stage)
    result = lime.explain(
        row.iloc[0],
        pipeline.predict_proba,
        label=label,
        num_samples=explanation.num_samples,
        num_features=explanation.num_features,
        kernel_width=explanation.kernel_width,
        random_state=explanation.random_state,
        on_progress=lambda done, total: on_progress(done, total, stage),
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
    if explanation.row_index is not None:
        source = dataset_frame(model.dataset).iloc[explanation.row_index]
        instance = {str(column): display_value(source[column]) for column in source.index}
    else:
        instance = {name: display_value(row.iloc[0][name]) for name in row.columns}
    return {
        "label": label,
        "probabilities": [float(p) for p in probabilities],
        "result": result.to_dict(),
        "instance": instance,
        "chart": str(chart),
        "explaining_seconds": time.perf_counter() - started,
    }


def tabular_lime_for(model: TrainedModel, discretizer: str = "quartile") -> TabularLime:
    """LIME's training statistics for a model: built once per model and discretizer,
    kept beside the model, and cached per worker process."""
    path = model_folder(model) / f"lime-{discretizer}.joblib"
    if not path.exists():
        frame = dataset_frame(model.dataset)
        rows = model_rows(model)
        in_training = rows.in_training
        lime = TabularLime.fit(
            frame[in_training][list(model.features)],
            numeric=model.numeric,
            categorical=model.categorical,
            discretizer=discretizer,
            labels=rows.truths[in_training],
        )
        partial = path.with_suffix(".partial")
        joblib.dump(lime, partial)
        partial.replace(path)  # atomic: a concurrent job never reads half a file
    return _load_cached(str(path), path.stat().st_mtime)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime: float) -> TabularLime:
    return joblib.load(path)


def share_link_create(
    *,
    user: AbstractBaseUser,
    explanation: Explanation | None = None,
    model: TrainedModel | None = None,
    expires_in_days: int | None = None,
) -> ShareLink:
    """A new read-only link to one explanation or one model's overview. Several may exist."""
    if (explanation is None) == (model is None):
        raise RequestError("Share either an explanation or a model.")
    target = explanation or model
    if not target.succeeded:
        raise RequestError("Only a finished result can be shared.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 365:
        raise RequestError("A link can last from 1 to 365 days.")
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return ShareLink.objects.create(
        explanation=explanation, model=model, created_by=user, expires_at=expires_at
    )


def share_link_revoke(*, link: ShareLink) -> None:
    """Stop a link working at once; other links to the same result keep working."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
