"""What the sweeper queues for finished explanations that are missing a follow-up job.

The explanation worker creates the trust checks in the same transaction as it saves
the explanation (explanations/tasks.py); this catches the rest: explanations saved
before that was so, or whose follow-up failed to be written. Listed in
settings.JOB_SWEEP_FOLLOW_UPS and run by jobs.services.jobs_sweep.
"""

from __future__ import annotations

from classifiers.kinds import KINDS
from jobs.models import JobStatus

from .models import Explainer, Explanation
from .services import diagnosis_request


def diagnoses_missing() -> int:
    """Queue the trust checks of each succeeded explanation that should have them and has none."""
    checked_kinds = [name for name, kind in KINDS.items() if kind.diagnosed]
    # The same conditions as diagnosis_request, which checks them again for each row.
    missing = Explanation.objects.filter(
        status=JobStatus.SUCCEEDED,
        diagnostics=True,
        explainer=Explainer.LIME,
        model__kind__in=checked_kinds,
        diagnosis__isnull=True,
    )
    created = 0
    for pk in missing.values_list("pk", flat=True):
        created += diagnosis_request(explanation_id=pk) is not None
    return created
