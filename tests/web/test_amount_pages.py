"""Pages for models that predict an amount (issue 25): the training form's task, the model page's
error in the target's unit beside the average's, the predicted-against-actual chart, explanation
pages, exports and share links in grams.

The table is generated with a known answer: mass_g = 3000 + 300·x1 − 200·x2 + noise, x3 irrelevant.
Presentation tests use a model that *is* the formula (so every score is worked out by hand from
the generated noise) and explanation results written by hand; the real training path is tested
at the end of the file.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from classifiers.artifacts import ModelRows, store_model
from classifiers.models import TrainedModel
from explanations import services as explanation_services
from explanations.models import Explanation
from jobs.models import JobStatus
from limelight.amounts import AmountModel
from tests.conftest import csv_bytes

pytestmark = pytest.mark.web

MINUS = "\u2212"
ROWS = 200
NOISE = 50.0


def mass_table(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, x3 = (rng.uniform(0, 10, rows).round(2) for _ in range(3))
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "x3": x3,
            "colour": rng.choice(["red", "blue"], rows),
            "stars": rng.integers(1, 6, rows),  # a 1-5 rating: an amount or a category
            "mass_g": (3000 + 300 * x1 - 200 * x2 + rng.normal(0, NOISE, rows)).round(1),
        }
    )


class Formula:
    """A 'model' that is the data's own formula without the noise: its scores follow from the noise alone."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return 3000 + 300 * X["x1"].to_numpy(float) - 200 * X["x2"].to_numpy(float)


@pytest.fixture
def table():
    return mass_table()


@pytest.fixture
def amount_dataset(user, make_dataset, table):
    return make_dataset(user, content=csv_bytes(table), name="mass.csv")


@pytest.fixture
def formula_model(amount_dataset, table):
    """An amount model trained by hand: the formula, held out on the last quarter of the rows."""
    y = table["mass_g"].to_numpy(float)
    train, test = np.arange(150), np.arange(150, ROWS)
    predicted = Formula().predict(table)
    mean = float(y[train].mean())
    errors = y[test] - predicted[test]
    model = TrainedModel.objects.create(
        dataset=amount_dataset,
        classifier="linear_regression",
        task="regression",
        target="mass_g",
        features=["x1", "x2", "x3"],
        numeric=["x1", "x2", "x3"],
        class_names=["mass_g"],
        status=JobStatus.SUCCEEDED,
        training_seconds=0.1,
        metrics={
            "mae": float(np.mean(np.abs(errors))),
            "r2": 1 - float(np.sum(errors**2) / np.sum((y[test] - y[test].mean()) ** 2)),
            "baseline_mae": float(np.mean(np.abs(y[test] - mean))),
            "baseline_value": mean,
            "default_band": 0.1 * float(np.subtract(*np.percentile(y[train], [95, 5]))),
            "n_train": 150,
            "n_test": 50,
            "actual_predicted": [[float(a), float(p)] for a, p in zip(y[test], predicted[test], strict=True)],
        },
    )
    in_training = np.zeros(ROWS, dtype=bool)
    in_training[train] = True
    rows = ModelRows(predictions=predicted, truths=y, confidence=np.full(ROWS, np.nan), in_training=in_training)
    model.artifact = store_model(model, pipeline=AmountModel(Formula()), rows=rows, pictures={})
    model.save()
    return model


def hand_explanation(model, explainer: str, result: dict, row: int = 0, **fields) -> Explanation:
    return Explanation.objects.create(
        model=model,
        row_index=row,
        explainer=explainer,
        status=JobStatus.SUCCEEDED,
        label=0,
        probabilities=[],
        instance={"x1": "8.5", "x2": "1.2", "x3": "4.0", "colour": "red", "stars": "3", "mass_g": "3300.0"},
        result=result,
        explaining_seconds=0.2,
        **fields,
    )


