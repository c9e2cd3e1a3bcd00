"""Faults a real worker meets: killed mid-explanation, concurrent duplicates, time and memory
limits, and SQLite under concurrent writes (issue 9).

Each test runs its own redis-server and a real `celery worker` process against the test
database; `TunedWorker` is the shared `Worker` with a chosen concurrency and environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import Dataset, TrainedModel
from explanations import services as explanation_services
from explanations.models import Explanation
from jobs.limits import OUT_OF_MEMORY_MESSAGE
from jobs.models import JobStatus
from jobs.services import _send, job_run, jobs_sweep
from tests.conftest import csv_bytes, risk_table
from tests.processes import (
    HEARTBEAT_TIMEOUT,
    REQUEUE_AFTER,
    ROOT,
    Worker,
    test_database_url,
    wait_for_job,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


class TunedWorker(Worker):
    """The tests' worker with more child processes and extra settings in its environment."""

    def __init__(self, redis_url: str, log: Path, concurrency: int, env: dict[str, str]) -> None:
        super().__init__(redis_url, log)
        self.concurrency, self.extra_env = concurrency, env

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.redis_url,
            "DATA_DIR": str(settings.DATA_DIR),
            "JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
            "JOB_REQUEUE_AFTER": str(REQUEUE_AFTER),
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "explainer_site", "worker"),
                *("--concurrency", str(self.concurrency), "--pool", "prefork", "--loglevel", "INFO"),
                *("--without-gossip", "--without-mingle", "--hostname", f"fault-{uuid.uuid4().hex[:8]}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.ready, timeout=60, what="the worker")


@pytest.fixture
def start_tuned_worker(broker, transactional_db, tmp_path, job_settings):
    workers: list[TunedWorker] = []

    def start(concurrency: int = 1, **env: str) -> TunedWorker:
        worker = TunedWorker(broker.url, tmp_path / f"tuned-{len(workers)}.log", concurrency, env)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    for worker in workers:
        sys.stdout.write(worker.log.read_text(errors="replace")[-4000:])  # shown on failure


def upload(owner, content: bytes | None = None, name: str = "risk.csv") -> Dataset:
    content = content if content is not None else csv_bytes(risk_table())
    return classifier_services.dataset_create(owner=owner, upload=SimpleUploadedFile(name, content, "text/csv"))


def forest(owner, trees: int = 200, content: bytes | None = None) -> TrainedModel:
    """A model trained in this process (same job code as the worker), ready to explain."""
    model = classifier_services.model_train_request(
        dataset=upload(owner, content),
        target="risk",
        classifier="random_forest",
        params={"n_estimators": trees},
        dispatch=False,
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def wide_table(rows: int = 400, columns: int = 300, seed: int = 0) -> bytes:
    """Many numeric columns: LIME's 50 000 made-up rows over them need a lot of memory."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, columns)).round(3), columns=[f"x{i}" for i in range(columns)])
    frame["risk"] = np.where(frame["x0"] > 0, "high", "low")
    return csv_bytes(frame)


def test_a_worker_killed_mid_explanation_is_re_run_never_left_running(start_tuned_worker, user):
    model = forest(user)
    worker = start_tuned_worker()
    explanation = explanation_services.explanation_request(model=model, row_index=7, num_samples=50_000)
    wait_until(
        lambda: Explanation.objects.get(pk=explanation.pk).progress_done > 0,
        timeout=60,
        what="the explanation to be asking the model",
        interval=0.05,
    )
    (child,) = worker.children()
    os.kill(child.pid, signal.SIGKILL)

    def rescued() -> bool:
        jobs_sweep()
        return Explanation.objects.get(pk=explanation.pk).status != JobStatus.RUNNING

    wait_until(rescued, timeout=HEARTBEAT_TIMEOUT * 4, what="the sweeper to rescue the job", interval=0.5)
    explanation = wait_for_job(Explanation, explanation.pk, timeout=180)
    assert (explanation.status, explanation.attempts) == (JobStatus.SUCCEEDED, 2), explanation.message
    assert explanation.result["weights"][0]["feature"] == "age"
    assert (Path(settings.MEDIA_ROOT) / explanation.chart).read_bytes().startswith(b"<?xml")


def test_the_same_message_delivered_twice_concurrently_runs_once(start_tuned_worker, user):
    dataset = upload(user, csv_bytes(risk_table(rows=3000)))
    model = classifier_services.model_train_request(
        dataset=dataset, target="risk", classifier="random_forest", params={"n_estimators": 100}
    )
    _send(TrainedModel, model.pk)  # the duplicate, already in the queue
    explanation_model = forest(user, trees=20)
    explanation = explanation_services.explanation_request(model=explanation_model, row_index=1)
    _send(Explanation, explanation.pk)
    # Two children, prefetch 1: each takes one copy of the first message at the same time.
    worker = start_tuned_worker(concurrency=2)
    model = wait_for_job(TrainedModel, model.pk)
    explanation = wait_for_job(Explanation, explanation.pk)
    assert (model.status, model.attempts) == (JobStatus.SUCCEEDED, 1)
    assert (explanation.status, explanation.attempts) == (JobStatus.SUCCEEDED, 1)
    assert sorted(p.name for p in (Path(settings.MEDIA_ROOT) / model.artifact).iterdir()) == [
        "confusion.svg",
        "pipeline.joblib",
        "rows.npz",
    ]
    folder = Path(settings.MEDIA_ROOT) / "explanations" / str(explanation.pk)
    files = sorted(p.name for p in folder.iterdir())
    assert "weights.svg" in files and not [name for name in files if name.endswith(".partial")]
    # Both copies arrived; the second found the row taken and did nothing.
    wait_until(
        lambda: worker.log.read_text(errors="replace").count("is not queued any more") == 2,
        timeout=20,
        what="both duplicates to be turned away",
    )


def test_a_job_over_its_soft_time_limit_fails_with_took_too_long(start_tuned_worker, user):
    quick_model = forest(user, trees=10)
    start_tuned_worker(JOB_SOFT_TIME_LIMIT="2", JOB_HARD_TIME_LIMIT="30")
    slow = classifier_services.model_train_request(
        dataset=upload(user, csv_bytes(risk_table(rows=30_000))),
        target="risk",
        classifier="random_forest",
        params={"n_estimators": 500},
    )
    slow = wait_for_job(TrainedModel, slow.pk, timeout=60)
    assert slow.status == JobStatus.FAILED
    assert slow.message == (
        "This took too long and was stopped after 2 seconds. Try a smaller file, a simpler model or fewer samples."
    )
    assert slow.attempts == 1 and slow.seconds < 30
    # The worker goes on: a quick job afterwards finishes.
    quick = explanation_services.explanation_request(model=quick_model, row_index=3, num_samples=200)
    assert wait_for_job(Explanation, quick.pk, timeout=60).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize("soft", ["", "5", "3000", "7200"])
def test_the_hard_time_limit_stays_below_the_visibility_timeout(soft):
    """Redis re-delivers an unacknowledged message after the visibility timeout: a job that
    may still be running then would run twice."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CELERY_TASK_SOFT_TIME_LIMIT, s.CELERY_TASK_TIME_LIMIT, "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], s.JOB_HEARTBEAT_TIMEOUT]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "explainer_site.settings", "JOB_SOFT_TIME_LIMIT": soft}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    soft_limit, hard_limit, visibility, heartbeat = json.loads(out.stdout.strip().splitlines()[-1])
    assert soft_limit < hard_limit < visibility
    assert heartbeat < soft_limit or soft


