"""The explanation side of the classifiers app's pages: the model page's forms and overview, the home page's list.

Those pages belong to the classifiers app, which sits below this one; it names these tags in its
templates rather than importing explanations, so the arrow between the apps points one way.
"""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from classifiers.models import TrainedModel
from explanations.forms import ExplainForm, ShareForm
from explanations.models import Explanation, ModelOverview, ModelReport
from explanations.selectors import latest_overview as latest_overview_of
from explanations.selectors import latest_report as latest_report_of

register = template.Library()


@register.simple_tag
def explain_form(model: TrainedModel) -> ExplainForm:
    """The form that asks for an explanation of one of the model's rows."""
    return ExplainForm(model=model)


@register.simple_tag
def share_form(model: TrainedModel) -> ShareForm:
    """The form that makes a share link to the model's summary."""
    return ShareForm(model=model)


@register.simple_tag
def latest_overview(model: TrainedModel) -> ModelOverview | None:
    return latest_overview_of(model)


@register.simple_tag
def latest_report(model: TrainedModel) -> ModelReport | None:
    """The model's newest whole-model report (finished or under way), for the link to it."""
    return latest_report_of(model)


@register.simple_tag
def explanations_of(user) -> QuerySet[Explanation]:
    """The person's latest explanations, newest first, for the home page."""
    return Explanation.objects.filter(model__dataset__owner=user).select_related("model__dataset")[:20]
