"""How the app handles texts (the functions :mod:`classifiers.kinds.text` names): a text column of a
table is read as words; one text is one case."""

from __future__ import annotations

import math
from typing import Any

from jobs.services import JobError
from limelight.catalogue import TEXT_CLASSIFIERS, TEXT_REGRESSORS
from limelight.tabular.profiling import ColumnKind

from ..artifacts import dataset_frame
from ..services import UploadError, dataset_profiles, dataset_row_frame
from .tabular import checked_task, file_values
from .tabular import display as row_display


def train_fields(
    *, dataset, target: str, classifier: str, params, text_column: str = "", task: str = ""
) -> dict[str, Any]:
    """Check a text model's request: a text column, a text classifier (or amount model), one setting."""
    profiles = dataset_profiles(dataset)
    if target not in [profile.name for profile in profiles]:
        raise UploadError(f"There is no column named “{target}” in this file.")
    kinds = {p.name: p.kind for p in profiles}
    task, target_warnings = checked_task(
        dataset, target, classifier, task, regressors=TEXT_REGRESSORS, classifiers=TEXT_CLASSIFIERS
    )
    if kinds.get(text_column) != ColumnKind.TEXT:
        raise UploadError(f"“{text_column}” is not a free-text column; mark it as text first.")
    if text_column == target:
        raise UploadError("The text to read and the column to predict must be different.")
    return {
        "target": target,
        "task": task,
        "text_column": text_column,
        "features": [text_column],
        "numeric": [],
        "categorical": [text_column],
        "params": {"char_ngrams": bool((params or {}).get("char_ngrams"))},
        "notes": target_warnings,
    }


def train(model, on_progress) -> Any:
    from limelight.text.training import train_text_classifier  # scikit-learn: loaded by workers only

    frame = dataset_frame(model.dataset)
    return train_text_classifier(
        frame[model.text_column],
        frame[model.target],
        classifier=model.classifier,
        char_ngrams=bool(model.params.get("char_ngrams")),
        random_state=model.random_state,
        on_progress=on_progress,
        target=model.target,
        task=model.task,
        left_out_words=tuple(model.left_out),  # "Train again without" a word
    )


def instance(explanation) -> str:
    """The text of the row, or the text the person typed."""
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
        return row_display(explanation, case)
    return {explanation.model.text_column: case}


def document_instance(explanation) -> dict[str, Any]:
    return {"row": explanation.row_index, "text": file_values(explanation).get(explanation.model.text_column)}


def row_labels(model, shown_columns: int) -> tuple[Any, list[str]]:

    return dataset_frame(model.dataset), list(model.features[:shown_columns])


def find_leaks(model, result, on_progress) -> list[dict[str, Any]]:
    """Words whose presence alone gives the class away on the model's hold-out (limelight.leaks)."""
    from limelight.leaks import split_rows, text_leaks  # scikit-learn: loaded by workers only
    from limelight.text.training import without_words

    if getattr(model, "task", "classification") == "regression":
        return []
    on_progress(4, 4, "Looking for a word that gives the answer away")
    train_rows, test_rows = split_rows(result.truths, result.in_training)
    texts = dataset_frame(model.dataset)[model.text_column].tolist()
    # The texts as the model reads them: without the words it was told to leave out.
    texts = without_words(["" if _blank(text) else str(text) for text in texts], model.left_out)
    score = result.metrics.get("balanced_accuracy")
    found = text_leaks(texts, result.truths, train_rows, test_rows, model_score=score)
    return [leak.to_json() for leak in found]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
