from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from classifiers.models import TrainedModel
from jobs.models import JobStatus

from .models import Diagnosis, Explanation, ModelOverview, ModelReport, ShareLink


def explanation_for_user(user: AbstractBaseUser, pk: int) -> Explanation:
    """The user's explanation, or 404 for anyone else's."""
    return get_object_or_404(Explanation.objects.select_related("model__dataset"), pk=pk, model__dataset__owner=user)


def share_link_for_user(user: AbstractBaseUser, pk: int) -> ShareLink:
    """A share link the user made, or 404."""
    return get_object_or_404(ShareLink, pk=pk, created_by=user)


class ShareLinkGone(Http404):
    """A token with no live link behind it. ``reason`` is "unknown", "stopped" or "expired":
    what the reader is told, and all they are told (explanations.shared renders it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Share link {reason}.")
        self.reason = reason


def share_link_active(token: str) -> ShareLink:
    """The live link for a token; an unknown, stopped or expired one raises :class:`ShareLinkGone` (a 404)."""
    link = (
        ShareLink.objects.select_related("explanation__model__dataset", "model__dataset", "report__model__dataset")
        .filter(token=token)
        .first()
    )
    if link is None:
        raise ShareLinkGone("unknown")
    if link.revoked_at is not None:
        raise ShareLinkGone("stopped")
    if not link.is_active:
        raise ShareLinkGone("expired")
    return link


def other_models_for(explanation: Explanation) -> QuerySet[TrainedModel]:
    """Finished models on the same table and target, predicting it the same way (an amount or a category),
    for comparing one case across models."""
    model = explanation.model
    return TrainedModel.objects.filter(
        dataset=model.dataset, target=model.target, task=model.task, status=JobStatus.SUCCEEDED
    ).exclude(pk=model.pk)


def other_model_for(explanation: Explanation, pk: int | None) -> TrainedModel | None:
    """One of :func:`other_models_for`, by id; None when there is no such model (or no id)."""
    return None if pk is None else other_models_for(explanation).filter(pk=pk).first()


def gallery_links() -> QuerySet[ShareLink]:
    return (
        ShareLink.objects.filter(is_gallery=True, revoked_at__isnull=True)
        .select_related("explanation__model__dataset", "model__dataset")
        .order_by("pk")  # in the order the gallery was built: each demo's model, then its explanations
    )


def overview_for_user(user: AbstractBaseUser, pk: int) -> ModelOverview:
    return get_object_or_404(ModelOverview.objects.select_related("model__dataset"), pk=pk, model__dataset__owner=user)


def latest_overview(model: TrainedModel) -> ModelOverview | None:
    return model.overviews.filter(status=JobStatus.SUCCEEDED).first()


def diagnosis_of(explanation: Explanation) -> Diagnosis | None:
    """The explanation's trust checks, if they were asked for."""
    return Diagnosis.objects.filter(explanation=explanation).first()


def report_for_user(user: AbstractBaseUser, pk: int) -> ModelReport:
    """The user's whole-model report, or 404 for anyone else's."""
    return get_object_or_404(ModelReport.objects.select_related("model__dataset"), pk=pk, model__dataset__owner=user)


def latest_report(model: TrainedModel) -> ModelReport | None:
    """The model's newest report, finished or under way (not a failed one)."""
    return model.reports.exclude(status=JobStatus.FAILED).first()


def report_inputs(model: TrainedModel) -> str:
    """What a report of the model reads besides the model itself: its finished explanations (their
    local weights, the pinned list) and trust checks (the verdicts), as counts and newest ids.

    Part of a report's cache key: one more finished explanation or check changes it, so the next
    request builds a new report instead of showing one that leaves them out.
    """
    done = JobStatus.SUCCEEDED
    explained = Explanation.objects.filter(model=model, status=done).aggregate(n=Count("pk"), last=Max("pk"))
    checked = Diagnosis.objects.filter(explanation__model=model, status=done).aggregate(n=Count("pk"), last=Max("pk"))
    return f"explanations {explained['n']}/{explained['last'] or 0}; checks {checked['n']}/{checked['last'] or 0}"


def report_columns(model: TrainedModel) -> list[str]:
    """The columns a fairness check can compare groups of: the file's, but the one predicted."""
    return [column["name"] for column in model.dataset.columns or [] if column.get("name") != model.target]
