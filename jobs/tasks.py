from celery import shared_task

from . import services


@shared_task(name="jobs.sweep", acks_late=False)
def sweep() -> dict[str, int]:
    """Periodic (Celery beat): re-send lost messages, rescue jobs whose worker died."""
    return services.jobs_sweep()
