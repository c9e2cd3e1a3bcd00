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
