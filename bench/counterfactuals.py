"""“What would change it”: our counterfactual search against dice-ml (random and genetic), same models, same rows.

``python -m bench --only counterfactuals``. Three tables: Adult census (``../shared/data/adult.csv`` when
it is there, else an Adult-like table made here), a Pima-like table made here, and a generated
20-feature table; a random forest and a logistic regression on each; the first rows of the hold-out
that the model puts in the first class, asked for 3 ways to the other class.

Every method's answers are measured the same way, by us: **validity** (each returned row given to the
model again: does it reach the class asked for?), **features changed** per counterfactual,
**proximity** (the distance in spreads of :mod:`limelight.explainers.counterfactual_space`, a changed
category counting 1) and **time per row**. Printed, never asserted.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np
import pandas as pd

from limelight.explainers.counterfactual_space import Space, split_points
from limelight.explainers.counterfactuals import TabularCounterfactuals
from limelight.tabular.training import build_pipeline

TARGET = "target"
ADULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "adult.csv"
MODELS = ("random_forest", "logistic_regression")
COUNT = 3


def adult(rows: int, seed: int) -> tuple[pd.DataFrame, list[str], list[str], str]:
    """The Adult census file when present (rows with a missing cell dropped, a sample), else an Adult-like table."""
    if ADULT.exists():
        frame = pd.read_csv(ADULT, na_values="?", skipinitialspace=True).dropna()
        frame = frame.sample(n=min(rows, len(frame)), random_state=seed).reset_index(drop=True)
        frame[TARGET] = (frame.pop("class").str.strip().str.rstrip(".") == ">50K").astype(int)
        numeric = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
        categorical = [c for c in frame.columns if c not in numeric and c != TARGET]
        return frame, numeric, categorical, "adult"
    return adult_like(rows, seed)


def adult_like(rows: int, seed: int) -> tuple[pd.DataFrame, list[str], list[str], str]:
    """Income over 50K from education, age, hours, marriage and capital gains, with noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(17, 80, rows),
            "education_num": rng.integers(1, 17, rows),
            "hours_per_week": np.clip(rng.normal(40, 12, rows).round(), 1, 99).astype(int),
            "capital_gain": np.where(rng.random(rows) < 0.08, rng.integers(1000, 20000, rows), 0),
            "marital_status": rng.choice(["Married", "Never-married", "Divorced"], rows, p=[0.5, 0.35, 0.15]),
            "workclass": rng.choice(["Private", "Self-emp", "Gov"], rows, p=[0.7, 0.15, 0.15]),
            "sex": rng.choice(["Male", "Female"], rows),
        }
    )
    score = (
        0.35 * (frame["education_num"] - 10) + 0.04 * (frame["age"] - 38) + 0.04 * (frame["hours_per_week"] - 40)
        + 1.5 * (frame["marital_status"] == "Married") + 0.0003 * frame["capital_gain"] - 1.2
    )  # fmt: skip
    frame[TARGET] = (score + rng.logistic(size=rows) > 0).astype(int)
    return frame, ["age", "education_num", "hours_per_week", "capital_gain"], [
        "marital_status", "workclass", "sex"], "adult-like"  # fmt: skip


