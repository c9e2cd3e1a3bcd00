"""Stability of tabular LIME on the demo tables: top-5 agreement across seeds, time, and the "auto" choice.

For each demo x random forest and a few rows: the top-5 Jaccard across 5
seeds at the default 5000 samples, the wall time of one explanation and of
the 5-seed stability run (one batched model query), and the sample count
:func:`limelight.explainers.diagnostics.sample_count.auto_samples` picks. Printed, never asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from statistics import median
from typing import Any

from limelight.explainers.diagnostics.sample_count import auto_samples
from limelight.explainers.diagnostics.seeds import stability_tabular
from limelight.explainers.lime_tabular import TabularLime
from limelight.tabular.demos import DEMOS, demo_frame
from limelight.tabular.training import train_classifier

from .timing import wall

DEMO_SLUGS = ("breast_cancer", "loan_applications")
MODEL = "random_forest"


def _fitted(slug: str) -> tuple[Any, TabularLime, Any]:
    frame = demo_frame(slug)
    target = DEMOS[slug].target
    # As the app does: an identifier column (applicant_id) is a row label, not a feature.
    features = [c for c in frame.columns if c != target and not c.endswith("_id")]
    numeric = [c for c in features if frame[c].dtype.kind in "iuf"]
    categorical = [c for c in features if c not in numeric]
    result = train_classifier(
        frame, target=target, features=features, numeric=numeric, categorical=categorical, classifier=MODEL
    )
    lime = TabularLime.fit(result.train_frame, numeric=numeric, categorical=categorical)
    return result, lime, frame[features]


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Measure every demo; rows of plain numbers for the report."""
    n_rows = 2 if quick else 5
    out = []
    for slug in DEMO_SLUGS:
        result, lime, X = _fitted(slug)
        predict = result.pipeline.predict_proba
        for row_index in range(n_rows):
            row = X.iloc[row_index]
            label = int(result.predictions[row_index])
            one = partial(lime.explain, row, predict, label=label)
            seeds = partial(stability_tabular, lime, row, predict, label=label)
            explain_s = median(wall(one)[0] for _ in range(repeats))
            stability_s = median(wall(seeds)[0] for _ in range(repeats))
            stab = stability_tabular(lime, row, predict, label=label)
            auto = auto_samples(lime, row, predict, label=label)
            record = {
                "case": f"{slug}/{MODEL}/row{row_index}",
                "jaccard_5000": stab.top5_jaccard,
                "reasons_5000": stab.reasons_jaccard,
                "explain_s": explain_s,
                "stability5_s": stability_s,
                "auto_samples": auto.num_samples,
                "auto_jaccard": auto.reasons_jaccard,
                "auto_reached": auto.reached,
                "auto_tried": [list(t) for t in auto.tried],
                "uncertain_in_top5": sum(1 for f in stab.features[:5] if f.sign_uncertain),
            }
            log(
                f"  {record['case']}: top-5 jaccard@5000 {stab.top5_jaccard:.2f}, "
                f"main reasons {stab.reasons_jaccard:.2f}, "
                f"explain {explain_s * 1000:.0f} ms, "
                f"5 seeds {stability_s * 1000:.0f} ms, auto {auto.num_samples} ({auto.reasons_jaccard:.2f})"
            )
            out.append(record)
    return {"rows": out}


def summary(result: dict[str, Any]) -> str:
    """A small fixed-width table plus the headline figures."""
    rows = result["rows"]
    lines = [
        "stability (tabular LIME, 5 seeds, random forest; J = top-5 Jaccard, R = main reasons' Jaccard):",
        f"{'case':42} {'J@5000':>7} {'R@5000':>7} {'explain':>9} {'5 seeds':>9} {'auto':>6} {'R@auto':>7}",
    ]
    for r in rows:
        lines.append(
            f"{r['case']:42} {r['jaccard_5000']:7.2f} {r['reasons_5000']:7.2f} {r['explain_s'] * 1000:7.0f}ms "
            f"{r['stability5_s'] * 1000:7.0f}ms {r['auto_samples']:6d} {r['auto_jaccard']:7.2f}"
            + ("" if r["auto_reached"] else "  (cap)")
        )
    if rows:
        lines.append(
            f"median top-5 Jaccard@5000 {median(r['jaccard_5000'] for r in rows):.2f}, "
            f"main reasons {median(r['reasons_5000'] for r in rows):.2f}; "
            f"median explanation {median(r['explain_s'] for r in rows) * 1000:.0f} ms; "
            f"median 5-seed stability {median(r['stability5_s'] for r in rows) * 1000:.0f} ms"
        )
    return "\n".join(lines)
