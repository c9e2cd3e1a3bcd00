"""An explanation as one JSON-ready document (the CLI's output; later, exports)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from .models import Diagnosis, Explanation


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
    """What the CLI prints (and the JSON export holds), per DESIGN.md's "command line" section."""
    model = explanation.model
    dataset = model.dataset
    names = model.class_names
    result = explanation.result
    return {
        "dataset": {
            "id": dataset.pk,
            "name": dataset.name,
            "kind": model.kind,  # tabular, text or image: what the model reads
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
        "instance": _instance(explanation),
        "prediction": {
            "label": names[max(range(len(names)), key=lambda i: explanation.probabilities[i])],
            "probabilities": dict(zip(names, explanation.probabilities, strict=True)),
        },
        "explanation": {
            "id": explanation.pk,
            "explainer": explanation.explainer,
            "label": explanation.label_name,
            "seed": explanation.random_state,
            **(
                _anchor(result)
                if explanation.explainer == "anchor"
                else _lime_image(explanation, result)
                if model.data_kind.pictures
                else _lime(explanation, result)
            ),
        },
        "timings": {
            "training_seconds": model.training_seconds,
            "explaining_seconds": explanation.explaining_seconds,
        },
    }


def _instance(explanation: Explanation) -> dict[str, Any]:
    return explanation.model.data_kind.document_instance(explanation)


def _lime(explanation: Explanation, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "weights": [
            {"feature": w["feature"], "condition": w["condition"], "weight": w["weight"]}
            for w in result.get("weights", [])
        ],
        "intercept": result.get("intercept"),
        "score": result.get("score"),
        "local_prediction": result.get("local_prediction"),
        "num_samples": explanation.num_samples,
        **_diagnostics(explanation),
    }


def _diagnostics(explanation: Explanation) -> dict[str, Any]:
    """The trust checks, when they ran: fit, stability over seeds, kernel-width sweep, curves."""
    result = explanation.result
    diagnosis = Diagnosis.objects.filter(explanation=explanation, status="succeeded").first()
    if diagnosis is None:
        return {}
    found = diagnosis.result
    document: dict[str, Any] = {"fidelity_r2": result.get("score")}
    if "stability" in found:
        document["stability"] = found["stability"]
        document["kernel_width_sweep"] = found["kernel"]
    document["deletion_insertion"] = {
        kind: {key: curve[key] for key in ("auc", "random_auc", "better_than_random")}
        for kind, curve in found["curves"].items()
    }
    return {"diagnostics": document}


def _lime_image(explanation: Explanation, result: dict[str, Any]) -> dict[str, Any]:
    media = Path(settings.MEDIA_ROOT)
    return {
        "segments": result.get("segments"),
        "segments_path": str(media / result["segments_path"]),
        "overlay_path": str(media / result["overlay_path"]),
        "weights": [{"segment": w["segment"], "weight": w["weight"]} for w in result.get("weights", [])],
        "intercept": result.get("intercept"),
        "score": result.get("score"),
        "num_samples": result.get("num_samples"),
        **_diagnostics(explanation),
    }


def _anchor(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("rule", "precision", "precision_low", "precision_high", "coverage", "threshold")
    return {
        **{key: result.get(key) for key in keys},
        "meets_threshold": result.get("meets_threshold"),
        "support": result.get("support"),
        "checked_on": result.get("checked_on"),
        "file_rows": result.get("file_rows"),
        "file_rows_kept": result.get("file_rows_kept"),
        "is_empty": result.get("is_empty"),
        "samples_used": result.get("samples_used"),
    }
