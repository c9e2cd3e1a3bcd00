"""The whole model at a glance for a stored model: gather what the engine needs (its file, its per-row
results, its pipeline, the explanations made with it) and call :mod:`limelight.overview`.

The worker's report job and ``manage.py report`` both go through here, so the page and the
command line show the same document. Imported by workers and the CLI only (scikit-learn,
matplotlib, fairlearn).
"""

from __future__ import annotations

import numpy as np

from classifiers.artifacts import dataset_frame, model_pipeline, model_rows
from classifiers.models import TrainedModel
from jobs.models import JobStatus
from limelight.amounts import unit_of
from limelight.drawing.charts import weights_chart
from limelight.overview.build import Overview, OverviewInputs, ProgressCallback, build_overview
from limelight.overview.report import render_report

from .counterfactual_presenter import counterfactual_view
from .disclosure import NOTHING_EXTRA
from .models import Explanation
from .verdicts import verdict_of

# There is no way to pin an explanation yet: the report keeps the model's newest finished ones.
KEPT_EXPLANATIONS = 10
KEPT_NOTE = (
    "The newest explanations made with this model (at most 10); Limelight has no way yet to pin the ones "
    "to keep, so every finished one counts."
)
LOCAL_EXPLAINERS = ("lime", "shap")  # results whose weights rank a case's features
LOCAL_SAMPLE = 200  # the newest explanations whose weights are averaged for the local importance


def whole_model_overview(
    model: TrainedModel,
    *,
    sensitive: str = "",
    random_state: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> Overview:
    """Every section of the whole-model view of ``model``, with its verdicts and kept explanations."""
    rows = model_rows(model)
    truths = np.asarray(rows.truths)
    regression = model.predicts_amount
    has_truth = np.isfinite(truths.astype(float)) if regression else truths >= 0
    test_rows = np.flatnonzero(has_truth & ~np.asarray(rows.in_training, dtype=bool))
    kind = model.data_kind
    finished = Explanation.objects.filter(model=model, status=JobStatus.SUCCEEDED).order_by("-created_at")
    local = [] if kind.pictures else [  # an image's regions are its own: no ranking across images
        e.result for e in finished.filter(explainer__in=LOCAL_EXPLAINERS)[:LOCAL_SAMPLE] if e.result.get("weights")
    ]  # fmt: skip
    table = None if kind.pictures else dataset_frame(model.dataset)
    tabular = kind.name == "tabular"
    pipeline = model_pipeline(model) if tabular else None
    overview = build_overview(
        OverviewInputs(
            kind=kind.name,
            task=model.task,
            target=model.target,
            class_names=[str(name) for name in model.class_names],
            classifier=model.classifier,
            metrics={**model.metrics, **({} if regression or model.holdout is None else {"warnings": model.warnings})},
            truths=truths,
            predictions=np.asarray(rows.predictions),
            test_rows=test_rows,
            predict_proba=None if pipeline is None else pipeline.predict_proba,
            table=table,
            features=list(model.features) if tabular else [],
            numeric=list(model.numeric) if tabular else [],
            categorical=list(model.categorical) if tabular else [],
            cases=kind.words.cases,
            unit=unit_of(model.target) if regression else "",
            local_results=local,
        ),
        sensitive=sensitive,
        random_state=model.random_state if random_state is None else random_state,
        on_progress=on_progress,
    )
    _add_explanations(overview, list(finished[:KEPT_EXPLANATIONS]))
    return overview


def whole_model_report(model: TrainedModel, overview: Overview) -> str:
    """The standalone HTML file of ``overview``."""
    return render_report(overview.document, overview.charts)


def _add_explanations(overview: Overview, explanations: list[Explanation]) -> None:
    """The kept explanations (what each says, its verdict, its chart) and their verdicts, into the overview.

    Which case each is about is kept apart (``case``), and each verdict also as a share link that
    hides true values reads it (``shared_*``: the owner's may say "the file says …"), so a link to
    the report can show only what it discloses (explanations.report_presenter).
    """
    document = overview.document
    document["explanations_note"] = KEPT_NOTE
    for index, explanation in enumerate(explanations, 1):
        title, case = explanation.get_explainer_display(), explanation.subject
        verdict, shared = verdict_of(explanation), verdict_of(explanation, NOTHING_EXTRA)
        names = explanation.model.class_names
        predicted = names[int(np.argmax(explanation.probabilities))] if explanation.probabilities else ""
        result = explanation.result
        if explanation.explainer == "anchor":
            conditions = " AND ".join(str(c) for c in result.get("rule") or []) or "anything"
            lines = [f"IF {conditions} THEN “{predicted}”"]
        elif explanation.explainer == "counterfactual":  # what would change it: each way in words
            lines = [way.sentence for way in counterfactual_view(explanation).ways] or [result.get("message", "")]
        else:
            weights = result.get("weights", [])[:8]
            lines = [f"{w.get('condition', w.get('feature'))}: {float(w['weight']):+.3f}" for w in weights]
        chart = ""
        if result.get("weights") and explanation.label is not None:
            chart = f"explanation-{index}.svg"
            overview.charts[chart] = weights_chart(
                [(w.get("condition", w.get("feature")), float(w["weight"])) for w in result["weights"][:8]],
                title=str(names[explanation.label]),
            )
        headline = f"predicted “{predicted}”" if predicted else ""
        document["explanations"].append(
            {"title": title, "case": case, "sentence": f"The model {headline}. {verdict.sentence}".strip(),
             "shared_sentence": f"The model {headline}. {shared.sentence}".strip(), "lines": lines,
             "chart": chart, "explainer": explanation.explainer}
        )  # fmt: skip
        document["verdicts"].append(
            {"title": title, "case": case, "headline": verdict.headline, "sentence": verdict.reason,
             "level": str(verdict.level), "shared_headline": shared.headline, "shared_sentence": shared.reason,
             "shared_level": str(shared.level)}
        )  # fmt: skip
