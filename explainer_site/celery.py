"""The Celery app: `celery -A explainer_site worker` and `celery -A explainer_site beat`."""

import os

# One BLAS/OpenMP thread per worker process: several processes each spawning
# threads per core fight each other (DESIGN.md, performance model).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from celery import Celery  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "explainer_site.settings")

app = Celery("explainer_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
