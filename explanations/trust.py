"""How far to trust an explanation: the diagnostics run beside it and the what-if curve.

The service layer between explanation rows and limelight/explainers/diagnostics.py: it
picks the settings, writes the charts next to the explanation, and returns JSON-ready
results with the sentences the page shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from classifiers.artifacts import dataset_frame, model_pipeline
from classifiers.models import TrainedModel
from limelight.amounts import unit_of
from limelight.drawing import diagnostic_charts as charts
from limelight.explainers import diagnostics
from limelight.explainers.conditions import condition_in_words
from limelight.explainers.lime_image import fill_image
from limelight.explainers.lime_tabular import TabularLime

from .files import read_label_map, save_explanation_file
from .models import Explanation

STABILITY_RUNS = 5


def _write(explanation: Explanation, name: str, content: bytes) -> str:
    return save_explanation_file(explanation, name, content)


def diagnose_table(
    explanation: Explanation,
    lime: TabularLime,
    predict_proba: Any,
    row: pd.Series,
    label: int,
    order: list[str],
) -> dict[str, Any]:
    """Stability over seeds, kernel-width sensitivity and deletion/insertion curves for one row."""
    model = explanation.model
    title = model.class_names[label]
    seeds = tuple(explanation.random_state + i for i in range(STABILITY_RUNS))
    options = {"label": label, "num_features": explanation.num_features}
    stability = diagnostics.stability_tabular(
        lime, row, predict_proba, seeds=seeds, num_samples=explanation.num_samples,
        kernel_width=explanation.kernel_width, **options,
    )  # fmt: skip
    sweep = diagnostics.kernel_sweep(
        lime, row, predict_proba, num_samples=explanation.num_samples,
        random_state=explanation.random_state, **options,
    )  # fmt: skip
    frame = dataset_frame(model.dataset)
    baseline = diagnostics.typical_values(frame, model.numeric, model.categorical)
    # An amount's curves are in its unit; "about as fast as random" is then 2% of its spread (10 bands).
    spread = {"amount_spread": 10 * model.metrics["default_band"]} if model.predicts_amount else {}
    amount_unit = {"amount_unit": unit_of(model.target)} if model.predicts_amount else {}  # the curves' axis
    curves = diagnostics.deletion_insertion_tabular(
        row, predict_proba, label=label, order=order, baseline=baseline,
        random_state=explanation.random_state, columns=list(model.features), **spread,
    )  # fmt: skip
    return {
        "stability": stability.to_dict(),
        "stability_words": stability_words(stability),
        "stability_chart": _write(
            explanation, "stability.svg", charts.stability_chart(stability, title=title, **amount_unit)
        ),
        "kernel": sweep.to_dict(),
        "kernel_words": diagnostics.sign_flip_words(sweep),
        "kernel_chart": _write(explanation, "kernel.svg", charts.kernel_width_chart(sweep, title=title, **amount_unit)),
        "curves": {"deletion": curves.deletion.to_dict(), "insertion": curves.insertion.to_dict()},
        "curves_chart": _write(
            explanation,
            "curves.svg",
            charts.deletion_insertion_chart(
                curves, title=model.target if model.predicts_amount else title, unit="features", **amount_unit
            ),
        ),
    }


def diagnose_image(explanation: Explanation, image: np.ndarray, predict_proba: Any) -> dict[str, Any]:
    """Deletion/insertion curves over superpixels, in the explanation's order vs random."""
    label = explanation.label
    segments = read_label_map(explanation.result["segments_path"])
    weights = explanation.result["weights"]
    order = diagnostics.deletion_order([(w["segment"], w["weight"]) for w in weights])
    order = order[: max(explanation.top_segments, 10)]
    curves = diagnostics.deletion_insertion_image(
        image, segments, predict_proba, label=label, order=order,
        fill=fill_image(image, segments, explanation.hide_color), random_state=explanation.random_state,
    )  # fmt: skip
    title = explanation.model.class_names[label]
    chart = charts.deletion_insertion_chart(curves, title=title, unit="regions")
    return {
        "curves": {"deletion": curves.deletion.to_dict(), "insertion": curves.insertion.to_dict()},
        "curves_chart": _write(explanation, "curves.svg", chart),
    }


def stability_words(stability: diagnostics.Stability) -> str:
    """What repeating the explanation showed, said plainly."""
    agreement = stability.reasons_jaccard
    uncertain = [condition_in_words(f.condition) for f in stability.uncertain[:3]]
    if agreement >= 0.95:
        text = f"Repeated {stability.runs} times with other random cases, the main reasons stayed the same."
    elif agreement >= 0.7:
        text = (
            f"Repeated {stability.runs} times, the main reasons mostly stayed the same "
            f"(agreement {agreement:.2f}); the smaller bars may swap places."
        )
    else:
        text = (
            f"Repeated {stability.runs} times, the top reasons changed a lot (agreement {agreement:.2f}): "
            "ask for more similar cases before trusting the order."
        )
    if uncertain:
        text += " Not even the direction is sure for: " + "; ".join(uncertain) + "."
    return text


def what_if(
    *,
    model: TrainedModel,
    row: pd.DataFrame,
    feature: str,
    label: int,
    other: TrainedModel | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The predicted probability of `label` as one feature varies, the row's value marked;
    with `other`, a second model on the same chart. Returns the SVG and the numbers."""
    if feature not in model.features:
        raise ValueError(f"The model does not use the column “{feature}”.")
    models = {model.get_classifier_display(): model_pipeline(model).predict_proba}
    if other is not None:
        models[f"{other.get_classifier_display()} #{other.pk}"] = model_pipeline(other).predict_proba
    frame = dataset_frame(model.dataset)
    curves = diagnostics.what_if_curves_for_models(
        row.iloc[0], models, feature=feature, label=label, frame=frame[list(model.features)],
        categorical=feature not in model.numeric,
    )  # fmt: skip
    if model.predicts_amount:  # the one output is the amount: drawn in its unit, not as a probability
        unit = unit_of(model.target)
        chart = charts.what_if_chart(curves, title=model.target, feature_label=feature, amount_unit=unit)
    else:
        chart = charts.what_if_chart(curves, title=model.class_names[label], feature_label=feature)
    return chart, {name: curve.to_dict() for name, curve in curves.items()}
