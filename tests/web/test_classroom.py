"""The classroom experiment through the app: a session trains both models through the training
job, explains the showcase through the explanation job and scores the clean test; the class votes
anonymously, once per browser; the instructor reveals. Never a 500 on a bad vote."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from classroom import runs, services
from classroom.models import ClassSession, Vote
from jobs.models import JobStatus
from jobs.services import job_run
from limelight.classroom.hospital import LEAK

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def prepare(owner, lesson: str) -> ClassSession:
    """Start a session and run its job here, as the worker would."""
    session = services.session_start(owner=owner, lesson=lesson)
    job_run(model=ClassSession, pk=session.pk, work=runs.session_prepare)
    session.refresh_from_db()
    assert session.succeeded, session.message
    return session


def ready_session(owner, **fields) -> ClassSession:
    """A session whose preparation is done (no models: enough for the vote's rules)."""
    fields = {"status": JobStatus.SUCCEEDED, "expires_at": timezone.now() + timedelta(hours=1), **fields}
    return ClassSession.objects.create(owner=owner, lesson="hospital", **fields)


def voter() -> Client:
    """A phone: its own browser, so its own cookie."""
    return Client(HTTP_USER_AGENT="phone")


def vote(client: Client, session: ClassSession, choice: str):
    url = reverse("classroom:vote", args=[session.token])
    client.get(url)  # the page sets the voter's cookie
    return client.post(url, {"choice": choice})


def test_the_hospital_session_shows_the_leak_and_the_reveal(user, logged_in):
    session = prepare(user, "hospital")
    leaky, clean = session.leaky_model, session.clean_model
    assert LEAK in leaky.features and LEAK not in clean.features
    # On their own hold-outs the leaky model looks better; on the clean test it falls below the clean one.
    assert leaky.metrics["accuracy"] > clean.metrics["accuracy"]
    scores = session.clean_scores
    assert scores["leaky"]["accuracy"] < scores["clean"]["accuracy"]
    assert scores["leaky"]["n"] == scores["clean"]["n"] == 400
    # The known answer: the leaky model's explanations put the post-outcome column first, every time.
    from explanations.models import Explanation

    assert len(session.showcase) == 3
    for case in session.showcase:
        leaky_result = Explanation.objects.get(pk=case["leaky"]).result
        clean_result = Explanation.objects.get(pk=case["clean"]).result
        assert leaky_result["weights"][0]["feature"] == LEAK
        assert all(weight["feature"] != LEAK for weight in clean_result["weights"])

    page = logged_in.get(reverse("classroom:session", args=[session.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "mostly because of <strong>discharge_code is deceased</strong>" in text  # the leak, in words
    assert reverse("classroom:vote", args=[session.token]) in text
    assert "On new cases" not in text  # nothing of the clean test before the reveal
    assert "leak check" not in text  # nor Limelight's own leak check: the class is to find it in the explanations

    assert vote(voter(), session, session.leaky_choice).status_code == 302
    assert logged_in.get(reverse("classroom:results", args=[session.pk])).json() == {
        "a": int(session.leaky_is_a), "b": int(not session.leaky_is_a), "total": 1, "revealed": False,
    }  # fmt: skip

    logged_in.post(reverse("classroom:reveal", args=[session.pk]))
    text = logged_in.get(reverse("classroom:session", args=[session.pk])).content.decode()
    letter = "A" if session.leaky_is_a else "B"
    assert f"Model {letter} was right for the wrong reason: it looked at the discharge code" in text
    assert f"Right on {scores['leaky']['correct']} of 400 new rows" in text
    # The leak detector flags the leaky model's column, and nothing of the clean one; its sentence shows at the reveal.
    assert [leak["feature"] for leak in leaky.leaks] == [LEAK] and clean.leaks == []
    assert escape(leaky.leak_warnings[0]) in text
    assert f"Right on {scores['clean']['correct']} of 400 new rows" in text


def test_the_snow_session_calls_the_husky_on_snow_a_wolf_by_the_snow(user):
    session = prepare(user, "snow")
    from explanations.models import Explanation
    from limelight.classroom.material import lesson_material

    material = lesson_material("snow")
    trap = session.showcase[2]
    assert trap["row"] == material.showcase[2]  # the husky on snow
    leaky = Explanation.objects.get(pk=trap["leaky"])
    assert leaky.model.class_names[leaky.label] == "wolf"
    clean = Explanation.objects.get(pk=trap["clean"])
    assert clean.model.class_names[clean.label] == "husky"
    # The leak detector sees it too: a region (the border's colour) for the leaky model, nothing for the clean.
    assert [leak["kind"] for leak in session.leaky_model.leaks] == ["region"]
    assert session.clean_model.leaks == []
    # Anyone with the vote link sees the pictures; the overlay is a PNG.
    letter = session.leaky_choice
    picture = Client().get(reverse("classroom:picture", args=[session.token, 2, letter, "overlay"]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_headers_session_points_at_the_signature(user, logged_in):
    session = prepare(user, "headers")
    from explanations.models import Explanation

    for case in (session.showcase[0], session.showcase[2]):  # both messages came through Hermes
        weights = Explanation.objects.get(pk=case["leaky"]).result["weights"]
        assert weights[0]["feature"] == "hermes"
    assert [leak["feature"] for leak in session.leaky_model.leaks] == ["hermes"]
    assert session.clean_model.leaks == []
    text = logged_in.get(reverse("classroom:session", args=[session.pk])).content.decode()
    assert text.count("mostly because of <strong>the word “hermes”</strong>") == 2


def test_mostly_because_of_names_the_strongest_reason_toward_the_answer():
    from types import SimpleNamespace

    from classroom.selectors import ShowcaseCase

    against = SimpleNamespace(condition="age > 77", weight=-0.34, toward=False)
    toward = SimpleNamespace(condition="admission = planned", weight=0.23, toward=True)
    assert ShowcaseCase.of(SimpleNamespace(reasons=[against, toward])).main_reason is toward
    assert ShowcaseCase.of(SimpleNamespace(reasons=[against])).main_reason is None


def test_one_vote_per_browser_and_none_after_the_reveal(user):
    session = ready_session(user)
    phone, other = voter(), voter()
    assert vote(phone, session, "a").status_code == 302
    again = phone.post(reverse("classroom:vote", args=[session.token]), {"choice": "b"})
    assert again.status_code == 409
    assert "This browser has already voted, for Model A." in again.content.decode()
    assert vote(other, session, "b").status_code == 302
    assert sorted(Vote.objects.filter(session=session).values_list("choice", flat=True)) == ["a", "b"]

    services.session_reveal(session=session)
    late = vote(voter(), session, "a")
    assert late.status_code == 409 and "Voting has closed" in late.content.decode()
    assert Vote.objects.filter(session=session).count() == 2


@pytest.mark.parametrize(
    "choice, status, words",
    [("c", 400, "Choose model A or model B."), ("", 400, "Choose model A or model B.")],
)
def test_a_bad_vote_is_refused_in_words(user, choice, status, words):
    response = vote(voter(), ready_session(user), choice)
    assert response.status_code == status and words in response.content.decode()


def test_a_vote_before_the_models_are_ready_waits(user):
    session = ready_session(user, status=JobStatus.RUNNING)
    response = vote(voter(), session, "a")
    assert response.status_code == 409 and "not ready yet" in response.content.decode()


def test_a_vote_without_the_cookie_is_refused(user):
    session = ready_session(user)
    response = voter().post(reverse("classroom:vote", args=[session.token]), {"choice": "a"})
    assert response.status_code == 400 and "did not keep the page&#x27;s cookie" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_forged_cookie_is_not_a_voter(user):
    session = ready_session(user)
    phone = voter()
    phone.cookies["limelight_voter"] = "forged"
    response = phone.post(reverse("classroom:vote", args=[session.token]), {"choice": "a"})
    assert response.status_code == 400 and not Vote.objects.exists()


def test_unknown_and_expired_links_say_why(user):
    unknown = Client().get(reverse("classroom:vote", args=["no-such-token"]))
    assert unknown.status_code == 404 and "no vote at this address" in unknown.content.decode()
    expired = ready_session(user, expires_at=timezone.now() - timedelta(minutes=1))
    for response in (
        Client().get(reverse("classroom:vote", args=[expired.token])),
        vote(voter(), expired, "a"),
        Client().get(reverse("classroom:picture", args=[expired.token, 0, "a", "overlay"])),
    ):
        assert response.status_code == 404 and "This vote has ended" in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "same-origin"


def test_pictures_of_a_session_without_them_are_not_found(user):
    session = ready_session(user)
    for args in ((0, "a", "overlay"), (0, "z", "overlay"), (0, "a", "secret")):
        assert Client().get(reverse("classroom:picture", args=[session.token, *args])).status_code == 404


def test_votes_are_rate_limited_per_address(user, settings):
    settings.CLASSROOM_VOTES_PER_MINUTE = 2
    session = ready_session(user)
    statuses = [vote(voter(), session, "a").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Vote.objects.filter(session=session).count() == 2


def test_a_vote_without_the_csrf_token_is_refused(user):
    session = ready_session(user)
    phone = Client(enforce_csrf_checks=True)
    phone.get(reverse("classroom:vote", args=[session.token]))
    assert phone.post(reverse("classroom:vote", args=[session.token]), {"choice": "a"}).status_code == 403
    assert not Vote.objects.exists()


def test_only_the_owner_sees_the_projector_and_reveals(user, other_user, client):
    session = ready_session(user)
    client.force_login(other_user)
    for name, method in (("session", "get"), ("results", "get"), ("status", "get"), ("reveal", "post")):
        assert getattr(client, method)(reverse(f"classroom:{name}", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert not session.revealed
    anonymous = Client().get(reverse("classroom:session", args=[session.pk]))
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]


def test_starting_a_session_from_the_lessons_page(user, logged_in):
    page = logged_in.get(reverse("classroom:lessons"))
    assert page.status_code == 200 and "Wolf or husky?" in page.content.decode()
    response = logged_in.post(reverse("classroom:lessons"), {"lesson": "snow"})
    session = ClassSession.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == reverse("classroom:session", args=[session.pk])
    assert session.status == JobStatus.QUEUED and session.lesson == "snow"
    unknown = logged_in.post(reverse("classroom:lessons"), {"lesson": "nope"}, follow=True)
    assert "There is no lesson called “nope”." in unknown.content.decode()
    assert ClassSession.objects.count() == 1
    # The instructor finds the lessons from the home page.
    assert reverse("classroom:lessons") in logged_in.get(reverse("classifiers:home")).content.decode()


def test_a_failed_preparation_says_so(user, logged_in):
    session = ready_session(user, status=JobStatus.FAILED, message="Model A could not be trained: no.")
    page = logged_in.get(reverse("classroom:session", args=[session.pk]))
    assert page.status_code == 200 and "Model A could not be trained: no." in page.content.decode()
    assert services.session_reveal is not None
    with pytest.raises(services.StartRefused):
        services.session_reveal(session=session)


def test_a_session_tried_again_keeps_the_models_already_trained(user):
    """A worker lost mid-way: the sweeper queues the session again, and the models it had trained stay."""
    from classifiers.models import TrainedModel

    session = prepare(user, "hospital")
    models = (session.leaky_model_id, session.clean_model_id)
    ClassSession.objects.filter(pk=session.pk).update(status=JobStatus.QUEUED, showcase=[], clean_scores={})
    job_run(model=ClassSession, pk=session.pk, work=runs.session_prepare)
    session.refresh_from_db()
    assert session.succeeded and (session.leaky_model_id, session.clean_model_id) == models
    assert TrainedModel.objects.filter(dataset__owner=user).count() == 2
    assert len(session.showcase) == 3 and set(session.clean_scores) == {"leaky", "clean"}
