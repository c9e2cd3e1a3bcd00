"""The instructor's demo gallery: demo tables, trained models and explanations, shared read-only."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import Dataset, TrainedModel
from jobs.services import job_run
from limelight.demos import DEMOS

from . import runs, services
from .models import Diagnosis, Explanation, ShareLink

logger = logging.getLogger(__name__)

DEMO_USERNAME = "limelight-demos"
# Demo tables are public: their links show the row, its true class and the demo file's name.
DEMO_SHOWS = {"show_row_label": True, "show_true_value": True, "show_file_name": True}


@dataclass(frozen=True)
class GalleryItem:
    """One demo: a table, the model to train on it, the rows to explain."""

    slug: str
    classifier: str
    explanations: tuple[tuple[int, str], ...]  # (row, explainer)
    params: tuple[tuple[str, object], ...] = ()  # the model's settings beyond the defaults


GALLERY = (
    GalleryItem("loan_applications", "random_forest", ((0, "lime"), (0, "anchor"), (7, "lime"))),
    GalleryItem("breast_cancer", "random_forest", ((0, "lime"), (0, "anchor"))),
    GalleryItem("iris", "logistic_regression", ((60, "lime"),)),
    GalleryItem("wine", "gradient_boosting", ((5, "lime"),)),
    # An amount (issue 25): how far diabetes progressed, with the band Anchors keeps it in. A ridge: on this
    # split it is off by 45 on average against 58 for the average (R² 0.36); boosting 49 (0.19), a forest 48 (0.25).
    GalleryItem("diabetes", "linear_regression", ((0, "lime"), (0, "anchor"))),
    # Row 1 is a positive review whose deciding words are "wonderful" and "superb".
    GalleryItem("reviews", "logistic_regression", ((1, "lime"), (1, "anchor"), (0, "lime"))),
    # The shapes are drawings, for which shapes and edges (HOG) are the right features (their card
    # says so); it also keeps the pretrained network's per-image cost out of a first start.
    GalleryItem("shapes", "logistic_regression", ((0, "lime"), (45, "lime")), params=(("features", "hog"),)),
)


def demo_user() -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    if created:
        user.set_unusable_password()  # nobody logs in as the demo owner
        user.save()
    return user


def gallery_load() -> int:
    """Create what is missing of the gallery, running the jobs in this process. Idempotent.

    Returns the number of share links created.
    """
    owner = demo_user()
    created = 0
    for item in GALLERY:
        demo = DEMOS[item.slug]
        if Dataset.objects.filter(owner=owner, is_demo=True, name=demo.filename).exists():
            continue
        dataset = classifier_services.dataset_create_demo(owner=owner, slug=item.slug)
        model = classifier_services.model_train_request(
            dataset=dataset,
            target=demo.target,
            classifier=item.classifier,
            text_column=demo.text_column,
            params=dict(item.params),
            dispatch=False,
        )
        job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
        model.refresh_from_db()
        if not model.succeeded:
            logger.warning("Demo %s did not train: %s", item.slug, model.message)
            continue
        ShareLink.objects.create(model=model, created_by=owner, is_gallery=True, **DEMO_SHOWS)
        created += 1
        for row, explainer in item.explanations:
            explanation = services.explanation_request(
                model=model,
                row_index=row,
                explainer=explainer,
                segmenter="slic",  # images only: on small pictures quickshift finds few regions
                dispatch=False,
            )
            job_run(model=Explanation, pk=explanation.pk, work=runs.explanation_run)
            diagnosis = services.diagnosis_request(explanation_id=explanation.pk, dispatch=False)
            if diagnosis is not None:
                job_run(model=Diagnosis, pk=diagnosis.pk, work=runs.diagnosis_run)
            explanation.refresh_from_db()
            if explanation.succeeded:
                ShareLink.objects.create(explanation=explanation, created_by=owner, is_gallery=True, **DEMO_SHOWS)
                created += 1
    return created