LIME = {
    "value": 3309.4,
    "weights": [
        {"feature": "x1", "condition": "x1 > 7.50", "weight": 652.3},
        {"feature": "x2", "condition": "x2 <= 2.50", "weight": -411.8},
        {"feature": "x3", "condition": "3.00 < x3 <= 5.00", "weight": 3.2},
    ],
    "score": 0.93,
    "intercept": 3050.0,
    "local_prediction": 3293.7,
}
ANCHOR = {
    "value": 3309.4,
    "band": [3009.4, 3609.4],
    "rule": ["x1 > 7.50"],
    "conditions": [],
    "precision": 0.97,
    "precision_low": 0.955,
    "precision_high": 0.98,
    "support": 800,
    "coverage": 0.25,
    "threshold": 0.95,
    "meets_threshold": True,
    "is_empty": False,
    "checked_on": "samples",
    "samples_used": 1200,
    "candidates_tried": 9,
}


def test_the_training_form_says_the_task_and_offers_the_switch_and_models_that_fit(logged_in, amount_dataset):
    page = logged_in.get(reverse("classifiers:dataset", args=[amount_dataset.pk])).text
    # Each column to predict carries its tasks, the default first: many numbers are an amount,
    # a 1-5 rating may be either, words are a category.
    tasks = dict(re.findall(r'<option value="(\w+)"[^>]*? data-tasks="([\w ]+)"', page.split('name="classifier"')[0]))
    assert tasks["mass_g"] == "regression"
    assert tasks["stars"] == "classification regression"
    assert tasks["colour"] == "classification"
    models = dict(re.findall(r'<option value="(\w+)"[^>]*? data-tasks="([\w ]+)"', page.split('name="classifier"')[1]))
    assert models["linear_regression"] == "regression"
    assert models["logistic_regression"] == models["naive_bayes"] == "classification"
    assert models["random_forest"] == "classification regression"
    # Reading a text column, fewer kinds of model learn each task (the engine's text lists).
    text = dict(re.findall(r'<option value="(\w+)"[^>]*? data-text-tasks="([\w ]*)"', page))
    assert text["linear_regression"] == "regression" and text["svm"] == "classification regression"
    assert text["naive_bayes"] == "classification" and text["gradient_boosting"] == ""
    assert 'name="task" value="regression"' in page and "data-task-choice" in page
    assert "js/task-switch.js" in page


def test_the_model_page_says_the_error_in_grams_beside_the_average_and_draws_the_chart(logged_in, formula_model, table):
    metrics = formula_model.metrics
    # The formula's error is the noise's: on 50 rows its mean |noise| is near σ·√(2/π) ≈ 40 g, far below
    # the average's error (the amounts spread over thousands of grams).
    assert 25 < metrics["mae"] < 55 and metrics["baseline_mae"] > 500
    page = logged_in.get(reverse("classifiers:model", args=[formula_model.pk])).text
    mae = f"{metrics['mae']:.3g}"
    assert f"Off by {mae} g on average on the 50 held-out rows." in page
    average = f"{metrics['baseline_value']:,.0f}"
    assert f"Always predicting the average “mass_g” ({average} g) would be off by" in page
    assert "It predicts an amount: how much “mass_g”, in g." in page
    assert "accuracy" not in page.lower()  # nor balanced accuracy or macro F1: no model here picks categories
    assert 'value="entropy"' not in page  # ranges that separate classes: none to separate
    assert "True class" not in page and "Predicted class" not in page
    chart = logged_in.get(reverse("classifiers:actual_predicted", args=[formula_model.pk]))
    assert chart["Content-Type"] == "image/svg+xml"
    assert b"always the average (" in chart.content and b"(50" in chart.content
    # The row picker shows the file's amount and the prediction in grams, not a probability.
    first = table.iloc[0]
    predicted = 3000 + 300 * first["x1"] - 200 * first["x2"]
    assert f'<span class="predicted-class">{predicted:,.0f} g</span>' in page


def test_a_category_model_has_no_amount_chart(logged_in, formula_model):
    TrainedModel.objects.filter(pk=formula_model.pk).update(task="classification")
    assert logged_in.get(reverse("classifiers:actual_predicted", args=[formula_model.pk])).status_code == 404


