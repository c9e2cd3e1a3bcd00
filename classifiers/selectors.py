"""Reads that views need. Every lookup by id is scoped to its owner."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from limelight.amount_words import amount as amount_text
from limelight.amounts import unit_of
from limelight.rows import row_name, row_number
from limelight.tabular.targets import target_candidates

from .artifacts import StoredFile, dataset_frame, dataset_image_name, model_rows, stored
from .models import Dataset, TrainedModel
from .services import dataset_profiles

MISSING = "(missing)"


def datasets_of(user: AbstractBaseUser) -> QuerySet[Dataset]:
    return Dataset.objects.filter(owner=user)


def dataset_for_user(user: AbstractBaseUser, pk: int) -> Dataset:
    """The user's dataset, or 404 for anyone else's."""
    return get_object_or_404(Dataset, pk=pk, owner=user)


def models_of(user: AbstractBaseUser) -> QuerySet[TrainedModel]:
    return TrainedModel.objects.filter(dataset__owner=user).select_related("dataset")


def model_for_user(user: AbstractBaseUser, pk: int) -> TrainedModel:
    return get_object_or_404(TrainedModel.objects.select_related("dataset"), pk=pk, dataset__owner=user)


def display_value(value: object) -> str:
    """A cell as people read it: missing cells say so, whole numbers lose their '.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
    return str(value)


def dataset_preview(dataset: Dataset, rows: int = 8) -> tuple[list[str], list[list[str]]]:
    frame = dataset_frame(dataset).head(rows)
    return list(frame.columns), [[display_value(v) for v in row] for row in frame.itertuples(index=False)]


def row_label_column(dataset: Dataset) -> str:
    """The column that names the dataset's rows (a patient number, a name), or "" when it has none."""
    return getattr(dataset, "row_label", "") or ""  # the field arrives with issue 17's files work


def row_label(dataset: Dataset, index: int) -> str:
    """Row ``index``'s own name from the row-label column, or "" (no such column, no such row, missing)."""
    column = row_label_column(dataset)
    if not column:
        return ""
    try:
        frame = dataset_frame(dataset)
    except Exception:  # the file is gone or unreadable: the page still names the row by its number
        return ""
    if column not in frame.columns or not 0 <= index < len(frame):
        return ""
    value = frame.iloc[index][column]
    return "" if display_value(value) == MISSING else display_value(value)


def target_choices(dataset) -> list[str]:
    """The columns offered as the one to predict: not identifiers, dates, the row label or constants."""
    profiles = dataset_profiles(dataset)
    return [p.name for p in target_candidates(profiles, row_label=dataset.row_label)] or [p.name for p in profiles]


def row_subject(dataset: Dataset, index: int) -> str:
    """How every page names row ``index``: 'row 17', 'row 17 (P-1017122)', 'image 3'."""
    return row_name(index, case=dataset.data_kind.words.case, label=row_label(dataset, index))


@dataclass(frozen=True)
class RowSummary:
    index: int  # 0-based, in file order: what the forms send
    truth: str
    prediction: str
    confidence: float
    correct: bool
    in_training: bool
    values: list[str]
    label: str = ""  # the row's own name, from the row-label column
    columns: tuple[str, ...] = ()  # the names of `values`, in the same order

    @property
    def number(self) -> int:
        """The row as the person's spreadsheet numbers it (the first data row is 1)."""
        return row_number(self.index)

    @property
    def cells(self) -> list[tuple[str, str]]:
        """(column, value) pairs: on a phone each row is a card that names its values."""
        return list(zip(self.columns, self.values, strict=True))


@dataclass(frozen=True)
class RowPage:
    rows: list[RowSummary]
    columns: list[str]
    number: int
    pages: int
    total: int
    label_column: str = ""  # the column that names the rows, shown beside the row number

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class RowFilter:
    """What the instance picker narrows the rows to."""

    truth: str = ""
    prediction: str = ""
    wrong_only: bool = False
    search: str = ""
    column: str = ""  # search only this column ("" = every column)

    @property
    def active(self) -> bool:
        return bool(self.truth or self.prediction or self.wrong_only or self.search)


