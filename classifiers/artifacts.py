"""Where every file lives, and the one cache that reads them.

All files go through Django's storage API (``STORAGES["default"]``): the local
MEDIA_ROOT by default, an S3-compatible bucket when one is configured, so web
and workers on different machines share no disk. This module is the only one
that turns a file's *name* in that storage into bytes or a local path.

Names (the keys in a bucket, the paths under MEDIA_ROOT):

* ``datasets/<uuid>.<ext>`` an upload; ``datasets/<uuid>-images/<i>.png`` its
  re-encoded images and ``.../features-<network>.npy`` their features;
* ``models/<id>/`` a trained model: ``pipeline.joblib``, ``rows.npz``,
  ``confusion.svg``, each explainer's state (``lime-*.joblib``, ...) and the whole-model
  reports (``reports/<report id>/``: charts and the standalone HTML, explanations/files.py);
* ``explanations/<id>/`` an explanation's charts and pictures (explanations/files.py).

Readers that need a path (joblib, numpy, the table readers) get the storage's
own file on a local disk, or a download kept in a bounded per-machine cache
(limelight/file_cache.py) keyed by name and version, so a worker fetches a model
once; parsed objects are then cached per process by name and version, so a
re-trained model is never served from a stale copy.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from jobs.services import JobError
from limelight.file_cache import FileCache
from limelight.tabular.reading import read_table

from .models import Dataset, TrainedModel

_MISSING = "This model's saved file is missing; please train it again."


@dataclass(frozen=True)
class StoredFile:
    """A file in the storage, by name: opened through the storage, never by a path on this machine."""

    name: str

    def open(self, mode: str = "rb") -> IO[bytes]:
        return default_storage.open(self.name, mode)

    def read_bytes(self) -> bytes:
        return read_stored(self.name)


def stored(name: str) -> StoredFile | None:
    """The stored file called ``name``, or None if there is none (or no name)."""
    return StoredFile(name) if name and default_storage.exists(name) else None


def read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as file:
        return file.read()


def write_stored(name: str, content: bytes) -> str:
    """Write ``content`` as ``name``, replacing what was there; a reader never sees half a file."""
    storage = default_storage
    if _on_local_disk(storage):
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
        return name
    if not getattr(storage, "file_overwrite", False) and storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(content))  # one PUT to an object store: whole or absent
    if saved != name:
        raise RuntimeError(f"The storage renamed {name} to {saved}; files must keep their names.")
    return name


def remove_stored(name: str) -> None:
    """Delete a file or a whole folder (everything under ``name/``); missing ones are fine."""
    storage = default_storage
    if _on_local_disk(storage):
        path = Path(storage.path(name))
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        return
    storage.delete(name)
    try:
        folders, files = storage.listdir(name)
    except FileNotFoundError:
        return
    for file in files:
        storage.delete(f"{name}/{file}")
    for folder in folders:
        remove_stored(f"{name}/{folder}")


def local_copy(name: str) -> Path:
    """A path on this machine holding the stored file: the storage's own on a local disk, else a
    download in the bounded cache (fetched once per version). Raises FileNotFoundError."""
    storage = default_storage
    if _on_local_disk(storage):
        path = Path(storage.path(name))
        if not path.is_file():
            raise FileNotFoundError(name)
        return path
    version = _version(name)
    if version is None:
        raise FileNotFoundError(name)
    return _file_cache().get(name, version, lambda file: _download(name, file))


def _on_local_disk(storage: Any) -> bool:
    return isinstance(storage, FileSystemStorage)


def _version(name: str) -> str | None:
    """What changes whenever the file is written again: size and time on a disk, the ETag in a bucket."""
    storage = default_storage
    if _on_local_disk(storage):
        try:
            stat = os.stat(storage.path(name))
        except FileNotFoundError:
            return None
        return f"{stat.st_size}-{stat.st_mtime_ns}"
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # django-storages' S3: one HEAD request
        try:
            return bucket.Object(_s3_key(storage, name)).e_tag
        except bucket.meta.client.exceptions.ClientError as error:  # boto3's, without importing it here
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
    if not storage.exists(name):
        return None
    return f"{storage.size(name)}-{storage.get_modified_time(name).timestamp()}"


def _download(name: str, file: IO[bytes]) -> None:
    storage = default_storage
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # streamed straight to the cache file: memory does not grow with the file
        bucket.Object(_s3_key(storage, name)).download_fileobj(file)
        return
    with storage.open(name, "rb") as source:
        shutil.copyfileobj(source, file, 1 << 20)


def _s3_key(storage: Any, name: str) -> str:
    return storage._normalize_name(name)  # the key django-storages itself uses (our names are clean)


@lru_cache(maxsize=4)
def _cache_for(root: str, max_bytes: int) -> FileCache:
    return FileCache(root, max_bytes)


def _file_cache() -> FileCache:
    return _cache_for(str(settings.FILE_CACHE_DIR), settings.STORAGE_CACHE_MB * 1_000_000)


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
    name = dataset.file.name
    version = _version(name)
    if version is None:
        raise JobError("This dataset's file is missing; please upload it again.")
    return _cached_table(name, version, dataset.sheet, _number_columns(dataset))


def _number_columns(dataset: Dataset) -> tuple[str, ...]:
    marked = {name for name, kind in (dataset.role_overrides or {}).items() if kind == "number"}
    if dataset.pk is not None:  # a model trained before the mark was taken back still reads numbers
        for numeric in dataset.models.values_list("numeric", flat=True):
            marked.update(numeric or ())
    return tuple(sorted(marked))


def dataset_image_folder(dataset: Dataset) -> str:
    """Where a dataset's re-encoded images live: named after our own file name, never the ZIP's."""
    return f"datasets/{Path(dataset.file.name).stem}-images"


def dataset_image_name(dataset: Dataset, index: int) -> str:
    return f"{dataset_image_folder(dataset)}/{index}.png"


def model_folder(model: TrainedModel) -> str:
    if not model.artifact:
        raise JobError("This model has not finished training.")
    return model.artifact


def model_pipeline(model: TrainedModel) -> Any:
    """The fitted pipeline, loaded once per process."""
    return _own_object(f"{model_folder(model)}/pipeline.joblib")


def model_rows(model: TrainedModel) -> ModelRows:
    try:
        path = local_copy(f"{model_folder(model)}/rows.npz")
    except FileNotFoundError:
        raise JobError(_MISSING) from None
    with np.load(path) as arrays:  # plain arrays: pickles stay refused (the default)
        return ModelRows(**{name: arrays[name] for name in arrays.files})


def model_picture(model: TrainedModel, name: str) -> StoredFile | None:
    """A picture stored with the model at training (``"confusion.svg"``), or None if there is none."""
    if not model.artifact:
        return None
    return stored(f"{model.artifact}/{name}")


def store_model(model: TrainedModel, *, pipeline: Any, rows: ModelRows, pictures: dict[str, bytes]) -> str:
    """Write a freshly trained model's files into a clean folder; return the folder's name."""
    folder = f"models/{model.pk}"
    remove_stored(folder)  # a re-run starts clean: one set of files
    write_stored(f"{folder}/pipeline.joblib", _joblib_bytes(pipeline))
    arrays = io.BytesIO()
    np.savez(arrays, **vars(rows))
    write_stored(f"{folder}/rows.npz", arrays.getvalue())
    for name, picture in pictures.items():
        write_stored(f"{folder}/{name}", picture)
    return folder


def explainer_state(model: TrainedModel, name: str, build: Callable[[], Any]) -> Any:
    """An explainer's per-model state: built once, kept beside the model, cached per process."""
    stored_name = f"{model_folder(model)}/{name}.joblib"
    if _version(stored_name) is None:
        write_stored(stored_name, _joblib_bytes(build()))  # whole or absent: no half file is read
    return _own_object(stored_name)


