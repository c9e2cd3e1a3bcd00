"""The one settings object of an explanation request: ranges checked once, copies whole."""

from types import SimpleNamespace

import pytest

from explanations.request_settings import BOUNDS, ExplanationSettings
from limelight.errors import InputError

pytestmark = pytest.mark.unit


def test_defaults_are_valid_and_a_copy_keeps_every_setting():
    assert ExplanationSettings().checked() == ExplanationSettings()
    asked = ExplanationSettings(
        explainer="lime", kernel_width=0.5, segmenter="slic", segment_params={"n_segments": 40},
        hide_color="blur", discretizer="decile", top_segments=3, random_state=7, auto_samples=True,
    )  # fmt: skip
    stored = SimpleNamespace(**asked.as_fields())  # what the explanation row holds
    assert ExplanationSettings.of(stored) == asked
    assert ExplanationSettings.of(stored).replace(explainer="anchor").kernel_width == 0.5
    wanted = ExplanationSettings(
        explainer="counterfactual", desired_label=1, fixed_columns=("age", "sex"),
        value_ranges={"bmi": (18.5, None)}, counterfactual_count=5,
    )  # fmt: skip
    stored = SimpleNamespace(**wanted.checked().as_fields())
    assert (stored.fixed_columns, stored.value_ranges) == (["age", "sex"], {"bmi": [18.5, None]})  # JSON
    assert ExplanationSettings.of(stored) == wanted


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"num_samples": 99}, "similar cases must be between 100 and 50,000"),
        ({"num_samples": 50_001}, "between 100 and 50,000"),
        ({"num_features": 0}, "number of reasons must be between 1 and 30"),
        ({"threshold": 0.5}, "threshold must be between 0.8 and 0.99"),
        ({"threshold": float("nan")}, "must be a number"),
        ({"kernel_width": 0.0}, "neighbourhood width must be between 0.01 and 100"),
        ({"max_anchor_size": 31}, "conditions in a rule must be between 1 and 30"),
        ({"top_segments": 21}, "regions to highlight must be between 1 and 20"),
        ({"num_samples": 1000.5}, "whole number"),
        ({"explainer": "magic"}, "Unknown explainer “magic”"),
        ({"hide_color": "pink"}, "Unknown way of hiding a region “pink”"),
        ({"segmenter": "slic", "segment_params": {"kernel_size": 3}}, "has no setting “kernel_size”"),
        ({"segmenter": "slic", "segment_params": {"n_segments": 1}}, "between 2 and 500"),
        ({"counterfactual_count": 11}, "number of ways to find must be between 1 and 10"),
        ({"desired_label": -1}, "Choose one of the model's classes as the answer to reach"),
        ({"value_ranges": {"age": (60, 20)}}, "range for “age” starts above where it ends"),
        ({"value_ranges": {"age": (float("inf"), None)}}, "range for “age” must be a number"),
    ],
)
def test_each_setting_out_of_range_is_one_plain_sentence(changes, words):
    with pytest.raises(InputError, match=words):
        ExplanationSettings(**changes).checked()


# Each setting's range, written out by hand rather than read from BOUNDS: changing one is a
# decision this test makes visible, and a range checked against itself proves nothing.
RANGES = {
    "num_samples": (100, 50_000),
    "num_features": (1, 30),
    "kernel_width": (0.01, 100.0),
    "threshold": (0.8, 0.99),
    "max_anchor_size": (1, 30),
    "top_segments": (1, 20),
    "random_state": (0, 2_147_483_647),
    "counterfactual_count": (1, 10),
}


@pytest.mark.parametrize(("name", "low", "high"), [(name, low, high) for name, (low, high) in RANGES.items()])
def test_the_bounds_are_inclusive(name, low, high):
    for value in (low, high):
        ExplanationSettings(**{name: value}).checked()
    step = 1 if isinstance(low, int) else 0.001  # just outside, by a whole number or a little
    for value in (low - step, high + step):
        with pytest.raises(InputError):
            ExplanationSettings(**{name: value}).checked()
    assert set(RANGES) == set(BOUNDS)  # every setting with a range is covered here


# -- training ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, 2**31, 99999999999999999999999, 1.5, True, "7"])
def test_a_training_seed_outside_what_the_database_holds_is_refused_in_words(seed):
    from limelight.training_settings import TrainingSettings

    with pytest.raises(InputError, match="random seed must be a whole number from 0 to 2,147,483,647"):
        TrainingSettings(random_state=seed).checked()


def test_training_settings_are_checked_into_a_plain_copy():
    from limelight.training_settings import TrainingSettings

    settings = TrainingSettings(target="risk", params=None, text_column=None, random_state=2**31 - 1).checked()
    assert (settings.params, settings.text_column, settings.random_state) == ({}, "", 2**31 - 1)
    with pytest.raises(InputError, match="by name"):
        TrainingSettings(params=[("max_depth", 3)]).checked()
