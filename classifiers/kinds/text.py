"""Texts: one free-text column of a table is read as words; one text is one case.

A text model is trained from a table by choosing its text column, so the
*model* carries this kind (the same file may also have table models).
"""

from __future__ import annotations

from typing import Any

from ..catalogue import TEXT_CLASSIFIERS
from .base import DataKind, KindWords
from .tabular import default_target as tabular_default_target
from .tabular import file_values


def train_fields(*, dataset, target: str, classifier: str, params, text_column: str = "") -> dict[str, Any]:
    """Check a text model's request: a text column, a text classifier, one setting."""
    from ..artifacts import dataset_frame
    from ..services import UploadError, dataset_profiles
    from ..tabular.profiling import ColumnKind, check_target
    from ..tabular.reading import TableError

    profiles = dataset_profiles(dataset)
    if target not in [profile.name for profile in profiles]:
        raise UploadError(f"There is no column named “{target}” in this file.")
    kinds = {p.name: p.kind for p in profiles}
    try:
        summary = check_target(dataset_frame(dataset), target)
    except TableError as error:
        raise UploadError(str(error)) from error
    if kinds.get(text_column) != ColumnKind.TEXT:
        raise UploadError(f"“{text_column}” is not a free-text column; mark it as text first.")
    if text_column == target:
        raise UploadError("The text to read and the column to predict must be different.")
    return {
        "target": target,
        "text_column": text_column,
        "features": [text_column],
        "numeric": [],
        "categorical": [text_column],
        "params": {"char_ngrams": bool((params or {}).get("char_ngrams"))},
        "notes": list(summary.warnings),
    }


def train(model, on_progress) -> Any:
    from ..artifacts import dataset_frame
    from ..text.training import train_text_classifier

    frame = dataset_frame(model.dataset)
    return train_text_classifier(
        frame[model.text_column],
        frame[model.target],
        classifier=model.classifier,
        char_ngrams=bool(model.params.get("char_ngrams")),
        random_state=model.random_state,
        on_progress=on_progress,
        target=model.target,
    )


def instance(explanation) -> str:
    """The text of the row, or the text the person typed."""
    import math

    from jobs.services import JobError

    from ..services import dataset_row_frame

    model = explanation.model
    if explanation.row_index is not None:
        value = dataset_row_frame(model.dataset, explanation.row_index).iloc[explanation.row_index][model.text_column]
    else:
        value = explanation.custom_values.get(model.text_column)
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if not text.strip():
        raise JobError("This text is empty, so there is nothing to explain.")
    return text


def batch(case: Any) -> list[Any]:
    return [case]


def display(explanation, case) -> dict[str, str]:
    if explanation.row_index is not None:
        from .tabular import display as row_display

        return row_display(explanation, case)
    return {explanation.model.text_column: case}


def document_instance(explanation) -> dict[str, Any]:
    return {"row": explanation.row_index, "text": file_values(explanation).get(explanation.model.text_column)}


def row_labels(model, shown_columns: int) -> tuple[Any, list[str]]:
    from ..artifacts import dataset_frame

    return dataset_frame(model.dataset), list(model.features[:shown_columns])


KIND = DataKind(
    name="text",
    label="Text",
    words=KindWords(case="row", cases="texts", variations="versions of the text", parts="words"),
    explainers={"lime": "explanations.runs.lime_text", "anchor": "explanations.runs.anchor_text"},
    result_partials={"lime": "explanations/_lime_text.html", "anchor": "explanations/_anchor.html"},
    classifiers=TEXT_CLASSIFIERS,
    diagnostics=None,
    custom_values=True,
    what_if_curve=False,
    overview=False,
    pictures=False,
    rule_keeps_words=True,
    instance_shown_with=("anchor",),
    explain_fields=("kernel_width", "threshold", "max_anchor_size"),
    explain_initial={},
    explain_labels={},
    upload_signatures=(),
    upload_name="",
    read_dataset=None,
    train_form="classifiers.forms.TrainForm",
    dataset_template="classifiers/dataset_detail.html",
    dataset_context=None,
    default_target=tabular_default_target,
    train_fields=train_fields,
    train=train,
    instance=instance,
    batch=batch,
    display=display,
    document_instance=document_instance,
    row_labels=row_labels,
)
