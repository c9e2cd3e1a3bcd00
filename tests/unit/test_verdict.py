"""The one trust verdict, the hold-out's sentences and conditions in words (issue 17), without a database."""

from __future__ import annotations

import math

import pytest

from limelight.explainers.conditions import condition_in_words
from limelight.explainers.verdict import TrustSignals, trust_verdict, unsure_reasons, which_to_believe
from limelight.holdout import holdout_report, no_better_than_baseline, percent

pytestmark = pytest.mark.unit

# A result every check passes: a model that beats its baseline, a close local fit, steady
# reasons, both curves better than random, a right prediction.
GOOD = dict(
    explained="high",
    baseline_class="low",
    fit_score=0.9,
    agreement=1.0,
    deletion_better=True,
    insertion_better=True,
    correct=True,
    actual="high",
)


def verdict(**changes):
    return trust_verdict(TrustSignals(**{**GOOD, **changes}))


def test_every_check_passing_is_trust_with_its_reasons():
    found = verdict()
    assert found.level == "trust" and found.problems == ()
    assert found.sentence == (
        "Trust: the model beats always guessing “low”, the simple model copies the real one closely here "
        "(R² 0.90), repeated runs name the same reasons, hiding its top reasons changes the prediction faster "
        "than a random order and the model got this case right."
    )


def test_a_model_no_better_than_its_baseline_is_do_not_trust_whatever_the_local_fit():
    found = verdict(model_no_better=True)
    assert found.level == "do_not_trust"
    assert found.sentence.startswith("Do not trust: the model does no better than always guessing “low”.")
    # The checks disagree: the sentence says which wins, and why.
    outweighs = "That outweighs the good signs (the simple model copies the real one closely here (R² 0.90)"
    assert outweighs in found.sentence
    assert found.sentence.endswith("however faithfully an explanation copies a guess, it still explains a guess.")


def test_a_poor_local_fit_is_do_not_trust_even_for_a_good_model():
    found = verdict(fit_score=0.2)
    assert found.level == "do_not_trust"
    assert found.problems == ("the simple model copies the real one poorly around this case (R² 0.20)",)
    assert "the model beats always guessing “low”" in found.sentence


def test_reasons_no_better_than_random_are_do_not_trust():
    found = verdict(deletion_better=False, insertion_better=False)
    assert found.level == "do_not_trust"
    assert found.problems[0].startswith("hiding its top reasons moves the prediction no more than")


def test_the_worst_level_wins_and_the_others_are_listed():
    found = verdict(model_no_better=True, correct=False, actual="low", agreement=0.3)
    assert found.level == "do_not_trust"
    assert found.problems == (
        "the model does no better than always guessing “low”",
        "the top reasons change when the explanation is repeated",
        "the model got this case wrong: the file says “low”",
    )
    assert "Also, the top reasons change when the explanation is repeated and the model got this case wrong" in (
        found.sentence
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"rule_meets_threshold": False}, "the rule is not sure to hold as often as asked"),
        ({"agreement": 0.5}, "the top reasons change when the explanation is repeated"),
        ({"unsure": ("age above 50",)}, "the direction of “age above 50” is not sure"),
        (
            {"sign_flips": ("smoker is yes",)},
            "“smoker is yes” changes direction when “similar” is drawn wider or narrower",
        ),
        ({"insertion_better": False}, "only one of hiding and putting back its top reasons beats a random order"),
        ({"fit_score": 0.5}, "the simple model copies the real one only roughly around this case (R² 0.50)"),
        ({"correct": False, "actual": "low"}, "the model got this case wrong: the file says “low”"),
        ({"explained_class_recall": 0.08}, "the model finds only 8% of the “high” cases it was tested on"),
        ({"few_test_rows": True}, "the model's score rests on too few held-out cases to be sure"),
    ],
)
def test_each_look_closer_check(changes, problem):
    found = verdict(**changes)
    assert found.level == "look_closer"
    assert found.problems == (problem,)
    assert found.sentence.startswith(f"Look closer: {problem}.")


def test_an_unstable_top_reason_says_it_outweighs_the_good_fit():
    found = verdict(agreement=0.5)
    assert "That outweighs the good signs (the model beats always guessing “low”; the simple model copies" in (
        found.sentence
    )
    assert found.sentence.endswith("an unstable top reason may be luck of the draw.")


def test_an_explanation_nothing_checked_is_look_closer_and_says_when_checks_are_running():
    bare = TrustSignals(explained="high", baseline_class="low")
    assert trust_verdict(bare).problems == ("nothing about the explanation itself was checked",)
    pending = trust_verdict(TrustSignals(explained="high", baseline_class="low", checks_pending=True))
    assert pending.level == "look_closer"
    assert pending.problems == ("nothing about the explanation itself was checked yet",)
    assert pending.sentence.endswith("More checks are still running.")


def test_an_anchors_rule_that_holds_is_trust():
    found = trust_verdict(TrustSignals(explained="high", baseline_class="low", rule_meets_threshold=True))
    assert found.level == "trust"
    assert found.sentence == "Trust: the model beats always guessing “low” and the rule holds as often as asked."