def test_lime_for_an_amount_reads_in_grams(logged_in, formula_model, table):
    explanation = hand_explanation(formula_model, "lime", LIME)
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert 'The model predicts <strong class="predicted">3,309 g</strong> for “mass_g”.' in page
    assert "x1 above 7.5" in page and "adds about 652 g" in page
    assert "takes away about 412 g" in page and f"{MINUS}412 g" in page
    assert "probability" not in page.lower()
    # Row 1's own amount against the 3,309 g written in the result: near enough only within the usual band.
    truth, band = table["mass_g"][0], formula_model.metrics["default_band"]
    near = "within" if abs(3309.4 - truth) <= band else "more than"
    assert f"The file says {truth:,.0f} g: the model is off by {abs(3309.4 - truth):,.0f} g" in page
    assert f"{near} its usual band of ± {band:,.0f} g" in page
    weights = logged_in.get(reverse("explanations:export", args=[explanation.pk, "csv"])).content.decode()
    assert next(csv.reader(io.StringIO(weights))) == ["feature", "condition", "weight", "amount explained"]
    chart = logged_in.get(reverse("explanations:export", args=[explanation.pk, "svg"])).content.decode()
    assert "+652 g" in chart and "lowers the predicted" in chart


def test_kernel_shap_for_an_amount_starts_from_the_average_prediction(logged_in, formula_model):
    result = {**LIME, "base_value": 2993.0, "prediction": 3309.4, "num_samples": 400}
    explanation = hand_explanation(formula_model, "shap", result)
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "the model predicts 2,993 g for “mass_g”; for this case it predicts 3,309 g" in page
    assert "probability" not in page.lower()


def test_a_rule_for_an_amount_keeps_its_prediction_in_a_band_said_in_grams(logged_in, formula_model):
    default = hand_explanation(formula_model, "anchor", ANCHOR)
    page = logged_in.get(reverse("explanations:detail", args=[default.pk])).text
    assert "keeps predicting <strong>between 3,009 g and 3,609 g</strong>" in page
    assert "give or take 300 g — the usual band" in page
    asked = hand_explanation(formula_model, "anchor", ANCHOR, band_width=300.0)
    assert "the band you asked for" in logged_in.get(reverse("explanations:detail", args=[asked.pk])).text
    rows = list(csv.reader(io.StringIO(logged_in.get(reverse("explanations:export", args=[default.pk, "csv"])).text)))
    assert rows[0][-3:] == ["amount predicted", "band_low", "band_high"]
    assert rows[1][-2:] == ["3009.4", "3609.4"]


def test_the_explain_form_offers_the_band_with_its_default_in_grams(logged_in, formula_model):
    page = logged_in.get(reverse("classifiers:model", args=[formula_model.pk])).text
    band = formula_model.metrics["default_band"]
    assert 'name="band_width"' in page
    assert f"Empty: ± {band:,.0f} g, a tenth of the spread of “mass_g”" in page
    assert 'name="label"' not in page  # one amount: no class to choose


@pytest.mark.parametrize(
    ("band", "said"),
    [
        ("-5", "how close the prediction must stay (±): Ensure this value is greater than or equal to 0."),
        ("0", "The band around the prediction must be over 0; leave it empty for the usual one."),
        ("abc", "how close the prediction must stay (±): Enter a number."),
    ],
)
def test_a_bad_band_is_said_in_a_sentence_never_a_500(logged_in, formula_model, band, said):
    url = reverse("explanations:request", args=[formula_model.pk])
    response = logged_in.post(url, {"row": "0", "explainer": "anchor", "band_width": band}, follow=True)
    assert response.status_code == 200
    assert said in response.text
    assert not Explanation.objects.exists()


def test_a_share_link_shows_grams_and_only_what_was_ticked(client, user, formula_model):
    explanation = hand_explanation(formula_model, "lime", LIME)
    link = explanation_services.share_link_create(user=user, explanation=explanation)
    page = client.get(reverse("shared:view", args=[link.token])).text
    assert 'The model predicts <strong class="predicted">3,309 g</strong>' in page
    assert "adds about 652 g" in page
    assert "The file says" not in page and "3300.0" not in page  # the true amount was not ticked
    owner = client.get(reverse("explanations:detail", args=[explanation.pk]))  # not logged in: no owner page
    assert owner.status_code == 302
    client.force_login(user)
    detail = client.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "Its true “mass_g”: 3,300 g" in detail  # the share form's tick box says what ticking adds
    model_link = explanation_services.share_link_create(user=user, model=formula_model)
    summary = client.get(reverse("shared:view", args=[model_link.token])).text
    assert "it predicts an amount: “mass_g”" in summary and "Off by" in summary
    chart = client.get(reverse("shared:actual_predicted", args=[model_link.token]))
    assert chart.status_code == 200 and b"always the average" in chart.content


