"""Per-user limits: how many files one person keeps, their total size, and jobs waiting.

The services call these before they store anything or queue a job, so a
person who reaches a limit gets a plain message and nothing is written.
Limits come from settings (USER_MAX_DATASETS, USER_MAX_MB, USER_MAX_QUEUED_JOBS).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum

from jobs.models import JobStatus
from limelight.sizes import size_text

__all__ = ["QuotaError", "check_job_quota", "check_upload_quota", "queued_jobs_of"]


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
    used = datasets.aggregate(total=Sum("size_bytes"))["total"] or 0
    if used + size > settings.USER_MAX_BYTES:
        raise QuotaError(
            f"Your files already take {size_text(used)} of your {size_text(settings.USER_MAX_BYTES)}; "
            f"this one ({size_text(size)}) does not fit. Delete a file you no longer need first."
        )


def queued_jobs_of(user: AbstractBaseUser) -> int:
    """Jobs of this user not finished yet: datasets being read, models training, explanations."""
    unfinished = {"status__in": [JobStatus.QUEUED, JobStatus.RUNNING]}
    Dataset = apps.get_model("classifiers", "Dataset")
    TrainedModel = apps.get_model("classifiers", "TrainedModel")
    Explanation = apps.get_model("explanations", "Explanation")
    return (
        Dataset.objects.filter(owner=user, **unfinished).count()
        + TrainedModel.objects.filter(dataset__owner=user, **unfinished).count()
        + Explanation.objects.filter(model__dataset__owner=user, **unfinished).count()
    )


def check_job_quota(user: AbstractBaseUser) -> None:
    """Refuse a new job while the user already has USER_MAX_QUEUED_JOBS waiting or running."""
    waiting = queued_jobs_of(user)
    if waiting >= settings.USER_MAX_QUEUED_JOBS:
        raise QuotaError(
            f"You already have {waiting} jobs waiting or running, the most at one time. "
            "Please wait for some of them to finish, then try again."
        )
