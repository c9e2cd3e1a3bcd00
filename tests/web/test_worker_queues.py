"""Who takes which queue: `manage.py worker --queues …` and the docker-compose workers (issue 24).

No database and no Redis: the command is stopped before it starts a worker, and
docker-compose.yml is only parsed.
"""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parents[2]
# From the issue: training, explanations and diagnostics each have their own queue.
ALL_QUEUES = {"training", "explanations", "diagnostics"}


def queues_of(command: list[str]) -> set[str]:
    if "--queues" in command:
        return set(command[command.index("--queues") + 1].split(","))
    return ALL_QUEUES  # manage.py worker without --queues takes every queue


@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    """What the command would hand to celery, without starting a worker."""
    from explainer_site.celery import app

    calls: list[list[str]] = []
    monkeypatch.setattr(app, "start", lambda argv: calls.append(argv))
    return calls


def test_the_worker_command_passes_the_chosen_queues_to_celery(started):
    call_command("worker", "--queues", "training, explanations")
    (argv,) = started
    assert argv[argv.index("worker") + 1 :][:2] == ["--queues", "training,explanations"]


def test_the_worker_command_takes_every_queue_by_default(started):
    call_command("worker")
    (argv,) = started
    assert set(argv[argv.index("--queues") + 1].split(",")) == ALL_QUEUES


def test_a_misspelt_queue_is_named_with_the_right_ones(started):
    with pytest.raises(CommandError) as error:
        call_command("worker", "--queues", "training,explanation")
    assert "“explanation”" in str(error.value)
    assert all(name in str(error.value) for name in ALL_QUEUES)
    assert started == []


def test_the_compose_workers_that_always_run_take_every_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    taken = set()
    for service in services.values():
        command = service.get("command") or []
        if "worker" in command and not service.get("profiles"):
            taken |= queues_of(command)
    assert taken == ALL_QUEUES
