"""The whole model at a glance (issue 27): the report job, its page, its download and its share link.

The job runs in this process through the worker's own code (jobs.services.job_run, as the other web
tests do); tests/integration/test_model_report.py runs it on a real worker on the diagnostics queue.
Expected values come from the generated data: only x1 and x2 decide the class, so they must come
first; the groups' row counts are counted here from the file and the model's held-out rows.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from tests.conftest import csv_bytes

pytestmark = [pytest.mark.web, pytest.mark.django_db]

SECTIONS = (
    "The model and its baseline",
    "What the model relies on most",
    "How the prediction moves with each column",
    "Where the model is wrong",
    "Is it fair across groups?",
    "Can its explanations be trusted?",
)
REPORT_SECTIONS = (
    "summary",
    "data",
    "model",
    "importance",
    "dependence",
    "errors",
    "fairness",
    "trust",
    "explanations",
)


def two_column_table(rows: int = 300, seed: int = 3) -> pd.DataFrame:
    """Only x1 and x2 decide the class (x1 + x2 > 1), four columns of noise, and a group column
    (A or B) that follows x1, so the share predicted "yes" differs between the groups."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(0, 1, rows), rng.uniform(0, 1, rows)
    frame = pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3)})
    for i in range(1, 5):
        frame[f"noise{i}"] = rng.normal(0, 1, rows).round(3)
    frame["group"] = np.where(x1 + rng.normal(0, 0.2, rows) > 0.5, "A", "B")
    frame["label"] = np.where(x1 + x2 > 1, "yes", "no")
    return frame


