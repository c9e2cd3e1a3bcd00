"""An explanation is never left done without its trust checks (issue 24, "nothing lost between jobs").

In process, no broker: the messages a commit would send are not sent (the test runs in one
transaction), and what the tests look at is the rows, the source of truth.
"""

import pytest

from explanations import services as explanation_services
from explanations import tasks as explanation_tasks
from explanations.models import Diagnosis, Explanation
from jobs import services as job_services

pytestmark = pytest.mark.web


class WorkerDied(BaseException):
    """Stands for the worker process ending (killed, out of memory) at that very moment."""


def explanation_left(model) -> Explanation:
    return explanation_services.explanation_request(model=model, row_index=5, dispatch=False)


def test_a_worker_dying_while_it_queues_the_trust_checks_does_not_leave_the_explanation_done_without_them(
    db, user, make_trained_model, monkeypatch
):
    explanation = explanation_left(make_trained_model(user))

    def die(**kwargs):
        raise WorkerDied

    monkeypatch.setattr(explanation_services, "diagnosis_request", die)
    with pytest.raises(WorkerDied):
        explanation_tasks.explain(explanation.pk)

    explanation.refresh_from_db()
    has_checks = Diagnosis.objects.filter(explanation=explanation).exists()
    # Either both were saved or neither: a running row with a stopped heartbeat is re-run by the sweeper.
    assert not (explanation.succeeded and not has_checks), "done, with no trust checks and nothing to queue them"


def test_when_queuing_the_checks_fails_the_explanation_stands_and_the_sweeper_queues_them(
    db, user, make_trained_model, monkeypatch
):
    explanation = explanation_left(make_trained_model(user))
    sent = []
    monkeypatch.setattr(job_services, "_send", lambda model, pk: sent.append((model, pk)) or True)
    real_request = explanation_services.diagnosis_request

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(explanation_services, "diagnosis_request", broken)
    explanation_tasks.explain(explanation.pk)
    explanation.refresh_from_db()
    assert explanation.succeeded, explanation.message
    assert not Diagnosis.objects.filter(explanation=explanation).exists()

    monkeypatch.setattr(explanation_services, "diagnosis_request", real_request)
    assert job_services.jobs_sweep()["followed_up"] == 1
    assert Diagnosis.objects.filter(explanation=explanation).count() == 1
    assert job_services.jobs_sweep()["followed_up"] == 0  # once only
