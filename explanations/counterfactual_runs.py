"""What a worker runs for “what would change it” on a table row (counterfactuals).

Apart from :mod:`explanations.runs` so that module stays about the explainers it has; the
kinds registry names :func:`counterfactual_table` by its dotted path like the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from classifiers.artifacts import dataset_frame, explainer_state, model_rows
from classifiers.models import TrainedModel
from limelight.amount_words import amount
from limelight.amounts import unit_of
from limelight.explainers.counterfactual_space import split_points
from limelight.explainers.counterfactuals import STABILITY_REPEATS, Goal, TabularCounterfactuals, lime_agreement

from .runs import tabular_lime_for

# LIME's samples when it runs beside a counterfactual only to compare columns: its top reasons
# settle with fewer samples than a LIME result shown for itself.
LIME_SAMPLES = 2000
# The progress a person sees: the search's two batches and its shrinking, then the comparison with LIME.
STEPS = 4
SEARCHING = "Looking for the smallest changes that change the answer"


def counterfactual_table(explanation, pipeline, row, label, on_progress) -> dict[str, Any]:
    """Up to N checked ways to make the model give another class, or bring its amount above or below a
    value, within the person's limits."""
    model = explanation.model
    goal, reached = goal_of(explanation, pipeline.predict_proba(row)[0])
    case = row.iloc[0]
    result = tabular_counterfactuals_for(model).explain(
        case,
        pipeline.predict_proba,
        goal=goal,
        class_name=reached,
        fixed=list(explanation.fixed_columns or []),
        ranges={name: tuple(pair) for name, pair in (explanation.value_ranges or {}).items()},
        count=explanation.counterfactual_count,
        splits=split_points(pipeline, model.numeric),
        random_state=explanation.random_state,
        repeats=STABILITY_REPEATS if explanation.diagnostics else 0,
        real_rows=None if goal.label is not None else _real_rows(model, goal),
        on_progress=lambda done, total: on_progress(done, STEPS, SEARCHING),
    )
    document = result.to_dict()
    document["desired_name"] = reached  # “yes”, or “above 300 g” for an amount
    if goal.label is None:
        document["goal"] = {"above": goal.above, "threshold": goal.threshold}
    if explanation.diagnostics and result.found:
        on_progress(3, STEPS, "Comparing with LIME's reasons")
        lime = tabular_lime_for(model, explanation.discretizer).explain(
            case, pipeline.predict_proba, label=label, num_samples=LIME_SAMPLES,
            num_features=explanation.num_features, random_state=explanation.random_state,
        )  # fmt: skip
        changed = result.changed_columns
        document["lime"] = lime_agreement(
            changed, [(w.feature, w.weight) for w in lime.weights], top=max(3, len(changed))
        )
    on_progress(STEPS, STEPS, "Done")
    return document


def _real_rows(model: TrainedModel, goal: Goal) -> pd.DataFrame:
    """For an amount: the training rows whose true amount is already past the value (plausibility's yardstick)."""
    rows = model_rows(model)
    truths = rows.truths[rows.in_training]
    frame = dataset_frame(model.dataset)[rows.in_training][list(model.features)]
    with np.errstate(invalid="ignore"):  # a missing amount (NaN) is past nothing
        past = truths > goal.threshold if goal.above else truths < goal.threshold
    return frame[past]


def goal_of(explanation, outputs: np.ndarray) -> tuple[Goal, str]:
    """What the changes must reach, and how it is named: a class (the one asked for, else the likeliest
    other one), or for an amount a value to go above or below (else the prediction ± the model's band)."""
    model = explanation.model
    if model.predicts_amount:
        prediction = float(outputs[0])
        above = explanation.amount_goal != "below"
        target = explanation.amount_target
        if target is None:
            band = float(model.metrics.get("default_band") or 0) or max(abs(prediction) / 10, 1.0)
            target = prediction + band if above else prediction - band
        named = f"{'above' if above else 'below'} {amount(target, unit_of(model.target))}"
        return Goal(words=f"bring the predicted “{model.target}” {named}", threshold=target, above=above), named
    desired = explanation.desired_label
    if desired is None:  # the likeliest class other than the one predicted
        desired = int(np.argsort(outputs, kind="stable")[-2])
    named = str(model.class_names[desired])
    return Goal(words=f"make the model say “{named}”", label=desired), named


def tabular_counterfactuals_for(model: TrainedModel) -> TabularCounterfactuals:
    """The search's room (each column's values, spread and limits; real rows per class), once per model."""

    def build() -> TabularCounterfactuals:
        rows = model_rows(model)
        return TabularCounterfactuals.fit(
            dataset_frame(model.dataset)[rows.in_training][list(model.features)],
            numeric=model.numeric,
            categorical=model.categorical,
            # An amount's truths are numbers, not classes: its real rows are picked per request (_real_rows).
            labels=None if model.predicts_amount else rows.truths[rows.in_training],
            random_state=model.random_state,
        )

    return explainer_state(model, "counterfactuals", build)
