"""Faithfulness by gold features (the LIME paper, section 5.2), ours against lime.

Interpretable models whose reasons for one instance are known: a decision tree
(the features on the instance's decision path) and a sparse L1 logistic
regression (its nonzero coefficients for the explained class). Each explainer
explains held-out instances of the predicted class; recall is the share of the
gold features among its top K, precision the share of its top K that are gold.
K is 10 and, per instance, the number of gold features.

Like for like: the same rows, 5,000 samples, lime's default kernel width
(0.75 * sqrt(d)) and quartile bins on both sides; lime "default" is its
``feature_selection="auto"`` (forward selection when K <= 6, else the largest
weights), lime "highest" always takes the largest weights. Seeds are the
instance's index, so one run reproduces. Data: scikit-learn's bundled tables
(breast cancer, wine, digits as 64 pixel columns); nothing is downloaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lime.lime_tabular import LimeTabularExplainer
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from limelight.explainers.lime_tabular import TabularLime

SAMPLES = 5000
EXPLAINERS = ("ours", "lime default", "lime highest")


@dataclass(frozen=True)
class Table:
    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    y_train: np.ndarray


def tables() -> list[Table]:
    found = []
    for name, loader in (("breast_cancer", load_breast_cancer), ("wine", load_wine), ("digits", load_digits)):
        bunch = loader()
        columns = [str(c).replace(" ", "_") for c in (bunch.feature_names)]
        frame = pd.DataFrame(np.asarray(bunch.data, dtype=np.float64), columns=columns)
        train, test, y_train, _ = train_test_split(frame, bunch.target, test_size=0.3, random_state=0)
        found.append(Table(name, train.reset_index(drop=True), test.reset_index(drop=True), np.asarray(y_train)))
    return found


def gold_tree(table: Table) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[int, int], set[int]]]:
    tree = DecisionTreeClassifier(random_state=0).fit(table.train.to_numpy(), table.y_train)

    def gold(i: int, label: int) -> set[int]:
        path = tree.decision_path(table.test.to_numpy()[i : i + 1]).indices
        return {int(tree.tree_.feature[node]) for node in path if tree.tree_.feature[node] >= 0}

    return tree.predict_proba, gold


def gold_sparse_lr(table: Table) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[int, int], set[int]]]:
    # One L1 model per class (one-vs-rest: liblinear's L1 fits two classes at a time).
    sparse = OneVsRestClassifier(LogisticRegression(l1_ratio=1, C=0.05, solver="liblinear"))
    model = make_pipeline(StandardScaler(), sparse).fit(table.train.to_numpy(), table.y_train)
    coef = np.vstack([estimator.coef_ for estimator in model[-1].estimators_])

    def gold(i: int, label: int) -> set[int]:
        row = coef[0] if len(coef) == 1 else coef[label]  # binary: one model, for class 1
        return {int(j) for j in np.flatnonzero(row)}

    return model.predict_proba, gold


MODELS = {"tree": gold_tree, "sparse LR": gold_sparse_lr}


def run(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    instances = 20 if quick else 150
    rows = []
    for table in tables():
        columns = list(table.train.columns)
        ours = TabularLime.fit(table.train, numeric=columns, categorical=(), discretizer="quartile")
        references = {
            name: LimeTabularExplainer(
                table.train.to_numpy(),
                feature_names=columns,
                discretize_continuous=True,
                feature_selection=selection,
                random_state=0,
            )
            for name, selection in (("lime default", "auto"), ("lime highest", "highest_weights"))
        }
        for model_name, build in MODELS.items():
            predict_array, gold_of = build(table)

            def predict_frame(frame: pd.DataFrame, predict_array=predict_array) -> np.ndarray:
                return predict_array(frame.to_numpy(dtype=np.float64))

            picked = range(min(instances, len(table.test)))
            labels = predict_array(table.test.to_numpy()).argmax(axis=1)
            golds = [gold_of(i, int(labels[i])) for i in picked]
            for k_name in ("10", "|gold|"):
                scores = {name: [] for name in EXPLAINERS}
                for i, gold in zip(picked, golds, strict=True):
                    if not gold:
                        continue
                    k = 10 if k_name == "10" else len(gold)
                    label = int(labels[i])
                    for name in EXPLAINERS:
                        started = time.perf_counter()
                        if name == "ours":
                            result = ours.explain(
                                table.test.iloc[i], predict_frame, label=label, num_samples=SAMPLES,
                                num_features=k, random_state=i,
                            )  # fmt: skip
                            top = [columns.index(w.feature) for w in result.weights]
                        else:
                            references[name].random_state = np.random.RandomState(i)
                            explanation = references[name].explain_instance(
                                table.test.to_numpy()[i], predict_array, labels=(label,),
                                num_features=k, num_samples=SAMPLES,
                            )  # fmt: skip
                            top = [j for j, _ in explanation.as_map()[label]]
                        ms = 1000 * (time.perf_counter() - started)
                        hits = len(set(top[:k]) & gold)
                        scores[name].append((hits / len(gold), hits / k, ms))
                for name in EXPLAINERS:
                    values = np.asarray(scores[name])
                    recall = values[:, 0]
                    rows.append(
                        {
                            "dataset": table.name, "model": model_name, "explainer": name, "k": k_name,
                            "instances": len(values), "recall": float(recall.mean()),
                            "recall_se": float(recall.std(ddof=1) / np.sqrt(len(recall))),
                            "precision": float(values[:, 1].mean()), "ms": float(np.median(values[:, 2])),
                            "gold": float(np.mean([len(g) for g in golds if g])),
                        }
                    )  # fmt: skip
                log(f"  {table.name} {model_name} K={k_name}: " + ", ".join(
                    f"{r['explainer']} {r['recall']:.3f}" for r in rows[-len(EXPLAINERS):]
                ))  # fmt: skip
    return {"instances": instances, "samples": SAMPLES, "rows": rows}


def summary(result: dict[str, Any]) -> str:
    lines = [
        f"Faithfulness (gold-feature recall, {result['instances']} held-out instances, {result['samples']} samples, "
        "quartile bins, lime's kernel width; recall ± its standard error):",
        f"{'dataset':<14}{'model':<10}{'K':<7}{'gold':>5}  "
        + "".join(f"{name + ' recall':>22}{'prec':>6}{'ms':>7}" for name in EXPLAINERS),
    ]
    keyed = {(r["dataset"], r["model"], r["k"], r["explainer"]): r for r in result["rows"]}
    for dataset, model, k in dict.fromkeys((r["dataset"], r["model"], r["k"]) for r in result["rows"]):
        first = keyed[(dataset, model, k, EXPLAINERS[0])]
        cells = "".join(
            f"{keyed[(dataset, model, k, name)]['recall']:>14.3f} ± {keyed[(dataset, model, k, name)]['recall_se']:.3f}"
            f"{keyed[(dataset, model, k, name)]['precision']:>6.2f}{keyed[(dataset, model, k, name)]['ms']:>7.0f}"
            for name in EXPLAINERS
        )
        lines.append(f"{dataset:<14}{model:<10}{k:<7}{first['gold']:>5.1f}  {cells}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    result = run("--quick" in sys.argv, lambda message: print(message, file=sys.stderr, flush=True))
    print(summary(result))
