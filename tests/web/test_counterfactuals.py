"""“What would change it” through the pages and the command line, on a table whose answer is known:
the risk table's class is "high" exactly when age > 50 (tests/conftest.py), ages are whole numbers."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from explanations import runs
from explanations.models import Explanation
from jobs.services import job_run
from limelight.amount_words import amount
from tests.conftest import risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]

TABLE = risk_table()
LOW_ROW = int(TABLE.index[(TABLE["age"] <= 45) & (TABLE["age"] >= 30)][0])  # a "low" case, 5+ years under the line


def explain_from_the_form(client, model, **fields) -> Explanation:
    response = client.post(
        reverse("explanations:request", args=[model.pk]),
        {"row": str(LOW_ROW), "explainer": "counterfactual", **fields},
    )
    explanation = Explanation.objects.latest("pk")
    assert response.url == reverse("explanations:detail", args=[explanation.pk])
    job_run(model=Explanation, pk=explanation.pk, work=runs.explanation_run)  # what the worker runs
    explanation.refresh_from_db()
    return explanation


@pytest.fixture
def tree(make_trained_model, user):
    return make_trained_model(user, classifier="decision_tree")


def test_the_form_finds_that_only_age_changes_to_51_and_the_page_shows_it_checked(logged_in, tree):
    explanation = explain_from_the_form(logged_in, tree)
    assert explanation.succeeded, explanation.message
    ways = explanation.result["counterfactuals"]
    assert explanation.result["desired_name"] == "high"
    assert [[c["feature"] for c in way["changes"]] for way in ways] == [["age"]]
    assert ways[0]["changes"][0]["after"] == 51  # the smallest whole age over 50
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    age = TABLE.loc[LOW_ROW, "age"]
    assert f"If age were 51 instead of {age}, the model would say “high”" in page
    assert '<td class="changed"><mark>51</mark></td>' in page  # the changed cell, marked
    assert "(validity)" in page and "(sparsity)" in page and "(proximity)" in page and "(plausibility)" in page
    assert "Repeated with 2 other seeds, the search changed the same columns every time" in page
    assert "LIME&#x27;s top" in page or "LIME's top" in page
    assert f"?explanation={explanation.pk}&amp;counterfactual=0" in page
    # One click opens it in "what if" with the changed values filled in.
    what_if = logged_in.get(
        reverse("explanations:what_if", args=[tree.pk]) + f"?explanation={explanation.pk}&counterfactual=0"
    )
    assert 'value="51"' in what_if.text


def test_age_marked_cannot_change_finds_nothing_and_says_age_blocks_it(logged_in, tree):
    explanation = explain_from_the_form(logged_in, tree, fixed_columns=["age"])
    assert explanation.succeeded, explanation.message
    assert explanation.result["found"] is False
    assert explanation.result["blocking"] == ["age"]
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "No way found." in page
    assert escape("every way found moves “age”, which you marked as “cannot change”") in page
    assert "Look closer" in page  # the verdict does not call an empty search proof


def test_a_range_is_read_from_the_form_and_kept(logged_in, tree):
    explanation = explain_from_the_form(logged_in, tree, value_ranges="age 20 to 45")
    assert explanation.value_ranges == {"age": [20.0, 45.0]}
    assert explanation.result["found"] is False
    assert "outside its range" in explanation.result["message"]
    response = logged_in.post(
        reverse("explanations:request", args=[tree.pk]),
        {"row": "1", "explainer": "counterfactual", "value_ranges": "age from 20"},
        follow=True,
    )
    assert escape("Write a range as “column 18 to 65”") in response.text
    response = logged_in.post(
        reverse("explanations:request", args=[tree.pk]),
        {"row": "1", "explainer": "counterfactual", "value_ranges": "smoker 0 to 1"},
        follow=True,
    )
    assert escape("A range can be set for a number column the model uses; “smoker” is not one.") in response.text


def test_exports_and_a_share_link_show_the_same_ways(logged_in, client, tree, user):
    explanation = explain_from_the_form(logged_in, tree)
    rows = list(
        csv.reader(io.StringIO(logged_in.get(reverse("explanations:export", args=[explanation.pk, "csv"])).text))
    )
    assert rows[0][:5] == ["way", "feature", "from", "to", "class reached"]
    assert rows[1][:5] == ["1", "age", str(TABLE.loc[LOW_ROW, "age"]), "51", "high"]
    document = json.loads(logged_in.get(reverse("explanations:export", args=[explanation.pk, "json"])).content)
    assert document["explanation"]["counterfactuals"][0]["changes"] == [
        {"feature": "age", "from": int(TABLE.loc[LOW_ROW, "age"]), "to": 51}
    ]
    assert logged_in.get(reverse("explanations:export", args=[explanation.pk, "png"])).status_code == 404  # no chart
    response = logged_in.post(reverse("explanations:share", args=[explanation.pk]), {"days": "7"})
    assert response.status_code == 302
    token = explanation.share_links.get().token
    shared = client.get(reverse("shared:view", args=[token])).text
    assert "If age were 51 instead of" in shared
    assert "counterfactual=0" not in shared  # "what if" is the owner's
    assert "If age were 51 instead of" in client.get(reverse("shared:present", args=[token])).text
    assert "If age were 51 instead of" in logged_in.get(reverse("explanations:present", args=[explanation.pk])).text


def test_the_command_line_prints_the_counterfactuals_document(tmp_path, capsys):
    path = tmp_path / "risk.csv"
    TABLE.to_csv(path, index=False)
    call_command(
        "explain", str(path), "--target", "risk", "--classifier", "decision_tree", "--explainer", "counterfactual",
        "--row", str(LOW_ROW), "--count", "2", "--json",
    )  # fmt: skip
    explanation = json.loads(capsys.readouterr().out)["explanation"]
    assert explanation["found"] is True
    assert explanation["counterfactuals"][0]["changes"] == [
        {"feature": "age", "from": int(TABLE.loc[LOW_ROW, "age"]), "to": 51}
    ]
    assert explanation["counterfactuals"][0]["prediction"]["label"] == "high"
    assert explanation["counterfactuals"][0]["prediction"]["probability"] > 0.5
    call_command(
        "explain", str(path), "--target", "risk", "--classifier", "decision_tree", "--explainer", "counterfactual",
        "--row", str(LOW_ROW), "--fixed", "age,smoker", "--json",
    )  # fmt: skip
    explanation = json.loads(capsys.readouterr().out)["explanation"]
    assert (explanation["found"], explanation["counterfactuals"]) == (False, [])
    assert "“age”" in explanation["message"]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--explainer", "lime", "--fixed", "age"], "--fixed: only for --explainer counterfactual"),
        (["--explainer", "counterfactual", "--desired", "medium"], "--desired must be one of the classes: high, low"),
        (["--explainer", "counterfactual", "--fixed", "height"], "does not use a column “height”"),
        (["--explainer", "counterfactual", "--count", "11"], "number of ways to find must be between 1 and 10"),
    ],
)
def test_the_command_line_refuses_bad_counterfactual_flags_in_one_line(tmp_path, capsys, flags, words):
    path = tmp_path / "risk.csv"
    TABLE.to_csv(path, index=False)
    with pytest.raises(SystemExit) as exit_:
        call_command("explain", str(path), "--target", "risk", "--classifier", "decision_tree", *flags)
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


def mass_table(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    """mass_g = 3·x1 − 2·x2 + noise (sd 0.5); x3 unused: a model of amounts with a known answer."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, size=(rows, 3)).round(3)
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    frame["mass_g"] = (3 * x[:, 0] - 2 * x[:, 1] + rng.normal(0, 0.5, rows)).round(3)
    return frame


