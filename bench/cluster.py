"""Jobs per minute per kind with 1 and 2 workers, and each process's memory (issue 24).

``python -m bench.cluster [--jobs 6] [--image-jobs 4]``: the no-shared-disk set-up of the
tests (tests/cluster.py: gunicorn, beat, workers with their own DATA_DIRs, a fresh PostgreSQL
database, a private Redis, SeaweedFS from tests/object_store.py), driven over HTTP as a
person would. For each kind a burst of jobs is sent at once and timed to the last one
finished: jobs per minute = jobs / that time. The bursts are sent one request after another,
so for the quick kinds the figure includes sending them (a lower bound). Needs PostgreSQL
at DATABASE_URL's server or 127.0.0.1:5432. A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cluster import Cluster  # noqa: E402
from tests.conftest import PASSWORD, csv_bytes, risk_table  # noqa: E402
from tests.http_forms import Browser  # noqa: E402
from tests.integration.test_no_shared_disk import finished, pk_in, shapes_zip, upload_and_train  # noqa: E402
from tests.object_store import ObjectStore  # noqa: E402

MB = 1e6


class PeakMemory(threading.Thread):
    """Samples each worker's process tree (main + pool child) every 0.2 s; keeps the peaks."""

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(daemon=True)
        self.cluster, self.stopped = cluster, threading.Event()
        self.tree: dict[str, int] = {}
        self.largest: dict[str, int] = {}

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for name in self.cluster.WORKERS:
                try:
                    root = psutil.Process(self.cluster.processes[name].process.pid)
                    sizes = [p.memory_info().rss for p in (root, *root.children(recursive=True))]
                except psutil.Error:
                    continue
                self.tree[name] = max(self.tree.get(name, 0), sum(sizes))
                self.largest[name] = max(self.largest.get(name, 0), max(sizes))


def burst(browser: Browser, send, count: int, *, also=()) -> float:
    """Send `count` jobs (send() returns the status URL), wait for all; jobs per minute."""
    began = time.monotonic()
    urls = [send() for _ in range(count)]
    for url in urls:
        finished(browser, url, timeout=900)
        for follow_up in also:  # e.g. the trust checks queued after an explanation
            finished(browser, url.replace("status.json", follow_up), timeout=900)
    return 60 * count / (time.monotonic() - began)


def measure(workers: int, jobs: int, image_jobs: int) -> dict[str, float]:
    store = ObjectStore()
    store.start()

    class Sized(Cluster):
        WORKERS = Cluster.WORKERS[:workers]

    cluster = Sized(Path(tempfile.mkdtemp(prefix="limelight-bench-cluster-")), store.env)
    try:
        cluster.start()
        memory = PeakMemory(cluster)
        memory.start()
        browser = Browser(cluster.url)
        browser.open("/accounts/signup/")
        browser.submit(r"^$|signup", username="bench", password1=PASSWORD, password2=PASSWORD)
        table = upload_and_train(browser, "clinic.csv", csv_bytes(risk_table(rows=1000)))
        images = upload_and_train(browser, "shapes.zip", shapes_zip())
        dataset = int(re.search(r"/datasets/(\d+)/", browser.open(f"/models/{table}/")).group(1))

        def train() -> str:
            browser.open(f"/datasets/{dataset}/")
            browser.submit(r"/train/$")
            return f"/models/{pk_in(browser.page_url, 'models')}/status.json"

        def explain(model: int, row: int, **settings):
            def send() -> str:
                browser.open(f"/models/{model}/")
                browser.submit(r"/explanations/request/\d+/$", button=("row", str(row)), **settings)
                return f"/explanations/{pk_in(browser.page_url, 'explanations')}/status.json"

            return send

        figures = {
            "training: random forest, 1,000-row table": burst(browser, train, jobs),
            "table LIME, 5,000 samples": burst(browser, explain(table, 3, skip_diagnostics="on"), jobs),
            "table LIME + its trust checks": burst(browser, explain(table, 4), jobs, also=("diagnosis.json",)),
            "image LIME, 1,000 samples": burst(
                browser, explain(images, 2, skip_diagnostics="on", num_samples=1000), image_jobs
            ),
        }
        memory.stopped.set()
        for name in cluster.WORKERS:
            figures[f"{name} peak MB (worker + child)"] = memory.tree.get(name, 0) / MB
            figures[f"{name} largest process MB"] = memory.largest.get(name, 0) / MB
        web = psutil.Process(cluster.processes["web"].process.pid)
        figures["web MB (gunicorn, 1 process x 4 threads)"] = (
            sum(p.memory_info().rss for p in (web, *web.children(recursive=True))) / MB
        )
        figures["object store MB"] = store.memory_mb()
        return figures
    finally:
        cluster.stop()
        store.stop()


def run(quick: bool, log=print, *, jobs: int | None = None, image_jobs: int | None = None) -> dict:
    """Both set-ups, 1 worker then 2; ``quick`` sends smaller bursts. Figures keyed by worker count."""
    jobs = jobs or (3 if quick else 6)
    image_jobs = image_jobs or (2 if quick else 4)
    result: dict = {"load_before": list(psutil.getloadavg()), "jobs": jobs, "image_jobs": image_jobs}
    for workers in (1, 2):
        log(f"  {workers} worker(s)…")
        result[workers] = measure(workers, jobs, image_jobs)
    result["load_after"] = list(psutil.getloadavg())
    return result


def summary(result: dict) -> str:
    """A table: one line per figure, a column per number of workers."""
    one, two = result[1], result[2]
    lines = [f"{'cluster (no shared disk)':48} {'1 worker':>10} {'2 workers':>10}"]
    for name in dict.fromkeys([*one, *two]):
        left = f"{one[name]:>10.1f}" if name in one else f"{'':>10}"
        right = f"{two[name]:>10.1f}" if name in two else f"{'':>10}"
        lines.append(f"{name:48} {left} {right}")
    lines.append("(jobs per minute for the job kinds; MB = resident memory)")
    load = " -> ".join(" ".join(f"{x:.2f}" for x in result[key]) for key in ("load_before", "load_after"))
    lines.append(f"load average: {load}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="jobs per burst of the quick kinds")
    parser.add_argument("--image-jobs", type=int, default=4, help="jobs in the image burst")
    args = parser.parse_args()
    print(summary(run(False, jobs=args.jobs, image_jobs=args.image_jobs)))


if __name__ == "__main__":
    main()
