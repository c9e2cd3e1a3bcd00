"""``python -m bench [--quick] [--only tabular|web] [--repeats N]``.

One BLAS/OpenMP thread: the variables are set before numpy is imported and
``threadpoolctl`` limits any pool that starts anyway (DESIGN.md: one thread
per worker process). The Celery workers of the web area get the same setting.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from . import report  # noqa: E402

AREAS = ("tabular", "anchors", "web", "text", "images", "archive", "cluster", "stability", "faithfulness", "load",
         "counterfactuals", "overview", "amounts", "leaks")  # fmt: skip
THREADS_NOTE = "1 BLAS/OpenMP thread (OMP/OPENBLAS/MKL_NUM_THREADS=1 + threadpoolctl.threadpool_limits(1))"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer cases and repeats (~1 min)")
    parser.add_argument("--only", choices=AREAS, help="run one area")
    parser.add_argument(
        "--repeats", type=int, help="repeats per measurement (median taken); default 7, quick 2 (anchors: 2, quick 1)"
    )
    return parser.parse_args(argv)


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def run_tabular(quick: bool, repeats: int) -> dict[str, Any]:
    """Tabular LIME cases plus the cProfile hotspots."""
    from . import hotspots, tabular

    log("tabular LIME:")
    result = tabular.run(quick, repeats, log)
    result["hotspots"] = hotspots.profile_ours()
    return result


def run_anchors(quick: bool, repeats: int | None) -> dict[str, Any]:
    """Anchors: ours vs. anchor-exp (same beam width) on every dataset x model."""
    from . import anchors

    log("anchors:")
    return anchors.run(quick, log, repeats)


def run_web(quick: bool) -> dict[str, Any]:
    """End to end through the services and a real worker."""
    from . import web

    log("web end to end:")
    plan = web.WebPlan(latency_jobs=5, throughput_jobs=6, big_csv=False) if quick else web.WebPlan()
    try:
        return web.run(plan, log)
    except Exception as error:  # noqa: BLE001 - report the failure, keep the other areas
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def run_text(quick: bool, repeats: int) -> dict[str, Any]:
    """Text LIME: ours vs. floor vs. lime.lime_text."""
    from . import text

    log("text LIME:")
    return text.run(quick, repeats, log)


def run_images(quick: bool, repeats: int) -> dict[str, Any]:
    """Image LIME: ours vs. floor vs. lime.lime_image."""
    from . import images

    log("image LIME:")
    return images.run(quick, repeats, log)


def run_archive(quick: bool) -> dict[str, Any]:
    """Peak memory of storing an image ZIP: 150 MB of photos vs. 1 MB, each in a fresh process."""
    from . import archive_memory

    log("image archive memory:")
    return archive_memory.run(quick, log)


def run_cluster(quick: bool) -> dict[str, Any]:
    """Jobs per minute per kind with 1 and 2 workers sharing no disk (PostgreSQL, Redis, SeaweedFS)."""
    from . import cluster

    log("cluster, 1 and 2 workers:")
    try:
        return cluster.run(quick, log)
    except Exception as error:  # noqa: BLE001 - e.g. no PostgreSQL here: report it, keep the other areas
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def run_stability(quick: bool, repeats: int) -> dict[str, Any]:
    """Trust diagnostics: top-5 agreement across seeds, time, the auto sample count."""
    from . import stability

    log("stability:")
    return stability.run(quick, repeats, log)


def run_faithfulness(quick: bool) -> dict[str, Any]:
    """Gold-feature recall on trees and sparse LR: ours vs. lime's default and highest-weights selection."""
    from . import faithfulness

    log("faithfulness:")
    return faithfulness.run(quick, log)


def run_overview(quick: bool) -> dict[str, Any]:
    """The whole model at a glance: each stage's time and the report's size (Adult-like table, 12 image classes)."""
    from . import overview

    log("whole model at a glance:")
    return overview.run(quick, log)


def run_amounts(quick: bool, repeats: int) -> dict[str, Any]:
    """Amounts (regression): LIME ours vs. floor vs. lime in regression mode; Anchors in a band."""
    from . import amounts

    log("amounts:")
    return amounts.run(quick, repeats, log)


def run_leaks(quick: bool, repeats: int) -> dict[str, Any]:
    """Leak checks (issue 28): each kind's check beside the training it follows."""
    from . import leaks

    log("leaks:")
    return leaks.run(quick, repeats, log)


