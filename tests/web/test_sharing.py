"""Share links, the demo gallery, accounts, deletion and exports (issue 8)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from classifiers import runs as classifier_runs
from classifiers.models import Dataset, TrainedModel
from explanations import services
from explanations.exports import safe_cell
from explanations.models import Explanation, ShareLink
from limelight.explainers.conditions import condition_in_words
from tests.conftest import PASSWORD, csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.fixture
def explanation(make_trained_model, make_explanation, user):
    return make_explanation(make_trained_model(user), row=3)


@pytest.fixture
def link(explanation, user):
    return services.share_link_create(user=user, explanation=explanation)


def test_a_share_link_opens_without_login_and_shows_only_the_result(client, link, explanation):
    response = client.get(reverse("shared:view", args=[link.token]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert f'<strong class="predicted">{explanation.label_name}</strong>' in response.text
    assert "this model is right" in response.text  # the model's summary, beside its baseline
    for owner_url in ("/datasets/", "/models/", "My data", "Log out"):
        assert owner_url not in response.text
    chart = client.get(reverse("shared:chart", args=[link.token]))
    assert (chart.status_code, chart["Content-Type"]) == (200, "image/svg+xml")
    assert chart["X-Robots-Tag"] == "noindex, nofollow"


def test_tokens_are_long_random_and_distinct(link, explanation, user):
    second = services.share_link_create(user=user, explanation=explanation)
    assert len(link.token) >= 43 and link.token != second.token  # 32 random bytes, base64url


@pytest.mark.parametrize("name", ["view", "present", "chart", "confusion", "export"])
def test_unknown_revoked_and_expired_tokens_are_404(client, link, user, explanation, name):
    def url(token):
        args = [token, "csv"] if name == "export" else [token]
        return reverse(f"shared:{name}", args=args)

    assert client.get(url(link.token)).status_code == 200
    assert client.get(url("x" * 43)).status_code == 404
    expired = services.share_link_create(user=user, explanation=explanation, expires_in_days=1)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url(expired.token)).status_code == 404
    services.share_link_revoke(link=link)
    assert client.get(url(link.token)).status_code == 404


def test_revoking_one_link_leaves_the_others_working(logged_in, client, link, explanation, user):
    other = services.share_link_create(user=user, explanation=explanation)
    response = logged_in.post(reverse("explanations:revoke", args=[link.pk]), follow=True)
    assert "The link has stopped working." in response.text
    assert Client().get(reverse("shared:view", args=[link.token])).status_code == 404
    assert Client().get(reverse("shared:view", args=[other.token])).status_code == 200


def test_owner_creates_links_from_the_result_page_with_an_expiry(logged_in, explanation):
    response = logged_in.post(reverse("explanations:share", args=[explanation.pk]), {"days": "7"}, follow=True)
    link = ShareLink.objects.get()
    assert abs((link.expires_at - timezone.now()) - timedelta(days=7)) < timedelta(minutes=1)
    assert reverse("shared:view", args=[link.token]) in response.text


def test_a_models_overview_can_be_shared(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    logged_in.post(reverse("explanations:share_model", args=[model.pk]))
    link = ShareLink.objects.get(model=model)
    page = Client().get(reverse("shared:view", args=[link.token]))
    assert page.status_code == 200
    assert "balanced accuracy" in page.text and "/datasets/" not in page.text
    assert Client().get(reverse("shared:confusion", args=[link.token])).status_code == 200


def test_someone_else_cannot_revoke_my_link(client, link, other_user):
    client.force_login(other_user)
    assert client.post(reverse("explanations:revoke", args=[link.pk])).status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def id_patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every named URL (namespace:name) whose pattern takes an integer id."""
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in ("classifiers", "explanations"):
            names += id_patterns(entry, entry.namespace + ":")
        elif isinstance(entry, URLPattern) and prefix and "<int:" in str(entry.pattern):
            names.append(prefix + entry.name)
    return names


