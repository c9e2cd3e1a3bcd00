from celery import shared_task

from jobs.services import job_run

from . import runs, services
from .models import Diagnosis, Explanation, ModelOverview, ModelReport


@shared_task(name="explanations.explain")
def explain(explanation_id: int) -> None:
    # The trust checks are queued in the transaction that saves the explanation: never one without the other.
    job_run(
        model=Explanation,
        pk=explanation_id,
        work=runs.explanation_run,
        then=lambda pk: services.diagnosis_request(explanation_id=pk),
    )


@shared_task(name="explanations.diagnose")
def diagnose(diagnosis_id: int) -> None:
    job_run(model=Diagnosis, pk=diagnosis_id, work=runs.diagnosis_run)


@shared_task(name="explanations.overview")
def overview(overview_id: int) -> None:
    job_run(model=ModelOverview, pk=overview_id, work=runs.overview_run)


@shared_task(name="explanations.report")
def report(report_id: int) -> None:
    job_run(model=ModelReport, pk=report_id, work=runs.report_run)
