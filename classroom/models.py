"""A classroom session of "Would you trust this model?" and the class's votes.

The session is a job: a worker trains both models of the lesson, explains the showcase cases
with each and measures both on the hidden clean test set (classroom.runs). Voters are anonymous:
a browser is one voter through a signed cookie, and the database keeps one vote per voter.
"""

import secrets

from django.conf import settings
from django.db import models

from classifiers.models import TrainedModel
from jobs.models import Job
from limelight.classroom.lessons import LESSONS


def new_vote_token() -> str:
    # Unguessable, like a share link's token: the link is the only key a voter has.
    return secrets.token_urlsafe(16)


def leaky_is_a() -> bool:
    """Which letter the leaky model goes by, drawn per session so a class cannot learn it."""
    return secrets.randbelow(2) == 0


class Choice(models.TextChoices):
    A = "a", "Model A"
    B = "b", "Model B"


class ClassSession(Job):
    task_name = "classroom.prepare"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_sessions")
    lesson = models.CharField(max_length=32, choices=[(slug, lesson.title) for slug, lesson in LESSONS.items()])
    token = models.CharField(max_length=64, unique=True, default=new_vote_token)
    leaky_is_a = models.BooleanField(default=leaky_is_a)
    leaky_model = models.ForeignKey(TrainedModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    clean_model = models.ForeignKey(TrainedModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    showcase = models.JSONField(default=list, help_text="One {row, leaky, clean} per case: the explanations' ids.")
    clean_scores = models.JSONField(default=dict, help_text="{leaky, clean}: each model on the hidden clean test.")
    revealed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="After this, the vote link shows nothing.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{LESSONS[self.lesson].title} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def leaky_choice(self) -> str:
        return Choice.A if self.leaky_is_a else Choice.B


class Vote(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64, help_text="The browser's id from its signed cookie.")
    choice = models.CharField(max_length=1, choices=Choice.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "voter"], name="one_vote_per_browser")]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} in {self.session}"
