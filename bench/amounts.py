"""Amounts (regression, issue 25): tabular LIME ours vs. the floor vs. lime in regression mode, and Anchors' time.

* **LIME.** Ours reads the amount through the one adapter (``limelight.amounts.AmountModel``:
  ``predict_proba`` is the amount as one column, label 0); lime runs ``LimeTabularExplainer(mode=
  "regression")`` with the same number of samples and its default kernel (width 0.75·sqrt(features),
  quartile bins), which is ours too. The floor is one prediction of as many training rows as samples:
  what any perturbation explainer must at least pay. Interleaved ours / floor / lime, medians.
* **Anchors.** The band is the row's prediction ± the model's default band (a tenth of the 5-95%
  spread of the training amounts); the search is the categories' own, on ``InBand`` (in the band or
  not). Its time, its floor (its model calls replayed on training rows of the same sizes), and the
  rule's precision with its Wilson interval on the search's own samples.

Data: scikit-learn's bundled diabetes (442 rows, 10 columns) and Friedman #1 (generated: 20,000 rows,
10 columns of which 5 matter), both offline.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from lime.lime_tabular import LimeTabularExplainer
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import train_test_split

from limelight.amounts import InBand, default_band
from limelight.explainers.anchor_tabular import TabularAnchors
from limelight.explainers.lime_tabular import TabularLime
from limelight.tabular.training import build_pipeline

from .timing import interleaved, wall

MODELS = ("linear_regression", "random_forest", "gradient_boosting")
NUM_SAMPLES = 5000
NUM_FEATURES = 10
TOP_K = 5


def diabetes() -> pd.DataFrame:
    data = load_diabetes(as_frame=True, scaled=False)
    return data.frame.rename(columns={"target": "y"})


def friedman(rows: int = 20_000) -> pd.DataFrame:
    X, y = make_friedman1(n_samples=rows, n_features=10, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 11)])
    frame["y"] = y
    return frame


DATASETS: dict[str, Callable[[], pd.DataFrame]] = {"diabetes": diabetes, "friedman_20k": friedman}


def fit(dataset: str, model: str) -> dict[str, Any]:
    frame = DATASETS[dataset]()
    features = [c for c in frame.columns if c != "y"]
    train, test = train_test_split(frame, test_size=0.25, random_state=0)
    pipeline = build_pipeline(model, numeric=features, categorical=[], task="regression")
    pipeline.fit(train[features], train["y"].to_numpy())
    return {"frame": frame, "features": features, "train": train[features], "y": train["y"].to_numpy(),
            "row": test[features].iloc[0], "pipeline": pipeline}  # fmt: skip


def top_overlap(ours: list[str], theirs: list[str], k: int = TOP_K) -> float:
    return len(set(ours[:k]) & set(theirs[:k])) / k


def run_lime(dataset: str, model: str, repeats: int) -> dict[str, Any]:
    fitted = fit(dataset, model)
    pipeline, train, row, features = fitted["pipeline"], fitted["train"], fitted["row"], fitted["features"]
    ours = TabularLime.fit(train, numeric=features, categorical=[])
    reference = LimeTabularExplainer(
        train.to_numpy(), feature_names=features, mode="regression", discretize_continuous=True, random_state=0
    )
    floor_frame = train.sample(n=NUM_SAMPLES, replace=True, random_state=0).reset_index(drop=True)

    def explain_ours() -> list[str]:
        result = ours.explain(row, pipeline.predict_proba, label=0, num_samples=NUM_SAMPLES,
                              num_features=NUM_FEATURES, random_state=0)  # fmt: skip
        return [w.feature for w in result.weights]

    def predict_array(array: np.ndarray) -> np.ndarray:
        return pipeline.predict(pd.DataFrame(array, columns=features))

    def explain_lime() -> list[str]:
        exp = reference.explain_instance(row.to_numpy(), predict_array, num_samples=NUM_SAMPLES,
                                         num_features=NUM_FEATURES)  # fmt: skip
        return [features[i] for i, _ in exp.as_map()[0]]

    medians = interleaved(
        {"ours": explain_ours, "floor": lambda: pipeline.predict(floor_frame), "lime": explain_lime}, repeats
    )
    return {
        "case": f"lime-amount/{dataset}/{model}",
        "ours_s": medians["ours"],
        "floor_s": medians["floor"],
        "lime_s": medians["lime"],
        "ours_over_floor": medians["ours"] / medians["floor"],
        "ours_over_lime": medians["ours"] / medians["lime"],
        "agreement_top5": top_overlap(explain_ours(), explain_lime()),
        "repeats": repeats,
    }


class CountingModel:
    """The model's amount, with every call's row count logged (for Anchors' floor)."""

    def __init__(self, predict_proba: Callable[[Any], np.ndarray]) -> None:
        self.inner, self.calls = predict_proba, []

    def predict_proba(self, X: Any) -> np.ndarray:
        self.calls.append(len(X))
        return self.inner(X)


def run_anchors(dataset: str, model: str, repeats: int) -> dict[str, Any]:
    fitted = fit(dataset, model)
    pipeline, row, features = fitted["pipeline"], fitted["row"], fitted["features"]
    frame = fitted["frame"][features]
    anchors = TabularAnchors.fit(frame, numeric=features, categorical=[], random_state=0)
    value = float(pipeline.predict_proba(row.to_frame().T)[0, 0])
    half = default_band(fitted["y"])
    counting = CountingModel(pipeline.predict_proba)
    in_band = InBand(counting.predict_proba, value - half, value + half)

    def search() -> Any:
        counting.calls.clear()
        return anchors.explain(row, in_band.predict_proba, threshold=0.95, random_state=0)

    times = []
    for _ in range(repeats):
        seconds, result = wall(search)
        times.append(seconds)
    calls = list(counting.calls)
    floor_rows = [frame.sample(n=n, replace=True, random_state=i) for i, n in enumerate(calls)]
    floor = statistics.median(wall(lambda: [pipeline.predict_proba(rows) for rows in floor_rows])[0]
                              for _ in range(repeats))  # fmt: skip
    ours = statistics.median(times)
    return {
        "case": f"anchor-amount/{dataset}/{model}",
        "ours_s": ours,
        "floor_s": floor,
        "ours_over_floor": ours / floor if floor else float("nan"),
        "band": [value - half, value + half],
        "rule": list(result.rule),
        "precision": result.precision,
        "precision_low": result.precision_low,
        "precision_high": result.precision_high,
        "meets_threshold": result.meets_threshold,
        "model_calls": len(calls),
        "repeats": repeats,
    }


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    datasets = ("diabetes",) if quick else tuple(DATASETS)
    models = ("linear_regression", "gradient_boosting") if quick else MODELS
    lime_rows, anchor_rows = [], []
    for dataset in datasets:
        for model in models:
            log(f"  lime-amount/{dataset}/{model} ...")
            lime_rows.append(run_lime(dataset, model, repeats))
            log(f"  anchor-amount/{dataset}/{model} ...")
            anchor_rows.append(run_anchors(dataset, model, max(1, repeats // 2)))
    return {"lime": lime_rows, "anchors": anchor_rows}


def summary(result: dict[str, Any]) -> str:
    lines = [
        "Amounts (regression): LIME ours / floor / lime(mode=regression), same samples (5,000) and kernel; "
        "Anchors in the default band",
        f"{'case':44} {'ours ms':>8} {'floor ms':>9} {'lime ms':>8} {'ours/floor':>10} {'ours/lime':>9} {'top5':>5}",
    ]
    for r in result["lime"]:
        lines.append(
            f"{r['case']:44} {r['ours_s'] * 1e3:8.1f} {r['floor_s'] * 1e3:9.1f} {r['lime_s'] * 1e3:8.1f} "
            f"{r['ours_over_floor']:10.2f} {r['ours_over_lime']:9.3f} {r['agreement_top5']:5.1f}"
        )
    lines.append(f"{'case':44} {'ours ms':>8} {'floor ms':>9} {'x floor':>8} {'precision [95%]':>22}  rule")
    for r in result["anchors"]:
        interval = f"{r['precision']:.2f} [{r['precision_low']:.2f}, {r['precision_high']:.2f}]"
        met = "" if r["meets_threshold"] else " (not met)"
        lines.append(
            f"{r['case']:44} {r['ours_s'] * 1e3:8.1f} {r['floor_s'] * 1e3:9.1f} {r['ours_over_floor']:8.2f} "
            f"{interval:>22}  {' AND '.join(r['rule']) or '(none)'}{met}"
        )
    return "\n".join(lines)
