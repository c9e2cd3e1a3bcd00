"""Files as people have them (issue 17): R-style row names, identifiers, workbooks, other
files, dates, the default target and too little data, from upload to explanation.

Every file is made here; each has a known answer (the column that decides the class).
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.models import Dataset, TrainedModel
from jobs.services import job_run

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def _pima_like(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Diabetes decided by glucose alone (> 130 -> "pos"), as R's MASS::Pima.tr looks."""
    rng = np.random.default_rng(seed)
    glucose = rng.integers(60, 200, rows)
    return pd.DataFrame(
        {
            "age": rng.integers(21, 80, rows),
            "glucose": glucose,
            "mass": rng.normal(32, 6, rows).round(1),
            "diabetes": np.where(glucose > 130, "pos", "neg"),
        },
        index=[str(i) for i in range(1, rows + 1)],
    )


def _r_style_csv(frame: pd.DataFrame) -> bytes:
    # What R's write.csv writes: a nameless first column of quoted row names.
    lines = ['"",' + ",".join(f'"{name}"' for name in frame.columns)]
    for label, row in frame.iterrows():
        cells = [f'"{value}"' if isinstance(value, str) else str(value) for value in row]
        lines.append(f'"{label}",' + ",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def _upload(client, name: str, content: bytes, content_type: str = "application/octet-stream"):
    return client.post(reverse("classifiers:upload"), {"file": SimpleUploadedFile(name, content, content_type)})


def _train(dataset: Dataset, **changes) -> TrainedModel:
    model = services.model_train_request(dataset=dataset, dispatch=False, **changes)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def _cli(path, *args: str) -> dict:
    out = io.StringIO()
    call_command("explain", str(path), *args, "--json", "--user", "ada", stdout=out)
    return json.loads(out.getvalue())


def test_an_r_style_csv_names_rows_by_its_first_column_which_is_never_a_feature_nor_a_reason(
    logged_in, user, tmp_path, make_explanation
):
    response = _upload(logged_in, "pima.csv", _r_style_csv(_pima_like()), "text/csv")
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert dataset.row_label == "row name"
    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    assert "Rows are named by “row name”, which is never used to predict." in page
    assert '<option value="row name"' not in page.split('id="id_target"')[1].split("</select>")[0]
    assert re.search(r'<option value="diabetes" selected[^>]*>diabetes</option>', page)

    model = _train(dataset, target="diabetes", classifier="logistic_regression")
    assert model.features == ["age", "glucose", "mass"]
    assert model.notes == ["“row name” names the rows, so the model does not use it."]
    explanation = make_explanation(model, row=4, explainer="lime", num_samples=500)
    assert "row name" not in [weight["feature"] for weight in explanation.result["weights"]]
    result_page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "row name" in result_page and ">5<" in result_page  # the row shows its name, "5"

    path = tmp_path / "pima.csv"
    path.write_bytes(_r_style_csv(_pima_like()))
    document = _cli(path, "--row", "4", "--classifier", "logistic_regression")
    assert document["dataset"]["row_label"] == "row name"
    assert document["instance"]["label"] == "5"
    assert "row name" not in document["model"]["features"]
    assert document["explanation"]["weights"][0]["feature"] == "glucose"
    assert "row name" not in [weight["feature"] for weight in document["explanation"]["weights"]]


def test_patient_numbers_that_sometimes_repeat_are_offered_as_row_label_and_never_a_reason(tmp_path, user):
    rng = np.random.default_rng(3)
    numbers = rng.choice(np.arange(61_000, 13_500_000), 645, replace=False)
    ids = np.concatenate([numbers, rng.choice(numbers, 699 - 645, replace=False)])
    rng.shuffle(ids)
    thickness = rng.integers(1, 11, 699)
    frame = pd.DataFrame(
        {
            "ID": ids,
            "thickness": thickness,
            "cell_size": rng.integers(1, 11, 699),
            "class": np.where(thickness > 5, "malignant", "benign"),
        }
    )
    path = tmp_path / "biopsy.csv"
    frame.to_csv(path, index=False)

    document = _cli(path, "--row", "2", "--classifier", "random_forest")

    assert frame["ID"].nunique() == 645
    assert document["dataset"]["row_label"] == "ID"
    assert document["model"]["target"] == "class"
    assert document["model"]["features"] == ["thickness", "cell_size"]
    assert document["instance"]["label"] == float(frame["ID"].iloc[2])
    assert "“ID” names the rows, so the model does not use it." in document["model"]["warnings"]
    assert "ID" not in [weight["feature"] for weight in document["explanation"]["weights"]]
    assert document["explanation"]["weights"][0]["feature"] == "thickness"


def test_the_row_label_can_be_changed_on_the_dataset_page_and_models_follow(logged_in, user):
    frame = _pima_like()
    frame.insert(0, "name", [f"person {i}" for i in range(len(frame))])
    _upload(logged_in, "people.csv", frame.to_csv(index=False).encode(), "text/csv")
    dataset = Dataset.objects.get()
    assert dataset.row_label == "name"
    form = {f"column_{i}": column["kind"] for i, column in enumerate(dataset.columns)}

    logged_in.post(reverse("classifiers:roles", args=[dataset.pk]), {**form, "row_label": "age"})
    dataset.refresh_from_db()

    assert dataset.row_label == "age"
    model = services.model_train_request(dataset=dataset, target="diabetes", classifier="knn", dispatch=False)
    assert model.features == ["glucose", "mass"]  # the chosen row label is never a feature


def _workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([value.item() if hasattr(value, "item") else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_two_sheets_reads_the_first_names_the_other_and_can_read_it(logged_in, user):
    notes = pd.DataFrame({"who": ["ann", "bob", "cy"], "score": [1, 2, 3]})
    content = _workbook({"patients": _pima_like(), "notes": notes})

    response = _upload(logged_in, "clinic.xlsx", content)

    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.kind, dataset.sheets, dataset.sheet) == ("tabular", ["patients", "notes"], "")
    assert [column["name"] for column in dataset.columns] == ["age", "glucose", "mass", "diabetes"]
    assert dataset.file.name.endswith(".xlsx")
    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    assert "from the sheet “patients”" in page
    assert "This workbook also has the sheet “notes”." in page
    model = _train(dataset, target="diabetes", classifier="logistic_regression")
    assert model.features == ["age", "glucose", "mass"]

    refused = logged_in.post(reverse("classifiers:sheet", args=[dataset.pk]), {"sheet": "notes"}, follow=True)
    assert "Models were trained on this sheet; upload the workbook again to use another sheet." in refused.text
    model.delete()
    chosen = logged_in.post(reverse("classifiers:sheet", args=[dataset.pk]), {"sheet": "notes"}, follow=True)
    assert "Now reading the sheet “notes”." in chosen.text
    dataset.refresh_from_db()
    assert (dataset.sheet, dataset.n_rows) == ("notes", 3)
    assert [column["name"] for column in dataset.columns] == ["who", "score"]


def test_an_ods_workbook_trains_and_explains(tmp_path, user):
    path = tmp_path / "pima.ods"
    _pima_like().to_excel(path, engine="odf", sheet_name="data", index=False)

    document = _cli(path, "--row", "0", "--classifier", "logistic_regression")

    assert document["model"]["target"] == "diabetes"
    assert document["explanation"]["weights"][0]["feature"] == "glucose"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "report.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            "This looks like a PDF document; Limelight reads CSV files, Excel workbooks (.xlsx, .ods) and ZIPs of "
            "images.",
        ),
        (
            "data.csv",  # the name lies; the content decides
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
            "This looks like an old Office file (such as an .xls workbook or a .doc)",
        ),
    ],
    ids=["pdf", "xls"],
)
def test_other_files_get_a_message_naming_what_they_look_like(logged_in, name, content, message):
    response = _upload(logged_in, name, content)

    assert response.status_code == 400
    assert escape(message) in response.text
    assert Dataset.objects.count() == 0


