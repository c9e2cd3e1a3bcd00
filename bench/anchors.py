"""Anchors cases: ours vs. the floor vs. anchor-exp, pair by pair.

Both rules are measured by the same estimator: the share of training rows
where the rule holds on which the model predicts the instance's class (our
engine's precision, checkable by filtering the data file). anchor-exp's own
estimate is reported next to it.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from explanations.engine.anchor_tabular import TabularAnchors

from .reference import TableCodec
from .tabular import DATASETS, MODELS, Case, Fitted, fit_case
from .timing import peak_mb, wall

REFERENCE_ROWS = 3  # anchor-exp is slow: 3 rows per dataset x model keep the bench < 15 min
QUICK_ROWS = 1


def _rows(fitted: Fitted, n: int) -> list[pd.Series]:
    test = fitted.data.frame[fitted.data.features].drop(fitted.train.index)
    return [test.iloc[i] for i in range(n)]


_NUM = r"-?[\d.]+(?:e-?\d+)?"
_PATTERNS = [
    (re.compile(rf"^(?P<a>{_NUM}) < (?P<f>.+) <= (?P<b>{_NUM})$"), "range"),
    (re.compile(rf"^(?P<f>.+) <= (?P<b>{_NUM})$"), "le"),
    (re.compile(rf"^(?P<f>.+) > (?P<a>{_NUM})$"), "gt"),
    (re.compile(r"^(?P<f>.+) is missing$"), "missing"),
    (re.compile(r"^(?P<f>.+) = (?P<v>.+)$"), "eq"),
]


def rule_mask(frame: pd.DataFrame, rule: list[str], edges: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Rows of ``frame`` where every condition holds.

    anchor-exp prints edges with two decimals; ``edges`` (its exact quartiles)
    lets a printed number snap back to the edge it stands for.
    """

    def snap(col: str, text: str) -> float:
        x = float(text)
        if edges and col in edges and len(edges[col]):
            return float(edges[col][np.argmin(np.abs(edges[col] - x))])
        return x

    mask = np.ones(len(frame), dtype=bool)
    for condition in rule:
        for pattern, kind in _PATTERNS:
            m = pattern.match(condition)
            if not m:
                continue
            col = m["f"]
            values = frame[col]
            if kind == "range":
                held = (values > snap(col, m["a"])) & (values <= snap(col, m["b"]))
            elif kind == "le":
                held = values <= snap(col, m["b"])
            elif kind == "gt":
                held = values > snap(col, m["a"])
            elif kind == "missing":
                held = values.isna()
            else:
                held = values.astype(str) == m["v"]
            mask &= held.to_numpy()
            break
        else:
            raise ValueError(f"unreadable condition {condition!r}")
    return mask