def test_an_amount_is_brought_above_a_value_by_one_column_at_a_time(logged_in, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from classifiers import runs as classifier_runs
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel

    frame = mass_table()
    row = int(np.flatnonzero(frame.x1.between(2, 6) & frame.x2.between(4, 8))[0])
    upload = SimpleUploadedFile("mass.csv", frame.to_csv(index=False).encode(), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = classifier_services.model_train_request(
        dataset=dataset, target="mass_g", classifier="linear_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.predicts_amount, model.message
    predicted = 3 * frame.x1[row] - 2 * frame.x2[row]  # the model's answer, up to its fit (noise sd 0.5)
    target = round(float(predicted) + 6, 1)
    response = logged_in.post(
        reverse("explanations:request", args=[model.pk]),
        {"row": str(row), "explainer": "counterfactual", "amount_goal": "above", "amount_target": str(target)},
    )
    explanation = Explanation.objects.latest("pk")
    assert response.url == reverse("explanations:detail", args=[explanation.pk])
    job_run(model=Explanation, pk=explanation.pk, work=runs.explanation_run)
    explanation.refresh_from_db()
    assert explanation.succeeded, explanation.message
    ways = {tuple(c["feature"] for c in way["changes"]): way for way in explanation.result["counterfactuals"]}
    assert ("x1",) in ways and ("x2",) in ways  # +6 g: x1 up by about 2 (3 g each), or x2 down by about 3
    assert all("x3" not in names for names in ways)
    assert all(way["value"] > target for way in ways.values())
    assert all(way["nearest_real"] is not None for way in ways.values())  # rows whose mass is past the target
    assert ways[("x1",)]["changes"][0]["after"] - frame.x1[row] == pytest.approx(2.0, abs=0.15)
    assert frame.x2[row] - ways[("x2",)]["changes"][0]["after"] == pytest.approx(3.0, abs=0.2)
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "bring the prediction <strong>above" in page
    assert "the model would predict" in page and " g (above " in page
    assert "Nearest real row above" in page


def test_the_command_line_brings_an_amount_below_a_value(tmp_path, capsys):
    frame = mass_table()
    path = tmp_path / "mass.csv"
    frame.to_csv(path, index=False)
    row = int(np.flatnonzero(frame.x1.between(2, 6) & frame.x2.between(2, 6))[0])
    target = round(float(3 * frame.x1[row] - 2 * frame.x2[row]) - 4, 1)
    common = ["explain", str(path), "--target", "mass_g", "--classifier", "linear_regression", "--row", str(row)]
    call_command(*common, "--explainer", "counterfactual", "--below", str(target), "--no-diagnostics", "--json")
    explanation = json.loads(capsys.readouterr().out)["explanation"]
    assert explanation["found"] is True and explanation["desired"] == f"below {amount(target, 'g')}"
    for way in explanation["counterfactuals"]:
        assert way["prediction"]["value"] < target
        assert {c["feature"] for c in way["changes"]} <= {"x1", "x2"}
    with pytest.raises(SystemExit):
        call_command(*common, "--explainer", "counterfactual", "--above", "1", "--below", "2")
    assert "--above, --below: give one of them." in capsys.readouterr().err


def test_a_lime_result_asks_what_would_change_it_side_by_side(logged_in, tree, make_explanation):
    lime = make_explanation(tree, row=LOW_ROW, diagnostics=False)
    page = logged_in.get(reverse("explanations:detail", args=[lime.pk])).text
    assert 'value="counterfactual"' in page  # the side-by-side button
    response = logged_in.post(reverse("explanations:pair_request", args=[lime.pk]), {"explainer": "counterfactual"})
    second = Explanation.objects.latest("pk")
    assert (second.explainer, second.row_index) == ("counterfactual", LOW_ROW)
    assert response.url == reverse("explanations:compare", args=[lime.pk, second.pk])
    job_run(model=Explanation, pk=second.pk, work=runs.explanation_run)
    compared = logged_in.get(response.url).text
    assert "What pushed the prediction" in compared and "What would change it" in compared
    assert "If age were 51 instead of" in compared


def test_the_whole_model_report_lists_each_way_in_words(tree, make_explanation):
    from explanations import services
    from explanations.models import ModelReport

    make_explanation(tree, row=LOW_ROW, explainer="counterfactual", diagnostics=False)
    report = services.report_request(model=tree, dispatch=False)
    job_run(model=ModelReport, pk=report.pk, work=runs.report_run)
    report.refresh_from_db()
    assert report.succeeded, report.message
    listed = [e for e in report.result["explanations"] if e["explainer"] == "counterfactual"]
    assert [line.startswith("If age were 51 instead of") for e in listed for line in e["lines"]] == [True]