def test_a_word_document_is_named_and_not_taken_for_a_zip_of_images(logged_in):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")

    response = _upload(logged_in, "letter.docx", buffer.getvalue())

    assert response.status_code == 400
    assert escape("This looks like a Word document; Limelight reads CSV files") in response.text
    assert "image" not in response.text.split("This looks like")[1].split("ZIPs of images")[0]


def _weather(days: int = 730, seed: int = 0) -> pd.DataFrame:
    """A made-up weather file whose class depends on the season only (northern meteorological)."""
    rng = np.random.default_rng(seed)
    dates = [datetime.date(2012, 1, 1) + datetime.timedelta(days=i) for i in range(days)]
    by_month = {12: "snow", 1: "snow", 2: "snow", 3: "rain", 4: "rain", 5: "rain"}
    by_month |= {6: "sun", 7: "sun", 8: "sun", 9: "fog", 10: "fog", 11: "fog"}
    return pd.DataFrame(
        {
            "date": [day.isoformat() for day in dates],
            "precipitation": rng.uniform(0, 20, days).round(1),
            "temp_max": rng.uniform(-5, 30, days).round(1),
            "weather": [by_month[day.month] for day in dates],
        }
    )


def test_a_date_column_explains_by_season(tmp_path, user):
    path = tmp_path / "weather.csv"
    _weather().to_csv(path, index=False)

    document = _cli(path, "--row", "100", "--classifier", "random_forest", "--seed", "0")

    assert document["model"]["target"] == "weather"  # the last column is also the likeliest answer
    assert document["model"]["features"] == [
        "date: month",
        "date: day of the week",
        "date: season",
        "precipitation",
        "temp_max",
    ]
    # 2012-04-10, a Tuesday in spring: the row shows the parts the model reads.
    values = document["instance"]["values"]
    assert (values["date"], values["date: season"], values["date: day of the week"]) == (
        "2012-04-10",
        "spring",
        "Tuesday",
    )
    assert document["explanation"]["weights"][0]["feature"] == "date: season"


