"""`manage.py explain DATAFILE [--sheet NAME] --target COL --classifier NAME --explainer lime [--row N] --json`

Imports a file, trains, explains one row, through the same services as the web
app (jobs run in this process), and prints one JSON document. Bad input exits
with status 2 and one `error: …` line on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.kinds import kind_of
from classifiers.models import Classifier, Dataset, TrainedModel
from explanations import runs, services
from explanations.forms import SHARE_DAYS
from explanations.models import Diagnosis, Explainer, Explanation
from explanations.reports import explanation_document
from explanations.request_settings import ExplanationSettings, ranges_from_text
from jobs.services import job_run
from limelight.errors import InputError
from limelight.explainers.choices import DISCRETIZERS, HIDE_COLORS, SEGMENTERS
from limelight.tabular.workbooks import WORKBOOK_FORMATS, file_format, sheet_names
from limelight.training_settings import TrainingSettings

# What `--help` says Limelight reads: what limelight.tabular.reading (separators), .workbooks
# (WORKBOOK_FORMATS) and limelight.images.archive accept, told in the words of people's files.
FILES_READ = (
    "DATAFILE is one of: a CSV or other text file of values separated by commas, semicolons, tabs or pipes "
    "(.csv, .tsv, .txt: what is inside counts, not the name; a column of free text can be explained as text, "
    "see --text-column); an Excel workbook (.xlsx) or OpenDocument spreadsheet (.ods), the first sheet unless "
    "--sheet names another; or a ZIP of images (JPEG, PNG, WebP, BMP, GIF or TIFF) with one folder per class. "
    "Old .xls workbooks are not read: save them as .xlsx."
)


class Command(BaseCommand):
    help = f"Train a model on a data file and explain one of its rows; prints a summary, or JSON. {FILES_READ}"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            sys.stderr.write(f"error: {message}\n")
            sys.exit(2)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        add_training_arguments(parser)
        parser.add_argument("--explainer", default="lime", choices=Explainer.values)
        parser.add_argument(
            "--row",
            default="0",
            help="0-based row in file order (default: the first row, 0); "
            "for a ZIP of images, the index in sorted path order or a path",
        )
        # Every setting the forms take; ranges are checked once, by the services' settings object.
        defaults = DEFAULTS
        parser.add_argument("--num-samples", type=int, default=defaults.num_samples)
        parser.add_argument("--num-features", type=int, default=defaults.num_features)
        parser.add_argument("--label", help="the class to explain (default: the predicted one)")
        parser.add_argument("--kernel-width", type=float, help="LIME: neighbourhood width (default: LIME's)")
        parser.add_argument("--discretizer", default=defaults.discretizer, choices=DISCRETIZERS)
        parser.add_argument("--auto-samples", action="store_true", help="tables: raise samples until runs agree")
        parser.add_argument("--no-diagnostics", action="store_true", help="skip the trust checks")
        parser.add_argument("--threshold", type=float, default=defaults.threshold, help="Anchors: precision to reach")
        parser.add_argument("--max-anchor-size", type=int, help="Anchors: the most conditions in a rule")
        parser.add_argument("--segmenter", choices=SEGMENTERS, help=f"images (default: {defaults.segmenter})")
        parser.add_argument(
            "--segment-param", action="append", default=[], metavar="NAME=VALUE", help="images: a segmenter knob"
        )
        parser.add_argument("--top-segments", type=int, help=f"images (default: {defaults.top_segments})")
        parser.add_argument("--hide-color", choices=HIDE_COLORS, help=f"images (default: {defaults.hide_color})")
        parser.add_argument("--desired", help="counterfactual: the class to reach (default: the likeliest other one)")
        parser.add_argument("--fixed", help="counterfactual: columns that cannot change, as COL,COL")
        parser.add_argument("--above", type=float, help="counterfactual, an amount: bring the prediction above this")
        parser.add_argument("--below", type=float, help="counterfactual, an amount: bring the prediction below this")
        parser.add_argument(
            "--count", type=int, help=f"counterfactual: how many ways (default: {defaults.counterfactual_count})"
        )
        parser.add_argument(
            "--range", action="append", default=[], metavar='"COL LOW to HIGH"',
            help="counterfactual: keep a number column within a range (an end may be left out)",
        )  # fmt: skip
        parser.add_argument(
            "--band",
            type=float,
            help="Anchors for an amount: the ± half-width of the band the prediction must stay in "
            "(default: a tenth of the spread of the amounts)",
        )
        parser.add_argument("--share", action="store_true", help="create a share link (share_url in the JSON)")
        parser.add_argument(
            "--share-days",
            type=int,
            default=SHARE_DAYS,
            help=f"how many days the share link works (default: {SHARE_DAYS}; 0: until it is stopped)",
        )
        parser.add_argument(
            "--base-url",
            default=os.environ.get("SITE_URL", "http://127.0.0.1:8000"),
            help="where the site is served, for share_url (default: $SITE_URL or http://127.0.0.1:8000)",
        )
        parser.add_argument("--json", action="store_true", help="print the JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        # One job, alone in this process: the image network may use every core (limelight/images/network.py).
        os.environ.setdefault("IMAGE_NETWORK_THREADS", str(len(os.sched_getaffinity(0))))
        try:
            document = self.run(options)
        except InputError as error:
            sys.stderr.write(f"error: {error}\n")
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(self.summary(document))

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        user, model = train_from_file(options)
        dataset = model.dataset
        try:
            explanation = services.explanation_request(
                model=model,
                row_index=self.row_index(dataset, options["row"]),
                settings=ExplanationSettings(
                    explainer=options["explainer"],
                    requested_label=_label_index(model, options["label"]),
                    num_samples=options["num_samples"],
                    num_features=options["num_features"],
                    kernel_width=options["kernel_width"],
                    discretizer=options["discretizer"],
                    threshold=options["threshold"],
                    max_anchor_size=options["max_anchor_size"],
                    segmenter=_given(options["segmenter"], DEFAULTS.segmenter),
                    segment_params={
                        k: float(v) for k, v in _pairs(options["segment_param"], "--segment-param").items()
                    },
                    top_segments=_given(options["top_segments"], DEFAULTS.top_segments),
                    hide_color=_given(options["hide_color"], DEFAULTS.hide_color),
                    diagnostics=not options["no_diagnostics"],
                    auto_samples=options["auto_samples"],
                    random_state=options["seed"],
                    band_width=_amount_band(model, options.get("band")),
                    **_counterfactual_settings(model, options),
                ),
                dispatch=False,
            )
        except services.RequestError as error:
            raise InputError(str(error)) from error
        job_run(model=Explanation, pk=explanation.pk, work=runs.explanation_run)
        diagnosis = services.diagnosis_request(explanation_id=explanation.pk, dispatch=False)
        if diagnosis is not None:
            job_run(model=Diagnosis, pk=diagnosis.pk, work=runs.diagnosis_run)
        explanation.refresh_from_db()
        if not explanation.succeeded:
            raise InputError(f"explanation failed: {explanation.message}")
        document = explanation_document(explanation)
        if options["share"]:
            try:
                link = services.share_link_create(
                    user=user, explanation=explanation, expires_in_days=options["share_days"] or None
                )
            except services.RequestError as error:
                raise InputError(f"--share-days: {error}") from error
            document["share_url"] = options["base_url"].rstrip("/") + reverse("shared:view", args=[link.token])
        return document

    @staticmethod
    def row_index(dataset, row: str) -> int:
        """`--row` as an index: a number, or (for images) a path inside the ZIP."""
        if row.lstrip("-").isdigit():
            if not 0 <= int(row) < dataset.n_rows:  # said here in the CLI's 0-based words, not the pages' 1-based ones
                raise InputError(f"--row {row} does not exist: --row counts from 0, up to {dataset.n_rows - 1}.")
            return int(row)
        names = [image["name"] for image in dataset.images]
        if row in names:
            return names.index(row)
        raise InputError(f"--row must be a row number{' or a path inside the ZIP' if names else ''}: {row!r}")

    @staticmethod
    def summary(document: dict[str, Any]) -> str:
        explanation = document["explanation"]
        instance = document["instance"]
        named = f" ({instance['label']})" if instance.get("label") is not None else ""  # the row's name in the file
        metrics = document["model"]["metrics"]
        lines = [
            f"Row {instance['row']}{named}: predicted {document['prediction']['label']}"
            if "label" in document["prediction"]
            else f"Row {instance['row']}{named}: predicted {document['prediction']['value']:.6g}",
            f"Model accuracy on held-out rows: {metrics.get('accuracy', 0):.1%}"
            if "mae" not in metrics
            else f"Model off by {metrics['mae']:.4g} on average on held-out rows "
            f"(always predicting the average: off by {metrics['baseline_mae']:.4g}; R² {metrics['r2']:.2f})",
            *[f"Warning: {warning}" for warning in document["model"].get("warnings", [])],
            "Reasons (weight toward the predicted class):"
            if "label" in document["prediction"]
            else "Reasons (what each adds to or takes from the predicted amount):",
        ]
        if "correct" in document["prediction"]:
            right = "right" if document["prediction"]["correct"] else "wrong"
            lines[0] += f" (the file says {document['instance']['actual']}: {right})"
        if "segments" in explanation:
            lines[-1] = f"Regions (of {explanation['segments']}) toward the predicted class:"
            lines += [f"  {w['weight']:+.3f}  region {w['segment']}" for w in explanation["weights"]]
            lines.append(f"Overlay: {explanation['overlay_path']}")
        elif "counterfactuals" in explanation:
            amount = "value" in document["prediction"]
            lines[-1] = f"What would {'bring the prediction' if amount else 'make it say'} {explanation['desired']}:"
            for way in explanation["counterfactuals"]:
                answer = way["prediction"]
                said = f"predicted {answer['value']:g}" if amount else f"p = {answer['probability']:.2f}"
                changes = ", ".join(f"{c['feature']} {c['from']} -> {c['to']}" for c in way["changes"])
                lines.append(f"  {changes}  ({said}, distance {way['distance']:.2f})")
            if explanation.get("message"):
                lines.append(explanation["message"])
        elif "rule" in explanation:
            lines[-1] = f"Rule (holds for {explanation['precision']:.0%} of similar cases):"
            if "band" in explanation:
                low, high = explanation["band"]
                lines[-1] = f"Rule (the prediction stays between {low:.4g} and {high:.4g} for "
                lines[-1] += f"{explanation['precision']:.0%} of similar cases):"
            lines += [f"  {condition}" for condition in explanation["rule"]] or ["  (no condition needed)"]
        else:
            lines += [f"  {w['weight']:+.3f}  {w['condition']}" for w in explanation["weights"]]
        if "verdict" in document:
            lines.append(document["verdict"]["sentence"])
        return "\n".join(lines)


DEFAULTS = ExplanationSettings()


def add_training_arguments(parser: CommandParser) -> None:
    """The file and how to train on it: what every command that trains takes (explain, report)."""
    parser.add_argument("datafile", help="a CSV or text file, an .xlsx or .ods workbook, or a ZIP of images")
    parser.add_argument("--sheet", help="a workbook's sheet, by name (default: the first sheet)")
    parser.add_argument("--target", help="the column to predict (default: the likeliest one)")
    parser.add_argument("--classifier", default="random_forest", choices=Classifier.values)
    parser.add_argument(
        "--task",
        choices=("amount", "category"),
        help="predict the target as an amount or a category (default: decided from the column; "
        "many different numbers are an amount)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS.random_state)
    parser.add_argument(
        "--image-features", help="images: network (pretrained, the default), hog, raw or color_histogram"
    )
    parser.add_argument("--image-size", type=int, help="images: the working size in pixels")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a classifier setting, e.g. max_depth=4"
    )
    parser.add_argument("--text-column", help="read this free-text column (default: the file's text column, if any)")
    parser.add_argument("--user", default="cli", help="who owns the records created")


def train_from_file(options: dict[str, Any]) -> tuple[Any, TrainedModel]:
    """Import the file and train on it through the web app's services (jobs run here): (owner, model).

    Raises InputError, in the command line's words, for a bad file, setting or training.
    """
    path = Path(options["datafile"])
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    # A script may run this before anything else has set up the data directory.
    call_command("migrate", verbosity=0, interactive=False)
    user, _ = get_user_model().objects.get_or_create(username=options["user"])
    try:
        sheet = _sheet(path, options["sheet"])  # checked before anything is stored
        with path.open("rb") as handle:
            dataset = classifier_services.dataset_create(
                owner=user, upload=File(handle, name=path.name), sheet=sheet
            )
        if not dataset.succeeded:  # a large file is profiled by a job: run it here
            job_run(model=Dataset, pk=dataset.pk, work=classifier_services.dataset_profile)
            dataset.refresh_from_db()
            if not dataset.succeeded:
                raise InputError(dataset.message)
        _refuse_flags_the_kind_lacks(kind_of(dataset), options)
        target = options["target"] or classifier_services.dataset_default_target(dataset)
        text_column = options["text_column"]
        if text_column is None:
            texts = classifier_services.dataset_text_columns(dataset)
            text_column = texts[0] if texts and texts[0] != target else ""
        params = _pairs(options["param"], "--param")
        if options["image_features"]:
            params["features"] = options["image_features"]
        if options["image_size"]:
            params["image_size"] = options["image_size"]
        model = classifier_services.model_train_request(
            dataset=dataset,
            settings=TrainingSettings(
                target=target,
                classifier=options["classifier"],
                params=params,
                text_column=text_column,
                random_state=options["seed"],
                task=options.get("task") or "",
            ),
            dispatch=False,
        )
    except classifier_services.UploadError as error:
        raise InputError(str(error)) from error
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    if not model.succeeded:
        raise InputError(f"training failed: {model.message}")
    return user, model


def _amount_band(model: TrainedModel, band: float | None) -> float | None:
    """``--band`` for a model that predicts an amount; refused, in words, for one that picks a category."""
    if band is not None and not model.predicts_amount:
        raise InputError("--band is for a model that predicts an amount; this one predicts a category.")
    return band


# Flags that some kinds of data have no setting for, and the form field each fills (explanation
# form, then training form): given for a kind without that field, they are refused rather than
# silently ignored.
EXPLAIN_FLAGS = {"segmenter": "segmenter", "segment_param": "segmenter", "top_segments": "top_segments",
                 "hide_color": "hide_color"}  # fmt: skip
TRAIN_FLAGS = {"image_features": "features", "image_size": "image_size"}


def _sheet(path: Path, sheet: str | None) -> str:
    """The sheet to read as the dataset stores it ("" for the first), read directly so a workbook
    whose first sheet is a cover page still works; ``--sheet`` is refused for a file without
    sheets, or naming none of the workbook's."""
    if not sheet:
        return ""
    raw = path.read_bytes()
    fmt = file_format(raw)
    if fmt not in WORKBOOK_FORMATS:
        what = "a ZIP of images" if fmt == "zip" else "not a workbook"
        raise InputError(f"--sheet: {path.name} is {what}, so it has no sheets; only .xlsx and .ods workbooks do.")
    try:
        names = sheet_names(raw, fmt)
    except Exception:  # a damaged workbook: reading it says so in the importer's words
        return ""
    if sheet not in names:
        there = ", ".join(f"“{name}”" for name in names)
        raise InputError(f"--sheet {sheet}: {path.name} has no sheet called “{sheet}”; its sheets are {there}.")
    return "" if sheet == names[0] else sheet


