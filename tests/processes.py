"""A real Redis and a real Celery worker, each a process of its own (integration and e2e).

Every test gets its own `redis-server` on a free port (so stopping it never
touches the shared one, limelight/redis_server.py) and a worker started with
`manage.py worker` (every queue, or the ones a test names), pointed at the test
database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.db import connection

from explainer_site.celery import app as celery_app
from limelight.redis_server import RedisServer
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """The URL of the database this test run uses, for the worker process."""
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    return (
        f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST'] or '127.0.0.1'}:"
        f"{config['PORT'] or 5432}/{config['NAME']}"
    )


# Short timeouts so the sweeper's rescue happens within a test's patience.
HEARTBEAT_TIMEOUT = 4
REQUEUE_AFTER = 3


@pytest.fixture
def job_settings(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = HEARTBEAT_TIMEOUT
    settings.JOB_REQUEUE_AFTER = REQUEUE_AFTER
    return settings


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start(timeout=10)
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server) -> Iterator[RedisServer]:
    """Point this process's Celery app (the web side) at the private Redis."""
    previous = celery_app.conf.broker_url
    point_celery_at(redis_server.url)
    yield redis_server
    point_celery_at(previous)


def point_celery_at(url: str) -> None:
    celery_app.conf.broker_url = url
    # Drop the pooled connections and producers made for the old URL
    # (what Celery itself does after a fork).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    """`manage.py worker` on the given queues (default: every queue), against the test database."""

    def __init__(self, redis_url: str, log: Path, queues: tuple[str, ...] | None = None) -> None:
        self.redis_url, self.log, self.queues = redis_url, log, queues
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.redis_url,
            "DATA_DIR": str(settings.DATA_DIR),
            "JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
            "JOB_REQUEUE_AFTER": str(REQUEUE_AFTER),
        }
        queues = ["--queues", ",".join(self.queues)] if self.queues else []
        self.process = subprocess.Popen(
            [
                *(sys.executable, "manage.py", "worker", *queues, "--concurrency", "1", "--loglevel", "INFO"),
                *("--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"),
                *("--", "--pool", "prefork", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.ready, timeout=90, what="the worker")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"The worker exited: {self.log.read_text(errors='replace')[-2000:]}")
        return "ready." in self.log.read_text(errors="replace")

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def start_worker(broker, transactional_db, tmp_path, job_settings) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(queues: tuple[str, ...] | None = None) -> Worker:
        worker = Worker(broker.url, tmp_path / f"worker-{len(workers)}.log", queues)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    for worker in workers:
        sys.stdout.write(worker.log.read_text(errors="replace")[-4000:])  # shown on failure


def wait_for_job(model_class, pk: int, timeout: float = 90):
    """Poll the row (the source of truth) until the job has finished."""

    def finished():
        row = model_class.objects.get(pk=pk)
        return row if row.is_finished else None

    return wait_until(finished, timeout=timeout, what=f"{model_class.__name__} {pk} to finish", interval=0.2)
