"""The Celery app: `manage.py worker [--queues …]` and `celery -A explainer_site beat`.

Each kind of job has a queue of its own, so a burst of slow trust checks never
holds up a new explanation, and a long training never holds up either. Every
route is declared here, once; a worker started without `--queues` takes them all.
"""

import os

# One BLAS/OpenMP thread per worker process: several processes each spawning
# threads per core fight each other (DESIGN.md, performance model).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from celery import Celery  # noqa: E402
from kombu import Exchange, Queue  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "explainer_site.settings")

#: queue -> the tasks (by name) sent to it. The sweeper rides on the explanations
#: queue: it takes milliseconds, and explanations are the jobs a person waits for,
#: so a worker for them is always there.
QUEUES: dict[str, tuple[str, ...]] = {
    # A classroom session trains its two models (and explains a few cases) in one job.
    "training": ("classifiers.profile_dataset", "classifiers.train_model", "classroom.prepare"),
    "explanations": ("explanations.explain", "jobs.sweep"),
    "diagnostics": ("explanations.diagnose", "explanations.overview", "explanations.report"),
}

app = Celery("explainer_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
    task_routes={task: {"queue": queue} for queue, tasks in QUEUES.items() for task in tasks},
    # A task missing from QUEUES still lands where a worker listens, never on an unread queue.
    task_default_queue="explanations",
    task_default_exchange="explanations",
    task_default_routing_key="explanations",
)
app.autodiscover_tasks()
