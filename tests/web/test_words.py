"""Words on the pages (issue 23): counts agree with their number and group thousands, a default is
not called something the person asked for, and each technical term says what it means where it is shown."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import csv_bytes, risk_table

pytestmark = pytest.mark.web


def visible_text(page: str) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_count_agrees_with_its_number_and_groups_its_thousands():
    from classifiers.templatetags.limelight import counted

    assert counted(1, "row") == "1 row"
    assert counted(0, "row") == "0 rows"
    assert counted(2, "row") == "2 rows"
    assert counted(1234, "row") == "1,234 rows"
    assert counted(1, "class,classes") == "1 class"
    assert counted(3, "class,classes") == "3 classes"


def test_a_page_of_one_row_says_1_row(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]), {"q": "1003", "in": "patient_id"}).text
    assert "Page 1 of 1 (1 row)" in visible_text(page)


def test_a_file_of_1600_rows_is_counted_with_a_thousands_separator(logged_in, make_dataset, user):
    from classifiers import runs, services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    dataset = make_dataset(user, content=csv_bytes(risk_table(rows=1600)))
    model = services.model_train_request(dataset=dataset, target="risk", classifier="naive_bayes", dispatch=False)
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    words = visible_text(logged_in.get(reverse("classifiers:model", args=[model.pk])).text)
    assert "Page 1 of 107 (1,600 rows)" in words  # 15 rows a page: 106 full pages and one of 10
    n_train = model.metrics["n_train"]
    assert n_train >= 1000  # most of the 1,600 rows are learnt from
    assert f"on {n_train:,} rows" in words
    home = visible_text(logged_in.get(reverse("classifiers:home")).text)
    assert " 1,600 " in home


def test_the_usual_rule_threshold_is_not_called_what_the_person_asked_for(
    logged_in, make_trained_model, make_explanation, user
):
    model = make_trained_model(user)
    usual = make_explanation(model, row=4, explainer="anchor")  # the threshold left at its default, 0.95
    words = visible_text(logged_in.get(reverse("explanations:detail", args=[usual.pk])).text)
    assert "You asked" not in words
    assert "at least 95 times in 100" in words
    asked = make_explanation(model, row=4, explainer="anchor", threshold=0.9)
    words = visible_text(logged_in.get(reverse("explanations:detail", args=[asked.pk])).text)
    assert "You asked for a rule that holds at least 90 times in 100" in words


def test_each_term_says_what_it_means_where_it_is_shown(logged_in, make_trained_model, make_explanation, user):
    model = make_trained_model(user)
    summary = visible_text(logged_in.get(reverse("classifiers:model", args=[model.pk])).text)
    assert re.search(r"balanced accuracy the average over classes", summary)
    assert re.search(r"macro F1 the average, over classes, of how well each class is found", summary)
    explanation = make_explanation(model, row=4, num_samples=300)
    words = visible_text(logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text)
    assert re.search(r"R² = -?[\d.]+: 1 would mean", words), "R² is explained where it is shown"
    assert re.search(r"seed \d+: the number that fixes the random draws", words)


@pytest.mark.parametrize(("precision", "said"), [(1.0, "for every one of them"), (0.985, "for 98.5% of them")])
def test_a_rule_that_held_on_every_variation_says_every_one_not_a_bare_100_percent(precision, said):
    """2,000 of 2,000 reads 'every one of them' beside its 95% range, never a bare '100.0%'."""
    from django.template.loader import render_to_string

    rule = {
        "is_empty": False, "conditions": ["age <= 37.75"], "checked_on": "samples", "support": 2000,
        "precision": precision, "low_in_100": 99, "high_in_100": 100, "file_rows": None,
        "coverage_percent": None, "meets_threshold": True, "threshold_is_default": True, "threshold_in_100": 95,
        "candidates_tried": 23, "samples_used": 4200,
    }  # fmt: skip
    view = {"rule": rule, "predicted": "low", "kind": {"rule_keeps_words": False, "words": {"cases": "rows"}}}
    page = " ".join(render_to_string("explanations/_anchor.html", {"view": view}).split())

    assert said in page
    assert "100.0%" not in page