def test_every_url_that_takes_an_id_is_404_for_another_user(
    client, make_trained_model, make_explanation, user, other_user
):
    model = make_trained_model(user)
    explanation = make_explanation(model, row=1)
    second = make_explanation(model, row=2)
    link = services.share_link_create(user=user, explanation=explanation)
    overview = services.overview_request(model=model, dispatch=False)
    report = services.report_request(model=model, dispatch=False)
    dataset = model.dataset
    table = {
        "classifiers:dataset": [dataset.pk],
        "classifiers:dataset_status": [dataset.pk],
        "classifiers:roles": [dataset.pk],
        "classifiers:delete": [dataset.pk],
        "classifiers:train": [dataset.pk],
        "classifiers:sheet": [dataset.pk],
        "classifiers:model": [model.pk],
        "classifiers:model_status": [model.pk],
        "classifiers:confusion": [model.pk],
        "classifiers:retrain_without": [model.pk],
        "classifiers:side_by_side": [model.pk, model.pk],
        "classifiers:actual_predicted": [model.pk],
        "classifiers:image": [dataset.pk, 0],
        "explanations:picture": [explanation.pk, "overlay"],
        "explanations:diagnostic": [explanation.pk, "stability"],
        "explanations:diagnosis_status": [explanation.pk],
        "explanations:request": [model.pk],
        "explanations:what_if": [model.pk],
        "explanations:share_model": [model.pk],
        "explanations:revoke": [link.pk],
        "explanations:detail": [explanation.pk],
        "explanations:status": [explanation.pk],
        "explanations:chart": [explanation.pk],
        "explanations:present": [explanation.pk],
        "explanations:export": [explanation.pk, "csv"],
        "explanations:share": [explanation.pk],
        "explanations:share_preview": [explanation.pk],
        "explanations:compare_request": [explanation.pk],
        "explanations:pair_request": [explanation.pk],
        "explanations:why_not": [explanation.pk],
        "explanations:compare": [explanation.pk, second.pk],
        "explanations:what_if_curve": [explanation.pk],
        "explanations:what_if_chart": [explanation.pk],
        "explanations:overview_request": [model.pk],
        "explanations:overview": [overview.pk],
        "explanations:overview_status": [overview.pk],
        "explanations:report_request": [model.pk],
        "explanations:report": [report.pk],
        "explanations:report_status": [report.pk],
        "explanations:report_chart": [report.pk, "importance.svg"],
        "explanations:report_download": [report.pk],
        "explanations:report_share": [report.pk],
    }
    assert sorted(id_patterns(get_resolver())) == sorted(table)  # a new URL must join this table
    client.force_login(other_user)
    for name, args in table.items():
        url = reverse(name, args=args)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"row": "1", "model": model.pk}).status_code == 404, name
    assert Dataset.objects.count() == 1 and Explanation.objects.count() == 2
    assert ShareLink.objects.get().revoked_at is None


def test_deleting_a_dataset_removes_models_explanations_links_and_files(
    logged_in, make_trained_model, make_explanation, user, django_capture_on_commit_callbacks
):
    model = make_trained_model(user)
    explanation = make_explanation(model, row=0)
    services.share_link_create(user=user, explanation=explanation)
    media = Path(settings.MEDIA_ROOT)
    files = [
        Path(model.dataset.file.path),
        media / model.artifact,
        media / "explanations" / str(explanation.pk),
    ]
    assert all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(reverse("classifiers:delete", args=[model.dataset.pk]), follow=True)
    assert "Deleted risk.csv" in response.text
    assert [path.exists() for path in files] == [False, False, False]
    counts = [m.objects.count() for m in (Dataset, TrainedModel, Explanation, ShareLink)]
    assert counts == [0, 0, 0, 0]


