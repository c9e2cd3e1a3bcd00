"""`scripts/run.py` (what `make run` starts) comes up and Ctrl-C stops every process it started."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# A first start builds the demo gallery (about 70 s on a busy 2-core machine): room for that.
START_SECONDS = 150
STOP_SECONDS = 20
# The launcher prints this once every process is started; the login page can answer a moment
# before (gunicorn is up, the launcher has not yet said so). A Ctrl-C sent in that moment stopped
# it before it said it was running, and the test failed at random: it waits for both.
RUNNING = "Limelight is running at"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def login_page_status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def command_line(process: psutil.Process) -> str:
    try:
        return " ".join([process.name(), *process.cmdline()])
    except psutil.Error:
        return ""


@pytest.mark.timeout(240)
def test_launcher_starts_everything_and_ctrl_c_stops_everything(tmp_path):
    env = dict(os.environ)
    for name in ("REDIS_URL", "DATABASE_URL"):  # a private Redis and SQLite in DATA_DIR
        env.pop(name, None)
    port = free_port()
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), PYTHONUNBUFFERED="1")
    log_path = tmp_path / "launcher.log"

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    with open(log_path, "wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so SIGINT goes to the launcher alone, not to pytest
        )
    tree: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + START_SECONDS
        while RUNNING not in log_path.read_text(errors="replace") or login_page_status(port) != 200:
            assert launcher.poll() is None, f"launcher exited with {launcher.returncode}:\n{log_tail()}"
            assert time.monotonic() < deadline, f"no login page and “{RUNNING}” within {START_SECONDS} s:\n{log_tail()}"
            time.sleep(0.5)

        tree = psutil.Process(launcher.pid).children(recursive=True)
        lines = [command_line(p) for p in tree]
        for part in ("redis-server", "worker", "beat", "gunicorn"):
            assert any(part in line for line in lines), f"no {part} process among {lines}"

        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"launcher still running {STOP_SECONDS} s after SIGINT:\n{log_tail()}")
        _, alive = psutil.wait_procs(tree, timeout=1)
        assert not alive, f"still running after SIGINT: {[command_line(p) for p in alive]}"
        assert launcher.returncode == 0, log_tail()
        log_text = log_path.read_text(errors="replace")
        assert log_text.index(RUNNING) < log_text.index("Stopped."), log_tail()
    finally:
        if launcher.poll() is None:
            tree = tree or psutil.Process(launcher.pid).children(recursive=True)
            launcher.kill()
            launcher.wait()
        for process in tree:
            with contextlib.suppress(psutil.Error):
                process.kill()
