"""Load: gunicorn + Celery workers + a private Redis on this machine, 50 browsing users, then
a burst of explanation jobs (issue 9). A benchmark, not a test: it prints figures.

``python -m bench.load [--users 50] [--seconds 90] [--jobs 100]`` (or ``python -m bench --only load``).

Everything runs against a temporary DATA_DIR (fresh SQLite database, migrated, demo
gallery loaded) and a redis-server on a free port; all processes started here are
stopped at the end, also on error (each in its own process group).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .timing import percentile
from .web import _free_port, _redis_executable, _spawn, _stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def _answers(port: int, path: str = "/") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path)
        return connection.getresponse().status < 500
    except OSError:
        return False


def _manage(env: dict[str, str], *args: str, timeout: float = 900) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


# -- the fixtures the users browse --------------------------------------------------------


def prepare(log_: Callable[[str], None]) -> dict[str, Any]:
    """In this process (DATA_DIR already set): a user with a model, explanations and a share
    link; a session cookie for them; the demo gallery's share tokens."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.files.uploadedfile import SimpleUploadedFile

    from classifiers import runs as classifier_runs
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel
    from explanations import runs as explanation_runs
    from explanations import services as explanation_services
    from explanations.models import Explanation, ShareLink
    from jobs.services import job_run

    from . import data

    user = get_user_model().objects.create_user("loadtester", password="a-Long-bench-passw0rd")
    table = data.mixed(2000, seed=0)
    dataset = classifier_services.dataset_create(
        owner=user, upload=SimpleUploadedFile("load.csv", table.csv_bytes(), "text/csv")
    )
    target = table.target
    model = classifier_services.model_train_request(
        dataset=dataset, target=target, classifier="random_forest", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    explanations = []
    for row in range(3):
        explanation = explanation_services.explanation_request(model=model, row_index=row, dispatch=False)
        job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
        explanations.append(explanation.pk)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    tokens = []  # (token, its chart: an explanation's weights or a model's confusion matrix)
    for link in ShareLink.objects.filter(revoked_at__isnull=True).select_related("explanation"):
        if link.explanation_id is None:
            tokens.append((link.token, "confusion.svg"))
        else:
            tokens.append((link.token, "weights.svg" if link.explanation.chart else ""))
    log_(f"  prepared: model {model.pk}, {len(explanations)} explanations, {len(tokens)} share links")
    return {
        "user_pk": user.pk,
        "model_pk": model.pk,
        "explanations": explanations,
        "tokens": tokens,
        "session": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "rows": dataset.n_rows,
    }


def urls(prepared: dict[str, Any]) -> list[tuple[str, bool]]:
    """(path, logged in?) with their weights in a user's browsing mix."""
    public = [("/", False), ("/gallery/", False)]
    for token, chart in prepared["tokens"]:
        public += [(f"/s/{token}/", False)] + ([(f"/s/{token}/{chart}", False)] if chart else [])
    private = [(f"/models/{prepared['model_pk']}/", True)]
    for pk in prepared["explanations"]:
        private += [(f"/explanations/{pk}/", True), (f"/explanations/{pk}/weights.svg", True)]
    return public * 2 + private


# -- the load generator ----------------------------------------------------------------


class Users:
    """`count` threads, each a browser with one keep-alive connection, for `seconds`."""

    def __init__(self, port: int, paths: list[tuple[str, bool]], cookie: str, count: int, seconds: float):
        self.port, self.paths, self.cookie, self.count, self.seconds = port, paths, cookie, count, seconds
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def _user(self, seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.monotonic() + self.seconds
        mine: list[float] = []
        errors: dict[str, int] = {}
        while time.monotonic() < deadline:
            path, private = rng.choice(self.paths)
            headers = {"Cookie": self.cookie} if private else {}
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[f"HTTP {response.status} {path}"] = errors.get(f"HTTP {response.status} {path}", 0) + 1
            except (OSError, http.client.HTTPException) as error:
                key = type(error).__name__
                errors[key] = errors.get(key, 0) + 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            mine.append(time.perf_counter() - started)
            time.sleep(rng.uniform(0.0, 0.2))  # a person reading for a moment
        connection.close()
        with self.lock:
            self.latencies += mine
            for key, value in errors.items():
                self.errors[key] = self.errors.get(key, 0) + value

    def run(self) -> dict[str, Any]:
        threads = [threading.Thread(target=self._user, args=(i,), daemon=True) for i in range(self.count)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.seconds + 60)
        wall = time.perf_counter() - started
        total = len(self.latencies)
        failed = sum(self.errors.values())
        return {
            "users": self.count,
            "seconds": round(wall, 1),
            "requests": total,
            "rps": round(total / wall, 1),
            "p50_ms": round(1000 * percentile(self.latencies, 50), 1) if total else None,
            "p95_ms": round(1000 * percentile(self.latencies, 95), 1) if total else None,
            "error_rate": round(failed / total, 4) if total else 1.0,
            "errors": dict(sorted(self.errors.items(), key=lambda item: -item[1])[:10]),
        }


def burst(prepared: dict[str, Any], jobs: int, timeout: float) -> dict[str, Any]:
    """`jobs` explanation requests queued at once through the service; wait for all."""
    from classifiers.models import TrainedModel
    from explanations import services as explanation_services
    from explanations.models import Explanation

    model = TrainedModel.objects.get(pk=prepared["model_pk"])
    started = time.perf_counter()
    pks = [
        explanation_services.explanation_request(
            model=model, row_index=index % prepared["rows"], num_samples=2000, random_state=index
        ).pk
        for index in range(jobs)
    ]
    queued_s = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = Explanation.objects.filter(pk__in=pks)
        if not rows.exclude(status__in=["succeeded", "failed"]).exists():
            break
        time.sleep(0.5)
    rows = list(Explanation.objects.filter(pk__in=pks))
    with_results = [r for r in rows if r.status == "succeeded" and r.result.get("weights") and r.chart]
    failed = [r for r in rows if r.status == "failed"]
    return {
        "jobs": jobs,
        "queued_in_s": round(queued_s, 2),
        "wall_s": round(time.perf_counter() - started, 1),
        "finished_with_results": len(with_results),
        "failed": len(failed),
        "failure_messages": sorted({r.message for r in failed})[:3],
        "unfinished": len([r for r in rows if r.status not in ("succeeded", "failed")]),
    }


def run(users: int = 50, seconds: float = 90, jobs: int = 100, log_: Callable[[str], None] = log) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="limelight-load-"))
    redis_port, web_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "explainer_site.settings",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # One bench user queues the whole burst: lift the per-user limit on waiting jobs.
        "USER_MAX_QUEUED_JOBS": str(jobs + 10),
    }
    env.pop("DATABASE_URL", None)
    env.pop("HTTPS", None)
    processes: list[subprocess.Popen] = []
    try:
        redis = _spawn(
            [
                _redis_executable(),
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(data_dir),
            ],
            env,
            data_dir / "redis.log",
        )
        processes.append(redis)
        log_(f"load: DATA_DIR {data_dir}; migrate, collectstatic, load_demos")
        _manage(env, "migrate", "--noinput")
        _manage(env, "collectstatic", "--noinput")
        _manage(env, "load_demos")
        os.environ.update(
            {k: env[k] for k in ("DATA_DIR", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS", "USER_MAX_QUEUED_JOBS")}
        )
        os.environ["DJANGO_SETTINGS_MODULE"] = "explainer_site.settings"
        prepared = prepare(log_)
        for index in range(2):
            processes.append(
                _spawn(
                    [
                        PYTHON,
                        "-m",
                        "celery",
                        "-A",
                        "explainer_site",
                        "worker",
                        "--concurrency",
                        "1",
                        "--loglevel",
                        "WARNING",
                        "--without-gossip",
                        "--without-mingle",
                        "--hostname",
                        f"load{index}@%h",
                    ],
                    env,
                    data_dir / f"worker-{index}.log",
                )
            )
        processes.append(
            _spawn(
                [
                    str(BIN / "gunicorn"),
                    "explainer_site.wsgi:application",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{web_port}",
                    "--access-logfile",
                    "-",
                    "--log-level",
                    "warning",
                ],
                env,
                data_dir / "gunicorn.log",
            )
        )
        _wait(lambda: _answers(web_port), 60, "gunicorn")
        log_(f"load: {users} users for {seconds:.0f} s against gunicorn (2 workers x 4 threads)")
        browsing = Users(web_port, urls(prepared), prepared["session"], users, seconds).run()
        log_(f"load: burst of {jobs} explanation jobs on 2 workers")
        jobs_result = burst(prepared, jobs, timeout=1200)
        return {"browsing": browsing, "burst": jobs_result, "data_dir": str(data_dir)}
    finally:
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(data_dir, ignore_errors=True)


def summary(result: dict[str, Any]) -> str:
    b, j = result["browsing"], result["burst"]
    lines = [
        f"load: {b['users']} users, {b['seconds']} s: {b['requests']} requests, {b['rps']} req/s, "
        f"p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms, error rate {100 * b['error_rate']:.2f}% (goal < 1%)",
        f"burst: {j['finished_with_results']}/{j['jobs']} jobs finished with results "
        f"({j['failed']} failed, {j['unfinished']} unfinished) in {j['wall_s']} s; "
        f"queued in {j['queued_in_s']} s",
    ]
    if b["errors"]:
        lines.append(f"errors: {b['errors']}")
    if j["failure_messages"]:
        lines.append(f"failures: {j['failure_messages']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args(argv)
    result = run(args.users, args.seconds, args.jobs)
    print(summary(result))
    b, j = result["browsing"], result["burst"]
    return 0 if b["error_rate"] < 0.01 and j["finished_with_results"] == j["jobs"] else 1


if __name__ == "__main__":
    sys.exit(main())