def test_exports_neutralise_formula_cells_and_keep_numbers(logged_in, make_dataset, make_explanation, user):
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel as Model
    from jobs.services import job_run

    frame = risk_table().rename(columns={"city": '=HYPERLINK("http://x")', "smoker": "@smoker"})
    dataset = make_dataset(user, csv_bytes(frame))
    model = classifier_services.model_train_request(
        dataset=dataset, target="risk", classifier="random_forest", dispatch=False
    )
    job_run(model=Model, pk=model.pk, work=classifier_runs.model_train)
    explanation = make_explanation(Model.objects.get(pk=model.pk), row=0, num_features=4)
    response = logged_in.get(reverse("explanations:export", args=[explanation.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="limelight-explanation-{explanation.pk}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    features = {row["feature"] for row in rows}
    assert features == {"age", "weight", "'@smoker", '\'=HYPERLINK("http://x")'}
    for row in rows:
        float(row["weight"])  # numbers stay numbers, negative ones included
        assert not row["condition"].startswith(("=", "+", "-", "@"))
    assert safe_cell(-0.5) == -0.5 and safe_cell("-x") == "'-x" and safe_cell("\tx") == "'\tx"


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("json", "application/json", b"{"),
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
    ],
)
def test_chart_and_numbers_download(logged_in, explanation, fmt, content_type, start):
    response = logged_in.get(reverse("explanations:export", args=[explanation.pk, fmt]))
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    if fmt == "json":
        assert json.loads(response.content)["explanation"]["weights"] == explanation.result["weights"]


def test_present_view_has_the_key_sentence(logged_in, explanation):
    page = logged_in.get(reverse("explanations:present", args=[explanation.pk]))
    first = condition_in_words(explanation.result["weights"][0]["condition"])  # "age 39 or less", not "age <= 39.00"
    assert "mostly because" in page.text and first in page.text


def test_compare_explains_the_same_row_with_another_model(
    logged_in, explanation, user, django_capture_on_commit_callbacks
):
    from classifiers import services as classifier_services
    from jobs.services import job_run

    other = classifier_services.model_train_request(
        dataset=explanation.model.dataset, target="risk", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=other.pk, work=classifier_runs.model_train)
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in.post(reverse("explanations:compare_request", args=[explanation.pk]), {"model": other.pk})
    second = Explanation.objects.exclude(pk=explanation.pk).get()
    assert (second.model_id, second.row_index) == (other.pk, explanation.row_index)
    assert response.url == reverse("explanations:compare", args=[explanation.pk, second.pk])
    page = logged_in.get(response.url)
    assert page.text.count('class="card"') >= 2 and "Logistic regression" in page.text


def test_a_post_without_csrf_token_is_refused_and_creates_nothing(user, risk_csv):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("classifiers:upload"), {"file": SimpleUploadedFile("a.csv", risk_csv)})
    assert response.status_code == 403
    assert Dataset.objects.count() == 0


def test_change_password(logged_in, user):
    response = logged_in.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-Long-passw0rd",
            "new_password2": "another-Long-passw0rd",
        },
        follow=True,
    )
    assert "Password changed" in response.text
    user.refresh_from_db()
    assert user.check_password("another-Long-passw0rd")


def test_login_is_throttled_after_repeated_wrong_passwords(client, user):
    url = reverse("accounts:login")
    for _ in range(4):
        assert client.post(url, {"username": "ada", "password": "wrong"}).status_code == 200
    fifth = client.post(url, {"username": "ada", "password": "wrong"})  # the 5th wrong one locks
    assert fifth.status_code == 429 and "Too many wrong passwords" in fifth.text
    blocked = client.post(url, {"username": "ada", "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many wrong passwords" in blocked.text


def test_load_demos_builds_a_public_gallery_once(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demos", stdout=io.StringIO())
    links = ShareLink.objects.filter(is_gallery=True).count()
    call_command("load_demos", stdout=io.StringIO())
    assert ShareLink.objects.filter(is_gallery=True).count() == links > 0
    gallery = client.get(reverse("shared:gallery"))
    tokens = [link.token for link in ShareLink.objects.all()]
    assert all(reverse("shared:view", args=[token]) in gallery.text for token in tokens)
    assert all(client.get(reverse("shared:view", args=[t])).status_code == 200 for t in tokens)


def test_cli_share_prints_a_working_link(client, risk_csv_path):
    out = io.StringIO()
    call_command("explain", str(risk_csv_path), "--row", "2", "--share", "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["share_url"].startswith("http://127.0.0.1:8000/s/")
    path = document["share_url"].removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
