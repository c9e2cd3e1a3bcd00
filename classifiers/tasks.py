from celery import shared_task

from jobs.services import job_run

from . import services
from .models import TrainedModel


@shared_task(name="classifiers.train_model")
def train_model(model_id: int) -> None:
    job_run(model=TrainedModel, pk=model_id, work=services.model_train)
