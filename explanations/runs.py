"""What a worker runs for explanations: an explanation, its trust checks, a model overview, a whole-model report.

Kept apart from :mod:`explanations.services` (the writes a web request makes) so
only the worker and the CLI import the engine (LIME, Anchors, KernelSHAP,
diagnostics, charts) and with it scikit-learn, SciPy, scikit-image and matplotlib.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from classifiers.artifacts import dataset_frame, explainer_state, model_pipeline, model_rows
from classifiers.models import TrainedModel
from jobs.services import JobError, ProgressReporter
from limelight.amounts import InBand, unit_of
from limelight.demos import DEMOS
from limelight.drawing.charts import weights_chart
from limelight.explainers.anchor_tabular import TabularAnchors
from limelight.explainers.anchor_text import explain_text_anchor
from limelight.explainers.diagnostics import auto_samples as choose_num_samples
from limelight.explainers.diagnostics import deletion_order, sp_lime_pick
from limelight.explainers.diagnostics.submodular_pick import coverage_complete
from limelight.explainers.kernel_shap import TabularShap
from limelight.explainers.lime_image import (
    boundaries_png,
    explain_image,
    heatmap_png,
    overlay_png,
    segments_png,
    top_region_iou,
)
from limelight.explainers.lime_tabular import TabularLime
from limelight.explainers.lime_text import explain_text
from limelight.images.demos import demo_images

from . import trust
from .files import save_explanation_file, save_report_file
from .models import Diagnosis, Explainer, Explanation, ModelOverview, ModelReport
from .services import explanation_instance
from .whole_model import whole_model_overview, whole_model_report


def explanation_run(explanation: Explanation, on_progress: ProgressReporter) -> dict[str, Any]:
    """The explanation job: ask the model about similar cases, fit a surrogate or search a rule, draw."""
    started = time.perf_counter()
    model = explanation.model
    on_progress(0, 0, "Loading the model")
    pipeline = model_pipeline(model)
    instance = explanation_instance(explanation)
    kind = model.data_kind
    probabilities = pipeline.predict_proba(kind.batch(instance))[0]
    label = explanation.requested_label
    if label is None or explanation.explainer in (Explainer.ANCHOR, Explainer.COUNTERFACTUAL):
        label = int(np.argmax(probabilities))  # an anchor keeps the model's own prediction; a counterfactual leaves it
    if not kind.offers(explanation.explainer):
        raise JobError(f"{explanation.get_explainer_display()} is not available for this kind of data; try LIME.")
    result = kind.runner(explanation.explainer)(explanation, pipeline, instance, label, on_progress)
    if model.predicts_amount:  # the one output is the amount (limelight.amounts): a value, no probabilities
        result = {**result, "label": 0, "value": float(probabilities[0])}
    chart = ""
    if result.get("weights"):
        on_progress(1, 1, "Drawing the chart")
        unit = {"amount_unit": unit_of(model.target)} if model.predicts_amount else {}
        chart = save_explanation_file(
            explanation,
            "weights.svg",
            weights_chart(
                [(weight["condition"], weight["weight"]) for weight in result["weights"]],
                title=model.class_names[label],
                **unit,
            ),
        )
    return {
        "label": label,
        "probabilities": [] if model.predicts_amount else [float(p) for p in probabilities],
        "result": result,
        "instance": kind.display(explanation, instance),
        "chart": chart,
        "explaining_seconds": time.perf_counter() - started,
    }


def _progress(on_progress: ProgressReporter, stage: str):
    return lambda done, total, *rest: on_progress(done, total, rest[0] if rest else stage)


def lime_table(explanation, pipeline, row, label, on_progress) -> dict[str, Any]:
    lime = tabular_lime_for(explanation.model, explanation.discretizer)
    auto = None
    if explanation.auto_samples:
        on_progress(0, 0, "Finding how many similar cases give a steady answer")
        auto = choose_num_samples(
            lime, row.iloc[0], pipeline.predict_proba, label=label, num_features=explanation.num_features,
            seeds=tuple(explanation.random_state + i for i in range(5)), kernel_width=explanation.kernel_width,
        )  # fmt: skip
        Explanation.objects.filter(pk=explanation.pk).update(num_samples=auto.num_samples)
        explanation.num_samples = auto.num_samples
    result = lime.explain(
        row.iloc[0],
        pipeline.predict_proba,
        label=label,
        num_samples=explanation.num_samples,
        num_features=explanation.num_features,
        kernel_width=explanation.kernel_width,
        random_state=explanation.random_state,
        on_progress=_progress(on_progress, "Asking the model about similar cases"),
    )
    document = result.to_dict()
    if auto is not None:
        document["auto_samples"] = {"chosen": auto.num_samples, "reached": auto.reached, "tried": auto.tried}
    return document


def lime_text(explanation, pipeline, text, label, on_progress) -> dict[str, Any]:
    options = {"kernel_width": explanation.kernel_width} if explanation.kernel_width else {}
    return explain_text(
        text,
        pipeline.predict_proba,
        label=label,
        num_samples=explanation.num_samples,
        num_features=explanation.num_features,
        random_state=explanation.random_state,
        on_progress=_progress(on_progress, "Asking the model about the text with words left out"),
        **options,
    ).to_dict()


def anchor_table(explanation, pipeline, row, label, on_progress) -> dict[str, Any]:
    anchors = tabular_anchors_for(explanation.model)
    predict, band = _anchored_output(explanation, pipeline, anchors_batch=row)
    result = anchors.explain(
        row.iloc[0],
        predict,
        threshold=explanation.threshold,
        max_anchor_size=explanation.max_anchor_size,
        random_state=explanation.random_state,
        on_progress=_progress(on_progress, "Searching for a rule"),
    ).to_dict()
    return {**result, **band}


def anchor_text(explanation, pipeline, text, label, on_progress) -> dict[str, Any]:
    corpus = dataset_frame(explanation.model.dataset)[explanation.model.text_column].dropna().astype(str)
    predict, band = _anchored_output(explanation, pipeline, anchors_batch=[text])
    result = explain_text_anchor(
        text,
        predict,
        threshold=explanation.threshold,
        max_anchor_size=explanation.max_anchor_size,
        corpus=list(corpus[:5000]),
        random_state=explanation.random_state,
        on_progress=_progress(on_progress, "Searching for a rule"),
    ).to_dict()
    return {**result, **band}


def _anchored_output(explanation, pipeline, *, anchors_batch) -> tuple[Any, dict[str, Any]]:
    """What Anchors asks the model: its class, or for an amount whether it stays in the band.

    The band is the case's predicted amount ± the half-width the person set (``band_width``),
    or the model's default (a tenth of the 5th-95th percentile spread of its training amounts).
    Anchors then runs unchanged on a yes/no output (limelight.amounts.InBand): a rule's
    precision is the share of its rows whose prediction stays in the band.
    """
    model = explanation.model
    if not model.predicts_amount:
        return pipeline.predict_proba, {}
    value = float(pipeline.predict_proba(anchors_batch)[0, 0])
    half = explanation.band_width if explanation.band_width is not None else model.metrics.get("default_band")
    if half is None or not half > 0:
        raise JobError("The band around the prediction must be wider than 0.")
    low, high = value - float(half), value + float(half)
    return InBand(pipeline.predict_proba, low, high).predict_proba, {
        "band": [low, high],
        "band_width": float(half),
        "band_is_default": explanation.band_width is None,
    }


def lime_image(explanation, pipeline, image, label, on_progress) -> dict[str, Any]:
    result = explain_image(
        image,
        pipeline.predict_proba,
        label=label,
        method=explanation.segmenter,
        segment_params=explanation.segment_params or None,
        num_samples=explanation.num_samples,
        # The default is grey, not each region's mean colour: a plain region equals its own mean,
        # so hiding it with the mean changes nothing and LIME cannot see it (measured on the
        # shapes demo: 11% of the top regions on the shape with the mean, 68% with grey).
        hide_color=explanation.hide_color,
        random_state=explanation.random_state,
        # Stop once the top regions have settled (500-800 of 1,000 samples on photos, the same top
        # regions as a 5,000-sample run: bench/images.py); the page says how many were used.
        stop_when_stable=True,
        on_progress=_progress(
            on_progress,
            f"Showing the model copies of the image with regions hidden (up to {explanation.num_samples:,}; "
            "it stops sooner once the top regions settle)",
        ),
    )
    pictures = {
        "overlay": overlay_png(image, result, top=explanation.top_segments),
        "positive": overlay_png(image, result, top=explanation.top_segments, positive_only=True),
        "boundaries": boundaries_png(image, result.segments),
        "heatmap": heatmap_png(image, result),
        "segments": segments_png(result.segments),
    }
    stored = {name: save_explanation_file(explanation, f"{name}.png", content) for name, content in pictures.items()}
    truth = demo_truth(explanation.model.dataset, explanation.row_index)
    weights = [
        {"segment": s, "feature": f"region {s}", "condition": f"region {s}", "weight": weight}
        for s, weight in result.weights[: explanation.num_features]
    ]
    return {
        **result.to_dict(),
        "weights": weights,
        "overlay_path": stored["overlay"],
        "segments_path": stored["segments"],
        "segmentation_seconds": result.segmentation_seconds,
        "pictures": stored,
        **({"iou": top_region_iou(result, truth, top=explanation.top_segments)} if truth is not None else {}),
    }


def demo_truth(dataset, index: int) -> np.ndarray | None:
    """For the shapes demo only: the true region of the shape in one image, to score the explanation."""
    if not (dataset.is_demo and dataset.name == DEMOS["shapes"].filename):
        return None
    demo = demo_images()
    names = {demo.member(i): i for i in range(len(demo.labels))}
    found = names.get(dataset.images[index]["name"])
    return None if found is None else demo.masks[found]


def shap_table(explanation, pipeline, row, label, on_progress) -> dict[str, Any]:
    return (
        tabular_shap_for(explanation.model)
        .explain(
            row.iloc[0],
            pipeline.predict_proba,
            label=label,
            num_features=explanation.num_features,
            random_state=explanation.random_state,
            on_progress=_progress(on_progress, "Asking the model about cases mixing this row with typical ones"),
        )
        .to_dict()
    )


def _training_rows(model: TrainedModel) -> pd.DataFrame:
    return dataset_frame(model.dataset)[model_rows(model).in_training][list(model.features)]


def tabular_lime_for(model: TrainedModel, discretizer: str = "quartile") -> TabularLime:
    """LIME's training statistics, once per model and discretizer."""

    if model.predicts_amount and discretizer == "entropy":
        raise JobError(
            "Splitting numbers by entropy needs categories to tell apart, and this model predicts an amount: "
            "choose quartiles or deciles."
        )

    def build() -> TabularLime:
        in_training = model_rows(model).in_training
        return TabularLime.fit(
            _training_rows(model),
            numeric=model.numeric,
            categorical=model.categorical,
            discretizer=discretizer,
            labels=model_rows(model).truths[in_training],
        )

    return explainer_state(model, f"lime-{discretizer}", build)


