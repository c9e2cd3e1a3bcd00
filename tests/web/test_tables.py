"""Any CSV, eight classifiers, and explanations in the data's own words (issue 3)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.models import Dataset, TrainedModel
from explanations import runs as explanation_runs
from explanations.models import Explanation
from jobs.models import JobStatus
from jobs.services import job_run
from limelight.demos import DEMOS
from limelight.explainers.conditions import condition_in_words
from limelight.tabular.training import CLASSIFIERS
from tests.conftest import csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_user_can_override_a_column_kind_and_new_models_follow_it(logged_in, make_dataset, user):
    dataset = make_dataset(user)
    names = [column["name"] for column in dataset.columns]
    form = {f"column_{i}": column["kind"] for i, column in enumerate(dataset.columns)}
    form[f"column_{names.index('city')}"] = "identifier"
    form[f"column_{names.index('patient_id')}"] = "number"
    response = logged_in.post(reverse("classifiers:roles", args=[dataset.pk]), form, follow=True)
    assert "Column types saved." in response.text
    dataset.refresh_from_db()
    assert dataset.role_overrides == {"city": "identifier", "patient_id": "number"}
    model = services.model_train_request(dataset=dataset, target="risk", classifier="knn", dispatch=False)
    assert model.features == ["patient_id", "age", "weight", "smoker"]
    assert model.numeric == ["patient_id", "age", "weight"]


def test_unknown_column_kind_is_refused(logged_in, make_dataset, user):
    dataset = make_dataset(user)
    form = {f"column_{i}": column["kind"] for i, column in enumerate(dataset.columns)}
    form["column_0"] = "<b>nonsense</b>"
    response = logged_in.post(reverse("classifiers:roles", args=[dataset.pk]), form, follow=True)
    assert "could not be saved" in response.text
    dataset.refresh_from_db()
    assert dataset.role_overrides == {}


@pytest.mark.parametrize("slug", list(DEMOS))
def test_demo_tables_load_with_one_click(logged_in, slug):
    response = logged_in.post(reverse("classifiers:demo", args=[slug]))
    dataset = Dataset.objects.get()
    assert response.url == reverse("classifiers:dataset", args=[dataset.pk])
    assert dataset.is_demo and dataset.status == JobStatus.SUCCEEDED
    assert dataset.name == DEMOS[slug].filename
    page = logged_in.get(response.url)
    if dataset.kind == "image":
        assert "Train a model" in page.text and dataset.n_rows == 120
    else:
        # Selected whatever else the option carries (the training form adds the tasks it allows).
        assert re.search(rf'<option value="{re.escape(DEMOS[slug].target)}"[^>]*\sselected[\s>]', page.text)


def test_a_large_upload_is_profiled_by_the_worker_with_progress(
    logged_in, user, settings, django_capture_on_commit_callbacks
):
    settings.INLINE_PROFILE_BYTES = 100
    upload = SimpleUploadedFile("big.csv", csv_bytes(risk_table()), "text/csv")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = logged_in.post(reverse("classifiers:upload"), {"file": upload})
    dataset = Dataset.objects.get()
    assert (dataset.status, dataset.n_rows, len(callbacks)) == (JobStatus.QUEUED, 0, 1)
    page = logged_in.get(response.url)
    assert f'data-job-status-url="/datasets/{dataset.pk}/status.json"' in page.text
    job_run(model=Dataset, pk=dataset.pk, work=services.dataset_profile)
    dataset.refresh_from_db()
    assert (dataset.status, dataset.n_rows, dataset.n_columns) == (JobStatus.SUCCEEDED, 160, 6)
    assert "Train a model" in logged_in.get(response.url).text


def test_a_bad_large_upload_fails_in_the_worker_with_a_message_on_the_page(
    logged_in, user, settings, django_capture_on_commit_callbacks
):
    settings.INLINE_PROFILE_BYTES = 10
    upload = SimpleUploadedFile("bad.csv", b"name,age\nx,1,2,3\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in.post(reverse("classifiers:upload"), {"file": upload})
    dataset = Dataset.objects.get()
    job_run(model=Dataset, pk=dataset.pk, work=services.dataset_profile)
    dataset.refresh_from_db()
    assert dataset.status == JobStatus.FAILED
    page = logged_in.get(response.url)
    assert page.status_code == 200
    assert "This did not work." in page.text and "Line 2" in dataset.message


def test_training_form_passes_classifier_settings(logged_in, make_dataset, user, django_capture_on_commit_callbacks):
    dataset = make_dataset(user)
    with django_capture_on_commit_callbacks(execute=False):
        logged_in.post(
            reverse("classifiers:train", args=[dataset.pk]),
            {
                "target": "risk",
                "classifier": "knn",
                "knn__n_neighbors": "7",
                "random_forest__n_estimators": "9",
            },
        )
    model = TrainedModel.objects.get()
    assert model.params["n_neighbors"] == 7
    assert "n_estimators" not in model.params


def test_out_of_range_settings_are_a_form_error(logged_in, make_dataset, user):
    dataset = make_dataset(user)
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]),
        {"target": "risk", "classifier": "knn", "knn__n_neighbors": "5000"},
    )
    assert response.status_code == 400
    assert TrainedModel.objects.count() == 0


def test_a_target_with_a_rare_class_trains_with_a_warning(logged_in, make_dataset, user):
    frame = risk_table()
    frame.loc[[0, 1], "risk"] = "unknown"
    dataset = make_dataset(user, csv_bytes(frame))
    model = services.model_train_request(dataset=dataset, target="risk", classifier="knn", dispatch=False)
    assert model.notes == [
        'The class has very few rows: "unknown" (2 rows). The model will know little about it, '
        "and its accuracy there is guesswork.",
        "“patient_id” names the rows, so the model does not use it.",
    ]
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert escape(model.notes[0]) in page.text


def test_an_identifier_as_target_is_refused_with_a_message(logged_in, make_dataset, user):
    dataset = make_dataset(user)
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]), {"target": "patient_id", "classifier": "knn"}
    )
    assert response.status_code == 400
    # An identifier is not even offered as the column to predict (issue 17).
    assert "Select a valid choice. patient_id is not one of the available choices." in response.text
    target_select = re.search(r'<select name="target".*?</select>', response.text, re.S).group(0)
    assert '<option value="patient_id"' not in target_select  # (it names the rows, in another select)
    assert TrainedModel.objects.count() == 0


def test_model_page_shows_f1_confusion_matrix_per_class_and_comparison(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    make_second = services.model_train_request(
        dataset=model.dataset, target="risk", classifier="logistic_regression", dispatch=False
    )
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert "macro F1" in page.text
    assert page.text.count("<tr><td>high</td>") == 1 and page.text.count("<tr><td>low</td>") == 1
    assert f'href="/models/{make_second.pk}/"' in page.text  # the comparison table lists both
    chart = logged_in.get(reverse("classifiers:confusion", args=[model.pk]))
    assert chart["Content-Type"] == "image/svg+xml"
    matrix = model.metrics["confusion_matrix"]
    assert sum(map(sum, matrix)) == model.metrics["n_test"]


def row_indexes(page_text: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="row" value="(\d+)"', page_text)]


def test_row_picker_filters_by_class_mistakes_and_search(logged_in, make_trained_model, user):
    from classifiers.artifacts import dataset_frame, model_rows

    model = make_trained_model(user)
    rows = model_rows(model)
    url = reverse("classifiers:model", args=[model.pk])
    high = model.class_names.index("high")
    shown = row_indexes(logged_in.get(url, {"truth": "high"}).text)
    assert shown == [int(i) for i in (rows.truths == high).nonzero()[0][:15]]
    wrong = row_indexes(logged_in.get(url, {"wrong": "1"}).text)
    assert wrong == [int(i) for i in (rows.truths != rows.predictions).nonzero()[0][:15]]
    frame = dataset_frame(model.dataset)
    quito = row_indexes(logged_in.get(url, {"q": "quito"}).text)
    assert quito == [int(i) for i in (frame["city"] == "Quito").to_numpy().nonzero()[0][:15]]


def test_any_class_can_be_explained(logged_in, make_trained_model, user, django_capture_on_commit_callbacks):

    model = make_trained_model(user)
    with django_capture_on_commit_callbacks(execute=False):
        logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "0", "label": "0"})
        logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "0", "label": "1"})
    first, second = Explanation.objects.order_by("pk")
    for explanation in (first, second):
        job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
        explanation.refresh_from_db()
    assert (first.label, second.label) == (0, 1)
    # Two classes: what pushes toward one pushes away from the other, by the same amount.
    weights = {w["feature"]: w["weight"] for w in first.result["weights"]}
    opposite = {w["feature"]: w["weight"] for w in second.result["weights"]}
    assert weights["age"] == pytest.approx(-opposite["age"], abs=1e-9)


@pytest.mark.parametrize("discretizer", ["quartile", "decile", "entropy", "none"])
def test_each_discretizer_explains_the_deciding_feature_first(make_trained_model, make_explanation, user, discretizer):
    model = make_trained_model(user)
    explanation = make_explanation(model, row=4, discretizer=discretizer)
    assert explanation.result["weights"][0]["feature"] == "age"


def test_what_if_form_explains_the_users_own_values(logged_in, make_trained_model, user):

    model = make_trained_model(user)
    url = reverse("explanations:what_if", args=[model.pk])
    form = logged_in.get(url, {"from": "3"})
    assert form.status_code == 200
    response = logged_in.post(
        url, {"value_0": "72", "value_1": "", "value_2": "yes", "value_3": "Oslo", "num_samples": "2000"}
    )
    explanation = Explanation.objects.get()
    assert response.url == reverse("explanations:detail", args=[explanation.pk])
    assert explanation.row_index is None
    assert explanation.custom_values == {"age": 72.0, "weight": None, "smoker": "yes", "city": "Oslo"}
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    page = logged_in.get(response.url)
    assert "Why did the model predict this for your own values?" in page.text
    assert '<strong class="predicted">high</strong>' in page.text


def test_what_if_rejects_a_number_that_is_not_one(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    response = logged_in.post(reverse("explanations:what_if", args=[model.pk]), {"value_0": "old"})
    assert response.status_code == 400
    assert Explanation.objects.count() == 0


@pytest.mark.parametrize("classifier", list(CLASSIFIERS))
def test_every_classifier_trains_and_is_explained_in_the_files_own_words(
    make_dataset, make_explanation, user, classifier
):
    dataset = make_dataset(user)
    model = services.model_train_request(dataset=dataset, target="risk", classifier=classifier, dispatch=False)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.status == JobStatus.SUCCEEDED, model.message
    explanation = make_explanation(model, row=6, num_samples=1000)
    conditions = [w["condition"] for w in explanation.result["weights"]]
    features = {w["feature"] for w in explanation.result["weights"]}
    assert features <= {"age", "weight", "smoker", "city"}  # never the identifier
    category = [c for c in conditions if c.startswith(("smoker", "city"))]
    assert all(re.fullmatch(r"(smoker|city) (= \w+|is missing)", c) for c in category), category
    assert sum(explanation.probabilities) == pytest.approx(1.0)


def test_the_cli_reports_what_the_page_shows(logged_in, user, risk_csv_path):
    out = io.StringIO()
    call_command("explain", str(risk_csv_path), "--row", "9", "--json", "--user", "ada", stdout=out)
    document = json.loads(out.getvalue())
    explanation = Explanation.objects.get(pk=document["explanation"]["id"])
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk]))
    assert document["prediction"]["label"] == explanation.label_name
    assert f'<strong class="predicted">{document["prediction"]["label"]}</strong>' in page.text
    for weight in document["explanation"]["weights"]:
        # The JSON keeps the exact condition tested; the page reads it as a phrase.
        assert escape(condition_in_words(weight["condition"])) in page.text
        assert f"{weight['weight']:.3f}" in page.text
    assert document["model"]["metrics"]["accuracy"] == explanation.model.metrics["accuracy"]
    expected = risk_table().iloc[9]
    assert document["instance"]["row"] == 9
    assert (document["instance"]["values"]["age"], document["instance"]["values"]["smoker"]) == (
        expected["age"],
        expected["smoker"],
    )


def test_cli_bad_input_exits_2_with_one_error_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(SystemExit) as exit_info:
        call_command("explain", str(bad), "--row", "0", "--json")
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "error: This looks like a PNG image; Limelight reads CSV files, Excel workbooks (.xlsx, .ods) and ZIPs "
        "of images. Save the table as CSV or .xlsx and upload that file."
    ]


@pytest.mark.parametrize("explainer", ["lime", "anchor", "shap"])
def test_typed_in_numbers_are_bounded_and_the_largest_allowed_one_explains(make_trained_model, user, explainer):
    from explanations import services

    model = make_trained_model(user)
    values = {"age": 1e308, "weight": 70, "smoker": "yes", "city": "Oslo"}
    with pytest.raises(services.RequestError, match="“age” needs a number between −1,000,000,000,000 and 1,0"):
        services.explanation_request(model=model, custom_values=values, explainer=explainer, dispatch=False)
    # At the bound itself the worker finishes (1e308 used to pass here and overflow there).
    values["age"] = -1e12
    explanation = services.explanation_request(
        model=model, custom_values=values, explainer=explainer, num_samples=500, dispatch=False
    )
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    assert explanation.succeeded, explanation.message
    assert explanation.model.class_names[explanation.label] == "low"  # age -1e12 is not above 50
