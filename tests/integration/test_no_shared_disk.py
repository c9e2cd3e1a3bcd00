"""Web server and workers on "different machines": no disk in common, only PostgreSQL, Redis and
the object store. A person uploads, trains, explains a table and images, sees the pictures and
shares a link; a worker killed mid-job leaves its job to the other one.

Everything goes through HTTP as a browser would (tests/http_forms.py): the processes are the
real gunicorn, `manage.py worker` and Celery beat (tests/cluster.py), each with its own DATA_DIR.
"""

from __future__ import annotations

import io
import re
import sys
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.cluster import POSTGRES, Cluster, Database
from tests.conftest import PASSWORD, csv_bytes, risk_table
from tests.http_forms import Browser
from tests.object_store import object_store  # noqa: F401 - fixture
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

JOB_SECONDS = 240  # a job on a busy 2-core machine, first import of the network included
# Made-up pictures for the job killed midway: each goes through the image network, so the job
# runs for some seconds (measured here: see the test's printout), not a fraction of one.
LONG_SAMPLES = 1000


@pytest.fixture(scope="module")
def cluster(object_store, tmp_path_factory):  # noqa: F811
    if not Database.server_answers():
        # SQLite is one file on one disk: machines without a shared disk cannot share it.
        pytest.skip(f"needs a PostgreSQL server that answers at {POSTGRES} (machines cannot share SQLite)")
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), object_store.env)
    try:
        cluster.start()
        yield cluster
    finally:
        sys.stdout.write(cluster.tails())  # shown when a test fails
        cluster.stop()


@pytest.fixture(scope="module")
def person(cluster):
    browser = Browser(cluster.url)
    browser.open("/accounts/signup/")
    browser.submit(r"^$|signup", username="kim", password1=PASSWORD, password2=PASSWORD)
    assert "Log out (kim)" in browser.html
    return browser


def finished(browser: Browser, status_url: str, timeout: float = JOB_SECONDS) -> dict:
    """Poll a job's status.json as the page does, until it has finished; it must have succeeded."""

    def done():
        status = browser.get(status_url).json()
        return status if status["finished"] else None

    status = wait_until(done, timeout=timeout, what=status_url, interval=0.5)
    assert status["status"] == "succeeded", status
    return status


def pk_in(url: str, kind: str) -> int:
    return int(re.search(rf"/{kind}/(\d+)/", url).group(1))


def upload_and_train(browser: Browser, name: str, content: bytes) -> int:
    browser.open("/")
    browser.submit(r"/datasets/upload/$", files={"file": (name, content)})
    dataset = pk_in(browser.page_url, "datasets")
    finished(browser, f"/datasets/{dataset}/status.json")
    browser.open(f"/datasets/{dataset}/")
    browser.submit(r"/train/$")
    model = pk_in(browser.page_url, "models")
    finished(browser, f"/models/{model}/status.json")
    return model


def explain(browser: Browser, model: int, row: int, **settings) -> int:
    browser.open(f"/models/{model}/")
    browser.submit(r"/explanations/request/\d+/$", button=("row", str(row)), **settings)
    explanation = pk_in(browser.page_url, "explanations")
    finished(browser, f"/explanations/{explanation}/status.json")
    return explanation


def served(browser: Browser, url: str, content_type: str) -> bytes:
    response = browser.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert response.headers["Content-Type"].startswith(content_type), response.headers["Content-Type"]
    return response.content


def shapes_zip() -> bytes:
    """Ten 48 x 48 PNGs of each class: a bright square or a bright disc on dark ground."""
    y, x = np.mgrid[:48, :48]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(10):
            for label, on in (
                ("squares", (abs(x - 24 + i % 3) < 9 + i % 4) & (abs(y - 24) < 9 + i % 4)),
                ("discs", (x - 24 + i % 3) ** 2 + (y - 24) ** 2 < (9 + i % 4) ** 2),
            ):
                picture = io.BytesIO()
                pixels = np.where(on[:, :, None], 230 - 5 * i, 20 + 3 * i).astype(np.uint8).repeat(3, axis=2)
                Image.fromarray(pixels).save(picture, format="PNG")
                archive.writestr(f"{label}/{i}.png", picture.getvalue())
    return buffer.getvalue()


