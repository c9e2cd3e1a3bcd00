"""Amounts (issue 25) through the training request and the job the worker runs: the task decided from
the target or chosen, the estimators each task accepts, the metrics in the target's own unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.artifacts import model_rows
from classifiers.models import TrainedModel
from jobs.services import job_run
from tests.conftest import csv_bytes

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def linear_table(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    """y = 3·x1 − 2·x2 + noise (sd 0.5), x3 irrelevant, and a 1-5 rating that follows x1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, size=(rows, 3))
    frame = pd.DataFrame(x.round(3), columns=["x1", "x2", "x3"])
    frame["rating"] = np.clip(np.round(x[:, 0] / 2.5) + 1, 1, 5).astype(int)
    frame["mass_g"] = (3 * x[:, 0] - 2 * x[:, 1] + rng.normal(0, 0.5, rows)).round(3)
    return frame


@pytest.fixture
def amounts_dataset(user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("linear.csv", csv_bytes(linear_table()), "text/csv")
    return services.dataset_create(owner=user, upload=upload)


def train(dataset, **options) -> TrainedModel:
    model = services.model_train_request(dataset=dataset, dispatch=False, **options)
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def test_a_column_of_many_numbers_is_learned_as_an_amount_and_scored_in_its_unit(amounts_dataset):
    model = train(amounts_dataset, target="mass_g", classifier="linear_regression")
    assert model.task == "regression" and model.predicts_amount
    assert model.class_names == ["mass_g"]
    metrics = model.metrics
    # Noise of sd 0.5 has a mean absolute size of 0.5·sqrt(2/π) ≈ 0.40; a ridge recovers the plane.
    assert 0.3 < metrics["mae"] < 0.55
    # y's spread: 3·U(0,10) − 2·U(0,10) has variance (9 + 4)·100/12 ≈ 108, so R² ≈ 1 − 0.25/108.
    assert metrics["r2"] > 0.99
    # Always predicting the mean is off by E|Z − EZ| = 8.61 for Z = 3·U(0,10) − 2·U(0,10) (numerically, 10^7
    # draws); on 60 held-out rows its sampling sd is 0.75, so within three of them.
    assert abs(metrics["baseline_mae"] - 8.61) < 3 * 0.75
    assert metrics["n_test"] == 60 and metrics["n_train"] == 180
    pairs = np.array(metrics["actual_predicted"])
    assert pairs.shape == (60, 2) and np.mean(np.abs(pairs[:, 0] - pairs[:, 1])) == pytest.approx(metrics["mae"])
    frame = linear_table()
    train_rows = model_rows(model).in_training
    p5, p95 = np.percentile(frame["mass_g"][train_rows], [5, 95])
    assert metrics["default_band"] == pytest.approx((p95 - p5) / 10)
    rows = model_rows(model)
    assert np.allclose(rows.truths, frame["mass_g"]) and np.isnan(rows.confidence).all()


def test_a_rating_is_a_category_unless_the_person_asks_for_an_amount(amounts_dataset):
    from classifiers.handlers.tabular import target_tasks

    assert target_tasks(amounts_dataset, "rating") == ("classification", "regression")
    assert target_tasks(amounts_dataset, "mass_g") == ("regression",)
    as_category = train(amounts_dataset, target="rating", classifier="random_forest")
    assert as_category.task == "classification" and as_category.class_names == ["1", "2", "3", "4", "5"]
    as_amount = train(amounts_dataset, target="rating", classifier="random_forest", task="amount")
    assert as_amount.task == "regression" and "mae" in as_amount.metrics


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"target": "mass_g", "classifier": "logistic_regression"}, "cannot predict an amount"),
        ({"target": "mass_g", "classifier": "naive_bayes"}, "Linear regression (ridge)"),
        ({"target": "rating", "classifier": "linear_regression"}, "cannot pick a category"),
        ({"target": "mass_g", "classifier": "random_forest", "task": "category"}, "predict it as an amount"),
        ({"target": "rating", "classifier": "random_forest", "task": "size"}, "is not a task"),
    ],
)
def test_an_estimator_of_the_other_task_is_refused_with_the_ones_to_pick(amounts_dataset, options, words):
    with pytest.raises(services.UploadError, match=None) as refused:
        services.model_train_request(dataset=amounts_dataset, dispatch=False, **options)
    assert words in str(refused.value)
    assert not TrainedModel.objects.exists()