@pytest.fixture
def table_model(user, make_dataset):
    from classifiers import runs
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    frame = two_column_table()
    dataset = make_dataset(user, content=csv_bytes(frame), name="two.csv")
    model = classifier_services.model_train_request(
        dataset=dataset, target="label", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model, frame


def run_report(report):
    from explanations import runs
    from explanations.models import ModelReport
    from jobs.services import job_run

    job_run(model=ModelReport, pk=report.pk, work=runs.report_run)
    report.refresh_from_db()
    return report


def ask(client, model, sensitive: str = ""):
    """The page's own form: POST, then the report's page, with the job run as a worker would."""
    from explanations.models import ModelReport

    response = client.post(reverse("explanations:report_request", args=[model.pk]), {"sensitive": sensitive})
    assert response.status_code == 302, response.content[:500]
    report = ModelReport.objects.get(pk=int(re.search(r"/whole/(\d+)/", response["Location"]).group(1)))
    return run_report(report)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def table_rows(html: str, caption_start: str) -> list[list[str]]:
    """The body cells of the table whose caption starts with ``caption_start``, as text."""
    table = re.search(r"<caption[^>]*>" + re.escape(caption_start) + r".*?</table>", html, re.S).group(0)
    body = table.split("<tbody>", 1)[1]
    return [
        [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_page_shows_every_section_with_the_answers_the_data_was_built_with(logged_in, table_model):
    from classifiers.artifacts import model_rows

    model, frame = table_model
    report = ask(logged_in, model, sensitive="group")
    assert report.succeeded, report.message

    page = logged_in.get(reverse("explanations:report", args=[report.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for heading in SECTIONS:
        assert f">{heading}</h2>" in html
    # Only x1 and x2 decide the class: they come first, the four noise columns after them.
    importance = table_rows(html, "How much the accuracy changes")
    assert {importance[0][0], importance[1][0]} == {"x1", "x2"}
    assert {row[0] for row in importance[2:]} >= {"noise1", "noise2", "noise3", "noise4"}
    # The fairness table: one row per group with its held-out rows, counted here from the file.
    held_out = ~model_rows(model).in_training
    expected = frame["group"][held_out].value_counts()
    groups = {row[0].split()[0]: int(row[1].replace(",", "")) for row in table_rows(html, "Per group of")}
    assert groups == {"A": expected["A"], "B": expected["B"]}
    # Every chart the page shows is served, as SVG.
    charts = re.findall(r'<img src="(/explanations/whole/\d+/chart/[^"]+)"', html)
    assert len(charts) == 1 + 3  # importance, and the three most important columns' dependence
    for url in charts:
        response = logged_in.get(url)
        assert (response.status_code, response["Content-Type"]) == (200, "image/svg+xml")
        assert b"<svg" in b"".join(response.streaming_content)[:2000]


def test_the_download_is_one_file_that_needs_nothing_from_anywhere(logged_in, table_model):
    model, _ = table_model
    report = ask(logged_in, model, sensitive="group")

    response = logged_in.get(reverse("explanations:report_download", args=[report.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="limelight-logistic_regression-label.html"'
    for section in REPORT_SECTIONS:
        assert f'<section id="{section}">' in html
    assert "<script" not in html.lower()
    # Nothing to fetch: every src and href is inside the file (a data: URI or an anchor).
    assert [url for url in re.findall(r'(?:src|href)="([^"]*)"', html) if not url.startswith(("data:", "#"))] == []


def test_a_report_is_reused_until_new_explanations_finish_or_another_column_is_asked(
    logged_in, table_model, make_explanation
):
    from explanations import services

    model, _ = table_model
    first = run_report(services.report_request(model=model, dispatch=False))
    assert services.report_request(model=model, dispatch=False).pk == first.pk
    assert services.report_request(model=model, sensitive="group", dispatch=False).pk != first.pk

    page = reverse("explanations:report", args=[first.pk])
    assert "have finished since" not in text_of(logged_in.get(page).content.decode())
    make_explanation(model, row=4, num_samples=300)  # its weights and verdict belong in the report
    assert "have finished since this report was made" in text_of(logged_in.get(page).content.decode())
    again = services.report_request(model=model, dispatch=False)
    assert again.pk != first.pk
    assert services.report_request(model=model, dispatch=False).pk == again.pk


def test_a_failed_report_is_asked_for_again_and_says_why(logged_in, table_model):
    from classifiers.artifacts import remove_stored
    from explanations import services

    model, _ = table_model
    remove_stored(f"models/{model.pk}/rows.npz")  # the model's saved file is gone
    report = ask(logged_in, model)

    page = logged_in.get(reverse("explanations:report", args=[report.pk]))
    assert report.status == "failed", report.message
    assert "This model's saved file is missing; please train it again." in text_of(page.content.decode())
    assert services.report_request(model=model, dispatch=False).pk != report.pk


def test_a_column_the_file_does_not_have_is_a_message_and_no_job(logged_in, table_model):
    from explanations.models import ModelReport

    model, _ = table_model
    for column in ("nope", "label"):  # no such column; the column the model predicts
        response = logged_in.post(
            reverse("explanations:report_request", args=[model.pk]), {"sensitive": column}, follow=True
        )
        assert response.status_code == 200
        assert "Select a valid choice" in text_of(response.content.decode())
    assert ModelReport.objects.count() == 0


def test_someone_elses_report_is_not_found_and_a_visitor_is_asked_to_log_in(client, logged_in, table_model, other_user):
    model, _ = table_model
    report = ask(logged_in, model)
    urls = [
        reverse("explanations:report", args=[report.pk]),
        reverse("explanations:report_status", args=[report.pk]),
        reverse("explanations:report_download", args=[report.pk]),
        reverse("explanations:report_chart", args=[report.pk, "importance.svg"]),
    ]
    assert logged_in.get(reverse("explanations:report_chart", args=[report.pk, "nothing.svg"])).status_code == 404
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(other_user)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("explanations:report_request", args=[model.pk])).status_code == 404
    assert client.post(reverse("explanations:report_share", args=[report.pk]), {"days": "7"}).status_code == 404


def test_a_shared_report_names_no_case_and_no_true_value_unless_ticked(
    client, logged_in, table_model, make_explanation
):
    from classifiers.artifacts import model_rows
    from explanations.models import ShareLink

    model, frame = table_model
    make_explanation(model, row=6, num_samples=300)
    rows = model_rows(model)
    wrong = int(np.flatnonzero(rows.predictions != rows.truths)[0])  # its verdict quotes the file's class
    make_explanation(model, row=wrong, num_samples=300)
    report = ask(logged_in, model, sensitive="group")
    assert report.succeeded, report.message
    own = text_of(logged_in.get(reverse("explanations:report", args=[report.pk])).content.decode())
    assert "Row 7: LIME feature weights" in own  # the owner sees which case the explanation is about
    truth = frame["label"][wrong]
    assert f"the file says “{truth}”" in own

    logged_in.post(reverse("explanations:report_share", args=[report.pk]), {"days": "7"})
    link = ShareLink.objects.get(report=report)
    client.logout()
    page = client.get(reverse("shared:view", args=[link.token]))
    shared = text_of(page.content.decode())
    assert page.status_code == 200
    assert "What the model relies on most" in shared and "Per group of" in page.content.decode()
    assert "row 7" not in shared.lower() and "two.csv" not in shared
    assert "the file says" not in shared  # the true value is not shown, not even inside a verdict
    assert "Case 1: LIME feature weights" in shared  # by its place in the list
    download = client.get(reverse("shared:report_download", args=[link.token]))
    kept = text_of(download.content.decode())
    assert download["Content-Disposition"].startswith("attachment;")
    assert "row 7" not in kept.lower() and "two.csv" not in kept and "the file says" not in kept
    assert "Case 1: LIME feature weights" in kept
    assert '<section id="fairness">' in download.content.decode()
    charts = re.findall(r'<img src="(/s/[^"]+/chart/[^"]+)"', page.content.decode())
    assert charts and all(client.get(url).status_code == 200 for url in charts)
    # The explanation's chart is named by its place in the list, never by its database id.
    assert any(url.endswith("/chart/case-1.svg") for url in charts)
    assert not re.search(r"explanation-\d+\.svg", page.content.decode())
    stored_name = next(name for name in report.charts if name.startswith("explanation-"))
    assert client.get(reverse("shared:report_chart", args=[link.token, stored_name])).status_code == 404

    client.force_login(link.created_by)  # a second link, showing which row each explanation is about
    client.post(reverse("explanations:report_share", args=[report.pk]), {"days": "7", "show_row_label": "on"})
    ticked = ShareLink.objects.filter(report=report, show_row_label=True).get()
    client.logout()
    assert "Row 7: LIME feature weights" in text_of(
        client.get(reverse("shared:view", args=[ticked.token])).content.decode()
    )

    link.revoked_at = link.created_at
    link.save()
    for url in (
        reverse("shared:view", args=[link.token]),
        reverse("shared:report_download", args=[link.token]),
        charts[0],
    ):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("demo", "options"),
    [
        ("shapes", {"target": "class", "classifier": "logistic_regression"}),
        ("reviews", {"target": "sentiment", "classifier": "logistic_regression", "text_column": "review"}),
    ],
)
def test_pictures_and_texts_get_every_section_with_what_is_shown_instead_of_columns(logged_in, user, demo, options):
    from classifiers import runs
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    dataset = classifier_services.dataset_create_demo(owner=user, slug=demo)
    model = classifier_services.model_train_request(dataset=dataset, dispatch=False, **options)
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    report = ask(logged_in, model)
    assert report.succeeded, report.message

    page = logged_in.get(reverse("explanations:report", args=[report.pk]))
    shown = text_of(page.content.decode())
    assert page.status_code == 200
    for heading in SECTIONS:
        assert heading in shown
    # No columns to shuffle or move: the page says what it shows instead, and draws no column chart.
    assert report.result["importance"]["why_not"] in shown
    assert report.result["dependence"]["why_not"] in shown
    assert "/chart/importance.svg" not in page.content.decode()
    download = logged_in.get(reverse("explanations:report_download", args=[report.pk]))
    assert '<section id="errors">' in download.content.decode()
