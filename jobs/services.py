"""Every write to a job row: dispatch, claim, progress, heartbeat, finish, sweep.

The database row is the source of truth. A Celery message carries only the
row's primary key; if it is lost (Redis down at submit, Redis restarted empty,
worker killed), the sweeper sends it again, and claim-once makes a duplicate
delivery harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from limelight.errors import InputError

from .limits import OUT_OF_MEMORY_MESSAGE, job_memory_limit
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = (
    "Your request is saved, but the job queue cannot be reached right now. "
    "It will start by itself as soon as the queue is back; you can leave this page."
)
WORKER_LOST_RETRY_MESSAGE = "The worker stopped while working on this, so it is being tried again."
WORKER_LOST_FINAL_MESSAGE = (
    "The worker stopped while working on this, twice, so we gave up. This can happen when "
    "the data is too large for the server's memory. Try a smaller file or fewer samples."
)


def took_too_long_message() -> str:
    limit = settings.JOB_SOFT_TIME_LIMIT
    after = f"{limit} seconds" if limit < 120 else f"about {round(limit / 60)} minutes"
    return f"This took too long and was stopped after {after}. Try a smaller file, a simpler model or fewer samples."


class JobError(InputError):
    """An expected problem found by a service, phrased for the user; stored on the row and shown as is."""


def job_dispatch(*, job: Job) -> None:
    """Send the job's message once the surrounding transaction has committed."""
    model, pk = type(job), job.pk
    transaction.on_commit(lambda: _send(model, pk))


def _send(model: type[Job], pk: int) -> bool:
    """Publish "work on row pk"; on failure leave the row queued with a visible message."""
    try:
        current_app.send_task(
            model.task_name,
            args=[pk],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3},
        )
    except Exception:  # noqa: BLE001 - any broker failure means "not sent yet"
        logger.warning("Could not enqueue %s %s; the sweeper will retry", model.__name__, pk, exc_info=True)
        model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(enqueued_at=None, message=QUEUE_DOWN_MESSAGE)
        return False
    model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(enqueued_at=timezone.now(), message="")
    return True


def job_claim(*, model: type[Job], pk: int) -> bool:
    """Move a queued row to running. False if another delivery got there first."""
    now = timezone.now()
    claimed = model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        message="",
        stage="Starting",
        progress_done=0,
        progress_total=0,
    )
    return claimed == 1


def job_succeed(*, model: type[Job], pk: int, **fields: Any) -> None:
    model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        stage="Done",
        progress_done=F("progress_total"),
        **fields,
    )


def job_fail(*, model: type[Job], pk: int, message: str) -> None:
    model.objects.filter(pk=pk).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), message=message
    )


class ProgressReporter:
    """The `on_progress(done, total, stage=None)` callback handed to the engine.

    Writes at most a few times per second (and always the last step), and each
    write doubles as a heartbeat. Once a stage has moved on from its first
    report, the stage text ends with the time left at its pace so far ("about
    8 s left"): the pace is measured from the stage's first report, so the
    work done before it (loading, cutting a picture into regions) does not
    count, and the estimate starts again whenever the stage or its total changes.
    """

    def __init__(self, model: type[Job], pk: int, min_interval: float = 0.3) -> None:
        self.model, self.pk, self.min_interval = model, pk, min_interval
        self._last_write = 0.0
        self._stage = ""
        self._pace_from: tuple[float, int, int] | None = None  # (time, done, total) of the stage's first report

    def __call__(self, done: int, total: int, stage: str | None = None) -> None:
        now = time.monotonic()
        if stage is not None and stage != self._stage:
            self._stage, self._pace_from = stage, None
        if self._pace_from is None or self._pace_from[2] != total or done < self._pace_from[1]:
            self._pace_from = (now, done, total)
        if done < total and stage is None and now - self._last_write < self.min_interval:
            return
        self._last_write = now
        left = time_left(now - self._pace_from[0], done - self._pace_from[1], total - done)
        shown = f"{self._stage} · {left}" if left else self._stage
        self.model.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
            progress_done=done,
            progress_total=total,
            stage=shown[:200],
            heartbeat_at=timezone.now(),
        )


def time_left(seconds: float, done: int, remaining: int) -> str:
    """The time left at the pace of ``done`` steps in ``seconds``, in words ("about 8 s left"); "" without a pace."""
    if done <= 0 or remaining <= 0 or seconds <= 0:
        return ""
    left = seconds / done * remaining
    if left < 1:
        return "less than a second left"
    if left < 90:
        return f"about {left:.0f} s left"
    return f"about {left / 60:.0f} min left"