def files_under(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_table_is_uploaded_trained_explained_and_shared_with_no_shared_disk(cluster, person, object_store):  # noqa: F811
    model = upload_and_train(person, "clinic.csv", csv_bytes(risk_table()))
    explanation = explain(person, model, row=3, num_samples=1000)

    page = person.open(f"/explanations/{explanation}/")
    assert "age" in page
    assert served(person, f"/explanations/{explanation}/weights.svg", "image/svg").lstrip().startswith(b"<")
    person.submit(r"/explanations/\d+/share/$")
    (link,) = re.findall(r'value="(http://[^"]+/s/[^"/]+/)"', person.html)

    stranger = Browser(cluster.url)
    assert "age" in stranger.open(link)
    assert served(stranger, link + "weights.svg", "image/svg").lstrip().startswith(b"<")

    keys = object_store.keys()
    for prefix in ("datasets/", f"models/{model}/", f"explanations/{explanation}/"):
        assert any(key.startswith(prefix) for key in keys), f"nothing under {prefix} in the bucket: {keys}"
    # Nothing of it was written to any machine's media folder: every file is in the bucket.
    for machine, folder in cluster.data_dirs.items():
        media = folder / "media"
        assert not media.exists() or files_under(media) == [], f"{machine} wrote {files_under(media)}"


def test_images_are_trained_and_explained_and_their_pictures_served(cluster, person, object_store):  # noqa: F811
    model = upload_and_train(person, "shapes.zip", shapes_zip())
    explanation = explain(person, model, row=2, num_samples=200, skip_diagnostics="on")

    overlay = served(person, f"/explanations/{explanation}/picture/overlay.png", "image/png")
    assert Image.open(io.BytesIO(overlay)).size[0] > 0
    served(person, f"/explanations/{explanation}/picture/original.png", "image/png")
    for machine, folder in cluster.data_dirs.items():
        media = folder / "media"
        assert not media.exists() or files_under(media) == [], f"{machine} wrote {files_under(media)}"


def explain_tasks_received(cluster, name: str) -> int:
    return len(re.findall(r"Task explanations\.explain\[[^]]+\] received", cluster.processes[name].text()))


def test_a_worker_killed_mid_job_leaves_the_job_to_the_other(cluster, person):
    # An image explanation asks the network about every made-up picture: long enough to kill.
    model = upload_and_train(person, "shapes.zip", shapes_zip())
    before = {name: explain_tasks_received(cluster, name) for name in cluster.WORKERS}

    person.open(f"/models/{model}/")
    person.submit(r"/explanations/request/\d+/$", button=("row", "5"), num_samples=LONG_SAMPLES, skip_diagnostics="on")
    explanation = pk_in(person.page_url, "explanations")
    status_url = f"/explanations/{explanation}/status.json"
    wait_until(lambda: person.get(status_url).json()["done"] > 0, timeout=JOB_SECONDS, what="the job to be working")

    def taker() -> str | None:
        return next((n for n in cluster.WORKERS if explain_tasks_received(cluster, n) > before[n]), None)

    doomed = wait_until(taker, timeout=10, what="the log of the worker that took the job")
    (survivor,) = (name for name in cluster.WORKERS if name != doomed)
    took = explain_tasks_received(cluster, survivor)
    cluster.processes[doomed].kill()
    killed_at = time.monotonic()
    assert not person.get(status_url).json()["finished"], "the job ended before its worker was killed"

    # Beat's sweeper sees the heartbeat stop (JOB_HEARTBEAT_TIMEOUT) and queues the job
    # again; the other worker, with a disk of its own, takes it and finishes it.
    finished(person, status_url)
    print(f"Killed {doomed}; {survivor} finished the job {time.monotonic() - killed_at:.1f} s later")
    assert explain_tasks_received(cluster, survivor) == took + 1
    assert served(person, f"/explanations/{explanation}/weights.svg", "image/svg").lstrip().startswith(b"<")