def tabular_shap_for(model: TrainedModel) -> TabularShap:
    """KernelSHAP's background of typical training rows, once per model."""
    return explainer_state(
        model,
        "shap",
        lambda: TabularShap.fit(
            _training_rows(model), numeric=model.numeric, categorical=model.categorical, random_state=model.random_state
        ),
    )


def tabular_anchors_for(model: TrainedModel) -> TabularAnchors:
    """Anchors' pool of rows, once per model.

    The pool is every row of the file, held-out rows included: a rule's precision is then
    what a person finds by filtering the file by it, and a model that memorised its
    training rows is not flattered by them alone.
    """
    return explainer_state(
        model,
        "anchors",
        lambda: TabularAnchors.fit(
            dataset_frame(model.dataset)[list(model.features)],
            numeric=model.numeric,
            categorical=model.categorical,
            random_state=model.random_state,
        ),
    )


def overview_run(overview: ModelOverview, on_progress: ProgressReporter) -> dict[str, Any]:
    """Explain a sample of rows, then pick the few whose reasons together cover the most."""
    model = overview.model
    pipeline = model_pipeline(model)
    frame = dataset_frame(model.dataset)[list(model.features)]
    rng = np.random.default_rng(overview.random_state)
    rows = np.sort(rng.choice(len(frame), size=min(overview.candidates, len(frame)), replace=False))
    lime = tabular_lime_for(model)
    outputs = pipeline.predict_proba(frame.iloc[rows])
    predictions = outputs.argmax(axis=1)  # an amount: its one column, label 0
    explained = []
    for done, (row, label) in enumerate(zip(rows, predictions, strict=True)):
        on_progress(done, len(rows), "Explaining a sample of rows")
        result = lime.explain(
            frame.iloc[int(row)], pipeline.predict_proba, label=int(label), num_samples=2000,
            num_features=5, random_state=overview.random_state,
        )  # fmt: skip
        explained.append((int(row), int(label), result))
    weights = [{w.feature: w.weight for w in r.weights} for _, _, r in explained]
    picks = sp_lime_pick(weights, overview.budget, classes=[label for _, label, _ in explained])
    return {
        "result": {
            "rows_explained": len(explained),
            "covers_all": coverage_complete(weights, picks),  # another row would add nothing new
            "picks": [
                {
                    "row": explained[i][0],
                    "label": model.class_names[explained[i][1]],
                    "weights": [w for w in explained[i][2].to_dict()["weights"]],
                    # An amount: the prediction itself, which the page says in the target's unit.
                    **({"value": float(outputs[i, 0])} if model.predicts_amount else {}),
                }
                for i in picks
            ],
        }
    }


