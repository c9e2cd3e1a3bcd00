"""What a share link reveals (issue 16): the explanation, the prediction and the model's columns;
which row, its true value and the file name only when ticked; never the file's other columns,
a database id or a path on the server. Model links are listed and can be stopped."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import Dataset, TrainedModel
from explanations import services
from explanations.disclosure import Disclosure
from explanations.models import Diagnosis, Explanation, ModelOverview, ShareLink
from jobs.services import job_run
from tests.conftest import csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]

FILE_NAME = "ward7-qzx-admissions.csv"
ROW = 3
EXPORTS = ("json", "csv", "png", "svg")


def private_table():
    """The risk table with two identifiers the model must not use: distinctive strings, one per row."""
    frame = risk_table()
    frame.insert(0, "patient_name", [f"Zebulon Quaxworth-{i:03d}" for i in range(len(frame))])
    frame.insert(1, "ssn", [f"987-65-{4000 + i}" for i in range(len(frame))])
    return frame


SECRETS = [*private_table()["patient_name"], *private_table()["ssn"]]


@pytest.fixture
def private_model(make_dataset, user):
    dataset = make_dataset(user, csv_bytes(private_table()), name=FILE_NAME)
    model = classifier_services.model_train_request(
        dataset=dataset, target="risk", classifier="random_forest", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    assert not {"patient_name", "ssn", "patient_id"} & set(model.features)  # identifiers, left out
    return model


@pytest.fixture
def private_explanation(private_model, make_explanation):
    explanation = make_explanation(private_model, row=ROW, num_samples=500)
    assert explanation.instance["patient_name"] == SECRETS[ROW]  # the owner's own record has the whole row
    return explanation


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return (
        content.decode("utf-8", errors="replace") if not content.startswith(b"\x89PNG") else content.decode("latin-1")
    )


def everything_shared(client: Client, token: str) -> dict[str, str]:
    """The anonymous shared page, its present view and every export, as text."""
    pages = {
        "page": reverse("shared:view", args=[token]),
        "present": reverse("shared:present", args=[token]),
        **{fmt: reverse("shared:export", args=[token, fmt]) for fmt in EXPORTS},
    }
    found = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = body(response)
        if name in EXPORTS:
            assert response["Content-Disposition"] == f'attachment; filename="limelight-explanation.{name}"'
    return found


def assert_no_secrets(found: dict[str, str]) -> None:
    for name, text in found.items():
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{name} shows {leaked[:3]}"
        if name != "png":  # compressed pixels: any three letters may turn up
            assert "patient_name" not in text and "ssn" not in text, name
        assert str(settings.MEDIA_ROOT) not in text and str(settings.DATA_DIR) not in text, name


def ids_in(document) -> list[str]:
    """Every key named "id" anywhere in a JSON document."""
    if isinstance(document, dict):
        return [key for key in document if key == "id"] + [k for v in document.values() for k in ids_in(v)]
    if isinstance(document, list):
        return [k for v in document for k in ids_in(v)]
    return []


TRUE_VALUE_ROW = '<th scope="row">risk</th>'


@pytest.mark.parametrize("explainer", ["lime", "anchor"])
def test_a_shared_result_shows_only_the_models_columns_and_the_prediction(
    client, private_model, make_explanation, user, explainer
):
    explanation = make_explanation(private_model, row=ROW, explainer=explainer, num_samples=500)
    link = services.share_link_create(user=user, explanation=explanation)
    found = everything_shared(client, link.token)
    assert_no_secrets(found)
    page = found["page"]
    assert f'<strong class="predicted">{explanation.label_name}</strong>' in page
    for name in private_model.features:  # the model's columns are what the explanation needs
        assert f'<th scope="row">{name}</th>' in page
    assert TRUE_VALUE_ROW not in page  # the true value is not shown unless ticked
    assert FILE_NAME not in "".join(found.values())
    assert f"row {ROW + 1}" not in page and "this row" in page
    document = json.loads(found["json"])
    assert ids_in(document) == []
    assert set(document["instance"]) == {"values"}  # no row number
    assert list(document["instance"]["values"]) == private_model.features
    assert "name" not in document["dataset"]
    assert document["prediction"]["label"] in private_model.class_names


def test_each_ticked_option_adds_exactly_its_own_thing(client, private_explanation, user):
    truth = private_explanation.instance["risk"]
    plain = everything_shared(client, services.share_link_create(user=user, explanation=private_explanation).token)
    for option in ("row_label", "true_value", "file_name"):
        link = services.share_link_create(
            user=user, explanation=private_explanation, disclosure=Disclosure(**{option: True})
        )
        found = everything_shared(client, link.token)
        assert_no_secrets(found)
        page, document = found["page"], json.loads(found["json"])
        # as the file numbers it, with its row label (patient_id) when the file names its rows
        assert (f"this for row {ROW + 1} (" in page) == (option == "row_label")
        assert (document["instance"].get("row") == ROW) == (option == "row_label")
        assert (f"{TRUE_VALUE_ROW}<td>{truth}</td>" in page) == (option == "true_value")
        assert (document["instance"]["values"].get("risk") == truth) == (option == "true_value")
        assert (FILE_NAME in page) == (document["dataset"].get("name") == FILE_NAME) == (option == "file_name")
        assert found["csv"] == plain["csv"] and found["png"] == plain["png"]  # the numbers say no more
        assert ids_in(document) == []


def test_the_share_form_has_three_unticked_options_and_a_preview_of_exactly_the_link(logged_in, private_explanation):
    truth = private_explanation.instance["risk"]
    detail = logged_in.get(reverse("explanations:detail", args=[private_explanation.pk])).text
    boxes = re.findall(r'<input type="checkbox" name="(show_\w+)"[^>]*>', detail)
    assert boxes == ["show_row_label", "show_true_value", "show_file_name"]
    assert "checked" not in "".join(re.findall(r'<input type="checkbox" name="show_\w+"[^>]*>', detail))
    assert f"Which row it is: row {ROW + 1}" in detail and f"Its true “risk”: {truth}" in detail and FILE_NAME in detail
    assert "the file's other columns (patient_name, ssn, patient_id)" in detail

    options = {"days": "7", "show_true_value": "on"}
    preview = logged_in.post(reverse("explanations:share_preview", args=[private_explanation.pk]), options)
    assert preview.status_code == 200 and "Preview:" in preview.text
    assert ShareLink.objects.count() == 0  # a preview creates nothing
    logged_in.post(reverse("explanations:share", args=[private_explanation.pk]), options)
    link = ShareLink.objects.get()
    assert (link.show_row_label, link.show_true_value, link.show_file_name) == (False, True, False)
    assert abs((link.expires_at - timezone.now()) - timedelta(days=7)) < timedelta(minutes=1)
    shared = Client().get(reverse("shared:view", args=[link.token])).text

    def main(page: str) -> list[str]:  # the heading and the case's values, as the reader sees them
        return re.findall(r"<h1>.*?</h1>|<table class=\"list compact values\">.*?</table>", page, re.S)

    assert main(preview.text) == main(shared) and f"{TRUE_VALUE_ROW}<td>{truth}</td>" in shared

    logged_in.post(reverse("explanations:share", args=[private_explanation.pk]), {"days": ""})
    newest = ShareLink.objects.latest("pk")
    assert (newest.show_row_label, newest.show_true_value, newest.show_file_name, newest.expires_at) == (
        False,
        False,
        False,
        None,
    )


def test_no_stored_result_or_owner_export_holds_a_server_path(logged_in, private_explanation):
    services.overview_request(model=private_explanation.model, dispatch=False)
    stored = "".join(
        serializers.serialize("json", model.objects.all())
        for model in (Dataset, TrainedModel, Explanation, Diagnosis, ModelOverview, ShareLink)
    )
    assert Diagnosis.objects.exists() and str(settings.MEDIA_ROOT) not in stored
    for fmt in EXPORTS:
        response = logged_in.get(reverse("explanations:export", args=[private_explanation.pk, fmt]))
        assert response.status_code == 200
        assert str(settings.MEDIA_ROOT) not in body(response), fmt


def model_urls(token: str) -> list[str]:
    return [
        reverse("shared:view", args=[token]),
        reverse("shared:present", args=[token]),
        reverse("shared:chart", args=[token]),
        reverse("shared:confusion", args=[token]),
        reverse("shared:picture", args=[token, "overlay"]),
        reverse("shared:diagnostic", args=[token, "stability"]),
        *(reverse("shared:export", args=[token, fmt]) for fmt in EXPORTS),
    ]


def test_model_links_are_listed_with_their_expiry_and_can_be_stopped(logged_in, private_model):
    share = reverse("explanations:share_model", args=[private_model.pk])
    logged_in.post(share, {"days": "7"})
    logged_in.post(share, {"days": "", "show_file_name": "on"})
    short, lasting = ShareLink.objects.order_by("pk")
    assert (short.model, lasting.model, short.show_file_name, lasting.show_file_name) == (
        private_model,
        private_model,
        False,
        True,
    )
    page = logged_in.get(reverse("classifiers:model", args=[private_model.pk])).text
    for link in (short, lasting):
        assert f"{reverse('shared:view', args=[link.token])}" in page
        assert reverse("explanations:revoke", args=[link.pk]) in page
    assert f"until {timezone.localtime(short.expires_at):%-d %b %Y}" in page and "no expiry" in page

    anonymous = Client()
    plain = anonymous.get(reverse("shared:view", args=[short.token]))
    assert plain.status_code == 200 and "balanced accuracy" in plain.text
    assert FILE_NAME not in plain.text and FILE_NAME in anonymous.get(reverse("shared:view", args=[lasting.token])).text
    assert anonymous.get(reverse("shared:confusion", args=[short.token])).status_code == 200

    response = logged_in.post(reverse("explanations:revoke", args=[short.pk]), follow=True)
    assert "The link has stopped working." in response.text
    assert "stopped" in logged_in.get(reverse("classifiers:model", args=[private_model.pk])).text
    for url in model_urls(short.token):
        gone = anonymous.get(url)
        assert gone.status_code == 404, url
        assert gone["Referrer-Policy"] == "no-referrer" and gone["X-Robots-Tag"] == "noindex, nofollow", url
    assert anonymous.get(reverse("shared:view", args=[lasting.token])).status_code == 200


def test_every_404_under_the_shared_prefix_sends_no_referrer(client, private_explanation, user):
    link = services.share_link_create(user=user, explanation=private_explanation)
    services.share_link_revoke(link=link)
    prefix = reverse("shared:view", args=["t"]).removesuffix("t/")
    urls = [*model_urls(link.token), *model_urls("x" * 43), prefix, prefix + "nothing/here", prefix + "t/nothing"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert response["X-Robots-Tag"] == "noindex, nofollow", url
    assert client.get(reverse("classifiers:home")).get("Referrer-Policy") == "same-origin"  # elsewhere: unchanged


def columns_shown(page: str) -> list[str]:
    """The column names in the table of the case's values, in the order the page lists them."""
    (table,) = re.findall(r'<table class="list compact values">(.*?)</table>', page, re.S)
    return re.findall(r'<th scope="row">(.*?)</th>', table)


def test_a_shared_page_lists_exactly_the_models_columns_never_the_row_label(
    client, private_model, private_explanation, user
):
    # The file names its rows by patient_id: the owner's page shows it, a share link never
    # does (ticking "which row" says "row 4 (1003)" in the heading, not as a value of the case),
    # and no column the model uses is left out. With the true value ticked, the target is added.
    assert private_model.dataset.row_label == "patient_id"
    assert "patient_id" in private_explanation.instance and "patient_id" not in private_model.features
    owner = Client()
    owner.force_login(user)
    owners_page = owner.get(reverse("explanations:detail", args=[private_explanation.pk])).text
    assert "patient_id" in columns_shown(owners_page)
    for disclosure, expected in (
        (Disclosure(), private_model.features),
        (Disclosure(row_label=True, file_name=True), private_model.features),
        (Disclosure(true_value=True), [*private_model.features, "risk"]),
    ):
        link = services.share_link_create(user=user, explanation=private_explanation, disclosure=disclosure)
        page = client.get(reverse("shared:view", args=[link.token])).text
        assert columns_shown(page) == expected, disclosure
        document = json.loads(body(client.get(reverse("shared:export", args=[link.token, "json"]))))
        assert list(document["instance"]["values"]) == expected, disclosure