class AnchorReference:
    """anchor-exp's explainer on the label-encoded table (built once per model)."""

    def __init__(self, fitted: Fitted) -> None:
        from anchor import anchor_tabular

        self.codec = TableCodec(fitted.train, fitted.data.categorical)
        encoded = self.codec.encode(fitted.train)
        self.explainer = anchor_tabular.AnchorTabularExplainer(
            ["0", "1"], self.codec.columns, encoded, self.codec.categorical_names()
        )
        self.predict_proba = fitted.pipeline.predict_proba
        self.calls = 0
        numeric = [j for j, c in enumerate(self.codec.columns) if c not in self.codec.levels]
        self.edges = {self.codec.columns[j]: np.percentile(encoded[:, j], [25, 50, 75]) for j in numeric}

    def predict(self, array: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.predict_proba(self.codec.decode(array)).argmax(axis=1)

    def explain(self, row: pd.Series, seed: int = 0) -> Any:
        np.random.seed(seed)  # anchor-exp draws from numpy's global generator
        encoded = self.codec.encode(row.to_frame().T)[0]
        return self.explainer.explain_instance(encoded, self.predict, threshold=0.95)


def run_case(case: Case, n_rows: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Our explainer and anchor-exp on ``n_rows`` test rows of one dataset x model."""
    fitted = fit_case(case)
    stats_s, anchors = wall(
        lambda: TabularAnchors.fit(
            fitted.train, numeric=list(fitted.data.numeric), categorical=list(fitted.data.categorical)
        )
    )
    ref = AnchorReference(fitted)
    predict = fitted.pipeline.predict_proba
    train_pred = predict(fitted.train).argmax(axis=1)
    rows = []
    for row in _rows(fitted, n_rows):
        ours_s, exp = wall(lambda row=row: anchors.explain(row, predict))
        floor_frame = fitted.train.sample(n=max(1, exp.samples_used), replace=True, random_state=0)
        start = time.perf_counter()
        predict(floor_frame)
        floor_s = time.perf_counter() - start
        ref.calls = 0
        ref_s, ref_exp = wall(lambda row=row: ref.explain(row))
        ref_mask = rule_mask(fitted.train, ref_exp.names(), ref.edges)
        ref_precision = float((train_pred[ref_mask] == exp.label).mean()) if ref_mask.any() else float("nan")
        rows.append(
            {
                "ours_s": ours_s,
                "floor_s": floor_s,
                "ref_s": ref_s,
                "ours_precision": exp.precision,
                "ref_precision_ours": ref_precision,
                "ref_precision_own": float(ref_exp.precision()),
                "ours_coverage": exp.coverage,
                "ref_coverage": float(ref_mask.mean()),
                "ours_calls": exp.model_calls,
                "ref_calls": ref.calls,
                "ours_rule": list(exp.rule),
                "ref_rule": list(ref_exp.names()),
                "ours_meets": exp.meets_threshold,
            }
        )
        log(
            f"    ours {ours_s:.3f} s {exp.rule} p={exp.precision:.3f} | "
            f"anchor-exp {ref_s:.2f} s {ref_exp.names()} p={ref_precision:.3f}"
        )
    med = statistics.median
    first_row = _rows(fitted, 1)[0]
    return {
        "case": f"anchors/{case.dataset}/{case.model}",
        "dataset": case.dataset,
        "model": case.model,
        "explainer": "TabularAnchors",
        "settings": f"threshold=0.95 rows={n_rows}",
        "ours_s": med(r["ours_s"] for r in rows),
        "floor_s": med(r["floor_s"] for r in rows),
        "ours_over_floor": med(r["ours_s"] / r["floor_s"] for r in rows),
        "reference_s": med(r["ref_s"] for r in rows),
        "ours_over_reference": med(r["ours_s"] / r["ref_s"] for r in rows),
        "ours_precision": med(r["ours_precision"] for r in rows),
        "ref_precision": med(r["ref_precision_ours"] for r in rows),
        "ref_precision_own": med(r["ref_precision_own"] for r in rows),
        "ours_coverage": med(r["ours_coverage"] for r in rows),
        "ref_coverage": med(r["ref_coverage"] for r in rows),
        "ours_calls": med(r["ours_calls"] for r in rows),
        "ref_calls": med(r["ref_calls"] for r in rows),
        "ours_meets": sum(r["ours_meets"] for r in rows),
        "peak_mb": peak_mb(lambda: anchors.explain(first_row, predict)),
        "stats_build_s": stats_s,
        "rows": rows,
        "notes": list(fitted.notes),
    }


def cases(quick: bool) -> list[Case]:
    """All dataset x model pairs; a small subset for ``--quick``."""
    if quick:
        return [Case("breast_cancer", "random_forest"), Case("mixed_30k", "logistic_regression")]
    return [Case(ds, model) for ds in DATASETS for model in MODELS]


def run(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Run every Anchors case; returns ``{"rows": [...]}``."""
    out = []
    for case in cases(quick):
        log(f"  anchors/{case.dataset}/{case.model} ...")
        out.append(run_case(case, QUICK_ROWS if quick else REFERENCE_ROWS, log))
    return {"rows": out}