def diagnosis_run(diagnosis: Diagnosis, on_progress: ProgressReporter) -> dict[str, Any]:
    """The trust-check job: whichever checks the model's kind of data declares."""
    explanation = diagnosis.explanation
    model = explanation.model
    pipeline = model_pipeline(model)
    instance = explanation_instance(explanation)
    on_progress(0, 1, "Checking how far to trust it")
    return {"result": model.data_kind.diagnose()(explanation, pipeline, instance)}


def diagnose_image(explanation: Explanation, pipeline, image) -> dict[str, Any]:
    """Deletion and insertion over the image's regions."""
    return trust.diagnose_image(explanation, image, pipeline.predict_proba)


def diagnose_table(explanation: Explanation, pipeline, row: pd.DataFrame) -> dict[str, Any]:
    """Stability, kernel width and deletion/insertion for a table row."""
    lime = tabular_lime_for(explanation.model, explanation.discretizer)
    order = deletion_order([(weight["feature"], weight["weight"]) for weight in explanation.result["weights"]])
    return trust.diagnose_table(explanation, lime, pipeline.predict_proba, row.iloc[0], explanation.label, order)


def report_run(report: ModelReport, on_progress: ProgressReporter) -> dict[str, Any]:
    """The whole model at a glance: the overview's document, its charts and the standalone HTML, stored."""
    overview = whole_model_overview(
        report.model, sensitive=report.sensitive, random_state=report.random_state, on_progress=on_progress
    )
    on_progress(1, 1, "Writing the report")
    charts = {name: save_report_file(report, name, svg) for name, svg in overview.charts.items()}
    html = whole_model_report(report.model, overview)
    stored = save_report_file(report, "report.html", html.encode())
    return {"result": overview.document, "charts": charts, "report": stored}
