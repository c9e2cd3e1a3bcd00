"""A share link that no longer works says so on a page of the site, and shares nothing (issue 23).

A reader who opens a stopped, expired or made-up link sees a page of Limelight that says which
(and that the person who shared it can make a new one), never Django's bare "Not Found", and
nothing of the explanation that was behind it. New links last 30 days unless the person
sharing chooses otherwise.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from explanations import services
from explanations.models import ShareLink
from jobs.services import job_run
from tests.conftest import csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]

# Words chosen so that none of them can appear on a page by chance: if one shows, it came from the link.
FILE_NAME = "qzv-ward-admissions.csv"
TARGET = "prognosis_qzv"
CLASSES = {"high": "Xanthoqzv", "low": "Umbraqzv"}
FEATURE = "age_qzv"


@pytest.fixture
def secret_explanation(make_dataset, make_explanation, user):
    frame = risk_table().rename(columns={"risk": TARGET, "age": FEATURE})
    frame[TARGET] = frame[TARGET].map(CLASSES)
    dataset = make_dataset(user, csv_bytes(frame), name=FILE_NAME)
    model = classifier_services.model_train_request(
        dataset=dataset, target=TARGET, classifier="random_forest", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return make_explanation(model, row=3, num_samples=300)


def secrets_on(page: str) -> list[str]:
    return [word for word in (FILE_NAME, TARGET, FEATURE, *CLASSES.values()) if word in page]


def test_the_secret_words_are_on_a_working_link_so_their_absence_below_means_something(
    client, secret_explanation, user
):
    link = services.share_link_create(user=user, explanation=secret_explanation)
    page = client.get(reverse("shared:view", args=[link.token])).text
    assert TARGET in page and FEATURE in page and secret_explanation.label_name in page


def test_a_stopped_link_says_it_was_stopped_on_a_page_of_the_site_and_shows_nothing_behind_it(
    client, secret_explanation, user
):
    link = services.share_link_create(user=user, explanation=secret_explanation)
    services.share_link_revoke(link=link)
    for name in ("view", "present"):
        response = Client().get(reverse(f"shared:{name}", args=[link.token]))
        assert response.status_code == 404
        page = response.text
        assert "This link was stopped" in page, name
        assert "can make a new one" in page
        assert "Limelight" in page and "Not Found" not in page
        assert secrets_on(page) == [], name
        assert "Log out" not in page and "My data" not in page  # the shared pages' header, not the owner's


def test_an_expired_link_says_it_has_expired_and_shows_nothing_behind_it(client, secret_explanation, user):
    link = services.share_link_create(user=user, explanation=secret_explanation, expires_in_days=1)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("shared:view", args=[link.token]))
    assert response.status_code == 404
    assert "This link has expired" in response.text and "can make a new one" in response.text
    assert "stopped" not in response.text.lower().replace("you can stop", "")
    assert secrets_on(response.text) == []


def test_a_made_up_token_says_the_link_does_not_exist(client, secret_explanation):
    response = client.get(reverse("shared:view", args=["x" * 43]))
    assert response.status_code == 404
    assert "This link does not exist" in response.text and "Not Found" not in response.text
    assert "expired" not in response.text and "This link was stopped" not in response.text


def test_a_stopped_model_link_shows_nothing_of_the_model(client, secret_explanation, user):
    link = services.share_link_create(user=user, model=secret_explanation.model)
    services.share_link_revoke(link=link)
    response = client.get(reverse("shared:view", args=[link.token]))
    assert response.status_code == 404 and "This link was stopped" in response.text
    assert secrets_on(response.text) == []


def selected_days(page: str) -> str:
    """The value the share form's "Link works for" menu starts on, as a browser would send it."""
    menu = re.search(r'<select name="days"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', menu)
    return chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', menu).group(1)


@pytest.mark.parametrize("target", ["explanation", "model"])
def test_a_link_made_with_the_form_as_it_starts_stops_working_after_30_days(logged_in, secret_explanation, target):
    if target == "explanation":
        page_url = reverse("explanations:detail", args=[secret_explanation.pk])
        share_url = reverse("explanations:share", args=[secret_explanation.pk])
    else:
        page_url = reverse("classifiers:model", args=[secret_explanation.model.pk])
        share_url = reverse("explanations:share_model", args=[secret_explanation.model.pk])
    page = logged_in.get(page_url).text
    assert "The link stops working after 30 days; you can stop it sooner" in page
    assert "until I stop it" in page  # still a choice, just not the one made for you
    logged_in.post(share_url, {"days": selected_days(page)})
    link = ShareLink.objects.get()
    assert link.expires_at is not None
    assert abs(link.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