def image_gallery(dataset: Dataset, per_class: int = 8) -> list[dict]:
    """Per class: how many images, and the first few (index, name) for thumbnails."""
    classes: dict[str, dict] = {}
    for index, image in enumerate(dataset.images):
        entry = classes.setdefault(image["label"], {"label": image["label"], "count": 0, "images": []})
        entry["count"] += 1
        if len(entry["images"]) < per_class:
            entry["images"].append({"index": index, "name": image["name"]})
    return sorted(classes.values(), key=lambda entry: entry["label"])


def model_row_page(
    model: TrainedModel,
    page: int,
    row_filter: RowFilter | None = None,
    per_page: int = 15,
    shown_columns: int = 1000,
) -> RowPage:
    """One page of rows with their true and predicted labels, for choosing what to explain.

    Every column the model uses is listed (the table scrolls sideways), the row-label column
    first when the dataset has one; the search reads every column of the file.
    """
    frame, model_columns = model.data_kind.row_labels(model, shown_columns)
    results = model_rows(model)
    names = model.class_names
    label_column = row_label_column(model.dataset)
    if label_column not in frame.columns:
        label_column = ""
    amount = model.predicts_amount
    # An amount's "right" is within the band Anchors uses by default (a tenth of the amounts' spread).
    band = float(model.metrics.get("default_band", 0.0)) if amount else 0.0
    unit = unit_of(model.target) if amount else ""
    keep = _matching_rows(frame, results, [] if amount else names, row_filter or RowFilter(), band=band)
    total = len(keep)
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, page), pages)
    columns = [name for name in model_columns if name != label_column]
    rows = []
    for index in keep[(number - 1) * per_page : number * per_page]:
        index = int(index)
        if amount:
            truth_value, predicted = float(results.truths[index]), float(results.predictions[index])
            # In the target's unit, as every page says an amount ("4,214 g").
            truth = amount_text(truth_value, unit) if math.isfinite(truth_value) else MISSING
            prediction, correct = amount_text(predicted, unit), abs(truth_value - predicted) <= band
        else:
            truth_index = int(results.truths[index])
            prediction_index = int(results.predictions[index])
            truth = names[truth_index] if truth_index >= 0 else MISSING
            prediction, correct = names[prediction_index], truth_index == prediction_index
        rows.append(
            RowSummary(
                index=index,
                truth=truth,
                prediction=prediction,
                confidence=float(results.confidence[index]),  # NaN for an amount: no probability
                correct=correct,
                in_training=bool(results.in_training[index]),
                values=[display_value(frame.iloc[index][column]) for column in columns],
                label=display_value(frame.iloc[index][label_column]) if label_column else "",
                columns=tuple(columns),
            )
        )
    return RowPage(rows=rows, columns=columns, number=number, pages=pages, total=total, label_column=label_column)


def searchable_columns(model: TrainedModel) -> list[str]:
    """The columns the row search can be narrowed to: every column of the file (or the image's name)."""
    frame, _ = model.data_kind.row_labels(model, 0)
    return [str(name) for name in frame.columns]


def _matching_rows(frame, results, names: list[str], row_filter: RowFilter, *, band: float = 0.0) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    if row_filter.truth in names:
        mask &= results.truths == names.index(row_filter.truth)
    if row_filter.prediction in names:
        mask &= results.predictions == names.index(row_filter.prediction)
    if row_filter.wrong_only:
        # An amount is "wrong" when off by more than the band (NaN truths never are).
        mask &= np.abs(results.truths - results.predictions) > band if band else results.truths != results.predictions
    if row_filter.search:
        needle = row_filter.search.casefold()
        searched = frame[[row_filter.column]] if row_filter.column in frame.columns else frame
        text = searched.astype(str).apply(lambda column: column.str.casefold().str.contains(needle, regex=False))
        mask &= text.any(axis=1).to_numpy()
    return np.flatnonzero(mask)


def models_of_dataset(dataset: Dataset) -> QuerySet[TrainedModel]:
    """Every model trained on a dataset, for the comparison table."""
    return dataset.models.order_by("-created_at")


def dataset_image_path(dataset: Dataset, index: int) -> StoredFile | None:
    """The stored (re-encoded) image number `index` of an image dataset, if there is one."""
    if not dataset.data_kind.pictures or not 0 <= index < dataset.n_rows:
        return None
    return stored(dataset_image_name(dataset, index))
