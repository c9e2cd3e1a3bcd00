"""The target a person means, and dates that say one thing, as the dataset page and the CLI show them (issue 23).

Each file is made here, shaped like a public file that went wrong; what the page should say is
read off the file (which columns can be trained, whether its dates are daily), not off the code.
"""

from __future__ import annotations

import datetime
import re

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

NO_COLUMN = "No column in this file can be predicted"


def _upload(client, name: str, frame: pd.DataFrame) -> Dataset:
    content = frame.to_csv(index=False).encode()
    response = client.post(reverse("classifiers:upload"), {"file": SimpleUploadedFile(name, content, "text/csv")})
    assert response.status_code == 302, response.text[:500]
    return Dataset.objects.get()


def _page(client, dataset: Dataset) -> str:
    return client.get(reverse("classifiers:dataset", args=[dataset.pk])).text


def _selected_target(page: str) -> str:
    target_select = page.split('id="id_target"')[1].split("</select>")[0]
    # The selected option, whatever attributes it carries (each column's tasks, issue 25).
    return re.search(r'<option value="([^"]*)"[^>]*? selected[ >]', target_select).group(1)


def _mtcars_like() -> pd.DataFrame:
    """R's mtcars: carb has one car with 6 carburettors and one with 8, so it cannot be held out."""
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "model": [f"car {i}" for i in range(32)],
            "mpg": rng.normal(20, 6, 32).round(1),
            "cyl": np.repeat([4, 6, 8], [11, 7, 14]),
            "wt": rng.normal(3.2, 1, 32).round(3),
            "vs": np.repeat([0, 1], [18, 14]),
            "am": np.repeat([0, 1], [19, 13]),
            "gear": np.repeat([3, 4, 5], [15, 12, 5]),
            "carb": np.repeat([1, 2, 3, 4, 6, 8], [7, 10, 3, 10, 1, 1]),
        }
    )


def _airports_like() -> pd.DataFrame:
    """vega's airports: four countries with one airport, and 60 states, cities and coordinates."""
    n = 240
    return pd.DataFrame(
        {
            "iata": [f"A{i:03d}" for i in range(n)],
            "city": [f"Town {i % 120}" for i in range(n)],
            "state": [f"S{i % 60}" for i in range(n)],
            "country": ["USA"] * (n - 4) + ["Palau", "Thailand", "Micronesia", "N Mariana Islands"],
            # No coordinates: a latitude is an amount, which can be predicted (issue 25).
            "altitude_band": [f"B{i % 55}" for i in range(n)],
        }
    )


def test_the_train_form_does_not_preselect_a_column_that_cannot_be_trained(logged_in, user):
    dataset = _upload(logged_in, "mtcars.csv", _mtcars_like())

    chosen = _selected_target(_page(logged_in, dataset))

    assert chosen != "carb"
    assert chosen == "am"  # a yes/no column; of the two (vs, am) the right-most


def test_a_file_where_no_column_can_be_trained_says_so_once_on_the_page(logged_in, user):
    dataset = _upload(logged_in, "airports.csv", _airports_like())

    page = _page(logged_in, dataset)
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]), {"target": "country", "classifier": "knn"}
    )

    assert page.count(NO_COLUMN) == 1
    assert escape("“country” has a class with only 1 row") in page
    assert "“country”: the class" not in page  # not also one column's own error
    assert response.status_code == 400
    assert response.text.count(NO_COLUMN) == 1
    assert TrainedModel.objects.count() == 0


def test_the_command_line_says_once_that_no_column_can_be_trained(tmp_path, user, capsys):
    path = tmp_path / "airports.csv"
    _airports_like().to_csv(path, index=False)

    with pytest.raises(SystemExit) as exit_info:
        call_command("explain", str(path), "--row", "0", "--json", "--user", "ada")

    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {NO_COLUMN}: “country” has a class with only 1 row")


def _daily_visits(days: int) -> pd.DataFrame:
    """One row a day; the answer depends on the season (northern meteorological)."""
    rng = np.random.default_rng(8)
    dates = [datetime.date(2021, 1, 1) + datetime.timedelta(days=i) for i in range(days)]
    return pd.DataFrame(
        {
            "date": [day.isoformat() for day in dates],
            "temperature": rng.normal(12, 8, days).round(1),
            "busy": ["yes" if day.month in (6, 7, 8) else "no" for day in dates],
        }
    )


def _train(dataset: Dataset, **changes) -> TrainedModel:
    model = services.model_train_request(dataset=dataset, dispatch=False, **changes)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def test_a_date_used_through_its_parts_is_not_also_said_to_name_the_rows(logged_in, user):
    dataset = _upload(logged_in, "visits.csv", _daily_visits(400))

    page = _page(logged_in, dataset)
    model = _train(dataset, target="busy", classifier="logistic_regression")

    assert dataset.row_label == ""
    assert "Rows are named by" not in page
    assert '<option value="" selected>none: rows are numbered</option>' in page
    assert {"date: month", "date: day of the week", "date: season"} <= set(model.features)
    assert not [note for note in model.notes if "names the rows" in note]


def test_a_date_the_person_chooses_to_name_the_rows_is_said_to_be_used_through_its_parts(logged_in, user):
    dataset = _upload(logged_in, "visits.csv", _daily_visits(400))
    services.dataset_set_roles(dataset=dataset, roles={}, row_label="date")

    page = _page(logged_in, dataset)
    model = _train(dataset, target="busy", classifier="logistic_regression")

    parts = "“date: month”, “date: day of the week”, “date: season”"
    assert escape(f"Rows are named by “date”, which the model uses only through {parts}.") in page
    assert f"“date” names the rows; the model uses it only through {parts}." in model.notes
    assert "never used to predict." not in page.split("<h2>Train a model")[0]


def test_dates_days_apart_offer_the_day_of_the_week_left_out_and_say_the_rule(logged_in, user):
    # Visits two to five days apart: never two days in a row, so not daily activity.
    rng = np.random.default_rng(9)
    days = np.cumsum(rng.integers(2, 6, 120))
    visits = [datetime.date(2020, 1, 6) + datetime.timedelta(days=int(day)) for day in days]
    frame = pd.DataFrame({"visit": [day.isoformat() for day in visits], "sales": rng.normal(100, 9, 120).round(1)})
    frame["good"] = np.where(frame["sales"] > 100, "yes", "no")
    dataset = _upload(logged_in, "visits.csv", frame)

    page = _page(logged_in, dataset)

    kinds = {column["name"]: column["kind"] for column in dataset.columns}
    assert kinds["visit: day of the week"] == "unused"
    assert escape("“visit: day of the week” is left out: the day of the week is used when the rows are daily") in page


def test_daily_dates_use_the_day_of_the_week_from_the_start(logged_in, user):
    dataset = _upload(logged_in, "visits.csv", _daily_visits(60))

    kinds = {column["name"]: column["kind"] for column in dataset.columns}

    assert kinds["date: day of the week"] == "category"
    assert "is left out: the day of the week" not in _page(logged_in, dataset)


def test_the_dataset_page_counts_rows_and_columns_in_plain_words(logged_in, user):
    dataset = _upload(logged_in, "visits.csv", _daily_visits(1_200)[["date", "busy"]])

    page = _page(logged_in, dataset)

    # the date, its month, day of the week, season and year, and busy
    assert "1,200 rows, 6 columns." in page
    assert "“busy” has 2 classes: “no” 924 rows, “yes” 276 rows." in page
