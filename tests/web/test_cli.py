"""`manage.py explain` as the README describes it (issue 23): a workbook's sheet by name, the first
row when no row is given, help that names every kind of file read, and identifiers and whole
numbers printed as the file wrote them."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from classifiers.models import Dataset
from tests.conftest import csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def explain(path, *args: str) -> dict:
    out = io.StringIO()
    call_command("explain", str(path), *args, "--json", "--num-samples", "300", "--no-diagnostics", stdout=out)
    return json.loads(out.getvalue())


def refused(capsys, path, *args: str) -> str:
    """The one line a refused command writes, after checking it exits with status 2."""
    with pytest.raises(SystemExit) as exit_info:
        call_command("explain", str(path), *args, "--json")
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# --- --row: optional, the first row by default --------------------------------------------------


def test_without_row_the_first_row_of_the_file_is_explained(risk_csv_path):
    document = explain(risk_csv_path)
    first = risk_table().iloc[0]
    assert document["instance"]["row"] == 0
    assert document["instance"]["values"]["age"] == first["age"]
    assert document["instance"]["values"]["city"] == first["city"]


# --- --sheet ----------------------------------------------------------------------------------


def two_sheet_workbook(path):
    """A workbook whose first sheet is a small price list and whose second holds the risk table."""
    from openpyxl import Workbook

    workbook = Workbook()
    prices = workbook.active
    prices.title = "Prices"
    prices.append(["item", "price", "colour"])
    for i in range(30):
        prices.append([f"item {i}", 2.5 + (7 * i) % 11 * 1.25, ["red", "blue"][i % 2]])
    risk = workbook.create_sheet("Patients")
    frame = risk_table()
    risk.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        risk.append(
            [None if cell in ("", "?") else cell for cell in (v.item() if hasattr(v, "item") else v for v in row)]
        )
    workbook.save(path)
    return path


def test_sheet_reads_the_named_sheet_of_a_workbook(tmp_path):
    path = two_sheet_workbook(tmp_path / "clinic.xlsx")
    document = explain(path, "--sheet", "Patients", "--target", "risk", "--row", "5")
    assert document["model"]["target"] == "risk"
    assert "age" in document["model"]["features"]
    assert set(document["model"]["class_names"]) == {"high", "low"}
    assert document["instance"]["values"]["age"] == risk_table().iloc[5]["age"]
    assert Dataset.objects.get().sheet == "Patients"


def test_sheet_reads_a_workbook_whose_first_sheet_is_an_empty_cover(tmp_path):
    from openpyxl import load_workbook

    path = two_sheet_workbook(tmp_path / "clinic.xlsx")
    workbook = load_workbook(path)
    workbook.remove(workbook["Prices"])
    workbook.create_sheet("Cover", 0)  # empty: the first sheet alone could not be read
    workbook.save(path)
    document = explain(path, "--sheet", "Patients", "--target", "risk")
    assert set(document["model"]["class_names"]) == {"high", "low"}


def test_sheet_naming_the_first_sheet_reads_the_first_sheet(tmp_path):
    path = two_sheet_workbook(tmp_path / "clinic.xlsx")
    document = explain(path, "--sheet", "Prices", "--target", "colour")
    assert set(document["model"]["class_names"]) == {"red", "blue"}


def test_an_unknown_sheet_is_refused_naming_the_sheets_there_are(tmp_path, capsys):
    path = two_sheet_workbook(tmp_path / "clinic.xlsx")
    line = refused(capsys, path, "--sheet", "Patient")
    assert "Patient" in line and "“Prices”" in line and "“Patients”" in line
    assert Dataset.objects.count() == 0  # nothing kept of a refused command


def test_sheet_for_a_csv_is_refused_in_one_line(risk_csv_path, capsys):
    line = refused(capsys, risk_csv_path, "--sheet", "Patients")
    assert "--sheet" in line and "risk.csv" in line and "no sheets" in line
    assert Dataset.objects.count() == 0


# --- --help ---------------------------------------------------------------------------------------


def test_help_names_every_kind_of_file_read(capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("explain", "--help")
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines; read it as one
    for words in ("CSV", "comma", "semicolon", "tab", "pipe", ".xlsx", ".ods", "ZIP", "one folder per class"):
        assert words in text, words
    assert "--sheet" in text and "default: the first row" in text


# --- identifiers and whole numbers as in the file ---------------------------------------------------


def biopsy_like(rows: int = 120, seed: int = 1) -> pd.DataFrame:
    """Every column a whole number, as in the Wisconsin biopsy file: a 7-digit sample id that names
    the rows, cell scores from 1 to 10 (one with '?' for missing), and the class."""
    rng = np.random.default_rng(seed)
    thickness = rng.integers(1, 11, rows)
    frame = pd.DataFrame(
        {
            "sample_id": 1000025 + 7 * np.arange(rows),
            "clump_thickness": thickness,
            "cell_size": rng.integers(1, 11, rows),
            "bare_nuclei": rng.integers(1, 11, rows).astype(object),
            "malignant": (thickness > 5).astype(int),
        }
    )
    frame.loc[frame.index % 13 == 4, "bare_nuclei"] = "?"
    return frame


def test_an_integer_row_label_and_whole_numbers_print_as_the_file_wrote_them(tmp_path):
    frame = biopsy_like()
    path = tmp_path / "biopsy.csv"
    path.write_bytes(csv_bytes(frame))
    document = explain(path, "--target", "malignant", "--row", "0")
    assert document["dataset"]["row_label"] == "sample_id"
    assert str(document["instance"]["label"]) == "1000025"
    values = document["instance"]["values"]
    for column in ("clump_thickness", "cell_size", "bare_nuclei", "malignant"):
        assert isinstance(values[column], int) and values[column] == frame.loc[0, column], column
    text = json.dumps(document)
    assert "1000025.0" not in text


def test_a_missing_cell_in_a_whole_number_column_stays_missing(tmp_path):
    frame = biopsy_like()
    path = tmp_path / "biopsy.csv"
    path.write_bytes(csv_bytes(frame))
    document = explain(path, "--target", "malignant", "--row", "4")  # row 4: bare_nuclei is '?'
    assert document["instance"]["values"]["bare_nuclei"] is None
    assert document["instance"]["values"]["cell_size"] == frame.loc[4, "cell_size"]


# --- --share: the same 30 days as the share form ------------------------------------------------


def test_a_share_link_from_the_command_line_lasts_30_days_unless_told(risk_csv_path):
    from datetime import timedelta

    from django.utils import timezone

    from explanations.models import ShareLink

    explain(risk_csv_path, "--share")
    explain(risk_csv_path, "--share", "--share-days", "0")
    lasting_30_days, until_stopped = ShareLink.objects.order_by("pk")
    assert abs(lasting_30_days.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert until_stopped.expires_at is None


def test_share_days_out_of_range_is_one_error_line(risk_csv_path, capsys):
    line = refused(capsys, risk_csv_path, "--share", "--share-days", "400")
    assert "--share-days" in line and "365" in line


def test_the_plain_summary_names_the_row_by_its_label_as_written(tmp_path):
    path = tmp_path / "biopsy.csv"
    path.write_bytes(csv_bytes(biopsy_like()))
    out = io.StringIO()
    call_command("explain", str(path), "--target", "malignant", "--num-samples", "300", "--no-diagnostics", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("Row 0 (1000025): predicted ")


def test_an_ods_workbook_takes_sheet_too(tmp_path, capsys):
    path = tmp_path / "clinic.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame({"note": ["made by hand"]}).to_excel(writer, sheet_name="Read me", index=False)
        risk_table().to_excel(writer, sheet_name="Patients", index=False)
    line = refused(capsys, path, "--sheet", "Data")
    assert "“Read me”" in line and "“Patients”" in line
