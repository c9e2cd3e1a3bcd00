"""Fixtures shared by the web, integration and e2e layers."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PASSWORD = "a-Long-test-passw0rd"

# On the shapes demo the regions LIME puts first must cover the shape: the intersection over
# union (IoU) of the top 5 regions toward the class with the true shape must reach this floor
# (tests/web/test_images.py, tests/e2e/test_journey.py). Row 3 of the demo, a circle of 740 px
# that SLIC cuts into 86 regions of about 107 px: measured 0.87 with 300 samples (0.55 to 0.87
# over seeds 0-2 and 200 to 1000 samples); the best 5 regions would reach 0.94; 5 regions picked
# at random score 0.04 on average and 0.37 once in 1000; an explanation whose hidden regions
# change nothing scores 0 (no weight is positive).
SHAPES_IOU_FLOOR = 0.5
SHAPES_IOU_ROW = 3


def pytest_configure(config):
    # Tests serve static files straight from static/ (no collectstatic, no manifest).
    if not config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def risk_table(rows: int = 160, seed: int = 0) -> pd.DataFrame:
    """A small table whose class is decided by `age` alone (age > 50 -> "high").

    It has the things real files have: a category column, an identifier,
    missing cells written as '' and '?'.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 80, rows)
    frame = pd.DataFrame(
        {
            "patient_id": np.arange(1000, 1000 + rows),
            "age": age,
            "weight": rng.normal(75, 12, rows).round(1),
            "smoker": rng.choice(["yes", "no"], rows),
            "city": rng.choice(["Lyon", "Oslo", "Pune", "Quito"], rows),
            "risk": np.where(age > 50, "high", "low"),
        }
    )
    frame["weight"] = frame["weight"].astype(object)
    frame.loc[frame.index % 17 == 3, "weight"] = "?"
    frame.loc[frame.index % 19 == 5, "city"] = ""
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture
def risk_csv() -> bytes:
    return csv_bytes(risk_table())


@pytest.fixture
def risk_csv_path(tmp_path, risk_csv):
    path = tmp_path / "risk.csv"
    path.write_bytes(risk_csv)
    return path


@pytest.fixture
def make_user(django_user_model):
    def make(username: str = "ada"):
        return django_user_model.objects.create_user(username=username, password=PASSWORD)

    return make


@pytest.fixture
def user(make_user):
    return make_user("ada")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def make_dataset(risk_csv):
    from classifiers.services import dataset_create

    def make(owner, content: bytes | None = None, name: str = "risk.csv"):
        upload = SimpleUploadedFile(name, content if content is not None else risk_csv, "text/csv")
        return dataset_create(owner=owner, upload=upload)

    return make


@pytest.fixture
def make_trained_model(make_dataset):
    """A model trained in this process through the same job code the worker runs."""
    from classifiers import runs, services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    def make(owner, classifier: str = "random_forest", target: str = "risk"):
        dataset = make_dataset(owner)
        model = services.model_train_request(dataset=dataset, target=target, classifier=classifier, dispatch=False)
        job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
        model.refresh_from_db()
        assert model.succeeded, model.message
        return model

    return make


@pytest.fixture
def make_explanation():
    from explanations import runs, services
    from explanations.models import Diagnosis, Explanation
    from jobs.services import job_run

    def make(model, row: int = 0, **options):
        explanation = services.explanation_request(model=model, row_index=row, dispatch=False, **options)
        job_run(model=Explanation, pk=explanation.pk, work=runs.explanation_run)
        diagnosis = services.diagnosis_request(explanation_id=explanation.pk, dispatch=False)
        if diagnosis is not None:  # the trust checks, as the worker runs them next
            job_run(model=Diagnosis, pk=diagnosis.pk, work=runs.diagnosis_run)
        explanation.refresh_from_db()
        assert explanation.succeeded, explanation.message
        return explanation

    return make
