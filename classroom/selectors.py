"""Reads the classroom pages need: a session for its owner or by its vote link, and what it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone

from explanations.disclosure import NOTHING_EXTRA
from explanations.models import Explanation
from explanations.presenters import present
from limelight.classroom.lessons import LESSONS, Lesson

from .models import Choice, ClassSession


class SessionGone(Exception):
    """The vote link shows nothing: unknown or past its time. ``reason`` says which, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_for_owner(user: Any, pk: int) -> ClassSession:
    session = ClassSession.objects.filter(pk=pk, owner=user).select_related("leaky_model", "clean_model").first()
    if session is None:
        raise Http404("No such session.")
    return session


def session_by_token(token: str) -> ClassSession:
    session = ClassSession.objects.filter(token=token).select_related("leaky_model", "clean_model").first()
    if session is None:
        raise SessionGone("There is no vote at this address. Check the link on the projector.")
    if session.expires_at <= timezone.now():
        raise SessionGone("This vote has ended: its link worked for a day.")
    return session


@dataclass(frozen=True)
class ShowcaseCase:
    """One explained case: the explanation's view, and its strongest reason *toward* the answer
    (the largest weight may push against it, and "mostly because of" must not name that one)."""

    view: Any
    main_reason: Any

    @classmethod
    def of(cls, view: Any) -> ShowcaseCase:
        return cls(view=view, main_reason=next((reason for reason in view.reasons if reason.toward), None))


@dataclass(frozen=True)
class ModelColumn:
    """One model as the class sees it: its letter, its hold-out score, its explanations, the clean test."""

    letter: str
    choice: str
    leaky: bool
    model: Any
    holdout: Any
    cases: list[Any]
    clean: dict[str, Any]


def session_columns(session: ClassSession) -> list[ModelColumn]:
    """Model A then model B, each with its showcase explanations in the lesson's order."""
    ids = [case[which] for case in session.showcase for which in ("leaky", "clean") if which in case]
    explanations = Explanation.objects.select_related("model__dataset").in_bulk(ids)
    columns = []
    for which in ("leaky", "clean") if session.leaky_is_a else ("clean", "leaky"):
        model = getattr(session, f"{which}_model")
        cases = [
            ShowcaseCase.of(present(explanations[case[which]], NOTHING_EXTRA))
            for case in session.showcase
            if case.get(which) in explanations
        ]
        choice = session.leaky_choice if which == "leaky" else ({Choice.A, Choice.B} - {session.leaky_choice}).pop()
        columns.append(
            ModelColumn(
                letter=Choice(choice).label.removeprefix("Model "),
                choice=choice,
                leaky=which == "leaky",
                model=model,
                holdout=model.holdout if model is not None else None,
                cases=cases,
                clean=session.clean_scores.get(which, {}),
            )
        )
    return columns


def reveal_words(session: ClassSession) -> str:
    """What the reveal says about the leaky model, by its letter."""
    return LESSONS[session.lesson].reveal.format(leaky=Choice(session.leaky_choice).label.removeprefix("Model "))


def lesson_of(session: ClassSession) -> Lesson:
    return LESSONS[session.lesson]


def showcase_explanation(session: ClassSession, index: int, letter: str) -> Explanation:
    """The explanation of showcase case ``index`` by model ``letter`` (a or b), for its pictures."""
    if letter not in Choice.values or not 0 <= index < len(session.showcase):
        raise Http404("No such picture.")
    which = "leaky" if letter == session.leaky_choice else "clean"
    explanation = Explanation.objects.filter(pk=session.showcase[index].get(which)).select_related("model").first()
    if explanation is None:
        raise Http404("No such picture.")
    return explanation