def test_a_job_that_eats_memory_is_stopped_and_the_worker_takes_the_next(start_tuned_worker, user):
    wide = forest(user, trees=20, content=wide_table())
    small = forest(user, trees=10)
    worker = start_tuned_worker(JOB_MEMORY_LIMIT_MB="150")
    (child,) = worker.children()
    hungry = explanation_services.explanation_request(model=wide, row_index=0, num_samples=50_000)
    hungry = wait_for_job(Explanation, hungry.pk, timeout=120)
    assert (hungry.status, hungry.message, hungry.attempts) == (JobStatus.FAILED, OUT_OF_MEMORY_MESSAGE, 1)

    after = explanation_services.explanation_request(model=small, row_index=2, num_samples=1000)
    after = wait_for_job(Explanation, after.pk, timeout=60)
    assert after.status == JobStatus.SUCCEEDED, after.message
    assert [c.pid for c in worker.children()] == [child.pid]  # the same child, not a replacement


def test_concurrent_web_and_worker_writes_never_surface_database_is_locked(start_tuned_worker, user, settings):
    """Web threads upload and ask for explanations while two worker children write progress."""
    settings.USER_MAX_QUEUED_JOBS = 1000  # this test is about locking, not the per-user cap
    settings.USER_MAX_DATASETS = 1000
    model = forest(user, trees=50)
    start_tuned_worker(concurrency=2)
    content = csv_bytes(risk_table(rows=60))
    problems: list[str] = []
    statuses: list[int] = []

    def browse(index: int) -> None:
        client = Client()
        client.force_login(user)
        try:
            for step in range(6):
                upload_response = client.post(
                    reverse("classifiers:upload"),
                    {"file": SimpleUploadedFile(f"t{index}-{step}.csv", content, "text/csv")},
                )
                explain_response = client.post(
                    reverse("explanations:request", args=[model.pk]),
                    {"row": str(step), "explainer": "lime", "num_samples": "2000"},
                )
                statuses.extend([upload_response.status_code, explain_response.status_code])
                # A progress-style write from the web side too, racing the worker's.
                Explanation.objects.filter(model=model).update(stage="")
        except Exception as error:  # noqa: BLE001 - e.g. OperationalError "database is locked"
            problems.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert problems == []
    assert set(statuses) == {302}, statuses
    assert Dataset.objects.filter(owner=user).count() == 1 + 4 * 6
    explanations = Explanation.objects.filter(model=model)
    assert explanations.count() == 4 * 6
    for explanation in explanations:
        finished = wait_for_job(Explanation, explanation.pk, timeout=180)
        assert finished.status == JobStatus.SUCCEEDED, finished.message
        assert "locked" not in finished.message
