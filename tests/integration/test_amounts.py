"""Amounts (issue 25) through a real Redis and a real Celery worker: trained, explained, checked."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from explanations import services as explanation_services
from explanations.models import Diagnosis, Explanation
from jobs.models import JobStatus
from tests.conftest import csv_bytes
from tests.processes import wait_for_job, wait_until
from tests.web.test_amounts_training import high_x1_high_x2_row, linear_table

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def test_an_amount_is_trained_explained_and_checked_on_a_real_worker(start_worker, user):
    start_worker()
    upload = SimpleUploadedFile("linear.csv", csv_bytes(linear_table()), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = classifier_services.model_train_request(dataset=dataset, target="mass_g", classifier="linear_regression")
    model = wait_for_job(TrainedModel, model.pk)
    assert model.status == JobStatus.SUCCEEDED, model.message
    assert model.task == "regression" and model.metrics["r2"] > 0.99  # y = 3·x1 − 2·x2 + small noise

    row = high_x1_high_x2_row()
    lime = wait_for_job(Explanation, explanation_services.explanation_request(model=model, row_index=row).pk)
    assert lime.status == JobStatus.SUCCEEDED, lime.message
    weights = {w["feature"]: w["weight"] for w in lime.result["weights"]}
    assert weights["x1"] > 0 > weights["x2"] and lime.probabilities == []
    diagnosis = wait_until(lambda: Diagnosis.objects.filter(explanation=lime).first(), timeout=30, what="checks")
    diagnosis = wait_for_job(Diagnosis, diagnosis.pk)
    assert diagnosis.status == JobStatus.SUCCEEDED, diagnosis.message
    assert "predicted amount" in diagnosis.result["curves"]["deletion"]["verdict"]

    anchor = explanation_services.explanation_request(model=model, row_index=row, explainer="anchor", band_width=3.0)
    anchor = wait_for_job(Explanation, anchor.pk)
    assert anchor.status == JobStatus.SUCCEEDED, anchor.message
    low, high = anchor.result["band"]
    assert high - low == pytest.approx(6.0) and (low + high) / 2 == pytest.approx(anchor.result["value"])
