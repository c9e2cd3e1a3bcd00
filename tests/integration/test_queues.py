"""Separate queues (training, explanations, diagnostics) and nothing lost between two jobs (issue 24).

A real redis-server and real `manage.py worker` processes (tests/processes.py). The queue a
kind of job belongs on is the issue's: a burst of slow trust checks must never hold up a new
explanation, so each kind has its own Redis list, and a worker takes only the queues it is given.
"""

from __future__ import annotations

import pytest
import redis
from celery import current_app

from classifiers import services as classifier_services
from classifiers.models import Dataset, TrainedModel
from explanations import runs as explanation_runs
from explanations import services as explanation_services
from explanations.models import Diagnosis, Explanation, ModelOverview, ModelReport
from jobs.models import JobStatus
from jobs.services import _send, job_run, jobs_sweep
from tests.processes import wait_for_job, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

# From the issue, not from the code: which queue each kind of job waits in.
EXPECTED_QUEUE = {
    Dataset: "training",  # reading and profiling a file comes before training
    TrainedModel: "training",
    Explanation: "explanations",
    Diagnosis: "diagnostics",  # the trust checks
    ModelOverview: "diagnostics",  # the representative-rows overview
    ModelReport: "diagnostics",  # the whole model at a glance (issue 27): slow, never ahead of an explanation
}


def queue_lengths(url: str) -> dict[str, int]:
    client = redis.Redis.from_url(url)
    try:
        return {name: client.llen(name) for name in ("training", "explanations", "diagnostics", "celery")}
    finally:
        client.close()


def test_a_message_for_each_kind_of_job_lands_on_its_own_queue(broker, db):
    for model in EXPECTED_QUEUE:
        assert _send(model, 10_000)  # the path every job takes; no row needed to publish
    current_app.send_task("jobs.sweep")  # what beat sends

    assert queue_lengths(broker.url) == {"training": 2, "explanations": 2, "diagnostics": 3, "celery": 0}


def test_a_worker_on_the_explanations_queue_only_leaves_training_jobs_waiting(
    start_worker, broker, user, make_trained_model
):
    model = make_trained_model(user)
    training = classifier_services.model_train_request(dataset=model.dataset, target="risk", classifier="knn")
    explanation = explanation_services.explanation_request(model=model, row_index=3)
    start_worker(("explanations",))

    explanation = wait_for_job(Explanation, explanation.pk, timeout=150)
    assert explanation.status == JobStatus.SUCCEEDED, explanation.message
    # Its trust checks were queued, on the diagnostics queue, which this worker does not take.
    diagnosis = Diagnosis.objects.get(explanation=explanation)
    training.refresh_from_db()
    diagnosis.refresh_from_db()
    assert (training.status, training.attempts) == (JobStatus.QUEUED, 0)
    assert (diagnosis.status, diagnosis.attempts) == (JobStatus.QUEUED, 0)
    # The checks' message is published just after the commit that the test saw: wait for it.
    expected = {"training": 1, "explanations": 0, "diagnostics": 1, "celery": 0}
    try:
        wait_until(lambda: queue_lengths(broker.url) == expected, timeout=10, what="the queues to settle")
    finally:
        assert queue_lengths(broker.url) == expected


def test_an_explanation_saved_without_its_trust_checks_gets_them_from_the_sweeper(
    start_worker, user, make_trained_model
):
    model = make_trained_model(user)
    explanation = explanation_services.explanation_request(model=model, row_index=5, dispatch=False)
    # What a worker that dies right after saving the explanation leaves: done, no diagnosis row, no message.
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    assert explanation.succeeded and explanation.diagnostics, explanation.message
    assert not Diagnosis.objects.filter(explanation=explanation).exists()

    start_worker()
    jobs_sweep()
    diagnosis = wait_until(
        lambda: Diagnosis.objects.filter(explanation=explanation).first(), timeout=10, what="a diagnosis row"
    )
    diagnosis = wait_for_job(Diagnosis, diagnosis.pk, timeout=150)
    assert diagnosis.status == JobStatus.SUCCEEDED, diagnosis.message
    assert {"stability", "curves"} <= set(diagnosis.result)
