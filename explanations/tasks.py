from celery import shared_task

from jobs.services import job_run

from . import services
from .models import Explanation, ModelOverview


@shared_task(name="explanations.explain")
def explain(explanation_id: int) -> None:
    job_run(model=Explanation, pk=explanation_id, work=services.explanation_run)


@shared_task(name="explanations.overview")
def overview(overview_id: int) -> None:
    job_run(model=ModelOverview, pk=overview_id, work=services.overview_run)
