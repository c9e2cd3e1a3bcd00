"""Embedded launcher behind `make run`.

Prepares the data directory and database, starts Redis (the one at REDIS_URL, or
a private redis-server, limelight/redis_server.py), one Celery worker on every
queue, Celery beat and gunicorn, and stops all of them on Ctrl-C / SIGTERM or
as soon as one of them dies.

Run it with the project's virtualenv interpreter: `.venv/bin/python scripts/run.py`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the project's packages importable

from limelight.redis_server import RedisServer, RedisStartError, redis_answers  # noqa: E402

PYTHON = sys.executable
HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 8  # SIGTERM first, SIGKILL whatever is left after this
REDIS_START_SECONDS = 15
WEB_START_SECONDS = 90
# Ctrl-C, kill, a closed terminal
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop(BaseException):
    """Raised by the signal handler: the user asked us to stop."""


class LaunchError(Exception):
    """Something the user can fix; printed as one line, no traceback."""


def say(message: str) -> None:
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP); keep cleaning up
        print(f"[limelight] {message}", flush=True)


# --- small helpers -----------------------------------------------------------


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def web_answers(port: int) -> bool:
    """True once the web server sends any HTTP response (an error page counts)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        check=False,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def manage_or_fail(*args: str, env: dict[str, str]) -> None:
    result = manage(*args, env=env)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        raise LaunchError(f"`manage.py {' '.join(args)}` failed (exit code {result.returncode}).")


def _child_setup() -> None:
    """In the child before exec: own process group, and die with the launcher (Linux)."""
    os.setsid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


# --- the children ------------------------------------------------------------