def test_the_default_target_is_the_likeliest_answer_not_the_last_column(logged_in, user):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "patient": [f"P{i:04d}" for i in range(80)],
            "outcome": rng.choice(["ill", "well"], 80),
            "age": rng.integers(20, 90, 80),
            "visit": pd.date_range("2020-01-01", periods=80, freq="D").strftime("%Y-%m-%d"),
            "glucose": rng.normal(100, 20, 80).round(1),
            "clinic": ["north"] * 80,
        }
    )
    _upload(logged_in, "visits.csv", frame.to_csv(index=False).encode(), "text/csv")
    dataset = Dataset.objects.get()

    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    target_select = page.split('id="id_target"')[1].split("</select>")[0]

    assert re.search(r'<option value="outcome" selected[^>]*>outcome</option>', target_select)
    offered = [option.split('"')[1] for option in target_select.split("<option value=")[1:]]
    assert offered == ["outcome", "age", "glucose"]  # no identifier, date, date part or constant


def test_too_little_data_is_said_before_training_with_the_numbers(logged_in, user):
    frame = pd.DataFrame(
        {"rain": [0.0] * 20 + [1.5] * 20 + [3.2], "weather": ["sun"] * 20 + ["rain"] * 20 + ["drizzle"]}
    )
    _upload(logged_in, "tiny.csv", frame.to_csv(index=False).encode(), "text/csv")
    dataset = Dataset.objects.get()
    # Neither column can be trained (rain takes three values, so it is read as classes, and 3.2 occurs once):
    # said once, for the file. (Many distinct numbers would be an amount, which can be trained.)
    message = (
        "No column in this file can be predicted: “rain” and “weather” have a class with only 1 row (each class "
        "needs 2, one to learn from and one to test on)."
    )

    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]), {"target": "weather", "classifier": "knn"}
    )

    assert escape(message) in page
    assert response.status_code == 400
    assert escape(message) in response.text
    assert TrainedModel.objects.count() == 0


def test_the_dataset_page_lists_the_default_targets_classes_with_their_rows(logged_in, user):
    _upload(logged_in, "pima.csv", _r_style_csv(_pima_like(rows=40)), "text/csv")
    dataset = Dataset.objects.get()
    counts = _pima_like(rows=40)["diabetes"].value_counts()

    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text

    (first, many), (second, few) = counts.items()
    assert f"“diabetes” has 2 classes: “{first}” {many} rows, “{second}” {few} rows." in page


def test_a_large_workbook_read_by_the_worker_keeps_its_row_label_and_sheets(
    logged_in, user, settings, django_capture_on_commit_callbacks
):
    settings.INLINE_PROFILE_BYTES = 100
    frame = _pima_like()
    frame.insert(0, "", [f"r{i}" for i in range(len(frame))])  # a nameless first column of row names
    content = _workbook({"patients": frame, "notes": pd.DataFrame({"a": [1]})})
    with django_capture_on_commit_callbacks(execute=False):
        _upload(logged_in, "clinic.xlsx", content)
    dataset = Dataset.objects.get()

    job_run(model=Dataset, pk=dataset.pk, work=services.dataset_profile)
    dataset.refresh_from_db()

    assert dataset.succeeded, dataset.message
    assert (dataset.row_label, dataset.sheets, dataset.n_rows) == ("row name", ["patients", "notes"], 120)


def test_a_damaged_workbook_is_named_as_such_not_as_a_missing_zip(logged_in):
    upload = SimpleUploadedFile("ward.xlsx", b"PK\x03\x04 cut off in the middle", "application/octet-stream")
    response = logged_in.post(reverse("classifiers:upload"), {"file": upload}, follow=True)
    assert "damaged or incomplete (a ZIP of images and an Excel workbook are both ZIPs inside)" in response.text
    assert Dataset.objects.count() == 0
