"""The files behind a dataset and a model, and the one cache that reads them.

A dataset is its uploaded file; a trained model is a folder the app writes for
itself under ``MEDIA_ROOT/models/<id>/``: the fitted pipeline, its per-row
results, and each explainer's state (LIME's statistics, Anchors' pool), built on
first use. Every read of those files goes through :func:`_cached`, once per
process and file version (its modification time), so a re-trained model is
never served from a stale copy. Storing them elsewhere (object storage shared
by several machines) is a change to this module only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from django.conf import settings

from jobs.services import JobError

from .models import Dataset, TrainedModel
from .tabular.reading import read_table

_MISSING = "This model's saved file is missing; please train it again."


@dataclass(frozen=True)
class ModelRows:
    """Per-row results of a trained model, in file order."""

    predictions: np.ndarray
    truths: np.ndarray
    confidence: np.ndarray
    in_training: np.ndarray


def dataset_frame(dataset: Dataset) -> pd.DataFrame:
    """The dataset as read by the engine, cached per process. Do not modify it.

    Columns a person marked as numbers, and every model's number columns, are read as numbers
    (what cannot be read is missing): no explainer ever meets the text "39,1" in a number column.
    """
    path = Path(dataset.file.path)
    return _cached_table(str(path), path.stat().st_mtime, dataset.sheet, _number_columns(dataset))


def _number_columns(dataset: Dataset) -> tuple[str, ...]:
    marked = {name for name, kind in (dataset.role_overrides or {}).items() if kind == "number"}
    if dataset.pk is not None:  # a model trained before the mark was taken back still reads numbers
        for numeric in dataset.models.values_list("numeric", flat=True):
            marked.update(numeric or ())
    return tuple(sorted(marked))


def model_folder(model: TrainedModel) -> Path:
    if not model.artifact:
        raise JobError("This model has not finished training.")
    return Path(settings.MEDIA_ROOT) / model.artifact


def model_pipeline(model: TrainedModel) -> Any:
    """The fitted pipeline, loaded once per process."""
    return _own_object(model_folder(model) / "pipeline.joblib")


def model_rows(model: TrainedModel) -> ModelRows:
    path = model_folder(model) / "rows.npz"
    if not path.exists():
        raise JobError(_MISSING)
    with np.load(path) as arrays:  # plain arrays: pickles stay refused (the default)
        return ModelRows(**{name: arrays[name] for name in arrays.files})


def model_picture(model: TrainedModel, name: str) -> Path | None:
    """A picture stored with the model at training (``"confusion.svg"``), or None if there is none."""
    if not model.artifact:
        return None
    path = Path(settings.MEDIA_ROOT) / model.artifact / name
    return path if path.is_file() else None


def store_model(model: TrainedModel, *, pipeline: Any, rows: ModelRows, pictures: dict[str, bytes]) -> str:
    """Write a freshly trained model's files into a clean folder; return the folder's name."""
    folder = Path("models") / str(model.pk)
    absolute = Path(settings.MEDIA_ROOT) / folder
    shutil.rmtree(absolute, ignore_errors=True)  # a re-run starts clean: one set of files
    absolute.mkdir(parents=True)
    joblib.dump(pipeline, absolute / "pipeline.joblib")
    np.savez(absolute / "rows.npz", **vars(rows))
    for name, picture in pictures.items():
        (absolute / name).write_bytes(picture)
    return str(folder)


def explainer_state(model: TrainedModel, name: str, build: Callable[[], Any]) -> Any:
    """An explainer's per-model state: built once, kept beside the model, cached per process."""
    path = model_folder(model) / f"{name}.joblib"
    if not path.exists():
        partial = path.with_suffix(".partial")
        joblib.dump(build(), partial)
        partial.replace(path)  # atomic: a concurrent job never reads half a file
    return _own_object(path)


def _own_object(path: Path) -> Any:
    # joblib files are pickles: only ever read one this app wrote, in its models folder,
    # never a path a user could choose.
    models = (Path(settings.MEDIA_ROOT) / "models").resolve()
    if not path.resolve().is_relative_to(models):
        raise ValueError(f"Refusing to unpickle a file outside the models folder: {path.name}")
    if not path.exists():
        raise JobError(_MISSING)
    return _cached(str(path), path.stat().st_mtime, joblib.load)


def dataset_feature_rows(dataset: Dataset, name: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """Per-image features of an image dataset, computed once and kept beside its images.

    ``name`` says which features (and which network made them). The file is
    derived data, about 5 KB per image for 1,280 floats, and goes when the
    images go; one that does not hold a float32 row per image is computed again.
    """
    from .services import dataset_image_folder

    path = dataset_image_folder(dataset) / f"features-{name}.npy"
    if path.exists():
        rows = np.load(path)  # plain numbers: pickles stay refused
        if rows.ndim == 2 and rows.shape[0] == dataset.n_rows and rows.dtype == np.float32:
            return rows
    rows = np.asarray(compute(), dtype=np.float32)
    partial = path.with_name(f"{path.stem}.partial.npy")
    np.save(partial, rows)
    partial.replace(path)  # atomic: another worker never reads half a file
    return rows


@lru_cache(maxsize=24)
def _cached(path: str, mtime: float, read: Callable[[str], Any]) -> Any:
    return read(path)


@lru_cache(maxsize=8)
def _cached_table(path: str, mtime: float, sheet: str, numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    # A workbook's chosen sheet ('' for the first; CSVs have none).
    return read_table(path, sheet=sheet, numbers=numbers)
