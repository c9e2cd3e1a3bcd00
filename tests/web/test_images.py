"""Image ZIPs: upload safely, train, explain with superpixels (issue 5)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.models import Dataset, TrainedModel
from explanations.models import Explanation
from jobs.services import job_run
from limelight.images.demos import demo_archive_bytes, demo_images
from tests.conftest import SHAPES_IOU_FLOOR, SHAPES_IOU_ROW

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def png_bytes(colour=(200, 30, 30), size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def shapes(user):
    """The shapes demo, through the same path as an upload; as the demo, its true shapes are known."""
    return services.dataset_create_demo(owner=user, slug="shapes")


@pytest.fixture
def image_model(shapes):
    model = services.model_train_request(
        dataset=shapes, target="class", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def test_a_zip_upload_shows_class_counts_and_thumbnails(logged_in):
    response = logged_in.post(
        reverse("classifiers:upload"),
        {"file": SimpleUploadedFile("shapes.zip", demo_archive_bytes())},
        follow=True,
    )
    dataset = Dataset.objects.get()
    assert (dataset.kind, dataset.n_rows, dataset.n_columns) == ("image", 120, 3)
    for shape in ("circles", "squares", "triangles"):
        assert f'<h3>{shape} <span class="muted">(40 images)</span></h3>' in response.text
    assert response.text.count(f"/datasets/{dataset.pk}/images/") == 24  # 8 thumbnails per class
    thumbnail = logged_in.get(reverse("classifiers:image", args=[dataset.pk, 0]))
    assert thumbnail["Content-Type"] == "image/png"


def test_images_are_stored_under_our_own_names_only(shapes):
    folder = services.dataset_image_folder(shapes)  # a name in the storage
    assert folder.startswith("datasets/") and shapes.name not in folder
    assert sorted(default_storage.listdir(folder)[1])[:3] == ["0.png", "1.png", "10.png"]
    assert [image["name"] for image in shapes.images] == sorted(image["name"] for image in shapes.images)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"cats/a.png": png_bytes()}, "two"),
        ({"../evil/a.png": png_bytes(), "cats/b.png": png_bytes()}, "two"),
        ({}, "empty"),
    ],
)
def test_bad_zips_get_a_readable_message_and_nothing_is_kept(logged_in, members, message):
    response = logged_in.post(reverse("classifiers:upload"), {"file": SimpleUploadedFile("x.zip", zip_bytes(members))})
    assert response.status_code == 400
    assert message in response.text.lower()
    assert Dataset.objects.count() == 0
    assert list((Path(settings.MEDIA_ROOT) / "datasets").glob("*")) == []


def test_files_that_are_not_images_are_reported_by_name(logged_in):
    members = {
        "cats/a.png": png_bytes(),
        "cats/b.png": png_bytes(),
        "dogs/c.png": png_bytes((20, 20, 200)),
        "dogs/d.png": png_bytes((20, 20, 200)),
        "dogs/notes.txt": b"hello",
    }
    response = logged_in.post(
        reverse("classifiers:upload"),
        {"file": SimpleUploadedFile("pets.zip", zip_bytes(members))},
        follow=True,
    )
    dataset = Dataset.objects.get()
    assert dataset.n_rows == 4
    assert any("notes.txt" in reason for reason in dataset.skipped)
    assert "notes.txt" in response.text


def _iou_by_hand(result: dict, truth: np.ndarray, top: int = 5) -> float:
    """IoU of the ``top`` regions with a positive weight and the true shape, from the stored label map."""
    segments = np.asarray(Image.open(Path(settings.MEDIA_ROOT) / result["segments_path"]))
    chosen = [w["segment"] for w in result["weights"] if w["weight"] > 0][:top]
    found = np.isin(segments, chosen)
    return float((found & truth).sum() / (found | truth).sum())


def test_an_image_model_trains_and_explains_the_shape(logged_in, image_model, make_explanation):
    assert image_model.metrics["accuracy"] > 0.6
    page = logged_in.get(reverse("classifiers:model", args=[image_model.pk]))
    assert f"/datasets/{image_model.dataset.pk}/images/0.png" in page.text
    explanation = make_explanation(image_model, row=SHAPES_IOU_ROW, num_samples=300, segmenter="slic")
    result = explanation.result
    assert result["segments"] > 5 and len(result["weights"]) == 10
    demo = demo_images()
    name = image_model.dataset.images[SHAPES_IOU_ROW]["name"]
    index = [demo.member(i) for i in range(len(demo.labels))].index(name)
    iou = _iou_by_hand(result, demo.masks[index], top=explanation.top_segments)
    assert iou >= SHAPES_IOU_FLOOR
    assert result["iou"] == pytest.approx(iou)
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk]))
    assert "Which regions of the image pushed the prediction" in page.text
    shown = re.search(r"intersection-over-union of <strong>([0-9.]+)</strong>", page.text)
    assert shown and float(shown[1]) == pytest.approx(iou, abs=0.005)
    overlay = logged_in.get(reverse("explanations:picture", args=[explanation.pk, "overlay"]))
    assert overlay["Content-Type"] == "image/png"
    original = services.dataset_image(image_model.dataset, SHAPES_IOU_ROW)
    assert Image.open(io.BytesIO(b"".join(overlay.streaming_content))).size == original.shape[1::-1]


def test_image_explanations_refuse_anchors_and_own_values(image_model):
    from explanations import services as explanation_services

    with pytest.raises(explanation_services.RequestError):
        explanation_services.explanation_request(model=image_model, row_index=0, explainer="anchor")
    with pytest.raises(explanation_services.RequestError):
        explanation_services.explanation_request(model=image_model, custom_values={"x": 1})


def test_cli_explains_an_image_by_index_or_path(tmp_path):
    path = tmp_path / "shapes.zip"
    path.write_bytes(demo_archive_bytes())
    out = io.StringIO()
    call_command(
        "explain", str(path), "--classifier", "logistic_regression", "--explainer", "lime",
        "--row", "circles/circle_003.png", "--num-samples", "200", "--json", stdout=out,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    assert document["dataset"]["kind"] == "image"
    assert document["instance"]["path"] == "circles/circle_003.png"
    explanation = document["explanation"]
    segments = np.asarray(Image.open(explanation["segments_path"]))
    assert segments.max() + 1 == explanation["segments"]
    assert Path(explanation["overlay_path"]).is_file()
    assert {"segment", "weight"} == set(explanation["weights"][0])
    assert Explanation.objects.get().row_index == document["instance"]["row"]


def test_training_images_through_the_form(logged_in, shapes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in.post(
            reverse("classifiers:train", args=[shapes.pk]),
            {"classifier": "svm", "features": "color_histogram", "image_size": "32"},
        )
    model = TrainedModel.objects.get()
    assert response.url == reverse("classifiers:model", args=[model.pk])
    assert (model.classifier, model.params) == ("svm", {"features": "color_histogram", "image_size": 32})
    refused = logged_in.post(
        reverse("classifiers:train", args=[shapes.pk]), {"classifier": "knn", "features": "hog", "image_size": "32"}
    )
    assert refused.status_code == 400 and TrainedModel.objects.count() == 1


def test_cli_takes_the_image_settings_the_form_takes(tmp_path):
    path = tmp_path / "shapes.zip"
    path.write_bytes(demo_archive_bytes())
    out = io.StringIO()
    call_command(
        "explain", str(path), "--classifier", "logistic_regression", "--image-features", "color_histogram",
        "--explainer", "lime", "--row", "3", "--num-samples", "200", "--segmenter", "slic",
        "--segment-param", "n_segments=30", "--hide-color", "black", "--top-segments", "3", "--no-diagnostics",
        "--json", stdout=out,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    explanation = Explanation.objects.get(pk=document["explanation"]["id"])
    assert explanation.model.params["features"] == "color_histogram"
    assert (explanation.segmenter, explanation.hide_color, explanation.top_segments) == ("slic", "black", 3)
    assert explanation.segment_params == {"n_segments": 30.0}


def test_image_exports_name_pictures_by_url_never_by_server_path(logged_in, image_model, make_explanation, user):
    from explanations import services as explanation_services

    explanation = make_explanation(image_model, row=0, num_samples=100, segmenter="slic", diagnostics=False)
    link = explanation_services.share_link_create(user=user, explanation=explanation)
    owner = logged_in.get(reverse("explanations:export", args=[explanation.pk, "json"]))
    anonymous = Client()
    shared = anonymous.get(reverse("shared:export", args=[link.token, "json"]))
    for response, picture in ((owner, "explanations:picture"), (shared, "shared:picture")):
        assert str(settings.MEDIA_ROOT) not in response.text and "_path" not in response.text
        document = json.loads(response.content)["explanation"]
        key = explanation.pk if picture.startswith("explanations") else link.token
        assert document["overlay_url"] == "http://testserver" + reverse(picture, args=[key, "overlay"])
        assert document["segments_url"] == "http://testserver" + reverse(picture, args=[key, "segments"])
        browser = anonymous if response is shared else logged_in
        fetched = browser.get(document["overlay_url"].removeprefix("http://testserver"))
        assert (fetched.status_code, fetched["Content-Type"]) == (200, "image/png")
    name = image_model.dataset.images[0]["name"]
    assert name not in shared.text and json.loads(shared.content)["instance"] == {}


def _drawn_zip(draw) -> bytes:
    """Twelve 32 x 32 PNGs, six per class, each drawn by ``draw(class, i)``."""
    members = {}
    for label in ("one", "two"):
        for i in range(6):
            buffer = io.BytesIO()
            Image.fromarray(draw(label, i)).save(buffer, format="PNG")
            members[f"{label}/{i}.png"] = buffer.getvalue()
    return zip_bytes(members)


def _colours(label, i):
    channel = 0 if label == "one" else 2
    image = np.full((32, 32, 3), 40 + 10 * i, dtype=np.uint8)
    image[:, :, channel] = 220
    return image


def _shapes(label, i):
    y, x = np.mgrid[:32, :32]
    on = (x + 3 * i) % 8 < 4 if label == "one" else (x - 16) ** 2 + (y - 16) ** 2 < (6 + i) ** 2
    return np.where(on[:, :, None], 250, 10).astype(np.uint8).repeat(3, axis=2)


def test_two_image_datasets_of_the_same_size_never_share_stored_features(user):
    """The network's features are kept with a dataset's images for its next model. Two uploads
    with the same name, number and size of images must each get the features of their own images."""
    from limelight.images.network import network

    datasets = [
        services.dataset_create(owner=user, upload=SimpleUploadedFile("pictures.zip", _drawn_zip(draw)))
        for draw in (_colours, _shapes)
    ]
    assert [d.n_rows for d in datasets] == [12, 12]
    for dataset in datasets:
        model = services.model_train_request(
            dataset=dataset, target="class", classifier="logistic_regression", dispatch=False
        )
        job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
        model.refresh_from_db()
        assert model.succeeded and model.params["features"] == "network", model.message

    stored = sorted(Path(settings.MEDIA_ROOT).rglob("features-*.npy"))
    assert len(stored) == 2  # one file each
    by_content = {path: np.load(path) for path in stored}
    for dataset in datasets:
        own = network().features([services.dataset_image(dataset, i) for i in range(dataset.n_rows)])
        matching = [path for path, rows in by_content.items() if np.allclose(rows, own, atol=1e-4)]
        assert len(matching) == 1, dataset.name
