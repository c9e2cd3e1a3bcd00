"""An explanation as one JSON-ready document (the CLI's output; later, exports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .disclosure import Disclosure, true_value
from .files import local_result_file
from .models import Diagnosis, Explanation
from .verdicts import outcome_of, verdict_of


def explanation_document(
    explanation: Explanation,
    *,
    disclosure: Disclosure | None = None,
    picture_url: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """What the CLI prints (and the JSON export holds), per DESIGN.md's "command line" section.

    The CLI runs on this machine, so an image result names its pictures by their paths here; a
    web export passes ``picture_url`` (a picture's name -> its URL) and carries no server path.
    A share link's export passes its ``disclosure``: no database id, the model's columns only,
    and which row, its true value and the file name only when the person sharing ticked them.
    """
    model = explanation.model
    dataset = model.dataset
    names = model.class_names
    result = explanation.result
    shared = disclosure is not None
    outcome = outcome_of(explanation, disclosure)  # None when unknown, or not shown on this link
    return {
        "dataset": {
            **({} if shared else {"id": dataset.pk}),
            **({} if shared and not disclosure.file_name else {"name": dataset.name}),
            "kind": model.kind,  # tabular, text or image: what the model reads
            "rows": dataset.n_rows,
            **({} if shared else {"columns": dataset.n_columns}),
            # The column that names the rows (never among model.features); None when rows are only numbered.
            **({} if shared else {"row_label": dataset.row_label or None}),
            "classes": None if model.predicts_amount else len(names),  # an amount has no classes
        },
        "model": {
            **({} if shared else {"id": model.pk}),
            "classifier": model.classifier,
            "target": model.target,
            "task": model.task,  # classification (a category) or regression (an amount)
            "features": model.features,
            "class_names": names,
            "metrics": model.metrics,
            # A share link: the leaks' and the hold-out's warnings only (they name the model's own
            # columns and classes, which it shows anyway); the data's notes may name columns it
            # never shows, such as a dropped identifier.
            "warnings": [*model.leak_warnings, *(model.holdout.warnings if model.holdout else [])]
            if shared
            else model.warnings,
            # Each feature that alone predicts the target almost perfectly (limelight.leaks), best first.
            "leaks": model.leaks,
        },
        "instance": {
            **_instance(explanation, disclosure),
            **({} if outcome is None else {"actual": outcome.actual_name}),
        },
        "prediction": {
            **_prediction(explanation),
            **({} if outcome is None else {"correct": outcome.correct}),
        },
        "verdict": verdict_of(explanation, disclosure).to_dict(),
        "explanation": {
            **({} if shared else {"id": explanation.pk}),
            "explainer": explanation.explainer,
            "label": explanation.label_name,
            "seed": explanation.random_state,
            **(
                _counterfactual(result)
                if explanation.explainer == "counterfactual"
                else _anchor(result)
                if explanation.explainer == "anchor"
                else _lime_image(explanation, result, picture_url)
                if model.data_kind.pictures
                else _lime(explanation, result)
            ),
        },
        "timings": {
            "training_seconds": model.training_seconds,
            "explaining_seconds": explanation.explaining_seconds,
        },
    }


def _prediction(explanation: Explanation) -> dict[str, Any]:
    """The class with every class's probability; for an amount, the predicted number (and no probabilities)."""
    if explanation.model.predicts_amount:
        return {"value": explanation.result.get("value")}
    names = explanation.model.class_names
    return {
        "label": names[max(range(len(names)), key=lambda i: explanation.probabilities[i])],
        "probabilities": dict(zip(names, explanation.probabilities, strict=True)),
    }


def _instance(explanation: Explanation, disclosure: Disclosure | None) -> dict[str, Any]:
    document = explanation.model.data_kind.document_instance(explanation)
    if disclosure is None:
        return document
    # A share link: the row number (and an image's name) only when ticked; of a table row,
    # the model's columns and (when ticked) the true value, never the file's other columns.
    shown = {key: value for key, value in document.items() if key not in ("row", "label", "path", "values")}
    if disclosure.row_label:
        shown |= {key: document[key] for key in ("row", "label", "path") if key in document}
    if "values" in document:
        model = explanation.model
        keep = [*model.features, *([model.target] if disclosure.true_value else [])]
        shown["values"] = {name: document["values"][name] for name in keep if name in document["values"]}
    elif disclosure.true_value and explanation.row_index is not None:
        shown["true_value"] = true_value(explanation)
    return shown


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


def _lime_image(
    explanation: Explanation, result: dict[str, Any], picture_url: Callable[[str], str] | None
) -> dict[str, Any]:
    if picture_url is None:  # the CLI, on this machine: files it can open
        files = {
            "segments_path": str(local_result_file(result["segments_path"])),
            "overlay_path": str(local_result_file(result["overlay_path"])),
        }
    else:  # a download: where the browser gets the pictures, never a path on the server
        files = {"segments_url": picture_url("segments"), "overlay_url": picture_url("overlay")}
    return {
        "segments": result.get("segments"),
        **files,
        "weights": [{"segment": w["segment"], "weight": w["weight"]} for w in result.get("weights", [])],
        "intercept": result.get("intercept"),
        "score": result.get("score"),
        "num_samples": result.get("num_samples"),  # used: fewer than planned when the top regions settled
        "planned_samples": result.get("planned_samples", result.get("num_samples")),
        "stopped_early": bool(result.get("stopped_early")),
        **_diagnostics(explanation),
    }


def _counterfactual(result: dict[str, Any]) -> dict[str, Any]:
    """What would change it: each way's changes (in the file's values), the answer it reaches, checked."""
    return {
        "desired": result.get("desired_name"),
        "found": bool(result.get("found")),
        **({"message": result["message"]} if result.get("message") else {}),
        "counterfactuals": [
            {
                "changes": [{"feature": c["feature"], "from": c["before"], "to": c["after"]} for c in way["changes"]],
                "prediction": {
                    "label": result.get("desired_name"),  # the class reached, or "above 300 g" for an amount
                    **(
                        {"value": way["value"]}
                        if way.get("value") is not None
                        else {"probability": way["probability"]}
                    ),
                },
                "distance": way["distance"],
                "features_changed": len(way["changes"]),
                "nearest_real": way.get("nearest_real"),
                "plausible": way.get("plausible"),
            }
            for way in result.get("counterfactuals", [])
        ],
        "fixed": result.get("fixed", []),
        "ranges": result.get("ranges", {}),
        "blocking": result.get("blocking", []),
        "tried": result.get("tried"),
        **({"stability": result["stability"]} if result.get("stability") else {}),
        **({"lime_agreement": result["lime"]} if result.get("lime") else {}),
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
        # An amount: the band [low, high] the prediction stays in under the rule, and its half-width.
        **({key: result[key] for key in ("band", "band_width", "band_is_default") if key in result}),
    }
