"""How the app handles tables (the functions :mod:`classifiers.kinds.tabular` names): read and profile
the file, check a training request, train, pick out and show one row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from limelight.catalogue import CLASSIFIERS, REGRESSORS, clean_params, wrong_task_message
from limelight.demos import DEMOS
from limelight.tabular.cells import row_as_written
from limelight.tabular.dates import WEEKDAY_PART, WEEKDAY_RULE
from limelight.tabular.profiling import ColumnKind, check_target, describe_kind
from limelight.tabular.reading import TableError, reading_notes
from limelight.tabular.targets import default_target as likeliest
from limelight.tabular.targets import no_target_message as why_none
from limelight.tabular.tasks import REGRESSION, check_amount_target, choose_task, tasks_possible
from limelight.values import json_value

from ..artifacts import dataset_frame
from ..forms import ColumnRolesForm, SheetForm
from ..selectors import dataset_preview, display_value
from ..services import UploadError, dataset_profiles, dataset_row_frame, profile_into


def default_target(dataset) -> str:
    """A demo's own target; else the likeliest column to predict among those that pass the training
    checks (tabular.targets). A demo says what it predicts: the diabetes demo's amount, progression,
    would otherwise lose to its yes/no column, sex, as any amount does to a category that fits."""
    profiles = dataset_profiles(dataset)
    demo = next((d for d in DEMOS.values() if dataset.is_demo and d.filename == dataset.name), None)
    if demo is not None and demo.target in [profile.name for profile in profiles]:
        return demo.target
    return likeliest(profiles, row_label=dataset.row_label, frame=dataset_frame(dataset))


def no_target_message(dataset) -> str:
    """Why no column of the file can be predicted, in one message; "" when one can."""
    return why_none(dataset_frame(dataset), dataset_profiles(dataset), row_label=dataset.row_label)


def target_tasks(dataset, target: str) -> tuple[str, ...]:
    """What the column may be predicted as, the default first (limelight.tabular.tasks): the form's switch."""
    try:
        return tasks_possible(dataset_frame(dataset), target)
    except TableError:
        return ()


def checked_task(dataset, target: str, classifier: str, task: str, *, regressors=REGRESSORS, classifiers=CLASSIFIERS):
    """The task to train (the person's, or decided from the target), its target checked, and the
    estimator refused in a sentence naming the ones to pick when it cannot learn that task.
    Returns (task, warnings about the target)."""
    frame = dataset_frame(dataset)
    try:
        task = choose_task(frame, target, task)
        refused = wrong_task_message(classifier, task, regressors if task == REGRESSION else classifiers)
        if refused:
            raise UploadError(refused)
        if task == REGRESSION:
            return task, list(check_amount_target(frame, target).warnings)
        return task, list(check_target(frame, target).warnings)
    except TableError as error:
        # When no column of the file can be trained, say that (and why) rather than this column's fault.
        raise UploadError(no_target_message(dataset) or str(error)) from error


def train_fields(
    *, dataset, target: str, classifier: str, params, text_column: str = "", task: str = ""
) -> dict[str, Any]:
    """The checked fields of a table model: the target and its task, the usable columns, the classifier's knobs."""
    profiles = dataset_profiles(dataset)
    if target not in [profile.name for profile in profiles]:
        raise UploadError(f"There is no column named “{target}” in this file.")
    task, target_warnings = checked_task(dataset, target, classifier, task)
    try:
        params = clean_params(classifier, params)
    except TableError as error:
        raise UploadError(str(error)) from error
    # The row label names rows; whatever its kind, it is never a reason.
    features = [p for p in profiles if p.name not in (target, dataset.row_label) and p.usable_as_feature]
    row_label = dataset.row_label if dataset.row_label != target else ""
    identifiers = [p.name for p in profiles if p.kind == ColumnKind.IDENTIFIER and p.name not in (target, row_label)]
    if not features:
        raise UploadError(
            "No column can be used to predict from: every other column is an identifier, free text, a date or constant."
        )
    return {
        "target": target,
        "task": task,
        "features": [p.name for p in features],
        "numeric": [p.name for p in features if p.kind == ColumnKind.NUMBER],
        "categorical": [p.name for p in features if p.kind != ColumnKind.NUMBER],
        "params": params,
        "notes": [*target_warnings, *_left_out_note(row_label, identifiers, [p.name for p in features])],
    }


def row_label_words(row_label: str, features: list[str]) -> str:
    """What the model does with the column that names the rows: nothing, or (a date) only its parts."""
    parts = [name for name in features if name.startswith(f"{row_label}: ")]
    if not parts:
        return f"“{row_label}” names the rows, so the model does not use it."
    shown = ", ".join(f"“{name}”" for name in parts)
    return f"“{row_label}” names the rows; the model uses it only through {shown}."


def _left_out_note(row_label: str, identifiers: list[str], features: list[str]) -> list[str]:
    """Say which columns the model leaves out because they name or identify rows."""
    notes = [row_label_words(row_label, features)] if row_label else []
    if identifiers:
        shown = ", ".join(f"“{name}”" for name in identifiers[:3])
        shown += f" and {len(identifiers) - 3} more" if len(identifiers) > 3 else ""
        one = len(identifiers) == 1
        notes.append(
            f"{shown} {'identifies' if one else 'identify'} rows (nearly every value is different), "
            f"so the model does not use {'it' if one else 'them'}."
        )
    return notes


def train(model, on_progress) -> Any:
    from limelight.tabular.training import train_classifier  # scikit-learn: loaded by workers only

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
        task=model.task,
    )


