"""cProfile of one of our tabular explanations: where does our own time go?"""

from __future__ import annotations

import cProfile
import pstats
from typing import Any

from limelight.explainers.lime_tabular import TabularLime

from .tabular import Case, Fitted, fit_case

TOP = 8


def profile_ours(case: Case | None = None, top: int = TOP) -> dict[str, Any]:
    """Profile ``TabularLime.explain`` once (breast cancer, random forest by default).

    The black box is replaced by a stub returning its precomputed answer, so
    the list shows our own time (sampling, frame building, surrogate fits);
    the model's share is the floor, measured in the table. Returns the ``top``
    functions by cumulative time.
    """
    case = case or Case("breast_cancer", "random_forest")
    fitted = fit_case(case)
    lime = fitted.fit_ours()
    answer = _recorded_answer(fitted, lime)
    stub = lambda frame: answer  # noqa: E731
    c = case
    profiler = cProfile.Profile()
    profiler.runcall(
        lime.explain,
        fitted.row,
        stub,
        label=fitted.label,
        num_samples=c.num_samples,
        num_features=c.num_features,
        random_state=c.seed,
    )
    rows = [
        {
            "function": f"{_short(filename)}:{line}({func})",
            "ncalls": ncalls,
            "tottime_ms": tottime * 1e3,
            "cumtime_ms": cumtime * 1e3,
        }
        for (filename, line, func), (_, ncalls, tottime, cumtime, _) in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
        if "lsprof" not in filename and "bench/" not in filename
    ]
    rows.sort(key=lambda r: -r["cumtime_ms"])
    return {"case": case.name, "black_box": "stubbed (precomputed answer)", "top": rows[:top]}


def _recorded_answer(fitted: Fitted, lime: TabularLime) -> Any:
    """The model's probabilities on the exact sample frame the explain call builds."""
    seen: dict[str, Any] = {}

    def record(frame: Any) -> Any:
        seen["proba"] = fitted.pipeline.predict_proba(frame)
        return seen["proba"]

    c = fitted.case
    lime.explain(
        fitted.row,
        record,
        label=fitted.label,
        num_samples=c.num_samples,
        num_features=c.num_features,
        random_state=c.seed,
    )
    return seen["proba"]


def _short(filename: str) -> str:
    """Path from the package root (site-packages/ or the project)."""
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
