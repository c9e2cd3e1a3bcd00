"""The whole model at a glance (issue 27): time of each stage and the report's size.

* **Adult-like table**: 48,842 generated rows (the full census file's size) with Adult's shape: 6
  number and 8 category columns, a rarer positive class (~24%) decided by a few of them, and a
  `sex` column with a built-in gap. Random forest (the default) and logistic regression, trained
  once outside the timing; then :func:`build_overview` with ``--sensitive sex`` and the report.
* **12-class image set**: only the report's own work counts here (the image features and the fit
  are the training's): a 12-class hold-out of 120 images with a confusion matrix, grouped by class.

Stages are :func:`build_overview`'s progress messages, each timed from the previous one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from limelight.overview.build import OverviewInputs, build_overview
from limelight.overview.report import render_report
from limelight.tabular.training import train_classifier

ROWS = 48_842
NUMBERS = ("age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week")
CATEGORIES = {
    "workclass": 8, "education": 16, "marital_status": 7, "occupation": 14, "relationship": 6, "race": 5,
    "sex": 2, "native_country": 40,
}  # fmt: skip


def adult_like(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(17, 90, rows),
            "fnlwgt": rng.integers(12_000, 1_500_000, rows),
            "education_num": rng.integers(1, 17, rows),
            "capital_gain": np.where(rng.random(rows) < 0.08, rng.integers(100, 99_999, rows), 0),
            "capital_loss": np.where(rng.random(rows) < 0.05, rng.integers(100, 4_000, rows), 0),
            "hours_per_week": rng.integers(1, 99, rows),
        }
    )
    for name, count in CATEGORIES.items():
        weights = rng.dirichlet(np.ones(count))
        frame[name] = rng.choice([f"{name}-{i}" for i in range(count)], rows, p=weights)
    frame["sex"] = rng.choice(["Male", "Female"], rows, p=[0.67, 0.33])
    score = (
        0.05 * (frame["age"] - 40)
        + 0.3 * (frame["education_num"] - 10)
        + 0.0003 * frame["capital_gain"]
        + 0.03 * (frame["hours_per_week"] - 40)
        + 1.2 * (frame["sex"] == "Male")
        - 2.2
    )
    frame["income"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-score)), ">50K", "<=50K")
    return frame


def _timed_build(inputs: OverviewInputs, sensitive: str) -> dict[str, Any]:
    stages: dict[str, float] = {}
    last = [time.perf_counter(), "starting"]

    def progress(done: int, total: int, stage: str) -> None:
        now = time.perf_counter()
        stages[str(last[1])] = round(now - float(last[0]), 2)
        last[0], last[1] = now, stage

    started, cpu = time.perf_counter(), time.process_time()
    overview = build_overview(inputs, sensitive=sensitive, on_progress=progress)
    html = render_report(overview.document, overview.charts)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "report_bytes": len(html.encode()),
        "stages": {name: seconds for name, seconds in stages.items() if name != "starting"},
    }


def table_case(classifier: str, log: Callable[[str], None], rows: int) -> dict[str, Any]:
    frame = adult_like(rows)
    features = [c for c in frame.columns if c != "income"]
    log(f"  training {classifier} on {rows:,} rows")
    trained = train_classifier(
        frame, target="income", features=features, numeric=list(NUMBERS),
        categorical=[c for c in features if c not in NUMBERS], classifier=classifier,
    )  # fmt: skip
    test_rows = np.flatnonzero(~trained.in_training & (trained.truths >= 0))
    inputs = OverviewInputs(
        kind="tabular", task="classification", target="income", class_names=trained.class_names,
        classifier=classifier, metrics=trained.metrics, truths=trained.truths, predictions=trained.predictions,
        test_rows=test_rows, predict_proba=trained.pipeline.predict_proba, table=frame, features=features,
        numeric=list(trained.numeric), categorical=list(trained.categorical),
    )  # fmt: skip
    log(f"  overview of {classifier}")
    return {"rows": rows, "classifier": classifier, **_timed_build(inputs, "sex")}


def images_case(log: Callable[[str], None]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    names = [f"{colour}_{shape}" for colour in ("red", "green", "blue", "yellow")
             for shape in ("circle", "square", "triangle")]  # fmt: skip
    truths = np.repeat(np.arange(12), 40)
    predictions = np.where(rng.random(len(truths)) < 0.7, truths, rng.integers(0, 12, len(truths)))
    test_rows = np.sort(rng.choice(len(truths), 120, replace=False))
    matrix = np.zeros((12, 12), dtype=int)
    np.add.at(matrix, (truths[test_rows], predictions[test_rows]), 1)
    inputs = OverviewInputs(
        kind="image", task="classification", target="class", class_names=names, classifier="logistic_regression",
        metrics={"accuracy": float(np.mean(truths[test_rows] == predictions[test_rows])), "baseline_accuracy": 1 / 12,
                 "confusion_matrix": matrix.tolist(), "n_train": 360},
        truths=truths, predictions=predictions, test_rows=test_rows, cases="images",
    )  # fmt: skip
    log("  overview of a 12-class image set")
    return {"images": len(truths), "classes": 12, **_timed_build(inputs, "")}


def run(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    rows = 5_000 if quick else ROWS
    classifiers = ("random_forest",) if quick else ("random_forest", "logistic_regression")
    return {"tables": [table_case(name, log, rows) for name in classifiers], "images": images_case(log)}


def summary(result: dict[str, Any]) -> str:
    lines = ["Whole model at a glance (overview): build time and report size"]
    for case in result["tables"]:
        stages = ", ".join(f"{name.split(' ')[0].lower()} {seconds:.1f} s" for name, seconds in case["stages"].items())
        lines.append(
            f"  {case['rows']:,}-row Adult-like table, {case['classifier']}: {case['seconds']:.1f} s "
            f"({case['cpu_seconds']:.1f} s CPU), {case['report_bytes'] / 1024:.0f} KB; {stages}"
        )
    images = result["images"]
    lines.append(
        f"  {images['classes']}-class image set ({images['images']} images): {images['seconds']:.2f} s, "
        f"{images['report_bytes'] / 1024:.0f} KB"
    )
    return "\n".join(lines)
