"""Amounts in words (issue 25): numbers with their unit, and an amount model's scores in sentences.

Expected strings are worked out by hand from the numbers given, never read back from the code."""

from __future__ import annotations

import pytest

from limelight.amount_words import amount, amount_scores, effect_words, number, signed_amount

pytestmark = pytest.mark.unit

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (4213.7, "4,214"),  # three significant digits, but never fewer than the whole part
        (310.4, "310"),
        (65.43, "65.4"),
        (3.456, "3.46"),
        (0.04567, "0.0457"),
        (2.0, "2"),  # no trailing zeros
        (0.0, "0"),
        (-12.0, f"{MINUS}12"),
        (1_234_567.0, "1,234,567"),
    ],
)
def test_numbers_keep_three_significant_digits_and_group_thousands(value, shown):
    assert number(value) == shown


def test_an_amount_carries_its_unit_and_an_effect_its_direction():
    assert amount(4213.7, "g") == "4,214 g"
    assert amount(12.5, "%") == "12.5%"
    assert amount(3.2) == "3.2"
    assert signed_amount(650.2, "g") == "+650 g"
    assert signed_amount(-12.04, "g") == f"{MINUS}12 g"
    assert effect_words(650.2, "g") == "adds about 650 g"
    assert effect_words(-12.04, "g") == "takes away about 12 g"


def test_scores_say_the_error_in_the_unit_beside_the_baseline_of_the_average():
    # A hand-made case: off by 310 g where always predicting the average 4,202 g is off by 650 g.
    metrics = {"mae": 310.4, "r2": 0.8123, "baseline_mae": 650.0, "n_test": 84, "n_train": 250, "train_mean": 4201.9}
    scores = amount_scores(metrics, target="body_mass_g", unit="g")
    assert scores.mae_words == "Off by 310 g on average on the 84 held-out rows."
    assert scores.baseline_words == (
        "Always predicting the average “body_mass_g” (4,202 g) would be off by 650 g on average; "
        "this model is off by 310 g."
    )
    assert scores.r2_words == "It accounts for 81% of how “body_mass_g” differs from one row to the next."
    assert not scores.no_better and scores.warnings == []


def test_a_model_no_closer_than_the_average_is_flagged_and_few_rows_are_said():
    metrics = {"mae": 700.0, "r2": -0.05, "baseline_mae": 650.0, "n_test": 12}
    scores = amount_scores(metrics, target="price", cases="rows")
    assert scores.no_better and scores.few_rows
    assert scores.r2_words == "It accounts for none of how “price” differs from one row to the next."
    assert scores.warnings == [
        "This model does no better than always predicting the average “price”: do not trust its explanations.",
        "The scores rest on only 12 held-out rows — too few to be sure of them.",
    ]
    # Without the training average the baseline is still said, without the number.
    assert scores.baseline_words.startswith("Always predicting the average “price” would be off by 650 on average")


def test_an_r2_just_short_of_one_is_never_a_bare_100_percent():
    scores = amount_scores({"mae": 1.0, "r2": 0.996, "baseline_mae": 9.0, "n_test": 50}, target="y")
    assert "over 99%" in scores.r2_words


def test_no_scores_without_the_amount_metrics():
    assert amount_scores({"accuracy": 0.9, "n_test": 40}, target="y") is None
    assert amount_scores({"mae": 1.0, "r2": 0.5, "baseline_mae": 2.0, "n_test": 0}, target="y") is None
