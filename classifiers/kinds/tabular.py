"""Tables: one row of named columns (numbers and categories) is one case."""

from __future__ import annotations

from typing import Any

from ..catalogue import CLASSIFIERS
from .base import DataKind, KindWords


def default_target(dataset) -> str:
    from ..services import dataset_profiles
    from ..tabular.profiling import default_target as last_usable

    return last_usable(dataset_profiles(dataset))


def train_fields(*, dataset, target: str, classifier: str, params, text_column: str = "") -> dict[str, Any]:
    """The checked fields of a table model: the target, the usable columns, the classifier's knobs."""
    from ..artifacts import dataset_frame
    from ..catalogue import clean_params
    from ..services import UploadError, dataset_profiles
    from ..tabular.profiling import ColumnKind, check_target
    from ..tabular.reading import TableError

    profiles = dataset_profiles(dataset)
    if target not in [profile.name for profile in profiles]:
        raise UploadError(f"There is no column named “{target}” in this file.")
    try:
        summary = check_target(dataset_frame(dataset), target)
        params = clean_params(classifier, params)
    except TableError as error:
        raise UploadError(str(error)) from error
    features = [p for p in profiles if p.name != target and p.usable_as_feature]
    if not features:
        raise UploadError(
            "No column can be used to predict from: every other column is an identifier, free text, a date or constant."
        )
    return {
        "target": target,
        "features": [p.name for p in features],
        "numeric": [p.name for p in features if p.kind == ColumnKind.NUMBER],
        "categorical": [p.name for p in features if p.kind != ColumnKind.NUMBER],
        "params": params,
        "notes": list(summary.warnings),
    }


def train(model, on_progress) -> Any:
    from ..artifacts import dataset_frame
    from ..tabular.training import train_classifier

    frame = dataset_frame(model.dataset)
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


def instance(explanation) -> Any:
    """A one-row frame over the model's columns, with the file's dtypes."""
    import numpy as np
    import pandas as pd

    from ..services import dataset_row_frame

    model = explanation.model
    frame = dataset_row_frame(model.dataset, explanation.row_index)
    features = list(model.features)
    if explanation.row_index is not None:
        return frame.iloc[[explanation.row_index]][features]
    row = {}
    for name in features:
        value = explanation.custom_values.get(name)
        if value is not None and name not in model.numeric and pd.api.types.is_numeric_dtype(frame[name]):
            value = float(value)  # a category stored as numbers, such as 0/1
        row[name] = [np.nan if value is None else value]
    return pd.DataFrame(row).astype({name: frame[name].dtype for name in model.numeric})


def batch(case: Any) -> Any:
    return case  # already a one-row frame


def display(explanation, case) -> dict[str, str]:
    from ..artifacts import dataset_frame
    from ..selectors import display_value

    if explanation.row_index is not None:
        source = dataset_frame(explanation.model.dataset).iloc[explanation.row_index]
        return {str(column): display_value(source[column]) for column in source.index}
    return {name: display_value(case.iloc[0][name]) for name in case.columns}


def file_values(explanation) -> dict[str, Any]:
    """The case's values as JSON: the file's row, or the values the person typed."""
    from explanations.reports import json_value

    from ..artifacts import dataset_frame

    if explanation.row_index is None:
        return dict(explanation.custom_values)
    row = dataset_frame(explanation.model.dataset).iloc[explanation.row_index]
    return {str(column): json_value(row[column]) for column in row.index}


def document_instance(explanation) -> dict[str, Any]:
    return {"row": explanation.row_index, "values": file_values(explanation)}


def row_labels(model, shown_columns: int) -> tuple[Any, list[str]]:
    from ..artifacts import dataset_frame

    return dataset_frame(model.dataset), list(model.features[:shown_columns])


def read_dataset(dataset, on_progress) -> None:
    """Read the CSV and profile each column."""
    from ..artifacts import dataset_frame
    from ..services import profile_into

    frame = dataset_frame(dataset)
    on_progress(1, 2, "Looking at each column")
    profile_into(dataset, frame)


def dataset_context(dataset) -> dict[str, Any]:
    """The columns with their kinds, and the first rows."""
    from ..forms import ColumnRolesForm
    from ..selectors import dataset_preview
    from ..services import dataset_profiles
    from ..tabular.profiling import describe_kind

    columns, rows = dataset_preview(dataset)
    return {
        "profiles": [(profile, describe_kind(profile.kind)) for profile in dataset_profiles(dataset)],
        "roles_form": ColumnRolesForm(dataset=dataset),
        "preview_columns": columns,
        "preview_rows": rows,
    }


KIND = DataKind(
    name="tabular",
    label="Tables",
    words=KindWords(case="row", cases="rows", variations="rows and made-up variations", parts="reasons"),
    explainers={
        "lime": "explanations.runs.lime_table",
        "anchor": "explanations.runs.anchor_table",
        "shap": "explanations.runs.shap_table",
    },
    result_partials={
        "lime": "explanations/_lime_tabular.html",
        "anchor": "explanations/_anchor.html",
        "shap": "explanations/_shap_tabular.html",
    },
    classifiers=CLASSIFIERS,
    diagnostics="explanations.runs.diagnose_table",
    custom_values=True,
    what_if_curve=True,
    overview=True,
    pictures=False,
    rule_keeps_words=False,
    instance_shown_with=("lime", "anchor", "shap"),
    explain_fields=("kernel_width", "discretizer", "threshold", "max_anchor_size", "auto_samples"),
    explain_initial={},
    explain_labels={},
    upload_signatures=(),
    upload_name="upload.csv",
    read_dataset=read_dataset,
    train_form="classifiers.forms.TrainForm",
    dataset_template="classifiers/dataset_detail.html",
    dataset_context=dataset_context,
    default_target=default_target,
    train_fields=train_fields,
    train=train,
    instance=instance,
    batch=batch,
    display=display,
    document_instance=document_instance,
    row_labels=row_labels,
)