# --- explanations of an amount, as the worker runs them --------------------------------------------


@pytest.fixture
def amount_model(amounts_dataset):
    return train(amounts_dataset, target="mass_g", classifier="linear_regression")


def high_x1_high_x2_row() -> int:
    frame = linear_table()
    return int(np.flatnonzero((frame.x1 > 7.5) & (frame.x2 > 7.5))[0])


def test_lime_of_an_amount_weighs_in_its_unit_and_every_trust_check_runs(amount_model, make_explanation):
    row = high_x1_high_x2_row()
    explanation = make_explanation(amount_model, row=row, num_samples=2000)
    frame = linear_table()
    expected = 3 * frame.x1[row] - 2 * frame.x2[row]  # the ridge has learned the plane (R² > 0.99)
    assert explanation.probabilities == [] and explanation.label == 0
    assert explanation.result["value"] == pytest.approx(expected, abs=1.0)
    weights = {w["feature"]: w["weight"] for w in explanation.result["weights"]}
    assert weights["x1"] > 0 > weights["x2"] and abs(weights["x3"]) < abs(weights["x2"]) / 10
    checks = explanation.diagnosis.result
    assert {"stability", "kernel", "curves"} <= set(checks)
    # Hiding x1 (high) and x2 (high, pushing down) in the explanation's order moves the amount more than
    # hiding x3: the curves say so in the amount's words.
    assert "predicted amount" in checks["curves"]["deletion"]["verdict"]


def test_anchors_of_an_amount_keep_the_prediction_in_the_band_the_person_set(amount_model, make_explanation):
    row = high_x1_high_x2_row()
    default = make_explanation(amount_model, row=row, explainer="anchor")
    value = default.result["value"]
    half = amount_model.metrics["default_band"]
    assert default.result["band"] == pytest.approx([value - half, value + half])
    assert default.result["band_is_default"] and default.probabilities == []
    assert 0 <= default.result["precision_low"] <= default.result["precision"] <= default.result["precision_high"] <= 1
    wide = make_explanation(amount_model, row=row, explainer="anchor", band_width=100.0)
    # ± 100 holds every prediction of the file (they span about −20 to 30): no condition is needed.
    assert wide.result["band"] == pytest.approx([value - 100, value + 100]) and not wide.result["band_is_default"]
    assert wide.result["rule"] == [] and wide.result["meets_threshold"]


def test_kernel_shap_of_an_amount_adds_up_to_the_prediction(amount_model, make_explanation):
    explanation = make_explanation(amount_model, row=high_x1_high_x2_row(), explainer="shap")
    result = explanation.result
    total = result["base_value"] + sum(w["weight"] for w in result["weights"])
    assert total == pytest.approx(result["prediction"], abs=1e-6) and result["prediction"] == pytest.approx(
        result["value"]
    )


def test_entropy_bins_are_refused_for_an_amount_in_words(amount_model):
    from explanations import runs as explanation_runs
    from explanations import services as explanation_services
    from explanations.models import Explanation

    explanation = explanation_services.explanation_request(
        model=amount_model, row_index=0, dispatch=False, discretizer="entropy"
    )
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    assert explanation.status == "failed" and "predicts an amount" in explanation.message


def review_prices(rows: int = 160, seed: int = 0) -> pd.DataFrame:
    """A price in euros that words set: "luxury" adds 50, "cheap" takes 30 off, the rest is filler."""
    rng = np.random.default_rng(seed)
    filler = ["room", "view", "breakfast", "street", "staff", "bed", "quiet", "near"]
    texts, prices = [], []
    for _ in range(rows):
        words = list(rng.choice(filler, 5))
        price = 100.0
        if rng.random() < 0.4:
            words.append("luxury")
            price += 50
        if rng.random() < 0.4:
            words.append("cheap")
            price -= 30
        rng.shuffle(words)
        texts.append(" ".join(words))
        prices.append(round(price + rng.normal(0, 2), 2))
    return pd.DataFrame({"review": texts, "price_eur": prices})


