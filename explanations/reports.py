"""An explanation as one JSON-ready document (the CLI's output; later, exports)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from classifiers.services import dataset_frame

from .models import Explanation


def json_value(value: Any) -> Any:
    """A cell as JSON: numbers stay numbers, missing becomes null."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def explanation_document(explanation: Explanation) -> dict[str, Any]:
    model = explanation.model
    dataset = model.dataset
    names = model.class_names
    if explanation.row_index is not None:
        row = dataset_frame(dataset).iloc[explanation.row_index]
        values = {str(column): json_value(row[column]) for column in row.index}
    else:
        values = dict(explanation.custom_values)
    result = explanation.result
    return {
        "dataset": {
            "id": dataset.pk,
            "name": dataset.name,
            "kind": dataset.kind,
            "rows": dataset.n_rows,
            "columns": dataset.n_columns,
            "classes": len(names),
        },
        "model": {
            "id": model.pk,
            "classifier": model.classifier,
            "target": model.target,
            "features": model.features,
            "class_names": names,
            "metrics": model.metrics,
        },
        "instance": {
            "row": explanation.row_index,
            "values": values,
        },
        "prediction": {
            "label": explanation.label_name,
            "probabilities": dict(zip(names, explanation.probabilities, strict=True)),
        },
        "explanation": {
            "id": explanation.pk,
            "explainer": explanation.explainer,
            "label": explanation.label_name,
            "weights": result.get("weights", []),
            "intercept": result.get("intercept"),
            "score": result.get("score"),
            "local_prediction": result.get("local_prediction"),
            "num_samples": explanation.num_samples,
            "seed": explanation.random_state,
        },
        "timings": {
            "training_seconds": model.training_seconds,
            "explaining_seconds": explanation.explaining_seconds,
        },
    }