def instance(explanation) -> Any:
    """A one-row frame over the model's columns, with the file's dtypes."""
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

    if explanation.row_index is not None:
        source = dataset_frame(explanation.model.dataset).iloc[explanation.row_index]
        return {str(column): display_value(source[column]) for column in source.index}
    return {name: display_value(case.iloc[0][name]) for name in case.columns}


def file_values(explanation) -> dict[str, Any]:
    """The case's values as JSON: the file's row, or the values the person typed."""
    if explanation.row_index is None:
        return dict(explanation.custom_values)
    row = row_as_written(dataset_frame(explanation.model.dataset), explanation.row_index)
    return {column: json_value(value) for column, value in row.items()}


def document_instance(explanation) -> dict[str, Any]:
    """The row and its values; ``label``, the row's name in the row-label column, when the file has one."""
    values = file_values(explanation)
    row_label = explanation.model.dataset.row_label
    named = explanation.row_index is not None and row_label in values
    return {"row": explanation.row_index, **({"label": values[row_label]} if named else {}), "values": values}


def row_labels(model, shown_columns: int) -> tuple[Any, list[str]]:

    return dataset_frame(model.dataset), list(model.features[:shown_columns])


def target_check(dataset, target: str) -> dict[str, Any]:
    """What the page says before training about a column to predict: its classes with their rows,
    and a warning or the reason it cannot be trained (too few rows for a hold-out), with the numbers."""
    none = no_target_message(dataset)
    if none:  # said once for the file, not once per column
        return {"target": "", "classes": [], "warnings": [], "error": none, "tasks": ()}
    tasks = target_tasks(dataset, target)
    if tasks[:1] == (REGRESSION,):  # an amount: no classes to list
        try:
            summary = check_amount_target(dataset_frame(dataset), target)
        except TableError as error:
            return {"target": target, "classes": [], "warnings": [], "error": str(error), "tasks": tasks}
        return {"target": target, "classes": [], "warnings": list(summary.warnings), "error": "", "tasks": tasks}
    try:
        summary = check_target(dataset_frame(dataset), target)
    except TableError as error:
        return {"target": target, "classes": [], "warnings": [], "error": str(error), "tasks": tasks}
    classes = sorted(zip(summary.classes, summary.counts, strict=True), key=lambda pair: -pair[1])
    return {"target": target, "classes": classes, "warnings": list(summary.warnings), "error": "", "tasks": tasks}


def read_dataset(dataset, on_progress) -> None:
    """Read the CSV and profile each column."""
    frame = dataset_frame(dataset)
    on_progress(1, 2, "Looking at each column")
    profile_into(dataset, frame)


def dataset_context(dataset) -> dict[str, Any]:
    """The columns with their kinds, and the first rows."""
    columns, rows = dataset_preview(dataset)
    profiles = dataset_profiles(dataset)
    return {
        "profiles": [(profile, describe_kind(profile.kind)) for profile in profiles],
        "reading_notes": reading_notes(dataset_frame(dataset)),  # how its numbers were read
        "row_label_note": _row_label_note(dataset, profiles),
        "weekday_notes": _weekday_notes(profiles),
        "roles_form": ColumnRolesForm(dataset=dataset),
        "target_check": target_check(dataset, default_target(dataset)),
        "sheet_form": SheetForm(dataset=dataset) if len(dataset.sheets) > 1 else None,
        "sheet_read": dataset.sheet or (dataset.sheets[0] if dataset.sheets else ""),
        "other_sheets": [name for name in dataset.sheets if name != (dataset.sheet or dataset.sheets[0])],
        "preview_columns": columns,
        "preview_rows": rows,
    }


def _row_label_note(dataset, profiles) -> str:
    """The dataset page's line about the column that names the rows ("" when none does)."""
    if not dataset.row_label:
        return ""
    label = dataset.row_label
    parts = [p.name for p in profiles if p.usable_as_feature and p.name.startswith(f"{label}: ")]
    if parts:
        shown = ", ".join(f"“{name}”" for name in parts)
        return f"Rows are named by “{label}”, which the model uses only through {shown}."
    return f"Rows are named by “{label}”, which is never used to predict."


def _weekday_notes(profiles) -> list[str]:
    """For each date whose day of the week is left out, the rule that left it out (dates.WEEKDAY_RULE)."""
    kinds = {p.name: p.kind for p in profiles}
    notes = []
    for profile in profiles:
        weekday = f"{profile.name}: {WEEKDAY_PART}"
        if profile.kind == ColumnKind.DATE and kinds.get(weekday) == ColumnKind.UNUSED:
            notes.append(
                f"“{weekday}” is left out: {WEEKDAY_RULE}. These dates are not daily; "
                "choose “category” for it to use it anyway."
            )
    return notes


def find_leaks(model, result, on_progress) -> list[dict[str, Any]]:
    """The model's columns that alone give the target away on its hold-out (limelight.leaks)."""
    from limelight.leaks import amount_leaks, split_rows, table_leaks  # scikit-learn: loaded by workers only

    on_progress(4, 4, "Looking for a column that gives the answer away")
    train_rows, test_rows = split_rows(result.truths, result.in_training)
    frame = dataset_frame(model.dataset)
    # An amount's columns are scored by R² alone against the model's own, a category's by balanced accuracy.
    check, score = (amount_leaks, "r2") if model.predicts_amount else (table_leaks, "balanced_accuracy")
    found = check(
        frame, model.features, result.truths, train_rows, test_rows,
        numeric=model.numeric, model_score=result.metrics.get(score),
    )  # fmt: skip
    return [leak.to_json() for leak in found]
