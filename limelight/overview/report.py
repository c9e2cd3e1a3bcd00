"""The standalone report: one HTML file a person can keep, open offline and print to PDF.

Everything is inside the file: the CSS in a ``<style>`` element, the charts as ``data:`` URIs, no
script and no address that a browser would fetch. Every text from the document (column names,
categories, class names: user input) is escaped here with :func:`html.escape`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from limelight.holdout import percent

CSS = """
:root { --ink: #222; --muted: #555; --line: #ccc; --accent: #0072B2; --against: #D55E00; --soft: #f4f7fa; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; line-height: 1.2; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
p, li { max-width: 46rem; }
.lead { font-size: 1.1rem; }
.muted, .note { color: var(--muted); font-size: .92rem; }
.warning { border-left: 4px solid var(--against); background: #fff4ec; padding: .5rem .8rem; }
.box { background: var(--soft); padding: .7rem 1rem; border-radius: 6px; }
figure { margin: .8rem 0; }
figure img { max-width: 100%; height: auto; width: 30rem; display: block; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
.charts figure { flex: 1 1 22rem; max-width: 30rem; }
figcaption { font-size: .92rem; color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.small-group { color: var(--against); font-weight: 600; }
nav ol { columns: 2; padding-left: 1.2rem; }
@media (min-width: 100rem) { body { font-size: 19px; max-width: 72rem; } }  /* a projector: read from the back */
@media (max-width: 40rem) { body { padding: .8rem; } nav ol { columns: 1; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  figure, table, .box { break-inside: avoid; }
  nav { display: none; }
  .scroll { overflow: visible; }
}
"""

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"  # the browser refuses anything else

SECTIONS = (
    ("summary", "In plain words"),
    ("data", "The data"),
    ("model", "The model and its baseline"),
    ("importance", "What the model relies on"),
    ("dependence", "How the prediction moves"),
    ("errors", "Where the model is wrong"),
    ("fairness", "Fairness by group"),
    ("trust", "Trust checks"),
    ("explanations", "Explanations kept with this model"),
    ("notes", "How this report was made"),
)


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _image(charts: Mapping[str, bytes], name: str, alt: str) -> str:
    content = charts.get(name)
    if not content:
        return ""
    mime = "image/svg+xml" if name.endswith(".svg") else "image/png"
    data = base64.b64encode(content).decode("ascii")
    return f'<img src="data:{mime};base64,{data}" alt="{_e(alt)}">'


def _table(headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    """A table; each header says whether its column holds numbers (right-aligned)."""
    head = "".join(f'<th scope="col"{" class=n" if numeric else ""}>{_e(name)}</th>' for name, numeric in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td{" class=n" if headers[i][1] else ""}>{cell if isinstance(cell, _Raw) else _e(cell)}</td>'
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    caption_html = f"<caption class=note>{_e(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


class _Raw(str):
    """A cell already escaped (it holds markup of ours)."""


def _num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "—" if value is None else percent(float(value))


def render_report(document: Mapping[str, Any], charts: Mapping[str, bytes]) -> str:
    """The whole document as one self-contained HTML page."""
    parts = [
        _summary(document),
        _data(document),
        _model(document, charts),
        _importance(document, charts),
        _dependence(document, charts),
        _errors(document),
        _fairness(document),
        _trust(document),
        _explanations(document, charts),
        _notes(document),
    ]
    nav = "".join(
        f'<li><a href="#{key}">{_e(title)}</a></li>'
        for key, title in SECTIONS
        if key != "fairness" or document.get("fairness")
    )
    title = f"The whole model at a glance: {document.get('title', '')}"
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        # Nothing may be fetched: the report is read offline and kept.
        f'<meta http-equiv=Content-Security-Policy content="{POLICY}">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><p class=muted>Limelight report</p><h1>{_e(title)}</h1></header>"
        f'<nav aria-label="Sections"><ol>{nav}</ol></nav>' + "".join(parts) + "</body></html>\n"
    )


def _section(key: str, body: str) -> str:
    title = dict(SECTIONS)[key]
    return f'<section id="{key}"><h2>{_e(title)}</h2>{body}</section>'


def _summary(document: Mapping[str, Any]) -> str:
    lines = [document["model"].get("sentence", "")]
    for key in ("importance", "errors"):
        section = document.get(key) or {}
        if section.get("available") and section.get("sentence"):  # what is not shown is said in its section
            lines.append(section["sentence"])
    if document.get("fairness"):
        lines.append(document["fairness"]["gap"])
    items = "".join(f"<li>{_e(line)}</li>" for line in lines if line)
    return _section("summary", f'<ul class="lead box">{items}</ul>')


def _data(document: Mapping[str, Any]) -> str:
    data = document["data"]
    cases = "images" if document["kind"] == "image" else ("texts" if document["kind"] == "text" else "rows")
    body = (
        f"<p>{data['rows']:,} {cases}; the model learned from {data['n_train']:,} of them and was scored on "
        f"{data['n_test']:,} it had not seen (the <em>held-out</em> {cases}).</p>"
    )
    if data.get("features"):
        numeric, categorical = data.get("numeric", []), data.get("categorical", [])
        body += (
            f"<p>It predicts “{_e(document['target'])}” from {len(data['features'])} columns: "
            f"{len(numeric)} of numbers ({_e(', '.join(numeric)) or 'none'}) and {len(categorical)} of categories "
            f"({_e(', '.join(categorical)) or 'none'}).</p>"
        )
    if data.get("classes"):
        rows = [(item["name"], f"{item['rows']:,}", _share(item["share"])) for item in data["classes"]]
        body += _table([("class", False), (cases, True), ("share", True)], rows)
    return _section("data", body)


def _model(document: Mapping[str, Any], charts: Mapping[str, bytes]) -> str:
    model = document["model"]
    metrics = model.get("metrics", {})
    body = f"<p>{_e(model['classifier_label'])}. {_e(model.get('sentence', ''))}</p>"
    if document["task"] == "regression":
        rows = [("mean absolute error", _num(metrics.get("mae")), _num(metrics.get("baseline_mae"))),
                ("R² (1 is perfect, 0 is the average)", _num(metrics.get("r2")), "0")]  # fmt: skip
        body += _table([("score", False), ("this model", True), ("always the training average", True)], rows)
    else:
        rows = [("accuracy", _share(metrics.get("accuracy")), _share(metrics.get("baseline_accuracy")))]
        if metrics.get("balanced_accuracy") is not None:
            chance = 1 / max(len(document["class_names"]), 1)
            balanced = ("balanced accuracy (each class counts the same)", _share(metrics["balanced_accuracy"]))
            rows.append((*balanced, _share(chance)))
        body += _table([("score on held-out rows", False), ("this model", True), ("baseline", True)], rows)
        matrix = metrics.get("confusion_matrix")
        if model.get("chart") and matrix:
            names = document["class_names"]
            alt = "; ".join(f"{names[i]}: {row[i]} of {sum(row)} right" for i, row in enumerate(matrix) if sum(row))
            body += (
                f"<figure>{_image(charts, model['chart'], 'Held-out rows by true and predicted class. ' + alt)}"
                "<figcaption>Each row of the grid is a true class, each column what the model said: the diagonal "
                "is right, every other cell a mix-up, with its count.</figcaption></figure>"
            )
        for warning in metrics.get("warnings", []) or []:
            body += f'<p class="warning">{_e(warning)}</p>'
    return _section("model", body)


def _importance(document: Mapping[str, Any], charts: Mapping[str, bytes]) -> str:
    section = document["importance"]
    if not section.get("available"):
        body = f"<p>{_e(section.get('sentence') or section.get('why_not'))}</p>"
        if section.get("local"):
            rows = [
                (item["feature"], _num(item["mean_abs_weight"]), item["explanations"]) for item in section["local"][:15]
            ]
            body += _table([("word" if document["kind"] == "text" else "feature", False), ("mean size of weight", True),
                            ("explanations it appears in", True)], rows)  # fmt: skip
        return _section("importance", body)
    regression = document["task"] == "regression"
    body = f"<p class=lead>{_e(section.get('sentence', ''))}</p><p class=note>{_e(section['method'])}</p>"
    alt = "; ".join(f"{item['feature']} {_num(item['importance'])}" for item in section["features"][:15])
    body += f"<figure>{_image(charts, section['chart'], 'Importance: ' + alt)}</figure>"

    def change(value: float) -> str:
        return _num(value) if regression else f"{100 * value:+.1f} pts"

    rows = [
        (item["feature"], change(item["importance"]), f"{change(item['low'])} to {change(item['high'])}")
        for item in section["features"]
    ]
    body += _table([("column", False), ("change when shuffled", True), ("smallest to largest", True)], rows)
    body += "<h3>Compared with the explanations made so far</h3>"
    body += "".join(f"<p>{_e(line)}</p>" for line in section.get("agreement", []))
    if section.get("local"):
        rows = [
            (item["feature"], _num(item["mean_abs_weight"]), item["explanations"]) for item in section["local"][:10]
        ]
        body += _table(
            [("feature", False), ("mean size of its weight", True), ("explanations it appears in", True)],
            rows,
            caption=f"Over {section.get('local_explanations', 0)} LIME / KernelSHAP explanations of single rows.",
        )
    return _section("importance", body)


def _dependence(document: Mapping[str, Any], charts: Mapping[str, bytes]) -> str:
    section = document["dependence"]
    if not section.get("available"):
        return _section("dependence", f"<p>{_e(section.get('why_not', ''))}</p>")
    figures = ""
    for item in section["features"]:
        first = item["series"][0]
        alt = f"{item['feature']}: " + ", ".join(
            f"{value} → {_num(average)}" for value, average in zip(item["grid"], first["average"], strict=True)
        )
        figures += (
            f"<figure>{_image(charts, item['chart'], alt)}<figcaption>{_e(item['sentence'])}</figcaption></figure>"
        )
    body = f"<p class=note>{_e(section.get('method', ''))}</p><div class=charts>{figures}</div>"
    return _section("dependence", body)


def _errors(document: Mapping[str, Any]) -> str:
    section = document["errors"]
    if not section.get("available"):
        return _section("errors", f"<p>{_e(section.get('why_not', ''))}</p>")
    body = f"<p class=lead>{_e(section['sentence'])}</p><p class=note>{_e(section.get('definition', ''))}</p>"
    # Three columns, one condition a line: the table stays readable on a phone.
    rows = [
        (
            _Raw("<br>and ".join(_e(condition) for condition in group["conditions"]) or "every row"),
            f"{group['wrong']:,} of {group['rows']:,}",
            _Raw(f"<strong>{_e(_share(group['rate']))}</strong> ({_share(group['low'])} to {_share(group['high'])})"),
        )
        for group in section.get("groups", [])
    ]
    if rows:
        body += _table(
            [("group", False), ("wrong", True), ("share wrong (95% range)", True)],
            rows,
            caption=f"Baseline: wrong on {_share(section['rate'])} of all held-out rows ({section['wrong']:,} of "
            f"{section['rows']:,}).",
        )
    return _section("errors", body)


def _fairness(document: Mapping[str, Any]) -> str:
    section = document.get("fairness")
    if not section:
        return ""
    body = f"<p class=lead>{_e(section['gap'])}</p>"
    if document["task"] == "regression":
        rows = [(g["group"] + (" (small)" if g["small"] else ""), g["rows"], _num(g["mean_prediction"]),
                 _num(g["mean_actual"]), _num(g["mae"])) for g in section["groups"]]  # fmt: skip
        body += _table([(section["column"], False), ("rows", True), ("mean predicted", True), ("mean actual", True),
                        ("mean error", True)], rows)  # fmt: skip
    else:
        positive = section["positive_class"]
        rows = []
        for group in section["groups"]:
            name = _Raw(_e(group["group"]) + (" <span class=small-group>(small)</span>" if group["small"] else ""))
            recall = "—" if group["recall"] is None else f"{group['recall']:.2f}"
            if group["recall"] is not None and group["recall_rows"] < 30:
                recall += (
                    f" ({_share(group['recall_low'])} to {_share(group['recall_high'])}; {group['recall_rows']} rows)"
                )
            rows.append(
                (
                    name,
                    f"{group['rows']:,}",
                    f"{_share(group['positive_rate'])} "
                    f"({_share(group['positive_low'])} to {_share(group['positive_high'])})",
                    _share(group["accuracy"]),
                    recall,
                )
            )
        body += _table(
            [(section["column"], False), ("held-out rows", True), (f"predicted “{positive}” (95% range)", True),
             ("accuracy", True), (f"recall: share of real “{positive}” found", True)],
            rows,
        )  # fmt: skip
    body += "".join(f"<p class=note>{_e(note)}</p>" for note in section.get("notes", []))
    return _section("fairness", body)


def _named(item: Mapping[str, Any]) -> str:
    """An explanation's or a verdict's title with the case it is about ("row 9: LIME feature weights")."""
    title = str(item.get("title", ""))
    return f"{item['case']}: {title}" if item.get("case") else title


def _trust(document: Mapping[str, Any]) -> str:
    verdicts = document.get("verdicts") or []
    if not verdicts:
        return _section("trust", "<p>No explanation of this model has been checked yet, so there is no verdict.</p>")
    items = "".join(
        f"<li><strong>{_e(_named(v))}</strong>: {_e(v.get('headline', ''))}. {_e(v.get('sentence', ''))}</li>"
        for v in verdicts
    )
    return _section("trust", f"<ul>{items}</ul>")


def _explanations(document: Mapping[str, Any], charts: Mapping[str, bytes]) -> str:
    items = document.get("explanations") or []
    if not items:
        return _section("explanations", "<p>No explanation of a single row has been made with this model yet.</p>")
    body = f"<p class=note>{_e(document.get('explanations_note', ''))}</p>" if document.get("explanations_note") else ""
    for item in items:
        lines = "".join(f"<li>{_e(line)}</li>" for line in item.get("lines", []))
        picture = _image(charts, item.get("chart", ""), f"{_named(item)}: " + "; ".join(item.get("lines", [])))
        body += (
            f"<article><h3>{_e(_named(item))}</h3><p>{_e(item.get('sentence', ''))}</p>"
            f"{f'<figure>{picture}</figure>' if picture else ''}<ul>{lines}</ul></article>"
        )
    return _section("explanations", body)


def _notes(document: Mapping[str, Any]) -> str:
    notes = list(document.get("notes", []))
    notes.append(f"Built in {document.get('seconds', 0):.1f} seconds. Charts use colours that read for colour-blind "
                 "people; every chart has its numbers in a table or in its text alternative.")  # fmt: skip
    return _section("notes", "<ul>" + "".join(f"<li class=note>{_e(n)}</li>" for n in notes) + "</ul>")