def pima_like(rows: int, seed: int) -> pd.DataFrame:
    """Diabetes from glucose, BMI, age and pedigree, like the Pima Indians table (8 numbers, whole and decimal)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "pregnancies": rng.poisson(3.8, rows),
            "glucose": np.clip(rng.normal(121, 31, rows).round(), 44, 199).astype(int),
            "blood_pressure": np.clip(rng.normal(72, 12, rows).round(), 24, 122).astype(int),
            "skin_thickness": np.clip(rng.normal(29, 10, rows).round(), 7, 99).astype(int),
            "insulin": np.clip(rng.lognormal(4.8, 0.6, rows).round(), 14, 846).astype(int),
            "bmi": np.clip(rng.normal(32.4, 6.9, rows), 18.2, 67.1).round(1),
            "pedigree": np.clip(rng.lognormal(-1.0, 0.6, rows), 0.078, 2.42).round(3),
            "age": np.clip(rng.gamma(2.2, 7, rows) + 21, 21, 81).round().astype(int),
        }
    )
    score = (
        0.035 * (frame["glucose"] - 121) + 0.09 * (frame["bmi"] - 32) + 0.03 * (frame["age"] - 33)
        + 0.9 * (frame["pedigree"] - 0.47) - 0.6
    )  # fmt: skip
    frame["diabetes"] = np.where(score + rng.logistic(size=rows) > 0, "yes", "no")
    return frame


def generated(rows: int, seed: int) -> pd.DataFrame:
    from sklearn.datasets import make_classification

    X, y = make_classification(rows, 20, n_informative=6, n_redundant=4, random_state=seed)
    frame = pd.DataFrame(X.round(3), columns=[f"f{j:02d}" for j in range(20)])
    frame[TARGET] = y
    return frame


def tables(rows: int) -> list[tuple[str, pd.DataFrame, list[str], list[str]]]:
    frame, numeric, categorical, name = adult(rows, 0)
    pima = pima_like(rows, 0)
    pima[TARGET] = (pima.pop("diabetes") == "yes").astype(int)
    return [
        (name, frame, numeric, categorical),
        ("pima-like", pima, [c for c in pima.columns if c != TARGET], []),
        ("generated-20", generated(rows, 0), [f"f{j:02d}" for j in range(20)], []),
    ]


def run(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    import dice_ml  # a reference for this benchmark only (requirements-dev.txt)

    n_rows = 2 if quick else 5
    out = []
    for name, frame, numeric, categorical in tables(1500 if quick else 4000):
        features = numeric + categorical
        cut = int(0.8 * len(frame))
        train, test = frame.iloc[:cut], frame.iloc[cut:]
        for classifier in MODELS:
            pipeline = build_pipeline(classifier, numeric=numeric, categorical=categorical)
            pipeline.fit(train[features], train[TARGET])
            ours = TabularCounterfactuals.fit(
                train[features], numeric=numeric, categorical=categorical, labels=train[TARGET].to_numpy()
            )
            splits = split_points(pipeline, numeric)
            data = dice_ml.Data(dataframe=train[[*features, TARGET]], continuous_features=numeric, outcome_name=TARGET)
            model = dice_ml.Model(model=pipeline, backend="sklearn")
            dice = {method: dice_ml.Dice(data, model, method=method) for method in ("random", "genetic")}
            rows = test[pipeline.predict(test[features]) == 0].head(n_rows)
            measured: dict[str, list[dict[str, float]]] = {"ours": [], "dice_random": [], "dice_genetic": []}
            for _, row in rows.iterrows():
                case = row[features]
                methods = {
                    "ours": partial(_ours, ours, pipeline, splits, case, features),
                    "dice_random": partial(_dice, dice["random"], case, features, random_seed=0),
                    "dice_genetic": partial(_dice, dice["genetic"], case, features),
                }
                for method, find in methods.items():
                    started = time.perf_counter()
                    found = find()
                    seconds = time.perf_counter() - started
                    measured[method].append(_measure(ours.space, pipeline, case, found, seconds))
            record = {"case": f"{name}/{classifier}", "rows": len(rows)}
            for method, per_row in measured.items():
                record[method] = _summary(per_row)
            log(f"  {record['case']}: " + "; ".join(
                f"{m} valid {record[m]['validity']:.0%} changed {record[m]['features_changed']:.2f} "
                f"{record[m]['seconds']:.2f}s" for m in measured))  # fmt: skip
            out.append(record)
    return {"rows": out, "count": COUNT}


def _ours(ours: TabularCounterfactuals, pipeline, splits, case: pd.Series, features: list[str]) -> pd.DataFrame:
    result = ours.explain(case, pipeline.predict_proba, desired=1, class_name="1", count=COUNT, splits=splits)
    return pd.DataFrame([cf.values for cf in result.counterfactuals], columns=features)


def _dice(explainer, case: pd.Series, features: list[str], **options) -> pd.DataFrame:
    np.random.seed(0)  # the genetic method draws from NumPy's global generator
    query = pd.DataFrame([case.to_dict()], columns=features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = explainer.generate_counterfactuals(
                query, total_CFs=COUNT, desired_class="opposite", verbose=False, **options
            )
        except Exception:  # noqa: BLE001 - DiCE raises when it finds none ("No counterfactuals found")
            return pd.DataFrame(columns=features)
    found = result.cf_examples_list[0].final_cfs_df
    return pd.DataFrame(columns=features) if found is None else found[features].reset_index(drop=True)


def _measure(space: Space, pipeline, case: pd.Series, found: pd.DataFrame, seconds: float) -> dict[str, float]:
    if found.empty:
        return {"returned": 0, "valid": 0, "changed": np.nan, "distance": np.nan, "seconds": seconds}
    frame = found.copy()
    for name in space.numbers:
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    valid = pipeline.predict_proba(frame)[:, 1] > 0.5
    coded = space.coded(frame)
    own = space.coded(pd.DataFrame([case.to_dict()], columns=space.columns))
    distance = space.distances(coded, own)[:, 0]
    changed = [
        sum(
            not _same(frame.iloc[i][name], case[name], name in space.numbers)
            for name in space.columns
        )
        for i in range(len(frame))
    ]  # fmt: skip
    return {
        "returned": len(frame),
        "valid": int(valid.sum()),
        "changed": float(np.mean(changed)),
        "distance": float(np.mean(distance)),
        "seconds": seconds,
    }


def _same(a: Any, b: Any, number: bool) -> bool:
    if number:
        return bool(np.isclose(float(a), float(b), atol=1e-9))
    return str(a) == str(b)


def _summary(per_row: list[dict[str, float]]) -> dict[str, float]:
    returned = sum(r["returned"] for r in per_row)
    answered = [r for r in per_row if r["returned"]]
    return {
        "validity": sum(r["valid"] for r in per_row) / returned if returned else 0.0,
        "rows_with_one": sum(r["valid"] > 0 for r in per_row) / len(per_row) if per_row else 0.0,
        "returned": returned / len(per_row) if per_row else 0.0,
        "features_changed": mean(r["changed"] for r in answered) if answered else float("nan"),
        "distance": mean(r["distance"] for r in answered) if answered else float("nan"),
        "seconds": mean(r["seconds"] for r in per_row) if per_row else float("nan"),
    }


def summary(result: dict[str, Any]) -> str:
    """A table: per case and method, validity, rows answered, features changed, proximity, time per row."""
    head = (
        f"What would change it ({result['count']} ways asked per row; every answer re-checked with the model):\n"
        f"{'case':<34}{'method':<14}{'valid':>7}{'rows ok':>9}{'ways/row':>9}{'changed':>9}{'spreads':>9}{'s/row':>8}"
    )
    lines = [head]
    speedups = []
    for record in result["rows"]:
        for method in ("ours", "dice_random", "dice_genetic"):
            m = record[method]
            lines.append(
                f"{record['case']:<34}{method:<14}{m['validity']:>7.0%}{m['rows_with_one']:>9.0%}{m['returned']:>9.1f}"
                f"{m['features_changed']:>9.2f}{m['distance']:>9.2f}{m['seconds']:>8.2f}"
            )
        speedups.append(record["dice_genetic"]["seconds"] / record["ours"]["seconds"])
    lines.append(f"DiCE genetic time / ours: {min(speedups):.1f}x to {max(speedups):.1f}x")
    return "\n".join(lines)
