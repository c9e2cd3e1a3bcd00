"""Limelight as on several machines, in processes: a web server and workers that share no disk.

Each process gets a DATA_DIR of its own (as a machine has its own disk); all they share
is a PostgreSQL database made for the run, one Redis and the object store
(tests/object_store.py). Beat (the sweeper) runs beside the web server, as on its machine.
Nothing here imports Django: the processes are driven from outside, over HTTP and the
command line, as a person and an operator would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import psycopg

from limelight.redis_server import HOST, RedisServer, free_port
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def postgres_server() -> str:
    """The PostgreSQL server of DATABASE_URL (the test run's), else the local one; no database part."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


POSTGRES = postgres_server()
# A lost worker's job is taken back fast: heartbeat stale after 4 s, beat sweeps every 5 s.
HEARTBEAT_TIMEOUT = 4
REQUEUE_AFTER = 3


class Database:
    """A PostgreSQL database of its own for one run, dropped afterwards (the test DB is pytest's)."""

    def __init__(self) -> None:
        self.name = f"limelight_cluster_{uuid.uuid4().hex[:10]}"
        self.url = f"{POSTGRES}/{self.name}"

    @staticmethod
    def server_answers() -> bool:
        try:
            psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
        except psycopg.Error:
            return False
        return True

    def create(self) -> None:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Process:
    """One long-running child with its own log; started in a session of its own so a kill
    reaches its children (a Celery worker's pool) and nothing else."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the machine is gone, no goodbye to the broker."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class Cluster:
    """The web server (gunicorn), beat and two workers, each with its own DATA_DIR."""

    WORKERS = ("worker-a", "worker-b")

    def __init__(self, folder: Path, object_store_env: dict[str, str]) -> None:
        self.folder = folder
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True)
        self.data_dirs = {name: folder / name for name in ("web", *self.WORKERS)}
        for path in self.data_dirs.values():
            path.mkdir()
        self.database = Database()
        self.redis = RedisServer(folder / "redis")
        (folder / "redis").mkdir()
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.object_store_env = object_store_env
        self.processes: dict[str, Process] = {}

    def env(self, machine: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "DJANGO_"))}
        return (
            env
            | self.object_store_env
            | {
                "DJANGO_SETTINGS_MODULE": "explainer_site.settings",
                "DATA_DIR": str(self.data_dirs[machine]),
                "DATABASE_URL": self.database.url,
                "REDIS_URL": self.redis.url,
                "SECRET_KEY": "cluster-test-" + "x" * 40,  # the same on every machine, as in production
                "DEBUG": "0",
                "ALLOWED_HOSTS": HOST,
                "CSRF_TRUSTED_ORIGINS": self.url,
                "JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
                "JOB_REQUEUE_AFTER": str(REQUEUE_AFTER),
                "SIGNUPS_PER_HOUR": "1000",
                "PYTHONUNBUFFERED": "1",
            }
        )

    def manage(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env("web"), capture_output=True, text=True
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"

    def start(self) -> None:
        self.database.create()
        self.redis.start()
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("createcachetable")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        web = [sys.executable, "-m", "gunicorn", "explainer_site.wsgi:application", "--bind", f"{HOST}:{self.port}"]
        web += ["--workers", "1", "--threads", "4", "--no-control-socket", "--timeout", "120"]
        self._start("web", web, "web")
        beat = [sys.executable, "-m", "celery", "-A", "explainer_site", "beat", "--loglevel", "INFO"]
        beat += ["--schedule", str(self.data_dirs["web"] / "celerybeat-schedule")]
        self._start("beat", beat, "web")
        for name in self.WORKERS:
            self.start_worker(name)
        wait_until(self.web_answers, timeout=60, what="the web server")
        for name in self.WORKERS:
            wait_until(lambda name=name: self.worker_ready(name), timeout=90, what=name)

    def _start(self, name: str, argv: list[str], machine: str) -> None:
        process = Process(name, argv, self.env(machine), self.logs)
        process.start()
        self.processes[name] = process

    def start_worker(self, name: str) -> None:
        argv = [sys.executable, "manage.py", "worker", "--concurrency", "1", "--loglevel", "INFO"]
        argv += ["--hostname", f"{name}@%h", "--", "--without-gossip", "--without-mingle"]
        self._start(name, argv, name)

    def worker_ready(self, name: str) -> bool:
        process = self.processes[name]
        assert process.alive(), f"{name} exited:\n{process.text()[-3000:]}"
        return "ready." in process.text()

    def web_answers(self) -> bool:
        assert self.processes["web"].alive(), f"the web server exited:\n{self.processes['web'].text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=3) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.redis.stop()
        self.database.drop()

    def tails(self) -> str:
        """The end of every process's log, for a failing test's output."""
        return "\n".join(f"===== {p.name}\n{p.text()[-3000:]}" for p in self.processes.values())