# The hold-out report, from metrics built by hand.


def metrics(accuracy, baseline, n_test, per_class=(), baseline_class="sun"):
    return {
        "accuracy": accuracy,
        "baseline_accuracy": baseline,
        "baseline_class": baseline_class,
        "n_test": n_test,
        "per_class": [dict(zip(("class", "recall", "support"), item, strict=True)) for item in per_class],
    }


def test_the_baseline_is_said_in_words():
    report = holdout_report(metrics(0.63, 0.49, 100), ["sun", "rain"])
    assert report.baseline_words == "Always saying “sun” is right 49% of the time; this model is right 63% of the time."
    assert not report.no_better and report.warnings == []


def test_no_better_means_not_above_the_baseline_by_one_standard_error():
    # 70% baseline on 100 rows: one standard error is sqrt(0.7 * 0.3 / 100) = 0.0458.
    assert no_better_than_baseline(0.745, 0.70, 100)
    assert not no_better_than_baseline(0.75, 0.70, 100)
    assert math.isclose(0.70 + math.sqrt(0.21 / 100), 0.7458, abs_tol=1e-4)
    report = holdout_report(metrics(0.68, 0.70, 100, baseline_class="no"), ["no", "yes"])
    assert report.warnings == ["This model does no better than always guessing “no”: do not trust its explanations."]


def test_a_class_below_the_recall_floor_is_named():
    report = holdout_report(metrics(0.8, 0.5, 100, [("sun", 0.95, 88), ("drizzle", 1 / 12, 12)]), ["sun", "drizzle"])
    assert report.warnings == ["It finds only 8% of the “drizzle” rows (1 of 12 held out)."]
    never = holdout_report(metrics(0.8, 0.5, 100, [("sun", 1.0, 90), ("fog", 0.0, 10)]), ["sun", "fog"], cases="days")
    assert never.warnings == ["It never finds the “fog” days (0 of 10 held out)."]


def test_a_tiny_hold_out_says_how_few_rows_and_gives_the_interval():
    report = holdout_report(metrics(1.0, 0.67, 3), ["a", "b"])
    assert report.score_words == (
        "Right on 3 of 3 held-out rows — too few to be sure: the true accuracy could be anywhere from 44% to 100%."
    )
    assert report.warnings[-1].startswith("The scores rest on only 3 held-out rows — too few to be sure")
    many = holdout_report(metrics(0.9, 0.5, 200), ["a", "b"])
    assert many.score_words == "Right on 180 of 200 held-out rows (95% interval 85% to 93%)."


def test_a_percent_never_rounds_to_a_bare_100_or_0():
    assert (percent(1.0), percent(0.996), percent(0.004), percent(0.0)) == ("100%", "over 99%", "under 1%", "0%")


def test_metrics_without_a_stored_baseline_class_take_the_largest_held_out_class():
    stored = metrics(0.8, 0.6, 10, [("a", 1.0, 4), ("b", 0.7, 6)])
    del stored["baseline_class"]
    assert holdout_report(stored, ["a", "b"]).baseline_class == "b"
    assert holdout_report({}, ["a", "b"]) is None


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("glucose > 120.00", "glucose above 120"),
        ("28.00 < age <= 37.00", "age 28 to 37"),
        ("age <= 37.50", "age 37.5 or less"),
        ("-1.25 < score <= 0.00", "score -1.25 to 0"),
        ("workclass = Private", "workclass is Private"),
        ("weight is missing", "weight is missing"),
        ("age (45.00)", "age of 45"),
        ("a < b", "a < b"),  # no known form: as it is
    ],
)
def test_conditions_read_as_phrases(condition, words):
    assert condition_in_words(condition) == words


# Issue 23: verdicts that match what a reader sees. Signals built by hand for each situation.

HOLDING_RULE = dict(explained="high", baseline_class="low", rule_meets_threshold=True)


def test_a_rule_that_holds_for_one_row_of_the_file_is_not_trust():
    # The rule's precision is certified, but only the explained row itself meets it in a file of 700.
    found = trust_verdict(
        TrustSignals(**HOLDING_RULE, rule_conditions=("a > 1", "b <= 2"), rule_file_rows=1, rule_coverage=1 / 700)
    )
    assert found.level == "look_closer"
    assert found.problems[0] == (
        "the rule holds for only 1 row of the file: it is true of this row and almost no other, "
        "so it describes this case rather than explains it"
    )


def test_a_rule_of_eight_conditions_covering_a_sliver_of_the_file_is_not_trust():
    # Biopsy row 1: 8 conditions, coverage 0.14% of 699 rows (1 row would be 0.14%; here 10 of 7,000).
    eight = tuple(f"f{i} > 1" for i in range(8))
    found = trust_verdict(
        TrustSignals(**HOLDING_RULE, rule_conditions=eight, rule_file_rows=10, rule_coverage=10 / 7000)
    )
    assert found.level == "look_closer"
    assert found.problems[0] == (
        "the rule needs 8 conditions and covers only 0.14% of the file's rows: it is true of this row and "
        "almost no other, so it describes this case rather than explains it"
    )


