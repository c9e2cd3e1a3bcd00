"""`manage.py report` (issue 27): trains as `explain` does and writes the whole model at a glance as
one HTML file; --json prints the importance (largest first) and, with --sensitive, the groups."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from classifiers.models import TrainedModel
from explanations.whole_model import whole_model_overview, whole_model_report

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def decided_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Only x1 and x2 decide the class (x1 + x2 > 10); four noise columns; a `sex` column the model may
    read, unrelated to the class, with 7 rows of a third, small group."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.uniform(0, 10, n).round(3) for name in ("x1", "x2", "n1", "n2", "n3", "n4")})
    sex = np.where(np.arange(n) % 2 == 0, "female", "male").astype(object)
    sex[:7] = "other"
    frame["sex"] = sex
    frame["label"] = np.where(frame["x1"] + frame["x2"] > 10, "yes", "no")
    return frame


def report(tmp_path, *args: str) -> dict:
    path = tmp_path / "decided.csv"
    decided_table().to_csv(path, index=False)
    out = io.StringIO()
    call_command(
        "report", str(path), "--target", "label", "--classifier", "logistic_regression", *args,
        "--out", str(tmp_path / "report.html"), "--json", stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def test_report_json_ranks_the_deciding_columns_first_and_writes_one_html_file(tmp_path):
    document = report(tmp_path, "--sensitive", "sex")
    importance = document["importance"]
    assert [item["feature"] for item in importance[:2]] in (["x1", "x2"], ["x2", "x1"])
    assert all(item["low"] <= item["importance"] <= item["high"] for item in importance)
    assert [item["importance"] for item in importance] == sorted(
        (item["importance"] for item in importance), reverse=True
    )
    assert all(abs(item["importance"]) < 0.03 for item in importance if item["feature"].startswith("n"))
    # Every held-out row is in exactly one group, the small one included and said to be small.
    groups = {group["group"]: group for group in document["groups"]}
    assert set(groups) == {"female", "male", "other"}
    assert sum(group["rows"] for group in groups.values()) == document["model"]["metrics"]["n_test"]
    assert groups["other"]["small"] and groups["other"]["rows"] <= 7
    assert set(document["groups"][0]) >= {"group", "rows", "positive_rate", "accuracy", "recall"}
    html = (tmp_path / "report.html").read_text()
    assert document["report_path"] == str((tmp_path / "report.html").resolve())
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    for section in ("importance", "dependence", "errors", "fairness", "trust", "explanations"):
        assert f'<section id="{section}">' in html


def test_report_refuses_an_unknown_sensitive_column_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        report(tmp_path, "--sensitive", "gender")
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["error: There is no column named “gender” to compare groups by."]


def test_the_overview_of_an_explained_model_keeps_its_explanations_and_compares_their_weights(tmp_path):
    path = tmp_path / "decided.csv"
    decided_table().to_csv(path, index=False)
    for row in ("3", "8"):
        call_command(
            "explain", str(path), "--target", "label", "--classifier", "logistic_regression", "--row", row,
            "--num-samples", "500", "--no-diagnostics", "--json", stdout=io.StringIO(),
        )  # fmt: skip
    model = TrainedModel.objects.order_by("-pk").first()  # each explain trains its own: the last has one explanation
    overview = whole_model_overview(model)
    document = overview.document
    assert [(item["case"], item["title"]) for item in document["explanations"]] == [("row 9", "LIME feature weights")]
    assert len(document["verdicts"]) == 1
    local = [item["feature"] for item in document["importance"]["local"]]
    assert set(local[:2]) == {"x1", "x2"}  # LIME's weights agree with the shuffling about what decides
    # The two orders agree on x1 and x2: no sentence names either as a disagreement.
    agreement = document["importance"]["agreement"]
    assert agreement and not any(
        ("“x1”" in line or "“x2”" in line) and not line.startswith("Both") for line in agreement
    )
    html = whole_model_report(model, overview)
    assert (
        "row 9: LIME feature weights" in html and html.count("data:image/svg+xml") >= 5
    )  # importance, 3 curves, the explanation
