"""`manage.py report DATAFILE --target COL --classifier NAME [--sensitive COL] [--seed S] --out FILE.html [--json]`

Imports a file and trains as ``explain`` does (the same function), then writes the whole model at a
glance as one standalone HTML file. With ``--json`` it prints ``model``, ``importance``, ``groups``
(with ``--sensitive``) and ``report_path``. Bad input exits with status 2 and one ``error: …`` line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from explanations.whole_model import whole_model_overview, whole_model_report
from limelight.errors import InputError

from .explain import FILES_READ, add_training_arguments, train_from_file
from .explain import Command as ExplainCommand  # its parser: exit status 2 and one `error:` line


class Command(ExplainCommand):
    help = (
        "Train a model on a data file and write the whole model at a glance (importance, dependence, where it "
        f"is wrong, fairness by group) as one HTML file. {FILES_READ}"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_training_arguments(parser)
        parser.add_argument("--sensitive", default="", help="compare groups by this column (sex, age group, …)")
        parser.add_argument("--out", required=True, help="where to write the report (an .html file)")
        parser.add_argument("--json", action="store_true", help="print the JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = self.run(options)
        except InputError as error:
            sys.stderr.write(f"error: {error}\n")
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(f"{document['summary']}\nReport: {document['report_path']}")

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise InputError(f"--out: the folder {out.parent} does not exist.")
        if options["sensitive"] and options["sensitive"] == options["target"]:
            raise InputError(f"--sensitive {options['sensitive']} is the column to predict; name another column.")
        started = time.perf_counter()
        _, model = train_from_file(options)
        trained = time.perf_counter()
        overview = whole_model_overview(model, sensitive=options["sensitive"], random_state=options["seed"])
        out.write_text(whole_model_report(model, overview), encoding="utf-8")
        document = overview.document
        fairness = document.get("fairness")
        summary = {
            "model": {
                "id": model.pk,
                "classifier": model.classifier,
                "task": model.task,
                "target": model.target,
                "class_names": model.class_names,
                "metrics": model.metrics,
            },
            "importance": [
                {key: item[key] for key in ("feature", "importance", "low", "high")}
                for item in document["importance"].get("features", [])
            ],
            **({"groups": fairness["groups"], "gap": fairness["gap"]} if fairness else {}),
            "errors": [group["text"] for group in document["errors"].get("groups", [])],
            "report_path": str(out.resolve()),
            "report_bytes": out.stat().st_size,
            "summary": document["model"].get("sentence", ""),
            "timings": {"training_seconds": trained - started, "report_seconds": time.perf_counter() - trained},
        }
        return summary
