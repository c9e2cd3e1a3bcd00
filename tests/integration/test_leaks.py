"""Training again without a leaking column, through a real Redis and a real Celery worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from jobs.models import JobStatus
from tests.conftest import csv_bytes
from tests.processes import wait_for_job
from tests.web.test_leaks import LEAK, hospital

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def test_a_leak_found_by_the_worker_is_trained_away_by_one_click(start_worker, user, client):
    start_worker()
    upload = SimpleUploadedFile("hospital.csv", csv_bytes(hospital()), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = classifier_services.model_train_request(dataset=dataset, target="died", classifier="random_forest")
    model = wait_for_job(TrainedModel, model.pk)
    assert model.status == JobStatus.SUCCEEDED, model.message
    assert [leak["feature"] for leak in model.leaks] == [LEAK]
    assert (model.progress_done, model.progress_total, model.stage) == (4, 4, "Done")

    client.force_login(user)
    response = client.post(reverse("classifiers:retrain_without", args=[model.pk]), {"column": LEAK})
    again = wait_for_job(TrainedModel, TrainedModel.objects.exclude(pk=model.pk).get().pk)
    assert again.status == JobStatus.SUCCEEDED, again.message
    assert (again.left_out, again.leaks) == ([LEAK], [])
    assert LEAK not in again.features and again.metrics["n_test"] == model.metrics["n_test"]
    page = client.get(response["Location"]).text
    assert page.count('class="notice leak-warning"') == 1 and "No column of this model alone gives" in page