def test_a_text_amount_is_explained_by_its_deciding_words(user, make_explanation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dataset = services.dataset_create(
        owner=user, upload=SimpleUploadedFile("prices.csv", csv_bytes(review_prices()), "text/csv")
    )
    model = train(dataset, target="price_eur", classifier="linear_regression", text_column="review")
    assert model.kind == "text" and model.task == "regression" and model.metrics["r2"] > 0.75
    frame = review_prices()
    row = int(np.flatnonzero(frame.review.str.contains("luxury") & ~frame.review.str.contains("cheap"))[0])
    lime = make_explanation(model, row=row, num_samples=1000)
    weights = {w["feature"]: w["weight"] for w in lime.result["weights"]}
    assert max(weights, key=lambda word: abs(weights[word])) == "luxury" and weights["luxury"] > 20
    anchor = make_explanation(model, row=row, explainer="anchor")
    assert "luxury" in anchor.result["rule"] and len(anchor.result["band"]) == 2


# --- the command line --------------------------------------------------------------------------------


def explain(path, *args: str) -> dict:
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("explain", str(path), *args, "--json", "--num-samples", "500", "--no-diagnostics", stdout=out)
    return json.loads(out.getvalue())


def test_the_cli_predicts_an_amount_with_its_scores_and_an_anchor_band(tmp_path):
    path = tmp_path / "linear.csv"
    path.write_bytes(csv_bytes(linear_table()))
    row = str(high_x1_high_x2_row())
    lime = explain(path, "--target", "mass_g", "--classifier", "linear_regression", "--row", row)
    assert lime["model"]["task"] == "regression" and lime["dataset"]["classes"] is None
    assert "probabilities" not in lime["prediction"]
    frame = linear_table()
    assert lime["prediction"]["value"] == pytest.approx(3 * frame.x1[int(row)] - 2 * frame.x2[int(row)], abs=1.0)
    metrics = lime["model"]["metrics"]
    assert metrics["mae"] < 0.55 < 7 < metrics["baseline_mae"] and metrics["r2"] > 0.99
    anchor = explain(path, "--target", "mass_g", "--classifier", "linear_regression", "--row", row,
                     "--explainer", "anchor", "--band", "2.5")  # fmt: skip
    low, high = anchor["explanation"]["band"]
    assert high - low == pytest.approx(5.0) and (low + high) / 2 == pytest.approx(anchor["prediction"]["value"])
    rating = explain(path, "--target", "rating", "--task", "amount", "--classifier", "knn")
    assert rating["model"]["task"] == "regression" and "value" in rating["prediction"]


def test_the_cli_refuses_a_category_model_for_an_amount_and_a_band_for_a_category(tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "linear.csv"
    path.write_bytes(csv_bytes(linear_table()))
    for args, words in [
        (("--target", "mass_g", "--classifier", "naive_bayes"), "cannot predict an amount"),
        (("--target", "rating", "--band", "1", "--explainer", "anchor"), "--band is for a model that predicts"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            call_command("explain", str(path), *args, "--json")
        assert exit_info.value.code == 2
        assert words in capsys.readouterr().err


def test_the_overview_of_an_amount_model_picks_rows_by_their_reasons(amount_model):
    from explanations import runs as explanation_runs
    from explanations import services as explanation_services
    from explanations.models import ModelOverview

    overview = explanation_services.overview_request(model=amount_model, budget=2, dispatch=False)
    ModelOverview.objects.filter(pk=overview.pk).update(candidates=6)
    job_run(model=ModelOverview, pk=overview.pk, work=explanation_runs.overview_run)
    overview.refresh_from_db()
    assert overview.succeeded, overview.message
    picks = overview.result["picks"]
    # Every row's reasons are about the one amount (one row may already cover them all); x1 and x2 move it.
    assert 1 <= len(picks) <= 2 and all(pick["label"] == "mass_g" for pick in picks)
    assert all(pick["weights"][0]["feature"] in ("x1", "x2") for pick in picks)


def test_the_diabetes_demo_preselects_its_amount_and_trains_it(user):
    dataset = services.dataset_create_demo(owner=user, slug="diabetes")
    # Its yes/no column (sex) would win by the rules for uploads: a demo says what it predicts.
    assert services.dataset_default_target(dataset) == "progression"
    model = train(dataset, target="progression", classifier="linear_regression")
    # Efron et al.'s data: a linear model explains about half of the progression (R² ≈ 0.5 on hold-outs).
    assert model.task == "regression" and 0.3 < model.metrics["r2"] < 0.7
    assert model.metrics["mae"] < model.metrics["baseline_mae"]
