"""Writes for datasets and models that a web request makes, and the reads they share.

What only a worker runs (training) is in :mod:`classifiers.runs`, so the web
process never imports scikit-learn or matplotlib.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.quotas import (
    QuotaError,
    check_job_quota,
    check_upload_quota,
    disk_used_by,
    stored_images_error,
)
from jobs.models import JobStatus
from jobs.services import JobError, ProgressReporter, job_dispatch
from limelight.demos import DEMOS, demo_bytes
from limelight.errors import InputError
from limelight.images.archive import ArchiveError, ImageItem, load_image, save_normalised, stream_image_archive
from limelight.sizes import size_text
from limelight.tabular.profiling import OVERRIDABLE_KINDS, ColumnKind, ColumnProfile, default_row_label, profile_columns
from limelight.tabular.reading import TableError
from limelight.tabular.workbooks import WORKBOOK_FORMATS, file_format, sheet_names, unsupported_message
from limelight.training_settings import TrainingSettings

from .artifacts import (
    dataset_frame,
    dataset_image_folder,
    dataset_image_name,
    local_copy,
    read_stored,
    remove_stored,
    write_stored,
)
from .kinds import kind_for_upload, kind_of, training_kind
from .models import Dataset, TrainedModel


class UploadError(ValueError):
    """A rejected upload or request, phrased for the person who sent it."""


def dataset_create(*, owner: AbstractBaseUser, upload: UploadedFile, is_demo: bool = False, sheet: str = "") -> Dataset:
    """Store an uploaded CSV, workbook or ZIP of images and profile it (a workbook's ``sheet``; "" for the first).

    A small file is read here, so a bad one is refused at once and nothing is
    kept. A large one is profiled by a worker, with progress, and a problem
    found there is shown on the dataset's page.
    """
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise UploadError(
            f"The file is {size_text(upload.size, decimals=1)}; the limit is {size_text(settings.MAX_UPLOAD_BYTES)}."
        )
    if upload.size == 0:
        raise UploadError("The file is empty.")
    try:
        check_upload_quota(owner, upload.size)
    except QuotaError as error:
        raise UploadError(str(error)) from error
    fmt = _format(upload)
    if fmt.startswith("unknown:"):
        raise UploadError(unsupported_message(fmt.removeprefix("unknown:")))
    # A workbook is a ZIP too: what is inside, not the first bytes, says it is a table.
    kind = kind_of("tabular") if fmt in WORKBOOK_FORMATS else kind_for_upload(_head(upload))
    dataset = Dataset(
        owner=owner,
        name=_display_name(upload.name or "data.csv"),
        size_bytes=upload.size,
        is_demo=is_demo,
        kind=kind.name,
        sheet=sheet,
    )
    upload_name = f"upload.{fmt}" if fmt in WORKBOOK_FORMATS else kind.upload_name
    dataset.file.save(upload_name, upload, save=False)
    if upload.size > settings.INLINE_PROFILE_BYTES:
        with transaction.atomic():
            dataset.save()
            job_dispatch(job=dataset)
        return dataset
    try:
        kind.read_dataset(dataset, lambda *args: None)
    except (TableError, ArchiveError) as error:
        _remove_dataset_files(dataset)
        raise UploadError(str(error)) from error
    now = timezone.now()
    dataset.status, dataset.started_at, dataset.finished_at = JobStatus.SUCCEEDED, now, now
    dataset.save()
    return dataset


def dataset_create_demo(*, owner: AbstractBaseUser, slug: str) -> Dataset:
    """One of the bundled demo tables, through the same path as an upload."""
    if slug not in DEMOS:
        raise UploadError(f"There is no demo called “{slug}”.")
    upload = SimpleUploadedFile(DEMOS[slug].filename, demo_bytes(slug))
    return dataset_create(owner=owner, upload=upload, is_demo=True)


def dataset_profile(dataset: Dataset, on_progress: ProgressReporter) -> dict[str, Any]:
    """The profiling job for a large upload."""
    on_progress(0, 2, "Reading the file")
    try:
        kind_of(dataset).read_dataset(dataset, on_progress)
    except (TableError, ArchiveError) as error:
        _remove_dataset_files(dataset)
        raise JobError(str(error)) from error
    fields = ("n_rows", "n_columns", "columns", "row_label", "sheets", "images", "skipped")
    return {name: getattr(dataset, name) for name in fields}


def _head(upload: UploadedFile) -> bytes:
    """The file's first bytes, which tell its kind (the name can lie either way)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head


def _format(upload: UploadedFile) -> str:
    """What the file is by its content (see tabular.workbooks.file_format); the file is left at its start."""
    upload.seek(0)
    try:
        return file_format(upload)
    finally:
        upload.seek(0)


def read_images_into(dataset: Dataset) -> None:
    """Check every member of the ZIP, re-encode the images as PNG and record their classes.

    What is stored counts toward the owner's disk quota: the ZIP and its PNGs, often
    several times the ZIP's size. The PNGs are stored one by one (in the bucket, when there is
    one), measured as they are written; once the total would go over the quota the upload is
    refused (ArchiveError) and every image stored so far removed, so only a complete set that
    fits stays, and ``size_bytes`` then holds the bytes stored.
    """
    folder = dataset_image_folder(dataset)
    remove_stored(folder)  # a re-run starts clean
    used = disk_used_by(dataset.owner, excluding=dataset.pk)
    stored = dataset.file.size

    def store(item: ImageItem) -> None:
        # Handed over one at a time in member order (image i is the i-th member by name) and
        # let go once written, so memory does not grow with the archive.
        nonlocal stored, written
        png = io.BytesIO()
        save_normalised(item.image, png)
        write_stored(dataset_image_name(dataset, written), png.getvalue())
        written += 1
        stored += png.tell()
        if used + stored > settings.USER_MAX_BYTES:
            raise ArchiveError(str(stored_images_error(used=used, stored=stored)))

    written = 0
    try:
        archive = stream_image_archive(
            local_copy(dataset.file.name),  # the ZIP on this machine's disk: members are read one at a time
            store,
            max_members=settings.MAX_ZIP_MEMBERS,
            max_total_bytes=settings.MAX_ZIP_BYTES,
            max_pixels=settings.MAX_IMAGE_PIXELS,
        )
    except BaseException:
        remove_stored(folder)
        raise
    dataset.images = [{"label": entry.label, "name": entry.member} for entry in archive.entries]
    dataset.skipped = list(archive.skipped)
    dataset.n_rows, dataset.n_columns = len(archive.entries), len(archive.classes)
    dataset.size_bytes = stored
    if dataset.pk is not None:  # read by a worker: the row exists, and the job saves only the profile
        Dataset.objects.filter(pk=dataset.pk).update(size_bytes=stored)


def dataset_image(dataset: Dataset, index: int, *, max_side: int | None = None) -> np.ndarray:
    """One stored image as RGB pixels, optionally scaled down (for training)."""
    image = load_image(io.BytesIO(read_stored(dataset_image_name(dataset, index))))
    if max_side and max(image.shape[:2]) > max_side:
        scale = max_side / max(image.shape[:2])
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
    return image


def _remove_dataset_files(dataset: Dataset) -> None:
    """Delete a refused upload's files; a row that stays (failed, read by a worker) then counts 0 bytes."""
    remove_stored(dataset_image_folder(dataset))
    dataset.file.delete(save=False)
    dataset.size_bytes = 0
    if dataset.pk is not None:
        Dataset.objects.filter(pk=dataset.pk).update(size_bytes=0)


def profile_into(dataset: Dataset, frame: pd.DataFrame) -> None:
    """Profile the columns, pick the column that names the rows, and list a workbook's sheets."""
    dataset.n_rows, dataset.n_columns = frame.shape
    profiles = profile_columns(frame)
    dataset.columns = [profile.to_dict() for profile in profiles]
    dataset.row_label = default_row_label(profiles, len(frame), nameless=frame.attrs.get("row_label", ""))
    with dataset.file.open("rb") as handle:
        raw = handle.read()
    fmt = file_format(raw)
    dataset.sheets = sheet_names(raw, fmt) if fmt in WORKBOOK_FORMATS else []


def _display_name(name: str) -> str:
    """The file's own name without folders or control characters, for display only."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "data.csv"


def dataset_set_roles(*, dataset: Dataset, roles: dict[str, str], row_label: str | None = None) -> Dataset:
    """Keep the user's choice of kind for each column (only where it differs from ours), and of
    the column that names the rows ("" for none; None leaves it as it is)."""
    inferred = {column["name"]: column["kind"] for column in dataset.columns}
    allowed = {kind.value for kind in OVERRIDABLE_KINDS}
    overrides = {}
    for name, kind in roles.items():
        if name not in inferred:
            raise UploadError(f"There is no column named “{name}” in this file.")
        if kind == inferred[name]:
            continue
        if kind not in allowed:
            raise UploadError(f"“{kind}” is not a kind of column Limelight knows.")
        overrides[name] = kind
    if row_label is not None and row_label and row_label not in inferred:
        raise UploadError(f"There is no column named “{row_label}” in this file.")
    dataset.role_overrides = overrides
    if row_label is not None:
        dataset.row_label = row_label
    dataset.save(update_fields=["role_overrides", "row_label"])
    return dataset


def dataset_choose_sheet(*, dataset: Dataset, sheet: str) -> Dataset:
    """Read another sheet of a workbook instead: its columns replace the old sheet's.

    Refused once models exist, since they were trained on the sheet read now.
    """
    if sheet not in dataset.sheets:
        raise UploadError(f"The workbook has no sheet called “{sheet}”.")
    if dataset.models.exists():
        raise UploadError("Models were trained on this sheet; upload the workbook again to use another sheet.")
    previous = dataset.sheet
    dataset.sheet = "" if sheet == dataset.sheets[0] else sheet
    try:
        frame = dataset_frame(dataset)
    except TableError as error:
        dataset.sheet = previous
        raise UploadError(str(error)) from error
    profile_into(dataset, frame)
    dataset.role_overrides = {}
    dataset.save(update_fields=["sheet", "n_rows", "n_columns", "columns", "row_label", "sheets", "role_overrides"])
    return dataset


def dataset_profiles(dataset: Dataset) -> list[ColumnProfile]:
    """Each column's profile, with the kind the user chose where they overrode ours."""
    overrides = dataset.role_overrides or {}
    profiles = [ColumnProfile.from_dict(column) for column in dataset.columns]
    return [
        profile.with_kind(ColumnKind(overrides[profile.name])) if profile.name in overrides else profile
        for profile in profiles
    ]


def dataset_text_columns(dataset: Dataset) -> list[str]:
    return [p.name for p in dataset_profiles(dataset) if p.kind == ColumnKind.TEXT]


def dataset_default_target(dataset: Dataset) -> str:
    return kind_of(dataset).default_target(dataset)


def dataset_row_frame(dataset: Dataset, row_index: int | None) -> pd.DataFrame:
    """The dataset's frame, after checking that row `row_index` (if any) is still in it."""
    frame = dataset_frame(dataset)
    if row_index is not None and row_index >= len(frame):
        raise JobError("This row is no longer in the data file.")
    return frame


def model_train_request(
    *, dataset: Dataset, settings: TrainingSettings | None = None, dispatch: bool = True, **changes: Any
) -> TrainedModel:
    """Create a training job for `dataset` and send it to a worker once committed.

    ``settings`` (default: the defaults) with any ``changes`` by name (``target="risk"``)
    are checked here, with the dataset's kind, so a plain mistake is a message on the
    form rather than a failed job.
    """
    unknown = sorted(set(changes) - set(TrainingSettings.names()))
    if unknown:
        raise TypeError(f"unknown training settings: {unknown}")
    try:
        settings = (settings or TrainingSettings()).replace(**changes).checked()
    except InputError as error:
        raise UploadError(str(error)) from error
    if not dataset.succeeded:
        raise UploadError("This file has not been read yet.")
    try:
        check_job_quota(dataset.owner)
    except QuotaError as error:
        raise UploadError(str(error)) from error
    kind = training_kind(dataset, settings.text_column)
    if settings.classifier not in kind.classifiers and settings.classifier not in kind.regressors:
        choices = ", ".join(dict.fromkeys([*kind.classifiers.values(), *kind.regressors.values()]))
        raise UploadError(f"For {kind.label.lower()}, choose one of these kinds of model: {choices}.")
    # The kind decides the task from the target (or takes the person's) and refuses a model of the other task.
    fields = kind.train_fields(
        dataset=dataset,
        target=settings.target,
        classifier=settings.classifier,
        params=settings.params,
        text_column=settings.text_column,
        task=settings.task,
    )
    try:
        fields = settings.leaving_out(fields)
    except InputError as error:
        raise UploadError(str(error)) from error
    with transaction.atomic():
        model = TrainedModel.objects.create(
            dataset=dataset,
            kind=kind.name,
            classifier=settings.classifier,
            random_state=settings.random_state,
            **fields,
        )
        if dispatch:
            job_dispatch(job=model)
    return model


def model_settings(model: TrainedModel) -> TrainingSettings:
    """The settings a model was trained with, whole: to train it again with one change."""
    return TrainingSettings(
        target=model.target,
        classifier=model.classifier,
        params=dict(model.params),
        text_column=model.text_column,
        random_state=model.random_state,
        left_out=tuple(model.left_out),
        task=model.task,
    )


def model_retrain_without(*, model: TrainedModel, column: str) -> TrainedModel:
    """Train the model again with the same settings, leaving ``column`` out (a leak, say); for a text
    model, ``column`` is a word, taken out of every text."""
    if model.text_column:
        column = column.strip().lower()
        if not column or column in model.left_out:
            raise UploadError("Say which word to leave out of the texts.")
    elif column not in model.features:
        raise UploadError(f"The model does not use “{column}”, so it cannot be left out.")
    settings = model_settings(model)
    return model_train_request(dataset=model.dataset, settings=settings.replace(left_out=(*settings.left_out, column)))


def dataset_delete(*, dataset: Dataset) -> None:
    """Delete a dataset with its models, explanations and share links, from disk too."""
    names = [f"models/{pk}" for pk in dataset.models.values_list("pk", flat=True)]
    names += [
        f"explanations/{pk}" for pk in dataset.models.values_list("explanations__pk", flat=True) if pk is not None
    ]
    names += [dataset.file.name, dataset_image_folder(dataset)] if dataset.file else []
    with transaction.atomic():
        dataset.delete()  # cascades to models, explanations and their share links
        transaction.on_commit(lambda: _remove(names))


def _remove(names: list[str]) -> None:
    for name in names:
        remove_stored(name)