def test_a_short_rule_on_a_small_share_of_a_big_file_still_trusts():
    # 2 conditions met by 270 rows of 54,000 (0.5%): a real group of cases, not one case.
    found = trust_verdict(
        TrustSignals(**HOLDING_RULE, rule_conditions=("a > 1", "b = x"), rule_file_rows=270, rule_coverage=0.005)
    )
    assert found.level == "trust"


def test_a_rule_resting_on_a_missing_value_is_not_trust():
    # A penguin with every measurement missing: the rule says how the model treats blanks.
    found = trust_verdict(
        TrustSignals(
            **HOLDING_RULE,
            rule_conditions=("bill_length_mm is missing", "island = Biscoe"),
            rule_file_rows=40,
            rule_coverage=40 / 344,
        )
    )
    assert found.level == "look_closer"
    assert found.problems == (
        "the rule rests on “bill_length_mm is missing”: it says how the model treats a blank, "
        "not what about this case decides it",
    )
    not_missing = TrustSignals(**HOLDING_RULE, rule_conditions=("bill_length_mm is not missing",), rule_file_rows=300)
    assert trust_verdict(not_missing).level == "trust"


def test_a_saturated_deletion_curve_is_cannot_tell_not_a_failure():
    # p = 1.0 and no order of hiding moves it: both curves "no better than random", but saturated.
    found = verdict(deletion_better=False, insertion_better=False, deletion_saturated=True, insertion_saturated=True)
    assert found.level == "trust"
    assert found.problems == ()
    assert found.sentence.endswith(
        "The hiding check cannot tell here: the model is so sure that hiding its top reasons one at a time "
        "does not move it."
    )
    # With one curve saturated, the other still counts on its own.
    alone = verdict(deletion_better=False, insertion_better=False, deletion_saturated=True)
    assert alone.level == "look_closer"
    assert alone.problems == ("putting back its top reasons moves the prediction no more than a random order",)


def test_a_genuinely_bad_deletion_curve_stays_a_failure():
    # Hiding the top reasons moves nothing while random orders do: not saturated, both curves fail.
    found = verdict(deletion_better=False, insertion_better=False, deletion_saturated=False)
    assert found.level == "do_not_trust"


def test_kernel_shap_says_which_checks_apply_to_it():
    found = trust_verdict(TrustSignals(explained="high", baseline_class="low", shap_sum=(0.31, 0.82)))
    assert "nothing about the explanation itself was checked" not in found.sentence
    assert found.level == "look_closer"
    assert found.problems == (
        "KernelSHAP's values were not checked by repeating them, by hiding the top ones or by a local fit "
        "(those checks run for LIME)",
    )
    assert "its values add up to the prediction by construction (from the average 0.31 to 0.82 for this case)" in (
        found.sentence
    )


LIME_GOOD = dict(explained="high", baseline_class="low", fit_score=0.9, agreement=1.0)


def test_when_the_rule_describes_one_row_lime_is_the_better_guide():
    lime = TrustSignals(**LIME_GOOD)
    rule = TrustSignals(**HOLDING_RULE, rule_conditions=("a > 1",), rule_file_rows=1, rule_coverage=0.001)
    assert which_to_believe(lime, rule) == (
        "The rule holds for only 1 row of the file, so it describes this case rather than explains it; "
        "LIME's weights are the better guide here."
    )


def test_when_lime_fits_poorly_and_the_rule_holds_widely_believe_the_rule():
    lime = TrustSignals(explained="high", baseline_class="low", fit_score=0.12)
    rule = TrustSignals(
        **HOLDING_RULE,
        rule_conditions=("a > 1",),
        rule_file_rows=400,
        rule_coverage=0.4,
        rule_precision=0.97,
        rule_support=2000,
    )
    assert which_to_believe(lime, rule) == (
        "LIME's local fit is poor (R² 0.12) while the rule holds for 97% of 2,000 cases it was checked on: "
        "believe the rule."
    )


def test_when_both_fail_neither_is_believed_and_when_they_agree_nothing_is_said():
    lime = TrustSignals(explained="high", baseline_class="low", fit_score=0.12)
    rule = TrustSignals(**HOLDING_RULE, rule_conditions=("a > 1",), rule_file_rows=1, rule_coverage=0.001)
    assert which_to_believe(lime, rule).startswith("Neither explains this case well: the rule holds for only 1 row")
    assert which_to_believe(TrustSignals(**LIME_GOOD), TrustSignals(**HOLDING_RULE)) == ""


def test_only_reasons_that_matter_count_as_unsure():
    # The loan demo: age decides (0.634); two reasons under a tenth of it waver, one that matters does too.
    features = [
        {"condition": "age <= 39.00", "mean": 0.634, "sign_uncertain": False},
        {"condition": "smoker = yes", "mean": -0.2, "sign_uncertain": True},  # 0.2 >= 0.0634: it matters
        {"condition": "66.40 < weight <= 75.60", "mean": 0.037, "sign_uncertain": True},  # under a tenth
        {"condition": "city = Lyon", "mean": 0.009, "sign_uncertain": True},
    ]
    assert unsure_reasons(features) == ["smoker = yes"]
    assert unsure_reasons([]) == []
