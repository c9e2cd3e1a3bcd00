"""Writes a classroom request makes: start a session, cast a vote, reveal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.quotas import QuotaError, check_job_quota
from jobs.services import job_dispatch
from limelight.classroom.lessons import LESSONS

from .models import Choice, ClassSession, Vote


@dataclass
class VoteError(Exception):
    """A vote that cannot count, said plainly, with the HTTP status the page is sent with."""

    message: str
    status: int = 409

    def __str__(self) -> str:
        return self.message


class StartRefused(ValueError):
    """A session that cannot start, said plainly."""


def session_start(*, owner: AbstractBaseUser, lesson: str) -> ClassSession:
    """A new session of ``lesson``; a worker prepares its models once the row is committed."""
    if lesson not in LESSONS:
        raise StartRefused(f"There is no lesson called “{lesson}”.")
    try:
        check_job_quota(owner)
    except QuotaError as error:
        raise StartRefused(str(error)) from error
    with transaction.atomic():
        session = ClassSession.objects.create(
            owner=owner,
            lesson=lesson,
            expires_at=timezone.now() + timedelta(hours=settings.CLASSROOM_SESSION_HOURS),
        )
        job_dispatch(job=session)
    return session


def vote_cast(*, session: ClassSession, voter: str, choice: str) -> Vote:
    """Count one browser's vote, once; refused after the reveal, before the models are ready, or twice."""
    if choice not in Choice.values:
        raise VoteError("Choose model A or model B.", status=400)
    if session.revealed:
        raise VoteError("Voting has closed: the answer has been shown on the projector.")
    if not session.succeeded:
        raise VoteError("The models are not ready yet: wait until the projector shows them, then vote.")
    try:
        with transaction.atomic():
            return Vote.objects.create(session=session, voter=voter, choice=choice)
    except IntegrityError:
        chosen = Choice(Vote.objects.get(session=session, voter=voter).choice).label
        raise VoteError(f"This browser has already voted, for {chosen}. One vote each.") from None


def session_reveal(*, session: ClassSession) -> ClassSession:
    """Close the vote and show the clean test (once; revealing again changes nothing)."""
    if not session.succeeded:
        raise StartRefused("The models are not ready yet, so there is nothing to reveal.")
    ClassSession.objects.filter(pk=session.pk, revealed_at__isnull=True).update(revealed_at=timezone.now())
    session.refresh_from_db()
    return session


def vote_counts(session: ClassSession) -> dict[str, int]:
    counts = {choice: 0 for choice in Choice.values}
    for choice in session.votes.values_list("choice", flat=True):
        counts[choice] += 1
    return counts
