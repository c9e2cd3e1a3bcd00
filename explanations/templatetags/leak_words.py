"""The sentence beside a result that leans on a leak: a feature that alone gives the target away."""

from __future__ import annotations

from django import template

from explanations.models import Explanation
from limelight.leaks import leak_sentence, leaned_on

register = template.Library()


@register.simple_tag
def leak_sentences(explanation: Explanation) -> list[str]:
    """One sentence per leak this finished result leans on (limelight.leaks.leaned_on); [] for none."""
    model = explanation.model
    if not model.leaks or not explanation.result:
        return []
    leaned = set(leaned_on(model.leaks, explanation.result))
    cases = model.data_kind.words.cases
    return [
        f"This explanation leans on {_shown(leak)}. {leak_sentence(leak, target=model.target, cases=cases)}"
        for leak in model.leaks
        if leak["feature"] in leaned
    ]


def _shown(leak: dict) -> str:
    return leak["feature"] if leak["kind"] == "region" else f"“{leak['feature']}”"
