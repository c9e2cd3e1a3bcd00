"""Per-user limits: how many files one person keeps, their total size on disk, and jobs waiting.

The services call these before they store anything or queue a job, so a
person who reaches a limit gets a plain message and nothing is written.
Limits come from settings (USER_MAX_DATASETS, USER_MAX_MB, USER_MAX_QUEUED_JOBS).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Sum

from jobs.models import Job, JobStatus
from limelight.sizes import size_text

__all__ = [
    "JOB_OWNER_LOOKUPS",
    "QuotaError",
    "check_job_quota",
    "check_upload_quota",
    "disk_used_by",
    "job_kinds",
    "queued_jobs_of",
    "stored_images_error",
]


class QuotaError(ValueError):
    """A per-user limit was reached; ``str(error)`` is shown to the person as is."""


def check_upload_quota(user: AbstractBaseUser, size: int) -> None:
    """Refuse a new file of ``size`` bytes if the user would keep too many files or bytes.

    Demo datasets count too: they are copies stored for this user.
    """
    datasets = apps.get_model("classifiers", "Dataset").objects.filter(owner=user)
    count = datasets.count()
    if count >= settings.USER_MAX_DATASETS:
        raise QuotaError(
            f"You already keep {count} files, the most one account can have. "
            "Delete one you no longer need, then upload again."
        )
    used = disk_used_by(user)
    if used + size > settings.USER_MAX_BYTES:
        raise QuotaError(
            f"Your files already take {size_text(used)} of your {size_text(settings.USER_MAX_BYTES)}; "
            f"this one ({size_text(size)}) does not fit. Delete a file you no longer need first."
        )


def disk_used_by(user: AbstractBaseUser, *, excluding: int | None = None) -> int:
    """Bytes the user's files take on disk (``size_bytes``: for a ZIP, with its stored images)."""
    datasets = apps.get_model("classifiers", "Dataset").objects.filter(owner=user)
    if excluding is not None:
        datasets = datasets.exclude(pk=excluding)
    return datasets.aggregate(total=Sum("size_bytes"))["total"] or 0


def stored_images_error(*, used: int, stored: int) -> QuotaError:
    """The refusal of a ZIP whose images, as stored, take more than is left of the quota."""
    return QuotaError(
        f"Stored, this ZIP takes at least {size_text(stored)} (its images are kept as PNG files, often "
        f"larger than in the ZIP), and your other files already take {size_text(used)} of your "
        f"{size_text(settings.USER_MAX_BYTES)}: it does not fit, so nothing was kept. Upload fewer or "
        "smaller images, or delete a file you no longer need first."
    )


# How each kind of job row leads to the person it belongs to. Every model with the
# job fields (jobs.models.Job) and a task must be here: a kind missing from this map
# stops the quota check with an error rather than go uncounted.
JOB_OWNER_LOOKUPS = {
    "classifiers.Dataset": "owner",
    "classifiers.TrainedModel": "dataset__owner",
    "classroom.ClassSession": "owner",
    "explanations.Explanation": "model__dataset__owner",
    "explanations.ModelOverview": "model__dataset__owner",
    "explanations.ModelReport": "model__dataset__owner",
    "explanations.Diagnosis": "explanation__model__dataset__owner",
}


def job_kinds() -> list[type[Job]]:
    """Every model whose rows are jobs a worker runs (datasets, models, explanations, overviews, trust checks)."""
    return [model for model in apps.get_models() if issubclass(model, Job) and model.task_name]


def queued_jobs_of(user: AbstractBaseUser) -> int:
    """Jobs of this user not finished yet, of every kind."""
    unfinished = [JobStatus.QUEUED, JobStatus.RUNNING]
    total = 0
    for model in job_kinds():
        lookup = JOB_OWNER_LOOKUPS.get(model._meta.label)
        if lookup is None:
            raise ImproperlyConfigured(f"accounts.quotas.JOB_OWNER_LOOKUPS has no owner for {model._meta.label}")
        total += model.objects.filter(**{lookup: user, "status__in": unfinished}).count()
    return total


def check_job_quota(user: AbstractBaseUser) -> None:
    """Refuse a new job while the user already has USER_MAX_QUEUED_JOBS waiting or running."""
    waiting = queued_jobs_of(user)
    if waiting >= settings.USER_MAX_QUEUED_JOBS:
        raise QuotaError(
            f"You already have {waiting} jobs waiting or running, the most at one time. "
            "Please wait for some of them to finish, then try again."
        )
