"""The whole model at a glance, as one document of plain JSON values plus its charts.

:func:`build_overview` takes what a trained model already stored (its per-row predictions and
truths, the hold-out rows, the file's table) and its ``predict_proba``; it returns an
:class:`Overview`: global importance, dependence, where it is wrong and, when a sensitive column
is named, fairness by group. The Django side (``explanations.whole_model``) gathers the inputs and
adds the trust verdicts and explanations; :mod:`.report` turns the document into one HTML file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from limelight.catalogue import CLASSIFIERS
from limelight.drawing.charts import confusion_matrix_chart
from limelight.drawing.overview_charts import dependence_chart, importance_chart
from limelight.errors import InputError
from limelight.holdout import percent

from . import dependence as dep
from . import importance as imp
from .fairness import amount_table, fairness_table, groups_of
from .mistakes import class_error_groups, error_groups

VERSION = 1
OVERVIEW_STAGES = 5
NEAR_ZERO = 0.05  # a column whose drop is under this share of the top column's "changes next to nothing"
TOP_DEPENDENCE = 3  # columns whose dependence is drawn: the most important ones

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True, eq=False)
class OverviewInputs:
    """What a trained model stored, in file order.

    ``table`` is the file's whole table (None for images); the model reads ``features`` of it
    (``numeric`` and ``categorical``). ``truths`` and ``predictions`` are per row: class indices
    (-1: no class) or, when ``task == "regression"``, amounts. ``predict_proba`` takes rows of
    ``table[features]`` and gives one column per class (for amounts: the amount in column 0).
    ``local_results`` are stored LIME / KernelSHAP results (each with ``weights``).
    """

    kind: str
    task: str
    target: str
    class_names: Sequence[str]
    classifier: str
    metrics: Mapping[str, Any]
    truths: np.ndarray
    predictions: np.ndarray
    test_rows: np.ndarray
    predict_proba: Callable[[Any], np.ndarray] | None = None
    table: pd.DataFrame | None = None
    features: Sequence[str] = ()
    numeric: Sequence[str] = ()
    categorical: Sequence[str] = ()
    cases: str = "rows"
    unit: str = ""
    tolerance: float | None = None  # amounts: a prediction further off than this counts as wrong
    local_results: Sequence[Mapping[str, Any]] = field(default_factory=list)

    @property
    def regression(self) -> bool:
        return self.task == "regression"


@dataclass(frozen=True, eq=False)
class Overview:
    document: dict[str, Any]
    charts: dict[str, bytes]


def build_overview(
    inputs: OverviewInputs,
    *,
    sensitive: str = "",
    random_state: int = 0,
    on_progress: ProgressCallback | None = None,
) -> Overview:
    """Every section of the whole-model view; see /work/notes/overview-interface.md for the shape."""
    started = time.perf_counter()

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, OVERVIEW_STAGES, stage)

    tabular = inputs.kind == "tabular" and inputs.table is not None and inputs.predict_proba is not None
    if sensitive and (inputs.table is None or sensitive not in inputs.table.columns):
        raise InputError(f"There is no column named “{sensitive}” to compare groups by.")
    if sensitive == inputs.target:
        raise InputError(f"“{sensitive}” is the column the model predicts; pick another column to compare groups by.")
    rng = np.random.default_rng(random_state)
    test_rows = np.asarray(inputs.test_rows)
    charts: dict[str, bytes] = {}
    notes: list[str] = []
    document: dict[str, Any] = {
        "version": VERSION,
        "kind": inputs.kind,
        "task": inputs.task,
        "target": inputs.target,
        "unit": inputs.unit,
        "class_names": [str(name) for name in inputs.class_names],
        "title": f"{CLASSIFIERS.get(inputs.classifier, inputs.classifier)} predicting “{inputs.target}”",
        "data": _data_summary(inputs),
        "model": _model_summary(inputs),
    }
    matrix = inputs.metrics.get("confusion_matrix")
    if matrix and not inputs.regression:  # which classes are taken for which, for every kind of data
        charts["confusion.svg"] = confusion_matrix_chart(matrix, [str(name) for name in inputs.class_names])
        document["model"]["chart"] = "confusion.svg"

    report(1, "Shuffling each column to see how much the model needs it")
    sample = _capped(test_rows, imp.MAX_ROWS, rng)
    document["importance"] = _importance(inputs, sample, tabular, random_state, charts)
    if len(sample) < len(test_rows):
        notes.append(
            f"To keep this quick, importance uses {len(sample):,} of the {len(test_rows):,} held-out {inputs.cases}, "
            "drawn at random."
        )

    report(2, "Moving the most important columns across their values")
    document["dependence"] = _dependence(inputs, document["importance"], tabular, rng, charts, notes)

    report(3, "Looking for where the model is wrong")
    document["errors"] = _errors(inputs, tabular, random_state)

    report(4, "Comparing groups")
    document["fairness"] = _fairness(inputs, sensitive) if sensitive else None

    document["verdicts"] = []
    document["explanations"] = []
    document["notes"] = notes
    document["seconds"] = round(time.perf_counter() - started, 2)
    report(5, "Done")
    return Overview(document=document, charts=charts)


def _capped(rows: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(rows, size=cap, replace=False)) if len(rows) > cap else rows


def _wrong(inputs: OverviewInputs, rows: np.ndarray) -> np.ndarray:
    truths, predictions = inputs.truths[rows], inputs.predictions[rows]
    if inputs.regression:
        return np.abs(predictions.astype(float) - truths.astype(float)) > _tolerance(inputs)
    return predictions != truths


def _tolerance(inputs: OverviewInputs) -> float:
    if inputs.tolerance is not None:
        return float(inputs.tolerance)
    band = inputs.metrics.get("default_band")
    if band:
        return float(band)
    truths = inputs.truths[np.asarray(inputs.test_rows)].astype(float)
    return 0.1 * float(np.subtract(*np.percentile(truths, [95, 5])))  # as the amounts' default band


def _predict(inputs: OverviewInputs) -> Callable[[pd.DataFrame], np.ndarray]:
    """What the model predicts per row: the class index, or the amount."""
    if inputs.regression:
        return lambda rows: np.asarray(inputs.predict_proba(rows), dtype=float)[:, 0]
    return lambda rows: np.asarray(inputs.predict_proba(rows)).argmax(axis=1)


def _data_summary(inputs: OverviewInputs) -> dict[str, Any]:
    rows = int(np.sum(inputs.truths >= 0)) if not inputs.regression else len(inputs.truths)
    classes = []
    if not inputs.regression:
        counts = np.bincount(inputs.truths[inputs.truths >= 0], minlength=len(inputs.class_names))
        classes = [
            {"name": str(name), "rows": int(count), "share": float(count) / max(rows, 1)}
            for name, count in zip(inputs.class_names, counts, strict=True)
        ]
    return {
        "rows": len(inputs.truths),
        "rows_with_target": rows,
        "n_train": int(inputs.metrics.get("n_train", 0)),
        "n_test": len(inputs.test_rows),
        "features": [str(name) for name in inputs.features],
        "numeric": [str(name) for name in inputs.numeric],
        "categorical": [str(name) for name in inputs.categorical],
        "classes": classes,
    }


def _model_summary(inputs: OverviewInputs) -> dict[str, Any]:
    metrics = dict(inputs.metrics)
    n_test = len(inputs.test_rows)
    base = {"classifier": inputs.classifier, "classifier_label": CLASSIFIERS.get(inputs.classifier, inputs.classifier),
            "metrics": metrics}  # fmt: skip
    if inputs.regression:
        unit = f" {inputs.unit}" if inputs.unit else ""
        mae, baseline = metrics.get("mae"), metrics.get("baseline_mae")
        sentence = f"On {n_test:,} held-out {inputs.cases} the model is off by {mae:.3g}{unit} on average"
        if baseline is not None:
            sentence += f"; always predicting the training average would be off by {baseline:.3g}{unit}"
        return {
            **base,
            "score_name": "mean absolute error",
            "score": mae,
            "baseline": baseline,
            "sentence": sentence + ".",
        }
    accuracy, baseline = metrics.get("accuracy"), metrics.get("baseline_accuracy")
    sentence = (
        f"Right on {percent(float(accuracy))} of {n_test:,} held-out {inputs.cases}" if accuracy is not None else ""
    )
    if baseline is not None:
        sentence += (
            f"; always saying “{metrics.get('baseline_class', '')}” would be right on {percent(float(baseline))}"
        )
    return {**base, "score_name": "accuracy", "score": accuracy, "baseline": baseline, "sentence": sentence + "."}


def _importance(inputs, sample, tabular, random_state, charts) -> dict[str, Any]:
    local = imp.local_table(inputs.local_results)
    n_local = sum(1 for result in inputs.local_results if result.get("weights"))
    section: dict[str, Any] = {"available": tabular, "why_not": "", "local": local[:20], "local_explanations": n_local}
    if not tabular:
        section["why_not"] = (
            f"Shuffling is done column by column, and {inputs.cases} have no columns: "
            + (f"instead, the words that weigh most in the {n_local} explanations made so far are listed."
               if inputs.kind == "text" else
               "each image is cut into its own regions, so no region is the same from one image to the next; "
               "the classes the model gets wrong most often are shown under “Where the model is wrong”.")
        )  # fmt: skip
        section.update(features=[], agreement=[], sentence=section["why_not"])
        if inputs.kind == "text" and local:
            section["sentence"] += f" The words: {', '.join('“' + str(i['feature']) + '”' for i in local[:8])}."
        return section
    rows = inputs.table.iloc[sample][list(inputs.features)]
    table = imp.permutation_table(
        _predict(inputs), rows, inputs.truths[sample], regression=inputs.regression, random_state=random_state
    )
    unit = f" {inputs.unit}" if inputs.unit else ""
    score_words = (f"mean absolute error rises ({inputs.unit or 'in the target’s unit'})" if inputs.regression
                   else "accuracy falls (share of held-out rows)")  # fmt: skip
    top = table[0] if table else None
    section.update(
        method=(
            f"Each column is shuffled {imp.REPEATS} times on {len(sample):,} held-out {inputs.cases} and the model "
            f"asked again: the bar is how much its {score_words} on average, the line the smallest and largest "
            "change over the shuffles. A change below zero means shuffling the column made no difference "
            "beyond chance: the shuffled rows happened to score a little better."
        ),
        rows_used=len(sample),
        rows_capped=len(sample) < len(inputs.test_rows),
        repeats=imp.REPEATS,
        score_name="mean absolute error" if inputs.regression else "accuracy",
        features=table,
        chart="importance.svg",
        agreement=imp.agreement_words([str(item["feature"]) for item in table], local, n_local),
    )
    if top is not None:
        change = f"{top['importance']:.3g}{unit}" if inputs.regression else f"{100 * top['importance']:.1f} points"
        section["sentence"] = (
            f"The model leans most on “{top['feature']}”: shuffling it changes its {section['score_name']} by {change}."
        )
        # Near zero: under a twentieth of the top column's drop (noise columns land there).
        near_zero = [str(item["feature"]) for item in table if item["importance"] < NEAR_ZERO * top["importance"]]
        if near_zero:
            shown = ", ".join(f"“{name}”" for name in near_zero[:6]) + (" …" if len(near_zero) > 6 else "")
            section["sentence"] += f" Shuffling {shown} changes next to nothing."
    if not local:
        section["agreement"] = ["No LIME or KernelSHAP explanation of this model exists yet, so there is nothing "
                                "to compare the shuffling with."]  # fmt: skip
    charts["importance.svg"] = importance_chart(
        [(str(i["feature"]), float(i["importance"]), float(i["low"]), float(i["high"])) for i in table[:15]],
        xlabel=f"how much the {score_words}",
        title="Which columns the model needs",
    )
    return section


def _dependence(inputs, importance, tabular, rng, charts, notes) -> dict[str, Any]:
    if not tabular or not importance.get("features"):
        return {"available": False, "why_not": f"{inputs.cases.capitalize()} have no columns to move one at a time.",
                "features": []}  # fmt: skip
    rows = _capped(np.asarray(inputs.test_rows), dep.MAX_ROWS, rng)
    frame = inputs.table.iloc[rows][list(inputs.features)].reset_index(drop=True)
    drawn = rng.choice(len(frame), size=min(dep.CURVES_DRAWN, len(frame)), replace=False)
    top = [str(item["feature"]) for item in importance["features"][:TOP_DEPENDENCE]]
    features = []
    for index, name in enumerate(top):
        categorical = name not in inputs.numeric
        curve = dep.dependence(inputs.predict_proba, frame, name, categorical=categorical)
        if inputs.regression:
            series_names, outputs = [inputs.target], [0]
            what, ylabel, unit = f"the predicted “{inputs.target}”", f"predicted {inputs.target}", inputs.unit
        elif len(inputs.class_names) == 2:  # the other class is its mirror image
            positive = 1
            series_names, outputs = [str(inputs.class_names[positive])], [positive]
            what = f"the probability of “{inputs.class_names[positive]}”"
            ylabel, unit = f"probability of '{inputs.class_names[positive]}'", "%"
        else:
            series_names, outputs = (
                [str(name) for name in inputs.class_names[:8]],
                list(range(min(8, len(inputs.class_names)))),
            )
            what, ylabel, unit = "", "probability of each class", "%"
        averages = curve.averages
        chart = f"dependence-{index}.svg"
        charts[chart] = dependence_chart(
            [str(value) for value in curve.grid] if categorical else curve.grid,
            [(series_names[i], averages[:, output]) for i, output in enumerate(outputs)],
            # Single rows' lines only along numbers: across categories a line's slope means nothing.
            curve.outputs[drawn][:, :, outputs[0]] if len(outputs) == 1 and not categorical else None,
            feature=name,
            ylabel=ylabel,
            categorical=categorical,
            probability=not inputs.regression,
        )
        if what:
            sentence = dep.movement_words(curve, series_names, output=outputs[0], what=what, unit=unit)
        else:  # several classes: say which class gains most across the grid
            spans = averages.max(axis=0) - averages.min(axis=0)
            moved = int(np.argmax(spans))
            what = f"the probability of “{inputs.class_names[moved]}”"
            sentence = dep.movement_words(curve, series_names, output=moved, what=what, unit="%")
        features.append(
            {
                "feature": name,
                "kind": "category" if categorical else "number",
                "grid": [value if isinstance(value, (int, float)) else str(value) for value in curve.grid],
                "series": [
                    {"name": series_names[i], "average": [float(v) for v in averages[:, output]]}
                    for i, output in enumerate(outputs)
                ],  # fmt: skip
                "chart": chart,
                "sentence": sentence,
            }
        )
    if len(rows) < len(inputs.test_rows):
        notes.append(
            f"Dependence curves are computed on {len(rows):,} held-out {inputs.cases} drawn at random; "
            f"{len(drawn)} of their individual curves are drawn."
        )
    return {
        "available": True,
        "why_not": "",
        "rows_used": len(rows),
        "rows_capped": len(rows) < len(inputs.test_rows),
        "curves_drawn": len(drawn),
        "method": (
            "For each of the most important columns, every sampled row is given each value in turn and the model "
            "asked again. The thick line is the average answer; where one answer is drawn, the thin grey lines "
            f"are single {inputs.cases}, so a line that bends unlike the others shows a group the average hides."
        ),
        "features": features,
    }


def _errors(inputs: OverviewInputs, tabular: bool, random_state: int) -> dict[str, Any]:
    test_rows = np.asarray(inputs.test_rows)
    wrong = _wrong(inputs, test_rows)
    if inputs.regression:
        unit = f" {inputs.unit}" if inputs.unit else ""
        definition = f"A prediction counts as wrong when it is off by more than {_tolerance(inputs):.3g}{unit}."
    else:
        definition = "A prediction counts as wrong when the predicted class is not the file's."
    if tabular:
        found = error_groups(
            inputs.table.iloc[test_rows][list(inputs.features)].reset_index(drop=True),
            wrong,
            numeric=inputs.numeric,
            categorical=inputs.categorical,
            cases=inputs.cases,
            random_state=random_state,
        )
    elif not inputs.regression:
        found = class_error_groups(inputs.truths[test_rows], wrong, inputs.class_names, cases=inputs.cases)
    else:
        return {"available": False, "why_not": "Amounts predicted from texts are not grouped yet.", "groups": []}
    return {"available": True, "why_not": "", "definition": definition, **found}


def _fairness(inputs: OverviewInputs, sensitive: str) -> dict[str, Any]:
    test_rows = np.asarray(inputs.test_rows)
    groups = groups_of(inputs.table[sensitive])[test_rows]  # bands cut on the whole column
    if inputs.regression:
        return amount_table(groups, inputs.truths[test_rows], inputs.predictions[test_rows], column=sensitive,
                            unit=inputs.unit)  # fmt: skip
    found = fairness_table(
        groups,
        inputs.truths[test_rows],
        inputs.predictions[test_rows],
        column=sensitive,
        class_names=inputs.class_names,
    )
    found["notes"].insert(
        0,
        f"Measured on the {len(test_rows):,} held-out {inputs.cases}, which the model did not learn from. "
        f"“{found['positive_class']}” is the class compared.",
    )
    if sensitive in inputs.features:
        found["notes"].append(f"The model reads “{sensitive}” itself.")
    else:
        found["notes"].append(f"The model does not read “{sensitive}”, but other columns may stand in for it.")
    return found