def test_the_what_if_curve_of_an_amount_reads_in_grams(logged_in, formula_model):
    explanation = hand_explanation(formula_model, "lime", LIME)
    page = logged_in.get(reverse("explanations:what_if_curve", args=[explanation.pk]), {"feature": "x1"}).text
    assert "The line shows the “mass_g” the model predicts, in g" in page
    cells = re.findall(r'<td class="num">([^<]+)</td>', page)
    assert cells and all(cell.endswith(" g") for cell in cells)
    # The formula adds 300 g per unit of x1: the curve's ends differ by 300 g for each unit between them.
    values = [float(v) for v in re.findall(r"<tr><td>([\d.]+)", page)]
    grams = [float(c.removesuffix(" g").replace(",", "").replace(MINUS, "-")) for c in cells]
    assert (grams[-1] - grams[0]) / (values[-1] - values[0]) == pytest.approx(300, rel=0.02)


def test_a_model_no_closer_than_the_average_is_flagged_on_its_pages(logged_in, client, user, formula_model):
    metrics = {**formula_model.metrics, "mae": formula_model.metrics["baseline_mae"] + 1.0, "n_test": 12}
    TrainedModel.objects.filter(pk=formula_model.pk).update(metrics=metrics)
    warning = "This model does no better than always predicting the average “mass_g”: do not trust its explanations."
    few = "The scores rest on only 12 held-out rows — too few to be sure of them."
    page = logged_in.get(reverse("classifiers:model", args=[formula_model.pk])).text
    assert warning in page and few in page
    assert "no better than the average</span>" in page  # the comparison table's badge
    link = explanation_services.share_link_create(user=user, model=formula_model)
    shared = client.get(reverse("shared:view", args=[link.token])).text
    assert warning in shared and few in shared


def test_from_the_form_to_the_pages_through_the_real_training_and_explainers(
    logged_in, amount_dataset, table, make_explanation
):
    url = reverse("classifiers:train", args=[amount_dataset.pk])
    refused = logged_in.post(url, {"target": "mass_g", "classifier": "logistic_regression"})
    assert refused.status_code == 400
    assert "Logistic regression picks categories; it cannot predict an amount." in refused.text
    assert not TrainedModel.objects.exists()
    # A 1-5 rating predicted as an amount because the person chose so; many numbers are one anyway.
    logged_in.post(url, {"target": "stars", "task": "regression", "classifier": "linear_regression"})
    logged_in.post(url, {"target": "mass_g", "classifier": "linear_regression"})
    stars, mass = TrainedModel.objects.order_by("pk")
    assert (stars.task, mass.task) == ("regression", "regression")

    from classifiers import runs
    from jobs.services import job_run

    job_run(model=TrainedModel, pk=mass.pk, work=runs.model_train)
    mass.refresh_from_db()
    # A linear model of y = 3000 + 300·x1 − 200·x2 + N(0, 50²) is off by about σ·√(2/π) ≈ 40 g, and
    # accounts for 1 − 50² / (300² + 200²)·(100/12) ≈ 99.8% of the variance.
    assert 30 < mass.metrics["mae"] < 55
    page = logged_in.get(reverse("classifiers:model", args=[mass.pk])).text
    assert "It accounts for over 99% of how “mass_g” differs from one row to the next." in page

    row = int(np.flatnonzero((table["x1"] > 8) & (table["x2"] > 8))[0])
    lime = make_explanation(mass, row=row, num_samples=1000)
    reasons = {w["feature"]: w["weight"] for w in lime.result["weights"]}
    assert reasons["x1"] > 0 > reasons["x2"]
    detail = logged_in.get(reverse("explanations:detail", args=[lime.pk])).text
    assert "x1 above" in detail and "adds about" in detail and "takes away about" in detail
    assert f'<strong class="predicted">{lime.result["value"]:,.0f} g</strong>' in detail
    # The trust checks' curves follow the amount in grams, not a probability clipped to 0..1.
    curves = b"".join(logged_in.get(reverse("explanations:diagnostic", args=[lime.pk, "curves"])).streaming_content)
    curves = curves.decode()
    axis = " ".join(" ".join(re.findall(r">([^<>]+)</text>", curves)).split())
    assert "predicted 'mass_g' (g)" in axis and "probability" not in axis
    for name, words in (("stability", "raises 'mass_g' →, in g"), ("kernel", "weight on the predicted 'mass_g' (g)")):
        chart = b"".join(logged_in.get(reverse("explanations:diagnostic", args=[lime.pk, name])).streaming_content)
        assert words in " ".join(" ".join(re.findall(r">([^<>]+)</text>", chart.decode())).split()), name

    rule = make_explanation(mass, row=row, explainer="anchor", band_width=150.0, num_samples=1000)
    low, high = rule.result["band"]
    assert (low, high) == pytest.approx((rule.result["value"] - 150, rule.result["value"] + 150))
    detail = logged_in.get(reverse("explanations:detail", args=[rule.pk])).text
    assert f"keeps predicting <strong>between {low:,.0f} g and {high:,.0f} g</strong>" in detail
    assert "give or take 150 g — the band you asked for" in detail


