from celery import shared_task

from jobs.services import job_run

from . import runs
from .models import ClassSession


@shared_task(name="classroom.prepare")
def prepare(session_id: int) -> None:
    job_run(model=ClassSession, pk=session_id, work=runs.session_prepare)
