"""The one trust verdict for “what would change it” (issue 26): what it weighs, worked out by hand."""

from __future__ import annotations

import pytest

from limelight.explainers.verdict import TrustSignals, trust_verdict

pytestmark = pytest.mark.unit

# A counterfactual result of a model that beats its baseline and got the case right; none of LIME's
# checks apply (no fit, no curves, no repeated weights).
BASE = dict(explained="low", baseline_class="low", correct=True, actual="low")


def verdict(**signals):
    return trust_verdict(TrustSignals(**BASE, **signals))


def test_ways_found_and_found_again_with_other_seeds_are_trusted():
    found = verdict(counterfactuals_found=True, counterfactual_agreement=1.0)
    assert found.level == "trust"
    assert found.good_signs == (
        "the model beats always guessing “low”",
        "the model got this case right",
        "every change shown was checked by giving it to the model",
        "repeating the search changes the same columns",
    )


def test_ways_that_change_with_the_seed_ask_to_look_closer():
    # Overlap 0.5 (e.g. {age} against {age, bmi}) is under the 0.7 the reasons' agreement must reach too.
    found = verdict(counterfactuals_found=True, counterfactual_agreement=0.5)
    assert found.level == "look_closer"
    assert found.problems == ("the columns that change differ when the search is repeated with other seeds",)


def test_no_way_found_is_not_proof_and_says_so_once():
    found = verdict(counterfactuals_found=False)
    assert found.level == "look_closer"
    # Only this problem: "nothing about the explanation itself was checked" does not pile on.
    assert found.problems == (
        "no change was found that gives the answer asked for, which does not prove that none exists",
    )
