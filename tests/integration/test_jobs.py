"""Jobs through a real Redis and a real Celery worker process: normal runs and faults."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from explanations import services as explanation_services
from explanations.models import Diagnosis, Explanation
from jobs.models import JobStatus
from jobs.services import QUEUE_DOWN_MESSAGE, _send, jobs_sweep
from tests.conftest import csv_bytes, risk_table
from tests.processes import HEARTBEAT_TIMEOUT, wait_for_job, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def upload(owner, rows: int = 160):
    content = csv_bytes(risk_table(rows=rows))
    return classifier_services.dataset_create(owner=owner, upload=SimpleUploadedFile("risk.csv", content, "text/csv"))


def test_training_and_explanation_run_to_the_end_on_a_real_worker(start_worker, user):
    start_worker()
    model = classifier_services.model_train_request(dataset=upload(user), target="risk", classifier="random_forest")
    model = wait_for_job(TrainedModel, model.pk)
    assert model.status == JobStatus.SUCCEEDED, model.message
    assert (model.attempts, model.progress_done, model.progress_total) == (1, 4, 4)
    assert model.metrics["accuracy"] >= 0.9
    assert (Path(settings.MEDIA_ROOT) / model.artifact / "pipeline.joblib").is_file()

    explanation = explanation_services.explanation_request(model=model, row_index=5)
    explanation = wait_for_job(Explanation, explanation.pk)
    assert explanation.status == JobStatus.SUCCEEDED, explanation.message
    assert explanation.result["weights"][0]["feature"] == "age"
    assert explanation.progress_done == explanation.progress_total > 0
    assert (Path(settings.MEDIA_ROOT) / explanation.chart).read_bytes().startswith(b"<?xml")
    # The worker queues the trust checks after the explanation, as a job of their own.
    diagnosis = wait_until(
        lambda: Diagnosis.objects.filter(explanation=explanation).first(), timeout=30, what="a diagnosis"
    )
    diagnosis = wait_for_job(Diagnosis, diagnosis.pk)
    assert diagnosis.status == JobStatus.SUCCEEDED, diagnosis.message
    assert diagnosis.result["stability"]["runs"] == 5


def test_a_job_submitted_while_the_broker_is_down_waits_visibly_then_completes(start_worker, broker, user, client):
    dataset = upload(user)
    broker.stop()
    model = classifier_services.model_train_request(dataset=dataset, target="risk", classifier="knn")
    model.refresh_from_db()
    assert (model.status, model.message, model.enqueued_at) == (JobStatus.QUEUED, QUEUE_DOWN_MESSAGE, None)
    client.force_login(user)
    page = client.get(reverse("classifiers:model", args=[model.pk]))
    assert escape(QUEUE_DOWN_MESSAGE) in page.text

    broker.start()
    start_worker()
    wait_until(lambda: jobs_sweep()["resent"] == 1, timeout=20, what="the sweeper to re-send the job")
    model = wait_for_job(TrainedModel, model.pk)
    assert (model.status, model.message, model.attempts) == (JobStatus.SUCCEEDED, "", 1)


def test_jobs_lost_when_redis_restarts_empty_are_sent_again_by_the_sweeper(start_worker, broker, user):
    dataset = upload(user)
    # Queued while no worker listens; then Redis restarts with nothing in it.
    model = classifier_services.model_train_request(dataset=dataset, target="risk", classifier="naive_bayes")
    wait_until(lambda: TrainedModel.objects.get(pk=model.pk).enqueued_at, timeout=10, what="the send")
    broker.stop()
    broker.start()
    start_worker()
    # Not picked up: after JOB_REQUEUE_AFTER seconds the sweeper sends it again.
    wait_until(lambda: jobs_sweep()["resent"] >= 1, timeout=30, what="the sweeper to re-send", interval=0.5)
    model = wait_for_job(TrainedModel, model.pk)
    assert (model.status, model.attempts) == (JobStatus.SUCCEEDED, 1)


def test_the_same_message_delivered_twice_runs_the_job_once(start_worker, user):
    model = classifier_services.model_train_request(dataset=upload(user), target="risk", classifier="decision_tree")
    _send(TrainedModel, model.pk)  # a duplicate delivery of the same message
    start_worker()
    model = wait_for_job(TrainedModel, model.pk)
    assert (model.status, model.attempts) == (JobStatus.SUCCEEDED, 1)
    assert sorted(p.name for p in (Path(settings.MEDIA_ROOT) / model.artifact).iterdir()) == [
        "confusion.svg",
        "pipeline.joblib",
        "rows.npz",
    ]


def test_a_worker_killed_mid_job_leaves_the_row_re_run_never_stuck_running(start_worker, user):
    worker = start_worker()
    model = classifier_services.model_train_request(
        dataset=upload(user, rows=30_000), target="risk", classifier="random_forest"
    )
    wait_until(
        lambda: TrainedModel.objects.get(pk=model.pk).stage == "Training the model",
        timeout=60,
        what="training to start",
        interval=0.05,
    )
    (child,) = worker.children()
    os.kill(child.pid, signal.SIGKILL)

    # The row still says "running", but its heartbeat stops; the sweeper notices
    # within the heartbeat timeout and sends it again.
    def rescued() -> bool:
        jobs_sweep()
        return TrainedModel.objects.get(pk=model.pk).status != JobStatus.RUNNING

    wait_until(rescued, timeout=HEARTBEAT_TIMEOUT * 4, what="the sweeper to rescue the job", interval=0.5)
    model = wait_for_job(TrainedModel, model.pk, timeout=180)
    assert (model.status, model.attempts) == (JobStatus.SUCCEEDED, 2)
