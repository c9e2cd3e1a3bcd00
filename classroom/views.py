"""The classroom pages: the instructor's lessons and projector (logged in, owner only) and the
class's vote page (anyone with the link, from a phone)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from explainer_site.middleware import SHARED_HEADERS
from explanations.views import picture_response
from jobs.views import job_status_response
from limelight.classroom.lessons import LESSONS

from . import selectors, services
from .models import Choice, ClassSession

VOTER_COOKIE = "limelight_voter"
VOTER_SALT = "classroom.voter"
# A share link's headers, but Referer kept within the site: under "no-referrer" a browser sends
# "Origin: null" with the vote's POST, and Django's CSRF check rightly refuses it (seen in Chromium).
# "same-origin" still never sends the token in the address to another site.
VOTE_HEADERS = SHARED_HEADERS | {"Referrer-Policy": "same-origin"}
NO_COOKIE = (
    "This browser did not keep the page's cookie, so its vote cannot be told apart from others. "
    "Allow cookies for this site and open the link again."
)


@login_required
@require_http_methods(["GET", "POST"])
def lessons(request: HttpRequest) -> HttpResponse:
    """The three lessons, each with a button that starts a session, and the instructor's sessions."""
    if request.method == "POST":
        try:
            session = services.session_start(owner=request.user, lesson=request.POST.get("lesson", ""))
        except services.StartRefused as error:
            messages.error(request, str(error))
            return redirect("classroom:lessons")
        return redirect("classroom:session", pk=session.pk)
    sessions = ClassSession.objects.filter(owner=request.user)[:10]
    return render(request, "classroom/lessons.html", {"lessons": LESSONS.values(), "sessions": sessions})


@login_required
@require_GET
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """The projector page: both models side by side, the vote link, the live count, then the reveal."""
    session = selectors.session_for_owner(request.user, pk)
    vote_url = request.build_absolute_uri(reverse("classroom:vote", args=[session.token]))
    return render(request, "classroom/session.html", _context(session) | {"vote_url": vote_url})


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.session_for_owner(request.user, pk))


@login_required
@require_GET
def results(request: HttpRequest, pk: int) -> JsonResponse:
    """The live count the projector polls: votes per model, and whether the answer has been shown."""
    session = selectors.session_for_owner(request.user, pk)
    counts = services.vote_counts(session)
    return JsonResponse(
        {"a": counts["a"], "b": counts["b"], "total": sum(counts.values()), "revealed": session.revealed},
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_owner(request.user, pk)
    try:
        services.session_reveal(session=session)
    except services.StartRefused as error:
        messages.error(request, str(error))
    return redirect("classroom:session", pk=session.pk)


def by_vote_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view with the token's session, or a page saying why the link shows nothing (404).

    Every answer is kept out of search engines and caches, and its address out of other sites' Referer
    headers, like a share link's.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            found = selectors.session_by_token(token)
        except selectors.SessionGone as gone:
            response = render(request, "classroom/vote_gone.html", {"reason": gone.reason}, status=404)
        else:
            response = view(request, found, *args, **kwargs)
        for name, value in VOTE_HEADERS.items():
            response[name] = value
        return response

    return wrapped


@require_http_methods(["GET", "POST"])
@by_vote_link
def vote(request: HttpRequest, session: ClassSession) -> HttpResponse:
    """What a phone shows: the two models, their explanations and two buttons; one vote per browser."""
    voter = request.get_signed_cookie(VOTER_COOKIE, default=None, salt=VOTER_SALT)
    error, status, chosen = "", 200, None
    if request.method == "POST":
        if _too_many_votes(request):
            error, status = "Too many votes from this network in a minute; wait a little and try again.", 429
        elif voter is None:
            error, status = NO_COOKIE, 400
        else:
            try:
                chosen = services.vote_cast(session=session, voter=voter, choice=request.POST.get("choice", ""))
            except services.VoteError as refused:
                error, status = str(refused), refused.status
            else:
                return redirect("classroom:vote", token=session.token)  # a reload never sends it twice
    previous = session.votes.filter(voter=voter).first() if voter else None
    context = _context(session) | {"error": error, "previous": previous or chosen, "token": session.token}
    response = render(request, "classroom/vote.html", context, status=status)
    if voter is None:
        response.set_signed_cookie(
            VOTER_COOKIE, secrets.token_urlsafe(16), salt=VOTER_SALT, max_age=60 * 60 * 24 * 7,
            httponly=True, samesite="Lax", secure=request.is_secure(),
        )  # fmt: skip
    return response


@require_GET
@by_vote_link
def picture(request: HttpRequest, session: ClassSession, index: int, letter: str, which: str) -> HttpResponse:
    """A showcase picture (the image, or its explanation's overlay) for the vote page and the projector."""
    if which not in ("original", "overlay"):
        return render(request, "classroom/vote_gone.html", {"reason": "There is no such picture."}, status=404)
    return picture_response(selectors.showcase_explanation(session, index, letter), which)


def _too_many_votes(request: HttpRequest) -> bool:
    # A class shares one school network, so the limit is per address but wide enough for a class.
    return is_ratelimited(
        request, group="classroom.vote", key="ip", rate=f"{settings.CLASSROOM_VOTES_PER_MINUTE}/m",
        method="POST", increment=True,
    )  # fmt: skip


def _context(session: ClassSession) -> dict:
    ready = session.succeeded
    counts = services.vote_counts(session)
    return {
        "session": session,
        "lesson": selectors.lesson_of(session),
        "columns": selectors.session_columns(session) if ready else [],
        "counts": counts,
        "total_votes": sum(counts.values()),
        "choices": Choice,
        "status_url": reverse("classroom:status", args=[session.pk]),
        "leaky_letter": Choice(session.leaky_choice).label.removeprefix("Model "),
        "reveal_words": selectors.reveal_words(session) if session.revealed else "",
        # Limelight's own leak check (classifiers' TrainedModel.leaks), held back until the reveal:
        # before it, the class is to find the give-away in the explanations.
        "leak_warnings": session.leaky_model.leak_warnings if session.revealed and session.leaky_model else [],
    }