@contextmanager
def job_heartbeat(*, model: type[Job], pk: int, interval: float) -> Iterator[None]:
    """Keep the row's heartbeat fresh while a long step (like fitting) gives no progress.

    The thread dies with the process, so a killed worker stops the heartbeat and
    the sweeper notices.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def job_run(
    *,
    model: type[Job],
    pk: int,
    work: Callable[[Any, ProgressReporter], dict[str, Any]],
    then: Callable[[int], object] | None = None,
) -> None:
    """Claim the row, run `work(job, on_progress)`, store its fields or the failure.

    `then(pk)` queues the job that follows a success (an explanation's trust checks). It
    runs in the transaction that writes the success, so a worker that dies just after
    never leaves a finished job without its follow-up; its messages go once committed.
    """
    if not job_claim(model=model, pk=pk):
        logger.info("%s %s is not queued any more; nothing to do", model.__name__, pk)
        return
    job = model.objects.get(pk=pk)
    interval = max(1.0, settings.JOB_HEARTBEAT_TIMEOUT / 4)
    with job_heartbeat(model=model, pk=pk, interval=interval):
        try:
            # The limit is lifted again as this block exits, before the failure is written.
            with job_memory_limit():
                fields = work(job, ProgressReporter(model, pk))
        except InputError as error:  # the engine's or a service's sentence for the user
            job_fail(model=model, pk=pk, message=str(error))
        except SoftTimeLimitExceeded:
            job_fail(model=model, pk=pk, message=took_too_long_message())
        except MemoryError:
            logger.warning("%s %s ran out of memory", model.__name__, pk)
            job_fail(model=model, pk=pk, message=OUT_OF_MEMORY_MESSAGE)
        except Exception:
            logger.exception("%s %s failed", model.__name__, pk)
            job_fail(
                model=model,
                pk=pk,
                message=f"Something went wrong on our side, sorry. (Job reference: {model._meta.model_name}-{pk})",
            )
        else:
            with transaction.atomic():
                job_succeed(model=model, pk=pk, **fields)
                if then is not None:
                    _follow_up(then, model, pk)


def _follow_up(then: Callable[[int], object], model: type[Job], pk: int) -> None:
    """Run `then(pk)` in a savepoint: if it fails, the success still stands and the sweeper
    (JOB_SWEEP_FOLLOW_UPS) queues the follow-up later."""
    try:
        with transaction.atomic():
            then(pk)
    except Exception:
        logger.exception("Could not queue what follows %s %s; the sweeper will", model.__name__, pk)


def job_models() -> list[type[Job]]:
    return [m for m in apps.get_models() if issubclass(m, Job) and m.task_name]


def jobs_sweep() -> dict[str, int]:
    """Re-send rows whose message was lost, rescue rows whose worker died, and queue the
    follow-up jobs that finished jobs are missing (settings.JOB_SWEEP_FOLLOW_UPS).

    Runs periodically from Celery beat. Returns counts for logging and tests.
    """
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    requeue_before = now - timedelta(seconds=settings.JOB_REQUEUE_AFTER)
    counts = {"resent": 0, "retried": 0, "failed": 0, "followed_up": 0}
    for model in job_models():
        stale = model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=lost_before)
        for pk, attempts in stale.values_list("pk", "attempts"):
            rows = model.objects.filter(pk=pk, status=JobStatus.RUNNING, heartbeat_at__lt=lost_before)
            if attempts < settings.JOB_MAX_ATTEMPTS:
                if rows.update(status=JobStatus.QUEUED, message=WORKER_LOST_RETRY_MESSAGE, stage=""):
                    counts["retried"] += 1
                    _send(model, pk)
            elif rows.update(status=JobStatus.FAILED, finished_at=now, message=WORKER_LOST_FINAL_MESSAGE):
                counts["failed"] += 1
        unsent = model.objects.filter(status=JobStatus.QUEUED).filter(
            Q(enqueued_at__isnull=True, created_at__lt=now - timedelta(seconds=2)) | Q(enqueued_at__lt=requeue_before)
        )
        for pk in unsent.values_list("pk", flat=True):
            counts["resent"] += _send(model, pk)
    for path in settings.JOB_SWEEP_FOLLOW_UPS:
        # Each returns how many follow-up rows it created; their messages go on commit.
        try:
            counts["followed_up"] += import_string(path)()
        except Exception:  # noqa: BLE001 - one broken follow-up must not stop the next sweeps' rescues
            logger.exception("Sweep follow-up %s failed", path)
    if any(counts.values()):
        logger.info("Job sweep: %s", counts)
    return counts
