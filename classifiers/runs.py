"""What a worker runs for classifiers: training a model and storing its artifacts.

Kept apart from :mod:`classifiers.services` (the writes a web request makes) so
only the worker and the CLI import scikit-learn and matplotlib for training.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from django.conf import settings

from explanations.engine.charts import confusion_matrix_chart
from jobs.services import JobError, ProgressReporter

from .images.training import ImageTrainingError, train_image_classifier
from .models import TrainedModel
from .services import dataset_frame, dataset_image
from .tabular.reading import TableError
from .tabular.training import train_classifier
from .text.training import train_text_classifier


def model_train(model: TrainedModel, on_progress: ProgressReporter) -> dict[str, Any]:
    """The training job: fit, measure on held-out rows, store the artifact."""
    started = time.perf_counter()
    on_progress(0, 4, "Reading the data")
    try:
        if model.is_image:
            dataset = model.dataset
            inputs = [dataset_image(dataset, i, max_side=256) for i in range(dataset.n_rows)]
            result = train_image_classifier(
                inputs,
                [image["label"] for image in dataset.images],
                classifier=model.classifier,
                features=model.params["features"],
                image_size=model.params["image_size"],
                random_state=model.random_state,
                on_progress=on_progress,
            )
            in_training = result.in_training
        elif model.is_text:
            frame = dataset_frame(model.dataset)
            inputs = frame[model.text_column]
            result = train_text_classifier(
                frame[model.text_column],
                frame[model.target],
                classifier=model.classifier,
                char_ngrams=bool(model.params.get("char_ngrams")),
                random_state=model.random_state,
                on_progress=on_progress,
                target=model.target,
            )
            in_training = result.in_training
        else:
            frame = dataset_frame(model.dataset)
            inputs = frame[list(model.features)]
            result = _train_table(model, frame, on_progress)
            in_training = frame.index.isin(result.train_frame.index)
    except (TableError, ImageTrainingError) as error:
        raise JobError(str(error)) from error
    folder = Path("models") / str(model.pk)
    absolute = Path(settings.MEDIA_ROOT) / folder
    shutil.rmtree(absolute, ignore_errors=True)  # a re-run starts clean: one set of files
    absolute.mkdir(parents=True)
    joblib.dump(result.pipeline, absolute / "pipeline.joblib")
    (absolute / "confusion.svg").write_bytes(
        confusion_matrix_chart(result.metrics["confusion_matrix"], result.class_names)
    )
    probabilities = result.pipeline.predict_proba(inputs)
    np.savez(
        absolute / "rows.npz",
        predictions=result.predictions,
        truths=result.truths,
        confidence=probabilities.max(axis=1),
        in_training=in_training,
    )
    return {
        "artifact": str(folder),
        "class_names": list(result.class_names),
        "metrics": result.metrics,
        "training_seconds": time.perf_counter() - started,
    }


def _train_table(model: TrainedModel, frame: pd.DataFrame, on_progress: ProgressReporter) -> Any:
    return train_classifier(
        frame,
        target=model.target,
        features=model.features,
        numeric=model.numeric,
        categorical=model.categorical,
        classifier=model.classifier,
        params=model.params,
        random_state=model.random_state,
        on_progress=on_progress,
    )