def test_a_file_of_measurements_says_its_first_column_is_an_amount_not_classes(logged_in, make_dataset, user):
    only_numbers = mass_table()[["x1", "x2", "mass_g"]]
    dataset = make_dataset(user, content=csv_bytes(only_numbers), name="measurements.csv")
    page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
    target = re.search(r'<option value="(\w+)"[^>]*? selected', page).group(1)
    assert f"predicting an amount: “{target}”" in page
    assert f"“{target}” holds many different numbers: the model will estimate an amount" in page
    assert "has 0 classes" not in page


def test_side_by_side_present_and_the_other_exports_of_an_amount(logged_in, formula_model):
    lime = hand_explanation(formula_model, "lime", LIME)
    rule = hand_explanation(formula_model, "anchor", ANCHOR)
    page = logged_in.get(reverse("explanations:compare", args=[lime.pk, rule.pk])).text
    assert page.count('The model predicts <strong class="predicted">3,309 g</strong>') == 2
    assert re.search(r"held out:\s+off by \d+(\.\d)? g", page) and "accuracy" not in page
    assert "keeps predicting <strong>between 3,009 g and 3,609 g</strong>" in page
    present = logged_in.get(reverse("explanations:present", args=[lime.pk])).text
    assert 'The model predicts <strong class="predicted">3,309 g</strong>, mostly because' in present
    assert "+652 g" in present and "(0%)" not in present
    shown = logged_in.get(reverse("explanations:present", args=[rule.pk])).text
    assert "THEN</span> it keeps predicting between 3,009 g and 3,609 g" in shown
    png = logged_in.get(reverse("explanations:export", args=[rule.pk, "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    document = logged_in.get(reverse("explanations:export", args=[lime.pk, "json"])).json()
    assert "probabilities" not in document.get("prediction", {})
    chart = logged_in.get(reverse("explanations:what_if_chart", args=[lime.pk]), {"feature": "x1"}).content.decode()
    assert "predicted 'mass_g' (g)" in " ".join(re.findall(r">([^<>]+)</text>", chart))


def test_the_representative_rows_of_an_amount_model_read_in_grams(logged_in, formula_model, table):
    from explanations import runs
    from explanations.models import ModelOverview
    from jobs.services import job_run

    overview = explanation_services.overview_request(model=formula_model, dispatch=False)
    job_run(model=ModelOverview, pk=overview.pk, work=runs.overview_run)
    page = logged_in.get(reverse("explanations:overview", args=[overview.pk])).text
    picks = ModelOverview.objects.get(pk=overview.pk).result["picks"]
    assert picks
    for pick in picks:  # each pick's prediction is the formula's, said in grams
        first = table.iloc[pick["row"]]
        assert pick["value"] == pytest.approx(3000 + 300 * first["x1"] - 200 * first["x2"])
        assert f"predicted {pick['value']:,.0f} g</h2>" in page
    assert "predicted mass_g" not in page and "each predicted class" not in page
    assert "▶ raises it" in page or "◀ lowers it" in page
