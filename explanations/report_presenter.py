"""A whole-model report (issue 27) for its page, its share link and its download.

The worker stores the overview's document (plain JSON, limelight.overview), its charts and the
standalone HTML. The owner's page and download use them as stored. A share link shows the same
report with only what the link discloses (explanations.disclosure): no database id, the rows of
the listed explanations and their true values only when ticked, the file's name only when ticked;
its download is drawn again from that document, so the file holds no more than the page.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, Http404, HttpResponse

from classifiers.artifacts import read_stored
from limelight.holdout import percent

from .disclosure import Disclosure
from .files import stored_result_file
from .models import ModelReport

# What an explanation or a verdict listed in a report may say about its case, and the choice that
# shows it (explanations.disclosure). The worker keeps the sentences a link shows under shared_*:
# a verdict read without the true value (explanations.whole_model).
_CASE_KEYS = ("case", "row", "subject", "path")
_TRUTH_KEYS = ("actual", "true_value", "correct")
_ID_KEYS = ("id", "pk", "url")
_SHARED = ("sentence", "headline", "level")


def shared_document(document: dict[str, Any], disclosure: Disclosure) -> dict[str, Any]:
    """The report's document as a share link shows it (see the module's docstring)."""
    shown = copy.deepcopy(document)
    for key in ("explanations", "verdicts"):
        shown[key] = [_shared_item(item, index, disclosure) for index, item in enumerate(shown.get(key) or [], 1)]
    if not disclosure.file_name:
        shown.get("data", {}).pop("file", None)
    return shown


def _shared_item(item: dict[str, Any], index: int, disclosure: Disclosure) -> dict[str, Any]:
    hidden = {*_ID_KEYS, *(() if disclosure.row_label else _CASE_KEYS), *(() if disclosure.true_value else _TRUTH_KEYS)}
    shown = {key: value for key, value in item.items() if key not in hidden and not key.startswith("shared_")}
    if item.get("chart"):  # the stored name may carry a database id: a link names it by its place instead
        shown["chart"] = f"case-{index}.svg"
    if not disclosure.true_value:  # the owner's sentence may rest on the true value: the one read without it
        shown.update({key: item.get(f"shared_{key}", "") for key in _SHARED if key in item})
    if not disclosure.row_label:  # the case by its place in the list instead of its name
        shown["case"] = f"Case {index}"
    return shown


def chart_names(report: ModelReport, disclosure: Disclosure | None = None) -> dict[str, str]:
    """The report's charts by the name a page asks for -> their names in the storage. A share link
    asks for an explanation's chart by its place in the list (``case-2.svg``), never its stored name."""
    if disclosure is None:
        return dict(report.charts)
    cases = [item.get("chart") for item in report.result.get("explanations") or []]
    names = {name: stored for name, stored in report.charts.items() if name not in cases}
    for index, name in enumerate(cases, 1):
        if name in report.charts:
            names[f"case-{index}.svg"] = report.charts[name]
    return names


def present(
    report: ModelReport, *, chart_url: Callable[[str], str], disclosure: Disclosure | None = None
) -> dict[str, Any]:
    """The document with what the page needs beside it: each chart's URL, rates as words."""
    charts = chart_names(report, disclosure)
    view = shared_document(report.result, disclosure) if disclosure is not None else copy.deepcopy(report.result)
    importance = view.get("importance") or {}
    if importance.get("chart") in charts:
        importance["chart_url"] = chart_url(importance["chart"])
    regression = view.get("task") == "regression"
    importance["change_heading"] = "Mean error rises by" if regression else "Accuracy falls by"
    change = _change(regression=regression, unit=view.get("unit", ""))
    for item in importance.get("features") or []:
        item["importance_words"] = change(item.get("importance"))
        item["range_words"] = f"{change(item.get('low'))} to {change(item.get('high'))}"
    for item in view.get("explanations") or []:
        if item.get("chart") in charts:
            item["chart_url"] = chart_url(item["chart"])
    for feature in (view.get("dependence") or {}).get("features", []):
        if feature.get("chart") in charts:
            feature["chart_url"] = chart_url(feature["chart"])
        feature["table"] = _dependence_table(
            feature, amounts=view.get("task") == "regression", unit=view.get("unit", "")
        )
    for group in (view.get("errors") or {}).get("groups", []):
        group["rate_words"] = _share(group.get("rate"))
        group["range_words"] = _range(group.get("low"), group.get("high"))
    errors = view.get("errors") or {}
    errors["rate_words"] = _share(errors.get("rate"))
    for group in (view.get("fairness") or {}).get("groups", []):
        for key in ("positive_rate", "accuracy", "recall"):
            group[f"{key}_words"] = _share(group.get(key))
        group["positive_range_words"] = _range(group.get("positive_low"), group.get("positive_high"))
    return view


def _change(*, regression: bool, unit: str) -> Callable[[float | None], str]:
    """How a score changes when a column is shuffled: accuracy in points of the held-out rows
    (0.323 -> "+32.3 points"), a mean error in the target's unit (as the standalone report says it)."""

    def words(value: float | None) -> str:
        if value is None:
            return "—"
        if regression:
            return f"{float(value):+,.3g}{f' {unit}' if unit else ''}"
        return f"{100 * float(value):+.1f} points"

    return words


def _share(value: float | None) -> str:
    return "—" if value is None else percent(float(value))


def _range(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{percent(float(low))}–{percent(float(high))}"


def _dependence_table(feature: dict[str, Any], *, amounts: bool, unit: str) -> dict[str, Any]:
    """The chart's numbers as a table (its text alternative): one row per value, one column per
    series (a class's average probability, or the average predicted amount in the target's unit)."""
    series = feature.get("series") or []
    unit = f" {unit}" if unit else ""
    rows = []
    for index, value in enumerate(feature.get("grid") or []):
        cells = []
        for line in series:
            average = line["average"][index] if index < len(line["average"]) else None
            cells.append("" if average is None else (f"{average:,.3g}{unit}" if amounts else f"{100 * average:.1f}%"))
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append([shown, *cells])
    return {"columns": [feature.get("feature", ""), *(line["name"] for line in series)], "rows": rows}


def chart_response(report: ModelReport, name: str, disclosure: Disclosure | None = None) -> HttpResponse:
    """One of the report's charts (SVG), by the name its page gives it (:func:`chart_names`)."""
    stored = stored_result_file(chart_names(report, disclosure).get(name, "")) if report.succeeded else None
    if stored is None:
        raise Http404("No chart.")
    return FileResponse(stored.open("rb"), content_type="image/svg+xml")


def stored_html(report: ModelReport) -> str:
    """The standalone report as the worker wrote it (the owner's download)."""
    if not report.succeeded or stored_result_file(report.report) is None:
        raise Http404("No report.")
    return read_stored(report.report).decode()


def shared_html(report: ModelReport, disclosure: Disclosure) -> str:
    """The standalone report of what a share link shows, drawn again from its document."""
    # Imported here: the report's renderer comes with the engine's package, which a web process
    # loads only when someone downloads a shared report, never at start.
    from limelight.overview.report import render_report

    if not report.succeeded:
        raise Http404("No report.")
    names = chart_names(report, disclosure)
    charts = {name: read_stored(stored) for name, stored in names.items() if stored_result_file(stored)}
    return render_report(shared_document(report.result, disclosure), charts)


def download_response(report: ModelReport, html: str) -> HttpResponse:
    """The report as a file to keep: an attachment, never shown inside the site."""
    response = HttpResponse(html.encode(), content_type="text/html; charset=utf-8")
    name = f"limelight-{report.model.classifier}-{report.model.target}"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}.html"'
    return response
