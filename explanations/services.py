"""Writes for explanations that a web request makes: ask for a job, share a result.

Running a job through the engine is in :mod:`explanations.runs`, which only the
worker and the CLI import, so the web process never loads the explainers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.quotas import QuotaError, check_job_quota
from classifiers.artifacts import dataset_frame
from classifiers.models import TrainedModel
from jobs.models import JobStatus
from jobs.services import job_dispatch
from limelight.errors import InputError
from limelight.rows import row_number
from limelight.tabular.numbers import typed_number

from .disclosure import NOTHING_EXTRA, Disclosure
from .models import Diagnosis, Explainer, Explanation, ModelOverview, ModelReport, ShareLink
from .request_settings import ExplanationSettings
from .selectors import report_columns, report_inputs
from .verdicts import outcome_of


class RequestError(InputError):
    """An explanation that cannot be asked for, phrased for the user."""


def explanation_request(
    *,
    model: TrainedModel,
    row_index: int | None = None,
    custom_values: dict[str, Any] | None = None,
    settings: ExplanationSettings | None = None,
    dispatch: bool = True,
    **changes: Any,
) -> Explanation:
    """Create an explanation job for one row (or the user's own values); send it once committed.

    ``settings`` (default: the defaults) with any ``changes`` by name (``threshold=0.9``) are
    checked once, by :meth:`ExplanationSettings.checked`, and stored whole.
    """
    if not model.succeeded:
        raise RequestError("This model has not finished training yet.")
    unknown = sorted(set(changes) - set(ExplanationSettings.names()))
    if unknown:
        raise TypeError(f"unknown explanation settings: {unknown}")
    try:
        settings = (settings or ExplanationSettings()).replace(**changes).checked()
    except InputError as error:
        raise RequestError(str(error)) from error
    if (row_index is None) == (custom_values is None):
        raise RequestError("Choose a row to explain, or fill in your own values.")
    if row_index is not None and not 0 <= row_index < model.dataset.n_rows:
        raise RequestError(
            f"Row {row_number(row_index)} does not exist: rows are numbered 1 to {model.dataset.n_rows:,}."
        )
    kind = model.data_kind
    if custom_values is not None:
        if not kind.custom_values:
            raise RequestError(f"For {kind.label.lower()}, choose one of the data set's {kind.words.cases}.")
        custom_values = _clean_custom_values(model, custom_values)
    # What only the model can tell: its classes, its columns, what its kind of data offers.
    if settings.requested_label is not None and settings.requested_label >= len(model.class_names):
        raise RequestError("Choose one of the model's classes to explain.")
    most = max(1, len(model.features))
    if settings.max_anchor_size is not None and settings.max_anchor_size > most:
        raise RequestError(f"A rule can have from 1 to {most} conditions.")
    if not kind.offers(settings.explainer):
        offered = " or ".join(Explainer(name).label for name in kind.explainers)
        raise RequestError(f"For {kind.label.lower()}, Limelight explains with {offered}.")
    if settings.explainer == Explainer.COUNTERFACTUAL:
        _check_counterfactual_limits(model, settings)
    _check_job_quota(model)
    with transaction.atomic():
        explanation = Explanation.objects.create(
            model=model, row_index=row_index, custom_values=custom_values, **settings.as_fields()
        )
        if dispatch:
            job_dispatch(job=explanation)
    return explanation


def explanation_request_same_case(
    *, explanation: Explanation, model: TrainedModel | None = None, explainer: str | None = None
) -> Explanation:
    """The same case explained again by another model or another explainer, for side by side.

    Every setting is copied whole (kernel width, segmenter, hide colour, …); only the explainer
    changes when another one is asked for.
    """
    settings = ExplanationSettings.of(explanation)
    return explanation_request(
        model=model or explanation.model,
        row_index=explanation.row_index,
        custom_values=explanation.custom_values,
        settings=settings.replace(explainer=explainer) if explainer else settings,
    )


def explanation_request_true_class(*, explanation: Explanation) -> Explanation:
    """“Why not <true class>?”: the same case explained again for the class the file gives it.

    Every setting is copied whole; only the class explained changes. An Anchors rule always
    explains the model's own prediction, so that one question is asked of LIME instead.
    """
    outcome = outcome_of(explanation)
    if outcome is None:
        raise RequestError("The file does not say which class this case truly is.")
    if outcome.correct:
        raise RequestError(f"The model already predicts “{outcome.actual_name}” for this case.")
    settings = ExplanationSettings.of(explanation).replace(requested_label=outcome.actual)
    if settings.explainer == Explainer.ANCHOR:
        settings = settings.replace(explainer=Explainer.LIME)
    return explanation_request(
        model=explanation.model,
        row_index=explanation.row_index,
        custom_values=explanation.custom_values,
        settings=settings,
    )


def _check_counterfactual_limits(model: TrainedModel, settings: ExplanationSettings) -> None:
    """What only the model can tell about “what would change it”: its task, classes and columns."""
    if model.predicts_amount:
        if settings.desired_label is not None:
            raise RequestError(
                "A model of amounts has no classes to reach: say whether to bring its prediction above or below a value."
            )
    elif settings.amount_goal or settings.amount_target is not None:
        raise RequestError("Above or below a value is for a model that predicts an amount; this one predicts a class.")
    if settings.desired_label is not None and settings.desired_label >= len(model.class_names):
        raise RequestError("Choose one of the model's classes as the answer to reach.")
    for name in settings.fixed_columns:
        if name not in model.features:
            raise RequestError(f"The model does not use a column “{name}”, so it cannot be kept as it is.")
    for name in settings.value_ranges:
        if name not in model.numeric:
            raise RequestError(f"A range can be set for a number column the model uses; “{name}” is not one.")


def _check_job_quota(model: TrainedModel) -> None:
    try:
        check_job_quota(model.dataset.owner)
    except QuotaError as error:
        raise RequestError(str(error)) from error


# A typed-in number's largest size: far beyond any column a model learns from, and small
# enough that the explainers' sums of squares stay finite (1e308 overflowed in the worker).
LARGEST_VALUE = 1e12


def _clean_custom_values(model: TrainedModel, values: dict[str, Any]) -> dict[str, Any]:
    """Only the model's columns; numbers as numbers; missing as None."""
    unknown = sorted(set(values) - set(model.features))
    if unknown:
        raise RequestError(f"The model does not use the column “{unknown[0]}”.")
    cleaned: dict[str, Any] = {}
    for name in model.features:
        value = values.get(name)
        if value is None or value == "":
            cleaned[name] = None
        elif name in model.numeric:
            number = typed_number(value, dataset_frame(model.dataset).attrs.get("decimal", "."))
            if number is None:  # read as the file writes numbers: 58,6 in a file of decimal commas
                raise RequestError(f"“{name}” needs a number.")
            if not np.isfinite(number) or abs(number) > LARGEST_VALUE:
                raise RequestError(f"“{name}” needs a number between −{LARGEST_VALUE:,.0f} and {LARGEST_VALUE:,.0f}.")
            cleaned[name] = number
        else:
            cleaned[name] = str(value)
    return cleaned


def explanation_instance(explanation: Explanation) -> pd.DataFrame | str | np.ndarray:
    """What to explain: the image for an image model, the text for a text model, else a
    one-row frame over the model's columns with the file's dtypes."""
    return explanation.model.data_kind.instance(explanation)


def share_link_create(
    *,
    user: AbstractBaseUser,
    explanation: Explanation | None = None,
    model: TrainedModel | None = None,
    report: ModelReport | None = None,
    expires_in_days: int | None = None,
    disclosure: Disclosure = NOTHING_EXTRA,
) -> ShareLink:
    """A new read-only link to one explanation, one model's summary or one whole-model report.
    Several may exist.

    It shows the explanation and the columns the model used; ``disclosure`` says whether it also
    shows which row it is, the row's true value and the file's name (none of them by default).
    """
    targets = [target for target in (explanation, model, report) if target is not None]
    if len(targets) != 1:
        raise RequestError("Share one explanation, one model or one report.")
    target = targets[0]
    if not target.succeeded:
        raise RequestError("Only a finished result can be shared.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 365:
        raise RequestError("A link can last from 1 to 365 days.")
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return ShareLink.objects.create(
        explanation=explanation,
        model=model,
        report=report,
        created_by=user,
        expires_at=expires_at,
        show_row_label=disclosure.row_label,
        show_true_value=disclosure.true_value,
        show_file_name=disclosure.file_name,
    )


def share_link_revoke(*, link: ShareLink) -> None:
    """Stop a link working at once; other links to the same result keep working."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def overview_request(*, model: TrainedModel, budget: int = 5, dispatch: bool = True) -> ModelOverview:
    """Ask for a model overview (SP-LIME's pick step) of a finished table model."""
    if not model.succeeded:
        raise RequestError("This model has not finished training yet.")
    if not model.data_kind.overview:
        raise RequestError("The overview of representative rows is available for tables.")
    if not 1 <= budget <= 10:
        raise RequestError("Pick from 1 to 10 rows.")
    _check_job_quota(model)
    with transaction.atomic():
        overview = ModelOverview.objects.create(model=model, budget=budget)
        if dispatch:
            job_dispatch(job=overview)
    return overview


def diagnosis_request(*, explanation_id: int, dispatch: bool = True) -> Diagnosis | None:
    """After an explanation succeeded, queue its trust checks (once: safe under redelivery)."""
    explanation = Explanation.objects.select_related("model__dataset").get(pk=explanation_id)
    wanted = explanation.succeeded and explanation.diagnostics and explanation.explainer == Explainer.LIME
    if not wanted or not explanation.model.data_kind.diagnosed:
        return None
    with transaction.atomic():
        diagnosis, created = Diagnosis.objects.get_or_create(explanation=explanation)
        if created and dispatch:
            job_dispatch(job=diagnosis)
    return diagnosis


def report_request(*, model: TrainedModel, sensitive: str = "", dispatch: bool = True) -> ModelReport:
    """The whole model at a glance, with the fairness check of ``sensitive`` (a column) if given.

    Cached: the finished (or running) report with the same key is returned as it is, namely the
    same model, column, seed and finished explanations (ModelReport's docstring); a failed one is
    asked for again.
    """
    if not model.succeeded:
        raise RequestError("This model has not finished training yet.")
    sensitive = sensitive.strip()
    if sensitive and sensitive not in report_columns(model):
        raise RequestError(f"The file has no column “{sensitive}” to compare groups by.")
    key = {"model": model, "sensitive": sensitive, "random_state": model.random_state, "inputs": report_inputs(model)}
    with transaction.atomic():
        TrainedModel.objects.select_for_update().filter(pk=model.pk).first()  # two clicks: one report (PostgreSQL)
        cached = ModelReport.objects.filter(**key).exclude(status=JobStatus.FAILED).first()
        if cached is not None:
            return cached
        _check_job_quota(model)
        report = ModelReport.objects.create(**key)
        if dispatch:
            job_dispatch(job=report)
    return report