def run_counterfactuals(quick: bool) -> dict[str, Any]:
    """What would change it: ours against dice-ml random and genetic, same models and rows."""
    from . import counterfactuals

    log("counterfactuals:")
    return counterfactuals.run(quick, log)


def print_report(result: dict[str, Any]) -> None:
    """Summary lines first, then the tables and blocks."""
    tab, web, anc = result.get("tabular"), result.get("web"), result.get("anchors")
    if tab:
        print(report.tabular_summary(tab["rows"]))
    if anc:
        print(report.anchors_summary(anc["rows"]))
    if web:
        print(report.web_summary(web))
    anchor_repeats = f" (Anchors: {anc['repeats']}, ours/floor/anchor-exp/floor)" if anc else ""
    print(
        f"threads: {result['threads']}; repeats: median of {result['repeats']}{anchor_repeats}, "
        "interleaved ours/floor/reference"
    )
    if tab:
        print()
        print(report.table(tab["rows"]))
        for row in tab["rows"]:
            if row["notes"]:
                print(f"note: {row['case']}: {'; '.join(row['notes'])}")
        print(report.auto_note(tab["auto"]))
        print()
        print(report.hotspot_block(tab["hotspots"]))
    if anc:
        print()
        print(report.anchor_table(anc["rows"]))
    if web:
        print()
        print(report.web_block(web))
    if result.get("text"):
        from . import text

        print()
        print(text.summary(result["text"]))
    if result.get("images"):
        from . import images

        print()
        print(images.summary(result["images"]))
    if result.get("archive"):
        from . import archive_memory

        print()
        print(archive_memory.summary(result["archive"]))
    if result.get("cluster"):
        from . import cluster

        print()
        print(cluster.summary(result["cluster"]) if "error" not in result["cluster"] else result["cluster"]["error"])
    if result.get("stability"):
        from . import stability

        print()
        print(stability.summary(result["stability"]))
    if result.get("faithfulness"):
        from . import faithfulness

        print()
        print(faithfulness.summary(result["faithfulness"]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    path = report.output_path()  # before the web area points DATA_DIR elsewhere
    started = time.perf_counter()
    result: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "repeats": repeats,
        "threads": THREADS_NOTE,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    with threadpool_limits(1):
        if args.only in (None, "tabular"):
            result["tabular"] = run_tabular(args.quick, repeats)
        if args.only in (None, "anchors"):
            result["anchors"] = run_anchors(args.quick, args.repeats)  # its own default: 2 (quick 1)
        if args.only in (None, "web"):
            result["web"] = run_web(args.quick)
        if args.only in (None, "text"):
            result["text"] = run_text(args.quick, repeats)
        if args.only in (None, "images"):
            result["images"] = run_images(args.quick, repeats)
        if args.only in (None, "archive"):
            result["archive"] = run_archive(args.quick)
        if args.only in (None, "cluster"):
            result["cluster"] = run_cluster(args.quick)
        if args.only in (None, "stability"):
            result["stability"] = run_stability(args.quick, repeats)
        if args.only in (None, "faithfulness"):
            result["faithfulness"] = run_faithfulness(args.quick)
        if args.only in (None, "overview"):
            result["overview"] = run_overview(args.quick)
        if args.only in (None, "amounts"):
            result["amounts"] = run_amounts(args.quick, repeats)
        if args.only in (None, "leaks"):
            result["leaks"] = run_leaks(args.quick, repeats)
        if args.only in (None, "counterfactuals"):
            result["counterfactuals"] = run_counterfactuals(args.quick)
        if args.only == "load":  # minutes of gunicorn + workers: only when asked for
            from . import load

            result["load"] = load.run(users=50, seconds=30 if args.quick else 90, jobs=100, log_=log)
        result["threadpools"] = [{k: p.get(k) for k in ("internal_api", "num_threads")} for p in threadpool_info()]
    result["wall_s"] = time.perf_counter() - started
    report.write_json(result, path)
    print_report(result)
    if result.get("amounts"):
        from . import amounts

        print()
        print(amounts.summary(result["amounts"]))
    if result.get("leaks"):
        from . import leaks

        print()
        print(leaks.summary(result["leaks"]))
    if result.get("overview"):
        from . import overview

        print()
        print(overview.summary(result["overview"]))
    if result.get("counterfactuals"):
        from . import counterfactuals

        print()
        print(counterfactuals.summary(result["counterfactuals"]))
    if result.get("load"):
        from . import load

        print(load.summary(result["load"]))
    print(f"\nran in {result['wall_s']:.0f} s; JSON: {path}")
    return 1 if "error" in result.get("web", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
