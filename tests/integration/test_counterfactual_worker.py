"""“What would change it” posted from the form and run by a real Celery worker over a real Redis (issue 26)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from explanations.models import Diagnosis, Explanation
from jobs.models import JobStatus
from tests.conftest import csv_bytes, risk_table
from tests.processes import wait_for_job

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def test_the_form_queues_a_counterfactual_that_a_real_worker_finds(start_worker, user, client):
    start_worker()
    table = risk_table()
    row = int(table.index[(table["age"] >= 30) & (table["age"] <= 45)][0])  # "low": age 50 or under
    upload = SimpleUploadedFile("risk.csv", csv_bytes(table), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = classifier_services.model_train_request(dataset=dataset, target="risk", classifier="decision_tree")
    model = wait_for_job(TrainedModel, model.pk)
    assert model.status == JobStatus.SUCCEEDED, model.message
    client.force_login(user)
    response = client.post(
        reverse("explanations:request", args=[model.pk]),
        {"row": str(row), "explainer": "counterfactual", "fixed_columns": ["smoker", "city"]},
    )
    explanation = wait_for_job(Explanation, Explanation.objects.get().pk)
    assert response.url == reverse("explanations:detail", args=[explanation.pk])
    assert explanation.status == JobStatus.SUCCEEDED, explanation.message
    assert explanation.fixed_columns == ["smoker", "city"]
    ways = explanation.result["counterfactuals"]
    assert [[(c["feature"], c["after"]) for c in way["changes"]] for way in ways] == [[("age", 51)]]
    assert explanation.progress_done == explanation.progress_total > 0
    assert not Diagnosis.objects.exists()  # its checks ran inside it (repeats, LIME): no trust-check job
    assert "If age were 51 instead of" in client.get(response.url).text
