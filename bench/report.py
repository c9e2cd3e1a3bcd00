"""Printing the tables and writing ``latest.json``."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# (header, key, format) of the tabular table.
COLUMNS = [
    ("case", "case", "{}"),
    ("dataset", "dataset", "{}"),
    ("model", "model", "{}"),
    ("explainer", "explainer", "{}"),
    ("settings", "settings", "{}"),
    ("ours_s", "ours_s", "{:.4f}"),
    ("floor_s", "floor_s", "{:.4f}"),
    ("ours/floor", "ours_over_floor", "{:.2f}x"),
    ("ours-floor_ms", "ours_minus_floor_ms", "{:.1f}"),
    ("reference_s", "reference_s", "{:.4f}"),
    ("ours/ref", "ours_over_reference", "{:.2f}x"),
    ("ref-floor_ms", "reference_minus_floor_ms", "{:.1f}"),
    ("agree@5", "agreement_top5", "{:.1f}"),
    ("peak_mb", "peak_mb", "{:.1f}"),
    ("stats_ms", "stats_build_s", "{:.1f}"),
]


ANCHOR_COLUMNS = [
    ("case", "case", "{}"),
    ("beam", "beam_width", "{}"),
    ("ours_s", "ours_s", "{:.3f}"),
    ("floor_s", "floor_s", "{:.3f}"),
    ("ours/floor", "ours_over_floor", "{:.2f}x"),
    ("anchor-exp_s", "reference_s", "{:.2f}"),
    ("ref_floor_s", "ref_floor_s", "{:.2f}"),
    ("ref/floor", "ref_over_floor", "{:.2f}x"),
    ("ours/ref", "ours_over_reference", "{:.3f}x"),
    ("prec_ours [95%]", "ours_precision_ci", "{}"),
    ("prec_ref [95%]", "ref_precision_ci", "{}"),
    ("own_ours", "ours_precision_own", "{:.3f}"),
    ("own_ref", "ref_precision_own", "{:.3f}"),
    ("ref_resampled", "ref_precision_own_sampler", "{:.3f}"),
    ("cov_ours", "ours_coverage", "{:.3f}"),
    ("cov_ref", "ref_coverage", "{:.3f}"),
    ("calls_ours", "ours_calls", "{:.0f}"),
    ("calls_ref", "ref_calls", "{:.0f}"),
    ("meets", "ours_meets", "{}"),
    ("checked_on", "ours_checked_on", "{}"),
    ("peak_mb", "peak_mb", "{:.1f}"),
]


def output_path() -> Path:
    """DATA_DIR/bench/latest.json (DATA_DIR defaults to the project's var/)."""
    return Path(os.environ.get("DATA_DIR") or ROOT / "var") / "bench" / "latest.json"


def write_json(result: dict[str, Any], path: Path) -> None:
    """Write the result (pretty JSON); creates the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=float) + "\n")


def _cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if key == "stats_build_s":
        value *= 1e3
    return fmt.format(value)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]] = COLUMNS) -> str:
    """A fixed-width text table."""
    cells = [[h for h, _, _ in columns]] + [[_cell(r, k, f) for _, k, f in columns] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def tabular_summary(rows: list[dict[str, Any]]) -> str:
    """One line: median ratios over all tabular cases."""
    if not rows:
        return "tabular LIME: no cases"
    med = statistics.median
    return (
        f"tabular LIME: ours/floor median {med(r['ours_over_floor'] for r in rows):.2f}x, "
        f"ours/lime median {med(r['ours_over_reference'] for r in rows):.2f}x, "
        f"ours-floor median {med(r['ours_minus_floor_ms'] for r in rows):.1f} ms "
        f"(lime {med(r['reference_minus_floor_ms'] for r in rows):.1f} ms), "
        f"top-5 agreement median {med(r['agreement_top5'] for r in rows):.2f}"
    )


def _interval(row: dict[str, Any], who: str) -> str:
    return f"{row[f'{who}_precision']:.3f} [{row[f'{who}_precision_low']:.3f}, {row[f'{who}_precision_high']:.3f}]"


def anchor_table(rows: list[dict[str, Any]]) -> str:
    """The Anchors table: times against each side's floor, precision on the shared fresh samples."""
    shown = [{**r, "ours_precision_ci": _interval(r, "ours"), "ref_precision_ci": _interval(r, "ref")} for r in rows]
    lines = [table(shown, ANCHOR_COLUMNS)]
    if rows:
        lines.append(
            f"prec_*: precision on {rows[0]['eval']} (Wilson 95%); own_*: each search's own estimate; "
            "ref_resampled: anchor-exp's rule on fresh draws of its own sampler; "
            f"floor: the model alone on the calls each search made; medians of {rows[0]['repeats']} "
            "interleaved runs"
        )
    return "\n".join(lines)


def anchors_summary(rows: list[dict[str, Any]]) -> str:
    """One line: like-for-like Anchors ratios and the fresh-sample precisions."""
    if not rows:
        return "Anchors: no cases"
    med = statistics.median
    ratios = [r["ours_over_reference"] for r in rows]
    rf = next((r for r in rows if r["case"] == "anchors/breast_cancer/random_forest"), None)
    rf_text = f"; breast-cancer RF ours {rf['ours_s']:.2f} s vs anchor-exp {rf['reference_s']:.1f} s" if rf else ""
    return (
        f"Anchors (beam {rows[0]['beam_width']} both): ours/anchor-exp median {med(ratios):.3f}x "
        f"(range {min(ratios):.3f}-{max(ratios):.3f}x){rf_text}; "
        f"over own floor: ours median {med(r['ours_over_floor'] for r in rows):.2f}x, "
        f"anchor-exp {med(r['ref_over_floor'] for r in rows):.2f}x; "
        f"model calls median ours {med(r['ours_calls'] for r in rows):.0f}, "
        f"anchor-exp {med(r['ref_calls'] for r in rows):.0f}; "
        f"fresh-sample precision median ours {med(r['ours_precision'] for r in rows):.3f}, "
        f"anchor-exp {med(r['ref_precision'] for r in rows):.3f}"
    )


def web_summary(web: dict[str, Any]) -> str:
    """One line: latency percentiles and throughput."""
    if "error" in web:
        return f"web end to end: FAILED ({web['error']})"
    lat = web["latency"]
    return (
        f"web end to end: submit->result p50 {lat['p50_s']:.2f} s, p95 {lat['p95_s']:.2f} s "
        f"({lat['jobs']} jobs, warm idle worker); trust checks ready p50 {lat['trust_p50_s']:.2f} s; "
        f"{web['throughput_1']['per_minute']:.0f}/min with 1 worker process, "
        f"{web['throughput_2']['per_minute']:.0f}/min with 2"
    )


def web_block(web: dict[str, Any]) -> str:
    """The end-to-end measurements, one per line."""
    if "error" in web:
        return f"web end to end failed: {web['error']}"
    lat, t1, t2 = web["latency"], web["throughput_1"], web["throughput_2"]
    lines = [
        f"schema                            {web.get('schema', '?')}",
        f"worker start (ping answered)      {web['worker_start_s']:.2f} s",
        f"breast cancer upload / train rf   {web['breast_cancer']['upload_s']:.2f} s / "
        f"{web['breast_cancer']['train_s']:.2f} s",
        f"first explanation (cold worker)   {web['cold_explain_s']:.2f} s",
        f"latency, {lat['jobs']} jobs one at a time  p50 {lat['p50_s']:.3f} s  p95 {lat['p95_s']:.3f} s  "
        f"max {lat['max_s']:.3f} s",
        f"  (in queue p50 {lat['queue_p50_s']:.3f} s, working p50 {lat['work_p50_s']:.3f} s)",
        f"  trust checks ready (a second job)  p50 {lat['trust_p50_s']:.3f} s  p95 {lat['trust_p95_s']:.3f} s",
        _throughput_line(1, t1),
        _throughput_line(2, t2),
    ]
    big = web.get("big_table")
    if big:
        lines.append(
            f"30k x 15 mixed CSV ({big['csv_mb']:.1f} MB): upload+profile {big['upload_s']:.2f} s, "
            f"train gradient_boosting {big['train_s']:.2f} s, explain {big['explain_first_s']:.2f} s "
            f"(next {big['explain_warm_s']:.2f} s)"
        )
    return "\n".join(lines)


def _throughput_line(concurrency: int, t: dict[str, Any]) -> str:
    return (
        f"throughput, --concurrency {concurrency}       {t['per_minute']:.0f}/min "
        f"({t['jobs']} jobs in {t['elapsed_s']:.1f} s, {t['work_p50_s']:.3f} s working each)"
    )


def hotspot_block(hot: dict[str, Any]) -> str:
    """The cProfile top functions by cumulative time."""
    lines = [f"hotspots: cProfile of one explain ({hot['case']}, black box {hot['black_box']}), top by cumulative time"]
    lines += [
        f"  {r['cumtime_ms']:8.1f} ms cum  {r['tottime_ms']:7.1f} ms own  {r['ncalls']:>5}x  {r['function']}"
        for r in hot["top"]
    ]
    return "\n".join(lines)


def auto_note(auto: dict[str, Any]) -> str:
    """lime's default feature_selection='auto' note."""
    return (
        f"note: lime feature_selection='auto' on {auto['case'].split()[0]}: "
        f"{auto['auto_10_s'] * 1e3:.0f} ms at 10 features (= highest_weights), "
        f"{auto['auto_5_s'] * 1e3:.0f} ms at 5 features (forward selection)"
    )