def _joblib_bytes(value: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(value, buffer)
    return buffer.getvalue()


def _own_object(name: str) -> Any:
    # joblib files are pickles: only ever read one this app wrote, in its models folder,
    # never a name a user could choose.
    parts = Path(name).parts
    if parts[:1] != ("models",) or ".." in parts:
        raise ValueError(f"Refusing to unpickle a file outside the models folder: {Path(name).name}")
    version = _version(name)
    if version is None:
        raise JobError(_MISSING)
    return _cached(name, version, _load_joblib)


def _load_joblib(name: str) -> Any:
    return joblib.load(local_copy(name))


def dataset_feature_rows(dataset: Dataset, name: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """Per-image features of an image dataset, computed once and kept beside its images.

    ``name`` says which features (and which network made them). The file is
    derived data, about 5 KB per image for 1,280 floats, and goes when the
    images go; one that does not hold a float32 row per image is computed again.
    """
    stored_name = f"{dataset_image_folder(dataset)}/features-{name}.npy"
    if _version(stored_name) is not None:
        rows = np.load(io.BytesIO(read_stored(stored_name)))  # plain numbers: pickles stay refused
        if rows.ndim == 2 and rows.shape[0] == dataset.n_rows and rows.dtype == np.float32:
            return rows
    rows = np.asarray(compute(), dtype=np.float32)
    buffer = io.BytesIO()
    np.save(buffer, rows)
    write_stored(stored_name, buffer.getvalue())  # atomic: another worker never reads half a file
    return rows


@lru_cache(maxsize=24)
def _cached(name: str, version: str, read: Callable[[str], Any]) -> Any:
    return read(name)


@lru_cache(maxsize=8)
def _cached_table(name: str, version: str, sheet: str, numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    # A workbook's chosen sheet ('' for the first; CSVs have none).
    return read_table(str(local_copy(name)), sheet=sheet, numbers=numbers)
