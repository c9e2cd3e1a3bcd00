"""Tabular LIME cases: ours vs. the floor vs. lime, pair by pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from limelight.explainers.lime_tabular import TabularLime
from limelight.tabular.training import build_pipeline

from . import data
from .reference import LimeReference
from .timing import interleaved, peak_mb, wall

MODELS = ("random_forest", "gradient_boosting", "logistic_regression", "svm")
DATASETS: dict[str, Callable[[], data.Dataset]] = {
    "breast_cancer": data.breast_cancer,
    "mixed_30k": data.mixed,
}
# An RBF SVM (calibrated, 3 folds) is quadratic in rows: train it on a subset
# of the big table so the bench stays within its time budget.
SVM_MAX_TRAIN_ROWS = 6000
TOP_K = 5


@dataclass(frozen=True)
class Case:
    """One benchmark row: a dataset, a model and the explanation settings."""

    dataset: str
    model: str
    num_samples: int = 5000
    num_features: int = 10
    seed: int = 0

    @property
    def name(self) -> str:
        """Short identifier, e.g. ``lime/breast_cancer/random_forest``."""
        return f"lime/{self.dataset}/{self.model}"

    @property
    def settings(self) -> str:
        """Human-readable explanation settings."""
        return f"samples={self.num_samples} features={self.num_features}"


@dataclass(eq=False)
class Fitted:
    """A fitted model and everything the contenders share for one case."""

    case: Case
    data: data.Dataset
    pipeline: Any
    train: pd.DataFrame
    row: pd.Series
    label: int
    floor_frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def fit_ours(self) -> TabularLime:
        """Our explainer's training statistics (once per model)."""
        return TabularLime.fit(self.train, numeric=list(self.data.numeric), categorical=list(self.data.categorical))

    def explain_ours(self, lime: TabularLime) -> list[str]:
        """Our explanation; feature names, largest |weight| first."""
        c = self.case
        exp = lime.explain(
            self.row,
            self.pipeline.predict_proba,
            label=self.label,
            num_samples=c.num_samples,
            num_features=c.num_features,
            random_state=c.seed,
        )
        return [w.feature for w in exp.weights]

    def reference(self, feature_selection: str = "highest_weights") -> LimeReference:
        """lime's explainer for this model, built once."""
        return LimeReference(
            self.train,
            self.data.categorical,
            self.pipeline.predict_proba,
            feature_selection=feature_selection,
            seed=self.case.seed,
        )

    def explain_reference(self, ref: LimeReference, num_features: int | None = None) -> list[str]:
        """lime's explanation; feature names, largest |weight| first."""
        c = self.case
        return ref.explain(
            self.row, label=self.label, num_samples=c.num_samples, num_features=num_features or c.num_features
        )


@lru_cache(maxsize=16)
def fit_case(case: Case) -> Fitted:
    """Split, fit the pipeline, pick the row to explain and the floor's frame."""
    ds = DATASETS[case.dataset]()
    X = ds.frame[ds.features]
    y = np.asarray(pd.factorize(ds.frame[ds.target], sort=True)[0])
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=case.seed)
    notes = []
    if case.model == "svm" and len(X_train) > SVM_MAX_TRAIN_ROWS:
        X_train, y_train = X_train.iloc[:SVM_MAX_TRAIN_ROWS], y_train[:SVM_MAX_TRAIN_ROWS]
        notes.append(f"svm trained on {SVM_MAX_TRAIN_ROWS} rows")
    pipeline = build_pipeline(
        case.model, numeric=list(ds.numeric), categorical=list(ds.categorical), random_state=case.seed
    )
    pipeline.fit(X_train, y_train)
    floor_frame = X_train.sample(n=case.num_samples, replace=True, random_state=case.seed).reset_index(drop=True)
    return Fitted(case, ds, pipeline, X_train, X_test.iloc[0], 1, floor_frame, notes)


def top_overlap(ours: list[str], theirs: list[str], k: int = TOP_K) -> float:
    """Share of the top-``k`` features (by |weight|) the two explanations have in common."""
    return len(set(ours[:k]) & set(theirs[:k])) / k


def run_case(case: Case, repeats: int) -> dict[str, Any]:
    """Measure one case: stats build, then ours / floor / lime interleaved."""
    fitted = fit_case(case)
    stats_s, ours_lime = wall(fitted.fit_ours)
    ref_build_s, ref = wall(fitted.reference)
    medians = interleaved(
        {
            "ours": lambda: fitted.explain_ours(ours_lime),
            "floor": lambda: fitted.pipeline.predict_proba(fitted.floor_frame),
            "reference": lambda: fitted.explain_reference(ref),
        },
        repeats,
    )
    ours_top, ref_top = fitted.explain_ours(ours_lime), fitted.explain_reference(ref)
    ours, floor, reference = medians["ours"], medians["floor"], medians["reference"]
    notes = [*fitted.notes]
    if case.dataset != "breast_cancer":
        notes.append(f"lime decode {_decode_cost(fitted, ref) * 1e3:.0f} ms/5000 rows incl.")
    return {
        **asdict(case),
        "case": case.name,
        "explainer": "TabularLime",
        "settings": case.settings,
        "ours_s": ours,
        "floor_s": floor,
        "ours_over_floor": ours / floor,
        "ours_minus_floor_ms": (ours - floor) * 1e3,
        "reference_s": reference,
        "ours_over_reference": ours / reference,
        "reference_minus_floor_ms": (reference - floor) * 1e3,
        "agreement_top5": top_overlap(ours_top, ref_top),
        "peak_mb": peak_mb(lambda: fitted.explain_ours(ours_lime)),
        "stats_build_s": stats_s,
        "reference_build_s": ref_build_s,
        "ours_top5": ours_top[:TOP_K],
        "reference_top5": ref_top[:TOP_K],
        "repeats": repeats,
        "notes": notes,
    }


def _decode_cost(fitted: Fitted, ref: LimeReference) -> float:
    """Seconds lime's predict function spends decoding 5000 encoded rows."""
    encoded = ref.codec.encode(fitted.floor_frame)
    return interleaved({"decode": lambda: ref.codec.decode(encoded)}, 3)["decode"]


def auto_selection_note(repeats: int) -> dict[str, Any]:
    """lime's default ``feature_selection='auto'`` on breast cancer / random forest.

    With more than 6 features 'auto' is 'highest_weights'; with 6 or fewer it
    silently switches to forward selection. Measured at 10 and 5 features.
    """
    fitted = fit_case(Case("breast_cancer", "random_forest"))
    ref = fitted.reference("auto")
    times = interleaved(
        {
            "auto_10": lambda: fitted.explain_reference(ref, 10),
            "auto_5": lambda: fitted.explain_reference(ref, 5),
        },
        max(1, repeats // 2),
    )
    return {
        "case": "lime/breast_cancer/random_forest feature_selection=auto",
        **{f"{k}_s": v for k, v in times.items()},
    }


def cases(quick: bool) -> list[Case]:
    """All tabular cases; a small subset for ``--quick``."""
    if quick:
        return [
            Case("breast_cancer", "random_forest"),
            Case("breast_cancer", "logistic_regression"),
            Case("mixed_30k", "gradient_boosting"),
        ]
    return [Case(ds, model) for ds in DATASETS for model in MODELS]


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Run every tabular case; returns ``{"rows": [...], "auto": {...}}``."""
    rows = []
    for case in cases(quick):
        log(f"  {case.name} ...")
        rows.append(run_case(case, repeats))
    return {"rows": rows, "auto": auto_selection_note(repeats)}