class Children:
    """The long-running processes, each the leader of its own process group."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        # The launcher is single-threaded, so preexec_fn is safe here.
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, preexec_fn=_child_setup)
        self.procs.append((name, proc))
        return proc

    def first_dead(self) -> tuple[str, int] | None:
        for name, proc in self.procs:
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, names: list[str] | None = None) -> None:
        """SIGTERM the group leaders (graceful), then SIGKILL their whole groups."""
        chosen = [(n, p) for n, p in self.procs if names is None or n in names]
        for _, proc in chosen:
            if proc.poll() is None:
                _signal_leader(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for _, proc in chosen:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for name, proc in chosen:
            if proc.poll() is None:
                say(f"{name} did not stop in time; killing it.")
            _kill_group(proc)  # also catches grandchildren a leader left behind
            proc.wait()
        self.procs = [(n, p) for n, p in self.procs if (n, p) not in chosen]


def _signal_leader(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


# --- the steps ---------------------------------------------------------------


def base_env() -> tuple[dict[str, str], Path]:
    env = dict(os.environ)
    data_dir = Path(env.get("DATA_DIR") or ROOT / "var")
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    env["DATA_DIR"] = str(data_dir)
    env.setdefault("DJANGO_SETTINGS_MODULE", "explainer_site.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env, data_dir


def web_port(env: dict[str, str]) -> int:
    raw = env.get("PORT", "8000")
    try:
        port = int(raw)
    except ValueError:
        raise LaunchError(f"PORT must be a number, not {raw!r}.") from None
    if port_in_use(port):
        raise LaunchError(f"Port {port} on {HOST} is already in use; stop that program or set PORT=… to another port.")
    return port


def prepare_database(env: dict[str, str]) -> None:
    say("Preparing the database and static files…")
    manage_or_fail("migrate", "--noinput", "--verbosity", "0", env=env)
    manage_or_fail("createcachetable", env=env)
    manage_or_fail("collectstatic", "--noinput", "--verbosity", "0", env=env)


def start_redis(children: Children, env: dict[str, str], data_dir: Path) -> None:
    """Use REDIS_URL if set; otherwise start a private redis-server and export its URL."""
    if env.get("REDIS_URL"):
        if not redis_answers(env["REDIS_URL"]):
            raise LaunchError(f"REDIS_URL is set to {env['REDIS_URL']} but no Redis answers there.")
        say(f"Using the Redis at {env['REDIS_URL']}.")
        return
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(exist_ok=True)
    server = RedisServer(redis_dir, logfile=redis_dir / "redis.log")
    try:
        proc = children.start("redis-server", server.argv(), env)
        server.wait_until_answering(proc, timeout=REDIS_START_SECONDS)
    except RedisStartError as error:
        raise LaunchError(str(error)) from None
    env["REDIS_URL"] = server.url
    say(f"Started a private Redis at {server.url}.")


def load_demos(env: dict[str, str]) -> None:
    """Run `manage.py load_demos` if the project has that command; skip silently if not."""
    commands = manage("help", "--commands", env=env)
    if commands.returncode != 0 or "load_demos" not in commands.stdout.split():
        return
    say("Loading the demo datasets…")
    result = manage("load_demos", env=env)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        say("Warning: loading the demo datasets failed; continuing without them.")


def worker_env(env: dict[str, str]) -> dict[str, str]:
    env = dict(env)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    # The one worker runs one job at a time on this machine: the image network may use every core.
    env.setdefault("IMAGE_NETWORK_THREADS", str(len(os.sched_getaffinity(0))))
    return env


def start_celery(children: Children, env: dict[str, str], data_dir: Path) -> None:
    # One worker on every queue (training, explanations, diagnostics: explainer_site/celery.py).
    children.start(
        "Celery worker",
        [PYTHON, "manage.py", "worker", "--concurrency", "1", "--loglevel", "INFO", "--quiet"],
        worker_env(env),
    )
    celery = [PYTHON, "-m", "celery", "--quiet", "-A", "explainer_site"]  # --quiet: no banner
    schedule = str(data_dir / "celerybeat-schedule")
    children.start(
        "Celery beat",
        celery + ["beat", "--schedule", schedule, "--loglevel", "INFO"],
        env,
    )


def start_web(children: Children, env: dict[str, str], port: int) -> None:
    argv = [
        PYTHON, "-m", "gunicorn", "explainer_site.wsgi:application",
        "--bind", f"{HOST}:{port}",
        "--workers", "2", "--threads", "4",
        "--access-logfile", "-",
        "--no-control-socket",  # its default path (~/.gunicorn) is shared by every gunicorn of the user
    ]  # fmt: skip
    proc = children.start("web server (gunicorn)", argv, env)
    deadline = time.monotonic() + WEB_START_SECONDS
    while not web_answers(port):
        if proc.poll() is not None:
            raise LaunchError(f"The web server exited at start (exit code {proc.returncode}).")
        if time.monotonic() > deadline:
            raise LaunchError(f"The web server did not answer on port {port} within {WEB_START_SECONDS} s.")
        time.sleep(0.2)


def watch(children: Children) -> None:
    """Return only if a child dies: raise LaunchError naming it."""
    while True:
        dead = children.first_dead()
        if dead:
            name, code = dead
            raise LaunchError(f"{name} exited unexpectedly (exit code {code}); stopping everything.")
        time.sleep(0.5)


def _on_signal(signum, frame) -> None:
    raise Stop()


def main() -> int:
    os.chdir(ROOT)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    children = Children()
    status = 0
    try:
        env, data_dir = base_env()
        port = web_port(env)
        prepare_database(env)
        start_redis(children, env, data_dir)
        load_demos(env)
        start_celery(children, env, data_dir)
        start_web(children, env, port)
        say(f"Limelight is running at http://{HOST}:{port} — press Ctrl-C to stop.")
        watch(children)
    except Stop:
        say("Stopping…")
    except LaunchError as error:
        say(f"error: {error}")
        status = 1
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signum, signal.SIG_IGN)
        app = [name for name, _ in children.procs if name != "redis-server"]
        children.stop(app)  # the app first, so the worker can finish talking to Redis
        children.stop()  # then the private Redis
    if status == 0:
        say("Stopped.")
    return status


if __name__ == "__main__":
    sys.exit(main())
