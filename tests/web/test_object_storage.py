"""Every file through Django's storage API, against a real S3 server (SeaweedFS from its wheel).

With a bucket configured, an upload, its model, its images and features, and an
explanation's charts and pictures all land in the bucket, pages serve them through
views, and nothing is written under MEDIA_ROOT: a worker on another machine needs
only the bucket. Jobs run in this process, as the other web tests run them.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from classifiers import artifacts, services
from classifiers import runs as classifier_runs
from classifiers.models import TrainedModel
from explainer_site.settings import file_storage
from explanations import services as explanation_services
from jobs.models import JobStatus
from jobs.services import job_run
from limelight.images.network import NAME as NETWORK
from tests.object_store import object_store  # noqa: F401 - fixture

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.fixture
def bucket(object_store, settings, monkeypatch, tmp_path):  # noqa: F811 - the fixture above
    """STORAGES["default"] is the bucket (as settings.py builds it from the four AWS_* variables),
    each test under its own prefix; returns a function listing this test's keys."""
    for name, value in object_store.env.items():
        monkeypatch.setenv(name, value)
    storage = file_storage()
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    storage["OPTIONS"]["location"] = prefix
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.FILE_CACHE_DIR = tmp_path / "cache"

    def keys() -> list[str]:
        return [key.removeprefix(f"{prefix}/") for key in object_store.keys(f"{prefix}/")]

    return keys


def _files_under(folder: Path) -> list[Path]:
    return sorted(path for path in Path(folder).rglob("*") if path.is_file()) if Path(folder).exists() else []


def test_a_table_its_model_and_its_explanation_live_in_the_bucket(
    bucket, logged_in, client, user, make_trained_model, make_explanation
):
    model = make_trained_model(user)
    explanation = make_explanation(model, row=3)  # with its trust checks (stability, curves)
    dataset = model.dataset

    keys = bucket()
    assert dataset.file.name in keys and dataset.file.name.startswith("datasets/")
    for name in ("pipeline.joblib", "rows.npz", "confusion.svg"):
        assert f"models/{model.pk}/{name}" in keys
    assert any(key.startswith(f"models/{model.pk}/lime-") for key in keys)  # LIME's statistics
    for name in ("weights.svg", "stability.svg", "kernel.svg", "curves.svg"):
        assert f"explanations/{explanation.pk}/{name}" in keys

    chart = logged_in.get(reverse("explanations:chart", args=[explanation.pk]))
    assert (chart.status_code, chart["Content-Type"]) == (200, "image/svg+xml")
    assert b"".join(chart.streaming_content).startswith(b"<?xml")
    curves = logged_in.get(reverse("explanations:diagnostic", args=[explanation.pk, "curves"]))
    assert curves.status_code == 200
    confusion = logged_in.get(reverse("classifiers:confusion", args=[model.pk]))
    assert (confusion.status_code, confusion["Content-Type"]) == (200, "image/svg+xml")
    link = explanation_services.share_link_create(user=user, explanation=explanation)
    shared = client.get(reverse("shared:chart", args=[link.token]))
    assert (shared.status_code, shared["Content-Type"]) == (200, "image/svg+xml")

    assert _files_under(django_settings.MEDIA_ROOT) == []  # not one file on this machine's media disk
    cached = _files_under(django_settings.FILE_CACHE_DIR)  # downloads kept for the next job, not media
    assert cached and all(path.suffix != ".partial" for path in cached)


def test_a_model_is_downloaded_once_and_read_again_after_it_is_retrained(bucket, user, make_trained_model):
    model = make_trained_model(user)
    artifacts._cached.cache_clear()  # a fresh worker process: only the disk cache remains
    artifacts.model_pipeline(model)
    cached = _files_under(django_settings.FILE_CACHE_DIR)
    artifacts._cached.cache_clear()
    first = artifacts.model_pipeline(model)
    assert _files_under(django_settings.FILE_CACHE_DIR) == cached  # no second download
    assert artifacts.model_pipeline(model) is first  # and held in this process

    # Trained again with another seed: other bytes under the same names (the same bytes would be
    # the same ETag, and rightly the same cached copy).
    TrainedModel.objects.filter(pk=model.pk).update(random_state=1, status=JobStatus.QUEUED)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    again = artifacts.model_pipeline(model)
    assert again is not first  # a new version in the bucket is a new entry, never the stale copy
    assert again.steps[-1][1].random_state == 1


def _pictures_zip() -> bytes:
    """Twelve 32 x 32 PNGs, six red and six blue."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for label, channel in (("red", 0), ("blue", 2)):
            for i in range(6):
                image = np.full((32, 32, 3), 30 + 10 * i, dtype=np.uint8)
                image[:, :, channel] = 220
                png = io.BytesIO()
                Image.fromarray(image).save(png, format="PNG")
                archive.writestr(f"{label}/{i}.png", png.getvalue())
    return buffer.getvalue()


def test_an_image_dataset_its_features_and_its_overlay_live_in_the_bucket(
    bucket, logged_in, user, make_explanation, django_capture_on_commit_callbacks
):
    dataset = services.dataset_create(owner=user, upload=SimpleUploadedFile("pictures.zip", _pictures_zip()))
    assert (dataset.kind, dataset.n_rows) == ("image", 12)
    model = services.model_train_request(
        dataset=dataset, target="class", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded and model.params["features"] == "network", model.message
    explanation = make_explanation(model, row=0, num_samples=100, segmenter="slic")

    keys = bucket()
    folder = services.dataset_image_folder(dataset)
    assert [key for key in keys if key.startswith(f"{folder}/") and key.endswith(".png")] == sorted(
        f"{folder}/{index}.png" for index in range(12)
    )
    assert f"{folder}/features-{NETWORK}.npy" in keys  # the network's features, kept for the next model
    for name in ("overlay", "positive", "boundaries", "heatmap", "segments"):
        assert f"explanations/{explanation.pk}/{name}.png" in keys
    assert f"explanations/{explanation.pk}/curves.svg" in keys  # the trust check read segments.png back

    thumbnail = logged_in.get(reverse("classifiers:image", args=[dataset.pk, 0]))
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/png")
    overlay = logged_in.get(reverse("explanations:picture", args=[explanation.pk, "overlay"]))
    assert overlay.status_code == 200
    assert Image.open(io.BytesIO(b"".join(overlay.streaming_content))).size == (32, 32)

    assert _files_under(django_settings.MEDIA_ROOT) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_delete(dataset=dataset)  # a deleted dataset leaves nothing in the bucket
    assert bucket() == []
