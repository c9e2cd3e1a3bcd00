from celery import shared_task

from jobs.services import job_run

from . import runs, services
from .models import Dataset, TrainedModel


@shared_task(name="classifiers.profile_dataset")
def profile_dataset(dataset_id: int) -> None:
    job_run(model=Dataset, pk=dataset_id, work=services.dataset_profile)


@shared_task(name="classifiers.train_model")
def train_model(model_id: int) -> None:
    job_run(model=TrainedModel, pk=model_id, work=runs.model_train)
