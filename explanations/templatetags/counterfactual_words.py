"""The “what would change it” result in words, for its partial (explanations.counterfactual_presenter)."""

from __future__ import annotations

from django import template

from explanations.counterfactual_presenter import CounterfactualView, counterfactual_view
from explanations.models import Explanation

register = template.Library()


@register.simple_tag
def counterfactuals_of(explanation: Explanation) -> CounterfactualView:
    return counterfactual_view(explanation)