def _given(value: Any, default: Any) -> Any:
    return default if value is None else value


def _refuse_flags_the_kind_lacks(kind: Any, options: dict[str, Any]) -> None:
    train_fields = kind.train_form_class().base_fields
    given = [
        flag
        for flag, field in EXPLAIN_FLAGS.items()
        if options.get(flag) not in (None, []) and field not in kind.explain_fields
    ]
    given += [flag for flag, field in TRAIN_FLAGS.items() if options[flag] is not None and field not in train_fields]
    if given:
        flags = ", ".join(f"--{flag.replace('_', '-')}" for flag in given)
        raise InputError(f"{flags}: not a setting for {kind.label.lower()}.")


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    """``NAME=VALUE`` flags as a dict."""
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"{flag} takes NAME=VALUE, not {item!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def _numbers(items: list[str], flag: str) -> dict[str, float]:
    """``NAME=NUMBER`` flags as a dict of numbers."""
    numbers = {}
    for name, value in _pairs(items, flag).items():
        try:
            numbers[name] = float(value)
        except ValueError:
            raise InputError(f"{flag} {name} needs a number, not {value!r}") from None
    return numbers


def _counterfactual_settings(model: TrainedModel, options: dict[str, Any]) -> dict[str, Any]:
    """``--desired``, ``--fixed``, ``--count`` and ``--range``: settings of ``--explainer counterfactual`` only."""
    flags = ("desired", "fixed", "count", "range", "above", "below")
    given = [flag for flag in flags if options[flag] not in (None, [])]
    if options["explainer"] != "counterfactual":
        if given:
            raise InputError(f"{', '.join('--' + flag for flag in given)}: only for --explainer counterfactual.")
        return {}
    try:
        desired = _label_index(model, options["desired"])
    except InputError:
        raise InputError(f"--desired must be one of the classes: {', '.join(map(str, model.class_names))}") from None
    return {
        "desired_label": desired,
        "fixed_columns": tuple(name.strip() for name in (options["fixed"] or "").split(",") if name.strip()),
        "value_ranges": ranges_from_text("; ".join(options["range"])),
        "counterfactual_count": DEFAULTS.counterfactual_count if options["count"] is None else options["count"],
        **_amount_goal(options),
    }


def _amount_goal(options: dict[str, Any]) -> dict[str, Any]:
    """``--above V`` or ``--below V``: where to bring a model's amount (neither: the prediction plus its band)."""
    above, below = options["above"], options["below"]
    if above is not None and below is not None:
        raise InputError("--above, --below: give one of them.")
    if above is None and below is None:
        return {}
    return {"amount_goal": "above" if above is not None else "below", "amount_target": _given(above, below)}


def _label_index(model: TrainedModel, label: str | None) -> int | None:
    """The class to explain, by name (or index), as the model's class index."""
    if label is None:
        return None
    names = [str(name) for name in model.class_names]
    if label in names:
        return names.index(label)
    if label.isdigit() and int(label) < len(names):
        return int(label)
    raise InputError(f"--label must be one of the classes: {', '.join(names)}")
