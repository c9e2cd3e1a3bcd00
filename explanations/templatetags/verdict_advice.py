"""Which explanation to believe when a page shows LIME and an Anchors rule for the same case."""

from __future__ import annotations

from django import template

from explanations import verdicts
from explanations.models import Explainer

register = template.Library()


@register.simple_tag
def which_to_believe(sides: list[dict]) -> str:
    """The advice for the side-by-side page's two finished results; '' unless one is LIME and one a rule."""
    done = {side["explanation"].explainer: side["explanation"] for side in sides if side.get("view")}
    lime, rule = done.get(Explainer.LIME), done.get(Explainer.ANCHOR)
    if lime is None or rule is None or lime.model_id != rule.model_id:
        return ""
    return verdicts.which_to_believe(lime, rule)
