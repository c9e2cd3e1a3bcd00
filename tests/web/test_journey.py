"""The web journey, view by view: sign up, upload, train, pick a row, explain."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from classifiers import runs as classifier_runs
from classifiers.models import Dataset, TrainedModel
from explanations import runs as explanation_runs
from explanations.models import Explanation
from jobs.models import JobStatus
from limelight.explainers.conditions import condition_in_words
from tests.conftest import PASSWORD, csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def stored_uploads() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "datasets"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_anonymous_visitor_sees_the_landing_page_and_is_asked_to_log_in(client):
    response = client.get(reverse("classifiers:home"))
    assert response.status_code == 200
    assert "Why did the model say that?" in response.text
    response = client.get(reverse("classifiers:dataset", args=[1]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_signup_creates_the_account_and_logs_in(client, django_user_model):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "grace", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert django_user_model.objects.filter(username="grace").count() == 1
    assert "Upload a table" in response.text
    assert "Log out (grace)" in response.text


def test_login_with_username_and_password(client, user):
    response = client.post(reverse("accounts:login"), {"username": "ada", "password": PASSWORD}, follow=True)
    assert "Log out (ada)" in response.text


def test_upload_shows_columns_types_missing_counts_and_default_target(logged_in, risk_csv):
    upload = SimpleUploadedFile("clinic export.csv", risk_csv, "text/csv")
    response = logged_in.post(reverse("classifiers:upload"), {"file": upload})
    dataset = Dataset.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("classifiers:dataset", args=[dataset.pk])
    assert (dataset.name, dataset.n_rows, dataset.n_columns) == ("clinic export.csv", 160, 6)

    page = logged_in.get(response.url)
    kinds = {column["name"]: column["kind"] for column in dataset.columns}
    missing = {column["name"]: column["missing"] for column in dataset.columns}
    assert kinds == {
        "patient_id": "identifier",
        "age": "number",
        "weight": "number",
        "smoker": "boolean",
        "city": "category",
        "risk": "category",
    }
    assert missing["weight"] == len(range(3, 160, 17))
    assert missing["city"] == len(range(5, 160, 19))
    # Selected, whatever else the option carries (the tasks the column allows, issue 25).
    assert '<option value="risk" selected data-tasks="classification">risk</option>' in page.text
    assert "(missing)" in page.text  # missing cells are shown as missing in the preview


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pickle.dumps({"a": 1}), "does not look like a text table"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "This looks like a PNG image; Limelight reads CSV files"),
        (b"a,b,c\n", "no data rows"),
        (b"a,a,b\n1,2,3\n4,5,6\n", "appears twice"),
    ],
)
def test_upload_rejects_bad_files_with_a_readable_message_and_keeps_nothing(logged_in, content, message):
    upload = SimpleUploadedFile("data.csv", content, "text/csv")
    response = logged_in.post(reverse("classifiers:upload"), {"file": upload})
    assert response.status_code == 400
    assert message in response.text.lower() or message in response.text
    assert Dataset.objects.count() == 0
    assert stored_uploads() == []


def test_upload_over_the_size_limit_is_refused_before_reading(logged_in, settings, risk_csv):
    settings.MAX_UPLOAD_BYTES = len(risk_csv) - 1
    response = logged_in.post(
        reverse("classifiers:upload"), {"file": SimpleUploadedFile("big.csv", risk_csv, "text/csv")}
    )
    assert response.status_code == 400
    assert "the limit is" in response.text
    assert Dataset.objects.count() == 0
    assert stored_uploads() == []


def test_column_names_with_markup_are_escaped(logged_in, make_dataset, user):
    frame = risk_table().rename(columns={"city": "<script>alert(1)</script>"})
    dataset = make_dataset(user, csv_bytes(frame))
    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk]))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_train_creates_a_queued_job_and_dispatches_it_on_commit(
    logged_in, make_dataset, user, django_capture_on_commit_callbacks
):
    dataset = make_dataset(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = logged_in.post(
            reverse("classifiers:train", args=[dataset.pk]), {"target": "risk", "classifier": "random_forest"}
        )
    model = TrainedModel.objects.get()
    assert response.url == reverse("classifiers:model", args=[model.pk])
    assert (model.status, model.target, model.classifier) == (JobStatus.QUEUED, "risk", "random_forest")
    assert model.features == ["age", "weight", "smoker", "city"]  # the identifier is left out
    assert len(callbacks) == 1
    page = logged_in.get(response.url)
    assert "Waiting for a worker" in page.text
    assert f'data-job-status-url="/models/{model.pk}/status.json"' in page.text


def test_status_json_follows_the_job(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    status = logged_in.get(reverse("classifiers:model_status", args=[model.pk])).json()
    assert status["status"] == "succeeded"
    assert status["finished"] is True
    assert status["percent"] == 100


def test_model_page_shows_hold_out_metrics_and_a_paged_row_table(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    assert model.metrics["n_test"] == 40
    assert model.metrics["accuracy"] >= 0.9  # the class is decided by age alone
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert "accuracy" in page.text and "balanced accuracy" in page.text
    assert "Page 1 of 11 (160 rows)" in page.text
    assert page.text.count('name="row" value=') == 15
    second = logged_in.get(reverse("classifiers:model", args=[model.pk]) + "?page=2")
    assert 'name="row" value="15"' in second.text
    assert logged_in.get(reverse("classifiers:model", args=[model.pk]) + "?page=abc").status_code == 200


def test_explain_request_then_result_page_shows_probabilities_chart_and_table(
    logged_in, make_trained_model, user, django_capture_on_commit_callbacks
):
    model = make_trained_model(user)
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "7"})
    explanation = Explanation.objects.get()
    assert response.url == reverse("explanations:detail", args=[explanation.pk])
    assert (explanation.row_index, explanation.num_samples, explanation.random_state) == (7, 5000, 0)

    from jobs.services import job_run

    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    page = logged_in.get(response.url)
    predicted = explanation.label_name
    assert f'The model predicts <strong class="predicted">{predicted}</strong>' in page.text
    first = explanation.result["weights"][0]
    assert first["feature"] == "age"
    assert escape(condition_in_words(first["condition"])) in page.text  # the page reads it as a phrase
    chart = logged_in.get(reverse("explanations:chart", args=[explanation.pk]))
    assert chart["Content-Type"] == "image/svg+xml"
    assert escape(first["condition"]).encode() in b"".join(chart.streaming_content)


def test_explain_rejects_rows_out_of_range_with_a_message(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    response = logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "999"}, follow=True)
    assert "Row 1000 does not exist: rows are numbered 1 to 160." in response.text
    assert Explanation.objects.count() == 0


def test_a_failed_job_shows_its_message(logged_in, make_dataset, user):
    from classifiers import services
    from jobs.services import job_run

    dataset = make_dataset(user, csv_bytes(risk_table().assign(risk="same")))
    model = services.model_train_request(dataset=dataset, target="smoker", classifier="random_forest", dispatch=False)
    model.target = "risk"  # a target with one class: an expected problem, not a crash
    model.save()
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.status == JobStatus.FAILED
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert "This did not work." in page.text
    assert escape(model.message) in page.text
    assert "only one" in model.message


def test_a_missing_model_file_is_a_message_not_a_500(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    (Path(settings.MEDIA_ROOT) / model.artifact / "rows.npz").unlink()
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert page.status_code == 200
    assert "saved file is missing" in page.text


@pytest.mark.parametrize("name", ["dataset", "model", "model_status", "train"])
def test_other_peoples_datasets_and_models_are_404(client, make_trained_model, user, other_user, name):
    model = make_trained_model(user)
    client.force_login(other_user)
    pk = model.dataset.pk if name in ("dataset", "train") else model.pk
    url = reverse(f"classifiers:{name}", args=[pk])
    response = client.post(url, {"target": "risk", "classifier": "knn"}) if name == "train" else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["detail", "status", "chart"])
def test_other_peoples_explanations_are_404(client, make_trained_model, make_explanation, user, other_user, name):
    explanation = make_explanation(make_trained_model(user), row=2)
    client.force_login(other_user)
    assert client.get(reverse(f"explanations:{name}", args=[explanation.pk])).status_code == 404


def test_asking_to_explain_someone_elses_model_is_404(client, make_trained_model, user, other_user):
    model = make_trained_model(user)
    client.force_login(other_user)
    assert client.post(reverse("explanations:request", args=[model.pk]), {"row": "1"}).status_code == 404
    assert Explanation.objects.count() == 0


def test_state_changing_views_refuse_get(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    assert logged_in.get(reverse("classifiers:train", args=[model.dataset.pk])).status_code == 405
    assert logged_in.get(reverse("explanations:request", args=[model.pk])).status_code == 405
    assert logged_in.get(reverse("classifiers:upload")).status_code == 405


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("classifiers:home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_same_seed_gives_the_same_explanation_through_the_services(make_trained_model, make_explanation, user):
    model = make_trained_model(user)
    first = make_explanation(model, row=11, random_state=3)
    second = make_explanation(model, row=11, random_state=3)
    assert first.result["weights"] == second.result["weights"]
    assert json.dumps(first.probabilities) == json.dumps(second.probabilities)
