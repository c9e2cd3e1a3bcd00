"""What a worker runs for a classroom session: both models, their showcase explanations, the clean test.

Everything goes through the app's own jobs, run here one after the other as the CLI runs them:
the upload path for the two files, the training job for each model, the explanation job for each
case. Only the clean test is this app's own step (limelight.classroom.scoring).
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.artifacts import model_pipeline
from classifiers.models import Dataset, TrainedModel
from explanations import runs as explanation_runs
from explanations import services as explanation_services
from explanations.models import Explanation
from explanations.request_settings import ExplanationSettings
from jobs.services import JobError, ProgressReporter, job_run
from limelight.classroom.lessons import LESSONS
from limelight.classroom.material import lesson_material
from limelight.classroom.scoring import clean_test_scores
from limelight.training_settings import TrainingSettings

from .models import ClassSession


def session_prepare(session: ClassSession, on_progress: ProgressReporter) -> dict[str, Any]:
    """Train the leaky and the clean model, explain the showcase with each, score both on the clean test."""
    lesson = LESSONS[session.lesson]
    on_progress(0, 0, "Drawing the lesson's data")
    material = lesson_material(session.lesson)
    total = 2 + 2 * len(material.showcase) + 1
    models = {}
    for step, which in enumerate(("leaky", "clean")):
        letter = "A" if (which == "leaky") == session.leaky_is_a else "B"
        on_progress(step, total, f"Training model {letter}")
        models[which] = _train(session, which, letter, getattr(material, f"{which}_file"), material.filename)
    settings = ExplanationSettings(explainer="lime", diagnostics=False, random_state=0, **lesson.explaining)
    showcase = []
    for index, row in enumerate(material.showcase):
        case = {"row": row}
        for which, model in models.items():
            on_progress(
                2 + 2 * index + len(case) - 1, total, f"Explaining case {index + 1} of {len(material.showcase)}"
            )
            case[which] = _explain(model, row, settings)
        showcase.append(case)
        ClassSession.objects.filter(pk=session.pk).update(showcase=showcase)
    on_progress(total - 1, total, "Testing both models on new cases")
    scores = {
        which: clean_test_scores(model_pipeline(model), model.class_names, material.test_inputs, material.test_truths)
        for which, model in models.items()
    }
    return {"showcase": showcase, "clean_scores": scores}


def _train(session: ClassSession, which: str, letter: str, content: bytes, filename: str) -> TrainedModel:
    """The model trained on ``content``; one a lost worker had already trained is kept, not trained again."""
    done = getattr(session, f"{which}_model")
    if done is not None and done.succeeded:
        return done
    lesson = LESSONS[session.lesson]
    stem, _, extension = filename.rpartition(".")
    upload = SimpleUploadedFile(f"{stem} (model {letter}).{extension}", content)
    try:
        dataset = classifier_services.dataset_create(owner=session.owner, upload=upload, is_demo=True)
        if not dataset.succeeded:  # a file over the inline limit is read by its own job: run it here
            job_run(model=Dataset, pk=dataset.pk, work=classifier_services.dataset_profile)
            dataset.refresh_from_db()
        model = classifier_services.model_train_request(
            dataset=dataset,
            settings=TrainingSettings(
                target=lesson.target,
                classifier=lesson.classifier,
                params=dict(lesson.training),
                text_column=lesson.text_column,
                random_state=0,  # the showcase rows are held out under seed 0 (limelight.classroom.material)
            ),
            dispatch=False,
        )
    except classifier_services.UploadError as error:
        raise JobError(str(error)) from error
    ClassSession.objects.filter(pk=session.pk).update(**{f"{which}_model": model})
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    if not model.succeeded:
        raise JobError(f"Model {letter} could not be trained: {model.message}")
    return model


def _explain(model: TrainedModel, row: int, settings: ExplanationSettings) -> int:
    explanation = explanation_services.explanation_request(
        model=model, row_index=row, settings=settings, dispatch=False
    )
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    if not explanation.succeeded:
        raise JobError(f"A case could not be explained: {explanation.message}")
    return explanation.pk
