"""What every kind of data declares: the shape of one entry in the registry.

A kind is a frozen record of plain values and of functions named by dotted path
(:class:`Handler`), like the explainers and the trust checks. The declaration says
what a kind offers; its handlers (``classifiers.handlers.<kind>``) say how, with the
models, forms, selectors and services. Naming them keeps the registry below the
models, which take their vocabulary of kinds from it, and importing it costs the
web process nothing (DESIGN.md: light web processes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Handler:
    """A function named by its dotted path, imported when first called (Django's ``import_string``)."""

    path: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return import_string(self.path)(*args, **kwargs)


def handlers_in(module: str) -> Callable[[str], Handler]:
    """``on = handlers_in("classifiers.handlers.tabular")``, then ``train=on("train")``."""
    return lambda name: Handler(f"{module}.{name}")


@dataclass(frozen=True)
class KindWords:
    """How the pages name this kind's cases, in the user's words."""

    case: str  # one thing explained: "row 3", "image 3"
    cases: str  # all of them in the file: "rows", "texts", "images"
    variations: str  # what an explainer asks the model about: "rows", "versions of the text"
    parts: str  # what an explanation ranks: "reasons", "regions"


@dataclass(frozen=True)
class DataKind:
    """One kind of data: tables, texts, images.

    ``explainers`` maps an explainer's name to the dotted path of the worker
    function that runs it for this kind, and ``result_partials`` maps it to
    the template that shows its result. ``diagnostics`` is the dotted path of
    the trust checks a LIME result of this kind gets (None: none).
    ``instance_shown_with`` lists the explainers whose page also shows the
    explained case as a table of values.
    """

    name: str
    label: str
    words: KindWords
    explainers: Mapping[str, str]
    result_partials: Mapping[str, str]
    classifiers: Mapping[str, str]  # name -> label, in the order the form offers them
    regressors: Mapping[str, str]  # the same for amounts (limelight.tabular.tasks); empty: no amounts
    diagnostics: str | None
    custom_values: bool  # a person can type their own case ("what if…")
    what_if_curve: bool  # one value of the case varied, the prediction drawn as a curve
    overview: bool  # SP-LIME's representative rows
    pictures: bool  # results come with pictures of the case (originals, overlays)
    rule_keeps_words: bool  # an Anchors rule is words kept in a text (not conditions on columns)
    instance_shown_with: tuple[str, ...]
    # The explanation form: its settings beyond those every kind has, and this kind's defaults and words.
    explain_fields: tuple[str, ...]
    explain_initial: Mapping[str, Any]
    explain_labels: Mapping[str, str]
    # Files (None / empty: this kind is not a file's shape but read from one, like text from a table):
    upload_signatures: tuple[bytes, ...]  # the first bytes of an upload of this kind
    upload_name: str  # our own name for the stored file
    read_dataset: Callable[..., None] | None  # (dataset, on_progress) -> fills the dataset's profile
    train_form: str  # dotted path of the training form shown on a dataset of this kind
    dataset_template: str  # the dataset's page
    dataset_context: Callable[..., dict[str, Any]] | None  # (dataset) -> what that page shows besides the form
    # Requests (web process):
    default_target: Callable[..., str]  # (dataset) -> the column to predict unless the user picks another
    train_fields: Callable[..., dict[str, Any]]  # checked training request -> TrainedModel fields
    # Work (worker and CLI):
    train: Callable[..., Any]  # (model, on_progress) -> a result: pipeline, class_names, metrics and, per input,
    # predictions, truths, confidence and in_training (limelight.fitting: one path for every kind)
    find_leaks: Callable[..., list[dict[str, Any]]]  # (model, result, on_progress) -> limelight.leaks' Leak.to_json()s
    instance: Callable[..., Any]  # (explanation) -> what the pipeline reads: frame / text / image
    batch: Callable[[Any], Any]  # one instance -> what predict_proba takes
    # Display:
    display: Callable[..., dict[str, str]]  # (explanation, instance) -> the case as name -> value
    document_instance: Callable[..., dict[str, Any]]  # (explanation) -> the case in the CLI's JSON
    row_labels: Callable[..., tuple[Any, list[str]]]  # (model, shown_columns) -> (frame, columns) to list

    def offers(self, explainer: str) -> bool:
        return explainer in self.explainers

    @property
    def explainer_names(self) -> tuple[str, ...]:
        return tuple(self.explainers)

    @property
    def diagnosed(self) -> bool:
        return self.diagnostics is not None

    def runner(self, explainer: str) -> Callable[..., dict[str, Any]]:
        return import_string(self.explainers[explainer])

    def train_form_class(self) -> type:
        return import_string(self.train_form)

    def diagnose(self) -> Callable[..., dict[str, Any]]:
        if self.diagnostics is None:
            raise LookupError(f"{self.label} have no trust checks.")
        return import_string(self.diagnostics)

    def result_partial(self, explainer: str) -> str:
        return self.result_partials[explainer]

    def __str__(self) -> str:
        return self.name
