"""`manage.py worker [--queues training,explanations]`: a Celery worker on chosen job queues.

A thin wrapper over `celery -A explainer_site worker -Q …` that knows the queue
names (explainer_site/celery.py) and says plainly when one is misspelt. Options
after `--` go to celery as they are, e.g. `manage.py worker -- --without-mingle`.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from explainer_site.celery import QUEUES, app


def chosen_queues(text: str) -> list[str]:
    """`"training, explanations"` -> `["training", "explanations"]`; an unknown name is an error."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        named = ", ".join(f"“{name}”" for name in unknown) or "none"
        raise CommandError(f"Unknown queue {named}: the queues are {', '.join(QUEUES)} (comma-separated).")
    return list(dict.fromkeys(names))


class Command(BaseCommand):
    help = "Start a Celery worker on one or more job queues: " + ", ".join(QUEUES) + " (default: all)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queues", default=",".join(QUEUES), help="Comma-separated queue names (default: all of them)."
        )
        parser.add_argument("--concurrency", type=int, default=1, help="Jobs run at once (child processes).")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--hostname", default=None, help="The worker's name, e.g. training@%%h.")
        parser.add_argument("--quiet", action="store_true", help="No start-up banner.")
        parser.add_argument("celery_options", nargs=argparse.REMAINDER, help="After --: passed to celery as is.")

    def handle(self, *args, **options) -> None:
        queues = chosen_queues(options["queues"])
        argv = ["--quiet"] if options["quiet"] else []  # a celery option, before the sub-command
        argv += ["worker", "--queues", ",".join(queues), "--concurrency", str(options["concurrency"])]
        argv += ["--loglevel", options["loglevel"]]
        if options["hostname"]:
            argv += ["--hostname", options["hostname"]]
        extra = options["celery_options"] or []
        argv += extra[1:] if extra[:1] == ["--"] else extra
        code = app.start(argv=argv)  # what app.worker_main does, keeping the exit code
        if code:
            raise SystemExit(code)
