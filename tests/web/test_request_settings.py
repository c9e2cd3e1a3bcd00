"""One settings object per explanation request: the CLI takes every setting, copies keep them all."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from explanations.models import Explanation

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_the_cli_takes_every_setting_the_forms_take(risk_csv_path):
    out = io.StringIO()
    call_command(
        "explain", str(risk_csv_path), "--target", "risk", "--classifier", "random_forest",
        "--param", "n_estimators=20", "--explainer", "lime", "--row", "4", "--kernel-width", "0.5",
        "--discretizer", "decile", "--num-features", "3", "--label", "high", "--no-diagnostics", "--json",
        stdout=out,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    explanation = Explanation.objects.get(pk=document["explanation"]["id"])
    assert (explanation.kernel_width, explanation.discretizer, explanation.num_features) == (0.5, "decile", 3)
    assert explanation.label_name == "high" and explanation.diagnostics is False
    assert explanation.model.params["n_estimators"] == 20
    assert len(document["explanation"]["weights"]) == 3


@pytest.mark.parametrize(
    ("flags", "sentence"),
    [
        (["--kernel-width", "0"], "error: The neighbourhood width must be between 0.01 and 100."),
        (["--threshold", "0.5", "--explainer", "anchor"], "error: The rule's precision threshold must be between"),
        (["--label", "purple"], "error: --label must be one of the classes"),
        (["--param", "n_estimators"], "error: --param takes NAME=VALUE"),
        (["--seed", "-1"], "error: The random seed must be a whole number from 0 to 2,147,483,647."),
        (["--seed", "99999999999999999999999"], "error: The random seed must be a whole number from 0"),
        (["--segmenter", "slic", "--hide-color", "black"], "error: --segmenter, --hide-color: not a setting for t"),
        (["--image-size", "32"], "error: --image-size: not a setting for tables."),
    ],
)
def test_a_setting_out_of_range_is_one_error_line_from_the_cli(risk_csv_path, capsys, flags, sentence):
    with pytest.raises(SystemExit) as exit_info:
        call_command("explain", str(risk_csv_path), "--target", "risk", "--row", "1", *flags, "--json")
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(sentence), lines


def test_the_same_case_again_keeps_every_setting(logged_in, make_trained_model, user):
    from explanations import services

    first = services.explanation_request(
        model=make_trained_model(user), row_index=8, kernel_width=0.5, discretizer="decile",
        num_features=4, random_state=3, auto_samples=True, dispatch=False,
    )  # fmt: skip
    logged_in.post(reverse("explanations:pair_request", args=[first.pk]))
    second = Explanation.objects.exclude(pk=first.pk).get()
    assert second.explainer == "anchor" and second.row_index == 8
    kept = ("kernel_width", "discretizer", "num_features", "random_state", "auto_samples", "threshold")
    assert {name: getattr(second, name) for name in kept} == {name: getattr(first, name) for name in kept}
