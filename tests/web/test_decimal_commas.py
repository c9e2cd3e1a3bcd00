"""A European spreadsheet export (issue 23): ``;`` between cells, ``39,1`` for 39.1 and
``3.750,5`` for 3750.5, from upload to explanation; and a column a person marks as numbers.

Each file is made here from known measurements, and the class is decided by one of them
(bill length over 45 mm is a Gentoo), so a model that read the numbers is nearly always right.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.artifacts import dataset_frame
from classifiers.models import Dataset, TrainedModel
from explanations import services as explanation_services
from jobs.services import job_run

pytestmark = [pytest.mark.web, pytest.mark.django_db]

ROWS = 200


def _penguins(seed: int = 0) -> pd.DataFrame:
    """Bill length in mm with one decimal, body mass in g with one decimal (so thousands show)."""
    rng = np.random.default_rng(seed)
    bill = rng.uniform(32, 60, ROWS).round(1)
    return pd.DataFrame(
        {
            "island": rng.choice(["Biscoe", "Dream", "Torgersen"], ROWS),
            "bill_length": bill,
            "body_mass": rng.uniform(2700, 6300, ROWS).round(1),
            "species": np.where(bill > 45, "Gentoo", "Adelie"),
        }
    )


def _european(value: float) -> str:
    """How a German spreadsheet writes a number: 3.750,5 (thousands dot, decimal comma)."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _european_csv(frame: pd.DataFrame, junk: dict[int, str] | None = None) -> bytes:
    lines = [";".join(frame.columns)]
    for position, row in enumerate(frame.itertuples(index=False)):
        bill = (junk or {}).get(position, _european(row.bill_length))
        lines.append(f"{row.island};{bill};{_european(row.body_mass)};{row.species}")
    return ("\n".join(lines) + "\n").encode()


def _upload(client, content: bytes) -> Dataset:
    response = client.post(
        reverse("classifiers:upload"), {"file": SimpleUploadedFile("penguins.csv", content, "text/csv")}
    )
    assert response.status_code == 302
    return Dataset.objects.get()


def _train(dataset: Dataset, **changes) -> TrainedModel:
    model = services.model_train_request(dataset=dataset, dispatch=False, **changes)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def _kinds(dataset: Dataset) -> dict[str, str]:
    return {profile.name: profile.kind.value for profile in services.dataset_profiles(dataset)}


def test_a_european_export_is_read_as_numbers_trains_well_and_explains_in_plain_numbers(logged_in, make_explanation):
    penguins = _penguins()
    assert _european(3750.5) == "3.750,5"  # the writer itself, checked by hand

    dataset = _upload(logged_in, _european_csv(penguins))

    assert _kinds(dataset)["bill_length"] == "number"
    assert _kinds(dataset)["body_mass"] == "number"
    frame = dataset_frame(dataset)
    np.testing.assert_array_equal(frame["bill_length"].to_numpy(), penguins["bill_length"].to_numpy())
    np.testing.assert_array_equal(frame["body_mass"].to_numpy(), penguins["body_mass"].to_numpy())
    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    assert "Numbers written with a decimal comma" in page

    model = _train(dataset, target="species", classifier="random_forest")
    assert model.numeric == ["bill_length", "body_mass"]
    assert model.metrics["accuracy"] >= 0.95  # one measurement decides the class

    explanation = make_explanation(model, row=0, explainer="lime", num_samples=500)
    conditions = [weight["condition"] for weight in explanation.result["weights"]]
    bill = [condition for condition in conditions if "bill_length" in condition]
    assert bill, conditions
    assert all(re.search(r"\d+\.\d+", condition) and not re.search(r"\d,\d", condition) for condition in bill)


def test_a_column_marked_as_numbers_says_what_could_not_be_read_and_explains_without_error(logged_in, make_explanation):
    penguins = _penguins(seed=1)
    junk = {5: "not measured", 17: "not measured", 40: "broken bill"}
    dataset = _upload(logged_in, _european_csv(penguins, junk))
    assert _kinds(dataset)["bill_length"] != "number"  # words among the numbers: a person has to say

    roles = {f"column_{index}": kind for index, kind in enumerate(_kinds(dataset).values())}
    roles["column_1"] = "number"  # bill_length
    response = logged_in.post(reverse("classifiers:roles", args=[dataset.pk]), {**roles, "row_label": ""})
    assert response.status_code == 302

    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    sentence = (
        "“bill_length”: 3 of 200 values could not be read as numbers "
        "(such as “not measured”, “broken bill”); they are treated as missing."
    )
    assert sentence in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    dataset.refresh_from_db()
    frame = dataset_frame(dataset)
    expected = penguins["bill_length"].to_numpy().copy()
    expected[list(junk)] = np.nan
    np.testing.assert_array_equal(frame["bill_length"].to_numpy(), expected)

    model = _train(dataset, target="species", classifier="random_forest")
    assert "bill_length" in model.numeric
    assert model.metrics["accuracy"] >= 0.95
    explanation = make_explanation(model, row=0, explainer="lime", num_samples=500)
    assert any("bill_length" in weight["feature"] for weight in explanation.result["weights"])


def test_the_command_line_reads_a_european_export_and_explains_in_plain_numbers(user, tmp_path):
    penguins = _penguins(seed=2)
    path = tmp_path / "penguins.csv"
    path.write_bytes(_european_csv(penguins))

    out = io.StringIO()
    call_command("explain", str(path), "--target", "species", "--row", "0", "--json", "--user", "ada", stdout=out)
    document = json.loads(out.getvalue())

    assert document["model"]["metrics"]["accuracy"] >= 0.95
    assert document["instance"]["values"]["bill_length"] == penguins["bill_length"].iloc[0]
    bill = [w["condition"] for w in document["explanation"]["weights"] if w["feature"] == "bill_length"]
    assert bill and all(not re.search(r"\d,\d", condition) for condition in bill)


def test_a_typed_value_written_with_a_decimal_comma_is_the_number_it_means(logged_in):
    dataset = _upload(logged_in, _european_csv(_penguins(seed=3)))
    model = _train(dataset, target="species", classifier="random_forest")
    values = {"island": "Dream", "bill_length": "58,6", "body_mass": "4.100,5"}

    explanation = explanation_services.explanation_request(model=model, custom_values=values, dispatch=False)

    assert explanation.custom_values == {"island": "Dream", "bill_length": 58.6, "body_mass": 4100.5}
